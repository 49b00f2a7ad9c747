"""A remote workstation's link to the backend on screen: the status-bar label, the Backend
menu, signing in again and the commands the server refused."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.remote.backend import LinkState, LinkStatus, RemoteBackend
from core.remote.queue import QueuedEntry
from ui.bridge import GuiInvoker
from ui.remote_login import RemoteLoginDialog
from ui.workers import run_in_thread

if TYPE_CHECKING:
    from pathlib import Path

    from ui.context import AppContext
    from ui.main_window import MainWindow

ERROR_COLOUR = "#ff8b8b"
WARNING_COLOUR = "#f5c26b"


class LinkWatch:
    """The latest status the link reported. ``update`` runs on the link's thread after each
    change; the GUI reads ``latest`` on its own timer, so nothing waits on anybody."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.username = username
        self.latest: LinkStatus | None = None

    def update(self, status: LinkStatus) -> None:
        """Keep ``status`` (a plain assignment: safe from any thread)."""
        self.latest = status


def local_time(ms: int) -> str:
    """A UTC instant in ms as local wall time."""
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


class LinkStatusLabel(QLabel):
    """Shows "Backend: online · kim" and the like; a click asks for what the state needs."""

    clicked = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        district_name: Callable[[str], str] | None = None,
    ) -> None:
        super().__init__(parent)
        self._district_name = district_name or str
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.summary = ""  # the text without markup
        self._shown: tuple[object, ...] | None = None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A left click: the refused commands, or the sign-in when it is needed."""
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)

    def show_status(self, status: LinkStatus | None, url: str, username: str) -> None:
        """Show ``status`` (None: the link has not said anything yet)."""
        key = (status, url, username)
        if key == self._shown:
            return  # unchanged since the last refresh: no relayout twice a second
        self._shown = key
        parts, colour = self._describe(status, username)
        refused = status.refused if status is not None else 0
        tail = self.tr("%1 refused").replace("%1", str(refused)) if refused else ""
        self.summary = " · ".join([*parts, tail] if tail else parts)
        text = html.escape(" · ".join(parts))
        if colour:
            text = f'<span style="color: {colour}">{text}</span>'
        if tail:
            text += f' · <span style="color: {ERROR_COLOUR}">{html.escape(tail)}</span>'
        self.setText(text)
        self.setToolTip(self._tooltip(status, url, username))

    def _describe(self, status: LinkStatus | None, username: str) -> tuple[list[str], str]:
        """The label's parts and their colour ("" : the normal one)."""
        if status is None or status.state is LinkState.CONNECTING:
            return [self.tr("Backend: connecting…")], WARNING_COLOUR
        queued = [self.tr("%1 queued").replace("%1", str(status.queued))] if status.queued else []
        if status.state is LinkState.ONLINE:
            account = status.account or {}
            return [
                self.tr("Backend: online"),
                str(account.get("username") or username),
                *queued,
            ], ""
        if status.state is LinkState.OFFLINE:
            return [self.tr("Backend: offline"), *queued, self.tr("retrying")], WARNING_COLOUR
        if status.state is LinkState.LOGIN_NEEDED:
            return [self.tr("Backend: sign-in needed"), *queued], ERROR_COLOUR
        return [self.tr("Backend: refused (see the tooltip)"), *queued], ERROR_COLOUR

    def _tooltip(self, status: LinkStatus | None, url: str, username: str) -> str:
        lines = [self.tr("Backend: %1").replace("%1", url)]
        account = (status.account if status is not None else None) or {}
        if account:
            lines.append(
                self.tr("Account: %1 (%2)")
                .replace("%1", str(account.get("username", username)))
                .replace("%2", str(account.get("role", "")))
            )
        else:
            lines.append(self.tr("Account: %1").replace("%1", username))
        if "view" in account:
            lines.append(self._view_line(account["view"]))
        if status is None:
            return "\n".join(lines)
        if status.since_ms:
            lines.append(self.tr("Since: %1").replace("%1", local_time(status.since_ms)))
        lines.append(self.tr("Last event: #%1").replace("%1", str(status.last_seq)))
        if status.queued:
            lines.append(
                self.tr("Commands waiting to be sent: %1").replace("%1", str(status.queued))
            )
        if status.refused:
            lines.append(
                self.tr("Commands the server refused: %1 (click to see them)").replace(
                    "%1", str(status.refused)
                )
            )
        if status.message:
            lines.append(status.message)
        return "\n".join(lines)

    def _view_line(self, view: object) -> str:
        """Which districts' incidents this desk shows (the server withholds the others)."""
        if not isinstance(view, list):
            return self.tr("Districts: all")
        names = ", ".join(self._district_name(str(code)) for code in view) or "-"
        return self.tr("Districts: %1 (the server withholds other districts' events)").replace(
            "%1", names
        )


class RefusedCommandsDialog(QDialog):
    """The commands the server refused after they waited in the queue: what, when it was
    queued, and the server's reason; each can be dismissed once read. The queue file is read
    and written on worker threads."""

    loaded = Signal()  # the table shows the queue as it was just read

    def __init__(
        self, backend: RemoteBackend, invoker: GuiInvoker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.invoker = invoker
        self.entries: list[QueuedEntry] = []
        self._busy = False
        self.setWindowTitle(self.tr("Commands the server refused"))
        self.resize(820, 360)
        layout = QVBoxLayout(self)
        self.intro_label = QLabel(
            self.tr(
                "These commands were made while the backend could not be reached and refused "
                "when they were sent. Nothing of them was applied; do again what is still needed."
            )
        )
        self.intro_label.setWordWrap(True)
        layout.addWidget(self.intro_label)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(
            [self.tr("What"), self.tr("Queued"), self.tr("The server's reason"), ""]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        layout.addWidget(self.message_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.dismiss_all_button = buttons.addButton(
            self.tr("Dismiss &all"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.dismiss_all_button.clicked.connect(self.dismiss_all)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def reload(self) -> None:
        """Read the refused commands again (on a worker thread)."""
        self._run(self.backend.refused_commands, self._show)

    def dismiss(self, entry_id: int) -> None:
        """Forget one refused command, then show the rest."""
        backend = self.backend

        def work() -> list[QueuedEntry]:
            backend.dismiss_refused(entry_id)
            return backend.refused_commands()

        self._run(work, self._show)

    def dismiss_all(self) -> None:
        """Forget every refused command shown."""
        backend, ids = self.backend, [e.id for e in self.entries]

        def work() -> list[QueuedEntry]:
            for entry_id in ids:
                backend.dismiss_refused(entry_id)
            return backend.refused_commands()

        self._run(work, self._show)

    def _run(
        self,
        work: Callable[[], list[QueuedEntry]],
        then: Callable[[list[QueuedEntry]], None],
    ) -> None:
        self._set_busy(True)
        future = run_in_thread(work, "refused commands")

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(self):
                self._set_busy(False)
                self.message_label.setStyleSheet(f"color: {ERROR_COLOUR}")
                self.message_label.setText(str(error))

        def done(entries: list[QueuedEntry]) -> None:
            if shiboken6.isValid(self):
                then(entries)

        self.invoker.when_done(future, done, failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.dismiss_all_button.setEnabled(not busy and bool(self.entries))
        for row in range(self.table.rowCount()):
            button = self.table.cellWidget(row, 3)
            if button is not None:
                button.setEnabled(not busy)

    def _show(self, entries: list[QueuedEntry]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            cells = (entry.describe(), local_time(entry.created_ms), entry.outcome)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
            button = QPushButton(self.tr("Dismiss"))
            button.clicked.connect(lambda _=False, i=entry.id: self.dismiss(i))
            self.table.setCellWidget(row, 3, button)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        self.message_label.setStyleSheet("")
        self.message_label.setText(
            self.tr("No refused commands.")
            if not entries
            else self.tr("%1 refused.").replace("%1", str(len(entries)))
        )
        self._set_busy(False)
        self.loaded.emit()


class BackendLink(QObject):
    """The Backend menu, the status-bar label and their dialogs for one remote workstation.
    With ``prompt_sign_in`` the sign-in dialog opens by itself (once) when the link asks for
    credentials."""

    signedIn = Signal(str)  # the user name the link now signs in with

    def __init__(
        self,
        window: MainWindow,
        context: AppContext,
        backend: RemoteBackend,
        watch: LinkWatch,
        *,
        ca_file: Path | None = None,
        prompt_sign_in: bool = True,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.backend = backend
        self.watch = watch
        self.ca_file = ca_file
        self.prompt_sign_in = prompt_sign_in
        self.sign_in_dialog: RemoteLoginDialog | None = None
        self.refused_dialog: RefusedCommandsDialog | None = None
        self._prompted_since: int | None = None
        self.label = LinkStatusLabel(district_name=self._district_name)
        self.label.clicked.connect(self._on_label_clicked)
        self.menu = QMenu(self.tr("&Backend"), window)
        self.sign_in_action = self._action(self.tr("&Sign in again…"), self.open_sign_in)
        self.refused_action = self._action(self.tr("&Refused commands…"), self.open_refused)
        window.menuBar().addMenu(self.menu)
        window.status.add_backend_link(self.label, self.refresh)

    def _district_name(self, code: str) -> str:
        try:
            district = self.context.city.district(code)
        except KeyError:
            return code
        return self.context.pick(district.name, district.name_en)

    def _action(self, text: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    def refresh(self) -> None:
        """Show the latest status; ask for credentials when the link newly needs them."""
        status = self.watch.latest
        self.label.show_status(status, self.watch.url, self.watch.username)
        if (
            status is not None
            and status.state is LinkState.LOGIN_NEEDED
            and self.prompt_sign_in
            and status.since_ms != self._prompted_since
            and not self._sign_in_open()
        ):
            self._prompted_since = status.since_ms
            self.open_sign_in(status.message)

    def _sign_in_open(self) -> bool:
        dialog = self.sign_in_dialog
        return dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()

    def _on_label_clicked(self) -> None:
        status = self.watch.latest
        if status is not None and status.state is LinkState.LOGIN_NEEDED:
            self.open_sign_in(status.message)
        else:
            self.open_refused()

    def open_sign_in(self, message: str = "") -> RemoteLoginDialog:
        """Show the sign-in dialog (one, raised if already open); on success the link signs
        in with the new credentials."""
        if self._sign_in_open():
            assert self.sign_in_dialog is not None
            self.sign_in_dialog.raise_()
            return self.sign_in_dialog
        dialog = RemoteLoginDialog(self.watch.url, self.watch.username, self.ca_file, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if message:
            dialog.show_message(message)
        dialog.finished.connect(lambda code: self._on_sign_in_finished(dialog, code))
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def _on_sign_in_finished(self, dialog: RemoteLoginDialog, code: int) -> None:
        if code != QDialog.DialogCode.Accepted:
            return
        login = dialog.login()
        self.watch.username = login.username
        # The server stamps role:username on what it stores; this is what the panels show.
        self.context.actor = f"operator:{login.username}"
        self.backend.login(login.username, login.password)
        self.signedIn.emit(login.username)

    def open_refused(self) -> RefusedCommandsDialog:
        """Show the commands the server refused (one dialog, raised and reloaded if open)."""
        if self.refused_dialog is None:
            self.refused_dialog = RefusedCommandsDialog(
                self.backend, self.context.invoker, self.window
            )
        self.refused_dialog.reload()
        self.refused_dialog.show()
        self.refused_dialog.raise_()
        return self.refused_dialog


def install_backend_link(
    window: MainWindow,
    context: AppContext,
    backend: RemoteBackend,
    watch: LinkWatch,
    *,
    ca_file: Path | None = None,
    prompt_sign_in: bool = True,
) -> BackendLink:
    """Add the Backend menu and the link's label to ``window``."""
    return BackendLink(
        window, context, backend, watch, ca_file=ca_file, prompt_sign_in=prompt_sign_in
    )
