"""A camera in a window of its own, for a second monitor or full screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QKeySequence, QScreen
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


class PopOutWindow(QWidget):
    """One live tile in a top-level window: F11 toggles full screen, Esc leaves it,
    Ctrl+W closes. Decodes at the stream's full rate and size."""

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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """F11 full screen, Esc out of full screen, Ctrl+W close."""
        if event.key() == Qt.Key.Key_F11:
            self.toggle_full_screen()
        elif event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        elif event.matches(QKeySequence.StandardKey.Close):
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Tell the wall (decoding stops as the window hides)."""
        self.closed.emit(self)
        super().closeEvent(event)
