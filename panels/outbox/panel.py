"""The outbox: every packet to an agency with where its delivery stands, the delivery worker's
state and its links, and the operator's actions on a packet (retry now, cancel, show the
exact bytes, go to the incident).

It shows ``context.view``: live, or the packets as they stood at a replay instant; in replay
the delivery worker's state (its links, what it is sending) is live-only and left out, and
retry and cancel are off."""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.dispatch.tracking import PACKET_EVENT_TYPES, PacketStatus
from core.events import EventRecord
from panels.outbox.dialogs import CancelPacketDialog, PacketBodyDialog
from panels.outbox.header import Counts, OutboxHeader
from panels.outbox.model import PACKET_ID_ROLE, PacketFilterProxy, PacketTableModel
from panels.outbox.table import PacketTableView
from ui.banner import TimedBanner
from ui.context import AppContext
from ui.dispatch import DispatchService
from ui.table_model import select_source_row
from ui.visibility import timer_while_visible

# While a replay plays, the countdowns follow its instant at most this often.
REPAINT_EVERY_S = 0.25


class OutboxPanel(QWidget):
    """Packets to agencies, newest first, updated as the log records their delivery."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = PacketTableModel(context, self)
        self.proxy = PacketFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.follow_incident(context.selection.incident_id)
        self.cancel_dialog: CancelPacketDialog | None = None
        self.packet_dialog: PacketBodyDialog | None = None
        self._service: DispatchService | None = None
        self.row_actions: list[QAction] = []  # Retry now, Cancel…, Show packet, Go to incident
        self._painted_at = 0.0
        self._replay_tip = self.tr("Replay shows the past: press F8 to go back to live to act.")
        self._tips: dict[QAction, str] = {}  # each action's own tooltip (replay replaces it)
        self._build()
        view = context.view
        view.loaded.connect(self._on_view_loaded)
        view.eventsApplied.connect(self._on_view_events_applied)
        view.originChanged.connect(self._on_view_origin_changed)
        view.positionChanged.connect(self._on_view_position_changed)
        context.selection.incidentSelected.connect(self._on_selection_incident_selected)
        self._tick_timer = timer_while_visible(self, 1000, self._on_tick)
        if view.is_loaded:  # built after the replica loaded (a panel opened later)
            self.model.reload()
        self._after_change()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.header = OutboxHeader()
        layout.addWidget(self.header)
        layout.addLayout(self._build_controls())
        self.banner = TimedBanner(5_000)
        layout.addWidget(self.banner)
        self.table = PacketTableView(self.proxy)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._on_table_context_menu)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.show_packet())
        for action in self.row_actions:
            self.table.addAction(action)  # their shortcuts work where the rows have focus
        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #8a9bb0")
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self._update_actions()

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.mode_filter = QComboBox()
        for label, mode in (
            (self.tr("All packets"), PacketFilterProxy.ALL),
            (self.tr("This incident"), PacketFilterProxy.INCIDENT),
            (self.tr("Needing attention"), PacketFilterProxy.ATTENTION),
        ):
            self.mode_filter.addItem(label, mode)
        self.mode_filter.currentIndexChanged.connect(self._on_filters_changed)
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText(self.tr("Filter: incident, agency, error…"))
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.setMinimumWidth(140)
        self.text_filter.setMaximumWidth(260)
        self.text_filter.textChanged.connect(self._on_filters_changed)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: #8a9bb0")
        row.addWidget(QLabel(self.tr("Show")))
        row.addWidget(self.mode_filter)
        row.addWidget(self.text_filter, 1)
        row.addWidget(self.count_label)
        self.retry_action = self._action(self.tr("Retry now"), "R", self.retry_now)
        self.cancel_action = self._action(self.tr("Cancel…"), "Del", self.open_cancel_dialog)
        self.show_action = self._action(self.tr("Show packet"), "Return", self.show_packet)
        self.show_action.setShortcuts([QKeySequence("Return"), QKeySequence("Enter")])
        self.goto_action = self._action(self.tr("Go to incident"), "G", self.go_to_incident)
        # A tool bar folds the actions that do not fit into its ">>" menu, so the outbox can
        # be docked narrow beside the sensors.
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in self.row_actions:
            bar.addAction(action)
        row.addWidget(bar, 1)
        find = QAction(self.tr("Find in the outbox"), self)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(lambda: self.text_filter.setFocus())
        self.addAction(find)
        return row

    def _action(self, label: str, shortcut: str, slot: Any) -> QAction:
        # Plain keys: a held Ctrl would turn the selection the action causes in other
        # panels' tables into a toggle (Qt reads the modifiers when a view's current row
        # is set).
        action = QAction(label, self)
        action.setShortcut(QKeySequence(shortcut))
        # On the table only: Delete and Return keep their meaning in the filter field.
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        shown = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{label} ({shown})")
        self._tips[action] = action.toolTip()
        action.triggered.connect(lambda _=False: slot())
        self.row_actions.append(action)
        return action

    # -- the dispatch service -------------------------------------------------------------

    def dispatch(self) -> DispatchService | None:
        """The window's dispatch service (it may be attached after the panel was built)."""
        service = self.context.dispatch
        if service is not self._service:
            self._service = service
            if service is not None:
                service.changed.connect(self._on_dispatch_changed)
        return service

    def _on_dispatch_changed(self) -> None:
        self.model.names_changed()
        self.refresh_header()
        self._update_actions()

    # -- state ----------------------------------------------------------------------------

    def refresh_header(self) -> None:
        """Rewrite the worker's state, the counts and the links that are down (in replay:
        the instant and the counts then; the worker's state is live-only)."""
        view = self.context.view
        if view.is_replay:
            counts = Counts.of(self.model.book)
            self.header.show_replay(counts, view.now_ms())
            self.model.set_links({})
            return
        service = self.dispatch()
        status = service.status() if service is not None else None
        problem: str | None = None
        elsewhere = ""
        if service is not None and service.delivered_by_server:
            elsewhere = service.delivery_note  # a remote desk: the server sends, not a fault
        elif service is not None:
            problem = service.problem or ("" if service.ready else self.tr("stopped"))
        counts = Counts.of(self.model.book)
        self.header.show_state(counts, status, problem, self.model.agency_name, elsewhere)
        links = {link.agency_id: link for link in status.agencies} if status else {}
        self.model.set_links(links)

    def _on_view_loaded(self) -> None:
        # The whole state was replaced: a seek may have taken packets away.
        self.model.reload()
        self._after_change()

    def _on_view_origin_changed(self, _origin: str) -> None:
        self._after_change()

    def _on_view_position_changed(self, _position_ms: int) -> None:
        now = time.monotonic()
        if not self.isVisible() or now - self._painted_at < REPAINT_EVERY_S:
            return  # the tick timer catches up within a second
        self._painted_at = now
        self._on_tick()

    def _on_view_events_applied(self, records: list[EventRecord]) -> None:
        changed = _packet_ids(records)
        if changed:
            self.model.update(changed)
            self._after_change()

    def _after_change(self) -> None:
        self.refresh_header()
        self._update_count()
        self._update_actions()

    def _on_tick(self) -> None:
        self.model.tick()
        self.refresh_header()

    def _on_filters_changed(self) -> None:
        self.proxy.set_filter(self.mode_filter.currentData(), self.text_filter.text())
        self._update_count()

    def set_mode(self, mode: str) -> None:
        """Show all packets, the selected incident's or those needing attention."""
        self.mode_filter.setCurrentIndex(self.mode_filter.findData(mode))

    def _on_selection_incident_selected(self, incident_id: str | None, origin: object) -> None:
        self.proxy.follow_incident(incident_id)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(
            self.tr("%1 of %2").replace("%1", str(shown)).replace("%2", str(total))
        )
        if shown:
            self.empty.hide()
            return
        if total == 0:
            self.empty.setText(self.tr("No packet has been queued for an agency yet."))
        elif self.proxy.mode == PacketFilterProxy.INCIDENT and self.proxy.incident_id is None:
            self.empty.setText(self.tr("Select an incident to see its packets."))
        else:
            self.empty.setText(self.tr("No packet matches the filter."))
        self.empty.show()

    # -- selection ------------------------------------------------------------------------

    def selected_packet(self) -> PacketStatus | None:
        """The packet of the selected row."""
        rows = self.table.selectionModel().selectedRows()
        if len(rows) != 1:
            return None
        distribution_id = rows[0].data(PACKET_ID_ROLE)
        return self.model.book.get(distribution_id) if distribution_id else None

    def select_packet(self, distribution_id: str) -> bool:
        """Select a packet's row; False if it is filtered out or unknown."""
        source_row = self.model.row_of(distribution_id)
        if source_row is None:
            return False
        return select_source_row(self.table, self.proxy, self.model, source_row)

    def _on_table_selection_changed(self, *_: Any) -> None:
        packet = self.selected_packet()
        if packet is not None:
            self.context.selection.select_incident(packet.incident_id, origin=self)
        self._update_actions()

    def _update_actions(self) -> None:
        packet = self.selected_packet()
        service = self.dispatch()
        can_act = packet is not None and packet.pending and service is not None and service.ready
        replay = self.context.view.is_replay
        for action in (self.retry_action, self.cancel_action):
            action.setEnabled(can_act and not replay)
            action.setToolTip(self._replay_tip if replay else self._tips[action])
        if service is not None and service.delivered_by_server and not replay:
            # The server retries by itself; a desk cannot hurry it.
            self.retry_action.setEnabled(False)
            self.retry_action.setToolTip(service.delivery_note)
        self.show_action.setEnabled(packet is not None)
        self.goto_action.setEnabled(packet is not None)

    def _on_table_context_menu(self, position: Any) -> None:
        if not self.table.indexAt(position).isValid():
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for action in self.row_actions:
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(position))

    # -- actions --------------------------------------------------------------------------

    def retry_now(self) -> None:
        """Ask the delivery worker to send the selected waiting packet now."""
        if self._refuse_in_replay():
            return
        packet = self.selected_packet()
        service = self.dispatch()
        if packet is None or not packet.pending or service is None:
            return
        distribution_id = packet.distribution_id
        answer = service.retry_now(distribution_id)
        self._when_answered(
            answer,
            self.tr("Sending %1 now.").replace("%1", distribution_id),
            self.tr("%1 is no longer waiting to be sent.").replace("%1", distribution_id),
        )

    def open_cancel_dialog(self) -> CancelPacketDialog | None:
        """Ask why the selected waiting packet is given up, then cancel it."""
        if self._refuse_in_replay():
            return None
        packet = self.selected_packet()
        if packet is None or not packet.pending or self.dispatch() is None:
            return None
        subject = f"{packet.distribution_id} · {self.model.agency_name(packet.agency_id)}"
        dialog = CancelPacketDialog(subject, self)
        distribution_id = packet.distribution_id
        dialog.accepted.connect(lambda: self.cancel(distribution_id, dialog.reason.text()))
        dialog.finished.connect(lambda _result: setattr(self, "cancel_dialog", None))
        dialog.finished.connect(dialog.deleteLater)
        self.cancel_dialog = dialog
        dialog.open()
        return dialog

    def cancel(self, distribution_id: str, reason: str) -> None:
        """Give up a packet not yet sent, with the operator's reason."""
        service = self.dispatch()
        if service is None or self._refuse_in_replay():
            return
        answer = service.cancel(distribution_id, reason.strip(), self.context.actor)
        self._when_answered(
            answer,
            self.tr("%1 is cancelled.").replace("%1", distribution_id),
            self.tr("%1 could not be cancelled: it has already left or failed.").replace(
                "%1", distribution_id
            ),
        )

    def _refuse_in_replay(self) -> bool:
        """Say why nothing is done, and return True, while the outbox shows a replay."""
        if self.context.view.is_replay:
            self.show_banner(self._replay_tip)
            return True
        return False

    def _when_answered(self, answer: Future[bool] | None, done: str, refused: str) -> None:
        if answer is None:
            service = self.dispatch()
            why = service.problem if service is not None and service.problem else ""
            text = self.tr("The delivery worker is not running.")
            self.show_banner(f"{text} {why}".strip(), error=True)
            return

        def answered(ok: bool) -> None:
            if shiboken6.isValid(self):
                self.show_banner(done if ok else refused, error=not ok)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self):
                self.show_banner(str(error), error=True)

        self.context.invoker.when_done(answer, answered, failed)

    def show_packet(self) -> PacketBodyDialog | None:
        """Open the selected packet's exact body (read from the log off the GUI thread)."""
        packet = self.selected_packet()
        if packet is None:
            return None
        agency = self.model.agency_name(packet.agency_id)
        dialog = PacketBodyDialog(packet, agency, self.context.backend, self.context.invoker, self)
        dialog.finished.connect(lambda _result: setattr(self, "packet_dialog", None))
        self.packet_dialog = dialog
        dialog.show()
        return dialog

    def go_to_incident(self) -> None:
        """Select the packet's incident everywhere (the queue, the map, the detail)."""
        packet = self.selected_packet()
        if packet is not None:
            # No origin: every panel follows, as when the queue chooses an incident.
            self.context.selection.select_incident(packet.incident_id)

    def show_banner(self, text: str, error: bool = False) -> None:
        """Show a message above the table (errors stay 15 s, information 5 s)."""
        self.banner.say(text, error)

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden outbox keeps no timers running."""
        self.banner.clear_now()
        super().hideEvent(event)


def _packet_ids(records: Iterable[EventRecord]) -> list[str]:
    """The distribution ids the packet events among ``records`` are about."""
    ids: list[str] = []
    for record in records:
        if record.type in PACKET_EVENT_TYPES:
            distribution_id = record.payload.get("distribution_id")
            if isinstance(distribution_id, str):
                ids.append(distribution_id)
    return ids
