"""The queue's message strip: timed messages as everywhere, and conflicts that stay until the
operator dismisses them or acts again (a conflict is missed easily when it fades)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QToolButton, QWidget

from ui.banner import TimedBanner


class QueueBanner(TimedBanner):
    """A :class:`TimedBanner` that can also ``hold`` a message; its ``dismiss_button`` (placed
    beside it by the panel) shows only while a message is held."""

    dismissed = Signal()

    def __init__(self, info_ms: int = 6_000, parent: QWidget | None = None) -> None:
        super().__init__(info_ms, parent)
        self.held = False
        self.dismiss_button = QToolButton()
        self.dismiss_button.setText(self.tr("Dismiss"))
        self.dismiss_button.setToolTip(self.tr("Hide this message: you have read it"))
        self.dismiss_button.hide()
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` for a while (it replaces a held message)."""
        self._release()
        super().say(text, error)

    def hold(self, text: str) -> None:
        """Show ``text`` as an error until dismissed or replaced."""
        super().say(text, error=True)
        self._timer.stop()
        self.held = True
        self.dismiss_button.show()

    def clear_now(self) -> None:
        """Hide at once, held or not."""
        self._release()
        super().clear_now()

    def _release(self) -> None:
        self.held = False
        self.dismiss_button.hide()

    def _on_dismiss_button_clicked(self) -> None:
        self.clear_now()
        self.dismissed.emit()
