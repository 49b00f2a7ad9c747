"""The status bar: mode, clock, event rate, simulator state and the latest notice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from core.backend import BackendMode
from core.notices import Notice, NoticeLevel
from core.simulator import SimulatorInfo, SimulatorStatus
from ui.store import EventStore
from ui.visibility import timer_while_visible


class CityStatusBar(QStatusBar):
    """Always-visible facts about the workstation, refreshed twice a second."""

    def __init__(
        self,
        mode: BackendMode,
        location: str,
        store: EventStore,
        simulator_info: Callable[[], SimulatorInfo | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._simulator_info = simulator_info
        self.mode_label = QLabel(self._mode_text(mode))
        self.mode_label.setToolTip(self.tr("Event log: %1").replace("%1", location))
        self.clock_label = QLabel()
        self.rate_label = QLabel()
        self.simulator_label = QLabel()
        self.notice_label = QLabel()
        self.addWidget(self.notice_label, 1)
        for label in (self.mode_label, self.simulator_label, self.rate_label, self.clock_label):
            self.addPermanentWidget(label)
        self._timer = timer_while_visible(self, 500, self.refresh)
        self._clear_notice = QTimer(self)
        self._clear_notice.setSingleShot(True)
        self._clear_notice.setInterval(8000)
        self._clear_notice.timeout.connect(self.notice_label.clear)
        self.refresh()

    def _mode_text(self, mode: BackendMode) -> str:
        names = {
            BackendMode.STANDALONE: self.tr("Standalone"),
            BackendMode.REMOTE: self.tr("Remote"),
            BackendMode.REPLAY: self.tr("Replay"),
        }
        return self.tr("Mode: %1").replace("%1", names[mode])

    def refresh(self) -> None:
        """Update clock, rate and simulator state."""
        now = datetime.now().astimezone()
        self.clock_label.setText(now.strftime("%Y-%m-%d %H:%M:%S %Z"))
        rate = self._store.events_per_second()
        self.rate_label.setText(self.tr("%1 events/s").replace("%1", f"{rate:,.0f}"))
        info = self._simulator_info()
        self.simulator_label.setText(self._simulator_text(info))

    def _simulator_text(self, info: SimulatorInfo | None) -> str:
        if info is None:
            return self.tr("Simulator: off")
        states = {
            SimulatorStatus.RUNNING: self.tr("running"),
            SimulatorStatus.PAUSED: self.tr("paused"),
            SimulatorStatus.STOPPED: self.tr("stopped"),
            SimulatorStatus.FINISHED: self.tr("finished"),
        }
        return (
            self.tr("Simulator: %1 ×%2")
            .replace("%1", states[info.status])
            .replace("%2", f"{info.speed:g}")
        )

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop the notice timer with the window."""
        self._clear_notice.stop()
        super().hideEvent(event)

    def show_notice(self, notice: Notice) -> None:
        """Show the newest notice; errors stay until the next notice."""
        colour = {"error": "#ff8b8b", "warning": "#f5c26b"}.get(notice.level.value, "#9fb3c8")
        self.notice_label.setStyleSheet(f"color: {colour}")
        self.notice_label.setText(f"{notice.source}: {notice.text}")
        if notice.level is NoticeLevel.INFO:
            self._clear_notice.start()
        else:
            self._clear_notice.stop()
