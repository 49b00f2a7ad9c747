"""One tile of the video wall: the latest frame, the camera's label, clock, fps and state."""

from __future__ import annotations

import time
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
from core.video.registry import CameraStream

CAMERA_MIME_PREFIX = "cityroom-camera:"

# The badges carry white text: each colour gives it at least 4.5:1 (WCAG), and stands out from
# the tile at 3:1 or more.
STATE_COLOURS = {
    StreamState.LIVE: QColor("#1e7a45"),
    StreamState.CONNECTING: QColor("#3a64d8"),
    StreamState.RECONNECTING: QColor("#9a5f00"),
    StreamState.STALLED: QColor("#9a5f00"),
    StreamState.OFFLINE: QColor("#c0392b"),
    StreamState.STOPPED: QColor("#56606c"),
}


PLAYBACK_COLOUR = QColor("#7e57c2")  # a recorded picture must never pass for live


def when(ms: int, beside: int | None = None) -> str:
    """Local time of a UTC ms timestamp to the second; with the date when it is not the day
    of ``beside``."""
    moment = datetime.fromtimestamp(ms / 1000)
    if beside is not None and datetime.fromtimestamp(beside / 1000).date() != moment.date():
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%H:%M:%S")


class VideoTile(QWidget):
    """Paints the newest frame its worker decoded; never waits for one."""

    activated = Signal(int)  # tile index, on click
    cameraDropped = Signal(int, str)  # tile index, camera id dragged onto it
    toggledFull = Signal(int)  # tile index, on double-click
    maskDrawn = Signal(int, list)  # tile index, polygon in the picture's 0..1 coordinates

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.camera: Camera | None = None
        self.url: str | None = None
        self.worker: CaptureWorker | None = None
        self.stream: CameraStream | None = None  # where a city camera streams from
        self.transport = "tcp"  # how an RTSP stream is carried
        self.note = ""  # e.g. the distance to the incident the camera was opened for
        self.active = False
        self.painted = 0
        self.frames_shown = 0
        self.captured = 0.0
        self._image: QImage | None = None
        self._buffer: Any = None
        self._frame_ms = 0
        self._state_text = ""
        self._state = StreamState.STOPPED
        # Wall-clock ms of the recorded frame shown instead of live, or None when live.
        self.playback_ms: int | None = None
        # The wall shows the past (replay, offline review): recorded pictures only, marked.
        self.replay = False
        self.absence = ""  # why no recorded picture is shown at the instant asked for
        self.drawing_mask = False
        self._drag: QRect | None = None
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
        if self.playback_ms is not None or self.replay:
            return False  # scrubbed back: live frames are dropped until the tile goes live
        self._show(frame.image, frame.wall_ms)
        self.captured = frame.captured  # monotonic time it left the decoder (latency checks)
        self.frames_shown += 1
        return True

    def show_recorded(self, image: Any, wall_ms: int) -> None:
        """Show a frame from the recording (a BGRA array) taken at ``wall_ms``."""
        if self.playback_ms is None and not self.replay:
            return  # the operator went back to live while the frame was being read
        self.absence = ""
        self._show(image, wall_ms)
        self.update()

    def show_absence(self, at_ms: int, nearest_ms: int | None, problem: str = "") -> None:
        """Say that the camera has no recorded picture for ``at_ms`` (and the nearest
        recorded instant, or the file that could not be read); no older picture stays."""
        if problem:
            text = problem
        else:
            text = self.tr("No recording at %1").replace("%1", when(at_ms))
            if nearest_ms is not None:
                text += "\n" + self.tr("Nearest recording: %1").replace(
                    "%1", when(nearest_ms, at_ms)
                )
        self._forget_picture()
        self.absence = text
        self.update()

    def set_replay(self, on: bool) -> None:
        """Show recorded pictures only (on) or go back to live; the picture of the other
        mode is dropped at once, so a recorded frame never passes for live."""
        if on == self.replay:
            return
        self.replay = on
        self.absence = ""
        self.playback_ms = None
        self._forget_picture()
        self.update()

    def _forget_picture(self) -> None:
        self._image = None
        self._buffer = None
        self._frame_ms = 0

    def go_live(self) -> None:
        """Leave the recording: the next live frame is shown."""
        self.playback_ms = None
        self.update()

    def _show(self, image: Any, wall_ms: int) -> None:
        height, width = image.shape[:2]
        # The array stays alive with the QImage that points into it; the one it replaces
        # goes back to the worker to be filled again.
        replaced = self._buffer
        self._buffer = image
        self._image = QImage(
            image.data, width, height, image.strides[0], QImage.Format.Format_RGB32
        )
        self._frame_ms = wall_ms
        if replaced is not None and self.worker is not None:
            self.worker.slot.recycle(replaced)

    def last_image(self) -> Any:
        """A copy of the frame on screen now (a BGRA array), or None. A copy, because the
        picture on screen is reused for a later frame once it is replaced."""
        return (
            self._buffer.copy() if self._image is not None and self._buffer is not None else None
        )

    def picture_fills(self, size: tuple[int, int]) -> bool:
        """Whether the picture on screen is as large as a picture fitted into ``size``."""
        image = self._image
        return image is not None and (image.width() >= size[0] or image.height() >= size[1])

    @property
    def frame_ms(self) -> int:
        """Wall-clock time of the frame on screen (UTC ms), 0 if none."""
        return self._frame_ms

    def refresh_state(self) -> None:
        """Read the worker's health for the badge."""
        if self.worker is None:
            if self._state is not StreamState.OFFLINE:  # keep a problem shown by show_problem
                self._state, self._state_text = StreamState.STOPPED, ""
            return
        stats = self.worker.stats()
        self._state = stats.state
        reason = f" — {stats.error}" if stats.error and stats.state is not StreamState.LIVE else ""
        self._state_text = f"{stats.state.value} {stats.fps:4.1f} fps{reason}"

    def show_problem(self, text: str) -> None:
        """Say why the tile cannot show its camera (no worker runs)."""
        self._state, self._state_text = StreamState.OFFLINE, f"offline — {text}"
        self.update()

    def clear(self) -> None:
        """Forget the picture (the camera was closed)."""
        self.camera, self.url, self.worker, self.note = None, None, None, ""
        self.stream, self.transport = None, "tcp"
        self._buffer = None
        self.playback_ms = None
        self._image = None
        self._frame_ms = 0
        self.absence = ""
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
            if self.replay:
                badge, colour = self.tr("REPLAY"), PLAYBACK_COLOUR
                if self.absence:
                    self._centred_note(painter, self.absence)
            elif self.playback_ms is not None:
                behind = max(0, int(time.time() * 1000) - (self._frame_ms or self.playback_ms))
                minutes, seconds = divmod(behind // 1000, 60)
                badge = self.tr("recorded, %1 behind live").replace(
                    "%1", f"{minutes}:{seconds:02d}"
                )
                colour = PLAYBACK_COLOUR
            else:
                badge, colour = self._state_text, STATE_COLOURS.get(self._state, QColor("#56606c"))
            self._text_box(painter, 4, self.height() - 20, badge, colour)
        else:
            painter.setPen(QColor("#3d4b5c"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, str(self.index + 1))
        if self.active:
            painter.setPen(QColor("#5b8bd0"))
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self._drag is not None:
            painter.fillRect(self._drag.normalized(), QColor(20, 20, 20, 200))
            painter.setPen(QColor("#ffb300"))
            painter.drawRect(self._drag.normalized())
        elif self.drawing_mask:
            self._text_box(
                painter,
                4,
                24,
                self.tr("Drag over the area to mask"),
                QColor("#ffb300"),
            )
        painter.end()

    def _centred_note(self, painter: QPainter, text: str) -> None:
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        area = self.rect().adjusted(8, 24, -8, -24)
        box = painter.fontMetrics().boundingRect(area, flags, text).adjusted(-6, -3, 6, 3)
        painter.fillRect(box, QColor(40, 30, 60, 220))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(area, flags, text)

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
        """Make this the tile the next camera opens in (or start a mask rectangle)."""
        self.activated.emit(self.index)
        if self.drawing_mask and event.button() == Qt.MouseButton.LeftButton:
            self._drag = QRect(event.position().toPoint(), event.position().toPoint())
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Stretch the mask rectangle being drawn."""
        if self._drag is not None:
            self._drag.setBottomRight(event.position().toPoint())
            self.update()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Finish a mask rectangle: hand it over in the picture's own 0..1 coordinates."""
        if self._drag is None:
            super().mouseReleaseEvent(event)
            return
        drawn, self._drag = self._drag.normalized(), None
        self.drawing_mask = False
        self.unsetCursor()
        self.update()
        polygon = self.normalised(drawn)
        if polygon is not None:
            self.maskDrawn.emit(self.index, polygon)

    def start_mask(self) -> None:
        """Let the operator drag a rectangle over the picture to mask it."""
        self.drawing_mask = True
        self.setCursor(Qt.CursorShape.CrossCursor)

    def normalised(self, area: QRect) -> list[list[float]] | None:
        """``area`` (tile pixels) as a polygon in the picture's 0..1 coordinates, clipped to
        the picture; None when it is too small to mean anything."""
        if self._image is None:
            return None
        picture = self._fit(self._image.width(), self._image.height())
        clipped = area.intersected(picture)
        if clipped.width() < 4 or clipped.height() < 4:
            return None

        def x(value: int) -> float:
            return round((value - picture.x()) / picture.width(), 4)

        def y(value: int) -> float:
            return round((value - picture.y()) / picture.height(), 4)

        left, right = x(clipped.left()), x(clipped.right() + 1)
        top, bottom = y(clipped.top()), y(clipped.bottom() + 1)
        return [[left, top], [right, top], [right, bottom], [left, bottom]]

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Show this tile alone, or back in the grid."""
        self.toggledFull.emit(self.index)
        super().mouseDoubleClickEvent(event)
