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
        return cls(**values)
