"""``PgBackend``: the workstation's Backend protocol over the centre's PostgreSQL log.

Each server process keeps a folded ``CityState`` as a cache, never as the truth: every append
runs in one database transaction that first takes the log's head lock, folds whatever other
processes appended since this cache last looked, then decides the command against that state.
So any number of server processes can share one database without two of them deciding on
stale state, and LISTEN/NOTIFY only makes them *see* each other's events sooner.

One writer thread owns the state (jobs on a queue, like ``LocalBackend``); queries that only
read the database run on a small pool of their own, so a long history never holds up a command.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from core.backend import BackendMode, EventsCallback, LogStats, ResetCallback
from core.commands import Command, decide
from core.events import EventRecord, NewEvent
from core.jobs import Job, coalesced, wanted
from core.notices import NoticeBoard, NoticeLevel
from core.readings import SensorHistory
from core.state import FOLD_VERSION, CityState
from server.errors import DatabaseUnavailable
from server.pg_log import EventListener, PgEventLog

log = logging.getLogger("cityroom.server.backend")

_STOP = object()
_CHUNK = 5000


@dataclass(eq=False)
class LiveSubscription:
    """A feed of newly folded events; cancel it to stop deliveries."""

    callback: EventsCallback
    owner: PgBackend
    active: bool = True

    def cancel(self) -> None:
        """Stop delivering (idempotent)."""
        self.active = False
        self.owner._drop(self)


class PgBackend:
    """The server's view of the log. Create with an open :class:`PgEventLog`."""

    mode = BackendMode.REMOTE

    def __init__(
        self,
        event_log: PgEventLog,
        *,
        url: str,
        source: str = "server",
        notices: NoticeBoard | None = None,
        snapshot_every: int = 50_000,
        listen: bool = True,
    ) -> None:
        self._log = event_log
        self.location = url
        self.source = source
        self.notices = notices or NoticeBoard()
        self._snapshot_every = snapshot_every
        self._state = CityState()
        self._last_snapshot_seq = 0
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._subscribers: list[LiveSubscription] = []
        self._subscribers_lock = threading.Lock()
        self._readers = ThreadPoolExecutor(4, thread_name_prefix="pg-read")
        self._closed = False
        self.database_ok = True
        self.ready: Future[None] = Future()
        self._catch_up_wanted = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-writer", daemon=True)
        self._thread.start()
        self._listener = (
            EventListener(url, on_new=self._on_notify, on_link=self._on_link) if listen else None
        )

    # -- Backend protocol -----------------------------------------------------------------

    def submit(
        self,
        command: Command,
        actor: str,
        ts_ms: int | None = None,
        *,
        expected_version: int | None = None,
        client_ref: str | None = None,
        check: Callable[[CityState], None] | None = None,
    ) -> Future[list[EventRecord]]:
        """Decide ``command`` against the state as of the head lock and append its events.

        ``client_ref`` makes a retried command idempotent; ``check`` (the caller's access
        rules) sees that same state before the decision and may raise to refuse.
        """

        def decide_on(missed: list[EventRecord]) -> Sequence[NewEvent]:
            self._fold_and_deliver(missed)
            if check is not None:
                check(self._state)
            return decide(
                self._state,
                command,
                source=self.source,
                actor=actor,
                now_ms=ts_ms,
                expected_version=expected_version,
            )

        return self._enqueue(Job(lambda: self._append(decide_on, client_ref, actor)))

    def publish(
        self, events: Sequence[NewEvent], *, client_ref: str | None = None
    ) -> Future[list[EventRecord]]:
        """Append facts as they are (consecutive publishes share one transaction)."""
        batch = list(events)
        if client_ref is not None:
            # Idempotent publishes are not coalesced: their reference covers exactly them.
            return self._enqueue(
                Job(lambda: self._append(self._folding(batch), client_ref, "publish"))
            )
        return self._enqueue(
            Job(lambda: self._append(self._folding(batch), None, "publish"), publish=batch)
        )

    def subscribe(
        self,
        callback: EventsCallback,
        after_seq: int = 0,
        on_reset: ResetCallback | None = None,
    ) -> LiveSubscription:
        """Deliver every event after ``after_seq``, then each new batch, in order, once.

        ``on_reset`` is accepted and never called: the server's state is the fold of its own
        log and is never replaced wholesale."""
        subscription = LiveSubscription(callback, self)

        def run() -> None:
            self._catch_up()
            cursor = after_seq
            while cursor < self._state.last_seq and subscription.active:
                batch = self._log.read(cursor, self._state.last_seq, _CHUNK)
                if not batch:
                    break
                self._deliver_to(subscription, batch)
                cursor = batch[-1].seq
            self._add(subscription)

        self._enqueue(Job(run))
        return subscription

    def subscribe_live(self, callback: EventsCallback) -> tuple[LiveSubscription, int]:
        """Deliver only what is folded from now on; returns the subscription and the last
        sequence number folded before it started (the caller reads the backlog up to there
        itself, so a long backlog never holds up the writer)."""
        subscription = LiveSubscription(callback, self)
        started: Future[int] = Future()

        def run() -> None:
            self._add(subscription)
            started.set_result(self._state.last_seq)

        self._enqueue(Job(run))
        return subscription, started.result(timeout=30)

    def snapshot(self) -> Future[CityState]:
        """A copy of the folded state (caught up with the database first)."""

        def run() -> CityState:
            self._catch_up()
            return self._state.copy()

        return self._enqueue(Job(run))

    def state_now(self) -> CityState:
        """The folded state as it is (no copy, no catch-up): for quick read-only looks from
        request handlers, never to be changed."""
        return self._state

    def incident_events(
        self, incident_id: str, types: Collection[str] | None = None
    ) -> Future[list[EventRecord]]:
        """Every event about one incident, in order."""
        wanted = None if types is None else tuple(types)
        return self._read(lambda: self._log.by_subject(incident_id, wanted))

    def events_at(self, seqs: Sequence[int]) -> Future[list[EventRecord]]:
        """The events with these sequence numbers, in order."""
        wanted = list(seqs)
        return self._read(lambda: self._log.by_seqs(wanted))

    def read_after(self, after_seq: int, limit: int) -> Future[list[EventRecord]]:
        """Up to ``limit`` events after ``after_seq``, straight from the database."""
        return self._read(lambda: self._log.read(after_seq, None, limit))

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> Future[SensorHistory]:
        """One sensor's readings in a time range, raw or as a min/max envelope."""
        return self._read(
            lambda: self._log.sensor_history(sensor_id, start_ms, end_ms, max_points)
        )

    def stats(self) -> Future[LogStats]:
        """Counts over the whole log."""

        def run() -> LogStats:
            by_type = self._log.count_by_type()
            first, last = self._log.time_span()
            statuses = Counter(i.status.value for i in list(self._state.incidents.values()))
            return LogStats(
                sum(by_type.values()),
                self._log.max_seq(),
                by_type,
                dict(statuses),
                first,
                last,
                self._log.reading_counts(),
            )

        return self._read(run)

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish queued jobs, snapshot, stop the listener and the writer."""
        if self._closed:
            return
        self._closed = True
        if self._listener is not None:
            self._listener.stop()
        self._jobs.put(_STOP)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("the database writer did not stop within %.1f s", timeout_s)
        self._readers.shutdown(wait=True, cancel_futures=True)

    # -- the writer thread ----------------------------------------------------------------

    def _enqueue(self, job: Job) -> Future[Any]:
        if self._closed:
            job.future.set_exception(RuntimeError("the server's event log is closed"))
            return job.future
        self._jobs.put(job)
        return job.future

    def _read(self, fn: Callable[[], Any]) -> Future[Any]:
        if self._closed:
            failed: Future[Any] = Future()
            failed.set_exception(RuntimeError("the server's event log is closed"))
            return failed
        return self._readers.submit(fn)

    def _add(self, subscription: LiveSubscription) -> None:
        with self._subscribers_lock:
            if subscription.active:
                self._subscribers.append(subscription)

    def _drop(self, subscription: LiveSubscription) -> None:
        with self._subscribers_lock, contextlib.suppress(ValueError):
            self._subscribers.remove(subscription)

    def _on_notify(self, seq: int) -> None:
        # The listener's thread: only note that there is something to read. -1 means the
        # listener reconnected and may have missed notifications.
        # One catch-up job at a time: a writer behind the head would otherwise queue one per
        # notification and stay behind working through them.
        if (seq < 0 or seq > self._state.last_seq) and not self._catch_up_wanted.is_set():
            self._catch_up_wanted.set()
            self._jobs.put(Job(self._catch_up))

    def _on_link(self, up: bool) -> None:
        if up != self.database_ok:
            self.database_ok = up
            level = NoticeLevel.INFO if up else NoticeLevel.ERROR
            text = "the database is back" if up else "the database cannot be reached"
            self.notices.post(level, "database", text)
            log.warning("%s", text)

    def _run(self) -> None:
        self._load()
        while True:
            try:
                first = self._jobs.get(timeout=1.0)
            except queue.Empty:
                # A safety net for a lost notification: look for new events now and then.
                self._safely(self._catch_up)
                continue
            jobs = [first]
            while len(jobs) < 256:
                try:
                    jobs.append(self._jobs.get_nowait())
                except queue.Empty:
                    break
            stop = any(job is _STOP for job in jobs)
            self._run_jobs([job for job in jobs if job is not _STOP])
            if stop:
                break
        if self._state.last_seq > self._last_snapshot_seq:
            self._safely(self._save_snapshot)
        self._log.close()

    def _load(self) -> None:
        try:
            found = self._log.latest_snapshot(FOLD_VERSION)
            if found is not None:
                seq, blob = found
                self._state = CityState.from_bytes(blob)
                self._last_snapshot_seq = seq
            self._catch_up()
            self.ready.set_result(None)
        except Exception as exc:
            # The server still starts: it answers 503 until the database is back.
            self.database_ok = False
            self.ready.set_exception(exc)
            log.error("could not load the log: %s", exc)

    def _run_jobs(self, jobs: list[Job]) -> None:
        for run in coalesced(wanted(jobs)):
            self._publish_run(run)

    def _publish_run(self, run: list[Job]) -> None:
        if len(run) == 1:
            self._run_one(run[0])
            return
        events = [e for job in run for e in job.publish or ()]
        try:
            records = self._append(self._folding(events), None, "publish")
        except Exception as exc:
            for job in run:
                job.future.set_exception(exc)
            return
        start = 0
        for job in run:
            n = len(job.publish or ())
            job.future.set_result(records[start : start + n])
            start += n

    def _run_one(self, job: Job) -> None:
        try:
            job.future.set_result(job.run())
        except Exception as exc:
            job.future.set_exception(exc)

    def _safely(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except DatabaseUnavailable:
            pass  # the listener reports the link; the next attempt tries again
        except Exception as exc:
            log.exception("writer job failed")
            self.notices.post(NoticeLevel.ERROR, "event log", str(exc))

    def _folding(self, events: list[NewEvent]) -> Callable[[list[EventRecord]], list[NewEvent]]:
        def fold_then(missed: list[EventRecord]) -> list[NewEvent]:
            self._fold_and_deliver(missed)
            return events

        return fold_then

    def _append(
        self,
        decide_on: Callable[[list[EventRecord]], Sequence[NewEvent]],
        client_ref: str | None,
        username: str,
    ) -> list[EventRecord]:
        before = self._state.last_seq
        try:
            result = self._log.append(
                decide_on, after_seq=before, client_ref=client_ref, username=username
            )
        except DatabaseUnavailable:
            self._on_link(False)
            raise
        self._on_link(True)
        # What others appended before the lock was ours (folded inside unless a duplicate).
        self._fold_and_deliver(result.missed)
        if not result.duplicate:
            self._fold_and_deliver(result.records)
        if self._state.last_seq - self._last_snapshot_seq >= self._snapshot_every:
            self._safely(self._save_snapshot)
        return result.records

    def _catch_up(self) -> None:
        self._catch_up_wanted.clear()
        while True:
            batch = self._log.read(self._state.last_seq, None, _CHUNK)
            if not batch:
                return
            self._fold_and_deliver(batch)
            if len(batch) < _CHUNK:
                return

    def _fold_and_deliver(self, records: list[EventRecord]) -> None:
        fresh = [r for r in records if r.seq > self._state.last_seq]
        if not fresh:
            return
        if fresh[0].seq != self._state.last_seq + 1:
            # A gap: read the missing events first, so state and feeds stay in order.
            missing = self._log.read(self._state.last_seq, fresh[0].seq - 1, 1 << 30)
            self._fold_and_deliver(missing)
        self._state.apply_all(fresh)
        with self._subscribers_lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            self._deliver_to(subscription, fresh)

    def _deliver_to(self, subscription: LiveSubscription, records: list[EventRecord]) -> None:
        if not subscription.active:
            return
        try:
            subscription.callback(records)
        except Exception as exc:
            log.exception("a subscriber failed")
            self.notices.post(NoticeLevel.ERROR, "event feed", f"A subscriber failed: {exc!r}")

    def _save_snapshot(self) -> None:
        self._log.save_snapshot(self._state.last_seq, self._state.to_bytes(), FOLD_VERSION)
        self._last_snapshot_seq = self._state.last_seq
