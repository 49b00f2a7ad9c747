"""The attribute table of a vector layer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QDialog, QTableView, QVBoxLayout, QWidget

Index = QModelIndex | QPersistentModelIndex


class AttributeModel(QAbstractTableModel):
    """Rows and columns of a GeoDataFrame, geometry left out; cells are read on demand."""

    def __init__(self, frame: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame = frame.drop(columns=frame.geometry.name)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of features."""
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of attributes."""
        return 0 if parent.isValid() else len(self._frame.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """One cell's text."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        value = self._frame.iat[index.row(), index.column()]
        return "" if value is None else str(value)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Attribute names across, feature numbers down."""
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self._frame.columns[section])
        return str(section + 1)


class AttributeTableDialog(QDialog):
    """A sortable-free, fast table of one layer's attributes."""

    def __init__(self, name: str, frame: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Attributes: %1").replace("%1", name))
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        self.model = AttributeModel(frame, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        layout.addWidget(self.table)
