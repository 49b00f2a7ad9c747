"""Two operators on one backend act on the same incident: the queue's actions carry the
version the operator chose them on, the one who loses sees the conflict and the current state,
and nothing is silently overwritten. Operator B is another actor submitting to the same real
LocalBackend while A's dialog is open."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.commands import Acknowledge, AddNote, Assign, Resolve, incident_after_conflict
from core.errors import ConflictError
from core.events import CameraViewed, EventType
from core.model import Incident, IncidentStatus
from core.sop.commands import CompleteStep
from core.sop.starter import start_command
from panels.incidents.actions import ACTIONS
from panels.incidents.conflict import Seen, only_background
from panels.incidents.dialogs import CommandDialog
from panels.procedure.dialogs import StartProcedureDialog
from panels.procedure.lookup import Showing
from panels.procedure.panel import ProcedurePanel
from tests.gui.conftest import Workstation

ACTION = {a.key: a for a in ACTIONS}
OTHER = "operator:lee"


def incident(ws: Workstation, incident_id: str) -> Incident:
    return ws.context.store.state.incidents[incident_id]


def folded(qtbot: QtBot, ws: Workstation, incident_id: str, version: int) -> None:
    """Wait until this workstation's store shows the incident past ``version``."""
    qtbot.waitUntil(lambda: incident(ws, incident_id).version > version)


def reported(qtbot: QtBot, ws: Workstation, type_code: str = "F-FIRE") -> str:
    incident_id = ws.report(type_code)
    qtbot.waitUntil(lambda: ws.queue.model.row_of(incident_id) is not None)
    return incident_id


def while_dialog_open(
    qtbot: QtBot, meanwhile: Callable[[], None], fill: Callable[[CommandDialog], None]
) -> None:
    """When the action's dialog opens: let ``meanwhile`` happen, then fill it in and press
    Enter, as the operator would."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CommandDialog), "the action should open its dialog"
        try:
            meanwhile()
            fill(dialog)
        except BaseException:
            dialog.reject()  # a failure here must not leave the test waiting on the dialog
            raise
        QTest.keyClick(dialog.comment, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def comment(text: str) -> Callable[[CommandDialog], None]:
    def fill(dialog: CommandDialog) -> None:
        dialog.comment.setText(text)

    return fill


def actors_of(ws: Workstation, incident_id: str, event_type: EventType) -> list[str]:
    records = ws.backend.incident_events(incident_id).result()
    return [r.actor for r in records if r.type == event_type]


def test_an_acknowledge_chosen_before_another_operators_is_refused_and_shown(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = reported(qtbot, ws)
    assert ws.queue.select_incident(fire)
    before = incident(ws, fire).version

    def other_operator_acknowledges() -> None:
        ws.backend.submit(Acknowledge(fire, "on it"), OTHER).result()
        folded(qtbot, ws, fire, before)

    while_dialog_open(qtbot, other_operator_acknowledges, comment("mine"))
    with qtbot.waitSignal(ws.queue.commandFailed) as failed:
        ws.queue.actions_by_key["acknowledge"].trigger()
    banner = ws.queue.banner
    text = banner.text()
    assert text == failed.args[0]
    assert text.startswith(
        f"{fire} was changed by {OTHER} (acknowledgement) after you chose “Acknowledge”: "
        "nothing was applied to it. It is now acknowledged."
    )
    assert "already acknowledged" in text  # acknowledging again is no longer possible
    # The banner stays until dismissed (no timer) and the incident is the one selected.
    assert banner.isVisible() and banner.held and banner.dismiss_button.isVisible()
    assert not banner._timer.isActive()
    assert [i.id for i in ws.queue.selected_incidents()] == [fire]
    assert ws.context.selection.incident_id == fire
    # Only B's acknowledgement is in the log: A's was not applied on top.
    assert actors_of(ws, fire, EventType.INCIDENT_ACKNOWLEDGED) == [OTHER]
    QTest.mouseClick(banner.dismiss_button, Qt.MouseButton.LeftButton)
    assert not banner.isVisible() and not banner.dismiss_button.isVisible()


def test_an_assignment_made_meanwhile_is_not_overwritten(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = reported(qtbot, ws)
    ws.backend.submit(Acknowledge(fire), OTHER).result()
    qtbot.waitUntil(lambda: incident(ws, fire).status is IncidentStatus.ACKNOWLEDGED)
    assert ws.queue.select_incident(fire)
    before = incident(ws, fire).version

    def other_operator_takes_it() -> None:
        ws.backend.submit(Assign(fire, assignee=OTHER), OTHER).result()
        folded(qtbot, ws, fire, before)

    def to_kim(dialog: CommandDialog) -> None:
        assert dialog.assignee is not None
        dialog.assignee.setCurrentText("operator:kim")

    while_dialog_open(qtbot, other_operator_takes_it, to_kim)
    with qtbot.waitSignal(ws.queue.commandFailed):
        ws.queue.actions_by_key["assign"].trigger()
    text = ws.queue.banner.text()
    assert f"{fire} was changed by {OTHER} (assignment)" in text
    assert "It is now assigned, assigned to lee." in text
    assert "repeat “Assign” if it is still needed" in text
    assert incident(ws, fire).assignee == OTHER
    assert [
        r.payload["assignee"]
        for r in ws.backend.incident_events(fire).result()
        if r.type == EventType.INCIDENT_ASSIGNED
    ] == [OTHER]
    # Having seen it, the operator repeats the action: now on the current state, it applies
    # and the conflict's banner goes with the new action.
    ws.queue.run_action(ACTION["assign"], {"comment": "handover", "assignee": "operator:kim"})
    assert not ws.queue.banner.isVisible()
    qtbot.waitUntil(lambda: incident(ws, fire).assignee == "operator:kim")


def test_a_note_is_added_although_another_operator_changed_the_incident(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = reported(qtbot, ws)
    assert ws.queue.select_incident(fire)
    before = incident(ws, fire).version

    def other_operator_acknowledges() -> None:
        ws.backend.submit(Acknowledge(fire), OTHER).result()
        folded(qtbot, ws, fire, before)

    while_dialog_open(qtbot, other_operator_acknowledges, comment("smoke from the roof"))
    ws.queue.actions_by_key["note"].trigger()
    qtbot.waitUntil(lambda: incident(ws, fire).notes == 1)
    assert actors_of(ws, fire, EventType.INCIDENT_NOTE_ADDED) == [ws.context.actor]
    assert not ws.queue.banner.isVisible()


def test_a_multiple_acknowledge_applies_to_all_but_the_conflicting_one(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    first, second, third = (reported(qtbot, ws, code) for code in ("F-FIRE", "P-ASL", "E-BIN"))
    ws.queue.table.selectAll()
    assert {i.id for i in ws.queue.selected_incidents()} == {first, second, third}
    before = incident(ws, second).version

    def other_operator_acknowledges_one() -> None:
        ws.backend.submit(Acknowledge(second), OTHER).result()
        folded(qtbot, ws, second, before)

    while_dialog_open(qtbot, other_operator_acknowledges_one, comment("seen"))
    with qtbot.waitSignal(ws.queue.commandFailed):
        ws.queue.actions_by_key["acknowledge"].trigger()
    qtbot.waitUntil(
        lambda: all(incident(ws, i).status is IncidentStatus.ACKNOWLEDGED for i in (first, third))
    )
    for incident_id in (first, third):
        assert actors_of(ws, incident_id, EventType.INCIDENT_ACKNOWLEDGED) == [ws.context.actor]
    assert actors_of(ws, second, EventType.INCIDENT_ACKNOWLEDGED) == [OTHER]
    lines = ws.queue.banner.text().split("\n")
    assert lines[0] == (
        "“Acknowledge”: 1 of 3 incidents were changed by someone else meanwhile and left as "
        "they are; the others were sent."
    )
    assert len(lines) == 2 and lines[1].startswith(f"{second} was changed by {OTHER}")
    assert first not in ws.queue.banner.text() and third not in ws.queue.banner.text()
    assert [i.id for i in ws.queue.selected_incidents()] == [second]


def test_background_traffic_does_not_make_a_conflict(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = reported(qtbot, ws)
    assert ws.queue.select_incident(fire)
    before = incident(ws, fire).version
    camera = ws.context.city.nearest_cameras(*_place(ws, fire), 1)[0][0].id

    def traffic() -> None:
        # A colleague's note and a camera opened on the scene: they add, they decide nothing.
        ws.backend.submit(AddNote(fire, "caller called again"), OTHER).result()
        opened = CameraViewed(camera, "incident", "open", fire).to_new("wall", OTHER)
        ws.backend.publish([opened]).result()
        qtbot.waitUntil(lambda: EventType.CAMERA_VIEWED in incident(ws, fire).firsts)
        assert incident(ws, fire).notes == 1
        assert incident(ws, fire).version == before  # nothing decided, nothing to look at

    while_dialog_open(qtbot, traffic, comment("confirmed"))
    ws.queue.actions_by_key["acknowledge"].trigger()
    qtbot.waitUntil(lambda: incident(ws, fire).status is IncidentStatus.ACKNOWLEDGED)
    assert actors_of(ws, fire, EventType.INCIDENT_ACKNOWLEDGED) == [ws.context.actor]
    assert not ws.queue.banner.isVisible()


def _place(ws: Workstation, incident_id: str) -> tuple[float, float]:
    found = incident(ws, incident_id)
    return found.lat, found.lon


def test_the_servers_copy_is_shown_while_the_store_has_not_caught_up(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = reported(qtbot, ws)
    stale = incident(ws, fire)
    seen = Seen.of(stale)
    # What a server sends with its 409: the incident as it is there, one step further.
    there = stale.to_json()
    there.update(status="assigned", assignee=OTHER, version=stale.version + 2)
    there["transitions"] = [*there["transitions"], ["assigned", "assigned", 1, OTHER, "", 99]]
    error = ConflictError(fire, stale.version, stale.version + 2, f"assigned by {OTHER}")
    error.incident = there  # type: ignore[attr-defined]
    now = incident_after_conflict(stale, error)
    assert now is not None and now.status is IncidentStatus.ASSIGNED
    assert not only_background(seen, now)
    text = ws.queue.conflict_text.conflict(
        "Resolve", _resolve(fire), error, ws.context.store.state
    )
    assert "It is now assigned, assigned to lee." in text
    assert "repeat “Resolve” if it is still needed" in text
    # Without the server's copy and with the store behind, it says the state is coming.
    bare = ConflictError(fire, stale.version, stale.version + 2, f"assigned by {OTHER}")
    assert incident_after_conflict(stale, bare) is None
    text = ws.queue.conflict_text.conflict("Resolve", _resolve(fire), bare, ws.context.store.state)
    assert text.endswith("Its current state is on its way.")


def _resolve(incident_id: str) -> Resolve:
    return Resolve(incident_id)


# -- the procedure panel -------------------------------------------------------------------


def procedure_of(ws: Workstation, incident_id: str) -> str | None:
    run = incident(ws, incident_id).procedure
    return run.procedure_id if run is not None else None


def _procedure_panel(ws: Workstation) -> ProcedurePanel:
    panel = ws.window.panels["procedure"]
    assert isinstance(panel, ProcedurePanel)
    return panel


def _fire_with_procedure(qtbot: QtBot, ws: Workstation) -> str:
    qtbot.waitUntil(lambda: ws.context.procedures.loaded, timeout=10_000)
    fire = ws.report("F-FIRE")
    loaded = ws.context.procedures.library.get("fire-blocked-access")
    assert loaded is not None
    ws.backend.submit(start_command(fire, loaded), "system:procedures").result()
    qtbot.waitUntil(
        lambda: (
            fire in ws.context.store.state.incidents and incident(ws, fire).procedure is not None
        )
    )
    ws.context.selection.select_incident(fire, origin="test")
    panel = _procedure_panel(ws)
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.READY)
    return fire


def _choose(dialog: StartProcedureDialog, procedure_id: str, reason: str) -> None:
    for index in range(dialog.choice.count()):
        if dialog.choice.itemData(index).procedure.id == procedure_id:
            dialog.choice.setCurrentIndex(index)
    dialog.reason.setText(reason)


def _started(ws: Workstation, incident_id: str) -> list[tuple[str, str]]:
    records = ws.backend.incident_events(incident_id).result()
    return [
        (r.actor, r.payload["procedure_id"])
        for r in records
        if r.type == EventType.PROCEDURE_STARTED
    ]


def test_a_procedure_changed_meanwhile_is_not_replaced(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = _fire_with_procedure(qtbot, ws)
    panel = _procedure_panel(ws)
    dialog = panel.open_start_dialog()
    assert dialog is not None
    # Another operator changes the procedure while this one is choosing.
    ems = ws.context.procedures.library.get("fire-ems")
    assert ems is not None
    ws.backend.submit(start_command(fire, ems, "casualties reported"), OTHER).result()
    qtbot.waitUntil(lambda: procedure_of(ws, fire) == "fire-ems")
    _choose(dialog, "fire-rescue", "people trapped")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.banner.isVisible)
    text = panel.banner.text()
    assert text.startswith(
        f"The procedure of {fire} was changed by someone else after you chose; nothing was "
        "applied. It now follows “"
    )
    assert "(started by lee; steps recorded: 0)" in text
    assert _started(ws, fire) == [
        ("system:procedures", "fire-blocked-access"),
        (OTHER, "fire-ems"),
    ]


def test_steps_and_background_traffic_do_not_refuse_a_procedure_change(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = _fire_with_procedure(qtbot, ws)
    panel = _procedure_panel(ws)
    # A colleague completes a step: steps carry no version, so it is recorded ...
    before = incident(ws, fire).version
    panel.complete("cameras")
    folded(qtbot, ws, fire, before)
    dialog = panel.open_start_dialog()
    assert dialog is not None
    # ... and a camera opened on the scene meanwhile does not stop the change.
    camera = ws.context.city.nearest_cameras(*_place(ws, fire), 1)[0][0].id
    before = incident(ws, fire).version
    ws.backend.publish([CameraViewed(camera, "incident", "open", fire).to_new("wall", OTHER)])
    qtbot.waitUntil(lambda: EventType.CAMERA_VIEWED in incident(ws, fire).firsts)
    assert incident(ws, fire).version == before
    _choose(dialog, "fire-rescue", "people trapped")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: procedure_of(ws, fire) == "fire-rescue")
    assert _started(ws, fire)[-1] == (ws.context.actor, "fire-rescue")
    assert not panel.banner.isVisible()


def test_a_step_done_meanwhile_by_someone_else_is_a_conflict_for_a_change(
    qtbot: QtBot, workstation: Workstation
) -> None:
    ws = workstation
    fire = _fire_with_procedure(qtbot, ws)
    panel = _procedure_panel(ws)
    dialog = panel.open_start_dialog()
    assert dialog is not None
    before = incident(ws, fire).version
    ws.backend.submit(CompleteStep(fire, "cameras"), OTHER).result()
    folded(qtbot, ws, fire, before)
    _choose(dialog, "fire-rescue", "people trapped")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(panel.banner.isVisible)
    assert "steps recorded: 1" in panel.banner.text()
    assert procedure_of(ws, fire) == "fire-blocked-access"
