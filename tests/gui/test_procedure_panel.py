"""The procedure panel on a real log: the fire procedure as a checklist, worked with buttons
and keys, its golden-time timers, refusals, starting and changing a procedure, and the
one-click actions the video wall carries out."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from core.commands import Acknowledge, Close, Resolve
from core.events import CameraViewed, EventRecord, EventType
from core.sop.definitions import SOP_DIR
from core.sop.library import ProcedureLibrary
from core.sop.progress import StepStatus, TimerLevel
from core.sop.starter import start_command
from panels.procedure.lookup import Showing
from panels.procedure.panel import ProcedurePanel
from panels.situation_map.panel import MapPanel
from panels.video_wall.panel import VideoWallPanel
from tests.gui.conftest import Workstation
from tests.gui.test_situation_map import run_js

FIRE_SOP = "fire-blocked-access"


def panel_of(ws: Workstation) -> ProcedurePanel:
    panel = ws.window.panels["procedure"]
    assert isinstance(panel, ProcedurePanel)
    return panel


def start_fire(qtbot, ws: Workstation, procedure: str = FIRE_SOP) -> str:  # type: ignore[no-untyped-def]
    """Report a fire, start its procedure as the starter would, and select it."""
    qtbot.waitUntil(lambda: ws.context.procedures.loaded, timeout=10_000)
    fire = ws.report("F-FIRE")
    loaded = ws.context.procedures.library.get(procedure)
    assert loaded is not None
    ws.backend.submit(start_command(fire, loaded), "system:procedures").result()
    incidents = ws.context.store.state.incidents
    qtbot.waitUntil(lambda: fire in incidents and incidents[fire].procedure is not None)
    ws.context.selection.select_incident(fire, origin="test")
    panel = panel_of(ws)
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.READY)
    return fire


def use_library(qtbot, ws: Workstation, *folders: Path) -> None:  # type: ignore[no-untyped-def]
    """Read the procedures from ``folders`` instead of the shipped ones."""
    qtbot.waitUntil(lambda: ws.context.procedures.loaded, timeout=10_000)
    ws.context.procedures.library = ProcedureLibrary(folders)
    with qtbot.waitSignal(ws.context.procedures.changed):
        ws.context.procedures.load()


def status_of(panel: ProcedurePanel, step_id: str) -> StepStatus:
    return panel.rows[step_id].view.status


def procedure_events(ws: Workstation, incident_id: str) -> list[EventRecord]:
    records = ws.backend.incident_events(incident_id).result()
    return [r for r in records if r.type.startswith("procedure.")]


def test_the_checklist_shows_the_current_step_and_enter_does_it(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    assert "Select an incident" in panel.message.text()
    fire = start_fire(qtbot, ws)
    # A tab beside the incident detail, brought to the front.
    dock = ws.window.docks["procedure"]
    assert ws.window.docks["incident_detail"] in ws.window.tabifiedDockWidgets(dock)
    qtbot.waitUntil(panel.isVisible)
    assert panel.title.text() == "Fire, with the access road cleared"
    assert "v1" in panel.meta.text() and "0 of" in panel.meta.text()
    assert [c.text().split(" 0")[0] for c in panel.chips] == [
        "First video",
        "Packet to 119",
        "119 acknowledged",
    ]
    cameras = panel.rows["cameras"]
    assert cameras.view.status is StepStatus.CURRENT and cameras.mark.text() == "▶"
    assert cameras.owner.text() == "operator" and not cameras.mandatory.isHidden()
    assert "Smoke" in cameras.look.text() or "smoke" in cameras.look.text()
    assert status_of(panel, "still") is StepStatus.PENDING
    assert status_of(panel, "hospital") is StepStatus.OFF_PATH  # "no casualties" is first

    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: status_of(panel, "still") is StepStatus.CURRENT)
    done = panel.rows["cameras"]
    assert done.mark.text() == "✓" and ws.context.actor.split(":")[1] in done.record.text()
    assert "1 of" in panel.meta.text()
    events = procedure_events(ws, fire)
    assert [e.type for e in events][-1] == EventType.PROCEDURE_STEP_DONE
    assert events[-1].payload["step_id"] == "cameras"
    assert events[-1].actor == ws.context.actor
    # The button does the same for the next step.
    qtbot.mouseClick(panel.rows["still"].buttons["done"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(panel, "route") is StepStatus.CURRENT)


def test_a_question_is_answered_with_its_number_and_the_branch_follows(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    for step in ("cameras", "still", "route"):
        panel.complete(step)
    qtbot.waitUntil(lambda: status_of(panel, "access-blocked") is StepStatus.CURRENT)
    question = panel.rows["access-blocked"]
    assert "done" not in question.buttons
    assert question.buttons["answer:yes"].text() == "[1] Yes"
    assert question.buttons["answer:no"].text() == "[2] No"
    panel.setFocus()
    # Enter does not guess an answer.
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    assert "number key" in panel.banner.text()
    assert status_of(panel, "access-blocked") is StepStatus.CURRENT
    qtbot.keyClick(panel, Qt.Key.Key_2)
    qtbot.waitUntil(lambda: status_of(panel, "signals") is StepStatus.CURRENT)
    assert status_of(panel, "plates") is StepStatus.OFF_PATH
    assert status_of(panel, "owners") is StepStatus.OFF_PATH
    assert panel.rows["plates"].mark.text() == "–"
    assert "→ No" in panel.rows["access-blocked"].record.text()
    assert procedure_events(ws, fire)[-1].payload["answer"] == "no"


def test_a_mandatory_step_is_skipped_only_with_a_reason(qtbot, workstation: Workstation) -> None:
    ws = workstation
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    # Without a reason the backend refuses, and the operator is told why.
    panel.skip_step("route", "")
    qtbot.waitUntil(panel.banner.isVisible)
    assert "mandatory" in panel.banner.text() and panel.banner.property("level") == "error"
    assert status_of(panel, "route") is StepStatus.PENDING
    # Ctrl+K on the (mandatory) current step asks why; an empty reason cannot be given.
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = panel.skip_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.reason, "cameras 3 and 4 are down")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(panel, "cameras") is StepStatus.SKIPPED)
    skipped = panel.rows["cameras"]
    assert skipped.mark.text() == "↷" and "cameras 3 and 4 are down" in skipped.note.text()
    last = procedure_events(ws, fire)[-1]
    assert last.type == EventType.PROCEDURE_STEP_SKIPPED
    assert last.payload["reason"] == "cameras 3 and 4 are down"
    # An optional step is skipped at once, without a question.
    qtbot.mouseClick(panel.rows["still"].buttons["skip"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(panel, "still") is StepStatus.SKIPPED)


def test_the_timers_change_colour_with_the_clock_and_stop_on_the_first_camera(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    opened = ws.context.store.state.incidents[fire].opened_ms
    first_video = panel.chips[0]
    for seconds, level in ((30, TimerLevel.OK), (50, TimerLevel.WARN), (70, TimerLevel.OVER)):
        panel.now_ms = lambda s=seconds: opened + s * 1000
        panel.tick()
        assert first_video.level is level
    assert first_video.text() == "⚠ First video 01:10 / 01:00"
    assert "bold" in first_video.styleSheet() and "#8c1d24" in first_video.styleSheet()
    run = ws.context.store.state.incidents[fire].procedure
    assert run is not None
    panel.now_ms = lambda: run.started_ms + 75_000
    panel.tick()
    assert panel.rows["cameras"].overdue_shown  # due 60 s after the procedure started
    assert "Overdue by 00:15" in panel.rows["cameras"].note.text()
    assert "1 overdue" in panel.meta.text()
    assert panel.chips[1].level is TimerLevel.OK
    # The first camera opened for the incident stops the clock, within the golden time.
    event = CameraViewed("CAM-1", "incident", "open", fire).to_new("workstation", "operator:x")
    ws.backend.publish([event]).result()
    qtbot.waitUntil(lambda: first_video.level is TimerLevel.MET)
    assert first_video.text().startswith("✓ First video")
    # The timers tick only while the panel is on screen.
    assert panel._tick_timer.isActive()
    ws.window.docks["incident_detail"].raise_()  # its tab in front of the procedure's
    qtbot.waitUntil(lambda: not panel._tick_timer.isActive())
    # Ctrl+J from anywhere in the window brings it back with the keyboard.
    ws.queue.table.setFocus()
    qtbot.keyClick(ws.queue.table, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(panel._tick_timer.isActive)
    assert panel.hasFocus()


def test_actions_without_a_panel_to_carry_them_are_disabled_and_say_why(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    start_fire(qtbot, ws)
    open_cameras = panel.rows["cameras"].buttons["action"]
    assert open_cameras.text() == "Open 4 cameras" and not open_cameras.isEnabled()
    assert "video wall" in open_cameras.toolTip()
    # A pending step opens on a click; the workstation's agency link drafts its packet.
    assert "action" not in panel.rows["packet-119"].buttons
    qtbot.mouseClick(panel.rows["packet-119"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "action" in panel.rows["packet-119"].buttons)
    packet = panel.rows["packet-119"].buttons["action"]
    assert packet.isEnabled() and packet.text() == "Packet to fire service (119)…"


def test_notify_is_the_step_after_a_confirmation(qtbot, workstation: Workstation) -> None:
    ws = workstation
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    for step, answer in (("cameras", None), ("still", None), ("route", None)):
        panel.complete(step, answer)
    panel.complete("access-blocked", "yes")
    panel.complete("plates")
    qtbot.waitUntil(lambda: status_of(panel, "owners") is StepStatus.CURRENT)
    notify = panel.rows["owners"].buttons["action"]
    assert notify.text() == "Notify district office…" and notify.isEnabled()
    qtbot.mouseClick(notify, Qt.MouseButton.LeftButton)
    box = panel.steps.confirm_box
    assert box is not None and box.isVisible() and "district office" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(panel, "owners") is StepStatus.DONE)
    assert "notified district_office" in panel.rows["owners"].record.text()
    assert procedure_events(ws, fire)[-1].payload["note"] == "notified district_office"


def test_work_on_a_closed_incident_is_refused_in_plain_words(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    for command in (Acknowledge(fire), Resolve(fire), Close(fire)):
        ws.backend.submit(command, "operator:other").result()
    qtbot.waitUntil(lambda: ws.context.store.state.incidents[fire].status.value == "closed")
    ws.context.selection.select_incident(fire)
    panel.complete("cameras")
    qtbot.waitUntil(panel.banner.isVisible)
    assert panel.banner.text() == (
        f"Cannot work the procedure of {fire}: it is closed; reopen it first."
    )


def test_a_procedure_is_started_and_replaced_only_with_a_reason(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    panel = panel_of(ws)
    # A library where bins have no procedure of their own.
    for name in ("fire-blocked-access.toml", "river-flood.toml"):
        shutil.copy(SOP_DIR / name, tmp_path / name)
    use_library(qtbot, ws, tmp_path)
    bins = ws.report("E-BIN")
    qtbot.waitUntil(lambda: bins in ws.context.store.state.incidents)
    ws.context.selection.select_incident(bins)
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.NO_PROCEDURE)
    assert "No procedure for this incident type." in panel.message.text()
    assert panel.start_button.isVisible() and panel.start_button.text() == "Start procedure…"
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    dialog = panel.start_dialog
    assert dialog is not None and dialog.ok_button.isEnabled()
    dialog.choice.setCurrentIndex(dialog.choice.findText("River", Qt.MatchFlag.MatchContains))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.READY)
    assert panel.lookup.run is not None and panel.lookup.run.procedure_id == "river-flood"
    # Changing it asks why.
    assert panel.start_button.text() == "Change procedure…"
    dialog = panel.open_start_dialog()
    assert dialog is not None
    dialog.choice.setCurrentIndex(dialog.choice.findText("Fire", Qt.MatchFlag.MatchContains))
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "it is a fire in the bin store")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.lookup.run is not None and panel.lookup.run.replaced == 1)
    assert panel.title.text() == "Fire, with the access road cleared"
    started = [e for e in procedure_events(ws, bins) if e.type == EventType.PROCEDURE_STARTED]
    assert started[-1].payload["reason"] == "it is a fire in the bin store"


def test_a_fire_without_its_procedure_yet_names_the_one_it_should_follow(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = panel_of(ws)
    qtbot.waitUntil(lambda: ws.context.procedures.loaded, timeout=10_000)
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in ws.context.store.state.incidents)
    ws.context.selection.select_incident(fire)
    qtbot.waitUntil(lambda: "no procedure yet" in panel.message.text())
    assert "Fire, with the access road cleared" in panel.message.text()


TIMER_SOP = """\
id = "timed"
version = 1
title_ko = "시간 재기"
title_en = "Timed clearing"
service = "traffic"

[[timer]]
id = "clearing"
label_ko = "정리"
label_en = "Clearing"
target_s = 600
start = "action"
stop = ["incident.resolved"]

[[step]]
id = "clock"
title_ko = "정리 시간 재기 시작"
title_en = "Start the clearing clock"
action = { kind = "start_timer", timer = "clearing" }

[[step]]
id = "done"
title_ko = "끝"
title_en = "End"
end = true
"""


def test_a_start_timer_step_starts_the_timer_and_is_done(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    panel = panel_of(ws)
    folder = tmp_path / "sop"
    folder.mkdir()
    (folder / "timed.toml").write_text(textwrap.dedent(TIMER_SOP), encoding="utf-8")
    use_library(qtbot, ws, SOP_DIR, folder)
    start_fire(qtbot, ws, "timed")
    assert panel.chips[0].level is TimerLevel.WAITING
    button = panel.rows["clock"].buttons["action"]
    assert button.text() == "Start timer: Clearing"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(panel, "clock") is StepStatus.DONE)
    assert panel.chips[0].level is TimerLevel.OK
    assert "started timer clearing" in panel.rows["clock"].record.text()


def test_open_cameras_asks_the_video_wall_which_opens_them(
    qtbot, wall_station: Workstation
) -> None:
    ws = wall_station
    panel = panel_of(ws)
    wall = ws.window.panels["video_wall"]
    assert isinstance(wall, VideoWallPanel)
    fire = start_fire(qtbot, ws)
    button = panel.rows["cameras"].buttons["action"]
    assert button.isEnabled()
    qtbot.waitUntil(lambda: button.height() > 0)  # laid out, so the click lands on it
    with qtbot.waitSignal(ws.context.actions.openCamerasRequested) as request:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert request.args == [fire, 4, None]
    try:
        assert all(tile.camera is not None for tile in wall.tiles[:4])
        qtbot.waitUntil(lambda: panel.chips[0].level is TimerLevel.MET)
        # Opening cameras is not the step: the operator still says what they saw.
        assert status_of(panel, "cameras") is StepStatus.CURRENT
        panel.complete("cameras")
        qtbot.waitUntil(lambda: status_of(panel, "still") is StepStatus.CURRENT)
        # The still comes from the highlighted tile and is filed with the incident.
        qtbot.waitUntil(lambda: wall.active_tile.last_image() is not None, timeout=10_000)
        still = panel.rows["still"].buttons["action"]
        qtbot.waitUntil(lambda: still.height() > 0)
        qtbot.mouseClick(still, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: any(
                r.type == EventType.EVIDENCE_CAPTURED
                for r in ws.backend.incident_events(fire).result()
            ),
            timeout=10_000,
        )
    finally:
        for index in range(len(wall.tiles)):
            wall.close_camera(index)


def test_the_checklist_speaks_korean(qtbot, korean_workstation: Workstation) -> None:
    ws = korean_workstation
    panel = panel_of(ws)
    start_fire(qtbot, ws)
    assert panel.title.text() == "화재 · 소방차 진입로 확보"
    assert panel.subject.text().endswith("화재")
    assert panel.rows["cameras"].title.text() == "인근 방범 CCTV로 현장 확인"
    assert panel.rows["cameras"].owner.text() == "상황요원"
    assert panel.rows["hazards"].title.text() == "주변 위험시설 확인"
    assert panel.chips[0].text().startswith("첫 영상 00:")
    for step in ("cameras", "still", "route"):
        panel.complete(step)
    qtbot.waitUntil(lambda: status_of(panel, "access-blocked") is StepStatus.CURRENT)
    buttons = panel.rows["access-blocked"].buttons
    assert buttons["answer:yes"].text() == "[1] 예"
    assert buttons["answer:no"].text() == "[2] 아니오"
    panel.expanded.add("hazards")
    panel.refresh()
    assert "위험시설물" in panel.rows["hazards"].buttons["action"].text()


def test_nearest_facilities_asks_the_map_which_lists_them(
    qtbot, map_workstation: Workstation
) -> None:
    ws = map_workstation
    situation = ws.window.panels["map"]
    assert isinstance(situation, MapPanel)
    with qtbot.waitSignal(situation.camerasLoaded, timeout=60_000):
        pass
    panel = panel_of(ws)
    fire = start_fire(qtbot, ws)
    panel.complete("cameras")
    panel.complete("still")
    qtbot.waitUntil(lambda: status_of(panel, "route") is StepStatus.CURRENT)
    button = panel.rows["route"].buttons["action"]
    assert button.text() == "Nearest fire station (2)" and button.isEnabled()
    with qtbot.waitSignal(ws.context.actions.facilitiesRequested) as request:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert request.args == [fire, "fire_station", 2]
    assert situation.status.text().startswith(f"Nearest fire station to {fire}:")
    found = situation.last_facilities
    assert len(found) == 2 and found[0][1] <= found[1][1]
    assert all(f.name_en in situation.status.text() for f, _ in found)
    # Drawn on the map: the incident, a line and a marker per station.
    qtbot.waitUntil(
        lambda: run_js(qtbot, situation, "cityroom.toolLayer.getLayers().length") == 5,
        timeout=10_000,
    )
    assert status_of(panel, "route") is StepStatus.CURRENT


def test_a_drill_incident_is_marked_exercise_above_its_checklist(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    from core.commands import ReportIncident

    ws = workstation
    panel = panel_of(ws)
    live = start_fire(qtbot, ws)
    assert not panel.subject.text().startswith("[EXERCISE]")
    lat, lon = ws.context.city.district("11230").centroid
    records = ws.backend.submit(
        ReportIncident("F-FIRE", lat, lon, "11230", exercise=True), "system:drill"
    ).result()
    drill = str(records[0].subject)
    qtbot.waitUntil(lambda: drill in ws.context.store.state.incidents)
    ws.context.selection.select_incident(drill, origin="test")
    qtbot.waitUntil(lambda: panel.subject.text().startswith("[EXERCISE]"))
    assert panel.subject.property("tone") == "exercise"
    ws.context.selection.select_incident(live, origin="test")
    qtbot.waitUntil(lambda: not panel.subject.text().startswith("[EXERCISE]"))
    assert panel.subject.property("tone") == "dim"


def test_reset_layout_puts_the_procedure_back_beside_the_incident_detail(
    qtbot, workstation: Workstation
) -> None:
    window = workstation.window
    dock = window.docks["procedure"]
    qtbot.waitUntil(lambda: window.docks["incident_detail"] in window.tabifiedDockWidgets(dock))
    # The operator dragged it to the left of the map.
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    assert not window.tabifiedDockWidgets(dock)

    window.reset_layout_action.trigger()

    assert window.docks["incident_detail"] in window.tabifiedDockWidgets(dock)
