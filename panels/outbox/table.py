"""The outbox's table view: packet rows that stay where the operator put them when newer
packets arrive above them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from panels.outbox.model import Column
from ui.table_sizing import TextSizing, Width

# Widths in characters of the table's font (they grow with the text size): narrow enough for
# a bottom dock beside the sensors; the details take the rest.
_WIDTHS: dict[int, Width] = {
    Column.QUEUED: 9.5,
    Column.INCIDENT: 14,
    Column.AGENCY: 31,
    Column.FORMAT: 9,
    Column.STATUS: 11,
    Column.STATE: 18,
    Column.ATTEMPTS: 6.5,
}
# Row height, in lines of the table's text.
ROW_LINES = 1.6


class _LeftElideDelegate(QStyledItemDelegate):
    """Cuts long agency names at the start: their ends tell agencies apart ("…119
    Situation Room", "…112 Situation Room", "…System (NDMS)")."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft


class PacketTableView(QTableView):
    """One packet a row, the newest on top; rows scrolled out of the top stay out of sight
    when packets are inserted above them (at the top, the newest comes into view)."""

    def __init__(self, proxy: QSortFilterProxyModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Row by row: keeping the view still when packets arrive above it counts rows.
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)  # a narrow dock may want the details further left
        self.sizing = TextSizing(self, _WIDTHS, row_lines=ROW_LINES)
        self.setItemDelegateForColumn(Column.AGENCY, _LeftElideDelegate(self))
        self._keep_scroll: int | None = None
        proxy.rowsAboutToBeInserted.connect(self._on_proxy_rows_about_to_be_inserted)
        proxy.rowsInserted.connect(self._on_proxy_rows_inserted)

    def _on_proxy_rows_about_to_be_inserted(
        self, _parent: QModelIndex, first: int, _l: int
    ) -> None:
        value = self.verticalScrollBar().value()
        self._keep_scroll = value if first == 0 and value > 0 else None

    def _on_proxy_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        if self._keep_scroll is None:
            return
        target = self._keep_scroll + (last - first + 1)
        self._keep_scroll = None
        self.updateGeometries()  # the new range, so the bar can reach the target
        self.verticalScrollBar().setValue(target)
