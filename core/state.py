"""Folded state of the city: incidents and the latest sensor values, rebuilt from events.

``CityState.apply`` is the one fold every consumer uses (the backend, the UI replica, replay).
Snapshots serialise the state so a rebuild folds only the events after the newest snapshot.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.dispatch.tracking import PACKET_EVENT_TYPES, PacketBook, PacketStatus
from core.errors import CorruptLogError
from core.events import (
    CameraViewed,
    EventRecord,
    EventType,
    IncidentAssigned,
    IncidentDispatched,
    IncidentEscalated,
    IncidentLinked,
    IncidentMerged,
    IncidentReported,
    ReplayAnnotated,
    ReplayBookmarked,
    SimulatorState,
    decode,
)
from core.model import Bookmark, Incident, IncidentStatus, Transition
from core.sop.fold import PROCEDURE_EVENTS as _PROCEDURE_EVENTS
from core.sop.fold import fold_procedure

if TYPE_CHECKING:
    from core.eventlog import EventLog

# Bump when the fold's meaning changes: older snapshots are then ignored, not misread.
FOLD_VERSION = 8

St = IncidentStatus
ET = EventType

# Events that move an incident to a fixed status.
_STATUS_OF: dict[str, IncidentStatus] = {
    ET.INCIDENT_ACKNOWLEDGED: St.ACKNOWLEDGED,
    ET.INCIDENT_STARTED: St.IN_PROGRESS,
    ET.INCIDENT_DISPATCHED: St.DISPATCHED,
    ET.INCIDENT_RESOLVED: St.RESOLVED,
    ET.INCIDENT_CLOSED: St.CLOSED,
    ET.INCIDENT_MERGED: St.MERGED,
}
# Packet events (and refusals) stamp an incident's firsts but are not lifecycle steps.
_PACKET_TYPES = PACKET_EVENT_TYPES | {ET.PACKET_REFUSED.value}
_ACTION_OF: dict[str, str] = {t.value: t.value.split(".", 1)[1] for t in ET}


@dataclass(slots=True)
class SensorValue:
    """The newest reading of one sensor."""

    value: float
    ts_ms: int


class CityState:
    """Everything the room knows now, as a fold of the event log."""

    def __init__(self) -> None:
        self.last_seq = 0
        self.last_ts = 0
        self.incidents: dict[str, Incident] = {}
        self.sensors: dict[str, SensorValue] = {}
        self.incident_counter = 0
        self.readings = 0
        self.simulator: dict[str, Any] | None = None
        self.packets = PacketBook()
        self.bookmarks: list[Bookmark] = []  # in the order recorded

    def packets_of(self, incident_id: str) -> list[PacketStatus]:
        """The delivery status of an incident's packets to agencies, oldest first."""
        return self.packets.packets_of(incident_id)

    def next_incident_id(self) -> str:
        """The id the next reported incident gets."""
        return f"INC-{self.incident_counter + 1:06d}"

    def apply_all(self, records: Iterable[EventRecord]) -> set[str]:
        """Fold many events; return the ids of incidents that changed."""
        changed: set[str] = set()
        for record in records:
            incident_id = self.apply(record)
            if incident_id is not None:
                changed.add(incident_id)
        return changed

    def apply(self, record: EventRecord) -> str | None:
        """Fold one event; return the id of the incident it changed, if any."""
        changed = self._apply(record)
        if changed is not None:
            incident = self.incidents[changed]
            steps = incident.transitions
            # A procedure's run is decided state: replacing it discards a colleague's steps.
            if (steps and steps[-1].seq == record.seq) or record.type in _PROCEDURE_EVENTS:
                incident.version = record.seq
        return changed

    def _apply(self, record: EventRecord) -> str | None:
        if record.seq <= self.last_seq:
            return None  # already folded (a replayed batch or a snapshot overlap)
        self.last_seq = record.seq
        self.last_ts = record.ts_ms
        if record.type == ET.SENSOR_READING:
            # The hot path: most events are readings, so skip the typed decode.
            payload = json.loads(record.payload_json)
            sensor_id = payload["sensor_id"]
            # The device's time where it gave one; a reading that arrives late does not
            # replace a newer one as the sensor's last value.
            ts_ms = payload.get("measured_ms") or record.ts_ms
            last = self.sensors.get(sensor_id)
            if last is None or ts_ms >= last.ts_ms:
                self.sensors[sensor_id] = SensorValue(float(payload["value"]), ts_ms)
            self.readings += 1
            return None
        if record.type in _PACKET_TYPES:
            return self._packet(record)
        event = decode(record)
        if isinstance(event, SimulatorState):
            self.simulator = event.payload()
            return None
        if isinstance(event, CameraViewed):
            # About a camera, but the first look at an incident's scene starts its clock.
            viewed = self.incidents.get(event.incident_id or "")
            if viewed is None or event.action != "open":
                return None
            viewed.firsts.setdefault(record.type, record.ts_ms)
            return viewed.id
        if isinstance(event, IncidentReported):
            return self._report(event, record)
        if record.type == ET.BUNDLE_EXPORTED:
            return None  # a record of an export (for the audit), no change to the incident
        if isinstance(event, ReplayBookmarked | ReplayAnnotated):
            self._bookmark(event, record)
            return event.incident_id if event.incident_id in self.incidents else None
        incident_id = record.subject
        incident = self.incidents.get(incident_id) if incident_id else None
        if incident is None or event is None:
            return None
        self._change(incident, event, record)
        return incident.id

    def _packet(self, record: EventRecord) -> str | None:
        # Packet events are not steps of the incident's lifecycle: they stamp its firsts
        # (golden-time timers) and live in the packet book, not in its transitions.
        self.packets.apply(record)
        incident = self.incidents.get(record.subject or "")
        if incident is None:
            return None
        incident.firsts.setdefault(record.type, record.ts_ms)
        return incident.id

    def _bookmark(self, event: ReplayBookmarked | ReplayAnnotated, record: EventRecord) -> None:
        # Marks of the timeline, not steps of an incident: they change no incident's state.
        if isinstance(event, ReplayBookmarked):
            kind, text = "bookmark", event.label
        else:
            kind, text = "annotation", event.text
        self.bookmarks.append(
            Bookmark(
                kind, event.at_ms, text, record.actor, record.ts_ms, record.seq, event.incident_id
            )
        )

    def _report(self, event: IncidentReported, record: EventRecord) -> str:
        incident = Incident(
            id=event.incident_id,
            type_code=event.type_code,
            severity=event.severity,
            status=St.NEW,
            lat=event.lat,
            lon=event.lon,
            district_code=event.district_code,
            opened_ms=record.ts_ms,
            last_changed_ms=record.ts_ms,
            reported_by=record.actor,
            summary=event.summary,
            reference=event.reference,
            cameras=list(event.cameras),
            sensors=list(event.sensors),
            transitions=[
                Transition("reported", St.NEW, record.ts_ms, record.actor, "", record.seq)
            ],
            firsts={record.type: record.ts_ms},
            exercise=event.exercise,
        )
        self.incidents[incident.id] = incident
        number = event.incident_id.rsplit("-", 1)[-1]
        if number.isdigit():
            self.incident_counter = max(self.incident_counter, int(number))
        else:
            self.incident_counter += 1
        return incident.id

    def _change(self, incident: Incident, event: object, record: EventRecord) -> None:
        type_ = record.type
        comment = str(getattr(event, "comment", ""))
        incident.last_changed_ms = record.ts_ms
        incident.firsts.setdefault(type_, record.ts_ms)
        if type_ in _PROCEDURE_EVENTS:
            fold_procedure(incident, event, record)
            return
        new_status = _STATUS_OF.get(type_)
        if isinstance(event, IncidentAssigned):
            incident.assignee = event.assignee
            if incident.status in (St.NEW, St.ACKNOWLEDGED, St.ASSIGNED):
                new_status = St.ASSIGNED
        elif isinstance(event, IncidentEscalated):
            incident.severity = event.severity
            incident.escalations += 1
        elif isinstance(event, IncidentDispatched):
            incident.agencies.extend(a for a in event.agencies if a not in incident.agencies)
        elif isinstance(event, IncidentMerged):
            incident.merged_into = event.into_id
            target = self.incidents.get(event.into_id)
            if target is not None and incident.id not in target.duplicates:
                target.duplicates.append(incident.id)
        elif isinstance(event, IncidentLinked):
            incident.cameras.extend(c for c in event.cameras if c not in incident.cameras)
            incident.sensors.extend(s for s in event.sensors if s not in incident.sensors)
            return
        elif type_ == ET.INCIDENT_REOPENED:
            new_status = St.ASSIGNED if incident.assignee else St.ACKNOWLEDGED
        elif type_ == ET.INCIDENT_NOTE_ADDED:
            incident.notes += 1
            return
        elif type_ in (ET.INCIDENT_OBSERVED, ET.EVIDENCE_CAPTURED):
            incident.observations += 1
            return
        if new_status is not None:
            incident.status = new_status
        incident.transitions.append(
            Transition(
                _ACTION_OF.get(type_, type_),
                incident.status,
                record.ts_ms,
                record.actor,
                comment,
                record.seq,
            )
        )

    # -- snapshots ------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Serialise the whole state (compressed JSON)."""
        data = {
            "last_seq": self.last_seq,
            "last_ts": self.last_ts,
            "incident_counter": self.incident_counter,
            "readings": self.readings,
            "simulator": self.simulator,
            "incidents": [i.to_json() for i in self.incidents.values()],
            "sensors": {k: [v.value, v.ts_ms] for k, v in self.sensors.items()},
            "packets": self.packets.to_json(),
            "bookmarks": [b.to_json() for b in self.bookmarks],
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), level=1)

    @classmethod
    def from_bytes(cls, blob: bytes) -> CityState:
        """Inverse of :meth:`to_bytes`."""
        data = json.loads(zlib.decompress(blob))
        state = cls()
        state.last_seq = data["last_seq"]
        state.last_ts = data["last_ts"]
        state.incident_counter = data["incident_counter"]
        state.readings = data["readings"]
        state.simulator = data["simulator"]
        state.incidents = {d["id"]: Incident.from_json(d) for d in data["incidents"]}
        state.sensors = {k: SensorValue(v, ts) for k, (v, ts) in data["sensors"].items()}
        state.packets = PacketBook.from_json(data.get("packets"))
        state.bookmarks = [Bookmark.from_json(b) for b in data.get("bookmarks", [])]
        return state

    def open_incident_places(self) -> dict[str, tuple[str, float, float]]:
        """Every open incident's type and position, by id."""
        return {
            i.id: (i.type_code, i.lat, i.lon) for i in self.incidents.values() if i.status.is_open
        }

    def copy(self) -> CityState:
        """An independent deep copy (handed to other threads)."""
        return CityState.from_bytes(self.to_bytes())


def rebuild(log: EventLog, until_seq: int | None = None, use_snapshots: bool = True) -> CityState:
    """Fold the log up to ``until_seq`` (all of it by default), starting from a snapshot."""
    state = CityState()
    if use_snapshots:
        snapshot = log.latest_snapshot(FOLD_VERSION, until_seq)
        if snapshot is not None:
            state = CityState.from_bytes(snapshot[1])
    for record in log.read(after_seq=state.last_seq, until_seq=until_seq):
        try:
            state.apply(record)
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptLogError(
                log.path,
                f"event {record.seq} ({record.type}) cannot be read: {exc!r}",
                f"Run 'python main.py log verify --db {log.path}' for details; start a new "
                "log elsewhere with --db NEW_FILE.db. The file was left untouched.",
            ) from exc
    return state
