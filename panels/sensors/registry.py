"""Table model of the sensor registry: each sensor's latest value, level and freshness, and the
proxy that filters and sorts it. Unknown sensor ids seen in readings get rows of their own."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from core.city.kinds import CrisisLevel
from core.city.model import Sensor
from core.state import SensorValue
from panels.sensors.formatting import format_value
from panels.sensors.style import (
    LEVEL_COLOURS,
    NO_DATA,
    STALE_AMBER,
    STALE_RED,
    UNKNOWN_ROW,
    UNKNOWN_TEXT,
)
from ui.context import AppContext
from ui.formatting import format_age
from ui.table_model import Index, TitledTableModel

SENSOR_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
UNKNOWN_ROLE = Qt.ItemDataRole.UserRole + 3

AMBER_AFTER_MS = 5 * 60_000
RED_AFTER_MS = 15 * 60_000


class Column(IntEnum):
    """Columns of the registry, in display order."""

    ID = 0
    KIND = 1
    DISTRICT = 2
    OWNER = 3
    VALUE = 4
    LEVEL = 5
    FRESHNESS = 6


@dataclass(slots=True)
class _Row:
    sensor_id: str
    sensor: Sensor | None  # None: the city does not know this id
    search: str  # lower-case text the filter box matches
    reading: SensorValue | None = None
    level: CrisisLevel | None = None


class SensorRegistryModel(TitledTableModel):
    """One row per sensor of the city, then one per unknown id seen in readings; values,
    levels and ages as ``context.view`` shows them (live, or at a replay instant)."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        # The instant shown (the wall clock live, the replay position): ages are measured
        # from it. Tests may fix it.
        self.now_ms: Callable[[], int] = context.view.now_ms
        self._districts = {d.code: d for d in context.city.districts}
        self._rows: list[_Row] = []
        self._row_of: dict[str, int] = {}
        self._ids_scanned = -1  # how many ids the folded state had when last looked through
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = {
            Column.ID: self.tr("Sensor"),
            Column.KIND: self.tr("Kind"),
            Column.DISTRICT: self.tr("District"),
            Column.OWNER: self.tr("Owner department"),
            Column.VALUE: self.tr("Last value"),
            Column.LEVEL: self.tr("Level"),
            Column.FRESHNESS: self.tr("Data received"),
        }
        self._unknown_kind = self.tr("Unknown sensor")
        for sensor in context.city.sensors:
            self._append_row(sensor.id, sensor)

    # -- updates --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Catch up with the folded state: add unknown ids, update rows whose reading changed,
        and move every freshness on (one signal per run of changed rows, never per reading)."""
        readings = self._context.view.state.sensors
        if len(readings) != self._ids_scanned:
            self._add_unknown(readings)
        changed: list[int] = []
        for row, entry in enumerate(self._rows):
            reading = readings.get(entry.sensor_id)
            if reading is not entry.reading:
                entry.reading = reading
                entry.level = self._level_of(entry)
                changed.append(row)
        for first, last in _runs(changed):
            self.dataChanged.emit(
                self.index(first, Column.VALUE), self.index(last, Column.FRESHNESS)
            )
        if self._rows:
            # Ages move on without new readings; their sort keys (reading times) do not.
            self.dataChanged.emit(
                self.index(0, Column.FRESHNESS),
                self.index(len(self._rows) - 1, Column.FRESHNESS),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )

    def _add_unknown(self, readings: dict[str, SensorValue]) -> None:
        new = sorted(sensor_id for sensor_id in readings if sensor_id not in self._row_of)
        self._ids_scanned = len(readings)
        if not new:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        for sensor_id in new:
            self._append_row(sensor_id, None)
        self.endInsertRows()

    def _append_row(self, sensor_id: str, sensor: Sensor | None) -> None:
        self._row_of[sensor_id] = len(self._rows)
        self._rows.append(_Row(sensor_id, sensor, self._search_text(sensor_id, sensor)))

    def _search_text(self, sensor_id: str, sensor: Sensor | None) -> str:
        if sensor is None:
            return f"{sensor_id} {self._unknown_kind}".lower()
        info = sensor.kind.info
        district = self._districts.get(sensor.district_code)
        parts = [
            sensor.id,
            sensor.name,
            sensor.name_en,
            info.name_ko,
            info.name_en,
            sensor.owner_department,
            sensor.owner_department_en,
            district.name if district else "",
            district.name_en if district else "",
        ]
        return " ".join(parts).lower()

    @staticmethod
    def _level_of(entry: _Row) -> CrisisLevel | None:
        if entry.sensor is None or entry.reading is None or math.isnan(entry.reading.value):
            return None
        return entry.sensor.kind.info.level_for(entry.reading.value)

    # -- lookups --------------------------------------------------------------------------

    def sensor_id_at(self, row: int) -> str | None:
        """The sensor id shown in ``row`` of this (source) model."""
        return self._rows[row].sensor_id if 0 <= row < len(self._rows) else None

    def sensor_at(self, row: int) -> Sensor | None:
        """The city's record of the sensor in ``row`` (None for an unknown id)."""
        return self._rows[row].sensor if 0 <= row < len(self._rows) else None

    def row_of(self, sensor_id: str) -> int | None:
        """The source row of a sensor id, if present."""
        return self._row_of.get(sensor_id)

    def matches(self, row: int, terms: list[str]) -> bool:
        """Whether every filter term occurs in the row's searchable text."""
        search = self._rows[row].search
        return all(term in search for term in terms)

    def is_unknown(self, row: int) -> bool:
        """Whether the row is a sensor id the city does not know."""
        return self._rows[row].sensor is None

    def unknown_count(self) -> int:
        """How many unknown sensor ids have sent readings."""
        return sum(1 for row in self._rows if row.sensor is None)

    def kind_name(self, sensor: Sensor | None) -> str:
        """The localised name of a sensor's kind ("unknown sensor" for an unknown id)."""
        if sensor is None:
            return self._unknown_kind
        info = sensor.kind.info
        return self._context.pick(info.name_ko, info.name_en)

    def level_name(self, level: CrisisLevel) -> str:
        """The localised name of a crisis level."""
        return self._context.pick(level.name_ko, level.name_en.capitalize())

    # -- Qt model interface ---------------------------------------------------------------

    def row_total(self) -> int:
        """How many rows the table has."""
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents, colours and sort keys."""
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        entry = self._rows[row]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == SENSOR_ID_ROLE:
            return entry.sensor_id
        if role == UNKNOWN_ROLE:
            return entry.sensor is None
        if role == SORT_ROLE:
            return self._sort_key(entry, column, row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(entry, column)
        if role == Qt.ItemDataRole.BackgroundRole and entry.sensor is None:
            return UNKNOWN_ROW
        if role == Qt.ItemDataRole.FontRole and (
            (column == Column.LEVEL and entry.level)
            or (column == Column.KIND and entry.sensor is None)
        ):
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.VALUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(entry)
        return None

    def _text(self, entry: _Row, column: Column) -> str:
        sensor, reading = entry.sensor, entry.reading
        pick = self._context.pick
        if column == Column.ID:
            return entry.sensor_id
        if column == Column.KIND:
            return self.kind_name(sensor)
        if column == Column.DISTRICT:
            district = self._districts.get(sensor.district_code) if sensor else None
            return pick(district.name, district.name_en) if district else "—"
        if column == Column.OWNER:
            return pick(sensor.owner_department, sensor.owner_department_en) if sensor else "—"
        if column == Column.VALUE:
            return format_value(reading.value, sensor.unit if sensor else "") if reading else "—"
        if column == Column.LEVEL:
            return self.level_name(entry.level) if entry.level is not None else "—"
        if reading is None:
            return self.tr("no data")
        return format_age((self.now_ms() - reading.ts_ms) / 1000)

    def _foreground(self, entry: _Row, column: Column) -> Any:
        if column == Column.LEVEL and entry.level:
            return LEVEL_COLOURS[entry.level]
        if column == Column.KIND and entry.sensor is None:
            return UNKNOWN_TEXT
        if column == Column.FRESHNESS:
            if entry.reading is None:
                return NO_DATA
            age = self.now_ms() - entry.reading.ts_ms
            if age > RED_AFTER_MS:
                return STALE_RED
            if age > AMBER_AFTER_MS:
                return STALE_AMBER
        return None

    def _sort_key(self, entry: _Row, column: Column, row: int) -> Any:
        reading = entry.reading
        if column == Column.VALUE:
            return (0, reading.value, row) if reading else (1, 0.0, row)
        if column == Column.LEVEL:
            # Worst first when sorted descending, and the registry's order among equals. A
            # device the registry does not know ranks above normal readings: someone must
            # find out what it is.
            if entry.sensor is None:
                return (0.5, -row)
            return (-1.0 if entry.level is None else float(entry.level), -row)
        if column == Column.FRESHNESS:
            return (0, -reading.ts_ms, row) if reading else (1, 0, row)
        return (self._text(entry, column), row)

    def _tooltip(self, entry: _Row) -> str:
        sensor = entry.sensor
        if sensor is None:
            return self.tr("%1 sent readings but is not in the sensor registry.").replace(
                "%1", entry.sensor_id
            )
        lines = [entry.sensor_id, self._context.pick(sensor.name, sensor.name_en)]
        info = sensor.kind.info
        steps = [
            f"{self.level_name(level)} {'≥' if rising else '≤'} {value:g} {info.unit}"
            for thresholds, rising in ((info.rising, True), (info.falling, False))
            if thresholds is not None
            for level, value in thresholds.steps()
        ]
        if steps:
            lines.append(" · ".join(steps))
        return "\n".join(lines)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers grouped as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class SensorFilterProxy(QSortFilterProxyModel):
    """Filters the registry by free text (every word must match); unknown sensors always show,
    because a device the registry does not know is what the operator must notice."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terms: list[str] = []
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        """Filter by ``text`` (empty shows everything)."""
        self.beginFilterChange()
        self._terms = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether the row passes the filter."""
        model = self.sourceModel()
        assert isinstance(model, SensorRegistryModel)
        if not self._terms or model.is_unknown(source_row):
            return True
        return model.matches(source_row, self._terms)

    def lessThan(self, left: Index, right: Index) -> bool:
        """Compare by the source model's sort keys."""
        return bool(left.data(SORT_ROLE) < right.data(SORT_ROLE))
