"""One tile of the video wall: the latest frame, the camera's label, clock, fps and state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.city import Camera
from core.video.capture import CaptureWorker, Frame, StreamState

CAMERA_MIME_PREFIX = "cityroom-camera:"

STATE_COLOURS = {
    StreamState.LIVE: QColor("#2e9d5b"),
    StreamState.CONNECTING: QColor("#4e7cff"),
    StreamState.RECONNECTING: QColor("#d68a00"),
    StreamState.STALLED: QColor("#d68a00"),
    StreamState.OFFLINE: QColor("#c0392b"),
    StreamState.STOPPED: QColor("#5d6b7c"),
}


class VideoTile(QWidget):
    """Paints the newest frame its worker decoded; never waits for one."""

    activated = Signal(int)  # tile index, on click
    cameraDropped = Signal(int, str)  # tile index, camera id dragged onto it
    toggledFull = Signal(int)  # tile index, on double-click

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.camera: Camera | None = None
        self.url: str | None = None
        self.worker: CaptureWorker | None = None
        self.note = ""  # e.g. the distance to the incident the camera was opened for
        self.active = False
        self.painted = 0
        self.frames_shown = 0
        self.captured = 0.0
        self._image: QImage | None = None
        self._frame_ms = 0
        self._state_text = ""
        self._state = StreamState.STOPPED
        self.setMinimumSize(80, 45)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAcceptDrops(True)

    def take_frame(self) -> bool:
        """Pick up the worker's newest frame, if any; True when there was one to show."""
        if self.worker is None:
            return False
        frame: Frame | None = self.worker.slot.take()
        if frame is None:
            return False
        image = frame.image
        height, width = image.shape[:2]
        # The worker's array stays alive with the QImage that points into it.
        self._buffer = image
        self._image = QImage(
            image.data, width, height, image.strides[0], QImage.Format.Format_RGB32
        )
        self._frame_ms = frame.wall_ms
        self.captured = frame.captured  # monotonic time it left the decoder (latency checks)
        self.frames_shown += 1
        return True

    def last_image(self) -> Any:
        """The frame on screen now (a BGRA array), or None."""
        return getattr(self, "_buffer", None) if self._image is not None else None

    @property
    def frame_ms(self) -> int:
        """Wall-clock time of the frame on screen (UTC ms), 0 if none."""
        return self._frame_ms

    def refresh_state(self) -> None:
        """Read the worker's health for the badge."""
        if self.worker is None:
            self._state, self._state_text = StreamState.STOPPED, ""
            return
        stats = self.worker.stats()
        self._state = stats.state
        reason = f" — {stats.error}" if stats.error and stats.state is not StreamState.LIVE else ""
        self._state_text = f"{stats.state.value} {stats.fps:4.1f} fps{reason}"

    def clear(self) -> None:
        """Forget the picture (the camera was closed)."""
        self.camera, self.url, self.worker, self.note = None, None, None, ""
        self._image = None
        self._state, self._state_text = StreamState.STOPPED, ""
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        """The frame, letterboxed, and the overlays."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#05070a"))
        if self._image is not None:
            target = self._fit(self._image.width(), self._image.height())
            painter.drawImage(target, self._image)
            self.painted += 1
        painter.setFont(QFont(self.font().family(), 8))
        if self.camera is not None or self.url:
            label = (
                f"{self.camera.id} · {self.camera.name}"
                if self.camera is not None
                else str(self.url)
            )
            if self.note:
                label += f" · {self.note}"
            self._text_box(painter, 4, 4, label, QColor(0, 0, 0, 150))
            if self._frame_ms:
                clock = datetime.fromtimestamp(self._frame_ms / 1000).strftime("%H:%M:%S")
                width = painter.fontMetrics().horizontalAdvance(clock) + 8
                self._text_box(painter, self.width() - width - 4, 4, clock, QColor(0, 0, 0, 150))
            self._text_box(
                painter,
                4,
                self.height() - 20,
                self._state_text,
                STATE_COLOURS.get(self._state, QColor("#5d6b7c")),
            )
        else:
            painter.setPen(QColor("#3d4b5c"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, str(self.index + 1))
        if self.active:
            painter.setPen(QColor("#5b8bd0"))
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()

    def _fit(self, width: int, height: int) -> QRect:
        scale = min(self.width() / width, self.height() / height)
        w, h = int(width * scale), int(height * scale)
        return QRect((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    @staticmethod
    def _text_box(painter: QPainter, x: int, y: int, text: str, background: QColor) -> None:
        metrics = painter.fontMetrics()
        box = QRect(x, y, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)
        painter.fillRect(box, background)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(box.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, text)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept a camera dragged from the camera list."""
        if event.mimeData().text().startswith(CAMERA_MIME_PREFIX):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the dropped camera in this tile."""
        text = event.mimeData().text()
        if text.startswith(CAMERA_MIME_PREFIX):
            event.acceptProposedAction()
            self.cameraDropped.emit(self.index, text.removeprefix(CAMERA_MIME_PREFIX))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Make this the tile the next camera opens in."""
        self.activated.emit(self.index)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Show this tile alone, or back in the grid."""
        self.toggledFull.emit(self.index)
        super().mouseDoubleClickEvent(event)
