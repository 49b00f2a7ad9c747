"""The line above the outbox: whether the delivery worker runs (and why not), the counts,
and each agency whose link is down."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from core.dispatch.breaker import BreakerState
from core.dispatch.status import AgencyLink, OutboxStatus
from core.dispatch.tracking import PacketBook, PacketState
from panels.outbox.words import clock_time

GOOD, BAD, WARN, DIM = "#7ee2a8", "#ff8b8b", "#ffd66b", "#8a9bb0"


@dataclass(frozen=True, slots=True)
class Counts:
    """How many packets of the log wait, retry or failed."""

    pending: int = 0
    retrying: int = 0
    failed: int = 0
    total: int = 0

    @classmethod
    def of(cls, book: PacketBook) -> Counts:
        """Count the book (a thousand packets take well under a millisecond)."""
        pending = retrying = failed = 0
        for packet in book.packets.values():
            if packet.state is PacketState.QUEUED:
                pending += 1
                retrying += packet.attempts > 0
            elif packet.state is PacketState.FAILED:
                failed += 1
        return cls(pending, retrying, failed, len(book.packets))


class OutboxHeader(QLabel):
    """Rich text: the worker's state and counts on the first line, a line per agency whose
    breaker is open or probing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outboxHeader")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plain = ""  # the same text without markup (tests, accessibility)

    def show_state(
        self,
        counts: Counts,
        status: OutboxStatus | None,
        problem: str | None,
        agency_name: Callable[[str], str],
        elsewhere: str = "",
    ) -> None:
        """Write the header; ``problem`` is why packets cannot be sent (None: this window
        does not send packets, and ``elsewhere`` may say who does; "" : no problem)."""
        running = status is not None and status.running
        if problem is None:
            worker, colour = elsewhere or self.tr("Packets are not sent from this window"), DIM
        elif running:
            worker, colour = self.tr("Delivery worker running"), GOOD
        else:
            why = problem or self.tr("starting")
            worker = self.tr("Delivery worker not running: %1").replace("%1", why)
            colour = BAD
        first = [(worker, colour), (self.tr("%1 waiting").replace("%1", str(counts.pending)), "")]
        if running:
            assert status is not None
            sending = self.tr("%1 sending").replace("%1", str(status.in_flight))
            first.append((sending, ""))
        retrying = self.tr("%1 retrying").replace("%1", str(counts.retrying))
        first.append((retrying, WARN if counts.retrying else ""))
        failed = self.tr("%1 failed").replace("%1", str(counts.failed))
        first.append((failed, BAD if counts.failed else ""))
        first.append((self.tr("%1 in all").replace("%1", str(counts.total)), DIM))
        lines = [first]
        for link in status.agencies if running and status is not None else ():
            text = self.link_text(link, agency_name(link.agency_id))
            if text:
                lines.append([(text, WARN if link.breaker == BreakerState.HALF_OPEN else BAD)])
        self.plain = "\n".join(" · ".join(t for t, _ in line) for line in lines)
        self.setText("<br>".join(" · ".join(_span(t, c) for t, c in line) for line in lines))

    def show_replay(self, counts: Counts, at_ms: int) -> None:
        """Write the header for a replay instant: the counts then; what the delivery worker
        is doing (running, sending, links down) is live-only, so it is not shown."""
        first = [
            (
                self.tr(
                    "Replay %1: packets as they stood then (the delivery worker is live-only)"
                ).replace("%1", clock_time(at_ms)),
                WARN,
            ),
            (self.tr("%1 waiting").replace("%1", str(counts.pending)), ""),
            (
                self.tr("%1 retrying").replace("%1", str(counts.retrying)),
                WARN if counts.retrying else "",
            ),
            (self.tr("%1 failed").replace("%1", str(counts.failed)), BAD if counts.failed else ""),
            (self.tr("%1 in all").replace("%1", str(counts.total)), DIM),
        ]
        self.plain = " · ".join(t for t, _ in first)
        self.setText(" · ".join(_span(t, c) for t, c in first))

    def link_text(self, link: AgencyLink, name: str) -> str:
        """One agency's link when it is not healthy ("" when it is)."""
        if link.breaker == BreakerState.OPEN:
            text = self.tr("%1: link down, retrying at %2 — %3 failures in a row")
        elif link.breaker == BreakerState.HALF_OPEN:
            text = self.tr("%1: link down, probing now — %3 failures in a row")
        else:
            return ""
        return (
            text.replace("%1", name)
            .replace("%2", clock_time(link.open_until_ms))
            .replace("%3", str(link.failures))
        )


def _span(text: str, colour: str) -> str:
    escaped = html.escape(text)
    if not colour:
        return escaped
    weight = "; font-weight: bold" if colour == BAD else ""
    return f'<span style="color: {colour}{weight}">{escaped}</span>'
