"""The situation rules editor: a changed threshold applied from the editor changes what the
running rules detect; a file with a mistake is refused with its line, and the rules in force
keep working, whether the mistake comes from the editor or from the file on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.events import SensorReading
from core.rules.definitions import DEFAULT_RULE_FILE
from tests.gui.live_station import LiveStation, live_station
from ui.rules_editor import RulesEditorDialog
from ui.settings import Settings
from ui.situation_rules import write_atomically

# Two PM10 monitors more than 3.5 km apart.
QUIET, LOUD = "SEN-PM10-11010-001", "SEN-PM10-11030-001"

RULES = """# One rule, for the tests.
[[rule]]
id = "pm10-test"
kind = "threshold"
sensor_kind = "pm10"
levels = { caution = 100 }
min_level = "caution"
hysteresis = 0
[rule.produces]
incident_type = "E-PM"
severity = 3
summary_ko = "{name} 미세먼지 {value:.0f} {unit}"
summary_en = "{name}: PM10 at {value:.0f} {unit}"
"""


def publish(station: LiveStation, sensor_id: str, value: float) -> None:
    event = SensorReading(sensor_id, value).to_new("test", f"sensor:{sensor_id}")
    station.backend.publish([event]).result()


def judged_without_detection(qtbot: Any, station: LiveStation, sensor_id: str) -> None:
    """Publish a reading at 80 of ``sensor_id``, then one that is detected whatever the
    threshold: the rules judge in order, so once the second is detected the first was
    judged too."""
    before = len(station.situations)
    publish(station, sensor_id, 80)
    publish(station, LOUD, 100_000 + before)  # a new episode each time: it fires again
    publish(station, LOUD, 0)
    qtbot.waitUntil(lambda: len(station.situations) > before, timeout=10_000)
    assert not station.detected(sensor_id)


def open_editor(qtbot: Any, station: LiveStation) -> RulesEditorDialog:
    qtbot.waitUntil(lambda: station.services.rules.rule_count > 0, timeout=10_000)
    station.window.rules_action.trigger()
    dialog = station.window.rules_editor
    assert dialog is not None and dialog.isVisible()
    return dialog


def own_rules(path: Path) -> Any:
    def configure(settings: Settings) -> None:
        path.write_text(RULES, encoding="utf-8")
        settings.rules_file = path

    return configure


def test_a_threshold_changed_in_the_editor_changes_what_is_detected(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    with live_station(qtbot, tmp_path / "ws", own_rules(path)) as station:
        dialog = open_editor(qtbot, station)
        assert dialog.editor.toPlainText() == RULES
        assert not dialog.editor.isReadOnly() and dialog.apply_button.isEnabled()
        assert str(path) in dialog.file_label.text()
        judged_without_detection(qtbot, station, QUIET)

        dialog.editor.setPlainText(RULES.replace("caution = 100", "caution = 50"))
        dialog.apply_button.click()
        qtbot.waitUntil(lambda: "Saved and applied" in dialog.result_label.text(), timeout=10_000)
        assert "caution = 50" in path.read_text(encoding="utf-8")
        assert not dialog.editor.document().isModified()

        publish(station, QUIET, 80)
        qtbot.waitUntil(lambda: station.detected(QUIET), timeout=10_000)
        # The window says so too, and the file's own change on disk is not a second reload.
        assert "Saved and applied: 1 rules" in station.window.status.notice_label.text()


def test_a_typo_is_refused_with_its_line_and_the_old_rules_keep_working(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"
    with live_station(qtbot, tmp_path / "ws", own_rules(path)) as station:
        dialog = open_editor(qtbot, station)
        broken = RULES.replace("caution = 100", "caution = 50").replace("min_level", "min_levle")
        dialog.editor.setPlainText(broken)
        dialog.check_button.click()
        qtbot.waitUntil(lambda: "Refused" in dialog.result_label.text(), timeout=10_000)
        assert "line 7" in dialog.result_label.text()
        assert "min_levle" in dialog.result_label.text()
        assert dialog.editor.textCursor().blockNumber() == 6  # the cursor went to the line
        assert len(dialog.editor.extraSelections()) == 1

        dialog.apply_button.click()
        qtbot.waitUntil(lambda: dialog.apply_button.isEnabled(), timeout=10_000)
        assert "line 7" in dialog.result_label.text()
        assert path.read_text(encoding="utf-8") == RULES  # nothing was written
        # Still the old threshold: 80 is not detected, 100 is.
        judged_without_detection(qtbot, station, QUIET)
        publish(station, QUIET, 120)
        qtbot.waitUntil(lambda: station.detected(QUIET), timeout=10_000)


def test_the_file_changed_on_disk_is_reloaded_or_refused(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    with live_station(qtbot, tmp_path / "ws", own_rules(path)) as station:
        qtbot.waitUntil(lambda: station.services.rules.rule_count == 1, timeout=10_000)
        notice = station.window.status.notice_label

        write_atomically(path, RULES.replace('"pm10-test"', "pm10 test"))
        qtbot.waitUntil(lambda: "File refused" in notice.text(), timeout=10_000)
        assert "previous rules stay in force: line 3" in notice.text()
        judged_without_detection(qtbot, station, QUIET)

        write_atomically(path, RULES.replace("caution = 100", "caution = 50"))
        qtbot.waitUntil(lambda: "Reloaded: 1 rules" in notice.text(), timeout=10_000)
        publish(station, QUIET, 80)
        qtbot.waitUntil(lambda: station.detected(QUIET), timeout=10_000)


def test_the_shipped_rules_are_read_only_and_save_as_makes_an_own_copy(
    qtbot: Any, tmp_path: Path
) -> None:
    with live_station(qtbot, tmp_path / "ws") as station:
        dialog = open_editor(qtbot, station)
        rules = station.services.rules
        assert rules.is_shipped and rules.path == DEFAULT_RULE_FILE
        assert dialog.editor.isReadOnly() and not dialog.apply_button.isEnabled()
        assert "read-only" in dialog.file_label.text()
        shipped = DEFAULT_RULE_FILE.read_text(encoding="utf-8")

        copy = tmp_path / "mine" / "rules.toml"
        dialog.save_as(copy)
        qtbot.waitUntil(lambda: "Saved and applied" in dialog.result_label.text(), timeout=10_000)
        assert copy.read_text(encoding="utf-8") == shipped
        assert station.context.settings.rules_file == copy and not rules.is_shipped
        assert not dialog.editor.isReadOnly() and dialog.apply_button.isEnabled()
        assert str(copy) in dialog.file_label.text()
        assert DEFAULT_RULE_FILE.read_text(encoding="utf-8") == shipped


def test_a_broken_own_file_at_start_runs_the_shipped_rules_until_it_is_fixed(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "rules.toml"

    def configure(settings: Settings) -> None:
        path.write_text(RULES.replace("caution = 100", 'caution = "high"'), encoding="utf-8")
        settings.rules_file = path

    with live_station(qtbot, tmp_path / "ws", configure) as station:
        rules = station.services.rules
        shipped = len(
            [line for line in DEFAULT_RULE_FILE.read_text().splitlines() if line == "[[rule]]"]
        )
        qtbot.waitUntil(lambda: rules.rule_count == shipped, timeout=10_000)
        notices = [n.text for n in station.context.notices.history]
        assert any("running the shipped rules: line 6" in n for n in notices)
        assert rules.path == path and not rules.is_shipped

        write_atomically(path, RULES)
        qtbot.waitUntil(lambda: rules.rule_count == 1, timeout=10_000)
        assert oct(path.stat().st_mode & 0o777) == oct(0o644)
        judged_without_detection(qtbot, station, QUIET)
