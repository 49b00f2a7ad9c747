"""Incidents: their fields, statuses and the lifecycle that moves between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.catalogue import CATALOGUE, IncidentType, Service


class IncidentStatus(StrEnum):
    """Where an incident stands. Merged incidents live on only as duplicates of another."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    CLOSED = "closed"
    MERGED = "merged"

    @property
    def is_open(self) -> bool:
        """True while the incident still needs work."""
        return self not in _FINISHED


_FINISHED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED, IncidentStatus.MERGED})

STATUS_NAMES: dict[IncidentStatus, tuple[str, str]] = {
    IncidentStatus.NEW: ("신규", "new"),
    IncidentStatus.ACKNOWLEDGED: ("확인", "acknowledged"),
    IncidentStatus.ASSIGNED: ("할당", "assigned"),
    IncidentStatus.IN_PROGRESS: ("처리중", "in progress"),
    IncidentStatus.DISPATCHED: ("출동", "dispatched"),
    IncidentStatus.RESOLVED: ("해결", "resolved"),
    IncidentStatus.CLOSED: ("종결", "closed"),
    IncidentStatus.MERGED: ("병합", "merged"),
}


@dataclass(slots=True)
class Transition:
    """One step of an incident's history: what it became, when, by whom and why."""

    action: str
    status: IncidentStatus
    ts_ms: int
    actor: str
    comment: str = ""
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A marked instant of the timeline: a bookmark (a label) or an annotation (a note).

    ``at_ms`` is the instant marked; ``ts_ms`` and ``seq`` when it was recorded, by ``actor``.
    """

    kind: str  # "bookmark" or "annotation"
    at_ms: int
    text: str
    actor: str
    ts_ms: int
    seq: int
    incident_id: str | None = None

    def to_json(self) -> list[object]:
        """A compact form for snapshots."""
        return [
            self.kind,
            self.at_ms,
            self.text,
            self.actor,
            self.ts_ms,
            self.seq,
            self.incident_id,
        ]

    @classmethod
    def from_json(cls, data: list[object]) -> Bookmark:
        """Inverse of :meth:`to_json`."""
        kind, at_ms, text, actor, ts_ms, seq, incident_id = data
        return cls(
            str(kind),
            int(at_ms),  # type: ignore[call-overload]
            str(text),
            str(actor),
            int(ts_ms),  # type: ignore[call-overload]
            int(seq),  # type: ignore[call-overload]
            None if incident_id is None else str(incident_id),
        )


@dataclass(slots=True)
class StepRecord:
    """What happened to one step of an incident's procedure: done (with an answer) or
    skipped (with a reason), when and by whom."""

    step_id: str
    outcome: str  # "done" or "skipped"
    ts_ms: int
    actor: str
    answer: str | None = None
    text: str = ""  # the note of a done step, the reason of a skipped one
    seq: int = 0

    def to_json(self) -> list[Any]:
        """A compact JSON form."""
        return [
            self.step_id,
            self.outcome,
            self.ts_ms,
            self.actor,
            self.answer,
            self.text,
            self.seq,
        ]


@dataclass(slots=True)
class ProcedureRun:
    """An incident's response procedure as folded from its events: which procedure and
    version, its steps as they were when it started, and what has been done."""

    procedure_id: str
    version: int
    digest: str
    title_ko: str
    title_en: str
    steps: list[str]
    mandatory: list[str]
    started_ms: int
    started_by: str
    records: dict[str, StepRecord] = field(default_factory=dict)
    timers_started: dict[str, int] = field(default_factory=dict)
    replaced: int = 0  # earlier procedures this one replaced

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "procedure_id": self.procedure_id,
            "version": self.version,
            "digest": self.digest,
            "title_ko": self.title_ko,
            "title_en": self.title_en,
            "steps": self.steps,
            "mandatory": self.mandatory,
            "started_ms": self.started_ms,
            "started_by": self.started_by,
            "records": [r.to_json() for r in self.records.values()],
            "timers_started": self.timers_started,
            "replaced": self.replaced,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProcedureRun:
        """Inverse of :meth:`to_json`."""
        values = dict(data)
        values["records"] = {r[0]: StepRecord(*r) for r in values["records"]}
        return cls(**values)


@dataclass(slots=True)
class Incident:
    """An incident as folded from its events."""

    id: str
    type_code: str
    severity: int
    status: IncidentStatus
    lat: float
    lon: float
    district_code: str | None
    opened_ms: int
    last_changed_ms: int
    reported_by: str
    summary: str = ""
    reference: str | None = None
    assignee: str | None = None
    escalations: int = 0
    merged_into: str | None = None
    duplicates: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    sensors: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    notes: int = 0
    observations: int = 0
    transitions: list[Transition] = field(default_factory=list)
    # When each kind of event about the incident first happened (golden-time timers).
    firsts: dict[str, int] = field(default_factory=dict)
    procedure: ProcedureRun | None = None
    exercise: bool = False  # reported in a drill
    # The sequence number of the last decision about the incident (a lifecycle step, or its
    # procedure started or worked): what a command that expects the incident as its sender
    # last saw it checks (optimistic concurrency). Additive traffic (notes, observations,
    # camera views, packet receipts, links, evidence) leaves it alone: it overwrites nothing,
    # and counting it would refuse operators' actions for changes they need not look at.
    version: int = 0

    @property
    def incident_type(self) -> IncidentType | None:
        """The catalogue entry, or None for a code this version does not know."""
        return CATALOGUE.get(self.type_code)

    @property
    def service(self) -> Service | None:
        """The linked service of the incident's type."""
        entry = self.incident_type
        return entry.service if entry else None

    def time_of(self, status: IncidentStatus) -> int | None:
        """When the incident last entered ``status`` (None if never)."""
        for step in reversed(self.transitions):
            if step.status is status:
                return step.ts_ms
        return None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (used by snapshots and the command line)."""
        return {
            "id": self.id,
            "type_code": self.type_code,
            "severity": self.severity,
            "status": self.status.value,
            "lat": self.lat,
            "lon": self.lon,
            "district_code": self.district_code,
            "opened_ms": self.opened_ms,
            "last_changed_ms": self.last_changed_ms,
            "reported_by": self.reported_by,
            "summary": self.summary,
            "reference": self.reference,
            "assignee": self.assignee,
            "escalations": self.escalations,
            "merged_into": self.merged_into,
            "duplicates": self.duplicates,
            "cameras": self.cameras,
            "sensors": self.sensors,
            "agencies": self.agencies,
            "notes": self.notes,
            "observations": self.observations,
            "transitions": [
                [t.action, t.status.value, t.ts_ms, t.actor, t.comment, t.seq]
                for t in self.transitions
            ],
            "firsts": self.firsts,
            "procedure": self.procedure.to_json() if self.procedure is not None else None,
            "exercise": self.exercise,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Incident:
        """Inverse of :meth:`to_json`."""
        values = dict(data)
        values["status"] = IncidentStatus(values["status"])
        values["transitions"] = [
            Transition(a, IncidentStatus(s), ts, actor, comment, seq)
            for a, s, ts, actor, comment, seq in values["transitions"]
        ]
        procedure = values.get("procedure")
        values["procedure"] = ProcedureRun.from_json(procedure) if procedure else None
        return cls(**values)
