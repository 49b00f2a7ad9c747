"""A message strip over a panel's content that hides itself: errors stay 15 s, information
a few seconds (the theme colours ``QLabel#banner`` by its ``level``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

ERROR_MS = 15_000


class TimedBanner(QLabel):
    """Hidden until ``say``; hides again after its time."""

    def __init__(self, info_ms: int = 6_000, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.hide()
        self._info_ms = info_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` as an error or as information."""
        self.setText(text)
        self.setProperty("level", "error" if error else "info")
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()
        self._timer.start(ERROR_MS if error else self._info_ms)

    def clear_now(self) -> None:
        """Hide at once (the panel went out of sight or changed subject)."""
        self._timer.stop()
        self.hide()
