"""The machinery under the replay controller (``ui.replay``): the clock, seeks, playback,
the index and the growing log.

Everything that reads the log runs off the GUI thread (``ui.replay_run``). Seeks: the newest
request wins. Playback: a timer ticks the ``ReplayClock``; when no fold is in flight the
reader fetches the events up to the new position (at most ``FOLD_LIMIT``) and the view folds
them, so the GUI-thread part of a tick stays small. When the limit is hit the clock is held
at the last event fetched: playback catches up rather than skipping events. Results that
belong to an older seek or a replay already left are dropped, never shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from core.errors import CityroomError
from core.events import EventRecord, EventType
from core.replay import MarkKind, ReplayClock, ReplayIndex, ReplaySession
from core.state import CityState
from ui.context import AppContext
from ui.replay_run import ReplayRun

TICK_MS = 100
REFRESH_MS = 3_000  # how often a live log's new tail is taken into the window
FOLD_LIMIT = 2_000  # events folded per tick at most
SHOW_STALE_SEEK_S = 0.25  # while dragging, an older seek's state is shown at most this often
_MARK_EVENTS = frozenset({EventType.REPLAY_BOOKMARKED, EventType.REPLAY_ANNOTATED})


class ReplayEngine(QObject):
    """The machinery under the replay controller: the clock, the run, seeks, playback, the
    index and the growing log, and the signals the UI follows."""

    activeChanged = Signal(bool)
    positionChanged = Signal(object)  # int: the replay instant chosen (UTC ms, beyond 32 bits)
    playingChanged = Signal(bool)
    speedChanged = Signal(int)
    indexProgress = Signal(float)  # 0..1
    marksChanged = Signal()  # the index grew, or bookmarks were added
    failed = Signal(str)
    windowChanged = Signal(object, object)  # int, int: the replay window, once open or grown
    liveIncidentsChanged = Signal(int)  # incidents reported live since replay began
    jumpKindsChanged = Signal()
    message = Signal(str, bool)  # a passing message for the operator, and whether an error

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = context.view
        self.active = False
        self.clock: ReplayClock | None = None
        self.speed = 1
        self.jump_kinds: frozenset[MarkKind] | None = frozenset({MarkKind.INCIDENT})
        self.live_incidents = 0
        self.index_fraction = 0.0
        self.catching_up = False
        self._run: ReplayRun | None = None
        self._fold_more = False  # the last fold hit the limit: more to fold before moving on
        self._index_broken = False  # the index cannot be built: do not try again and again
        self._folded_ms = 0  # the instant the view's state has been folded to
        self._epoch = 0  # bumped by every seek: folds fetched before it are dropped
        self._last_shown = 0.0
        self._last_tick = time.monotonic()
        self._last_marks = 0.0
        self._tick = QTimer(self)
        self._tick.setObjectName("replayTick")
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._refresh = QTimer(self)
        self._refresh.setObjectName("replayRefresh")
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self._on_refresh)
        context.store.incidentsReported.connect(self._on_store_incidents_reported)
        context.store.eventsApplied.connect(self._on_store_events_applied)
        # A state taken whole (a catch-up, another log) brings marks no batch announced.
        context.store.loaded.connect(self.marksChanged.emit)

    @property
    def session(self) -> ReplaySession | None:
        """The open session (None while opening or live)."""
        run = self._run
        return run.session if run is not None and self.clock is not None else None

    @property
    def index(self) -> ReplayIndex | None:
        """The session's index (filling while ``index_fraction`` < 1)."""
        session = self.session
        return session.index if session is not None else None

    @property
    def window(self) -> tuple[int, int] | None:
        """The replay window (start, end) in UTC ms; None until open."""
        clock = self.clock
        return (clock.start_ms, clock.end_ms) if clock is not None else None

    @property
    def position_ms(self) -> int:
        """The instant chosen (the view shows it once folded); 0 when not replaying."""
        return self.clock.position_ms if self.clock is not None else 0

    @property
    def playing(self) -> bool:
        """Whether playback runs."""
        return self.clock is not None and self.clock.playing

    def _on_opened(self, opened: tuple[ReplaySession, int, CityState]) -> None:
        session, at, state = opened
        self.clock = ReplayClock(session.start_ms, session.end_ms, at, self.speed)
        self._folded_ms, self._last_shown = at, time.monotonic()
        self._epoch += 1
        self.view.enter_replay(state, at)
        self.windowChanged.emit(session.start_ms, session.end_ms)
        self.positionChanged.emit(at)
        self.speedChanged.emit(self.speed)
        self._last_tick = time.monotonic()
        self._tick.start()
        self._refresh.start()
        self._build_index()

    def leave(self) -> None:
        """Back to live: stop playing and indexing, close the replay (off the GUI thread)."""
        if not self.active:
            return
        was_playing = self.playing
        self.active = False
        self._stop_run()
        self.view.leave_replay()
        if was_playing:
            self.playingChanged.emit(False)
        self.activeChanged.emit(False)

    def _stop_run(self) -> None:
        """Stop the timers and close the run (the view keeps what it shows)."""
        run, self._run = self._run, None
        self.clock = None
        self._tick.stop()
        self._refresh.stop()
        self._fold_more = self.catching_up = False
        self._epoch += 1
        if run is not None:
            run.close()

    def pause(self) -> None:
        """Stop playing where it is."""
        if self.clock is not None and self.clock.playing:
            self.clock.pause()
            self.playingChanged.emit(False)

    def _seek_to(self, ms: int) -> None:
        run = self._run
        if run is None:
            return
        self._epoch += 1  # folds fetched for the old position no longer fit
        self._fold_more = self.catching_up = False
        self.positionChanged.emit(ms)
        run.seek(ms, self._on_seek_done, self._on_seek_failed)

    def _on_seek_done(self, ms: int, state: CityState, newer: bool) -> None:
        if newer and time.monotonic() - self._last_shown < SHOW_STALE_SEEK_S:
            return  # the newer one comes soon
        self._folded_ms, self._last_shown = ms, time.monotonic()
        self.view.replace(state, ms)

    def _on_seek_failed(self, error: BaseException) -> None:
        self._fail(error, self.tr("That instant cannot be shown: %1"))

    def _on_tick(self) -> None:
        now = time.monotonic()
        elapsed_ms, self._last_tick = (now - self._last_tick) * 1000, now
        clock, run = self.clock, self._run
        if clock is None or run is None:
            return
        if clock.playing and not run.seek_busy:
            before = clock.position_ms
            if clock.tick(elapsed_ms) != before:
                self.positionChanged.emit(clock.position_ms)
            if not clock.playing:
                self.playingChanged.emit(False)  # the end of the window
        if run.seek_busy or run.fold_busy:
            return
        if clock.position_ms <= self._folded_ms and not self._fold_more:
            return
        after_seq, target, epoch = self.view.state.last_seq, clock.position_ms, self._epoch

        def folded(records: list[EventRecord]) -> None:
            if epoch == self._epoch and self.view.state.last_seq == after_seq:
                self._on_folded(records, target)  # else a seek came in between

        run.fold(after_seq, target, FOLD_LIMIT, folded, self._on_fold_failed)

    def _on_folded(self, records: list[EventRecord], target: int) -> None:
        clock = self.clock
        if clock is None:
            return
        full = len(records) >= FOLD_LIMIT
        position = records[-1].ts_ms if full else target
        self._fold_more = self.catching_up = full
        if full and clock.playing and clock.position_ms > position:
            clock.seek(position)  # hold the clock: catch up rather than skip events
            self.positionChanged.emit(position)
        self._folded_ms = position
        if records or self.view.now_ms() != position:
            self.view.advance(records, position)

    def _on_fold_failed(self, error: BaseException) -> None:
        self.pause()
        self._fail(error, self.tr("Playback stopped: %1"))

    def _build_index(self) -> None:
        if self._run is not None:
            self._run.build_index(
                self._on_index_progress, self._on_index_done, self._on_index_failed
            )

    def _on_index_progress(self, fraction: float) -> None:
        if self.index_fraction < 1.0:
            self.index_fraction = min(fraction, 0.99)
            self.indexProgress.emit(self.index_fraction)
        now = time.monotonic()
        if now - self._last_marks > 0.5:  # the timeline redraws the marks found so far
            self._last_marks = now
            self.marksChanged.emit()

    def _on_index_done(self, _index: ReplayIndex) -> None:
        self.index_fraction = 1.0
        self.indexProgress.emit(1.0)
        self.marksChanged.emit()

    def _on_index_failed(self, error: BaseException) -> None:
        self._index_broken = True
        self._fail(error, self.tr("The replay's timeline cannot be built: %1"))

    def _on_refresh(self) -> None:
        if self._run is not None:
            self._run.refresh(self._on_refreshed, lambda _error: None)

    def _on_refreshed(self, end_ms: int) -> None:
        clock, session = self.clock, self.session
        if clock is None or session is None:
            return
        if end_ms > clock.end_ms:
            clock.extend(end_ms)
            self.windowChanged.emit(clock.start_ms, clock.end_ms)
        if session.index.indexed_ts < end_ms and not self._index_broken:
            self._build_index()  # take in what the live log appended

    def _on_store_incidents_reported(self, reported: list[str]) -> None:
        if self.active:
            self.live_incidents += len(reported)
            self.liveIncidentsChanged.emit(self.live_incidents)

    def _on_store_events_applied(self, records: list[EventRecord]) -> None:
        if any(r.type in _MARK_EVENTS for r in records):
            self.marksChanged.emit()

    def _fail(self, error: BaseException, template: str) -> None:
        if isinstance(error, CityroomError):
            self.failed.emit(str(error))  # it names the file and the fix already
        else:
            self.failed.emit(template.replace("%1", str(error) or type(error).__name__))
