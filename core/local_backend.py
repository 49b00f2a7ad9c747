"""``LocalBackend``: the Backend protocol over a SQLite event log in this process.

One writer thread owns the log and the authoritative folded state. Every call is a job on its
queue, so commands are decided against state that no one else is changing, and appends are
serialised. Consecutive ``publish`` jobs are coalesced into one transaction for throughput.
Appends by other processes to the same file are picked up and folded too.
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
from itertools import islice
from pathlib import Path
from typing import Any

from core.backend import BackendMode, EventsCallback, LogStats, ResetCallback
from core.checkpointer import Checkpointer
from core.clock import Clock, SystemClock
from core.commands import Command, decide
from core.eventlog import EventLog
from core.events import EventRecord, NewEvent
from core.jobs import Job, coalesced, wanted
from core.notices import NoticeBoard, NoticeLevel
from core.readings import HistoryReader, RetentionPolicy, SensorHistory
from core.state import FOLD_VERSION, CityState, rebuild

log = logging.getLogger("cityroom.backend")

_STOP = object()
_BACKLOG_CHUNK = 5000
_PRUNE_EVERY_MS = 3_600_000  # old readings are pruned hourly, and at start


@dataclass(eq=False)
class _Subscription:
    callback: EventsCallback
    owner: LocalBackend
    on_reset: ResetCallback | None = None
    active: bool = True
    # The last event delivered (or held in a state handed to ``on_reset``): a mirrored state
    # can run ahead of the log, and what the copy then stores behind it must not reach a
    # subscriber that started past it.
    cursor: int = 0

    def cancel(self) -> None:
        self.active = False
        self.owner._drop(self)


class LocalBackend:
    """The standalone workstation's backend. Open the log with :meth:`open`."""

    mode = BackendMode.STANDALONE

    def __init__(
        self,
        event_log: EventLog,
        *,
        source: str = "workstation",
        notices: NoticeBoard | None = None,
        snapshot_every: int = 50_000,
        tail_interval_s: float = 0.25,
        retention: RetentionPolicy | None = None,
    ) -> None:
        self._log = event_log
        self.location = str(event_log.path)
        self.source = source
        self.notices = notices or NoticeBoard()
        self._snapshot_every = snapshot_every
        self._tail_interval_s = tail_interval_s
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._subscribers: list[_Subscription] = []
        self._subscribers_lock = threading.Lock()
        self._state = CityState()
        self._last_snapshot_seq = 0
        self.retention = retention or RetentionPolicy()
        self._next_prune_ms = 0
        self._history = HistoryReader(str(event_log.path))
        # History queries have a thread of their own: a month of a sensor must not hold up
        # appends, and appends must not hold up a plot.
        self._history_pool = ThreadPoolExecutor(1, thread_name_prefix="sensor-history")
        self._closed = False
        self._failure: Exception | None = None
        self._adopted: tuple[int, bytes] | None = None  # a mirrored state's event and hash
        # The event of the last mirrored state: a subscriber with ``on_reset`` that starts
        # behind it is handed the state rather than the copied events up to it.
        self._replaced_at = 0
        self.ready: Future[None] = Future()
        self._checkpointer = (
            None if event_log.readonly else Checkpointer(Path(event_log.path)).start()
        )
        self._thread = threading.Thread(target=self._run, name="event-log-writer", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, path: str | Path, clock: Clock | None = None, **kwargs: Any) -> LocalBackend:
        """Open (or create) the log at ``path``; raises ``LogOpenError`` naming the problem."""
        return cls(EventLog.open(path, clock or SystemClock()), **kwargs)

    # -- protocol -------------------------------------------------------------------------

    def submit(
        self,
        command: Command,
        actor: str,
        ts_ms: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> Future[list[EventRecord]]:
        """Decide and append ``command`` on the writer thread."""

        def run() -> list[EventRecord]:
            self._catch_up()
            events = decide(
                self._state,
                command,
                source=self.source,
                actor=actor,
                now_ms=ts_ms,
                expected_version=expected_version,
            )
            return self._append(events)

        return self._enqueue(Job(run))

    def publish(self, events: Sequence[NewEvent]) -> Future[list[EventRecord]]:
        """Append facts as they are."""
        events = list(events)
        return self._enqueue(Job(lambda: self._append(events), publish=events))

    def mirror(
        self, records: Sequence[EventRecord], *, hashed_here: bool = False
    ) -> Future[list[EventRecord]]:
        """Store records received from the server verbatim (``EventLog.append_records``, which
        ``hashed_here`` is passed on to), fold them and deliver the new ones to subscribers;
        the future holds those that were new. Fails with ``ReplicaGapError`` (nothing
        stored) when they do not continue the chain."""
        received = list(records)

        def run() -> list[EventRecord]:
            self._catch_up()
            stored = self._log.append_records(received, hashed_here=hashed_here)
            self._check_mirrored_state(stored)
            self._fold_and_deliver(stored)
            if self._state.last_seq - self._last_snapshot_seq >= self._snapshot_every:
                self._save_snapshot()
            return stored

        return self._enqueue(Job(run))

    def mirror_state(self, seq: int, event_hash: bytes, blob: bytes) -> Future[bool]:
        """Take the server's folded state as of its event ``seq`` (``CityState.to_bytes``)
        while this copy of the log is far behind, so the state is current at once. The events
        up to ``seq`` mirrored afterwards are stored and delivered but not folded again; when
        event ``seq`` is stored its hash must be ``event_hash``, or the state is folded anew
        from the copy. The future holds whether the state was taken (not when the copy is
        there already).

        Subscribers with ``on_reset`` that are behind ``seq`` get a private copy of the state
        and then only the events after it; the others get every event, as before. Should the
        state turn out not to belong to the copy, they get the state folded anew."""

        def run() -> bool:
            self._catch_up()
            if seq <= self._state.last_seq:
                return False
            state = CityState.from_bytes(blob)
            if state.last_seq != seq:
                raise ValueError(f"the state sent for event {seq} is of event {state.last_seq}")
            self._state = state
            self._adopted = (seq, event_hash)
            self._replaced_at = seq
            self._reset_subscribers(blob, behind=seq)
            return True

        return self._enqueue(Job(run))

    def _check_mirrored_state(self, stored: list[EventRecord]) -> None:
        if self._adopted is None or self._log.last_seq < self._adopted[0]:
            return
        seq, expected = self._adopted
        self._adopted = None
        found = [r for r in stored if r.seq == seq] or self._log.by_seqs([seq])
        if found and found[0].hash == expected:
            return
        self.notices.post(
            NoticeLevel.WARNING,
            "event log",
            f"The state the server sent as of event {seq} does not belong to the event "
            f"stored in {self.location}; the state was folded again from this copy.",
        )
        self._state = rebuild(self._log)
        # Whoever was handed the state (or seeded from it since) gets the right one now.
        self._reset_subscribers(self._state.to_bytes(), behind=None)

    def _reset_subscribers(self, blob: bytes, behind: int | None) -> None:
        """Hand each subscriber with ``on_reset`` (only those whose cursor is before
        ``behind``, unless None) its own copy of the state in ``blob``."""
        with self._subscribers_lock:
            subscribers = [s for s in self._subscribers if s.on_reset is not None]
        for subscription in subscribers:
            if behind is None or subscription.cursor < behind:
                # One copy each: subscribers own and change what they are handed.
                self._reset(subscription, CityState.from_bytes(blob))

    def _reset(self, subscription: _Subscription, state: CityState) -> None:
        if not subscription.active or subscription.on_reset is None:
            return
        subscription.cursor = state.last_seq
        try:
            subscription.on_reset(state)
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "event feed", f"A subscriber failed: {exc!r}")

    def subscribe(
        self,
        callback: EventsCallback,
        after_seq: int = 0,
        on_reset: ResetCallback | None = None,
        *,
        from_state: bool = False,
    ) -> _Subscription:
        """Deliver the backlog after ``after_seq``, then every new batch.

        With ``on_reset`` the subscriber is handed a copy of the state when it is replaced
        (see ``mirror_state``), and at once instead of a backlog when it starts behind the
        last state mirrored. ``from_state`` (needs ``on_reset``): hand it a copy of the
        current state and then the batches after it, whatever ``after_seq`` (a subscriber
        moving over from another log); in one job, so no batch falls in between."""
        if from_state and on_reset is None:
            raise ValueError("subscribing from the state needs on_reset to hand it over")
        subscription = _Subscription(callback, self, on_reset)

        def run() -> None:
            self._catch_up()
            if on_reset is not None and (from_state or after_seq < self._replaced_at):
                self._reset(subscription, self._state.copy())
            else:
                self._deliver_backlog(subscription, after_seq)
            with self._subscribers_lock:
                if subscription.active:
                    self._subscribers.append(subscription)

        self._enqueue(Job(run))
        return subscription

    def _deliver_backlog(self, subscription: _Subscription, after_seq: int) -> None:
        cursor = subscription.cursor = after_seq
        while cursor < self._state.last_seq and subscription.active:
            batch = list(islice(self._log.read(cursor, self._state.last_seq), _BACKLOG_CHUNK))
            if not batch:
                break
            self._deliver_to(subscription, batch)
            cursor = batch[-1].seq

    def snapshot(self) -> Future[CityState]:
        """A copy of the authoritative state."""

        def run() -> CityState:
            self._catch_up()
            return self._state.copy()

        return self._enqueue(Job(run))

    def incident_events(
        self, incident_id: str, types: Collection[str] | None = None
    ) -> Future[list[EventRecord]]:
        """All events about one incident (only of ``types`` when given)."""
        wanted = None if types is None else tuple(types)
        return self._enqueue(Job(lambda: self._log.by_subject(incident_id, wanted)))

    def events_at(self, seqs: Sequence[int]) -> Future[list[EventRecord]]:
        """The events with these sequence numbers, in order."""
        wanted = list(seqs)
        return self._enqueue(Job(lambda: self._log.by_seqs(wanted)))

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> Future[SensorHistory]:
        """One sensor's readings in a time range, raw or as a min/max envelope."""
        if self._closed:
            failed: Future[SensorHistory] = Future()
            failed.set_exception(RuntimeError(f"the event log {self.location} is closed"))
            return failed
        return self._history_pool.submit(
            self._history.history, sensor_id, start_ms, end_ms, max_points
        )

    def stats(self) -> Future[LogStats]:
        """Counts over the whole log."""

        def run() -> LogStats:
            self._catch_up()
            by_type = self._log.count_by_type()
            first, last = self._log.time_span()
            statuses = Counter(i.status.value for i in self._state.incidents.values())
            return LogStats(
                sum(by_type.values()),
                self._log.last_seq,
                by_type,
                dict(statuses),
                first,
                last,
                self._log.reading_counts(),
            )

        return self._enqueue(Job(run))

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish queued jobs, snapshot, close the file and stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        self._jobs.put(_STOP)
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("event-log writer did not stop within %.1f s", timeout_s)
        self._history_pool.shutdown(wait=True, cancel_futures=True)
        self._history.close()

    # -- writer thread --------------------------------------------------------------------

    def _enqueue(self, job: Job) -> Future[Any]:
        if self._closed:
            job.future.set_exception(RuntimeError(f"the event log {self.location} is closed"))
            return job.future
        self._jobs.put(job)
        return job.future

    def _drop(self, subscription: _Subscription) -> None:
        with self._subscribers_lock, contextlib.suppress(ValueError):
            self._subscribers.remove(subscription)

    def _run(self) -> None:
        try:
            self._state = rebuild(self._log)
            self._last_snapshot_seq = self._state.last_seq
            self.ready.set_result(None)
        except Exception as exc:
            # Never append on top of state we could not rebuild: ids and checks would be wrong.
            self._failure = exc
            self.ready.set_exception(exc)
            self.notices.post(NoticeLevel.ERROR, "event log", f"Could not read the log: {exc}")
        while True:
            try:
                first = self._jobs.get(timeout=self._tail_interval_s)
            except queue.Empty:
                if self._failure is None:
                    self._safely(self._catch_up)
                    self._safely(self._prune_when_due)
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
        self._finish()

    def _run_jobs(self, jobs: list[Job]) -> None:
        for run in coalesced(wanted(jobs)):
            self._publish_run(run)

    def _publish_run(self, run: list[Job]) -> None:
        if len(run) == 1:
            self._run_one(run[0])
            return
        events = [e for job in run for e in job.publish or ()]
        if self._failure is not None:
            for job in run:
                job.future.set_exception(self._failure)
            return
        try:
            records = self._append(events)
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
        if self._failure is not None:
            job.future.set_exception(self._failure)
            return
        try:
            job.future.set_result(job.run())
        except Exception as exc:
            job.future.set_exception(exc)

    def _safely(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "event log", str(exc))

    def _append(self, events: Sequence[NewEvent]) -> list[EventRecord]:
        before = self._state.last_seq
        records = self._log.append(events)
        if records and records[0].seq > before + 1:
            # Another process appended in between: fold and deliver its events first.
            self._fold_and_deliver(list(self._log.read(before, records[0].seq - 1)))
        self._fold_and_deliver(records)
        if self._state.last_seq - self._last_snapshot_seq >= self._snapshot_every:
            self._save_snapshot()
        return records

    def _prune_when_due(self) -> None:
        # Only when the writer is idle, one bounded pass at a time, so appends never wait long.
        now = self._log.now_ms()
        if now < self._next_prune_ms or self._log.readonly:
            return
        result = self._log.prune_readings(self.retention)
        if result.raw_deleted or result.summaries_deleted:
            log.info(
                "pruned %d raw readings and %d minute summaries past retention",
                result.raw_deleted,
                result.summaries_deleted,
            )
        if not result.more:
            self._next_prune_ms = now + _PRUNE_EVERY_MS

    def _catch_up(self) -> None:
        if self._log.max_seq() > self._state.last_seq:
            for chunk in _chunks(self._log.read(self._state.last_seq), _BACKLOG_CHUNK):
                self._fold_and_deliver(chunk)

    def _fold_and_deliver(self, records: list[EventRecord]) -> None:
        if not records:
            return
        self._state.apply_all(records)
        with self._subscribers_lock:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            self._deliver_to(subscription, records)

    def _deliver_to(self, subscription: _Subscription, records: list[EventRecord]) -> None:
        if not subscription.active or records[-1].seq <= subscription.cursor:
            return
        if records[0].seq <= subscription.cursor:
            records = [r for r in records if r.seq > subscription.cursor]
        subscription.cursor = records[-1].seq
        try:
            subscription.callback(records)
        except Exception as exc:
            self.notices.post(NoticeLevel.ERROR, "event feed", f"A subscriber failed: {exc!r}")

    def _save_snapshot(self) -> None:
        if self._log.last_seq < self._state.last_seq:
            return  # a mirrored state ahead of the copy: saved once the copy has caught up
        try:
            self._log.save_snapshot(self._state.last_seq, self._state.to_bytes(), FOLD_VERSION)
            self._last_snapshot_seq = self._state.last_seq
        except Exception as exc:
            self.notices.post(NoticeLevel.WARNING, "event log", f"Snapshot skipped: {exc}")

    def _finish(self) -> None:
        if (
            self._failure is None
            and self._state.last_seq > self._last_snapshot_seq
            and not self._log.readonly
        ):
            self._save_snapshot()
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._log.close()


def _chunks(records: Any, size: int) -> Any:
    chunk: list[EventRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
