"""The "REPLAY hh:mm:ss" mark over the map while it shows the past."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from ui.view_store import ViewStore

_STYLE = (
    "QLabel#replayMark { background: rgba(16, 21, 27, 0.85); color: #e8c547;"
    " border: 1px solid #e8c547; border-radius: 3px; padding: 2px 8px; font-weight: bold; }"
)


class ReplayMark(QLabel):
    """A small label in the top right corner of ``host`` (the map view), shown in replay with
    the instant the map shows; hidden live.

    It sits over the map where the eye already is (Leaflet's zoom buttons are top left), and a
    PNG export of a replay carries it, so a picture of the past cannot pass for the present.
    """

    def __init__(self, host: QWidget, view: ViewStore) -> None:
        super().__init__(host)
        self._host = host
        self._view = view
        self.setObjectName("replayMark")
        self.setStyleSheet(_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        host.installEventFilter(self)
        view.originChanged.connect(self._on_view_origin_changed)
        view.positionChanged.connect(self._on_view_position_changed)
        if view.is_replay:
            self._on_view_origin_changed(view.origin.value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Stay in the corner when the map is resized."""
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _on_view_origin_changed(self, _origin: str) -> None:
        replay = self._view.is_replay
        if replay:
            self._on_view_position_changed(self._view.now_ms())
        self.setVisible(replay)
        if replay:
            self.raise_()

    def _on_view_position_changed(self, position_ms: int) -> None:
        if not self._view.is_replay:
            return
        when = QDateTime.fromMSecsSinceEpoch(position_ms).toString("HH:mm:ss")
        text = self.tr("REPLAY %1").replace("%1", when)
        if text != self.text():
            self.setText(text)
            self._place()

    def _place(self) -> None:
        self.adjustSize()
        self.move(max(0, self._host.width() - self.width() - 10), 10)
        # The web view makes its drawing surface lazily, above earlier children.
        self.raise_()
