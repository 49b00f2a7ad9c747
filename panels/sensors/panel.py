"""The sensors panel: the registry table beside a live plot of the sensors selected in it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.events import EventRecord
from panels.sensors.registry import (
    SENSOR_ID_ROLE,
    Column,
    SensorFilterProxy,
    SensorRegistryModel,
)
from ui.context import AppContext
from ui.table_sizing import TextSizing
from ui.visibility import timer_while_visible

if TYPE_CHECKING:
    from panels.sensors.plot import SensorPlotView

REFRESH_MS = 1000
ROW_LINES = 1.45  # row height, in lines of the table's text: a compact table under the map
ID_CHARS = 24  # the sensor id column holds this many characters of the longest id


class SensorsPanel(QWidget):
    """Every sensor's latest value, level and data freshness; selected sensors plotted live.

    It shows what ``context.view`` shows: the live city, or the city at a replay instant (values,
    levels and ages as they were then, plots that end there).

        The plot (and pyqtgraph) is built on the first selection, so start-up does not pay for it.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = SensorRegistryModel(context, self)
        self.proxy = SensorFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.plot: SensorPlotView | None = None
        self._selected: list[str] = []  # in the order the operator picked them
        self._filtering = False
        self._build()
        context.view.eventsApplied.connect(self._on_view_events_applied)
        context.view.loaded.connect(self._on_view_loaded)
        self._refresh_timer = timer_while_visible(self, REFRESH_MS, self.refresh)
        self._refresh_timer.setObjectName("sensorRegistryRefresh")
        self.refresh()

    def sizeHint(self) -> QSize:
        """Wide and low: the panel sits under the map."""
        return QSize(1200, 320)

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_registry())
        self.plot_stack = QStackedWidget()
        self.hint = QLabel(
            self.tr("Select sensors in the table to plot them (Ctrl or Shift to pick several).")
        )
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #7d8da1")
        self.plot_stack.addWidget(self.hint)
        splitter.addWidget(self.plot_stack)
        # The table's columns need the room; the plot reads well at less than half.
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

    def _build_registry(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter: sensor, kind, district, department"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.count_label = QLabel()
        row.addWidget(self.filter_edit, 1)
        row.addWidget(self.count_label)
        layout.addLayout(row)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.LEVEL, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Ids differ at their end (district and number): elide their middle, not their end.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        longest_id = max((s.id for s in self.context.city.sensors), key=len, default="")
        # Widths in characters (or of a sample text) and rows in lines: they grow with the
        # text size, live. An id longer than its first ID_CHARS characters is elided.
        self.sizing = TextSizing(
            self.table,
            {
                Column.ID: longest_id[:ID_CHARS],
                Column.KIND: 18,
                Column.DISTRICT: 9.5,
                Column.OWNER: 14,
                Column.VALUE: 13,
                Column.LEVEL: 11,
                Column.FRESHNESS: 10,
            },
            row_lines=ROW_LINES,
            minimum_chars=7,
        )
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        layout.addWidget(self.table, 1)
        return box

    # -- registry -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Bring the table up to date with the folded state."""
        self.model.refresh()
        self._update_count()

    def _update_count(self) -> None:
        text = (
            self.tr("%1 of %2 sensors")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )
        unknown = self.model.unknown_count()
        if unknown:
            text += " · " + self.tr("%1 unknown").replace("%1", str(unknown))
        self.count_label.setText(text)

    def _on_filter_edit_text_changed(self, text: str) -> None:
        # Filtering must not unplot what the operator chose; only a new pick does.
        self._filtering = True
        try:
            self.proxy.set_text(text)
        finally:
            self._filtering = False
        self._update_count()

    # -- selection ------------------------------------------------------------------------

    def selected_sensor_ids(self) -> list[str]:
        """The sensors selected in the table, first picked first."""
        return list(self._selected)

    def select_sensors(self, sensor_ids: list[str]) -> None:
        """Select these sensors in the table (and so plot them), first given first."""
        selection = QItemSelection()
        order = []
        for sensor_id in sensor_ids:
            source_row = self.model.row_of(sensor_id)
            if source_row is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(source_row, 0))
            if index.isValid():
                selection.select(index, index)
                order.append(sensor_id)
        # One change, not a clear and then picks: each step would plot (and unplot) on its own.
        self._selected = order
        self.table.selectionModel().select(
            selection,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self._on_table_selection_changed()

    def _on_table_selection_changed(self, *_: Any) -> None:
        if self._filtering:
            return
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        now = [self.proxy.index(row, 0).data(SENSOR_ID_ROLE) for row in rows]
        kept = [sensor_id for sensor_id in self._selected if sensor_id in now]
        self._selected = kept + [sensor_id for sensor_id in now if sensor_id not in kept]
        if self._selected:
            plot = self._plot_view()
            plot.set_sensors(self._selected)
            self.plot_stack.setCurrentWidget(plot)
        elif self.plot is not None:
            # A hidden plot stops its display timer: nothing selected, nothing drawn.
            self.plot.set_sensors([])
            self.plot_stack.setCurrentWidget(self.hint)

    def _plot_view(self) -> SensorPlotView:
        if self.plot is None:
            from panels.sensors.plot import SensorPlotView

            self.plot = SensorPlotView(self.context)
            self.plot_stack.addWidget(self.plot)
        return self.plot

    # -- live data and replay ---------------------------------------------------------------

    def _on_view_events_applied(self, records: list[EventRecord]) -> None:
        if self.plot is not None:
            self.plot.add_records(records)

    def _on_view_loaded(self) -> None:
        # A seek, or a switch between live and replay: every value and plot is of another
        # instant now.
        self.refresh()
        if self.plot is not None:
            self.plot.reload()
