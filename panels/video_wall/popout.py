"""A camera in a window of its own, for a second monitor or full screen."""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.city import Camera
from core.video.capture import CaptureWorker
from panels.video_wall.tile import VideoTile
from ui.visibility import timer_while_visible


def other_screen(current: QScreen | None) -> QScreen | None:
    """The first screen that is not ``current`` (the operator's second monitor), if any."""
    for screen in QGuiApplication.screens():
        if screen is not current:
            return screen
    return current


class PopOutKey(enum.Enum):
    """What a key of a camera's own window does."""

    FULL_SCREEN = "full screen"
    LEAVE_FULL_SCREEN = "leave full screen"
    CLOSE = "close"


def popout_key_sequences(key: PopOutKey) -> list[QKeySequence]:
    """The keys that do ``key`` in a camera's own window."""
    if key is PopOutKey.FULL_SCREEN:
        return [QKeySequence("F11")]
    if key is PopOutKey.LEAVE_FULL_SCREEN:
        return [QKeySequence("Esc")]
    return QKeySequence.keyBindings(QKeySequence.StandardKey.Close)  # Ctrl+W, Ctrl+F4 …


class PopOutKeyNames(QObject):
    """The names of a camera window's keys: its actions', and the wall's list of them for
    the shortcuts overlay (F1) of the main window."""

    def name(self, key: PopOutKey) -> str:
        """What ``key`` does, in the operator's language."""
        if key is PopOutKey.FULL_SCREEN:
            return self.tr("Full screen, or back to a window")
        if key is PopOutKey.LEAVE_FULL_SCREEN:
            return self.tr("Leave full screen")
        return self.tr("Close the camera window")


class PopOutWindow(QWidget):
    """One live tile in a top-level window: F11 toggles full screen, Esc leaves it,
    Ctrl+W closes (as actions, in ``key_actions``). Decodes at the stream's full rate and
    size."""

    closed = Signal(object)  # self, once the window is closed and its worker told to stop

    def __init__(
        self,
        url: str,
        camera: Camera | None,
        title: str,
        make_worker: Callable[[str, tuple[int, int] | None], CaptureWorker],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(title)
        self.tile = VideoTile(0)
        self.tile.camera, self.tile.url = camera, url
        self.tile.toggledFull.connect(lambda _index: self.toggle_full_screen())
        self._make_worker = make_worker
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tile)
        self.resize(960, 540)
        names = PopOutKeyNames(self)
        slots: dict[PopOutKey, Callable[[], object]] = {
            PopOutKey.FULL_SCREEN: self.toggle_full_screen,
            PopOutKey.LEAVE_FULL_SCREEN: self.leave_full_screen,
            PopOutKey.CLOSE: self.close,
        }
        self.key_actions: dict[PopOutKey, QAction] = {}
        for key, slot in slots.items():
            action = QAction(names.name(key), self)
            action.setShortcuts(popout_key_sequences(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, run=slot: run())
            self.addAction(action)
            self.key_actions[key] = action
        self._paint_timer = timer_while_visible(self, 15, self._paint)
        self._state_timer = timer_while_visible(self, 500, self.tile.refresh_state)

    def show_on(self, screen: QScreen | None, full_screen: bool = False) -> None:
        """Show the window on ``screen`` (centred), optionally full screen there."""
        if screen is not None:
            area = screen.availableGeometry()
            self.move(area.center() - self.rect().center())
        if full_screen:
            self.showFullScreen()
        else:
            self.show()

    def toggle_full_screen(self) -> None:
        """Full screen on the window's monitor, or back to a window."""
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def leave_full_screen(self) -> None:
        """Back to a window when full screen (nothing otherwise)."""
        if self.isFullScreen():
            self.showNormal()

    def _paint(self) -> None:
        if self.tile.take_frame():
            self.tile.update()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Start (or restart) decoding when shown."""
        super().showEvent(event)
        worker = self.tile.worker
        if worker is None or worker.stopping:
            worker = self._make_worker(str(self.tile.url), None)
            self.tile.worker = worker
        worker.start()

    def hideEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """A hidden (minimised or closed) window decodes nothing; nobody waits for the worker."""
        if self.tile.worker is not None:
            self.tile.worker.request_stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Tell the wall (decoding stops as the window hides)."""
        self.closed.emit(self)
        super().closeEvent(event)
