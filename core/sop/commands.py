"""Commands that work an incident's procedure, and the rules that decide them.

The procedure's step list travels in ``StartProcedure`` and is kept with the run, so every
later command is checked against the steps as they were when the incident's procedure began,
whichever version of the file is in force now.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.clock import iso_ms
from core.commands import Command
from core.errors import CommandRejected, IllegalTransition
from core.events import (
    DomainEvent,
    ProcedureStarted,
    ProcedureStepDone,
    ProcedureStepSkipped,
    ProcedureTimerStarted,
)
from core.model import STATUS_NAMES, Incident, IncidentStatus, ProcedureRun
from core.state import CityState

_WORKABLE = frozenset(
    {
        IncidentStatus.NEW,
        IncidentStatus.ACKNOWLEDGED,
        IncidentStatus.ASSIGNED,
        IncidentStatus.IN_PROGRESS,
        IncidentStatus.DISPATCHED,
        IncidentStatus.RESOLVED,  # the last steps (reports, hand-back) follow the resolution
    }
)


@dataclass(frozen=True, slots=True)
class ProcedureCommand(Command):
    """A command about one incident's procedure."""

    incident_id: str


@dataclass(frozen=True, slots=True)
class StartProcedure(ProcedureCommand):
    """Begin a procedure for the incident (``reason`` when it replaces another)."""

    procedure_id: str = ""
    version: int = 1
    digest: str = ""
    title_ko: str = ""
    title_en: str = ""
    steps: tuple[str, ...] = ()
    mandatory: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CompleteStep(ProcedureCommand):
    """Mark a step done (``answer`` for a question)."""

    step_id: str = ""
    answer: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SkipStep(ProcedureCommand):
    """Skip a step; a mandatory one needs a reason."""

    step_id: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class StartProcedureTimer(ProcedureCommand):
    """Start a timer that starts by an action."""

    timer_id: str = ""


def decide_procedure(state: CityState, command: ProcedureCommand) -> list[DomainEvent]:
    """The events that carry out ``command``, or a rejection saying what to do instead."""
    incident = state.incidents.get(command.incident_id)
    if incident is None:
        raise CommandRejected(f"There is no incident {command.incident_id!r}.")
    iid = incident.id
    if isinstance(command, StartProcedure):
        return [_start(incident, command)]
    run = incident.procedure
    if run is None:
        raise CommandRejected(f"{iid} has no procedure yet; start one first.")
    if incident.status not in _WORKABLE:
        status = STATUS_NAMES[incident.status][1]
        raise IllegalTransition(
            f"Cannot work the procedure of {iid}: it is {status}; reopen it first.",
            iid,
            type(command).__name__,
            incident.status.value,
            "reopen it first",
        )
    if isinstance(command, StartProcedureTimer):
        if command.timer_id in run.timers_started:
            started = iso_ms(run.timers_started[command.timer_id])
            raise CommandRejected(f"The timer {command.timer_id!r} already runs since {started}.")
        return [ProcedureTimerStarted(iid, command.timer_id)]
    if isinstance(command, CompleteStep | SkipStep):
        _check_step(run, iid, command.step_id)
        if isinstance(command, CompleteStep):
            return [ProcedureStepDone(iid, command.step_id, command.answer, command.note.strip())]
        reason = command.reason.strip()
        if command.step_id in run.mandatory and not reason:
            raise CommandRejected(
                f"The step {command.step_id!r} is mandatory: say why it is skipped."
            )
        return [ProcedureStepSkipped(iid, command.step_id, reason)]
    raise CommandRejected(f"Unknown command {type(command).__name__}.")


def _start(incident: Incident, command: StartProcedure) -> DomainEvent:
    if not command.steps:
        raise CommandRejected(f"The procedure {command.procedure_id!r} has no steps.")
    if incident.status is IncidentStatus.MERGED:
        raise CommandRejected(
            f"{incident.id} was merged into {incident.merged_into}; work that incident instead."
        )
    current = incident.procedure
    reason = command.reason.strip()
    if current is not None:
        if current.procedure_id == command.procedure_id and current.version == command.version:
            raise CommandRejected(
                f"{incident.id} already follows {command.procedure_id} "
                f"(version {command.version})."
            )
        if not reason:
            raise CommandRejected(
                f"{incident.id} follows {current.procedure_id}; say why it should follow "
                f"{command.procedure_id} instead."
            )
    return ProcedureStarted(
        incident.id,
        command.procedure_id,
        command.version,
        command.digest,
        command.title_ko,
        command.title_en,
        command.steps,
        command.mandatory,
        reason,
    )


def _check_step(run: ProcedureRun, incident_id: str, step_id: str) -> None:
    if step_id not in run.steps:
        raise CommandRejected(
            f"The procedure of {incident_id} ({run.procedure_id}) has no step {step_id!r}."
        )
    record = run.records.get(step_id)
    if record is not None:
        what = "done" if record.outcome == "done" else "skipped"
        raise CommandRejected(
            f"The step {step_id!r} was already {what} by {record.actor} at {iso_ms(record.ts_ms)}."
        )
