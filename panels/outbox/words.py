"""How the outbox writes a packet: its state and colour, its distribution status, the details
of its delivery (next try, last error, receipt, Ack, why it failed) and its full record."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from core.dispatch.breaker import BreakerState
from core.dispatch.status import AgencyLink
from core.dispatch.tracking import PacketState, PacketStatus
from ui.formatting import format_age
from ui.theme import EXERCISE_COLOUR

RETRYING = "retrying"  # a queued packet whose last attempt failed: shown apart from "queued"

# Readable on the dark theme; operators read the colour before the word.
STATE_COLOURS: dict[str, QColor] = {
    PacketState.QUEUED.value: QColor("#9fb3c8"),
    RETRYING: QColor("#ffd66b"),
    PacketState.SENT.value: QColor("#7fb2ff"),
    PacketState.DELIVERED.value: QColor("#a3d977"),
    PacketState.ACKNOWLEDGED.value: QColor("#4fd18b"),
    PacketState.FAILED.value: QColor("#ff8b8b"),
}
STATUS_COLOURS: dict[str, QColor] = {
    "Actual": QColor("#8a9bb0"),
    "Exercise": EXERCISE_COLOUR,
    "Test": QColor("#c3a6ff"),
}
STATUS_TINTS: dict[str, QColor] = {
    "Exercise": QColor(94, 196, 214, 60),
    "Test": QColor(195, 166, 255, 50),
}


def shown_state(packet: PacketStatus) -> str:
    """The state as the outbox shows it: a queued packet that failed an attempt is retrying."""
    if packet.state is PacketState.QUEUED and packet.attempts > 0:
        return RETRYING
    return packet.state.value


def needs_attention(packet: PacketStatus) -> bool:
    """Failed, or waiting for another try."""
    return shown_state(packet) in (RETRYING, PacketState.FAILED.value)


def clock_time(ts_ms: int) -> str:
    """Local time of day of a UTC millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000).astimezone().strftime("%H:%M:%S")


def local_time(ts_ms: int) -> str:
    """Local date and time of a UTC millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def elapsed(ms: int) -> str:
    """A span as +mm:ss (or +h:mm:ss)."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"+{hours}:{minutes:02d}:{seconds:02d}" if hours else f"+{minutes:02d}:{seconds:02d}"


def link_is_down(link: AgencyLink | None) -> bool:
    """Whether the agency's breaker holds its packets back."""
    return link is not None and link.breaker != BreakerState.CLOSED.value


class PacketWords(QObject):
    """The outbox's words for states, statuses, failures and details, in the interface
    language."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.states = {
            PacketState.QUEUED.value: self.tr("queued"),
            RETRYING: self.tr("retrying"),
            PacketState.SENT.value: self.tr("sent"),
            PacketState.DELIVERED.value: self.tr("delivered"),
            PacketState.ACKNOWLEDGED.value: self.tr("acknowledged"),
            PacketState.FAILED.value: self.tr("failed"),
        }
        self.statuses = {
            "Actual": self.tr("Actual"),
            "Exercise": self.tr("Exercise"),
            "Test": self.tr("Test"),
        }
        self.failures = {
            "expired": self.tr("expired before it could be sent"),
            "rejected": self.tr("refused by the agency"),
            "body_lost": self.tr("its stored body was lost"),
            "cancelled": self.tr("cancelled"),
        }

    def state(self, packet: PacketStatus) -> str:
        """The state's name."""
        shown = shown_state(packet)
        return self.states.get(shown, shown)

    def status(self, packet: PacketStatus) -> str:
        """The distribution status's name (a drill's packet is never taken for a real one)."""
        return self.statuses.get(packet.status, packet.status)

    def failure(self, packet: PacketStatus) -> str:
        """Why a failed packet failed, with the receiver's or the operator's words."""
        why = self.failures.get(packet.failure_code, packet.failure_code or self.tr("failed"))
        return f"{why}: {packet.last_error}" if packet.last_error else why

    def next_try(self, packet: PacketStatus, now_ms: int, link: AgencyLink | None) -> str:
        """When a waiting packet is tried next: a countdown, or why it waits."""
        if link is not None and link.breaker == BreakerState.HALF_OPEN.value:
            return self.tr("link down, probing it now")
        if link is not None and link.breaker == BreakerState.OPEN.value:
            return self.tr("link down, next try at %1").replace(
                "%1", clock_time(link.open_until_ms)
            )
        if packet.next_retry_ms is None:
            return self.tr("waiting to be sent")
        wait = packet.next_retry_ms - now_ms
        if wait <= 0:
            return self.tr("next try due now")
        return self.tr("next try in %1").replace("%1", format_age((wait + 999) / 1000))

    def acknowledged(self, packet: PacketStatus) -> str:
        """When the agency acknowledged it, and how long after it was sent."""
        assert packet.acknowledged_ms is not None
        start = packet.sent_ms if packet.sent_ms is not None else packet.queued_ms
        return (
            self.tr("acknowledged %1 (%2 after sending)")
            .replace("%1", clock_time(packet.acknowledged_ms))
            .replace("%2", elapsed(packet.acknowledged_ms - start))
        )

    def details(self, packet: PacketStatus, now_ms: int, link: AgencyLink | None) -> str:
        """One line on where the delivery stands."""
        state = packet.state
        if state is PacketState.QUEUED:
            parts = [self.next_try(packet, now_ms, link)]
            if packet.last_error:
                parts.append(packet.last_error)
            return " · ".join(parts)
        if state is PacketState.FAILED:
            return self.failure(packet)
        if state is PacketState.ACKNOWLEDGED:
            parts = [self.acknowledged(packet)]
            if packet.ack_note:
                parts.append(f"“{packet.ack_note}”")
            return " · ".join(parts)
        if state is PacketState.DELIVERED:
            return (
                self.tr("receipt %1 at %2; waiting for the agency's Ack")
                .replace("%1", packet.receipt or "—")
                .replace("%2", clock_time(packet.delivered_ms or packet.last_changed_ms))
            )
        sent = self.tr("sent %1").replace("%1", clock_time(packet.sent_ms or packet.queued_ms))
        # A drop folder's receipt comes as a file; an HTTP agency that answered without one
        # has nothing more to say until its Ack.
        if packet.transport == "folder":
            waiting = self.tr("waiting for the receipt file")
        else:
            waiting = self.tr("waiting for the agency's Ack")
        return " · ".join(p for p in (sent, packet.detail, waiting) if p)

    def record(self, packet: PacketStatus, agency: str) -> str:
        """Everything the log tells about the packet, one fact a line (tooltips)."""
        lines = [
            packet.distribution_id,
            self.tr("Incident: %1").replace("%1", packet.incident_id),
            self.tr("Agency: %1").replace("%1", f"{agency} ({packet.agency_id})"),
            self.tr("Format: %1").replace(
                "%1", f"{packet.format.upper()} · {packet.content_type}"
            ),
            self.tr("Status: %1").replace("%1", self.status(packet)),
            self.tr("State: %1").replace("%1", self.state(packet)),
            self.tr("Queued: %1").replace("%1", local_time(packet.queued_ms)),
        ]
        steps = (
            (packet.sent_ms, self.tr("Sent: %1")),
            (packet.delivered_ms, self.tr("Delivered: %1")),
            (packet.acknowledged_ms, self.tr("Acknowledged: %1")),
            (packet.failed_ms, self.tr("Failed: %1")),
        )
        lines += [label.replace("%1", local_time(ts)) for ts, label in steps if ts is not None]
        if packet.attempts:
            lines.append(self.tr("Attempts: %1").replace("%1", str(packet.attempts)))
        if packet.last_error:
            lines.append(self.tr("Last error: %1").replace("%1", packet.last_error))
        if packet.receipt:
            lines.append(self.tr("Receipt: %1").replace("%1", packet.receipt))
        if packet.ack_id:
            note = f" · {packet.ack_note}" if packet.ack_note else ""
            lines.append(self.tr("Ack: %1").replace("%1", packet.ack_id + note))
        if packet.expires_ms and packet.pending:
            lines.append(self.tr("Expires: %1").replace("%1", local_time(packet.expires_ms)))
        lines.append(f"SHA-256 {packet.body_sha256}")
        return "\n".join(lines)
