"""The incident's packets to agencies, one line each: the agency, the format, where the delivery
stands (with its colour and time), and the tries and last error while it retries or after it
failed. Hidden while the incident has none; follows the log as it records the deliveries.

It reads ``context.view``: in replay, the packets as they stood at the instant shown."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.dispatch.tracking import PacketState, PacketStatus
from panels.incident_detail.formatting import DIM_TEXT, clock_time, local_time
from ui.context import AppContext
from ui.theme import EXERCISE_COLOUR

# The outbox's colours (panels do not import each other, so the table is repeated here).
STATE_COLOURS = {
    "queued": "#9fb3c8",
    "retrying": "#ffd66b",
    "sent": "#7fb2ff",
    "delivered": "#a3d977",
    "acknowledged": "#4fd18b",
    "failed": "#ff8b8b",
}
TEST_COLOUR = "#c3a6ff"
MAX_LINES = 6


def _after(ms: int) -> str:
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"+{hours}:{minutes:02d}:{seconds:02d}" if hours else f"+{minutes:02d}:{seconds:02d}"


class PacketsSection(QWidget):
    """One line per packet of the shown incident, oldest first."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.incident_id: str | None = None
        self.lines: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        self.title = QLabel(self.tr("Packets to agencies"))
        self.title.setStyleSheet(f"font-weight: bold; color: {DIM_TEXT};")
        layout.addWidget(self.title)
        self.earlier = QLabel()
        self.earlier.setStyleSheet(f"color: {DIM_TEXT};")
        self.earlier.hide()
        layout.addWidget(self.earlier)
        self._lines = QVBoxLayout()
        self._lines.setSpacing(2)
        layout.addLayout(self._lines)
        self._states = {
            "queued": self.tr("queued"),
            "retrying": self.tr("retrying"),
            "sent": self.tr("sent"),
            "delivered": self.tr("delivered"),
            "acknowledged": self.tr("acknowledged"),
            "failed": self.tr("failed"),
        }
        self._failures = {
            "expired": self.tr("expired before it could be sent"),
            "rejected": self.tr("refused by the agency"),
            "body_lost": self.tr("its stored body was lost"),
            "cancelled": self.tr("cancelled"),
        }
        self.hide()
        context.view.incidentsChanged.connect(self._on_view_incidents_changed)

    def show_incident(self, incident_id: str | None) -> None:
        """Show ``incident_id``'s packets (None or none at all: the section hides)."""
        self.incident_id = incident_id
        self.refresh()

    def _on_view_incidents_changed(self, ids: set[str]) -> None:
        if self.incident_id in ids:
            self.refresh()

    def refresh(self) -> None:
        """Rewrite the lines from the folded packet statuses."""
        state = self._context.view.state
        every = state.packets_of(self.incident_id) if self.incident_id else []
        # The newest few: the timeline keeps its room; the outbox lists them all.
        packets = every[-MAX_LINES:]
        earlier = len(every) - len(packets)
        self.earlier.setText(
            self.tr("%1 earlier packets are in the outbox.").replace("%1", str(earlier))
        )
        self.earlier.setVisible(earlier > 0)
        while len(self.lines) > len(packets):
            label = self.lines.pop()
            self._lines.removeWidget(label)
            label.deleteLater()
        while len(self.lines) < len(packets):
            label = QLabel()
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._lines.addWidget(label)
            self.lines.append(label)
        for label, packet in zip(self.lines, packets, strict=True):
            label.setText(self._line(packet))
            label.setToolTip(self._tooltip(packet))
        title = self.tr("Packets to agencies")
        self.title.setText(f"{title} ({len(every)})" if len(every) > 1 else title)
        self.setVisible(bool(every))

    def _agency(self, agency_id: str) -> str:
        dispatch = self._context.dispatch
        if dispatch is None:
            return agency_id
        return dispatch.agency_name(agency_id, self._context.language == "ko")

    def _line(self, packet: PacketStatus) -> str:
        retrying = packet.state is PacketState.QUEUED and packet.attempts > 0
        colour = STATE_COLOURS["retrying" if retrying else packet.state.value]
        parts = [f"<b>{html.escape(self._agency(packet.agency_id))}</b>", packet.format.upper()]
        if packet.status != "Actual":
            exercise = packet.status == "Exercise"
            badge = self.tr("Exercise") if exercise else self.tr("Test")
            tint = EXERCISE_COLOUR.name() if exercise else TEST_COLOUR
            parts.append(
                f'<span style="color: {tint}; font-weight: bold">{html.escape(badge)}</span>'
            )
        state = f'<span style="color: {colour}; font-weight: bold">{self._state(packet)}</span>'
        parts.append(state)
        extra = self._extra(packet)
        if extra:
            parts.append(f'<span style="color: {DIM_TEXT}">{html.escape(extra)}</span>')
        return f'<span style="color: {colour}">●</span> ' + " · ".join(parts)

    def _state(self, packet: PacketStatus) -> str:
        """The state with its time ("acknowledged 12:03:41 (+00:45 after sending)")."""
        if packet.state is PacketState.ACKNOWLEDGED and packet.acknowledged_ms is not None:
            start = packet.sent_ms if packet.sent_ms is not None else packet.queued_ms
            return html.escape(
                self.tr("acknowledged %1 (%2 after sending)")
                .replace("%1", clock_time(packet.acknowledged_ms))
                .replace("%2", _after(packet.acknowledged_ms - start))
            )
        if packet.state is PacketState.QUEUED:
            key = "retrying" if packet.attempts else "queued"
            at = packet.queued_ms
        else:
            key = packet.state.value
            at = {
                PacketState.SENT: packet.sent_ms,
                PacketState.DELIVERED: packet.delivered_ms,
                PacketState.FAILED: packet.failed_ms,
            }.get(packet.state) or packet.last_changed_ms
        return html.escape(f"{self._states[key]} {clock_time(at)}")

    def _extra(self, packet: PacketStatus) -> str:
        """Tries and the last error while retrying; why it failed."""
        if packet.state is PacketState.FAILED:
            why = self._failures.get(packet.failure_code, packet.failure_code)
            return f"{why}: {packet.last_error}" if packet.last_error else why
        if packet.state is PacketState.QUEUED and packet.attempts:
            tries = self.tr("%1 tries").replace("%1", str(packet.attempts))
            parts = [tries]
            if packet.next_retry_ms is not None:
                parts.append(self.tr("next at %1").replace("%1", clock_time(packet.next_retry_ms)))
            if packet.last_error:
                parts.append(packet.last_error)
            return " · ".join(parts)
        return ""

    def _tooltip(self, packet: PacketStatus) -> str:
        lines = [packet.distribution_id, f"{self._agency(packet.agency_id)} ({packet.agency_id})"]
        lines.append(self.tr("Queued %1").replace("%1", local_time(packet.queued_ms)))
        if packet.receipt:
            lines.append(self.tr("Receipt %1").replace("%1", packet.receipt))
        if packet.ack_note:
            lines.append(self.tr("Ack: %1").replace("%1", packet.ack_note))
        return "\n".join(lines)
