"""The delivery schedule: which packets are due, and what each attempt's outcome records.

``Backoff`` gives exponential back-off with full jitter (a random wait between zero and
``base * factor ** (attempt - 1)``, capped), which spreads the retries of many packets so a
recovering agency is not hit by all of them at once. ``DeliverySchedule`` holds the worker's
view of the pending packets (folded from the log), picks the next ones to send — oldest first
per agency, a bounded number at a time, none through an open breaker — and turns outcomes into
the events that record them. It is pure: no threads, no I/O, time passed in.

Retries and the breaker are a few lines of our own rather than tenacity or pybreaker: those
keep the schedule in memory around a blocking function call, but here every retry time is
written into the log (``PacketAttemptFailed.retry_at_ms``) so a restart — even after kill -9 —
resumes the same schedule, and a packet waiting for its retry must not hold a thread.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from core.clock import iso_ms
from core.dispatch.breaker import BreakerState, CircuitBreaker
from core.dispatch.status import AgencyLink, OutboxStatus
from core.dispatch.tracking import PacketBook, PacketState, PacketStatus
from core.dispatch.transports import Outcome, SendResult
from core.events import (
    DomainEvent,
    EventRecord,
    PacketAttemptFailed,
    PacketDelivered,
    PacketFailed,
    PacketSent,
)

_NEVER = 2**62  # the expiry of a packet queued without one
_IDLE_WAKE_MS = 500


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off with full jitter, in milliseconds."""

    base_ms: int = 1_000
    factor: float = 2.0
    cap_ms: int = 300_000

    def ceiling_ms(self, attempt: int) -> int:
        """The longest wait after failed attempt number ``attempt`` (1 = the first)."""
        exponent = min(max(0, attempt - 1), 60)  # far past any cap; keeps the float finite
        return int(min(self.cap_ms, self.base_ms * self.factor**exponent))

    def delay_ms(self, attempt: int, rng: random.Random) -> int:
        """A random wait in ``[0, ceiling_ms(attempt)]``."""
        return int(rng.uniform(0, self.ceiling_ms(attempt)))


@dataclass(frozen=True, slots=True)
class Start:
    """An attempt to begin now."""

    packet: PacketStatus
    attempt: int


def expiry(packet: PacketStatus) -> int:
    """When the packet expires (far in the future when it was queued without a time)."""
    return packet.expires_ms or _NEVER


class DeliverySchedule:
    """The pending packets and what to do with them next (used from one thread)."""

    def __init__(
        self,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        *,
        workers: int = 4,
        per_agency: int = 2,
        breaker_threshold: int = 5,
        breaker_open_ms: int = 30_000,
        receipt_poll_ms: int = 1_000,
    ) -> None:
        self.backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._workers = max(1, workers)
        self._per_agency = max(1, per_agency)
        self._breaker_args = (breaker_threshold, breaker_open_ms)
        self._receipt_poll_ms = receipt_poll_ms
        self.book = PacketBook()
        self._queue: dict[str, PacketStatus] = {}  # pending, in queue order
        self._retry_at: dict[str, int] = {}
        self._attempts: dict[str, int] = {}
        self.in_flight: dict[str, str] = {}  # distribution id -> agency id
        self._settled: set[str] = set()  # final outcome published, not folded back yet
        self._watch: dict[str, PacketStatus] = {}  # sent to a folder: waiting for a receipt
        self._next_poll_ms = 0
        self.breakers: dict[str, CircuitBreaker] = {}
        self.wake_at_ms = 0

    # -- folding --------------------------------------------------------------------------

    def load(self, book: PacketBook) -> None:
        """Start from a folded book (the log's state when the worker starts)."""
        self.book = book
        for packet in book.packets.values():
            self._track(packet)

    def fold(self, record: EventRecord) -> None:
        """Take one event of the log into account."""
        changed = self.book.apply(record)
        if changed is not None:
            self._track(changed)

    def _track(self, packet: PacketStatus) -> None:
        key = packet.distribution_id
        if packet.pending:
            self._queue.setdefault(key, packet)
            if packet.next_retry_ms is not None:
                self._retry_at[key] = max(self._retry_at.get(key, 0), packet.next_retry_ms)
            self._attempts[key] = max(self._attempts.get(key, 0), packet.attempts)
            return
        self._queue.pop(key, None)
        self._settled.discard(key)
        self._retry_at.pop(key, None)
        self._attempts.pop(key, None)
        if packet.state is PacketState.SENT and packet.transport == "folder":
            self._watch[key] = packet
        else:
            self._watch.pop(key, None)

    # -- what to do now -------------------------------------------------------------------

    def due(self, now: int) -> list[Start]:
        """The attempts to start now (marked in flight); sets ``wake_at_ms``.

        Packets start in queue order per agency. Packets about one incident go to an agency
        one at a time, in queue order, so an Update never overtakes its Dispatch; packets
        about different incidents may pass one that waits for its retry.
        """
        starts: list[Start] = []
        busy = Counter(self.in_flight.values())
        blocked: set[str] = set()
        held: set[tuple[str, str]] = set()  # (agency, incident) with an earlier packet out
        wake = now + _IDLE_WAKE_MS
        for key, packet in self._queue.items():
            if key in self._settled:
                continue  # the fold will take it out of the queue
            pair = (packet.agency_id, packet.incident_id)
            if key in self.in_flight or pair in held:
                held.add(pair)
                continue  # a result will wake the worker
            held.add(pair)
            wake = min(wake, expiry(packet))
            retry_at = self._retry_at.get(key, 0)
            if retry_at > now:
                wake = min(wake, retry_at)
                continue
            agency = packet.agency_id
            if agency in blocked:
                continue
            breaker = self.breaker(agency)
            full = len(self.in_flight) >= self._workers or busy[agency] >= self._per_agency
            if full or not breaker.allow(now):
                if not full and breaker.state(now) is BreakerState.OPEN:
                    wake = min(wake, breaker.open_until_ms)
                blocked.add(agency)  # its later packets wait their turn
                continue
            attempt = self._attempts.get(key, 0) + 1
            self._attempts[key] = attempt
            self.in_flight[key] = agency
            busy[agency] += 1
            starts.append(Start(packet, attempt))
        if self._watch:
            wake = min(wake, self._next_poll_ms)
        self.wake_at_ms = wake
        return starts

    def expired(self, now: int) -> list[DomainEvent]:
        """``PacketFailed`` "expired" for waiting packets whose time is up."""
        events: list[DomainEvent] = []
        for key, packet in self._queue.items():
            if now < expiry(packet) or key in self.in_flight or key in self._settled:
                continue
            reason = f"not sent before it expired at {iso_ms(packet.expires_ms)}"
            if packet.last_error:
                reason += f"; last error: {packet.last_error}"
            self._settled.add(key)
            events.append(PacketFailed(*_ids(packet), code="expired", reason=reason))
        return events

    def receipts_to_poll(self, now: int) -> list[PacketStatus]:
        """Packets sent to a drop folder whose receipt should be looked for now."""
        if not self._watch or now < self._next_poll_ms:
            return []
        self._next_poll_ms = now + self._receipt_poll_ms
        for key, packet in list(self._watch.items()):
            if now >= expiry(packet):
                del self._watch[key]  # no receipt in time: it stays "sent"
        return list(self._watch.values())

    # -- outcomes -------------------------------------------------------------------------

    def outcome(
        self, packet: PacketStatus, attempt: int, result: SendResult, kind: str, now: int
    ) -> list[DomainEvent]:
        """The events that record one attempt's result (``kind``: the transport used)."""
        key = packet.distribution_id
        self.in_flight.pop(key, None)
        breaker = self.breaker(packet.agency_id)
        if result.reached:
            breaker.success()
            self._settled.add(key)
            sent = PacketSent(*_ids(packet), attempt=attempt, transport=kind, detail=result.detail)
            if result.outcome is Outcome.DELIVERED:
                return [sent, PacketDelivered(*_ids(packet), receipt=result.receipt)]
            return [sent]
        if result.outcome is Outcome.PERMANENT:
            breaker.success()  # the agency is up: it read the packet and said no
            self._settled.add(key)
            return [PacketFailed(*_ids(packet), code="rejected", reason=result.detail)]
        breaker.failure(now)
        wait = max(self.backoff.delay_ms(attempt, self._rng), result.retry_after_ms or 0)
        self._retry_at[key] = now + wait
        return [
            PacketAttemptFailed(
                *_ids(packet), attempt=attempt, reason=result.detail, retry_at_ms=now + wait
            )
        ]

    def lost(self, packet: PacketStatus, reason: str) -> list[DomainEvent]:
        """``PacketFailed`` "body_lost": the stored bytes are gone or changed."""
        self.in_flight.pop(packet.distribution_id, None)
        self._settled.add(packet.distribution_id)
        return [PacketFailed(*_ids(packet), code="body_lost", reason=reason)]

    def receipt(self, packet: PacketStatus, receipt: str) -> list[DomainEvent]:
        """``PacketDelivered`` for a receipt found after the send."""
        self._watch.pop(packet.distribution_id, None)
        return [PacketDelivered(*_ids(packet), receipt=receipt)]

    def unsettle(self, distribution_id: str) -> None:
        """Recording an outcome failed: the packet is pending again."""
        self._settled.discard(distribution_id)

    # -- the operator ---------------------------------------------------------------------

    def retry_now(self, distribution_id: str) -> bool:
        """Make a waiting packet due now, through an open breaker; False if not pending."""
        packet = self._queue.get(distribution_id)
        if packet is None or distribution_id in self._settled:
            return False
        self._retry_at[distribution_id] = 0
        self.breaker(packet.agency_id).force_probe()
        return True

    def cancel(self, distribution_id: str, reason: str) -> list[DomainEvent]:
        """``PacketFailed`` "cancelled" for a packet not yet sent (nothing if too late)."""
        packet = self._queue.get(distribution_id)
        if packet is None or distribution_id in self._settled:
            return []
        self._settled.add(distribution_id)
        why = reason or "cancelled by the operator before it was sent"
        return [PacketFailed(*_ids(packet), code="cancelled", reason=why)]

    # -- views ----------------------------------------------------------------------------

    def breaker(self, agency_id: str) -> CircuitBreaker:
        """The agency's breaker (created closed)."""
        breaker = self.breakers.get(agency_id)
        if breaker is None:
            breaker = self.breakers[agency_id] = CircuitBreaker(*self._breaker_args)
        return breaker

    def status(self, running: bool, now: int) -> OutboxStatus:
        """Counts and each agency's link, for the outbox view."""
        waiting = Counter(p.agency_id for p in self._queue.values())
        flying = Counter(self.in_flight.values())
        links = []
        for agency in sorted(set(waiting) | set(flying) | set(self.breakers)):
            breaker = self.breaker(agency)
            links.append(
                AgencyLink(
                    agency,
                    breaker.state(now).value,
                    breaker.failures,
                    breaker.open_until_ms,
                    flying[agency],
                    waiting[agency],
                )
            )
        return OutboxStatus(
            running, len(self._queue), len(self.in_flight), len(self._watch), tuple(links)
        )


def _ids(packet: PacketStatus) -> tuple[str, str, str]:
    return packet.incident_id, packet.distribution_id, packet.agency_id
