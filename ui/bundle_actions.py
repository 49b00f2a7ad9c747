"""File ▸ Export incident bundle… and File ▸ Open incident bundle…

Export writes the selected incident's bundle on a worker with a progress window that can be
cancelled; open starts a review window of its own (a separate process: a review never shares
the live workstation's log, and closing it leaves the workstation as it was).
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QProcess, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

from core.backend import BackendMode
from core.catalogue_site import data_dir
from core.errors import CityroomError
from ui.context import AppContext
from ui.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from core.bundle.export import ExportResult

_MAIN = Path(__file__).resolve().parent.parent / "main.py"


def review_command(bundle: Path) -> tuple[str, list[str]]:
    """The program and arguments that open ``bundle`` for review in a window of its own."""
    if getattr(sys, "frozen", False):  # the packaged application is its own interpreter
        return sys.executable, ["review", str(bundle)]
    return sys.executable, [str(_MAIN), "review", str(bundle)]


def sign_key() -> bytes | None:
    """The centre's signing key: ``CITYROOM_BUNDLE_KEY`` (a file), else the data folder's
    ``keys/centre.key`` when there is one; bundles are unsigned without either."""
    named = os.environ.get("CITYROOM_BUNDLE_KEY")
    path = Path(named) if named else data_dir() / "keys" / "centre.key"
    return path.read_bytes() if path.is_file() else None


class BundleActions(QObject):
    """The two File-menu actions and the export running behind its progress window."""

    exported = Signal(object)  # ExportResult
    failed = Signal(str)

    def __init__(self, parent: QWidget, menu: QMenu, context: AppContext) -> None:
        super().__init__(parent)
        self.context = context
        self._parent = parent
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bundle-export")
        self._cancel: threading.Event | None = None
        self._progress: QProgressDialog | None = None
        self.export_action = QAction(self.tr("&Export incident bundle…"), parent)
        self.export_action.setShortcut(QKeySequence("Ctrl+Shift+X"))
        self.export_action.setToolTip(
            self.tr(
                "Write the selected incident's events, readings, evidence, packets, map and "
                "after-action report into one verifiable zip (Ctrl+Shift+X)"
            )
        )
        self.export_action.triggered.connect(self.ask_and_export)
        self.open_action = QAction(self.tr("&Open incident bundle…"), parent)
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_action.setToolTip(
            self.tr("Review an incident bundle read-only in a window of its own (Ctrl+O)")
        )
        self.open_action.triggered.connect(self.ask_and_open)
        menu.addAction(self.export_action)
        menu.addAction(self.open_action)
        context.selection.incidentSelected.connect(self._update)
        self._update()

    def _update(self, *_args: Any) -> None:
        selected = self.context.selection.incident_id
        local = self.context.backend.mode is BackendMode.STANDALONE
        self.export_action.setEnabled(bool(selected) and local)

    # -- export -----------------------------------------------------------------------------

    def ask_and_export(self) -> None:
        """Ask where to write the selected incident's bundle, then write it."""
        incident_id = self.context.selection.incident_id
        if not incident_id:
            return
        suggestion = Path.home() / f"{incident_id}-{datetime.now():%Y%m%d-%H%M}.zip"
        chosen, _ = QFileDialog.getSaveFileName(
            self._parent,
            self.tr("Export incident bundle"),
            str(suggestion),
            self.tr("Incident bundle (*.zip)"),
        )
        if not chosen:
            return
        dialog = ReasonDialog(
            self.tr("Export incident bundle"),
            incident_id,
            self.tr(
                "The bundle carries the incident's camera stills and clips. Every export is "
                "recorded in the log with who made it and why."
            ),
            self.tr("Purpose, e.g. after-action review, investigation request no. …"),
            self._parent,
        )
        if dialog.exec():
            self.export(incident_id, Path(chosen).with_suffix(".zip"), dialog.reason.text())

    def export(self, incident_id: str, out: Path, purpose: str) -> Future[ExportResult]:
        """Write ``incident_id``'s bundle to ``out`` on a worker, with a progress window; the
        export is recorded in the log with ``purpose``."""
        from ui.bundle_pdf import pdf_writer

        printer = pdf_writer()  # made here: it may create Qt objects; it prints on the worker

        cancel = self._cancel = threading.Event()
        progress = self._progress = QProgressDialog(
            self.tr("Exporting %1…").replace("%1", incident_id),
            self.tr("Cancel"),
            0,
            100,
            self._parent,
        )
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.canceled.connect(cancel.set)
        invoker = self.context.invoker
        settings = self.context.settings

        def moved(fraction: float) -> None:
            invoker.post(lambda: progress.setValue(round(fraction * 100)))

        def run() -> ExportResult:
            from core.bundle.export import export_incident

            return export_incident(
                Path(self.context.backend.location),
                incident_id,
                out,
                evidence_dir=settings.evidence_dir,
                sign_key=sign_key(),
                language=self.context.language,
                margin_ms=10 * 60_000,
                pdf=printer,
                created_by=self.context.actor,
                purpose=purpose,
                progress=moved,
                cancel=cancel,
            )

        future = self._pool.submit(run)
        invoker.when_done(future, self._on_exported, self._on_failed)
        return future

    def _on_exported(self, result: ExportResult) -> None:
        if self._progress is not None:
            self._progress.close()
        self.exported.emit(result)
        text = self.tr("%1 written: %2 events, %3 files, %4.").replace("%1", str(result.path))
        text = text.replace("%2", str(result.events)).replace("%3", str(result.files))
        text = text.replace(
            "%4", self.tr("signed") if result.signed else self.tr("not signed (no centre key)")
        )
        if result.missing:
            text += "\n\n" + self.tr("Named in the bundle as missing:") + "\n"
            text += "\n".join(result.missing)
        QMessageBox.information(self._parent, self.tr("Incident bundle"), text)

    def _on_failed(self, error: BaseException) -> None:
        if self._progress is not None:
            self._progress.close()
        if self._cancel is not None and self._cancel.is_set():
            return  # the operator cancelled; nothing was kept
        message = str(error) if isinstance(error, CityroomError) else repr(error)
        self.failed.emit(message)
        QMessageBox.warning(self._parent, self.tr("Incident bundle"), message)

    # -- open -------------------------------------------------------------------------------

    def ask_and_open(self) -> None:
        """Ask for a bundle and open it for review in a window of its own."""
        chosen, _ = QFileDialog.getOpenFileName(
            self._parent,
            self.tr("Open incident bundle"),
            str(Path.home()),
            self.tr("Incident bundle (*.zip)"),
        )
        if chosen:
            self.open_review(Path(chosen))

    def open_review(self, bundle: Path) -> bool:
        """Start the review of ``bundle``; False (and a message) when it could not start."""
        program, arguments = review_command(bundle)
        started, _pid = QProcess.startDetached(program, arguments)
        if not started:
            QMessageBox.warning(
                self._parent,
                self.tr("Incident bundle"),
                self.tr("The review window could not be started: %1 %2")
                .replace("%1", program)
                .replace("%2", " ".join(arguments)),
            )
        return bool(started)

    def shutdown(self) -> None:
        """Stop an export under way (nothing half-written is kept)."""
        if self._cancel is not None:
            self._cancel.set()
        self._pool.shutdown(wait=False)


def install_bundle_actions(window: QWidget, menu: QMenu, context: AppContext) -> BundleActions:
    """Add the bundle actions to ``menu`` (the File menu)."""
    return BundleActions(window, menu, context)
