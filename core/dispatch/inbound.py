"""The centre's inbound listener: reports, telecom location fixes and Acks from agencies.

``POST /reports`` takes CAP 1.2 (bare or in EDXL-DE 2.0) or JSON reports and location fixes;
``POST /acks`` takes acknowledgements (either path accepts any of them). Bodies are read by
the formats package's ``parse_message``. Answers: 202 with a receipt; 400 with the reason;
404 for an Ack of a packet never sent from here; 413 for an oversized body; 415 for a content
type that is none of XML or JSON. Every refusal is logged as ``InboundRejected`` (remote
address, path, reason, digest and size of the body) and changes nothing else.

What valid messages become, always through the command path with the agency as actor
(``agency:<id>``):

- a report opens an incident (``ReportIncident``; the sender's identifier is its
  ``reference``; an Exercise report opens a drill incident; a Test report opens nothing); the
  same reference again opens no second incident, and an Update or Cancel of a known report
  becomes an observation of its incident;
- a location fix for a known incident (by incident id or reference) becomes an
  ``IncidentObserved`` with the fix in ``data``; without one it opens a V-MISS incident;
- an Ack becomes ``PacketAcknowledged`` for each packet it names; a second Ack of the same
  packet is answered but not recorded again.

It binds 127.0.0.1 unless told otherwise: agencies reach it through the site's gateway.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from core.backend import Backend, Subscription
from core.clock import Clock, SystemClock, iso_ms
from core.commands import AddObservation, Command, ReportIncident
from core.dispatch.agencies import Registry
from core.dispatch.formats import (
    MAX_BODY_BYTES,
    AckMessage,
    InboundError,
    InboundReport,
    LocationFix,
    parse_message,
)
from core.dispatch.http_service import HttpService, Reply, Request
from core.dispatch.model import CapSeverity, DistributionStatus
from core.dispatch.tracking import PACKET_EVENT_TYPES, PacketBook, PacketState, PacketStatus
from core.errors import CityroomError
from core.events import EventRecord, EventType, InboundRejected, PacketAcknowledged

SOURCE = "inbound"
PATHS = ("/reports", "/acks")
_MEDIA = ("application/xml", "text/xml", "application/json", "text/json")
_SEVERITY = {
    CapSeverity.EXTREME: 1,
    CapSeverity.SEVERE: 2,
    CapSeverity.MODERATE: 3,
    CapSeverity.MINOR: 4,
}
_FOLDED = PACKET_EVENT_TYPES | {EventType.INCIDENT_REPORTED.value}


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class InboundIndex:
    """What the listener must look up: incidents by id and by reference, and packets."""

    def __init__(self) -> None:
        self.references: dict[str, str] = {}  # a sender's reference -> incident id
        self.incidents: set[str] = set()
        self.book = PacketBook()
        self._changed = threading.Condition()

    def fold(self, records: list[EventRecord]) -> None:
        """Take in the events that matter here (others cost one set lookup)."""
        with self._changed:
            for record in records:
                if record.type not in _FOLDED:
                    continue
                if record.type == EventType.INCIDENT_REPORTED:
                    payload = record.payload
                    self.incidents.add(payload["incident_id"])
                    if payload.get("reference"):
                        self.references.setdefault(payload["reference"], payload["incident_id"])
                else:
                    self.book.apply(record)
            self._changed.notify_all()

    def packet(self, distribution_id: str, wait_s: float) -> PacketStatus | None:
        """The packet, waiting up to ``wait_s`` for its queueing to be folded (an Ack can
        outrun the log's news when another process sent the packet)."""
        with self._changed:
            self._changed.wait_for(lambda: distribution_id in self.book.packets, wait_s)
            return self.book.get(distribution_id)


class InboundListener:
    """Listens for agencies' messages and records them in the log."""

    def __init__(
        self,
        backend: Backend,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        registry: Registry | None = None,
        max_body: int = MAX_BODY_BYTES,
        clock: Clock | None = None,
        ack_wait_s: float = 2.0,
    ) -> None:
        self._backend = backend
        self._registry = registry
        self._clock = clock or SystemClock()
        self._ack_wait_s = ack_wait_s
        self.index = InboundIndex()
        self._decide = threading.Lock()  # one report at a time: no incident opened twice
        self._acking = threading.Lock()  # one Ack at a time: none recorded twice
        self._fixes: set[tuple[str, int]] = set()
        self._subscription: Subscription | None = None
        self._http = HttpService(self.handle, host, port, name="inbound", max_body=max_body)

    def start(self) -> InboundListener:
        """Fold what the log knows, then listen (``OSError`` when the port is taken)."""
        state = self._backend.snapshot().result()
        with self.index._changed:
            self.index.book = state.packets
            self.index.incidents = set(state.incidents)
            for incident in state.incidents.values():
                if incident.reference:
                    self.index.references.setdefault(incident.reference, incident.id)
        self._subscription = self._backend.subscribe(self.index.fold, state.last_seq)
        try:
            self._http.start()
        except OSError:
            self._subscription.cancel()
            raise
        return self

    def stop(self) -> None:
        """Stop listening (messages being handled are finished first)."""
        self._http.stop()
        if self._subscription is not None:
            self._subscription.cancel()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._http.port

    def url(self, path: str = "/reports") -> str:
        """The URL agencies post to."""
        return f"http://{self._http.host}:{self._http.port}{path}"

    # -- requests -------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one request (never raises)."""
        if request.method == "GET":
            if request.path in ("/", "/health"):
                return Reply(200, {"listening": list(PATHS)})
            return Reply(404, {"reason": f"no {request.path} here; POST to /reports or /acks"})
        if request.path not in PATHS:
            return Reply(404, {"reason": f"no {request.path} here; POST to /reports or /acks"})
        try:
            if request.oversize is not None:
                raise _Refused(
                    413,
                    f"body of {request.oversize} bytes is over the {self._http.max_body} limit",
                )
            media = request.content_type.split(";")[0].strip().lower()
            if media not in _MEDIA and not media.endswith(("+xml", "+json")):
                raise _Refused(
                    415,
                    f"content type {request.content_type or '(none)'} is not taken: send "
                    "application/cap+xml, application/xml or application/json",
                )
            try:
                message = parse_message(request.body, request.content_type)
            except InboundError as exc:
                raise _Refused(400, str(exc)) from None
            return self.take(message, request.remote)
        except _Refused as refused:
            self._reject(request, refused.reason)
            return Reply(refused.status, {"reason": refused.reason})
        except Exception as exc:  # never let a message take the listener down
            reason = f"internal error: {exc!r}"
            self._reject(request, reason)
            return Reply(500, {"reason": reason})

    def take(self, message: AckMessage | InboundReport | LocationFix, remote: str) -> Reply:
        """Record one parsed message (also used for Acks fetched by polling)."""
        if isinstance(message, AckMessage):
            with self._acking:
                return self._ack(message, remote)
        with self._decide:
            if isinstance(message, LocationFix):
                return self._fix(message)
            return self._report(message)

    def _report(self, report: InboundReport) -> Reply:
        if report.status is DistributionStatus.TEST:
            return Reply(202, self._receipt(None, note="test message: no incident opened"))
        actor = self._actor(report.sender)
        known = self.index.references.get(report.reference)
        if known is not None:
            return Reply(202, self._receipt(known, duplicate=True))
        earlier = next(
            (self.index.references[r] for r in report.references if r in self.index.references),
            None,
        )
        if earlier is not None:  # an Update or Cancel of a report we have
            text = f"[{report.msg_type}] {report.headline}: {report.summary}"
            data = {"reference": report.reference, "msg_type": report.msg_type}
            self._submit(AddObservation(earlier, text, text, data), actor)
            return Reply(202, self._receipt(earlier))
        command = ReportIncident(
            report.incident_type,
            report.lat,
            report.lon,
            None,
            severity=_SEVERITY.get(report.severity),
            summary=report.summary,
            reference=report.reference,
            exercise=report.exercise,
        )
        return Reply(202, self._receipt(self._submit(command, actor)))

    def _fix(self, fix: LocationFix) -> Reply:
        if fix.status is DistributionStatus.TEST:
            return Reply(202, self._receipt(None, note="test message: nothing recorded"))
        actor = self._actor(fix.operator)
        incident = fix.incident_id if fix.incident_id in self.index.incidents else None
        incident = incident or self.index.references.get(fix.reference)
        if (fix.reference, fix.fixed_ms) in self._fixes and incident is not None:
            return Reply(202, self._receipt(incident, duplicate=True))
        if incident is None:
            summary = f"통신사 위치 측위 ({fix.operator}): {fix.subject}"
            opened = ReportIncident(
                "V-MISS",
                fix.lat,
                fix.lon,
                None,
                summary=summary,
                reference=fix.reference,
                exercise=fix.status is DistributionStatus.EXERCISE,
            )
            incident = self._submit(opened, actor)
        data: dict[str, Any] = {
            "kind": "location_fix",
            "lat": fix.lat,
            "lon": fix.lon,
            "accuracy_m": fix.accuracy_m,
            "fixed_ms": fix.fixed_ms,
            "subject": fix.subject,
            "operator": fix.operator,
            "reference": fix.reference,
        }
        accuracy = f"{fix.accuracy_m:.0f} m"
        self._submit(
            AddObservation(
                incident,
                f"{fix.operator} 위치 측위: 반경 {accuracy}",
                f"Location fix from {fix.operator}: within {accuracy}",
                data,
            ),
            actor,
        )
        self._fixes.add((fix.reference, fix.fixed_ms))
        return Reply(202, self._receipt(incident))

    def _ack(self, ack: AckMessage, remote: str) -> Reply:
        done: list[str] = []
        again: list[str] = []
        unknown: list[str] = []
        for distribution_id in ack.acked_ids:
            packet = self.index.packet(distribution_id, self._ack_wait_s)
            if packet is None:
                unknown.append(distribution_id)
                continue
            if packet.state is PacketState.ACKNOWLEDGED:
                again.append(distribution_id)
                continue
            event = PacketAcknowledged(
                packet.incident_id,
                distribution_id,
                packet.agency_id,
                ack_id=ack.ack_id,
                note=ack.note,
                acked_ms=ack.sent_ms,
            )
            records = self._backend.publish(
                [event.to_new(SOURCE, f"agency:{packet.agency_id}")]
            ).result(timeout=30)
            self.index.fold(records)
            done.append(distribution_id)
        answer = {"ack": ack.ack_id, "acknowledged": done, "already": again, "unknown": unknown}
        if unknown:
            reason = f"Ack {ack.ack_id} names packets never sent from here: {', '.join(unknown)}"
            self._record_rejection(remote, "/acks", reason, b"")
            if not done and not again:
                return Reply(404, {**answer, "reason": reason})
        return Reply(202, {**answer, "receivedAt": iso_ms(self._clock.now_ms())})

    # -- helpers --------------------------------------------------------------------------

    def _submit(self, command: Command, actor: str) -> str:
        try:
            records = self._backend.submit(command, actor).result(timeout=30)
        except CityroomError as exc:
            raise _Refused(400, str(exc)) from None
        self.index.fold(records)
        subject = records[0].subject if records else None
        return subject or str(getattr(command, "incident_id", ""))

    def _actor(self, sender: str) -> str:
        """``agency:<registry id>`` when the registry knows the sender, else the sender."""
        if self._registry is not None:
            for agency in self._registry.agencies:
                emails = {c.email for c in agency.contacts if c.email}
                if sender == agency.id or sender in emails or sender.startswith(f"{agency.id}@"):
                    return f"agency:{agency.id}"
        return f"agency:{sender or 'unknown'}"

    def _receipt(
        self, incident_id: str | None, *, duplicate: bool = False, note: str = ""
    ) -> dict[str, Any]:
        receipt: dict[str, Any] = {"receivedAt": iso_ms(self._clock.now_ms())}
        if incident_id is not None:
            receipt["incident"] = incident_id
        if duplicate:
            receipt["duplicate"] = True
        if note:
            receipt["note"] = note
        return receipt

    def _reject(self, request: Request, reason: str) -> None:
        self._record_rejection(
            request.remote, request.path, reason, request.body, request.oversize
        )

    def _record_rejection(
        self, remote: str, path: str, reason: str, body: bytes, size: int | None = None
    ) -> None:
        event = InboundRejected(
            remote,
            path,
            reason,
            hashlib.sha256(body).hexdigest() if body else "",
            size or len(body),
        )
        try:
            self._backend.publish([event.to_new(SOURCE, f"remote:{remote}")]).result(timeout=30)
        except Exception:  # the answer still goes out; the log's own notice says why
            return
