"""A table model with fixed, titled columns: the part every panel's table shares."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QTableView

Index = QModelIndex | QPersistentModelIndex


class TitledTableModel(QAbstractTableModel):
    """Rows of one kind under fixed column titles. Subclasses fill ``_headers`` (column
    number -> title) and say how many rows there are in ``row_total``."""

    _headers: dict[int, str]

    def row_total(self) -> int:
        """How many rows the table has."""
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        """Number of rows (a flat table: none under a row)."""
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(self._headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers.get(section)
        return None


def select_source_row(
    table: QTableView, proxy: QSortFilterProxyModel, source: QAbstractTableModel, row: int
) -> bool:
    """Select and show the row ``row`` of ``source`` in ``table`` (which shows it through
    ``proxy``); False when the filter hides it."""
    index = proxy.mapFromSource(source.index(row, 0))
    if not index.isValid():
        return False
    selection = table.selectionModel()
    selection.select(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    # Only the current row moves: QAbstractItemView.setCurrentIndex would also apply the
    # keyboard modifiers held now (Ctrl toggles the row off and clears the selection).
    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
    table.scrollTo(index)
    return True
