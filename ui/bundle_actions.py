"""File ▸ Export incident bundle… and File ▸ Open incident bundle…

Export writes the selected incident's bundle on a worker with a progress window that can be
cancelled, from the log file this workstation reads (a remote workstation's replica), and
publishes the export's record through the backend; open starts a review window of its own (a
separate process: a review never shares the live workstation's log, and closing it leaves the
workstation as it was).
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import QObject, QProcess, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

from core.backend import Backend, BackendMode, log_file
from core.bundle.manifest import BundleError
from core.errors import CityroomError
from core.events import EventRecord, NewEvent
from core.remote.errors import CommandQueued
from core.user_dirs import data_dir
from ui.context import AppContext
from ui.reason_dialog import ReasonDialog

if TYPE_CHECKING:
    from core.bundle.export import ExportResult

_MAIN = Path(__file__).resolve().parent.parent / "main.py"
# A review (REPLAY) holds evidence already exported; it publishes nothing.
_EXPORTING_MODES = frozenset({BackendMode.STANDALONE, BackendMode.REMOTE})


class ExportOutcome(NamedTuple):
    """A bundle written, and its ``bundle.exported`` record as the backend takes it."""

    result: ExportResult
    record: Future[list[EventRecord]]


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


def publish_record(backend: Backend, event: NewEvent) -> Future[list[EventRecord]]:
    """Send an export's record through ``backend`` (any thread); a failure to send it at all
    is the future's error too, so the bundle is kept and the operator told."""
    try:
        return backend.publish([event])
    except Exception as exc:  # told to the operator with the bundle, never lost
        failed: Future[list[EventRecord]] = Future()
        failed.set_exception(exc)
        return failed


class BundleActions(QObject):
    """The two File-menu actions and the export running behind its progress window."""

    exported = Signal(object)  # ExportResult: the bundle is written
    recorded = Signal(object)  # then its record settled: None when logged, else the error
    failed = Signal(str)

    def __init__(self, parent: QWidget, menu: QMenu, context: AppContext) -> None:
        super().__init__(parent)
        self.context = context
        self._parent = parent
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="bundle-export")
        self._cancel: threading.Event | None = None
        self._progress: QProgressDialog | None = None
        self.message_box: QMessageBox | None = None  # the last result or problem shown
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
        exporting = self.context.backend.mode in _EXPORTING_MODES
        self.export_action.setEnabled(bool(selected) and exporting)

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

    def export(self, incident_id: str, out: Path, purpose: str) -> Future[ExportOutcome]:
        """Write ``incident_id``'s bundle to ``out`` on a worker, with a progress window, from
        the log file this workstation reads; the export is recorded with ``purpose`` by
        publishing it through the backend (on the server for a remote workstation: its
        replica takes only the server's records)."""
        from ui.bundle_pdf import pdf_writer

        backend = self.context.backend
        source = log_file(backend)
        if source is None:
            self._cancel = None  # an earlier export's cancel must not hide this message
            failed: Future[ExportOutcome] = Future()
            failed.set_exception(
                BundleError(
                    self.tr(
                        "This workstation keeps no copy of the event log to export a bundle "
                        "from. Export it where the log is: python main.py bundle export --db "
                        "FILE."
                    )
                )
            )
            self.context.invoker.when_done(failed, self._on_exported, self._on_failed)
            return failed
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

        published: list[Future[list[EventRecord]]] = []

        def record(event: NewEvent) -> None:  # on the worker, once the bundle is whole
            published.append(publish_record(backend, event))

        def run() -> ExportOutcome:
            from core.bundle.export import export_incident

            result = export_incident(
                source,
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
                record=record,
            )
            return ExportOutcome(result, published[-1])

        future = self._pool.submit(run)
        invoker.when_done(future, self._on_exported, self._on_failed)
        return future

    def _on_exported(self, outcome: ExportOutcome) -> None:
        if self._progress is not None:
            self._progress.close()
        result = outcome.result
        self.exported.emit(result)
        self.context.invoker.when_done(
            outcome.record,
            lambda _records: self._on_recorded(result, None),
            lambda error: self._on_recorded(result, error),
        )

    def _on_recorded(self, result: ExportResult, error: BaseException | None) -> None:
        text = self.tr("%1 written: %2 events, %3 files, %4.").replace("%1", str(result.path))
        text = text.replace("%2", str(result.events)).replace("%3", str(result.files))
        text = text.replace(
            "%4", self.tr("signed") if result.signed else self.tr("not signed (no centre key)")
        )
        if result.missing:
            text += "\n\n" + self.tr("Named in the bundle as missing:") + "\n"
            text += "\n".join(result.missing)
        icon = QMessageBox.Icon.Information
        if isinstance(error, CommandQueued):
            icon = QMessageBox.Icon.Warning
            text += "\n\n" + self.tr(
                "The export is not on record yet: the backend cannot be reached. Its record is "
                "queued and goes to the server when the link is back; keep the bundle to "
                "yourself until then."
            )
        elif error is not None:
            icon = QMessageBox.Icon.Warning
            reason = str(error) if isinstance(error, CityroomError) else repr(error)
            text += "\n\n" + self.tr("The export could not be recorded:") + "\n" + reason
            text += "\n\n" + self.tr(
                "Every export must be on record: delete the bundle, then export it again once "
                "the problem above is fixed."
            )
        self._tell(icon, text)
        self.recorded.emit(error)

    def _on_failed(self, error: BaseException) -> None:
        if self._progress is not None:
            self._progress.close()
        if self._cancel is not None and self._cancel.is_set():
            return  # the operator cancelled; nothing was kept
        message = str(error) if isinstance(error, CityroomError) else repr(error)
        self.failed.emit(message)
        self._tell(QMessageBox.Icon.Warning, message)

    def _tell(self, icon: QMessageBox.Icon, text: str) -> None:
        """Show a result or a problem without blocking (the box is deleted once closed)."""
        box = QMessageBox(
            icon, self.tr("Incident bundle"), text, QMessageBox.StandardButton.Ok, self._parent
        )
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()

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
