"""Table model of the incident queue and the proxy that filters and orders it."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from core.catalogue import SERVICE_NAMES, Service
from core.model import STATUS_NAMES, Incident, IncidentStatus
from ui.context import AppContext
from ui.formatting import format_age
from ui.table_model import Index, TitledTableModel
from ui.theme import (
    EXERCISE_COLOUR,
    SEVERITY_COLOURS,
    SEVERITY_ROW_TINT,
    UNACKNOWLEDGED_CRITICAL,
)

INCIDENT_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(IntEnum):
    """Columns of the queue, in display order."""

    SEVERITY = 0
    TYPE = 1
    DISTRICT = 2
    STATUS = 3
    AGE = 4
    ASSIGNEE = 5
    ID = 6


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class IncidentTableModel(TitledTableModel):
    """One row per incident, in the order they were first seen."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._waiting_critical: set[str] = set()
        self._districts = {d.code: d for d in context.city.districts}
        self._bold = QFont()
        self._bold.setBold(True)
        self.now_ms: Callable[[], int] = _wall_clock_ms  # tests may fix the clock
        self._headers = {
            Column.SEVERITY: self.tr("Sev"),
            Column.TYPE: self.tr("Type"),
            Column.DISTRICT: self.tr("District"),
            Column.STATUS: self.tr("Status"),
            Column.AGE: self.tr("Age"),
            Column.ASSIGNEE: self.tr("Assignee"),
            Column.ID: self.tr("Incident"),
        }
        self._severity_names = {
            1: self.tr("Critical"),
            2: self.tr("Major"),
            3: self.tr("Minor"),
            4: self.tr("Info"),
        }

    # -- updates --------------------------------------------------------------------------

    def upsert(self, incident_ids: set[str] | list[str]) -> None:
        """Add rows for new incidents and refresh the rows of changed ones."""
        incidents = self._context.store.state.incidents
        for incident_id in incident_ids:
            incident = incidents.get(incident_id)
            if incident and incident.severity == 1 and incident.status is IncidentStatus.NEW:
                self._waiting_critical.add(incident_id)
            else:
                self._waiting_critical.discard(incident_id)
        new = [i for i in incident_ids if i not in self._rows and i in incidents]
        changed = [self._rows[i] for i in incident_ids if i in self._rows]
        if new:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for incident_id in sorted(new):
                self._rows[incident_id] = len(self._ids)
                self._ids.append(incident_id)
            self.endInsertRows()
        if changed:
            last_column = len(Column) - 1
            self.dataChanged.emit(
                self.index(min(changed), 0), self.index(max(changed), last_column)
            )

    def refresh_ages(self) -> None:
        """Tell views the age column moved on."""
        if self._ids:
            self.dataChanged.emit(
                self.index(0, Column.AGE),
                self.index(len(self._ids) - 1, Column.AGE),
                [Qt.ItemDataRole.DisplayRole],
            )

    def incident_at(self, row: int) -> Incident | None:
        """The incident shown in ``row`` of this (source) model."""
        if 0 <= row < len(self._ids):
            return self._context.store.state.incidents.get(self._ids[row])
        return None

    def unacknowledged_critical(self) -> int:
        """How many critical incidents are still new (kept up to date by ``upsert``)."""
        return len(self._waiting_critical)

    def row_of(self, incident_id: str) -> int | None:
        """The source row of an incident, if present."""
        return self._rows.get(incident_id)

    # -- Qt model interface ---------------------------------------------------------------

    def row_total(self) -> int:
        """How many rows the table has."""
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents, colours and sort keys."""
        incident = self.incident_at(index.row())
        if incident is None:
            return None
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(incident, column)
        if role == INCIDENT_ID_ROLE:
            return incident.id
        if role == SORT_ROLE:
            return self._sort_key(incident, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.SEVERITY:
            return SEVERITY_COLOURS.get(incident.severity)
        if role == Qt.ItemDataRole.ForegroundRole and incident.exercise:
            return EXERCISE_COLOUR
        if role == Qt.ItemDataRole.BackgroundRole and incident.status.is_open:
            if incident.severity == 1 and incident.status is IncidentStatus.NEW:
                return UNACKNOWLEDGED_CRITICAL
            return SEVERITY_ROW_TINT.get(incident.severity)
        if role == Qt.ItemDataRole.FontRole and (
            incident.status is IncidentStatus.NEW or column == Column.SEVERITY
        ):
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(incident)
        return None

    def _text(self, incident: Incident, column: Column) -> str:
        pick = self._context.pick
        if column == Column.SEVERITY:
            return f"{incident.severity} {self._severity_names.get(incident.severity, '')}"
        if column == Column.TYPE:
            entry = incident.incident_type
            name = pick(entry.name_ko, entry.name_en) if entry else incident.type_code
            # A drill's incident never passes for a real one, wherever it is shown.
            mark = self.tr("[EXERCISE]")  # double quotes: the translation tool reads only those
            return f"{mark} {name}" if incident.exercise else name
        if column == Column.DISTRICT:
            district = self._districts.get(incident.district_code or "")
            return pick(district.name, district.name_en) if district else "—"
        if column == Column.STATUS:
            ko, en = STATUS_NAMES[incident.status]
            text = pick(ko, en)
            if incident.escalations:
                text += " ▲"
            return text
        if column == Column.AGE:
            return format_age((self.now_ms() - incident.opened_ms) / 1000)
        if column == Column.ASSIGNEE:
            return (incident.assignee or "").removeprefix("operator:")
        return incident.id

    def _sort_key(self, incident: Incident, column: Column) -> Any:
        # Open before finished, then most severe, then the one waiting longest.
        base = (0 if incident.status.is_open else 1, incident.severity, incident.opened_ms)
        if column in (Column.SEVERITY, Column.AGE):
            return base
        return (self._text(incident, column), *base)

    def _tooltip(self, incident: Incident) -> str:
        entry = incident.incident_type
        lines = [incident.id]
        if incident.exercise:
            lines.append(self.tr("Exercise: reported by a drill, not a real incident"))
        if entry:
            lines.append(f"{entry.code}: {entry.name_ko} / {entry.name_en}")
            ko, en = SERVICE_NAMES[entry.service]
            lines.append(self._context.pick(ko, en))
        if incident.summary:
            lines.append(incident.summary)
        return "\n".join(lines)


class IncidentFilterProxy(QSortFilterProxyModel):
    """Filters the queue by service, district and status, and keeps it in queue order."""

    OPEN = "open"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service: Service | None = None
        self.district: str | None = None
        self.status: str | None = self.OPEN
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_filters(
        self, service: Service | None, district: str | None, status: str | None
    ) -> None:
        """Apply new filter values (None means any)."""
        self.beginFilterChange()
        self.service, self.district, self.status = service, district, status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """Whether the incident passes every filter."""
        model = self.sourceModel()
        assert isinstance(model, IncidentTableModel)
        incident = model.incident_at(source_row)
        if incident is None:
            return False
        # Combo boxes hand enum values back as plain strings, so compare by value.
        if self.service is not None and incident.service != self.service:
            return False
        if self.district is not None and incident.district_code != self.district:
            return False
        if self.status == self.OPEN:
            return incident.status.is_open
        return self.status is None or incident.status.value == self.status

    def lessThan(self, left: Index, right: Index) -> bool:
        """Compare by the source model's sort keys."""
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        return bool(a < b)
