"""Per-packet delivery status, folded from the packet events of the log.

``PacketBook.apply`` takes any event record and returns at once unless its type is a packet
event (a string lookup before any decoding, so a stream of sensor readings costs nothing).
The book keeps what the outbox view and the delivery worker need — state, attempts, the last
error, the next retry, the time of each step, the agency's receipt and Ack — but never the
rendered body: that stays in the log, and ``queued_seq`` says where to read it.

Facts arrive more than once (a resend after a crash, a second Ack) and in any order between
processes, so the fold never moves a packet backwards: ``queued < sent < delivered <
acknowledged``; ``failed`` only replaces ``queued``; proof that the agency has the packet
(sent, delivered, acknowledged) wins over an earlier failure. Events about a distribution id
the book has never seen queued are counted in ``orphans`` and otherwise ignored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from core.events import EventRecord, EventType

ET = EventType


class PacketState(StrEnum):
    """Where a packet stands on its way to the agency."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    ACKNOWLEDGED = "acknowledged"
    FAILED = "failed"


_RANK: dict[PacketState, int] = {
    PacketState.QUEUED: 0,
    PacketState.FAILED: 0,  # a failure is overtaken by any proof that the packet arrived
    PacketState.SENT: 1,
    PacketState.DELIVERED: 2,
    PacketState.ACKNOWLEDGED: 3,
}

# The packet event types the book folds; everything else is skipped by one set lookup.
PACKET_EVENT_TYPES: frozenset[str] = frozenset(
    {
        ET.PACKET_QUEUED.value,
        ET.PACKET_ATTEMPT_FAILED.value,
        ET.PACKET_SENT.value,
        ET.PACKET_DELIVERED.value,
        ET.PACKET_ACKNOWLEDGED.value,
        ET.PACKET_FAILED.value,
    }
)


@dataclass(slots=True)
class PacketStatus:
    """One packet's delivery as the log tells it (times are UTC ms of the log's events)."""

    distribution_id: str
    incident_id: str
    agency_id: str
    format: str
    content_type: str
    queued_seq: int  # where the rendered body is: backend.events_at([queued_seq])
    body_sha256: str
    expires_ms: int
    queued_ms: int
    state: PacketState = PacketState.QUEUED
    status: str = "Actual"  # the packet's distribution status: Actual, Exercise or Test
    exercise: bool = False
    attempts: int = 0
    last_error: str = ""
    next_retry_ms: int | None = None
    sent_ms: int | None = None
    delivered_ms: int | None = None
    acknowledged_ms: int | None = None
    failed_ms: int | None = None
    failure_code: str = ""
    transport: str = ""
    detail: str = ""
    receipt: str = ""
    ack_id: str = ""
    ack_note: str = ""
    last_changed_ms: int = 0
    queued_by: str = ""  # who queued it (the operator, or the command line's user)

    @property
    def pending(self) -> bool:
        """True while the delivery worker still has to send it."""
        return self.state is PacketState.QUEUED

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (snapshots, ``outbox --json``)."""
        out = asdict(self)
        out["state"] = self.state.value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PacketStatus:
        """Inverse of :meth:`to_json`."""
        values = dict(data)
        values["state"] = PacketState(values["state"])
        return cls(**values)


@dataclass(slots=True)
class PacketBook:
    """Every packet's status by distribution id, and the ids of each incident's packets."""

    packets: dict[str, PacketStatus] = field(default_factory=dict)
    by_incident: dict[str, list[str]] = field(default_factory=dict)
    orphans: int = 0  # events about packets never queued here (an Ack for an unknown id)

    def get(self, distribution_id: str) -> PacketStatus | None:
        """The status of one packet, or None if it was never queued."""
        return self.packets.get(distribution_id)

    def packets_of(self, incident_id: str) -> list[PacketStatus]:
        """An incident's packets in the order they were queued."""
        return [self.packets[d] for d in self.by_incident.get(incident_id, ())]

    def pending(self) -> list[PacketStatus]:
        """Packets still to be sent, oldest first."""
        return sorted((p for p in self.packets.values() if p.pending), key=lambda p: p.queued_seq)

    def apply(self, record: EventRecord) -> PacketStatus | None:
        """Fold one event; return the packet it changed (None for any other event)."""
        type_ = record.type
        if type_ not in PACKET_EVENT_TYPES:
            return None
        payload: dict[str, Any] = json.loads(record.payload_json)
        distribution_id = str(payload.get("distribution_id", ""))
        if type_ == ET.PACKET_QUEUED:
            return self._queued(distribution_id, payload, record)
        packet = self.packets.get(distribution_id)
        if packet is None:
            self.orphans += 1
            return None
        ts = record.ts_ms
        packet.last_changed_ms = max(packet.last_changed_ms, ts)
        if type_ == ET.PACKET_ATTEMPT_FAILED:
            attempt = int(payload.get("attempt") or 0)
            if attempt >= packet.attempts:
                packet.attempts = attempt
                packet.last_error = str(payload.get("reason", ""))
                if packet.state is PacketState.QUEUED:
                    packet.next_retry_ms = payload.get("retry_at_ms")
        elif type_ == ET.PACKET_SENT:
            packet.attempts = max(packet.attempts, int(payload.get("attempt") or 0))
            if packet.sent_ms is None:
                packet.sent_ms = ts
                packet.transport = str(payload.get("transport", ""))
                packet.detail = str(payload.get("detail", ""))
            self._advance(packet, PacketState.SENT)
        elif type_ == ET.PACKET_DELIVERED:
            if packet.delivered_ms is None:
                packet.delivered_ms = ts
                packet.receipt = str(payload.get("receipt", ""))
            self._advance(packet, PacketState.DELIVERED)
        elif type_ == ET.PACKET_ACKNOWLEDGED:
            if packet.acknowledged_ms is None:
                packet.acknowledged_ms = ts
                packet.ack_id = str(payload.get("ack_id", ""))
                packet.ack_note = str(payload.get("note", ""))
            self._advance(packet, PacketState.ACKNOWLEDGED)
        else:  # PACKET_FAILED
            if packet.state is PacketState.QUEUED:
                packet.state = PacketState.FAILED
                packet.failed_ms = ts
                packet.failure_code = str(payload.get("code", ""))
                packet.last_error = str(payload.get("reason", "")) or packet.last_error
                packet.next_retry_ms = None
        return packet

    def _queued(
        self, distribution_id: str, payload: dict[str, Any], record: EventRecord
    ) -> PacketStatus | None:
        if distribution_id in self.packets:
            return None  # the same packet queued twice: the first one stands
        body = payload.get("packet")
        if not isinstance(body, dict):
            body = {}
        packet = PacketStatus(
            distribution_id=distribution_id,
            incident_id=str(payload.get("incident_id", "")),
            agency_id=str(payload.get("agency_id", "")),
            format=str(payload.get("format", "")),
            content_type=str(payload.get("content_type", "")),
            queued_seq=record.seq,
            body_sha256=str(payload.get("body_sha256", "")),
            expires_ms=int(payload.get("expires_ms") or 0),
            queued_ms=record.ts_ms,
            status=str(body.get("status", "Actual")),
            exercise=bool(body.get("exercise", False)),
            last_changed_ms=record.ts_ms,
            queued_by=record.actor,
        )
        self.packets[distribution_id] = packet
        self.by_incident.setdefault(packet.incident_id, []).append(distribution_id)
        return packet

    @staticmethod
    def _advance(packet: PacketStatus, state: PacketState) -> None:
        if _RANK[state] > _RANK[packet.state]:
            packet.state = state
            packet.next_retry_ms = None

    # -- snapshots ------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole book."""
        return {"packets": [p.to_json() for p in self.packets.values()], "orphans": self.orphans}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> PacketBook:
        """Inverse of :meth:`to_json` (None: an empty book)."""
        book = cls()
        if not data:
            return book
        for item in data.get("packets", ()):
            packet = PacketStatus.from_json(item)
            book.packets[packet.distribution_id] = packet
            book.by_incident.setdefault(packet.incident_id, []).append(packet.distribution_id)
        book.orphans = int(data.get("orphans", 0))
        return book
