"""A replay of one log: state at any instant, events in order from there, and the index.

Every method may run on any thread: each thread gets its own read-only connection, so a seek
never waits for the index being built, nor for the writer that keeps appending live events.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from core.errors import CorruptLogError
from core.eventlog import EventLog
from core.events import EventRecord
from core.replay.index import ReplayIndex
from core.state import FOLD_VERSION, CityState

DAY_MS = 24 * 3_600_000
_FOLD_ERRORS = (ValueError, KeyError, TypeError)


class ReplaySession:
    """Replays the log at ``path`` over a window (by default its last 24 hours)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        checkpoint_every: int = 5_000,
    ) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._logs: list[EventLog] = []
        self._logs_lock = threading.Lock()
        self._closed = False
        first, last = self._log().time_span()
        if first is None or last is None:
            raise CorruptLogError(
                self.path,
                "holds no events to replay",
                "Choose a log that has recorded something, or run the demo for a while.",
            )
        self.first_ms, self.last_ms = int(first), int(last)
        self.follow = end_ms is None  # a live log keeps growing: the window follows it
        self.end_ms = self.last_ms if end_ms is None else min(end_ms, self.last_ms)
        default_start = max(self.first_ms, self.end_ms - DAY_MS)
        self.start_ms = default_start if start_ms is None else max(start_ms, self.first_ms)
        if self.start_ms > self.end_ms:
            raise ValueError(
                f"the replay window starts after it ends ({self.start_ms} > {self.end_ms})"
            )
        self.index = ReplayIndex(checkpoint_every)
        self._index_state: CityState | None = None

    # -- connections ----------------------------------------------------------------------

    def _log(self) -> EventLog:
        log: EventLog | None = getattr(self._local, "log", None)
        if log is None:
            if self._closed:
                raise RuntimeError("the replay session is closed")
            log = EventLog.open(self.path, readonly=True)
            self._local.log = log
            with self._logs_lock:
                self._logs.append(log)
        return log

    def close(self) -> None:
        """Close every connection (threads still using one get an error on their next call)."""
        self._closed = True
        with self._logs_lock:
            logs, self._logs = self._logs, []
        for log in logs:
            log.close()

    # -- time and sequence ------------------------------------------------------------------

    def refresh(self) -> int:
        """Read the log's tail again (a live log grows); return the window's end."""
        _, last = self._log().time_span()
        if last is not None:
            self.last_ms = int(last)
            if self.follow:
                self.end_ms = self.last_ms
        return self.end_ms

    def seq_at(self, ts_ms: int) -> int:
        """The newest event stamped at or before ``ts_ms`` (0: none)."""
        return self._log().seq_at(ts_ms)

    # -- state ------------------------------------------------------------------------------

    def state_at(self, ts_ms: int) -> CityState:
        """The city as it was at ``ts_ms``: every event stamped at or before it, folded."""
        return self.state_at_seq(self.seq_at(ts_ms))

    def state_at_seq(self, seq: int) -> CityState:
        """The state after event ``seq``, from the nearest checkpoint or snapshot before it."""
        log = self._log()
        state = CityState()
        start = self.index.checkpoint_before(seq)
        snapshot = log.latest_snapshot(FOLD_VERSION, seq)
        if snapshot is not None and (start is None or snapshot[0] > start[0]):
            start = snapshot
        if start is not None:
            state = CityState.from_bytes(start[1])
        self._fold(state, log.read(after_seq=state.last_seq, until_seq=seq))
        return state

    def read_forward(self, after_seq: int, until_ms: int, limit: int) -> list[EventRecord]:
        """At most ``limit`` events after ``after_seq`` stamped at or before ``until_ms``, in
        order: what playback folds next."""
        return [r for r in self._log().read_batch(after_seq, limit) if r.ts_ms <= until_ms]

    def _fold(self, state: CityState, records: Iterable[EventRecord]) -> None:
        for record in records:
            try:
                state.apply(record)
            except _FOLD_ERRORS as exc:
                raise CorruptLogError(
                    self.path,
                    f"event {record.seq} ({record.type}) cannot be read: {exc!r}",
                    f"Run 'python main.py log verify --db {self.path}' for details.",
                ) from exc

    # -- the index --------------------------------------------------------------------------

    def build_index(
        self,
        progress: Callable[[float], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> ReplayIndex:
        """Index the window in one pass (run it on a worker); call again later to take in
        what a live log appended since. Seeks work meanwhile, only slower."""
        log = self._log()
        state = self._index_state
        if state is None:
            state = self.state_at_seq(self.seq_at(self.start_ms - 1))
            self.index.start_from(state)
        end_seq = self.seq_at(self.refresh())
        first_seq, total = state.last_seq, max(end_seq - state.last_seq, 1)
        index = self.index
        for record in log.read(after_seq=state.last_seq, until_seq=end_seq):
            self._fold(state, (record,))
            index.add(record, state)
            if record.seq % 2_000 == 0:
                if cancel is not None and cancel.is_set():
                    break
                if progress is not None:
                    progress(min((record.seq - first_seq) / total, 1.0))
        else:
            index.complete = True
        self._index_state = state
        if progress is not None:
            progress(1.0)
        return index
