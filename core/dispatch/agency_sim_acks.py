"""The agency simulator's reading of packets and its acknowledgements.

``inspect_packet`` checks a received body with the formats package (the same parser the
centre uses for what agencies send) and picks out what an Ack must refer to. ``AckOutbox``
builds an EDXL-DE Ack (a CAP Ack inside) some time after a packet arrived, keeps every Ack for
polling and POSTs it to the centre's inbound listener when told where that is.
"""

from __future__ import annotations

import heapq
import logging
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from core.clock import Clock
from core.dispatch.formats import InboundError, InboundReport, build_ack, parse_message
from core.dispatch.formats.xml_safety import parse_xml
from core.dispatch.model import DistributionStatus
from core.dispatch.transports import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)

log = logging.getLogger("cityroom.agency_sim")
ACK_CONTENT_TYPE = "application/xml"
_PUSH_TRIES = 5


@dataclass(frozen=True, slots=True)
class Inspected:
    """What the simulator read from one packet (``problem`` set when it is refused)."""

    problem: str = ""
    distribution_id: str = ""
    sender_id: str = ""
    sent_ms: int | None = None
    status: str = DistributionStatus.ACTUAL.value


def inspect_packet(body: bytes, content_type: str, validate: bool = True) -> Inspected:
    """Check a received packet's body; the reason when it cannot be read.

    CAP, EDXL-DE and JSON packets are read (and schema-checked) by the formats package's
    ``parse_message``; a Cursor-on-Target event, which only TAK clients read, is checked for
    being safe, well-formed XML with an ``event`` root and a ``uid``.
    """
    if not validate:
        return Inspected()
    try:
        message = parse_message(body, content_type)
    except InboundError as exc:
        try:
            root = parse_xml(body)
        except InboundError:
            return Inspected(problem=str(exc))
        if root.tag != "event" or not root.get("uid"):
            return Inspected(problem=str(exc))
        return Inspected(distribution_id=str(root.get("uid")))
    if not isinstance(message, InboundReport):
        return Inspected(problem=f"expected a packet (an alert), got {type(message).__name__}")
    return Inspected(
        distribution_id=message.distribution_id or message.reference,
        sender_id=message.sender,
        sent_ms=message.sent_ms,
        status=message.status.value,
    )


@dataclass(order=True, frozen=True, slots=True)
class _Due:
    at_ms: int
    number: int
    distribution_id: str = ""
    inspected: Inspected = Inspected()


class AckOutbox:
    """Acks on a delay: kept in order for ``GET /acks`` and pushed to ``ack_to``."""

    def __init__(
        self, agency_id: str, hmac_key: bytes | None, ack_to: str | None, clock: Clock
    ) -> None:
        self.agency_id = agency_id
        self._key = hmac_key
        self._ack_to = ack_to
        self._clock = clock
        self._due: list[_Due] = []
        self._made: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._scheduled = 0

    @property
    def count(self) -> int:
        """Acks built so far."""
        with self._changed:
            return len(self._made)

    def start(self) -> None:
        """Start the sender thread."""
        self._thread = threading.Thread(
            target=self._run, name=f"agency-sim-acks-{self.agency_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop; Acks not yet due are dropped (the agency "forgot" them)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join()

    def schedule(self, distribution_id: str, inspected: Inspected, delay_s: float) -> None:
        """Acknowledge ``distribution_id`` in ``delay_s`` seconds."""
        with self._changed:
            self._scheduled += 1
            at = self._clock.now_ms() + int(delay_s * 1000)
            heapq.heappush(self._due, _Due(at, self._scheduled, distribution_id, inspected))
            self._changed.notify_all()

    def after(self, number: int) -> dict[str, Any]:
        """The Acks after ``number`` (1-based), for polling."""
        with self._changed:
            acks = self._made[number:]
            return {"acks": acks, "last": len(self._made)}

    def _run(self) -> None:
        client = httpx.Client(timeout=5.0, trust_env=False)
        try:
            while True:
                with self._changed:
                    while not self._stopping and not self._ready():
                        wait_ms = self._due[0].at_ms - self._clock.now_ms() if self._due else 500
                        self._changed.wait(max(0.005, min(0.5, wait_ms / 1000)))
                    if self._stopping:
                        return
                    due = heapq.heappop(self._due)
                try:
                    ack = self._build(due)
                    if self._ack_to:
                        self._push(client, ack)
                except Exception:  # one bad Ack must not end the agency's acknowledging
                    log.exception("%s: Ack of %s failed", self.agency_id, due.distribution_id)
        finally:
            client.close()

    def _ready(self) -> bool:
        return bool(self._due) and self._due[0].at_ms <= self._clock.now_ms()

    def _build(self, due: _Due) -> dict[str, Any]:
        now = self._clock.now_ms()
        inspected = due.inspected
        with self._changed:
            number = len(self._made) + 1
        ack_id = f"{self.agency_id}-ack-{number}"
        body = build_ack(
            acked_distribution_id=due.distribution_id,
            acked_sender_id=inspected.sender_id or "unknown@centre",
            acked_sent_ms=inspected.sent_ms or now,
            sender_id=f"{self.agency_id}@agency-sim",
            agency_id=self.agency_id,
            sent_ms=now,
            note=f"{self.agency_id} received {due.distribution_id}",
            status=DistributionStatus(inspected.status or "Actual"),
        )
        ack = {
            "n": number,
            "distributionID": ack_id,
            "acknowledges": due.distribution_id,
            "content_type": ACK_CONTENT_TYPE,
            "body": body.decode("utf-8"),
        }
        with self._changed:
            self._made.append(ack)
        return ack

    def _push(self, client: httpx.Client, ack: dict[str, Any]) -> None:
        body = ack["body"].encode("utf-8")
        headers = {"Content-Type": ACK_CONTENT_TYPE, IDEMPOTENCY_HEADER: ack["distributionID"]}
        if self._key is not None:
            stamp = str(self._clock.now_ms())
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = signature(self._key, stamp, ack["distributionID"], body)
        assert self._ack_to is not None
        for attempt in range(_PUSH_TRIES):
            try:
                answer = client.post(self._ack_to, content=body, headers=headers)
            except httpx.HTTPError as exc:
                problem = str(exc) or type(exc).__name__
            else:
                if answer.status_code < 500:
                    if answer.status_code >= 400:
                        log.warning("Ack %s refused: %s", ack["distributionID"], answer.text)
                    return
                problem = f"HTTP {answer.status_code}"
            with self._changed:
                self._changed.wait(0.2 * (attempt + 1))
                if self._stopping:
                    return
        log.warning("Ack %s not delivered to %s: %s", ack["distributionID"], self._ack_to, problem)
