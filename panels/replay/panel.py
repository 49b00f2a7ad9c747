"""The replay dock: an offer to replay while live; the timeline, its legend, the transport
row and the bookmarks while replaying."""

from __future__ import annotations

from functools import partial

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.replay import MarkKind
from panels.replay.kinds import KIND_COLOURS, kind_name
from panels.replay.marks_list import MarksList
from panels.replay.timeline import TimelineView
from panels.replay.transport import TransportBar
from ui.banner import TimedBanner
from ui.context import AppContext
from ui.replay import ReplayController, replay_controller
from ui.replay_actions import DAY_MS, HOUR_MS, TOGGLE, shortcut_text

LIVE_HEIGHT = 96  # pixels, for the offer to replay and a message under it
QWIDGETSIZE_MAX = 16_777_215  # Qt's "no limit"


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(10, 10)
    pixmap.fill(colour)
    return QIcon(pixmap)


class LivePlaceholder(QWidget):
    """What the dock shows live: what replay is, and how to start one."""

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        text = QLabel(self.tr("Replay shows the city as it was at any instant."))
        text.setWordWrap(True)
        layout.addWidget(text, 1)
        self.hour_button = QPushButton(self.tr("Last hour"))
        self.hour_button.setToolTip(self.tr("Replay the last hour of the log"))
        self.hour_button.clicked.connect(partial(controller.enter_last, HOUR_MS))
        layout.addWidget(self.hour_button)
        self.day_button = QPushButton(
            self.tr("Last 24 hours (%1)").replace("%1", shortcut_text(TOGGLE))
        )
        self.day_button.setToolTip(
            self.tr(
                "Replay the last 24 hours, from the selected incident's report if one is selected"
            )
        )
        self.day_button.clicked.connect(partial(controller.enter_last, DAY_MS))
        layout.addWidget(self.day_button)
        self.incident_button = QPushButton(self.tr("Selected incident"))
        self.incident_button.setToolTip(
            self.tr(
                "Replay the selected incident: from 10 minutes before its report to 10 minutes "
                "after its end"
            )
        )
        self.incident_button.clicked.connect(controller.enter_incident)
        layout.addWidget(self.incident_button)
        selection = controller.context.selection
        selection.incidentSelected.connect(self._on_selection_incident_selected)
        self._on_selection_incident_selected(selection.incident_id, None)

    def _on_selection_incident_selected(self, incident_id: str | None, _origin: object) -> None:
        self.incident_button.setEnabled(incident_id is not None)


class ReplayPanel(QWidget):
    """The replay dock (see the module's docstring)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.controller = controller = replay_controller(context)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        # Both in the layout, one shown: a hidden page takes no room, so the dock stays
        # compact while live.
        self.placeholder = LivePlaceholder(controller)
        layout.addWidget(self.placeholder)
        self.page = QWidget()
        page = QVBoxLayout(self.page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(3)
        self.transport = TransportBar(controller)
        page.addWidget(self.transport)
        self.timeline = TimelineView(controller)
        self.transport.wholeRequested.connect(self.timeline.reset_zoom)
        self.legend = self._build_legend()
        page.addLayout(self.legend)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.timeline, 1)
        self.marks = MarksList(controller)
        self.marks.setMaximumWidth(260)
        self.marks.setMinimumWidth(180)
        row.addWidget(self.marks)
        page.addLayout(row, 1)
        layout.addWidget(self.page, 1)
        self.banner = TimedBanner()
        layout.addWidget(self.banner)
        controller.activeChanged.connect(self._on_controller_active_changed)
        controller.failed.connect(lambda text: self.banner.say(text, error=True))
        controller.message.connect(self.banner.say)
        self.transport.messageRequested.connect(self.banner.say)
        self._on_controller_active_changed(controller.active)

    def _build_legend(self) -> QHBoxLayout:
        """One toggle per kind of mark: its colour, its name; off hides those ticks."""
        legend = QHBoxLayout()
        legend.setSpacing(2)
        self.kind_buttons: dict[MarkKind, QToolButton] = {}
        for kind in MarkKind:
            button = QToolButton()
            button.setText(kind_name(kind))
            button.setIcon(_swatch(KIND_COLOURS[kind]))
            button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setChecked(True)
            button.setAutoRaise(True)
            button.setToolTip(self.tr("Show or hide these events on the timeline"))
            button.toggled.connect(self._on_kind_toggled)
            legend.addWidget(button)
            self.kind_buttons[kind] = button
        legend.addStretch(1)
        return legend

    def _on_kind_toggled(self, _checked: bool) -> None:
        shown = {kind for kind, button in self.kind_buttons.items() if button.isChecked()}
        self.timeline.set_kinds(shown)

    def _on_controller_active_changed(self, active: bool) -> None:
        self.placeholder.setVisible(not active)
        self.page.setVisible(active)
        # Live, the offer to replay needs a line (and room for a message); in replay the
        # timeline takes what the dock is given.
        self.setMaximumHeight(QWIDGETSIZE_MAX if active else LIVE_HEIGHT)
