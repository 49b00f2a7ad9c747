"""The operator's desk: where the main window and its docks sit across the monitors.

Restores the saved arrangement, saves it when it changes (not only on close), puts back on the
main screen every piece whose screen is gone (at start-up and while running), and resets the
docks to the first-run arrangement. The geometry decisions are plain functions over rectangles
(testable without screens); :class:`DeskLayout` applies them to the window.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from core.notices import NoticeBoard, NoticeLevel

if TYPE_CHECKING:
    from ui.settings import Settings

MAIN = "main"  # the main window's name in a desk record (docks go by their object names)
MIN_SHARE = 0.5  # of a piece's frame that must lie on the screens
GRIP_HEIGHT = 24  # the top of a frame, where its title bar is
MIN_GRIP_WIDTH = 64  # of the title bar left on a screen to grab the piece by
SAVE_DELAY_MS = 2000  # after the last move or resize
SETTLE_MS = 300  # without a move or resize after a reset, before watching again

# A saved state starts with this when it carries the desk record (older ones are Qt's alone).
_MARK = b"CITYROOM-DESK/1\n"
_WATCHED = {
    QEvent.Type.Move,
    QEvent.Type.Resize,
    QEvent.Type.Show,
    QEvent.Type.Hide,
    QEvent.Type.WindowStateChange,
}

# -- geometry over rectangles ------------------------------------------------------------------


def covered_share(frame: QRect, screens: Sequence[QRect]) -> float:
    """The share (0 to 1) of ``frame`` that lies on the ``screens``."""
    area = frame.width() * frame.height()
    if area <= 0:
        return 0.0
    parts = [frame.intersected(screen) for screen in screens]
    return _union_area([part for part in parts if part.isValid()]) / area


def _union_area(rects: Sequence[QRect]) -> int:
    # Screens may overlap (mirrored monitors): count each pixel once, cell by cell.
    xs = sorted({x for r in rects for x in (r.x(), r.x() + r.width())})
    ys = sorted({y for r in rects for y in (r.y(), r.y() + r.height())})
    total = 0
    for left, right in pairwise(xs):
        for top, bottom in pairwise(ys):
            if any(r.contains(QPoint(left, top)) for r in rects):
                total += (right - left) * (bottom - top)
    return total


def reachable(frame: QRect, screens: Sequence[QRect]) -> bool:
    """Whether the operator can see and grab ``frame``: most of it on the screens, and enough
    of its title bar to drag it by."""
    grip = QRect(frame.x(), frame.y(), frame.width(), min(GRIP_HEIGHT, frame.height()))
    return covered_share(frame, screens) >= MIN_SHARE and any(
        grip.intersected(screen).width() >= min(MIN_GRIP_WIDTH, frame.width())
        for screen in screens
    )


def fitted(frame: QRect, area: QRect) -> QRect:
    """``frame`` moved (and shrunk where it is larger) to lie wholly inside ``area``."""
    width, height = min(frame.width(), area.width()), min(frame.height(), area.height())
    x = min(max(frame.x(), area.x()), area.x() + area.width() - width)
    y = min(max(frame.y(), area.y()), area.y() + area.height() - height)
    return QRect(x, y, width, height)


def rescue_moves(
    frames: Mapping[str, QRect],
    screens: Sequence[QRect],
    primary: QRect,
    before: Sequence[QRect] = (),
) -> dict[str, QRect]:
    """Where each of ``frames`` not reachable on ``screens`` goes on the ``primary`` screen:
    at the same place relative to the screen it was on (the one of ``before``, the screens
    when it was placed, holding most of it), fitted to ``primary``."""
    moves = {}
    for name, frame in frames.items():
        if reachable(frame, screens):
            continue
        origin = max(before, key=lambda s: _overlap(frame, s), default=None)
        if origin is not None and _overlap(frame, origin) > 0:
            offset = frame.topLeft() - origin.topLeft()
            frame = QRect(primary.topLeft() + offset, frame.size())
        moves[name] = fitted(frame, primary)
    return moves


def _overlap(a: QRect, b: QRect) -> int:
    common = a.intersected(b)
    return common.width() * common.height() if common.isValid() else 0


# -- the saved record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRecord:
    """Where the top-level pieces were when the layout was saved, and the screens then
    (their areas free of task bars)."""

    frames: dict[str, QRect]
    screens: list[QRect]


def pack_state(qt_state: bytes, record: DeskRecord) -> bytes:
    """A state to save: ``record`` ahead of the main window's own state."""
    data = {
        "frames": {name: _rect_list(rect) for name, rect in record.frames.items()},
        "screens": [_rect_list(rect) for rect in record.screens],
    }
    text = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return _MARK + struct.pack(">I", len(text)) + text + qt_state


def unpack_state(blob: bytes) -> tuple[bytes, DeskRecord | None]:
    """The main window's own state in ``blob`` and the desk record (None: a state saved
    before records were kept, or a damaged one)."""
    if not blob.startswith(_MARK) or len(blob) < len(_MARK) + 4:
        return blob, None
    start = len(_MARK) + 4
    (length,) = struct.unpack(">I", blob[len(_MARK) : start])
    rest = blob[start + length :]
    try:
        data = json.loads(blob[start : start + length].decode("utf-8"))
        record = DeskRecord(
            {str(name): _rect(value) for name, value in dict(data["frames"]).items()},
            [_rect(value) for value in data["screens"]],
        )
    except (ValueError, KeyError, TypeError):
        return rest, None  # the layout itself is still good
    return rest, record


def mentions(qt_state: bytes, object_name: str) -> bool:
    """Whether the main window's ``qt_state`` places the dock or toolbar ``object_name``."""
    # Qt writes names as QDataStream strings: a byte count, then UTF-16 big-endian.
    encoded = object_name.encode("utf-16-be")
    return struct.pack(">I", len(encoded)) + encoded in qt_state


def _rect_list(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def _rect(value: object) -> QRect:
    if not isinstance(value, list) or len(value) != 4:
        raise ValueError(f"not a rectangle: {value!r}")
    x, y, width, height = (int(v) for v in value)
    return QRect(x, y, width, height)


# -- the window ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DockPlace:
    """A dock, where it goes by default, and its first-run share of the window (percent)."""

    dock: QDockWidget
    area: Qt.DockWidgetArea
    share: int = 0


class DeskLayout(QObject):
    """Keeps the main window's arrangement across runs and monitors (see the module)."""

    layoutReset = Signal()  # the docks are back in the first-run arrangement

    def __init__(
        self,
        window: QMainWindow,
        docks: Sequence[DockPlace],
        settings: Settings,
        notices: NoticeBoard,
        *,
        remember: bool,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.docks = list(docks)
        self.settings = settings
        self.notices = notices
        self.remember = remember
        # Taken before any restore: what Reset layout goes back to.
        self.first_run_state = window.saveState()
        self.save_timer = QTimer(self)
        self.save_timer.setObjectName("layoutSave")
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_DELAY_MS)
        self.save_timer.timeout.connect(self.save)
        # After a reset: watching waits until the reset's own moves have settled (a while
        # without any), then takes that arrangement as the reset one.
        self.settle_timer = QTimer(self)
        self.settle_timer.setObjectName("layoutSettle")
        self.settle_timer.setSingleShot(True)
        self.settle_timer.setInterval(SETTLE_MS)
        self.settle_timer.timeout.connect(self._watch_again)
        self._watching = False
        self._forgotten = False  # reset, and not arranged since: closing saves nothing
        self._reset_arrangement = b""
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenRemoved.connect(self._on_app_screen_removed)

    # -- restore and save -----------------------------------------------------------------

    def restore(self) -> bool:
        """Put the window and docks back where the operator left them, on screens that are
        still there; False if no layout was saved (or it is not to be remembered)."""
        if not self.remember:
            return False
        geometry, blob = self.settings.window_state()
        if not geometry or not blob:
            return False
        qt_state, record = unpack_state(blob)
        self.window.restoreGeometry(QByteArray(geometry))
        with self._toolbars_kept():
            self.window.restoreState(QByteArray(qt_state))
        self._place_unplaced(qt_state)
        if record is not None:
            pieces = self._pieces()
            frames = {name: rect for name, rect in record.frames.items() if name in pieces}
            self._rescue(frames, *_screens_but(None), record.screens)
        return True

    def save(self) -> None:
        """Remember the arrangement now (unless it is not to be remembered, or was reset and
        not arranged since)."""
        self.save_timer.stop()
        if not self.remember or self._forgotten:
            return
        window = self.window
        record = DeskRecord(
            {name: piece.frameGeometry() for name, piece in self._pieces().items()},
            [screen.availableGeometry() for screen in QGuiApplication.screens()],
        )
        state = pack_state(bytes(window.saveState().data()), record)
        self.settings.save_window_state(bytes(window.saveGeometry().data()), state)
        self.settings.sync()  # a power cut must not lose the arrangement

    def watch(self) -> None:
        """Save a while after each move or resize of the window or a dock, from now on."""
        if self._watching or not self.remember:
            return
        self._watching = True
        for widget in (self.window, *(place.dock for place in self.docks)):
            widget.installEventFilter(self)
        for place in self.docks:
            place.dock.dockLocationChanged.connect(self._changed)
            place.dock.topLevelChanged.connect(self._changed)

    @property
    def watching(self) -> bool:
        """Whether moves and resizes are being saved (from the first show on)."""
        return self._watching

    def close(self) -> None:
        """The window closes: save now, and stop watching."""
        self.settle_timer.stop()
        self.save()
        self._watching = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note moves and resizes of the window and its docks."""
        if event.type() in _WATCHED:
            self._changed()
        return False

    def _changed(self) -> None:
        if self.settle_timer.isActive():
            self.settle_timer.start()  # the reset is still settling: wait on
            return
        if not (self._watching and self.window.isVisible()):
            return
        if self._forgotten:
            # Late layout events (a dock shown, a panel's content resizing) come after a reset
            # too, under load seconds late; only a different arrangement is the operator's.
            if self._arrangement() == self._reset_arrangement:
                return
            self._forgotten = False
        self.save_timer.start()

    def _arrangement(self) -> bytes:
        """The window's geometry and its docks' arrangement, to compare two moments."""
        window = self.window
        return bytes(window.saveGeometry().data()) + bytes(window.saveState().data())

    # -- first run and reset ----------------------------------------------------------------

    def apply_shares(self) -> None:
        """Give each dock the share its panel asks for: of the width for side docks, of the
        height for docks above or below the centre."""
        area = Qt.DockWidgetArea
        vertical = (area.TopDockWidgetArea, area.BottomDockWidgetArea)
        window = self.window
        for orientation, size in (
            (Qt.Orientation.Horizontal, window.width()),
            (Qt.Orientation.Vertical, window.height()),
        ):
            chosen = [
                place
                for place in self.docks
                if place.share
                and not place.dock.isFloating()
                and (window.dockWidgetArea(place.dock) in vertical)
                == (orientation is Qt.Orientation.Vertical)
            ]
            if chosen:
                window.resizeDocks(
                    [place.dock for place in chosen],
                    [size * place.share // 100 for place in chosen],
                    orientation,
                )

    def reset(self) -> None:
        """Every dock back in the first-run arrangement, shown and docked; the saved layout
        forgotten."""
        window = self.window
        with self._toolbars_kept():
            window.restoreState(self.first_run_state)
        for place in self.docks:
            if place.dock.isFloating():
                place.dock.setFloating(False)
            if window.dockWidgetArea(place.dock) is Qt.DockWidgetArea.NoDockWidgetArea:
                window.addDockWidget(place.area, place.dock)
            place.dock.show()
        # Panels that arrange their docks themselves (the procedure's tab) do it now, so their
        # moves are laid out with the reset's and not taken for the operator arranging.
        self.layoutReset.emit()
        # Laid out now (not when the event loop gets to it), or it overrides the shares.
        layout = window.layout()
        if layout is not None:
            layout.activate()
        self.apply_shares()
        if layout is not None:
            layout.activate()
        if self.remember:
            self.settings.save_window_state(b"", b"")
            self.settings.sync()
        self.save_timer.stop()
        self._forgotten = True
        if self._watching:
            # The moves the reset itself causes are not the operator arranging.
            self._watching = False
            self.settle_timer.start()
        self.notices.post(NoticeLevel.INFO, self.tr("Layout"), self.tr("Layout reset"))

    @contextmanager
    def _toolbars_kept(self) -> Iterator[None]:
        """Keep the window's toolbars shown or hidden as they are: their owners (alerts,
        drills, replay) show them when due, a layout does not."""
        window = self.window
        bars = {
            bar: bar.isHidden()
            for bar in window.findChildren(QToolBar)
            if window.toolBarArea(bar) is not Qt.ToolBarArea.NoToolBarArea
        }
        yield
        for bar, hidden in bars.items():
            bar.setHidden(hidden)

    def _watch_again(self) -> None:
        if self.window.isVisible():
            self._reset_arrangement = self._arrangement()
            self._watching = True

    def _place_unplaced(self, qt_state: bytes) -> None:
        """Docks the saved state does not know (panels newer than it) go to their default
        area, shown: an old layout must not hide a new panel."""
        for place in self.docks:
            dock = place.dock
            if mentions(qt_state, dock.objectName()):
                continue
            if dock.isFloating():
                dock.setFloating(False)
            if self.window.dockWidgetArea(dock) is not place.area:
                self.window.addDockWidget(place.area, dock)
            dock.setHidden(False)

    # -- screens that vanish --------------------------------------------------------------

    def _pieces(self) -> dict[str, QWidget]:
        """The top-level pieces of the desk: the main window and the floating docks shown."""
        pieces: dict[str, QWidget] = {MAIN: self.window}
        for place in self.docks:
            if place.dock.isFloating() and not place.dock.isHidden():
                pieces[place.dock.objectName()] = place.dock
        return pieces

    def _on_app_screen_removed(self, screen: QScreen) -> None:
        before = [s.availableGeometry() for s in QGuiApplication.screens()]
        if screen not in QGuiApplication.screens():
            before.append(screen.availableGeometry())
        screens, primary = _screens_but(screen)
        if primary is None:
            return  # no screen left to put anything on
        # After Qt has handed the screen's windows to another screen.
        QTimer.singleShot(0, self, lambda: self._rescue_live(screens, primary, before))

    def _rescue_live(self, screens: list[QRect], primary: QRect, before: list[QRect]) -> None:
        frames = {name: piece.frameGeometry() for name, piece in self._pieces().items()}
        if self._rescue(frames, screens, primary, before):
            self._changed()

    def _rescue(
        self,
        frames: Mapping[str, QRect],
        screens: list[QRect],
        primary: QRect | None,
        before: Sequence[QRect],
    ) -> list[str]:
        """Move the pieces of ``frames`` that are off the ``screens`` onto ``primary`` and
        say so once; the names of the pieces moved."""
        if primary is None:
            return []
        moves = rescue_moves(frames, screens, primary, before)
        pieces = self._pieces()
        for name, frame in moves.items():
            _move_frame(pieces[name], frame)
        if moves:
            self.notices.post(NoticeLevel.WARNING, self.tr("Layout"), self._moved_text(moves))
        return list(moves)

    def _moved_text(self, names: Iterable[str]) -> str:
        titles = [
            self.tr("main window") if name == MAIN else self._dock_title(name) for name in names
        ]
        if len(titles) == 1:
            text = self.tr(
                "The screen the %1 was on is not connected; it is on the main screen now."
            )
        else:
            text = self.tr(
                "The screen the %1 were on is not connected; they are on the main screen now."
            )
        return text.replace("%1", ", ".join(titles))

    def _dock_title(self, object_name: str) -> str:
        for place in self.docks:
            if place.dock.objectName() == object_name:
                return place.dock.windowTitle()
        return object_name


def _screens_but(removed: QScreen | None) -> tuple[list[QRect], QRect | None]:
    """The available areas of the screens there are (but ``removed``) and of the primary."""
    remaining = [s for s in QGuiApplication.screens() if s is not removed]
    primary: QScreen | None = QGuiApplication.primaryScreen()
    if primary is None or primary is removed:
        primary = remaining[0] if remaining else None
    return (
        [s.availableGeometry() for s in remaining],
        primary.availableGeometry() if primary is not None else None,
    )


def _move_frame(piece: QWidget, frame: QRect) -> None:
    """Place ``piece`` so that its frame (title bar and border included) is at ``frame``, no
    larger than it; a maximised or full-screen window stays so, on the screen under it."""
    state = piece.windowState()
    spread = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
    if state & spread:
        piece.setWindowState(state & ~spread)
    outer, inner = piece.frameGeometry(), piece.geometry()
    # Before the window system has framed a piece its frame is unknown (taken as none), so
    # its own size is kept: a frame counted into it would grow it at every rescue.
    left, top = inner.x() - outer.x(), inner.y() - outer.y()
    right, bottom = outer.right() - inner.right(), outer.bottom() - inner.bottom()
    room = QSize(frame.width() - left - right, frame.height() - top - bottom)
    size = piece.size().boundedTo(room)
    piece.setGeometry(frame.x() + left, frame.y() + top, size.width(), size.height())
    if state & spread:
        handle = piece.windowHandle()
        screen = QGuiApplication.screenAt(frame.center())
        if handle is not None and screen is not None:
            handle.setScreen(screen)
        piece.setWindowState(state)
