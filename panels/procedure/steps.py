"""A step's one-click action: a request to the panel that can carry it out (video wall, map,
dispatch), or, for notify and start-timer, the step itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from core.sop.commands import StartProcedureTimer
from core.sop.definitions import (
    RECIPIENT_NAMES,
    ActionKind,
    DraftPacket,
    NearestFacilities,
    Notify,
    OpenCameras,
    StartTimer,
    TakeStill,
)
from panels.procedure.work import ProcedureWork

if TYPE_CHECKING:
    from panels.procedure.panel import ProcedurePanel


class StepActions(QObject):
    """Carries out the panel's step actions."""

    def __init__(self, panel: ProcedurePanel) -> None:
        super().__init__(panel)
        self._panel = panel
        self.work = ProcedureWork(panel.context, self)
        self.confirm_box: QMessageBox | None = None

    def why_unavailable(self, kind: ActionKind) -> str:
        """The tooltip of an action no panel of this workstation carries out."""
        reasons = {
            ActionKind.OPEN_CAMERAS: self.tr("There is no video wall in this workstation."),
            ActionKind.TAKE_STILL: self.tr("There is no video wall in this workstation."),
            ActionKind.NEAREST_FACILITIES: self.tr(
                "There is no situation map in this workstation."
            ),
            ActionKind.DRAFT_PACKET: self.tr(
                "There is no link with agencies in this workstation."
            ),
        }
        return reasons.get(kind, "")

    def run_action(self, step_id: str) -> None:
        """Carry out ``step_id``'s action for the panel's incident."""
        panel = self._panel
        incident_id = panel.incident_id
        progress = panel.lookup.progress
        step = progress.procedure.step_by_id(step_id) if progress is not None else None
        if incident_id is None or step is None or step.action is None:
            return
        if panel.locked:  # a replay shows the past: nothing is asked of the other panels
            panel.show_banner(panel.locked)
            return
        action = step.action
        requests = panel.context.actions
        if not requests.available(ActionKind(action.kind)):
            panel.show_banner(self.why_unavailable(ActionKind(action.kind)), error=True)
            return
        if isinstance(action, OpenCameras):
            requests.openCamerasRequested.emit(incident_id, action.count, action.radius_m)
            text = self.tr("Asked the video wall for the %1 nearest cameras.")
            panel.show_banner(text.replace("%1", str(action.count)))
        elif isinstance(action, TakeStill):
            requests.stillRequested.emit(incident_id)
            panel.show_banner(self.tr("Asked the video wall for a still of the highlighted tile."))
        elif isinstance(action, NearestFacilities):
            requests.facilitiesRequested.emit(incident_id, action.facility.value, action.count)
            kind = action.facility
            name = kind.name_ko if panel.korean else kind.name_en
            panel.show_banner(self.tr("Asked the map for the nearest %1.").replace("%1", name))
        elif isinstance(action, DraftPacket):
            requests.packetRequested.emit(incident_id, action.to.value)
        elif isinstance(action, Notify):
            self._confirm_notify(step_id, action)
        else:
            assert isinstance(action, StartTimer)
            self._start_timer(incident_id, step_id, action)

    def _confirm_notify(self, step_id: str, action: Notify) -> None:
        panel = self._panel
        name = RECIPIENT_NAMES[action.to][0 if panel.korean else 1]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Notify"),
            self.tr("Has %1 been notified? The step “%2” is then marked done.")
            .replace("%1", name)
            .replace("%2", panel.label_of(step_id)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            panel,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        recipient = action.to.value

        def answered(_result: int) -> None:
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                panel.complete(step_id, None, f"notified {recipient}")

        box.finished.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "confirm_box", None))
        box.finished.connect(box.deleteLater)
        self.confirm_box = box
        box.open()

    def _start_timer(self, incident_id: str, step_id: str, action: StartTimer) -> None:
        # Starting the timer is the step: once the timer runs, the step is done.
        panel = self._panel

        def complete() -> None:
            panel.complete(step_id, None, f"started timer {action.timer}")

        self.work.send(StartProcedureTimer(incident_id, action.timer), then=complete)
