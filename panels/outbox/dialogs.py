"""The outbox's dialogs: why a waiting packet is cancelled, and the exact bytes of a packet.
Both open without blocking (``open``/``show``), never with ``exec``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.backend import Backend
from core.dispatch.tracking import PacketStatus
from ui.bridge import GuiInvoker
from ui.reason_dialog import ReasonDialog
from ui.workers import run_in_thread

_READ_TIMEOUT_S = 30.0


class CancelPacketDialog(ReasonDialog):
    """Asks why a packet is given up; OK stays disabled until a reason is written (it goes
    into the log with the cancellation)."""

    def __init__(self, subject: str, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Cancel a packet"),
            subject,
            self.tr("The packet will not be sent. The reason is kept in the log with it."),
            self.tr("Required: why is it cancelled?"),
            parent,
        )
        self.ok_button.setText(self.tr("Cancel the packet"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Keep it"))


@dataclass(frozen=True, slots=True)
class StoredBody:
    """A packet's body as the log holds it, and whether it still matches its digest."""

    text: str
    content_type: str
    intact: bool


def read_body(backend: Backend, packet: PacketStatus) -> StoredBody:
    """Read the ``packet.queued`` record that holds the body (blocks: call it off the GUI
    thread); raises LookupError when the record is not in the log."""
    records = backend.events_at([packet.queued_seq]).result(timeout=_READ_TIMEOUT_S)
    if not records:
        raise LookupError(f"event {packet.queued_seq} is not in the log")
    payload = records[0].payload
    text = payload.get("body")
    if not isinstance(text, str):
        raise LookupError(f"event {packet.queued_seq} holds no packet body")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return StoredBody(text, str(payload.get("content_type", "")), digest == packet.body_sha256)


class PacketBodyDialog(QDialog):
    """The exact bytes that leave (or left) the room for one packet, read-only, monospaced,
    with a copy button. The body is read from the log off the GUI thread."""

    def __init__(
        self,
        packet: PacketStatus,
        agency: str,
        backend: Backend,
        invoker: GuiInvoker,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.packet = packet
        self.body: StoredBody | None = None
        self.setWindowTitle(self.tr("Packet %1").replace("%1", packet.distribution_id))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        facts = QFormLayout()
        for label, value in (
            (self.tr("Incident"), packet.incident_id),
            (self.tr("Agency"), f"{agency} ({packet.agency_id})"),
            (self.tr("Format"), f"{packet.format.upper()} · {packet.content_type}"),
            (self.tr("SHA-256"), packet.body_sha256),
        ):
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            facts.addRow(label, shown)
        layout.addLayout(facts)
        self.check = QLabel(self.tr("Reading the packet from the log…"))
        self.check.setWordWrap(True)
        layout.addWidget(self.check)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton(
            self.tr("Copy"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        future = run_in_thread(lambda: read_body(backend, packet), "packet body")
        invoker.when_done(future, self._on_read, self._on_read_failed)

    def _on_read(self, body: StoredBody) -> None:
        if not shiboken6.isValid(self):
            return  # closed before the log answered
        self.body = body
        self.text.setPlainText(body.text)
        self.copy_button.setEnabled(True)
        size = len(body.text.encode("utf-8"))
        if body.intact:
            self.check.setText(
                self.tr("%1 bytes, exactly as queued (the SHA-256 matches).").replace(
                    "%1", f"{size:,}"
                )
            )
            self.check.setStyleSheet("color: #7ee2a8")
        else:
            self.check.setText(
                self.tr(
                    "%1 bytes, but they do not match the SHA-256 recorded when the packet "
                    "was queued: the stored body was changed."
                ).replace("%1", f"{size:,}")
            )
            self.check.setStyleSheet("color: #ff8b8b; font-weight: bold")

    def _on_read_failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.check.setText(
            self.tr("The packet could not be read from the log: %1").replace("%1", str(error))
        )
        self.check.setStyleSheet("color: #ff8b8b; font-weight: bold")

    def copy(self) -> None:
        """Put the exact body on the clipboard."""
        if self.body is not None:
            QGuiApplication.clipboard().setText(self.body.text)
