"""The status bar: mode, the link to the backend (remote), clock, event rate, simulator and
field-feed state, the latest notice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from core.backend import BackendMode
from core.notices import Notice, NoticeLevel
from core.simulator import SimulatorInfo, SimulatorStatus
from ui.field_ingest import FeedState, FeedStatus
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
        self.feed_label = QLabel()
        self._feed_status: Callable[[], FeedStatus | None] = lambda: None
        self.backend_label: QLabel | None = None
        self._refresh_backend: Callable[[], None] = lambda: None
        self.notice_label = QLabel()
        self.addWidget(self.notice_label, 1)
        for label in (
            self.mode_label,
            self.feed_label,
            self.simulator_label,
            self.rate_label,
            self.clock_label,
        ):
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
        self._refresh_backend()
        if self.backend_label is not None:
            return  # the server runs the simulator and the field feed
        info = self._simulator_info()
        self.simulator_label.setText(self._simulator_text(info))
        self._show_feed(self._feed_status())

    def add_backend_link(self, label: QLabel, refresh: Callable[[], None]) -> None:
        """Show the link to the operations backend in ``label`` beside the mode, updated by
        ``refresh`` with the rest. The field feed and the simulator run on the server then:
        the simulator's state is not shown, the feed says where it runs."""
        self.backend_label = label
        self._refresh_backend = refresh
        self.insertPermanentWidget(2, label)  # after the notice and the mode
        self.simulator_label.hide()
        self.feed_label.setStyleSheet("")
        self.feed_label.setText(self.tr("MQTT: on the server"))
        self.feed_label.setToolTip(
            self.tr(
                "The operations backend takes in the field devices' readings and runs the "
                "situation rules ([field] in its server.toml)."
            )
        )
        self.refresh()

    def set_field_feed(self, status: Callable[[], FeedStatus | None]) -> None:
        """Show the field-device feed's state, read from ``status`` (None: no feed)."""
        self._feed_status = status
        self.refresh()

    def _show_feed(self, status: FeedStatus | None) -> None:
        self.feed_label.setText(self._feed_text(status))
        colour = ""
        if status is not None and status.state is FeedState.FAILED:
            colour = "color: #ff8b8b"
        elif status is not None and status.state is not FeedState.CONNECTED:
            colour = "color: #f5c26b"
        self.feed_label.setStyleSheet(colour)
        self.feed_label.setToolTip(self._feed_tooltip(status))

    def _feed_text(self, status: FeedStatus | None) -> str:
        if status is None or status.state is FeedState.OFF:
            return self.tr("MQTT: off")
        reason = _shorten(status.reason, 60)
        if status.state is FeedState.CONNECTED:
            return self.tr("MQTT: connected %1").replace("%1", status.address)
        if status.state is FeedState.RECONNECTING:
            if status.retry_in_s:
                return (
                    self.tr("MQTT: reconnecting in %1 s (%2)")
                    .replace("%1", str(status.retry_in_s))
                    .replace("%2", reason)
                )
            return self.tr("MQTT: reconnecting (%1)").replace("%1", reason)
        if status.state is FeedState.FAILED:
            return self.tr("MQTT: not running (see the tooltip)")
        if status.state is FeedState.STOPPED:
            return self.tr("MQTT: stopped")
        return self.tr("MQTT: connecting")

    def _feed_tooltip(self, status: FeedStatus | None) -> str:
        if status is None or status.state is FeedState.OFF:
            return self.tr("No field-device broker is set (File ▸ Settings…).")
        stats = status.stats
        lines = [
            self.tr("Broker: %1").replace("%1", status.address),
            self.tr("Accepted: %1").replace("%1", f"{stats.accepted:,}"),
            self.tr("Rejected: %1").replace("%1", f"{stats.rejected_total:,}"),
            self.tr("Unknown sensors: %1").replace("%1", f"{stats.unknown_sensor:,}"),
        ]
        if status.reason:
            lines.append(status.reason)
        if stats.last_error:
            lines.append(self.tr("Last rejection: %1").replace("%1", stats.last_error))
        return "\n".join(lines)

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


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
