"""Table model of the incident queue and the proxy that filters and orders it."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from core.catalogue import SERVICE_NAMES, Service
from core.model import STATUS_NAMES, Incident, IncidentStatus
from ui.context import AppContext
from ui.formatting import format_age
from ui.table_model import Index, TitledTableModel
from ui.theme import (
    EXERCISE_COLOUR,
    severity_colour,
    severity_row_tint,
    unacknowledged_critical_colour,
)

WHITE = QColor("#ffffff")
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


class IncidentTableModel(TitledTableModel):
    """One row per incident of the shown state (``context.view``: live, or a replay instant),
    in the order they were reported."""

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._waiting_critical: set[str] = set()
        # Sort keys by (source row, column): the proxy compares rows many times in a sort,
        # and a key made through data() each time costs a seek's budget for a busy day.
        self._sort_keys: dict[tuple[int, int], Any] = {}
        self._districts = {d.code: d for d in context.city.districts}
        self._bold = QFont()
        self._bold.setBold(True)
        # The instant shown: the wall clock live, the replay position in replay (tests may
        # fix it).
        self.now_ms: Callable[[], int] = context.view.now_ms
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
        incidents = self._context.view.state.incidents
        for incident_id in incident_ids:
            incident = incidents.get(incident_id)
            if incident and incident.severity == 1 and incident.status is IncidentStatus.NEW:
                self._waiting_critical.add(incident_id)
            else:
                self._waiting_critical.discard(incident_id)
        new = [i for i in incident_ids if i not in self._rows and i in incidents]
        changed = [self._rows[i] for i in incident_ids if i in self._rows]
        for row in changed:
            for column in Column:
                self._sort_keys.pop((row, column), None)
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

    def reset(self, column: int = Column.SEVERITY, descending: bool = False) -> None:
        """Show exactly the incidents of the shown state: after the first load, a seek or a
        switch between live and replay (a seek backwards drops incidents not yet reported).

        The rows come in the order of ``column`` (the proxy's sort): its stable sort then
        compares each row about once instead of n log n times."""
        incidents = self._context.view.state.incidents
        by = Column(column) if 0 <= column < len(Column) else Column.SEVERITY
        self.beginResetModel()
        self._ids = sorted(
            incidents, key=lambda i: self._sort_key(incidents[i], by), reverse=descending
        )
        self._rows = {incident_id: row for row, incident_id in enumerate(self._ids)}
        self._sort_keys = {}
        self._waiting_critical = {
            i.id for i in incidents.values() if i.severity == 1 and i.status is IncidentStatus.NEW
        }
        self.endResetModel()

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
            return self._context.view.state.incidents.get(self._ids[row])
        return None

    def sort_key(self, row: int, column: int) -> Any:
        """What the proxy orders ``row`` by in ``column`` (kept until the row changes)."""
        key = self._sort_keys.get((row, column))
        if key is None:
            incident = self.incident_at(row)
            key = self._sort_key(incident, Column(column)) if incident is not None else ()
            self._sort_keys[(row, column)] = key
        return key

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
        unacknowledged_critical = incident.severity == 1 and incident.status is IncidentStatus.NEW
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.SEVERITY:
            # Red on the red row of an unacknowledged critical incident would not read.
            return WHITE if unacknowledged_critical else severity_colour(incident.severity)
        if role == Qt.ItemDataRole.ForegroundRole and incident.exercise:
            return EXERCISE_COLOUR
        if role == Qt.ItemDataRole.BackgroundRole and incident.status.is_open:
            if unacknowledged_critical:
                return unacknowledged_critical_colour()
            return severity_row_tint(incident.severity)
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
        # The filter reads the incidents, not a role: a role no cell repaint names, so the
        # ages' repaints (every second, and while a replay plays) do not filter every row.
        self.setFilterRole(INCIDENT_ID_ROLE)
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
        model = self.sourceModel()
        assert isinstance(model, IncidentTableModel)
        a = model.sort_key(left.row(), left.column())
        b = model.sort_key(right.row(), right.column())
        return bool(a < b)
