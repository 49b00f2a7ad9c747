"""Table model of the outbox (every packet to an agency, newest first) and the proxy that
filters it.

Packets are never removed from the log, and new ones are always the newest, so the model only
ever inserts rows at the top and signals changed rows: a busy outbox of thousands of packets
is never reset after its first load, but for a replay's seek or a switch between live and
replay. The rows read the folded ``PacketBook`` of the state the view shows (the live store's,
which it updates in place, or a replay instant's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from core.dispatch.status import AgencyLink
from core.dispatch.tracking import PacketBook, PacketState, PacketStatus
from panels.outbox.words import (
    STATE_COLOURS,
    STATUS_COLOURS,
    STATUS_TINTS,
    PacketWords,
    clock_time,
    link_is_down,
    needs_attention,
    shown_state,
)
from ui.context import AppContext
from ui.table_model import Index, TitledTableModel

PACKET_ID_ROLE = Qt.ItemDataRole.UserRole + 1
INCIDENT_ID_ROLE = Qt.ItemDataRole.UserRole + 2
_MERGE_LIMIT = 64  # changed rows beyond this are signalled as one span


class Column(IntEnum):
    """Columns of the outbox, in display order."""

    QUEUED = 0
    INCIDENT = 1
    AGENCY = 2
    FORMAT = 3
    STATUS = 4
    STATE = 5
    ATTEMPTS = 6
    DETAILS = 7


def _down(links: dict[str, AgencyLink], agency_id: str) -> tuple[str, int] | None:
    """What the details show of an agency's link: whether and until when it is down."""
    link = links.get(agency_id)
    return None if link is None or not link_is_down(link) else (link.breaker, link.open_until_ms)


class PacketTableModel(TitledTableModel):
    """One row per packet queued in the log, the newest at the top."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._ids: list[str] = []  # oldest first: row r shows _ids[-1 - r]
        self._position: dict[str, int] = {}
        self.words = PacketWords(self)
        self.links: dict[str, AgencyLink] = {}  # each agency's link, from the delivery worker
        # The instant shown: the wall clock live, the replay position in replay (tests may
        # fix it).
        self.now_ms: Callable[[], int] = context.view.now_ms
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = {
            Column.QUEUED: self.tr("Queued"),
            Column.INCIDENT: self.tr("Incident"),
            Column.AGENCY: self.tr("Agency"),
            Column.FORMAT: self.tr("Format"),
            Column.STATUS: self.tr("Status"),
            Column.STATE: self.tr("State"),
            Column.ATTEMPTS: self.tr("Tries"),
            Column.DETAILS: self.tr("Details"),
        }

    # -- updates --------------------------------------------------------------------------

    @property
    def book(self) -> PacketBook:
        """The folded packet statuses of the state shown."""
        return self._context.view.state.packets

    def reload(self) -> None:
        """Show every packet of the book (after the replica loaded, a replay's seek, a
        switch between live and replay)."""
        self.beginResetModel()
        packets = sorted(self.book.packets.values(), key=lambda p: p.queued_seq)
        self._ids = [p.distribution_id for p in packets]
        self._position = {d: n for n, d in enumerate(self._ids)}
        self.endResetModel()

    def update(self, distribution_ids: Iterable[str]) -> None:
        """Insert rows for newly queued packets (at the top) and refresh changed ones."""
        packets = self.book.packets
        wanted = {d for d in distribution_ids if d in packets}
        new = sorted(
            (d for d in wanted if d not in self._position), key=lambda d: packets[d].queued_seq
        )
        changed = sorted(self._row(self._position[d]) for d in wanted if d in self._position)
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            for distribution_id in new:
                self._position[distribution_id] = len(self._ids)
                self._ids.append(distribution_id)
            self.endInsertRows()
            changed = [row + len(new) for row in changed]
        self._rows_changed(changed)

    def tick(self) -> None:
        """The countdowns moved on: refresh the details of packets waiting for a retry."""
        rows = [
            self._row(n)
            for n, packet in self._shown_packets()
            if packet.pending and packet.next_retry_ms is not None
        ]
        self._rows_changed(sorted(rows), (Column.DETAILS, Column.DETAILS))

    def set_links(self, links: dict[str, AgencyLink]) -> None:
        """Take the delivery worker's latest view of each agency's link (a link that went
        down or came back changes what its waiting packets say)."""
        before, self.links = self.links, links
        moved = {a for a in links.keys() | before.keys() if _down(links, a) != _down(before, a)}
        if not moved:
            return
        rows = [
            self._row(n)
            for n, packet in self._shown_packets()
            if packet.pending and packet.agency_id in moved
        ]
        self._rows_changed(sorted(rows), (Column.DETAILS, Column.DETAILS))

    def names_changed(self) -> None:
        """The agency registry was read: names change in every row."""
        if self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, len(Column) - 1)
            )

    def _rows_changed(
        self, rows: list[int], columns: tuple[int, int] = (0, len(Column) - 1)
    ) -> None:
        if not rows:
            return
        if len(rows) > _MERGE_LIMIT:
            spans = [(rows[0], rows[-1])]
        else:
            spans = []
            for row in rows:
                if spans and row <= spans[-1][1] + 1:
                    spans[-1] = (spans[-1][0], max(row, spans[-1][1]))
                else:
                    spans.append((row, row))
        for first, last in spans:
            self.dataChanged.emit(self.index(first, columns[0]), self.index(last, columns[1]))

    def _shown_packets(self) -> Iterator[tuple[int, PacketStatus]]:
        """(position, packet) of each row. A replay's seek replaces the book a moment before
        the rows follow it (``reload``): rows whose packet is not in the book are left out."""
        packets = self.book.packets
        for position, distribution_id in enumerate(self._ids):
            packet = packets.get(distribution_id)
            if packet is not None:
                yield position, packet

    def _row(self, position: int) -> int:
        return len(self._ids) - 1 - position

    # -- lookups --------------------------------------------------------------------------

    def packet_at(self, row: int) -> PacketStatus | None:
        """The packet shown in ``row`` of this (source) model."""
        if 0 <= row < len(self._ids):
            return self.book.packets.get(self._ids[self._row(row)])
        return None

    def row_of(self, distribution_id: str) -> int | None:
        """The source row of a packet, if shown."""
        position = self._position.get(distribution_id)
        return None if position is None else self._row(position)

    def agency_name(self, agency_id: str) -> str:
        """The agency's name in the interface language (its id until the registry is read)."""
        dispatch = self._context.dispatch
        if dispatch is None:
            return agency_id
        return dispatch.agency_name(agency_id, self._context.language == "ko")

    # -- Qt model interface ---------------------------------------------------------------

    def row_total(self) -> int:
        """How many rows the table has."""
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents, colours and the ids behind each row."""
        packet = self.packet_at(index.row())
        if packet is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(packet, column)
        if role == PACKET_ID_ROLE:
            return packet.distribution_id
        if role == INCIDENT_ID_ROLE:
            return packet.incident_id
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(packet, column)
        if role == Qt.ItemDataRole.BackgroundRole and column == Column.STATUS:
            return STATUS_TINTS.get(packet.status)
        if role == Qt.ItemDataRole.FontRole and self._bold_cell(packet, column):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.ATTEMPTS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.words.record(packet, self.agency_name(packet.agency_id))
        return None

    def _text(self, packet: PacketStatus, column: Column) -> str:
        if column == Column.QUEUED:
            return clock_time(packet.queued_ms)
        if column == Column.INCIDENT:
            return packet.incident_id
        if column == Column.AGENCY:
            return self.agency_name(packet.agency_id)
        if column == Column.FORMAT:
            return packet.format.upper()
        if column == Column.STATUS:
            return self.words.status(packet)
        if column == Column.STATE:
            return self.words.state(packet)
        if column == Column.ATTEMPTS:
            return str(packet.attempts) if packet.attempts else ""
        link = self.links.get(packet.agency_id) if packet.pending else None
        return self.words.details(packet, self.now_ms(), link)

    def _colour(self, packet: PacketStatus, column: Column) -> Any:
        if column in (Column.STATE, Column.DETAILS):
            state = shown_state(packet)
            if column == Column.DETAILS and state not in ("failed", "retrying"):
                return None  # the details of a packet on its way stay plain
            return STATE_COLOURS.get(state)
        if column == Column.STATUS:
            return STATUS_COLOURS.get(packet.status)
        return None

    @staticmethod
    def _bold_cell(packet: PacketStatus, column: Column) -> bool:
        if column == Column.STATE:
            return packet.state in (PacketState.ACKNOWLEDGED, PacketState.FAILED)
        return column == Column.STATUS and packet.status != "Actual"


class PacketFilterProxy(QSortFilterProxyModel):
    """Shows all packets, the selected incident's, or those needing attention (failed or
    retrying), optionally narrowed by a text; keeps the newest first."""

    ALL = "all"
    INCIDENT = "incident"
    ATTENTION = "attention"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = self.ALL
        self.incident_id: str | None = None
        self.text = ""
        self.setDynamicSortFilter(True)

    def set_filter(self, mode: str | None = None, text: str | None = None) -> None:
        """Change the mode or the text (None: keep as it is)."""
        self.beginFilterChange()
        self.mode = mode if mode is not None else self.mode
        self.text = text.strip().casefold() if text is not None else self.text
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def follow_incident(self, incident_id: str | None) -> None:
        """The selected incident changed (re-filters only when showing one incident)."""
        if incident_id == self.incident_id:
            return
        if self.mode != self.INCIDENT:
            self.incident_id = incident_id
            return
        self.beginFilterChange()
        self.incident_id = incident_id
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether the packet passes the mode and the text."""
        model = self.sourceModel()
        assert isinstance(model, PacketTableModel)
        packet = model.packet_at(source_row)
        if packet is None:
            return False
        if self.mode == self.INCIDENT and packet.incident_id != self.incident_id:
            return False
        if self.mode == self.ATTENTION and not needs_attention(packet):
            return False
        if not self.text:
            return True
        haystack = " ".join(
            (
                packet.incident_id,
                packet.distribution_id,
                packet.agency_id,
                model.agency_name(packet.agency_id),
                packet.format,
                packet.status,
                model.words.status(packet),
                model.words.state(packet),
                packet.last_error,
                packet.receipt,
                packet.ack_note,
            )
        )
        return self.text in haystack.casefold()
