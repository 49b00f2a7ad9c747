"""Sending the procedure's commands without waiting on the GUI thread, remembering which
steps have one on its way (so a second Enter does not send it twice), and saying a refusal
in the operator's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.errors import CommandRejected, IllegalTransition
from core.model import STATUS_NAMES, IncidentStatus
from core.sop.commands import ProcedureCommand
from ui.context import AppContext


class ProcedureWork(QObject):
    """Submits procedure commands for the panel; ``refused`` carries the text to show."""

    refused = Signal(str)
    settled = Signal()  # a command finished (either way): the busy marks may change

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.pending: set[tuple[str, str]] = set()  # (incident id, step id)

    def is_pending(self, incident_id: str, step_id: str) -> bool:
        """Whether a command for this step is on its way."""
        return (incident_id, step_id) in self.pending

    def send(
        self,
        command: ProcedureCommand,
        step_id: str = "",
        then: Callable[[], None] | None = None,
    ) -> bool:
        """Submit ``command`` (about ``step_id``, if any); ``then`` runs once it is accepted.
        False when a command for the same step is already on its way."""
        key = (command.incident_id, step_id)
        if step_id:
            if key in self.pending:
                return False
            self.pending.add(key)
        future = self._context.backend.submit(command, self._context.actor)

        def accepted(_records: Any) -> None:
            # The step stays marked busy until the store shows its record (forget_settled).
            self.settled.emit()
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            self.pending.discard(key)
            self.settled.emit()
            self.refused.emit(self.explain(error))

        self._context.invoker.when_done(future, accepted, failed)
        return True

    def forget_settled(self, incident_id: str, recorded: set[str]) -> None:
        """Steps of ``incident_id`` that now have a record are no longer on their way."""
        self.pending -= {(incident_id, step) for step in recorded}

    def explain(self, error: BaseException) -> str:
        """A refusal as the operator should read it."""
        if isinstance(error, IllegalTransition):
            try:
                status = self._context.pick(*STATUS_NAMES[IncidentStatus(error.status)])
            except ValueError:
                status = error.status
            return (
                self.tr("Cannot work the procedure of %1: it is %2; reopen it first.")
                .replace("%1", error.incident_id)
                .replace("%2", status)
            )
        if isinstance(error, CommandRejected):
            return self.tr("Refused: %1").replace("%1", str(error))
        return self.tr("Could not send the command: %1").replace("%1", str(error))
