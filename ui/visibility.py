"""Timers that run only while their widget is on screen (no work for hidden panels)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _VisibleTimerFilter(QObject):
    def __init__(self, widget: QWidget, timer: QTimer) -> None:
        super().__init__(widget)
        self._timer = timer

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self._timer.start()
        elif event.type() == QEvent.Type.Hide:
            self._timer.stop()
        return False


def timer_while_visible(widget: QWidget, interval_ms: int, slot: object) -> QTimer:
    """A repeating timer owned by ``widget`` that runs ``slot`` only while it is shown."""
    timer = QTimer(widget)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    widget.installEventFilter(_VisibleTimerFilter(widget, timer))
    if widget.isVisible():
        timer.start()
    return timer
