"""The delivery worker: sends queued packets to agencies, at least once, and logs every outcome.

The log is the outbox. ``PacketQueued`` holds the rendered bytes; the worker folds the packet
events, sends what is due and records what happened:

- ``PacketSent`` when the agency took it, plus ``PacketDelivered`` when its answer carried a
  receipt naming the distribution id (drop folders: when the receipt file appears);
- ``PacketAttemptFailed`` with ``retry_at_ms`` for a retryable failure: exponential back-off
  with full jitter, and a circuit breaker per agency (``retry``, ``breaker``: our own few
  lines, because the schedule must be written into the log to survive a restart, where
  tenacity or pybreaker keep it in memory around a blocking call);
- ``PacketFailed`` "rejected" when the receiver refused the packet, "expired" when
  ``expires_ms`` passed before it left, "body_lost" when the stored bytes no longer match
  their digest, "cancelled" when the operator cancelled it.

Nothing is kept only in memory: a restart (even after kill -9) folds the log, finds the packets
queued but not sent and sends them again with the same distribution id and bytes; receivers
dedupe by that id (the ``Idempotency-Key`` header). Retry times come back from the log too.
The breakers start closed after a restart: at worst an agency that is down gets a few more
probes than it would have.

Threads: one worker thread owns the schedule; a small pool does the blocking sends, at most
``per_agency`` at a time for one agency, started in queue order; packets about the same
incident reach an agency one after the other, in queue order. The backend's callback only
hands batches over. No Qt: the UI reads ``status()`` and the folded ``CityState.packets``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import queue
import random
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from core.backend import Backend, Subscription
from core.clock import Clock, SystemClock, iso_ms
from core.dispatch.agencies import Registry
from core.dispatch.retry import Backoff, DeliverySchedule, Start
from core.dispatch.status import OutboxStatus
from core.dispatch.tracking import PACKET_EVENT_TYPES, PacketStatus
from core.dispatch.transports import (
    EndpointLookup,
    Outcome,
    SendResult,
    TransportPool,
    registry_endpoints,
)
from core.errors import CityroomError
from core.events import DomainEvent, EventRecord
from core.notices import NoticeBoard, NoticeLevel

__all__ = ["ACTOR", "SOURCE", "Outbox", "OutboxStatus"]

log = logging.getLogger("cityroom.outbox")
SOURCE, ACTOR = "dispatch", "outbox"


class _BodyLostError(Exception):
    """The stored body is gone or no longer matches its digest."""


class Outbox:
    """Delivers the log's queued packets. ``start()`` it; ``stop()`` before closing the log.

    ``registry`` is the agency registry (or a function giving an agency's endpoint settings
    for a distribution status). ``seed`` makes the back-off jitter repeatable (tests).
    """

    def __init__(
        self,
        backend: Backend,
        registry: Registry | EndpointLookup,
        clock: Clock | None = None,
        *,
        workers: int = 4,
        per_agency: int = 2,
        backoff: Backoff | None = None,
        breaker_threshold: int = 5,
        breaker_open_ms: int = 30_000,
        receipt_poll_ms: int = 1_000,
        seed: int | None = None,
        notices: NoticeBoard | None = None,
    ) -> None:
        self._backend = backend
        self._clock = clock or SystemClock()
        self._transports = TransportPool(_lookup(registry), self._clock)
        self._workers = max(1, workers)
        self._schedule = DeliverySchedule(
            backoff,
            random.Random(seed),
            workers=self._workers,
            per_agency=per_agency,
            breaker_threshold=breaker_threshold,
            breaker_open_ms=breaker_open_ms,
            receipt_poll_ms=receipt_poll_ms,
        )
        self.notices = notices or NoticeBoard()
        self._inbox: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self._stopping = threading.Event()
        self._changed = threading.Condition()
        self._status = OutboxStatus()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._subscription: Subscription | None = None
        self._sending: set[Future[None]] = set()

    # -- control (any thread) -------------------------------------------------------------

    def start(self) -> None:
        """Fold the log's packets and start sending (returns at once)."""
        if self._thread is not None:
            return
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="outbox-send")
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Let the sends under way finish (their outcomes are logged), then stop; False if
        that took longer than ``timeout`` (those packets are sent again at the next start)."""
        if self._thread is None:
            return True
        self._stopping.set()
        self._inbox.put(("wake",))
        self._thread.join(timeout)
        stopped = not self._thread.is_alive()
        if self._pool is not None:
            self._pool.shutdown(wait=stopped, cancel_futures=True)
        return stopped

    def status(self) -> OutboxStatus:
        """The worker's latest picture of itself."""
        return self._status

    def wake(self) -> None:
        """Look at the schedule now (after a fake clock moved, for example)."""
        self._inbox.put(("wake",))

    def retry_now(self, distribution_id: str) -> Future[bool]:
        """Send a waiting packet now, even through an open breaker; False if not pending."""
        return self._ask("retry", distribution_id)

    def cancel(self, distribution_id: str, reason: str = "", actor: str = ACTOR) -> Future[bool]:
        """Give up a packet not yet sent (``PacketFailed`` "cancelled", recorded as ``actor``:
        the operator who cancelled it); False if too late."""
        return self._ask("cancel", distribution_id, reason, actor)

    def use_registry(self, registry: Registry | EndpointLookup) -> None:
        """Send with a changed registry from now on (open connections are closed)."""
        self._inbox.put(("registry", _lookup(registry)))

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until nothing is pending or in flight; False on timeout."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self._status.running and self._status.idle, timeout
            )

    def _ask(self, what: str, *args: str) -> Future[bool]:
        answer: Future[bool] = Future()
        self._inbox.put((what, answer, *args))
        return answer

    # -- backend callback -----------------------------------------------------------------

    def _on_events(self, records: list[EventRecord]) -> None:
        packets = [r for r in records if r.type in PACKET_EVENT_TYPES]
        if packets:
            self._inbox.put(("events", packets))

    # -- worker thread --------------------------------------------------------------------

    def _run(self) -> None:
        try:
            state = self._backend.snapshot().result()
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "outbox", f"Cannot read the log: {exc}")
            self._set_status(running=False)
            return
        self._schedule.load(state.packets)
        self._subscription = self._backend.subscribe(self._on_events, state.last_seq)
        try:
            while not self._stopping.is_set():
                self._handle(self._next_messages())
                now = self._clock.now_ms()
                self._publish(self._schedule.expired(now))
                for start in self._schedule.due(now):
                    assert self._pool is not None
                    self._sending.add(self._pool.submit(self._attempt, start))
                self._sending = {f for f in self._sending if not f.done()}
                self._poll_receipts(now)
                self._set_status(running=True)
            while self._schedule.in_flight and self._sending:  # let sends under way report
                with contextlib.suppress(queue.Empty):
                    self._handle([self._inbox.get(timeout=0.05)])
                self._sending = {f for f in self._sending if not f.done()}
            self._handle(self._next_messages(wait=False))
        finally:
            self._subscription.cancel()
            self._transports.close()
            self._refuse_questions()
            self._set_status(running=False)

    def _next_messages(self, wait: bool = True) -> list[tuple[Any, ...]]:
        wait_ms = self._schedule.wake_at_ms - self._clock.now_ms() if wait else 0
        messages: list[tuple[Any, ...]] = []
        with contextlib.suppress(queue.Empty):
            messages.append(self._inbox.get(timeout=max(0.001, min(0.5, wait_ms / 1000))))
        if not messages:
            return messages
        while True:
            try:
                messages.append(self._inbox.get_nowait())
            except queue.Empty:
                return messages

    def _handle(self, messages: Iterable[tuple[Any, ...]]) -> None:
        schedule = self._schedule
        for message in messages:
            kind = message[0]
            if kind == "events":
                for record in message[1]:
                    schedule.fold(record)
            elif kind == "result":
                self._record(*message[1:])
            elif kind == "lost":
                self._publish(schedule.lost(*message[1:]))
            elif kind == "unsettle":
                schedule.unsettle(message[1])
            elif kind == "retry":
                message[1].set_result(schedule.retry_now(message[2]))
            elif kind == "cancel":
                events = schedule.cancel(message[2], message[3])
                self._publish(events, actor=message[4])
                message[1].set_result(bool(events))
            elif kind == "registry":
                self._transports.close()
                self._transports = TransportPool(message[1], self._clock)

    def _record(self, start: Start, result: SendResult, kind: str) -> None:
        packet, now = start.packet, self._clock.now_ms()
        breaker = self._schedule.breaker(packet.agency_id)
        opened = breaker.opened
        self._publish(self._schedule.outcome(packet, start.attempt, result, kind, now))
        if breaker.opened > opened:
            self.notices.post(
                NoticeLevel.WARNING,
                "outbox",
                f"Agency {packet.agency_id} failed {breaker.failures} times in a row; its "
                f"packets wait until {iso_ms(breaker.open_until_ms)}. Last: {result.detail}",
            )

    def _publish(self, events: list[DomainEvent], actor: str = ACTOR) -> None:
        if not events:
            return
        done = self._backend.publish([e.to_new(SOURCE, actor) for e in events])
        key = str(getattr(events[0], "distribution_id", ""))

        def check(future: Future[list[EventRecord]]) -> None:
            if future.exception() is not None:
                # Not recorded: the packet is still queued in the log, so it is tried again.
                self._inbox.put(("unsettle", key))
                self.notices.post(
                    NoticeLevel.ERROR, "outbox", f"Cannot record {key}: {future.exception()}"
                )

        done.add_done_callback(check)

    def _poll_receipts(self, now: int) -> None:
        for packet in self._schedule.receipts_to_poll(now):
            try:
                transport = self._transports.get(packet.agency_id, packet.status)
                receipt = transport.poll_receipt(packet.distribution_id)
            except (CityroomError, LookupError):
                continue
            if receipt is not None:
                self._publish(self._schedule.receipt(packet, receipt))

    def _refuse_questions(self) -> None:
        while True:
            try:
                message = self._inbox.get_nowait()
            except queue.Empty:
                return
            if message[0] in ("retry", "cancel"):
                message[1].set_result(False)

    def _set_status(self, *, running: bool) -> None:
        status = self._schedule.status(running, self._clock.now_ms())
        with self._changed:
            self._status = status
            self._changed.notify_all()

    # -- send threads ---------------------------------------------------------------------

    def _attempt(self, start: Start) -> None:
        """On a pool thread: read the body from the log, send it, hand the result back."""
        packet, kind = start.packet, ""
        try:
            result, kind = self._send(packet)
        except _BodyLostError as exc:
            self._inbox.put(("lost", packet, str(exc)))
            return
        except (CityroomError, LookupError) as exc:  # no usable endpoint in the registry
            result = SendResult(Outcome.RETRYABLE, str(exc).strip("'\""))
        except Exception as exc:  # a bug must not lose the packet: it is tried again
            log.exception("sending %s failed", packet.distribution_id)
            result = SendResult(Outcome.RETRYABLE, f"internal error: {exc!r}")
        self._inbox.put(("result", start, result, kind))

    def _send(self, packet: PacketStatus) -> tuple[SendResult, str]:
        try:
            records = self._backend.events_at([packet.queued_seq]).result(timeout=30)
        except Exception as exc:
            failed = f"cannot read the packet from the log: {exc}"
            return SendResult(Outcome.RETRYABLE, failed), ""
        body_text = records[0].payload.get("body") if records else None
        body = body_text.encode("utf-8") if isinstance(body_text, str) else b""
        if body_text is None or hashlib.sha256(body).hexdigest() != packet.body_sha256:
            why = "is missing" if body_text is None else "does not match its SHA-256"
            raise _BodyLostError(f"the body stored in event {packet.queued_seq} {why}")
        transport = self._transports.get(packet.agency_id, packet.status)
        result = transport.send(packet.distribution_id, body, packet.content_type, packet.format)
        return result, transport.kind


def _lookup(registry: Registry | EndpointLookup) -> EndpointLookup:
    return registry_endpoints(registry) if isinstance(registry, Registry) else registry
