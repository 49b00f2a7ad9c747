"""The incident queue as an operator uses it: rows, order, actions, keys, filters, detail."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from core.commands import Acknowledge, ReportIncident
from core.model import IncidentStatus
from panels.incidents.actions import ACTIONS
from panels.incidents.model import INCIDENT_ID_ROLE, Column
from tests.gui.conftest import Workstation

ACTION = {a.key: a for a in ACTIONS}


def shown_ids(ws: Workstation) -> list[str]:
    proxy = ws.queue.proxy
    return [proxy.index(row, 0).data(INCIDENT_ID_ROLE) for row in range(proxy.rowCount())]


def cell(ws: Workstation, incident_id: str, column: Column) -> str:
    proxy = ws.queue.proxy
    row = shown_ids(ws).index(incident_id)
    return str(proxy.index(row, column).data())


def test_queue_fills_sorted_by_severity_then_age(qtbot, workstation: Workstation) -> None:
    ws = workstation
    bin_full = ws.report("E-BIN")  # severity 4
    assault = ws.report("P-ASL")  # 2
    fire = ws.report("F-FIRE")  # 1
    parking = ws.report("T-PARK")  # 3
    kidnap = ws.report("P-KID")  # 1, younger than the fire
    qtbot.waitUntil(lambda: len(shown_ids(ws)) == 5)
    assert shown_ids(ws) == [fire, kidnap, assault, parking, bin_full]
    assert cell(ws, fire, Column.TYPE) == "fire"
    assert cell(ws, fire, Column.DISTRICT) == "Gangnam-gu"
    assert cell(ws, fire, Column.STATUS) == "new"
    assert cell(ws, fire, Column.SEVERITY).startswith("1")


def test_actions_follow_the_lifecycle_and_record_the_comment(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in shown_ids(ws))
    assert ws.queue.select_incident(fire)
    enabled = {k for k, a in ws.queue.actions_by_key.items() if a.isEnabled()}
    assert enabled == {"acknowledge", "escalate", "merge", "note"}
    ws.queue.run_action(ACTION["acknowledge"], {"comment": "smoke on camera 3"})
    qtbot.waitUntil(lambda: cell(ws, fire, Column.STATUS) == "acknowledged")
    ws.queue.run_action(ACTION["assign"], {"comment": "", "assignee": "operator:lee"})
    qtbot.waitUntil(lambda: cell(ws, fire, Column.ASSIGNEE) == "lee")
    assert ws.queue.actions_by_key["start"].isEnabled()
    assert not ws.queue.actions_by_key["close"].isEnabled()
    incident = ws.context.store.state.incidents[fire]
    assert incident.transitions[1].comment == "smoke on camera 3"
    assert incident.transitions[1].actor == ws.context.actor


def test_keyboard_shortcut_acknowledges_with_one_key_and_enter(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in shown_ids(ws))
    ws.queue.select_incident(fire)
    ws.queue.table.setFocus()

    def answer_dialog() -> None:
        dialog = QApplication.activeModalWidget()
        assert dialog is not None, "pressing A should open the acknowledge dialog"
        qtbot.keyClicks(dialog.comment, "confirmed")
        qtbot.keyClick(dialog.comment, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer_dialog)
    qtbot.keyClick(ws.queue.table, Qt.Key.Key_A)
    qtbot.waitUntil(lambda: cell(ws, fire, Column.STATUS) == "acknowledged")
    assert ws.context.store.state.incidents[fire].transitions[-1].comment == "confirmed"


def test_a_rejected_command_shows_a_clear_banner(qtbot, workstation: Workstation) -> None:
    ws = workstation
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in shown_ids(ws))
    ws.queue.select_incident(fire)
    # Another operator acknowledges first; ours arrives second and must be refused clearly.
    ws.backend.submit(Acknowledge(fire), "operator:other").result()
    with qtbot.waitSignal(ws.queue.commandFailed) as failed:
        ws.queue._on_table_selection_changed()  # not yet folded: the action is still offered
        ws.queue.run_action(ACTION["acknowledge"], {"comment": ""})
    assert "already acknowledged" in failed.args[0]
    assert ws.queue.banner.isVisible()
    assert fire in ws.queue.banner.text()


def test_filters_by_district_status_and_service(qtbot, workstation: Workstation) -> None:
    ws = workstation
    gangnam_fire = ws.report("F-FIRE", "11230")
    jongno_fire = ws.report("F-FIRE", "11010")
    jongno_bin = ws.report("E-BIN", "11010")
    qtbot.waitUntil(lambda: len(shown_ids(ws)) == 3)
    queue = ws.queue
    queue.district_filter.setCurrentIndex(queue.district_filter.findData("11010"))
    assert set(shown_ids(ws)) == {jongno_fire, jongno_bin}
    queue.service_filter.setCurrentIndex(queue.service_filter.findData("fire_dispatch"))
    assert shown_ids(ws) == [jongno_fire]
    queue.district_filter.setCurrentIndex(0)
    assert set(shown_ids(ws)) == {gangnam_fire, jongno_fire}
    queue.service_filter.setCurrentIndex(0)
    queue.select_incident(jongno_bin)
    queue.run_action(ACTION["acknowledge"], {"comment": ""})
    qtbot.waitUntil(lambda: cell(ws, jongno_bin, Column.STATUS) == "acknowledged")
    queue.run_action(ACTION["resolve"], {"comment": "emptied"})
    qtbot.waitUntil(lambda: jongno_bin not in shown_ids(ws))  # open incidents only by default
    queue.status_filter.setCurrentIndex(queue.status_filter.findData("resolved"))
    assert shown_ids(ws) == [jongno_bin]
    assert "1 shown of 3" in queue.count_label.text()


def test_detail_shows_the_incident_timeline(qtbot, workstation: Workstation) -> None:
    ws = workstation
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in shown_ids(ws))
    ws.queue.select_incident(fire)
    detail = ws.detail
    qtbot.waitUntil(lambda: detail.timeline.topLevelItemCount() == 1)
    assert fire in detail.heading.text()
    ws.queue.run_action(ACTION["acknowledge"], {"comment": "seen"})
    qtbot.waitUntil(lambda: detail.timeline.topLevelItemCount() == 2)
    last = detail.timeline.topLevelItem(1)
    assert last.text(1) == "Acknowledged" and last.text(3) == "seen"
    assert detail.fields["status"].text() == "acknowledged"


def test_new_critical_incidents_sound_the_alert(qtbot, workstation: Workstation) -> None:
    ws = workstation
    ws.context.settings.alert_sound = True
    ws.report("E-BIN")
    ws.report("T-PARK")
    qtbot.waitUntil(lambda: len(shown_ids(ws)) == 2)
    assert ws.queue.sound.played == 0
    kidnap = ws.report("P-KID")
    qtbot.waitUntil(lambda: ws.queue.sound.played == 1)
    assert ws.queue.count_label.text().startswith("1 critical not acknowledged")
    ws.queue.select_incident(kidnap)
    ws.queue.run_action(ACTION["acknowledge"], {"comment": ""})
    qtbot.waitUntil(lambda: ws.queue.count_label.text() == "3 shown of 3")


def test_status_bar_shows_mode_rate_and_simulator(qtbot, workstation: Workstation) -> None:
    ws = workstation
    bar = ws.window.status
    assert "Standalone" in bar.mode_label.text()
    assert "Simulator: off" in bar.simulator_label.text()
    for _ in range(5):
        ws.report("E-BIN")
    qtbot.waitUntil(lambda: len(shown_ids(ws)) == 5)
    bar.refresh()
    assert bar.rate_label.text() == "1 events/s"


def test_merge_removes_the_duplicate_from_the_open_queue(qtbot, workstation: Workstation) -> None:
    ws = workstation
    first = ws.report("F-FIRE")
    second = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: len(shown_ids(ws)) == 2)
    ws.queue.select_incident(second)
    ws.queue.run_action(ACTION["merge"], {"comment": "same building", "into_id": first})
    qtbot.waitUntil(lambda: shown_ids(ws) == [first])
    assert ws.context.store.state.incidents[second].status is IncidentStatus.MERGED


def _refusal():  # type: ignore[no-untyped-def]
    from core.errors import IllegalTransition

    return IllegalTransition(
        "Cannot close", "INC-000007", "Close", "acknowledged", "resolve it first"
    )


def test_refusals_are_explained_in_english(workstation: Workstation) -> None:
    workstation.queue._on_command_failed(_refusal())
    assert workstation.queue.banner.text() == (
        "Cannot close INC-000007: it is acknowledged; resolve it first."
    )


def test_refusals_are_explained_in_korean(korean_workstation: Workstation) -> None:
    korean_workstation.queue._on_command_failed(_refusal())
    assert korean_workstation.queue.banner.text() == (
        "INC-000007 사건은 현재 '확인' 상태라 '종결'을(를) 할 수 없습니다. 먼저 해결 처리하십시오."
    )


def test_a_drill_incident_is_marked_as_an_exercise(qtbot, workstation: Workstation) -> None:
    ws = workstation
    lat, lon = ws.context.city.district("11230").centroid
    drill = (
        ws.backend.submit(ReportIncident("F-FIRE", lat, lon, "11230", exercise=True), "simulator")
        .result()[0]
        .subject
    )
    real = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: {drill, real} <= set(shown_ids(ws)))
    assert cell(ws, drill, Column.TYPE) == "[EXERCISE] fire"
    assert cell(ws, real, Column.TYPE) == "fire"
    ws.queue.select_incident(drill)
    qtbot.waitUntil(lambda: drill in ws.detail.heading.text())
    assert ws.detail.heading.text().startswith("EXERCISE (drill) · ")


def test_the_timeline_names_procedure_steps(qtbot, workstation: Workstation) -> None:
    from core.sop.commands import CompleteStep, SkipStep
    from core.sop.definitions import SOP_DIR
    from core.sop.loading import load_procedure_file
    from core.sop.starter import start_command

    ws = workstation
    fire = ws.report("F-FIRE")
    loaded = load_procedure_file(SOP_DIR / "fire-blocked-access.toml")
    ws.backend.submit(start_command(fire, loaded), "system:procedures").result()
    ws.backend.submit(CompleteStep(fire, "cameras"), "operator:kim").result()
    ws.backend.submit(SkipStep(fire, "still", "smoke hides the scene"), "operator:kim").result()
    qtbot.waitUntil(lambda: fire in shown_ids(ws))
    ws.queue.select_incident(fire)
    detail = ws.detail
    qtbot.waitUntil(lambda: detail.timeline.topLevelItemCount() == 4)
    rows = [
        (detail.timeline.topLevelItem(i).text(1), detail.timeline.topLevelItem(i).text(3))
        for i in range(4)
    ]
    assert rows[1] == ("Procedure", "Fire, with the access road cleared (version 1)")
    assert rows[2] == ("Step done", "cameras")
    assert rows[3] == ("Step skipped", "still · smoke hides the scene")


def test_a_drill_incident_reads_as_훈련_in_korean(qtbot, korean_workstation: Workstation) -> None:
    ws = korean_workstation
    lat, lon = ws.context.city.district("11230").centroid
    drill = (
        ws.backend.submit(ReportIncident("F-FIRE", lat, lon, "11230", exercise=True), "simulator")
        .result()[0]
        .subject
    )
    qtbot.waitUntil(lambda: drill in shown_ids(ws))
    assert cell(ws, drill, Column.TYPE) == "[훈련] 화재"
    ws.queue.select_incident(drill)
    qtbot.waitUntil(lambda: drill in ws.detail.heading.text())
    assert ws.detail.heading.text().startswith("훈련 · ")
