"""Escalation by the clock: critical incidents nobody acknowledged in time, and procedure
steps past their reminder time.

The functions are pure: the same incidents, library and instant give the same answer, live or
in a test with a fake clock. :class:`EscalationCheck` adds only the memory of what it has
already reported, so each incident is escalated and each step reminded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.events import EventType
from core.model import Incident, IncidentStatus
from core.sop.definitions import Step
from core.sop.library import ProcedureLibrary
from core.sop.progress import StepStatus, progress

ACTOR = "system:escalation"
"""Who the automatic escalation acts as, in the log."""

DEFAULT_AFTER_S = 60
MIN_AFTER_S = 10
MAX_AFTER_S = 3600

CRITICAL = 1
# The action a transition records for incident.escalated (core.state names them so).
_ESCALATED = EventType.INCIDENT_ESCALATED.value.split(".", 1)[1]
# A procedure is still worked after the resolution (reports, hand-back), not once closed.
_DONE_WITH = frozenset({IncidentStatus.CLOSED, IncidentStatus.MERGED})


@dataclass(frozen=True, slots=True)
class DueEscalation:
    """A critical incident left unacknowledged past the limit."""

    incident_id: str
    opened_ms: int
    waited_ms: int


@dataclass(frozen=True, slots=True)
class OverdueStep:
    """A procedure step past its reminder time and neither done nor skipped."""

    incident_id: str
    step: Step
    due_ms: int


@dataclass(frozen=True, slots=True)
class Findings:
    """What one check found that was not reported before."""

    escalate: tuple[DueEscalation, ...] = ()
    overdue: tuple[OverdueStep, ...] = ()


def escalation_comment(after_s: float) -> str:
    """The comment an automatic escalation records (the log's language is English)."""
    return f"Not acknowledged within {after_s:g} s"


def due_for_escalation(
    incidents: Iterable[Incident], now_ms: int, after_s: float
) -> list[DueEscalation]:
    """Critical incidents still new (unacknowledged) ``after_s`` seconds or more after they
    were opened and never escalated, oldest first."""
    limit_ms = round(after_s * 1000)
    due = [
        DueEscalation(i.id, i.opened_ms, now_ms - i.opened_ms)
        for i in incidents
        if i.severity == CRITICAL
        and i.status is IncidentStatus.NEW
        and i.escalations == 0
        and now_ms - i.opened_ms >= limit_ms
    ]
    return sorted(due, key=lambda d: (d.opened_ms, d.incident_id))


def overdue_steps(
    incidents: Iterable[Incident], library: ProcedureLibrary, now_ms: int
) -> list[OverdueStep]:
    """Steps of the incidents' procedures that are past their reminder time at ``now_ms``,
    judged by the version of the procedure each incident follows (skipped when this process
    has not read that version: its steps may differ from the file in force)."""
    found = [
        OverdueStep(incident.id, step, due_ms)
        for incident in incidents
        for step, due_ms in waiting_steps(incident, library)
        if due_ms <= now_ms
    ]
    return sorted(found, key=lambda o: (o.due_ms, o.incident_id))


def waiting_steps(incident: Incident, library: ProcedureLibrary) -> list[tuple[Step, int]]:
    """The steps with a reminder time that are on the incident's path and neither done nor
    skipped, each with when it falls due. Time does not change which steps these are; only
    the incident's events do."""
    run = incident.procedure
    if run is None or incident.status in _DONE_WITH:
        return []
    loaded = library.get(run.procedure_id, run.version)
    if loaded is None or loaded.procedure.version != run.version:
        return []
    view = progress(loaded.procedure, run, incident, run.started_ms)
    return [
        (v.step, v.due_ms)
        for v in view.steps
        if v.due_ms is not None
        and v.status in (StepStatus.CURRENT, StepStatus.PENDING)
        and v.step.id in run.steps
    ]


def awaiting_supervisor(incidents: Iterable[Incident]) -> list[Incident]:
    """Incidents the automatic escalation raised that are still unacknowledged, oldest first."""
    waiting = [
        i
        for i in incidents
        if i.status is IncidentStatus.NEW
        and i.escalations > 0
        and any(t.action == _ESCALATED and t.actor == ACTOR for t in i.transitions)
    ]
    return sorted(waiting, key=lambda i: (i.opened_ms, i.id))


class EscalationCheck:
    """Says once what is due: each incident to escalate, each overdue step to remind of.

    An incident reported as due is not reported again (the escalation event takes a moment
    to come back through the feed); :meth:`forget` allows another try after a failure.
    """

    def __init__(self, library: ProcedureLibrary | None, after_s: float = DEFAULT_AFTER_S) -> None:
        self._library = library
        self.after_s = after_s
        self._asked: set[str] = set()
        self._reminded: set[tuple[str, str]] = set()
        self._steps: dict[str, tuple[tuple[object, ...], list[tuple[Step, int]]]] = {}

    @property
    def after_s(self) -> float:
        """Seconds a critical incident may stay unacknowledged."""
        return self._after_s

    @after_s.setter
    def after_s(self, value: float) -> None:
        if not MIN_AFTER_S <= value <= MAX_AFTER_S:
            raise ValueError(
                f"escalate after {value:g} s: give {MIN_AFTER_S} to {MAX_AFTER_S} seconds"
            )
        self._after_s = value

    def check(self, incidents: Iterable[Incident], now_ms: int) -> Findings:
        """What is newly due at ``now_ms`` among ``incidents`` (the open ones suffice)."""
        incidents = list(incidents)
        escalate = tuple(
            d
            for d in due_for_escalation(incidents, now_ms, self._after_s)
            if d.incident_id not in self._asked
        )
        self._asked.update(d.incident_id for d in escalate)
        overdue = tuple(
            sorted(
                (
                    OverdueStep(incident.id, step, due_ms)
                    for incident in incidents
                    for step, due_ms in self._waiting(incident)
                    if due_ms <= now_ms and (incident.id, step.id) not in self._reminded
                ),
                key=lambda o: (o.due_ms, o.incident_id),
            )
        )
        self._reminded.update((o.incident_id, o.step.id) for o in overdue)
        return Findings(escalate, overdue)

    def _waiting(self, incident: Incident) -> list[tuple[Step, int]]:
        """:func:`waiting_steps`, worked out again only when the incident's run moved on, its
        status changed or the library read a new version (this runs every second)."""
        run = incident.procedure
        if self._library is None or run is None:
            return []
        loaded = self._library.get(run.procedure_id, run.version)
        key = (id(run), len(run.records), incident.status, id(loaded))
        cached = self._steps.get(incident.id)
        if cached is None or cached[0] != key:
            cached = self._steps[incident.id] = (key, waiting_steps(incident, self._library))
        return cached[1]

    def forget(self, incident_id: str) -> None:
        """Let ``incident_id`` be reported as due again (its escalation failed)."""
        self._asked.discard(incident_id)

    def drop(self, incident_ids: Iterable[str]) -> None:
        """Forget incidents that are closed or gone (keeps the memory small)."""
        gone = set(incident_ids)
        self._asked -= gone
        for incident_id in gone:
            self._steps.pop(incident_id, None)
        self._reminded = {r for r in self._reminded if r[0] not in gone}
