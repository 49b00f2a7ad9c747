"""Sending the procedure's commands without waiting on the GUI thread, remembering which
steps have one on its way (so a second Enter does not send it twice), and saying a refusal
in the operator's language.

Which commands carry the version the operator saw (optimistic concurrency): starting or
changing the procedure does, since it replaces the run the operator looked at, and a run
someone else started or changed meanwhile would be silently replaced. Completing or skipping
a step and starting a timer do not: each records one step (or timer) once, the backend
refuses a second record naming who made the first, so nothing can be overwritten, and a
colleague working other steps of the same checklist is no conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from core.commands import incident_after_conflict
from core.errors import CommandRejected, ConflictError, IllegalTransition
from core.model import STATUS_NAMES, Incident, IncidentStatus
from core.sop.commands import ProcedureCommand
from ui.context import AppContext

# How often a start is sent again at the newer version when only other traffic (camera
# views, packets, notes, lifecycle steps) moved the incident on; past that it is refused.
MAX_RESENDS = 3

RunMark = tuple[str, int, int, int]  # procedure id, its version, start time, steps recorded


def run_mark(incident: Incident) -> RunMark | None:
    """What a start decides on: which run the incident follows and how far it got."""
    run = incident.procedure
    if run is None:
        return None
    return (run.procedure_id, run.version, run.started_ms, len(run.records))


@dataclass(frozen=True, slots=True)
class SeenRun:
    """The incident as the operator saw it when they opened the start dialog."""

    version: int
    run: RunMark | None

    @classmethod
    def of(cls, incident: Incident) -> SeenRun:
        """What the operator sees of ``incident`` now (values: the fold changes it in place)."""
        return cls(incident.version, run_mark(incident))


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
        seen: SeenRun | None = None,
        resends: int = 0,
    ) -> bool:
        """Submit ``command`` (about ``step_id``, if any); ``then`` runs once it is accepted.
        With ``seen`` it is refused if someone changed the procedure since. False when a
        command for the same step is already on its way."""
        key = (command.incident_id, step_id)
        if step_id:
            if key in self.pending:
                return False
            self.pending.add(key)
        version = seen.version if seen is not None else None
        future = self._context.backend.submit(
            command, self._context.actor, expected_version=version
        )

        def accepted(_records: Any) -> None:
            # The step stays marked busy until the store shows its record (forget_settled).
            self.settled.emit()
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            self.pending.discard(key)
            if isinstance(error, ConflictError) and seen is not None and resends < MAX_RESENDS:
                stored = self._context.store.state.incidents.get(error.incident_id)
                now = incident_after_conflict(stored, error)
                if now is not None and run_mark(now) == seen.run:
                    # The run the operator decided on is the one there is: only other
                    # traffic moved the version on, so the start goes again at the new one.
                    self.send(command, step_id, then, SeenRun(now.version, seen.run), resends + 1)
                    return
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
        if isinstance(error, ConflictError):
            return self._explain_conflict(error)
        if isinstance(error, CommandRejected):
            return self.tr("Refused: %1").replace("%1", str(error))
        return self.tr("Could not send the command: %1").replace("%1", str(error))

    def _explain_conflict(self, error: ConflictError) -> str:
        """Someone changed the procedure after the operator chose: say what it is now."""
        head = self.tr(
            "The procedure of %1 was changed by someone else after you chose; nothing was applied."
        ).replace("%1", error.incident_id)
        stored = self._context.store.state.incidents.get(error.incident_id)
        now = incident_after_conflict(stored, error)
        run = now.procedure if now is not None else None
        if now is None:
            where = self.tr("Its current procedure is on its way.")
        elif run is None:
            where = self.tr("It follows no procedure now.")
        else:
            where = (
                self.tr("It now follows “%1” (started by %2; steps recorded: %3).")
                .replace("%1", self._context.pick(run.title_ko, run.title_en))
                .replace("%2", run.started_by.removeprefix("operator:"))
                .replace("%3", str(len(run.records)))
            )
        advice = self.tr("Look at it and choose again if a change is still needed.")
        return f"{head} {where} {advice}"
