"""The replay controller: what the operator does in replay (enter, leave, play, step, speed,
seek, jump, bookmark, annotate), and ``install_replay_mode`` that gives it a menu, shortcuts
and the banner. The machinery under it is ``ui.replay_engine``.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from concurrent.futures import Future
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt

from core.backend import BackendMode, log_file
from core.commands import MarkTimeline
from core.events import EventRecord
from core.model import Incident, IncidentStatus
from core.notices import NoticeLevel
from core.replay import SPEEDS, MarkKind
from ui.context import AppContext
from ui.replay_engine import ReplayEngine
from ui.replay_run import ReplayRun
from ui.replay_time import clock_text

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.replay_actions import ReplayActions
    from ui.replay_banner import ReplayBanner

MINUTE_MS = 60_000
DOCK_HEIGHT = 290  # the timeline's dock on entering replay, in pixels
_ENDS = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED, IncidentStatus.MERGED})


def incident_window(incident: Incident) -> tuple[int, int | None]:
    """The window that replays ``incident``: its report − 10 min to its end + 10 min (end None:
    still open, the window follows the log)."""
    end = next((t.ts_ms for t in reversed(incident.transitions) if t.status in _ENDS), None)
    if incident.status.is_open or end is None:
        return incident.opened_ms - 10 * MINUTE_MS, None
    return incident.opened_ms - 10 * MINUTE_MS, end + 10 * MINUTE_MS


class ReplayController(ReplayEngine):
    """Replay mode of one workstation (``context.replay``)."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(context, parent)
        self.actions: ReplayActions | None = None  # the menu and shortcuts, once installed
        self.banner: ReplayBanner | None = None  # the bar across the window while replaying

    def selected_incident(self) -> Incident | None:
        """The selected incident as the live city knows it, if any."""
        incident_id = self.context.selection.incident_id or ""
        live = self.context.store.state.incidents.get(incident_id)
        return live or self.view.state.incidents.get(incident_id)

    def toggle(self) -> None:
        """F8: into replay (the last 24 hours) or back to live (not in a review: a bundle
        has no live city)."""
        if self.active and self.context.review_dir is not None:
            return
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter_last(self, span_ms: int) -> bool:
        """Replay the last ``span_ms`` of the log."""
        return self.enter(span_ms=span_ms)

    def enter_incident(self) -> bool:
        """Replay the selected incident: its report − 10 min to its end + 10 min (or now)."""
        incident = self.selected_incident()
        if incident is None:
            self.failed.emit(self.tr("Select an incident first: replay then shows its story."))
            return False
        start, end = incident_window(incident)
        return self.enter(start, end, incident.opened_ms - MINUTE_MS)

    def enter(
        self,
        start_ms: int | None = None,
        end_ms: int | None = None,
        at_ms: int | None = None,
        *,
        span_ms: int | None = None,
    ) -> bool:
        """Open a replay of the log over ``start_ms``..``end_ms`` (default: its last 24 hours,
        or its last ``span_ms``; end None: the window follows the live log) at ``at_ms``
        (default: the selected incident's report − 1 min, else 5 min before the end). Returns
        False (and says why) when this workstation cannot replay its log."""
        # A remote workstation replays its replica: the link keeps appending the server's
        # events to it, as other writers do to a standalone log, and the run follows its tail.
        path = log_file(self.context.backend)
        if path is None:
            self.failed.emit(
                self.tr(
                    "This workstation keeps no copy of the event log to replay. Open the log "
                    "file itself (python main.py --db FILE) to replay it."
                )
            )
            return False
        again = self.active  # another window: the view shows the old one until the new opens
        if again:
            if self.playing:
                self.playingChanged.emit(False)
            self._stop_run()
        run = self._run = ReplayRun(path, self.context.invoker)
        self.active = True
        self.index_fraction = 0.0
        self._index_broken = False
        if not again:
            self.live_incidents = 0
            self.activeChanged.emit(True)
            self.liveIncidentsChanged.emit(0)
        selected = self.selected_incident()
        run.open(
            (start_ms, end_ms, span_ms),
            at_ms,
            selected.opened_ms if selected is not None else None,
            self._on_opened,
            self._on_open_failed,
        )
        return True

    def _on_open_failed(self, error: BaseException) -> None:
        self.leave()
        remote = self.context.backend.mode is BackendMode.REMOTE
        if remote and self.context.store.state.last_seq == 0:
            # The replica is still empty: the link has not copied the server's log yet.
            self.failed.emit(
                self.tr(
                    "This workstation's copy of the server's event log holds no events yet. "
                    "Replay once the link has copied them (the status bar shows the link)."
                )
            )
            return
        self._fail(error, self.tr("The event log cannot be replayed: %1"))

    def play(self) -> None:
        """Play from the instant shown (from the start again when at the end)."""
        clock = self.clock
        if clock is None or clock.playing:
            return
        before = clock.position_ms
        clock.play()
        self._last_tick = time.monotonic()
        if clock.position_ms < before:
            self._seek_to(clock.position_ms)
        self.playingChanged.emit(True)

    def toggle_play(self) -> None:
        """Play or pause."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def step(self, direction: int) -> None:
        """Ten seconds back (``direction`` < 0) or forward; pauses playback."""
        clock = self.clock
        if clock is None:
            return
        was_playing, before = clock.playing, clock.position_ms
        position = clock.step(direction)
        if was_playing:
            self.playingChanged.emit(False)
        seeking = self._run is not None and self._run.seek_busy
        if direction < 0 or seeking or position < self._folded_ms:
            self._seek_to(position)  # the past is rebuilt; a step ahead is folded forward
        elif position != before:
            self.positionChanged.emit(position)

    def set_speed(self, speed: int) -> None:
        """Play at ``speed``× (one of ``SPEEDS``)."""
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {SPEEDS}, not {speed}")
        self.speed = speed
        if self.clock is not None:
            self.clock.speed = speed
        self.speedChanged.emit(speed)

    def faster(self) -> None:
        """The next speed up (to 64×)."""
        self.set_speed(SPEEDS[min(SPEEDS.index(self.speed) + 1, len(SPEEDS) - 1)])

    def slower(self) -> None:
        """The next speed down (to 1×)."""
        self.set_speed(SPEEDS[max(SPEEDS.index(self.speed) - 1, 0)])

    def seek(self, ms: int) -> None:
        """Show the city at ``ms`` (kept inside the window). While dragging, the newest
        request wins and stale ones are never queued."""
        if self.clock is not None:
            self._seek_to(self.clock.seek(ms))

    def jump(self, kinds: Collection[MarkKind] | None = None, forward: bool = True) -> int | None:
        """Seek to the next (or previous) event of ``kinds`` (default: the chosen jump kinds,
        where None means any kind); returns the instant, or None (and says so) when the
        window has none."""
        clock, index = self.clock, self.index
        if clock is None or index is None:
            return None
        chosen = self.jump_kinds if kinds is None else frozenset(kinds)
        here = clock.position_ms
        target: int | None
        if chosen == frozenset({MarkKind.BOOKMARK}):
            # Bookmarks are found where they point, not where they were recorded.
            marked = sorted(b.at_ms for b in self.context.store.state.bookmarks)
            found = [t for t in marked if t > here] if forward else [t for t in marked if t < here]
            target = (found[0] if forward else found[-1]) if found else None
        else:
            mark = index.next_mark(here, chosen, forward)
            target = mark.ts_ms if mark is not None else None
        if target is None or not clock.start_ms <= target <= clock.end_ms:
            text = (
                self.tr("No later event of that kind in the replay window.")
                if forward
                else self.tr("No earlier event of that kind in the replay window.")
            )
            if self.index_fraction < 1.0:
                text += " " + self.tr("(The log is still being indexed.)")
            self.message.emit(text, False)
            return None
        self.pause()
        self.seek(target)
        return target

    def set_jump_kinds(self, kinds: Collection[MarkKind] | None) -> None:
        """The kinds ⏮/⏭ jump between (None: any event)."""
        chosen = None if kinds is None else frozenset(kinds)
        if chosen != self.jump_kinds:
            self.jump_kinds = chosen
            self.jumpKindsChanged.emit()

    def bookmark(self, label: str, at_ms: int | None = None) -> Future[list[EventRecord]] | None:
        """Bookmark the instant shown (or ``at_ms``) with ``label``, about the selected
        incident when it exists then; the future says whether the log took it."""
        return self._mark(label, False, at_ms)

    def annotate(self, text: str, at_ms: int | None = None) -> Future[list[EventRecord]] | None:
        """Annotate the instant shown (or ``at_ms``) with ``text``, about the selected
        incident when it exists then."""
        return self._mark(text, True, at_ms)

    def marked_incident(self) -> str | None:
        """The incident a mark made now is about: the selected one if it exists at the
        instant shown."""
        incident_id = self.context.selection.incident_id
        return incident_id if incident_id in self.view.state.incidents else None

    def _mark(
        self, text: str, annotation: bool, at_ms: int | None
    ) -> Future[list[EventRecord]] | None:
        if self.clock is None:
            self.message.emit(
                self.tr("Bookmarks mark instants of a replay: enter replay first."), True
            )
            return None
        at = self.clock.position_ms if at_ms is None else at_ms
        command = MarkTimeline(at, text, annotation, self.marked_incident())
        future = self.context.backend.submit(command, self.context.actor)
        said = (
            self.tr("Annotation saved at %1.") if annotation else self.tr("Bookmark saved at %1.")
        )
        self.context.invoker.when_done(
            future,
            lambda _records: self.message.emit(said.replace("%1", clock_text(at)), False),
            lambda error: self.message.emit(str(error), True),
        )
        return future


def replay_controller(context: AppContext) -> ReplayController:
    """The workstation's replay controller (``context.replay``), made on first use."""
    if context.replay is None:
        context.replay = ReplayController(context)
    return context.replay


def install_replay_mode(window: MainWindow, context: AppContext) -> ReplayController:
    """The replay controller, its Replay menu and shortcuts, and the banner across the
    window while replaying; sets ``context.replay``."""
    from ui.replay_actions import ReplayActions
    from ui.replay_banner import install_replay_banner

    controller = replay_controller(context)
    controller.setParent(window)
    controller.actions = ReplayActions(window, controller)
    controller.banner = install_replay_banner(window, controller)
    window.closing.connect(controller.leave)
    # Also to the status bar: the dock may be closed when F8 fails.
    source = QCoreApplication.translate("ReplayBanner", "Replay")
    controller.failed.connect(lambda text: context.notices.post(NoticeLevel.WARNING, source, text))
    dock = window.docks.get("replay")
    if dock is not None:
        if not window._restored:  # else the operator's own layout stands
            # Under the other bottom docks, across the whole width: a timeline wants width.
            window.addDockWidget(
                Qt.DockWidgetArea.BottomDockWidgetArea, dock, Qt.Orientation.Vertical
            )

        def show_timeline(active: bool) -> None:
            if active:
                dock.show()
                dock.raise_()
                if dock.height() < DOCK_HEIGHT:
                    window.resizeDocks([dock], [DOCK_HEIGHT], Qt.Orientation.Vertical)

        controller.activeChanged.connect(show_timeline)
    return controller
