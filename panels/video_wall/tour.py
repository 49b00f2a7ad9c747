"""Camera tours: a list of cameras shown a wall-full at a time, the next page every N seconds."""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, QTimer, Signal


class CameraTour(QObject):
    """Cycles ``camera_ids`` in pages of ``page_size``; emits each page when it is due."""

    pageDue = Signal(list)  # camera ids of the page to show now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setObjectName("tour")
        self._timer.timeout.connect(self.advance)
        self._cameras: list[str] = []
        self._page_size = 1
        self.page = 0

    @property
    def running(self) -> bool:
        """True while the tour cycles."""
        return self._timer.isActive()

    @property
    def pages(self) -> int:
        """How many pages the tour has."""
        return max(1, math.ceil(len(self._cameras) / self._page_size))

    def start(self, camera_ids: list[str], page_size: int, dwell_s: float) -> None:
        """Show the first page now and the next every ``dwell_s`` seconds."""
        self._cameras = list(camera_ids)
        self._page_size = max(1, page_size)
        self.page = -1
        self._timer.start(int(dwell_s * 1000))
        self.advance()

    def stop(self) -> None:
        """Stop cycling; what is on the wall stays."""
        self._timer.stop()

    def advance(self) -> None:
        """Go to the next page (after the last comes the first)."""
        if not self._cameras:
            self.stop()
            return
        self.page = (self.page + 1) % self.pages
        start = self.page * self._page_size
        self.pageDue.emit(self._cameras[start : start + self._page_size])
