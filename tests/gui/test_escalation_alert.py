"""Automatic escalation on a live workstation, on a fake clock: a critical incident nobody
acknowledges within the limit is escalated once by system:escalation, shown in a red banner at
the top of the window and sounded; acknowledged in time it is not; an overdue procedure step
is told once; the limit is a checked setting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from core.clock import FakeClock, SystemClock
from core.commands import Acknowledge, ReportIncident
from core.events import EventRecord, EventType
from core.model import IncidentStatus
from core.sop.escalation import ACTOR
from tests.gui.live_station import LiveStation, lite_city, live_station
from ui.feed_settings import SettingsError
from ui.settings import Settings


def report(station: LiveStation, type_code: str = "F-FIRE") -> EventRecord:
    lat, lon = lite_city().district("11230").centroid
    command = ReportIncident(type_code, lat, lon, "11230")
    return station.backend.submit(command, "agency:119").result()[0]


def escalations(station: LiveStation, incident_id: str) -> list[EventRecord]:
    """The incident's escalations in the log, once every command submitted so far is decided
    (the backend decides in order, so a later query waits for them)."""
    station.backend.stats().result()
    records = station.backend.incident_events(incident_id).result()
    return [r for r in records if r.type == EventType.INCIDENT_ESCALATED]


def with_sound(settings: Settings) -> None:
    settings.alert_sound = True


def test_a_critical_incident_left_unacknowledged_is_escalated_once_with_a_banner(
    qtbot: Any, tmp_path: Path
) -> None:
    clock = FakeClock(SystemClock().now_ms())
    with live_station(qtbot, tmp_path / "ws", with_sound, clock=clock) as station:
        watcher, window = station.services.escalation, station.window
        banner = watcher.banner
        reported = report(station)
        incident_id = str(reported.subject)
        incidents = station.context.store.state.incidents
        qtbot.waitUntil(lambda: incident_id in incidents)
        clock.set(reported.ts_ms + 59_000)
        watcher.tick()
        assert escalations(station, incident_id) == []
        assert not window.alert_bar.isVisible()

        clock.set(reported.ts_ms + 60_000)
        qtbot.waitUntil(window.alert_bar.isVisible, timeout=5_000)  # the watcher's own tick
        row = banner.rows[incident_id]
        assert row.label.text() == (
            f"Supervisor: {incident_id} critical, not acknowledged for 1:00"
        )
        # At the top of the window, right under the menus, above whatever the docks show.
        assert window.toolBarArea(window.alert_bar) is Qt.ToolBarArea.TopToolBarArea
        assert window.alert_bar.y() <= window.menuBar().geometry().bottom() + 2
        assert watcher.sound.played == 1

        clock.advance(30_000)
        for _ in range(3):
            watcher.tick()
        (escalated,) = escalations(station, incident_id)
        assert escalated.actor == ACTOR == "system:escalation"
        assert escalated.payload["comment"] == "Not acknowledged within 60 s"
        assert incidents[incident_id].escalations == 1
        assert row.label.text().endswith("not acknowledged for 1:30")
        assert watcher.sound.played == 1  # sounded once, not every second

        row.select_button.click()
        assert station.context.selection.incident_id == incident_id
        station.backend.submit(Acknowledge(incident_id), "operator:kim").result()
        qtbot.waitUntil(lambda: not window.alert_bar.isVisible(), timeout=5_000)


def test_acknowledged_in_time_it_is_not_escalated(qtbot: Any, tmp_path: Path) -> None:
    clock = FakeClock(SystemClock().now_ms())
    with live_station(qtbot, tmp_path / "ws", clock=clock) as station:
        watcher = station.services.escalation
        reported = report(station)
        incident_id = str(reported.subject)
        clock.set(reported.ts_ms + 30_000)
        station.backend.submit(Acknowledge(incident_id), "operator:kim").result()
        incidents = station.context.store.state.incidents
        qtbot.waitUntil(
            lambda: (
                incident_id in incidents
                and incidents[incident_id].status is IncidentStatus.ACKNOWLEDGED
            )
        )
        clock.advance(600_000)
        watcher.tick()
        assert escalations(station, incident_id) == []
        assert not watcher.banner.active and not station.window.alert_bar.isVisible()


def test_a_dismissed_alert_stays_hidden_and_the_limit_follows_the_setting(
    qtbot: Any, tmp_path: Path
) -> None:
    clock = FakeClock(SystemClock().now_ms())

    def configure(settings: Settings) -> None:
        settings.escalate_after_s = 10

    with live_station(qtbot, tmp_path / "ws", configure, clock=clock) as station:
        watcher = station.services.escalation
        reported = report(station)
        incident_id = str(reported.subject)
        qtbot.waitUntil(lambda: incident_id in station.context.store.state.incidents)
        clock.set(reported.ts_ms + 10_000)
        watcher.tick()
        (escalated,) = escalations(station, incident_id)
        assert escalated.payload["comment"] == "Not acknowledged within 10 s"
        qtbot.waitUntil(lambda: incident_id in watcher.banner.rows)
        watcher.banner.rows[incident_id].dismiss_button.click()
        assert not station.window.alert_bar.isVisible()
        clock.advance(5_000)
        watcher.tick()
        assert not watcher.banner.active


FIRE_PROCEDURE = """\
id = "fire-test"
version = 1
title_ko = "화재 시험"
title_en = "Fire, for the test"
service = "fire_dispatch"
incident_types = ["F-FIRE"]

[[step]]
id = "look"
title_ko = "현장 확인"
title_en = "Look at the fire"
due_s = 60

[[step]]
id = "call"
title_ko = "119 통보"
title_en = "Call 119"
due_s = 120
"""


def test_an_overdue_step_is_told_once(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "sop"
    shipped.mkdir()
    (shipped / "fire-test.toml").write_text(FIRE_PROCEDURE, encoding="utf-8")
    monkeypatch.setattr("ui.app.SOP_DIR", shipped)
    clock = FakeClock(SystemClock().now_ms())
    with live_station(qtbot, tmp_path / "ws", clock=clock) as station:
        watcher = station.services.escalation
        reported = report(station)
        incident_id = str(reported.subject)
        incidents = station.context.store.state.incidents
        qtbot.waitUntil(
            lambda: incident_id in incidents and incidents[incident_id].procedure is not None,
            timeout=10_000,
        )
        run = incidents[incident_id].procedure
        assert run is not None and run.procedure_id == "fire-test"

        def told() -> list[str]:
            return [n.text for n in station.context.notices.history if "overdue" in n.text]

        clock.set(run.started_ms + 59_999)
        watcher.tick()
        assert told() == []
        clock.set(run.started_ms + 60_000)
        for _ in range(3):
            watcher.tick()
        assert told() == [f"{incident_id}: step 'Look at the fire' overdue"]


def test_the_limit_is_a_checked_setting(tmp_path: Path) -> None:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings = Settings(store)
    assert settings.escalate_after_s == 60
    with pytest.raises(SettingsError, match="escalate_after_s"):
        settings.escalate_after_s = 5
    settings.escalate_after_s = 90
    assert Settings(store).escalate_after_s == 90
    store.setValue("alerts/escalate_after_s", "soon")
    assert settings.escalate_after_s == 60  # a hand-edited mistake: the default applies
    assert any("escalate_after_s" in problem for problem in settings.problems())
