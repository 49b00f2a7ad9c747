"""One opened replay's work off the GUI thread: opening, seeks, folds, the index, the tail.

A run has one reader thread of its own, so its read-only connection is reused by every seek
and fold, in order, and one index thread. Results come back on the GUI thread through
``GuiInvoker.when_done``; once the run is closed, none are delivered any more.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from core.events import EventRecord
from core.replay import ReplayIndex, ReplaySession
from core.state import CityState
from ui.bridge import GuiInvoker
from ui.workers import run_in_thread

T = TypeVar("T")
Failed = Callable[[BaseException], None]
MINUTE_MS = 60_000


class ReplayRun:
    """The session of one replay and the threads that read it."""

    def __init__(self, path: Path, invoker: GuiInvoker) -> None:
        self.path = path
        self.invoker = invoker
        self.reader = ThreadPoolExecutor(1, thread_name_prefix="replay reader")
        self.cancel = threading.Event()  # stops the index pass
        self.session: ReplaySession | None = None  # set on the reader thread once open
        self.closed = False
        self.seek_busy = False
        self.fold_busy = False
        self.indexing = False
        self.refreshing = False
        self._seek_wanted: int | None = None
        self._seek_done: Callable[[int, CityState, bool], None] = lambda *_: None
        self._seek_failed: Failed = lambda _e: None
        self._index_future: Future[ReplayIndex] | None = None

    def _when_done(self, future: Future[T], ok: Callable[[T], Any], failed: Failed) -> None:
        def on_ok(value: T) -> None:
            if not self.closed:
                ok(value)

        def on_error(error: BaseException) -> None:
            if not self.closed:
                failed(error)

        self.invoker.when_done(future, on_ok, on_error)

    def open(
        self,
        window: tuple[int | None, int | None, int | None],
        at_ms: int | None,
        report_ms: int | None,
        done: Callable[[tuple[ReplaySession, int, CityState]], None],
        failed: Failed,
    ) -> None:
        """Open the session over ``window`` (start, end, or the last span ms; see
        ``ReplayController.enter``) and compute the first instant: ``at_ms``, else ``report_ms``
        − 1 min when inside the window, else 5 min before its end."""
        start_ms, end_ms, span_ms = window

        def open_replay() -> tuple[ReplaySession, int, CityState]:
            session = ReplaySession(self.path, start_ms=start_ms, end_ms=end_ms)
            self.session = session  # closed by close() even when the replay was left meanwhile
            if span_ms is not None:
                # Where the log ends is known only now.
                session.start_ms = max(session.first_ms, session.end_ms - span_ms)
            at = at_ms
            if at is None:
                if report_ms is not None and session.start_ms < report_ms <= session.end_ms:
                    at = report_ms - MINUTE_MS
                else:
                    at = session.end_ms - 5 * MINUTE_MS
            at = min(max(at, session.start_ms), session.end_ms)
            return session, at, session.state_at(at)

        self._when_done(self.reader.submit(open_replay), done, failed)

    # -- seeks: the newest request wins -----------------------------------------------------

    def seek(self, ms: int, done: Callable[[int, CityState, bool], None], failed: Failed) -> None:
        """Compute the state at ``ms``; ``done(ms, state, newer)`` where ``newer`` says a
        later request is already being computed. Requests made while one is computed replace
        each other: only the newest is computed next."""
        self._seek_wanted = ms
        self._seek_done, self._seek_failed = done, failed
        if not self.seek_busy:
            self._next_seek()

    def _next_seek(self) -> None:
        ms, self._seek_wanted = self._seek_wanted, None
        session = self.session
        if ms is None or session is None:
            return
        self.seek_busy = True
        future = self.reader.submit(session.state_at, ms)
        self._when_done(future, partial(self._on_seek_done, ms), self._on_seek_failed)

    def _on_seek_done(self, ms: int, state: CityState) -> None:
        self.seek_busy = False
        newer = self._seek_wanted is not None
        if newer:
            self._next_seek()
        self._seek_done(ms, state, newer)

    def _on_seek_failed(self, error: BaseException) -> None:
        self.seek_busy = False
        self._seek_wanted = None
        self._seek_failed(error)

    # -- playback ---------------------------------------------------------------------------

    def fold(
        self,
        after_seq: int,
        until_ms: int,
        limit: int,
        done: Callable[[list[EventRecord]], None],
        failed: Failed,
    ) -> None:
        """Fetch at most ``limit`` events after ``after_seq`` stamped up to ``until_ms``."""
        session = self.session
        if session is None:
            return
        self.fold_busy = True

        def ok(records: list[EventRecord]) -> None:
            self.fold_busy = False
            done(records)

        def error(exc: BaseException) -> None:
            self.fold_busy = False
            failed(exc)

        future = self.reader.submit(session.read_forward, after_seq, until_ms, limit)
        self._when_done(future, ok, error)

    # -- the index and the log's tail -------------------------------------------------------

    def build_index(
        self,
        progress: Callable[[float], None],
        done: Callable[[ReplayIndex], None],
        failed: Failed,
    ) -> None:
        """Index the window (again: take in what a live log appended) on the index thread;
        ``progress`` is called on the GUI thread at each whole percent."""
        session = self.session
        if session is None or self.indexing:
            return
        self.indexing = True
        invoker, last = self.invoker, [-1]

        def report(fraction: float) -> None:  # index thread
            percent = int(fraction * 100)
            if percent != last[0]:
                last[0] = percent
                invoker.post(lambda: None if self.closed else progress(fraction))

        def ok(index: ReplayIndex) -> None:
            self.indexing = False
            done(index)

        def error(exc: BaseException) -> None:
            self.indexing = False
            failed(exc)

        future = run_in_thread(lambda: session.build_index(report, self.cancel), "replay index")
        self._index_future = future
        self._when_done(future, ok, error)

    def refresh(self, done: Callable[[int], None], failed: Failed) -> None:
        """Read the log's tail again; ``done(end_ms)`` with the window's end."""
        session = self.session
        if session is None or self.refreshing:
            return
        self.refreshing = True

        def ok(end_ms: int) -> None:
            self.refreshing = False
            done(end_ms)

        def error(exc: BaseException) -> None:
            self.refreshing = False
            failed(exc)

        self._when_done(self.reader.submit(session.refresh), ok, error)

    def close(self) -> None:
        """Deliver nothing more; stop indexing and close the session off the GUI thread."""
        self.closed = True
        self.cancel.set()
        index_future = self._index_future

        def close_session() -> None:
            if index_future is not None:
                with contextlib.suppress(Exception):
                    index_future.exception(timeout=30)
            if self.session is not None:
                self.session.close()

        self.reader.submit(close_session)  # after whatever the reader still has queued
        self.reader.shutdown(wait=False)
