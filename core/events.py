"""Typed domain events and the records the event log stores them as.

An event is a fact: it is appended once and never changed. Each typed event class maps to one
``EventType``; its fields are its JSON payload, so ``encode``/``decode`` are exact inverses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar, TypeVar


class EventType(StrEnum):
    """Every kind of event the log holds."""

    INCIDENT_REPORTED = "incident.reported"
    INCIDENT_ACKNOWLEDGED = "incident.acknowledged"
    INCIDENT_ASSIGNED = "incident.assigned"
    INCIDENT_STARTED = "incident.started"
    INCIDENT_DISPATCHED = "incident.dispatched"
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_ESCALATED = "incident.escalated"
    INCIDENT_REOPENED = "incident.reopened"
    INCIDENT_MERGED = "incident.merged"
    INCIDENT_NOTE_ADDED = "incident.note_added"
    INCIDENT_OBSERVED = "incident.observed"
    INCIDENT_LINKED = "incident.linked"
    SENSOR_READING = "sensor.reading"
    CAMERA_VIEWED = "camera.viewed"
    CAMERA_MASKS_CHANGED = "camera.masks_changed"
    EVIDENCE_CAPTURED = "evidence.captured"
    SITUATION_DETECTED = "situation.detected"
    PROCEDURE_STARTED = "procedure.started"
    PROCEDURE_STEP_DONE = "procedure.step_done"
    PROCEDURE_STEP_SKIPPED = "procedure.step_skipped"
    PROCEDURE_TIMER_STARTED = "procedure.timer_started"
    SIMULATOR_STATE = "simulator.state"
    PACKET_REFUSED = "packet.refused"
    PACKET_QUEUED = "packet.queued"
    PACKET_ATTEMPT_FAILED = "packet.attempt_failed"
    PACKET_SENT = "packet.sent"
    PACKET_DELIVERED = "packet.delivered"
    PACKET_ACKNOWLEDGED = "packet.acknowledged"
    PACKET_FAILED = "packet.failed"
    INBOUND_REJECTED = "inbound.rejected"
    REPLAY_BOOKMARKED = "replay.bookmarked"
    REPLAY_ANNOTATED = "replay.annotated"
    BUNDLE_EXPORTED = "bundle.exported"
    # The operations backend's audit trail (a chain of its own, never in the shared log).
    AUDIT_REQUEST = "audit.request"
    AUDIT_LOGIN = "audit.login"
    AUDIT_LOGIN_FAILED = "audit.login_failed"
    AUDIT_STREAM = "audit.stream"


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(payload: dict[str, Any]) -> str:
    """The one serialisation of a payload that is stored and hashed."""
    return _CANONICAL.encode(payload)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended: the log gives it a sequence number and hash."""

    type: EventType
    source: str
    actor: str
    payload: dict[str, Any]
    subject: str | None = None
    ts_ms: int | None = None  # None: the log stamps it with its clock


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as stored: sequence number, UTC ms timestamp, payload and hash chain."""

    seq: int
    ts_ms: int
    type: str
    source: str
    actor: str
    subject: str | None
    payload_json: str
    prev_hash: bytes
    hash: bytes

    @property
    def payload(self) -> dict[str, Any]:
        """The decoded JSON payload."""
        value: dict[str, Any] = json.loads(self.payload_json)
        return value


_FIELD_NAME_CACHE: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAME_CACHE.get(cls)
    if names is None:
        names = _FIELD_NAME_CACHE[cls] = tuple(f.name for f in fields(cls))
    return names


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of the typed events; subclasses set ``TYPE`` and declare payload fields."""

    TYPE: ClassVar[EventType]
    SUBJECT_FIELD: ClassVar[str | None] = None

    def payload(self) -> dict[str, Any]:
        """The JSON payload: every declared field, tuples as lists."""
        out: dict[str, Any] = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def subject(self) -> str | None:
        """The id of the entity this event is about (an incident, a sensor), for indexing."""
        if self.SUBJECT_FIELD is None:
            return None
        value = getattr(self, self.SUBJECT_FIELD)
        return str(value) if value is not None else None

    def to_new(self, source: str, actor: str, ts_ms: int | None = None) -> NewEvent:
        """Wrap as an event ready to append."""
        return NewEvent(self.TYPE, source, actor, self.payload(), self.subject(), ts_ms)


@dataclass(frozen=True, slots=True)
class IncidentReported(DomainEvent):
    """A new incident entered the centre (a 112/119 report, a sensor rule, an operator)."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_REPORTED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    type_code: str
    severity: int
    lat: float
    lon: float
    district_code: str | None
    summary: str = ""
    reference: str | None = None  # the reporting system's own id (e.g. a 112 case number)
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()
    exercise: bool = False  # a drill: shown as 훈련 everywhere, never sent as real


@dataclass(frozen=True, slots=True)
class _IncidentStep(DomainEvent):
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    comment: str = ""


@dataclass(frozen=True, slots=True)
class IncidentAcknowledged(_IncidentStep):
    """An operator took notice of the incident."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_ACKNOWLEDGED


@dataclass(frozen=True, slots=True)
class IncidentAssigned(_IncidentStep):
    """The incident was given to an operator (담당자 할당), or handed over to another."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_ASSIGNED
    assignee: str = ""


@dataclass(frozen=True, slots=True)
class IncidentStarted(_IncidentStep):
    """The assignee started working the incident."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_STARTED


@dataclass(frozen=True, slots=True)
class IncidentDispatched(_IncidentStep):
    """Outside agencies were engaged (the packets themselves are their own events)."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_DISPATCHED
    agencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IncidentResolved(_IncidentStep):
    """The situation is over."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_RESOLVED


@dataclass(frozen=True, slots=True)
class IncidentClosed(_IncidentStep):
    """The record is complete and closed."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_CLOSED


@dataclass(frozen=True, slots=True)
class IncidentEscalated(_IncidentStep):
    """Raised to a supervisor; severity becomes ``severity``."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_ESCALATED
    severity: int = 1


@dataclass(frozen=True, slots=True)
class IncidentReopened(_IncidentStep):
    """A resolved or closed incident came back."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_REOPENED


@dataclass(frozen=True, slots=True)
class IncidentMerged(_IncidentStep):
    """The incident duplicates ``into_id`` and is folded into it."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_MERGED
    into_id: str = ""


@dataclass(frozen=True, slots=True)
class IncidentNoteAdded(_IncidentStep):
    """A free-text memo on the incident (the text is in ``comment``)."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_NOTE_ADDED


@dataclass(frozen=True, slots=True)
class IncidentObserved(DomainEvent):
    """A fact from the field about an incident (a camera sees smoke, LPR read plates)."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_OBSERVED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    text_ko: str
    text_en: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IncidentLinked(DomainEvent):
    """Cameras or sensors were linked to an incident."""

    TYPE: ClassVar[EventType] = EventType.INCIDENT_LINKED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SensorReading(DomainEvent):
    """One reading from a field device.

    ``measured_ms`` is the device's own time when it sent one: the log never lets time run
    backwards, so a late reading is stamped when it arrived, but plots and rules want when it
    was measured.
    """

    TYPE: ClassVar[EventType] = EventType.SENSOR_READING
    SUBJECT_FIELD: ClassVar[str | None] = "sensor_id"
    sensor_id: str
    value: float
    measured_ms: int | None = None


@dataclass(frozen=True, slots=True)
class CameraViewed(DomainEvent):
    """An operator opened (or closed) a camera's live picture: who, which, why (privacy law)."""

    TYPE: ClassVar[EventType] = EventType.CAMERA_VIEWED
    SUBJECT_FIELD: ClassVar[str | None] = "camera_id"
    camera_id: str
    purpose: str
    action: str = "open"  # "open" or "close"
    incident_id: str | None = None


@dataclass(frozen=True, slots=True)
class CameraMasksChanged(DomainEvent):
    """An operator changed a camera's fixed privacy masks (what the wall never shows)."""

    TYPE: ClassVar[EventType] = EventType.CAMERA_MASKS_CHANGED
    SUBJECT_FIELD: ClassVar[str | None] = "camera_id"
    camera_id: str
    masks: int  # how many masked areas the camera has now


@dataclass(frozen=True, slots=True)
class EvidenceCaptured(DomainEvent):
    """A still or a clip was saved from a camera, with the digest of the file."""

    TYPE: ClassVar[EventType] = EventType.EVIDENCE_CAPTURED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str | None
    camera_id: str
    kind: str  # "still" or "clip"
    path: str
    sha256: str
    taken_ms: int  # the still's moment, or the clip's first frame
    end_ms: int | None = None  # a clip's last frame
    redacted: str = ""  # what was blurred before saving, e.g. "faces,plates"
    frames: int | None = None  # a clip's frame count


@dataclass(frozen=True, slots=True)
class SituationDetected(DomainEvent):
    """A situation rule fired: which rule, what it concluded and the evidence it used.

    ``readings`` holds [sensor id, value, ts_ms] triples; ``events`` the sequence numbers of
    other events it combined (an incident report in a correlation rule).
    """

    TYPE: ClassVar[EventType] = EventType.SITUATION_DETECTED
    SUBJECT_FIELD: ClassVar[str | None] = "rule_id"
    rule_id: str
    type_code: str | None  # None: a device fault that opens no incident
    severity: int
    lat: float
    lon: float
    district_code: str | None
    summary_ko: str
    summary_en: str
    readings: tuple[tuple[str, float, int], ...] = ()
    events: tuple[int, ...] = ()
    level: str | None = None  # the crisis level reached, for level rules


@dataclass(frozen=True, slots=True)
class ProcedureStarted(DomainEvent):
    """An incident's response procedure began: which one, which version of its file (and the
    file's digest), its steps and which of them are mandatory, as they were then."""

    TYPE: ClassVar[EventType] = EventType.PROCEDURE_STARTED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    procedure_id: str
    version: int
    digest: str
    title_ko: str
    title_en: str
    steps: tuple[str, ...]
    mandatory: tuple[str, ...] = ()
    reason: str = ""  # why, when it replaces another procedure


@dataclass(frozen=True, slots=True)
class ProcedureStepDone(DomainEvent):
    """A step of an incident's procedure was carried out (with the answer of a question)."""

    TYPE: ClassVar[EventType] = EventType.PROCEDURE_STEP_DONE
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    step_id: str
    answer: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ProcedureStepSkipped(DomainEvent):
    """A step was skipped, and why (a mandatory step needs a reason)."""

    TYPE: ClassVar[EventType] = EventType.PROCEDURE_STEP_SKIPPED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    step_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ProcedureTimerStarted(DomainEvent):
    """A timer that starts by a step's action was started."""

    TYPE: ClassVar[EventType] = EventType.PROCEDURE_TIMER_STARTED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    timer_id: str


@dataclass(frozen=True, slots=True)
class SimulatorState(DomainEvent):
    """The built-in city simulator started, paused, changed speed or stopped."""

    TYPE: ClassVar[EventType] = EventType.SIMULATOR_STATE
    state: str
    seed: int | None = None
    speed: float | None = None
    scenario: str | None = None
    exercise: bool = False  # a drill is playing


@dataclass(frozen=True, slots=True)
class _PacketEvent(DomainEvent):
    """An event about one packet to an agency (indexed under its incident)."""

    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    distribution_id: str
    agency_id: str


@dataclass(frozen=True, slots=True)
class PacketRefused(_PacketEvent):
    """A packet was not queued: the lawful-sharing gate or the validation refused it."""

    TYPE: ClassVar[EventType] = EventType.PACKET_REFUSED
    stage: str = ""  # "gate" or "validation"
    reasons: tuple[str, ...] = ()
    data_classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PacketQueued(_PacketEvent):
    """A validated, lawful packet entered the outbox: its rendered body is kept here, so the
    log is the outbox and a restart resends exactly these bytes."""

    TYPE: ClassVar[EventType] = EventType.PACKET_QUEUED
    format: str = ""
    content_type: str = ""
    body: str = ""
    body_sha256: str = ""
    packet: dict[str, Any] = field(default_factory=dict)  # the Packet model as JSON
    expires_ms: int = 0


@dataclass(frozen=True, slots=True)
class PacketAttemptFailed(_PacketEvent):
    """One delivery attempt failed; ``retry_at_ms`` is when the next one is due."""

    TYPE: ClassVar[EventType] = EventType.PACKET_ATTEMPT_FAILED
    attempt: int = 1
    reason: str = ""
    retry_at_ms: int | None = None


@dataclass(frozen=True, slots=True)
class PacketSent(_PacketEvent):
    """The packet left the room: the agency's endpoint took it (or it is in the drop folder)."""

    TYPE: ClassVar[EventType] = EventType.PACKET_SENT
    attempt: int = 1
    transport: str = ""  # "https", "http" or "folder"
    detail: str = ""  # the HTTP status, or the file written


@dataclass(frozen=True, slots=True)
class PacketDelivered(_PacketEvent):
    """The agency's system confirmed receipt (an HTTP receipt or a receipt file)."""

    TYPE: ClassVar[EventType] = EventType.PACKET_DELIVERED
    receipt: str = ""


@dataclass(frozen=True, slots=True)
class PacketAcknowledged(_PacketEvent):
    """The agency acknowledged the packet (a CAP msgType=Ack / EDXL-DE Ack message)."""

    TYPE: ClassVar[EventType] = EventType.PACKET_ACKNOWLEDGED
    ack_id: str = ""
    note: str = ""
    acked_ms: int | None = None  # the agency's own time of the Ack


@dataclass(frozen=True, slots=True)
class PacketFailed(_PacketEvent):
    """The packet will not be delivered: expired, refused by the receiver, or its body lost."""

    TYPE: ClassVar[EventType] = EventType.PACKET_FAILED
    code: str = ""  # "expired", "rejected", "body_lost", "cancelled"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class InboundRejected(DomainEvent):
    """A report or message from outside was refused (kept for audit; nothing else changed)."""

    TYPE: ClassVar[EventType] = EventType.INBOUND_REJECTED
    remote: str
    path: str
    reason: str
    body_sha256: str = ""
    size: int = 0


@dataclass(frozen=True, slots=True)
class ReplayBookmarked(DomainEvent):
    """Someone marked an instant of the timeline (live or in replay) with a short label.

    The event is recorded when it is made; ``at_ms`` is the instant it marks, which in replay
    lies in the past. About an incident when one was selected, so it travels with it.
    """

    TYPE: ClassVar[EventType] = EventType.REPLAY_BOOKMARKED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str | None
    at_ms: int
    label: str


@dataclass(frozen=True, slots=True)
class ReplayAnnotated(DomainEvent):
    """A reviewer's note on an instant of the timeline (and an incident, when one was
    selected): what they saw, what should have happened."""

    TYPE: ClassVar[EventType] = EventType.REPLAY_ANNOTATED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str | None
    at_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class BundleExported(DomainEvent):
    """An incident's bundle (its events, readings, evidence, packets, report) was written to a
    file: who, why, where, and the digest that identifies the file. Exports of camera
    material are logged by law; this is that record."""

    TYPE: ClassVar[EventType] = EventType.BUNDLE_EXPORTED
    SUBJECT_FIELD: ClassVar[str | None] = "incident_id"
    incident_id: str
    purpose: str
    path: str
    sha256: str
    size: int
    events: int
    cameras: tuple[str, ...] = ()  # whose stills or clips it carries
    signed_by: str = ""  # the key id, when signed


WITHHELD_TYPE = "log.withheld"
"""The type a workstation's replica stores for an event the server did not show its account
(another district's): only its sequence number, time and hashes travel, so the chain still
links; its contents stay on the server."""


def withheld(record: EventRecord) -> EventRecord:
    """``record`` as an account that may not see it receives it."""
    return EventRecord(
        record.seq, record.ts_ms, WITHHELD_TYPE, "", "", None, "{}", record.prev_hash, record.hash
    )


def is_withheld(record: EventRecord) -> bool:
    """Whether ``record`` stands for an event withheld from this replica's account."""
    return record.type == WITHHELD_TYPE


EVENT_CLASSES: dict[str, type[DomainEvent]] = {
    cls.TYPE.value: cls
    for cls in (
        IncidentReported,
        IncidentAcknowledged,
        IncidentAssigned,
        IncidentStarted,
        IncidentDispatched,
        IncidentResolved,
        IncidentClosed,
        IncidentEscalated,
        IncidentReopened,
        IncidentMerged,
        IncidentNoteAdded,
        IncidentObserved,
        IncidentLinked,
        SensorReading,
        CameraViewed,
        CameraMasksChanged,
        EvidenceCaptured,
        SituationDetected,
        ProcedureStarted,
        ProcedureStepDone,
        ProcedureStepSkipped,
        ProcedureTimerStarted,
        SimulatorState,
        PacketRefused,
        PacketQueued,
        PacketAttemptFailed,
        PacketSent,
        PacketDelivered,
        PacketAcknowledged,
        PacketFailed,
        InboundRejected,
        ReplayBookmarked,
        ReplayAnnotated,
        BundleExported,
    )
}

_TUPLE_FIELDS: dict[type[DomainEvent], frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls) if str(f.type).startswith("tuple"))
    for cls in EVENT_CLASSES.values()
}

_FIELD_NAMES: dict[type[DomainEvent], frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls)) for cls in EVENT_CLASSES.values()
}

E = TypeVar("E", bound=DomainEvent)


def decode(record: EventRecord) -> DomainEvent | None:
    """The typed event for a record, or None for a type this version does not know."""
    cls = EVENT_CLASSES.get(record.type)
    if cls is None:
        return None
    payload = record.payload
    for name in _TUPLE_FIELDS[cls]:
        if name in payload:
            payload[name] = tuple(payload[name])
    known = _FIELD_NAMES[cls]
    # Fields added by newer versions are ignored rather than crashing older readers.
    return cls(**{k: v for k, v in payload.items() if k in known})
