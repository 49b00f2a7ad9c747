"""The incident queue: every open incident by severity and age, and the actions to work them.

It shows ``context.view``: the live city, or the city at a replay instant (ages measured from
that instant, the actions off: the past is only looked at)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.catalogue import SERVICE_NAMES, Service
from core.commands import IncidentCommand, incident_after_conflict, is_allowed
from core.errors import ConflictError, IllegalTransition
from core.model import STATUS_NAMES, Incident, IncidentStatus
from panels.incidents.actions import ACTIONS, Ask, IncidentAction
from panels.incidents.banner import QueueBanner
from panels.incidents.conflict import (
    MAX_RESENDS,
    ActionBatch,
    Seen,
    Sent,
    only_background,
)
from panels.incidents.conflict_text import ConflictText
from panels.incidents.dialogs import CommandDialog
from panels.incidents.model import (
    INCIDENT_ID_ROLE,
    Column,
    IncidentFilterProxy,
    IncidentTableModel,
)
from ui.context import AppContext
from ui.sound import AlertSound
from ui.table_model import select_source_row
from ui.table_sizing import TextSizing
from ui.theme import REPLAY_MARK
from ui.visibility import timer_while_visible

# While a replay plays, the ages follow its instant at most this often (the instant moves
# about ten times a second; a repaint of every row each time is wasted on the eye).
REPAINT_EVERY_S = 0.25
# Table row height, in lines of the table's text.
ROW_LINES = 1.6


class IncidentQueuePanel(QWidget):
    """Queue, filters, actions and the selected incident's detail."""

    commandFailed = Signal(str)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = IncidentTableModel(context, self)
        self.proxy = IncidentFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.sound = AlertSound(self)
        self.actions_by_key: dict[str, QAction] = {}
        self._painted_at = 0.0  # monotonic time of the last repaint for the replay instant
        self._rebuilding = False  # the table is being refilled: its selection is not news
        self._replay_tip = self.tr("Replay shows the past: press F8 to go back to live to act.")
        self._batch: ActionBatch | None = None  # the refusals the banner shows
        self.conflict_text = ConflictText(context, self._explain, self)
        self._build()
        # Everything shown comes from the view (the live city or a replay instant); the
        # actions act on the live city through the backend.
        view = context.view
        view.incidentsChanged.connect(self._on_view_incidents_changed)
        view.incidentsReported.connect(self._on_view_incidents_reported)
        view.loaded.connect(self._on_view_loaded)
        view.originChanged.connect(self._on_view_origin_changed)
        view.positionChanged.connect(self._on_view_position_changed)
        context.selection.incidentSelected.connect(self._on_selection_incident_selected)
        # A conflict shown says the incident's current state: the live one, even in replay.
        context.store.incidentsChanged.connect(self._on_store_incidents_changed)
        self.banner.dismissed.connect(self._on_banner_dismissed)
        self._age_timer = timer_while_visible(self, 1000, self._on_age_timer)
        if view.is_loaded:  # built after the state arrived (a panel opened later)
            self._on_view_loaded()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.banner = QueueBanner(5_000)
        message = QHBoxLayout()
        message.addWidget(self.banner, 1)
        message.addWidget(self.banner.dismiss_button)
        layout.addLayout(message)
        layout.addLayout(self._build_filters())
        counts = QHBoxLayout()
        counts.addWidget(self.count_label, 1)
        # A small mark of the instant shown; the window's banner says replay loudly.
        self.replay_mark = QLabel()
        self.replay_mark.setObjectName(REPLAY_MARK)  # the theme's small amber print
        self.replay_mark.hide()
        counts.addWidget(self.replay_mark)
        layout.addLayout(counts)
        layout.addWidget(self._build_actions())
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.SEVERITY, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The type name is what the operator reads: it takes the spare width.
        header.setSectionResizeMode(Column.TYPE, QHeaderView.ResizeMode.Stretch)
        # Widths in characters and rows in lines: they grow with the text size, live.
        self.sizing = TextSizing(
            self.table,
            {
                Column.SEVERITY: 9.5,
                Column.DISTRICT: 13,
                Column.STATUS: 11.5,
                Column.AGE: 10,
                Column.ASSIGNEE: 10,
                Column.ID: 14,
            },
            row_lines=ROW_LINES,
        )
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        layout.addWidget(self.table, 1)
        self._update_actions()

    def _build_filters(self) -> QHBoxLayout:
        pick = self.context.pick
        row = QHBoxLayout()
        self.service_filter = QComboBox()
        self.service_filter.addItem(self.tr("All services"), None)
        for service in Service:
            self.service_filter.addItem(pick(*SERVICE_NAMES[service]), service)
        self.district_filter = QComboBox()
        self.district_filter.addItem(self.tr("All districts"), None)
        for district in sorted(self.context.city.districts, key=lambda d: pick(d.name, d.name_en)):
            self.district_filter.addItem(pick(district.name, district.name_en), district.code)
        self.status_filter = QComboBox()
        self.status_filter.addItem(self.tr("Open incidents"), IncidentFilterProxy.OPEN)
        self.status_filter.addItem(self.tr("All statuses"), None)
        for status in IncidentStatus:
            self.status_filter.addItem(pick(*STATUS_NAMES[status]), status.value)
        self.count_label = QLabel()
        for combo in (self.service_filter, self.district_filter, self.status_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(7)
        for label, combo in (
            (self.tr("Service"), self.service_filter),
            (self.tr("District"), self.district_filter),
            (self.tr("Status"), self.status_filter),
        ):
            row.addWidget(QLabel(label))
            row.addWidget(combo)
            combo.currentIndexChanged.connect(self._on_filters_changed)
        row.addStretch(1)
        return row

    def _build_actions(self) -> QToolBar:
        labels = {
            "acknowledge": self.tr("Acknowledge"),
            "assign": self.tr("Assign"),
            "start": self.tr("Start work"),
            "dispatched": self.tr("Dispatched"),
            "escalate": self.tr("Escalate"),
            "resolve": self.tr("Resolve"),
            "close": self.tr("Close"),
            "reopen": self.tr("Reopen"),
            "merge": self.tr("Merge duplicate"),
            "note": self.tr("Note"),
        }
        self._labels = labels
        # A tool bar folds the actions that do not fit into its ">>" menu, so the queue can be
        # docked narrow beside the map.
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for spec in ACTIONS:
            action = QAction(labels[spec.key], self)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{labels[spec.key]} ({spec.shortcut})")
            action.triggered.connect(lambda _=False, s=spec: self.run_action(s))
            self.addAction(action)
            self.actions_by_key[spec.key] = action
            action.setIconText(f"{labels[spec.key]} [{spec.shortcut}]")
            bar.addAction(action)
        return bar

    # -- selection ------------------------------------------------------------------------

    def selected_incidents(self) -> list[Incident]:
        """The incidents selected in the table, in table order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        incidents = self.context.view.state.incidents
        out = []
        for row in rows:
            incident_id = self.proxy.index(row, 0).data(INCIDENT_ID_ROLE)
            if incident_id in incidents:
                out.append(incidents[incident_id])
        return out

    def select_incident(self, incident_id: str) -> bool:
        """Select and show one incident; False if it is filtered out or unknown."""
        source_row = self.model.row_of(incident_id)
        if source_row is None:
            return False
        return select_source_row(self.table, self.proxy, self.model, source_row)

    def _on_table_selection_changed(self, *_: Any) -> None:
        if self._rebuilding:
            return
        selected = self.selected_incidents()
        incident_id = selected[0].id if len(selected) == 1 else None
        self.context.selection.select_incident(incident_id, origin=self)
        self._update_actions()

    def _on_selection_incident_selected(self, incident_id: str | None, origin: object) -> None:
        if origin is not self and incident_id is not None:
            self.select_incident(incident_id)

    # -- view updates ---------------------------------------------------------------------

    def _on_view_incidents_changed(self, incident_ids: set[str]) -> None:
        self.model.upsert(incident_ids)
        # The selected incident was not reported yet at the instant shown; now it is.
        wanted = self.context.selection.incident_id
        if wanted in incident_ids and not self.table.selectionModel().hasSelection():
            self.select_incident(wanted)
        self._update_count()
        self._update_actions()

    def _on_view_loaded(self) -> None:
        """The whole state was replaced (a seek, live to replay and back): refill the table
        and keep the shared selection where it was, even if that incident is gone for now."""
        self._rebuilding = True
        try:
            descending = self.proxy.sortOrder() is Qt.SortOrder.DescendingOrder
            self.model.reset(self.proxy.sortColumn(), descending)
        finally:
            self._rebuilding = False
        wanted = self.context.selection.incident_id
        if wanted is not None:
            self.select_incident(wanted)
        self._update_count()
        self._update_actions()
        self._show_instant()

    def _on_view_origin_changed(self, _origin: str) -> None:
        self._update_actions()
        self._show_instant()

    def _on_view_position_changed(self, _position_ms: int) -> None:
        now = time.monotonic()
        if not self.isVisible() or now - self._painted_at < REPAINT_EVERY_S:
            return  # the age timer catches up within a second
        self._painted_at = now
        self.model.refresh_ages()
        self._show_instant()

    def _on_age_timer(self) -> None:
        self.model.refresh_ages()
        self._show_instant()

    def _show_instant(self) -> None:
        """The replay mark: the instant shown (hidden live)."""
        view = self.context.view
        self.replay_mark.setVisible(view.is_replay)
        if view.is_replay:
            at = datetime.fromtimestamp(view.now_ms() / 1000).astimezone().strftime("%H:%M:%S")
            self.replay_mark.setText(self.tr("Replay %1").replace("%1", at))

    def _on_view_incidents_reported(self, incident_ids: list[str]) -> None:
        incidents = self.context.view.state.incidents
        critical = [i for i in incident_ids if incidents[i].severity == 1]
        if critical:
            if self.context.settings.alert_sound:
                self.sound.play()
            QApplication.alert(self.window(), 3000)

    def _on_filters_changed(self) -> None:
        self.proxy.set_filters(
            self.service_filter.currentData(),
            self.district_filter.currentData(),
            self.status_filter.currentData(),
        )
        self._update_count()

    def _update_count(self) -> None:
        text = (
            self.tr("%1 shown of %2")
            .replace("%1", str(self.proxy.rowCount()))
            .replace("%2", str(self.model.rowCount()))
        )
        waiting = self.model.unacknowledged_critical()
        if waiting:
            alarm = self.tr("%1 critical not acknowledged").replace("%1", str(waiting))
            text = f"{alarm} · {text}"
        # Red while a critical incident waits for someone to take notice.
        self.count_label.setStyleSheet("color: #ff8b8b; font-weight: bold" if waiting else "")
        self.count_label.setText(text)

    def _update_actions(self) -> None:
        selected = self.selected_incidents()
        replay = self.context.view.is_replay
        for spec in ACTIONS:
            allowed = [i for i in selected if is_allowed(spec.command, i.status)]
            enabled = bool(allowed) and (spec.many or len(selected) == 1)
            action = self.actions_by_key[spec.key]
            action.setEnabled(enabled and not replay)
            label = self._labels[spec.key]
            action.setToolTip(self._replay_tip if replay else f"{label} ({spec.shortcut})")

    # -- actions --------------------------------------------------------------------------

    def _on_table_context_menu(self, position: Any) -> None:
        if not self.table.indexAt(position).isValid():
            return
        menu = QMenu(self)
        for spec in ACTIONS:
            menu.addAction(self.actions_by_key[spec.key])
        menu.popup(self.table.viewport().mapToGlobal(position))

    def run_action(self, spec: IncidentAction, values: dict[str, str] | None = None) -> None:
        """Ask what the action needs (unless ``values`` are given) and send its commands."""
        if self.context.view.is_replay:
            self.show_banner(self._replay_tip)
            return
        targets = [i for i in self.selected_incidents() if is_allowed(spec.command, i.status)]
        if not targets or (not spec.many and len(targets) > 1):
            return
        # What the operator decides on, taken before the dialog: a change someone else makes
        # while it is open is exactly the conflict the version catches.
        seen = {i.id: Seen.of(i) for i in targets}
        if values is None:
            values = self._ask(spec, targets)
            if values is None:
                return
        batch = ActionBatch(self._labels[spec.key], len(targets))
        self._batch = batch
        self.banner.clear_now()  # a new action: the last one's messages were read
        for incident in targets:
            command = self._command(spec, incident.id, values)
            self._send(Sent(command, seen[incident.id] if spec.versioned else None, batch))

    def _send(self, sent: Sent) -> None:
        version = sent.seen.version if sent.seen is not None else None
        future = self.context.backend.submit(
            sent.command, self.context.actor, expected_version=version
        )
        self.context.invoker.when_done(
            future, lambda _records: None, lambda error: self._on_command_failed(error, sent)
        )

    def _command(
        self, spec: IncidentAction, incident_id: str, values: dict[str, str]
    ) -> IncidentCommand:
        command = spec.command(incident_id, values.get("comment", ""))
        extra = {k: v for k, v in values.items() if k in ("assignee", "into_id")}
        return replace(command, **extra) if extra else command

    def _ask(self, spec: IncidentAction, targets: list[Incident]) -> dict[str, str] | None:
        label = self.actions_by_key[spec.key].text()
        subject = ", ".join(incident.id for incident in targets)
        kwargs: dict[str, Any] = {}
        if spec.ask is Ask.ASSIGNEE:
            kwargs["assignees"] = self._known_operators()
        elif spec.ask is Ask.TARGET:
            kwargs["targets"] = self._merge_targets(targets[0])
            if not kwargs["targets"]:
                self.show_banner(self.tr("There is no other open incident to merge into."))
                return None
        elif spec.ask is Ask.NOTE:
            kwargs["comment_required"] = True
        dialog = CommandDialog(label, subject, self, **kwargs)
        if dialog.exec() != CommandDialog.DialogCode.Accepted:
            return None
        return dialog.values()

    def _merge_targets(self, duplicate: Incident) -> list[tuple[str, str]]:
        # Same type first, then nearest in time: the likely original is at the top. Merging
        # acts on the live city, so the candidates come from the live store.
        candidates = [
            i
            for i in self.context.store.state.incidents.values()
            if i.status.is_open and i.id != duplicate.id
        ]
        candidates.sort(
            key=lambda i: (
                i.type_code != duplicate.type_code,
                abs(i.opened_ms - duplicate.opened_ms),
            )
        )
        pick = self.context.pick
        out = []
        for i in candidates[:200]:
            entry = i.incident_type
            name = pick(entry.name_ko, entry.name_en) if entry else i.type_code
            out.append((i.id, f"{i.id} · {name}"))
        return out

    def _known_operators(self) -> list[str]:
        me = self.context.actor.removeprefix("operator:")
        seen = {i.assignee for i in self.context.store.state.incidents.values() if i.assignee}
        return [me, *sorted(seen - {me})]

    def _on_command_failed(self, error: BaseException, sent: Sent | None = None) -> None:
        if isinstance(error, ConflictError) and sent is not None:
            self._on_conflict(error, sent)
            return
        text = self._explain(error) if isinstance(error, IllegalTransition) else str(error)
        if sent is None:
            self.show_banner(text, error=True)
        else:
            sent.batch.others.append(text)
            self._show_batch(sent.batch)
        self.commandFailed.emit(text)

    def _on_conflict(self, error: ConflictError, sent: Sent) -> None:
        """Someone changed the incident after the operator chose the action: nothing was
        applied. Say so, with the state now, and show that incident."""
        state = self.context.store.state
        now = incident_after_conflict(state.incidents.get(error.incident_id), error)
        seen = sent.seen
        if (
            seen is not None
            and now is not None
            and only_background(seen, now)
            and sent.resends < MAX_RESENDS
        ):
            # Only additive traffic (a packet receipt, a camera view, a note, a procedure
            # step) moved the version on: the lifecycle the operator decided on is the one
            # there is, so the action is sent again at the new version.
            self._send(
                replace(sent, seen=replace(seen, version=now.version), resends=sent.resends + 1)
            )
            return
        batch = sent.batch
        first = not batch.conflicts
        batch.conflicts[error.incident_id] = (sent.command, error)
        self._show_batch(batch)
        self.commandFailed.emit(
            self.conflict_text.conflict(batch.label, sent.command, error, state)
        )
        if first:
            self._look_at(error.incident_id)

    def _show_batch(self, batch: ActionBatch) -> None:
        # The banner shows the refusals of the action that failed last: held while it has a
        # conflict (the operator must see it), timed otherwise.
        self._batch = batch
        text = self.conflict_text.batch(batch, self.context.store.state)
        if batch.conflicts:
            self.banner.hold(text)
        else:
            self.show_banner(text, error=True)

    def _look_at(self, incident_id: str) -> None:
        """Select and show the incident so the operator sees its current state."""
        if not self.select_incident(incident_id):
            # Filtered out of the table (closed meanwhile, say): the detail still shows it.
            self.context.selection.select_incident(incident_id, origin=self)

    def _on_store_incidents_changed(self, incident_ids: set[str]) -> None:
        # The store catches up with the change that caused a conflict a moment later (the
        # server refuses before its stream brings the change): the banner follows it.
        batch = self._batch
        if batch is not None and self.banner.held and incident_ids & batch.conflicts.keys():
            self.banner.hold(self.conflict_text.batch(batch, self.context.store.state))

    def _on_banner_dismissed(self) -> None:
        self._batch = None

    def _explain(self, error: IllegalTransition) -> str:
        """The refusal in the operator's language."""
        action = next(
            (self._labels[a.key].lower() for a in ACTIONS if a.command.__name__ == error.command),
            error.command,
        )
        try:
            status = self.context.pick(*STATUS_NAMES[IncidentStatus(error.status)])
        except ValueError:
            status = error.status
        hints = {
            "it is already acknowledged": self.tr("it is already acknowledged"),
            "acknowledge it first": self.tr("acknowledge it first"),
            "assign it first": self.tr("assign it first"),
            "start work on it first": self.tr("start work on it first"),
            "resolve it first": self.tr("resolve it first"),
            "reopen it first": self.tr("reopen it first"),
            "it is still open": self.tr("it is still open"),
            "only open incidents can be merged": self.tr("only open incidents can be merged"),
            "merge into an open incident": self.tr("merge into an open incident"),
        }
        return (
            self.tr("Cannot %1 %2: it is %3; %4.")
            .replace("%1", action)
            .replace("%2", error.incident_id)
            .replace("%3", status)
            .replace("%4", hints.get(error.hint, error.hint))
        )

    def show_banner(self, text: str, error: bool = False) -> None:
        """Show a message above the queue (errors stay 15 s, information 5 s)."""
        self.banner.say(text, error)

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden queue keeps no timers running (a held conflict waits to be read)."""
        if not self.banner.held:
            self.banner.clear_now()
        super().hideEvent(event)

    def current_index(self) -> QModelIndex:
        """The table's current index (for tests and keyboard focus)."""
        return self.table.currentIndex()
