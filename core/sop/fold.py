"""Folding procedure events into an incident's :class:`ProcedureRun` (no definitions needed:
the run records facts; the definition is joined in when progress is computed)."""

from __future__ import annotations

from core.events import (
    EventRecord,
    EventType,
    ProcedureStarted,
    ProcedureStepDone,
    ProcedureStepSkipped,
    ProcedureTimerStarted,
)
from core.model import Incident, ProcedureRun, StepRecord

PROCEDURE_EVENTS = frozenset(
    {
        EventType.PROCEDURE_STARTED.value,
        EventType.PROCEDURE_STEP_DONE.value,
        EventType.PROCEDURE_STEP_SKIPPED.value,
        EventType.PROCEDURE_TIMER_STARTED.value,
    }
)


def fold_procedure(incident: Incident, event: object, record: EventRecord) -> None:
    """Apply one procedure event to ``incident``."""
    if isinstance(event, ProcedureStarted):
        replaced = incident.procedure.replaced + 1 if incident.procedure is not None else 0
        incident.procedure = ProcedureRun(
            event.procedure_id,
            event.version,
            event.digest,
            event.title_ko,
            event.title_en,
            list(event.steps),
            list(event.mandatory),
            record.ts_ms,
            record.actor,
            replaced=replaced,
        )
        return
    run = incident.procedure
    if run is None:
        return
    if isinstance(event, ProcedureStepDone | ProcedureStepSkipped):
        done = isinstance(event, ProcedureStepDone)
        run.records.setdefault(
            event.step_id,
            StepRecord(
                event.step_id,
                "done" if done else "skipped",
                record.ts_ms,
                record.actor,
                event.answer if isinstance(event, ProcedureStepDone) else None,
                event.note if isinstance(event, ProcedureStepDone) else event.reason,
                record.seq,
            ),
        )
    elif isinstance(event, ProcedureTimerStarted):
        run.timers_started.setdefault(event.timer_id, record.ts_ms)
