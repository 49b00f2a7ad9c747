"""Copy diagnostics: the support bundle (core.diagnostics) from the running workstation's Help
menu, and from the command line (``cityroom diagnostics --out FILE``).

Only QtCore is imported here at load time: the command-line bundle runs on servers that lack
the graphics libraries QtGui and QtWidgets need; the window's part imports them when it runs.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections import Counter
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDir, QObject, QStandardPaths, Qt, Signal

from core.backend import Backend
from core.diagnostics import BundleReport, DiagnosticsError, write_bundle
from core.logfiles import current_log_file, default_log_dir
from ui.workers import run_in_thread

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from ui.context import AppContext

log = logging.getLogger("cityroom.diagnostics")

STATS_TIMEOUT_S = 10.0
"""How long the bundle waits for the event log's counts (a remote backend may be away)."""


def default_bundle_path(now: datetime | None = None) -> Path:
    """``cityroom-diagnostics-YYYYMMDD-HHMMSS.zip`` in the user's Documents folder, or in the
    home folder when there is none."""
    stamp = f"{now or datetime.now():%Y%m%d-%H%M%S}"
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents and Path(documents).is_dir() else Path(QDir.homePath())
    return folder / f"cityroom-diagnostics-{stamp}.zip"


def log_folder() -> Path:
    """The folder this process logs to (the default one when it logs nowhere)."""
    current = current_log_file()
    return current.parent if current is not None else default_log_dir()


def clipboard_text(report: BundleReport) -> str:
    """What goes on the clipboard: the bundle's path and the one-line summary."""
    # English on purpose: it is pasted into a support ticket, read by support.
    return f"Cityroom diagnostics: {report.path}\n{report.summary}\n"


def copy_diagnostics(
    window: QWidget, context: AppContext, *, target: Path | None = None
) -> DiagnosticsJob:
    """Ask where to save the support bundle (or use ``target``), build it off the GUI thread,
    then show what was written and put its path and a summary on the clipboard."""
    job = DiagnosticsJob(window, context)
    job.start(target)
    return job


class DiagnosticsJob(QObject):
    """One run of "Copy diagnostics…"; ``finished`` carries the report (None: cancelled or
    failed, the reason shown)."""

    finished = Signal(object)

    def __init__(self, window: QWidget, context: AppContext) -> None:
        super().__init__(window)
        self._window = window
        self._context = context

    def start(self, target: Path | None = None) -> None:
        """Ask for the file (none given), then build the bundle there."""
        if target is not None:
            self._build(target)
            return
        from PySide6.QtWidgets import QFileDialog

        suggested = default_bundle_path()
        dialog = QFileDialog(
            self._window,
            self.tr("Save diagnostics"),
            str(suggested.parent),
            self.tr("Zip archive (*.zip)"),
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("zip")
        dialog.selectFile(str(suggested))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda chosen: self._build(Path(chosen)))
        dialog.rejected.connect(lambda: self._finish(None))
        dialog.open()  # window-modal, not a nested event loop

    def _build(self, out: Path) -> None:
        from PySide6.QtGui import QGuiApplication

        context = self._context
        context.settings.sync()  # the file on disk holds what the window shows
        # Read here, on the GUI thread: the folded state and the screens live on it.
        extra = window_facts(self._window, context)
        settings_file = Path(context.settings.location)
        backend = context.backend
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        future = run_in_thread(
            lambda: bundle_with_stats(out, backend, settings_file, extra), "diagnostics"
        )
        context.invoker.when_done(future, self._on_bundle_written, self._on_bundle_failed)

    def _on_bundle_written(self, report: BundleReport) -> None:
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QMessageBox

        QGuiApplication.restoreOverrideCursor()
        QGuiApplication.clipboard().setText(clipboard_text(report))
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Diagnostics saved"),
            self.tr("The diagnostics bundle was saved to %1.").replace("%1", str(report.path)),
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setInformativeText(
            self.tr(
                "Its path and a short summary are on the clipboard: paste them into your "
                "message to support and attach the file. Personal data was removed; "
                "manifest.txt inside lists what the bundle holds and what was removed."
            )
        )
        box.setDetailedText(report.describe())
        self._show(box)
        self._finish(report)

    def _on_bundle_failed(self, error: BaseException) -> None:
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QMessageBox

        QGuiApplication.restoreOverrideCursor()
        if isinstance(error, DiagnosticsError):
            reason = str(error)
        else:
            log.error("diagnostics bundle failed", exc_info=error)
            reason = self.tr("Unexpected error: %1. It was written to the log file.").replace(
                "%1", f"{type(error).__name__}: {error}"
            )
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            self.tr("Diagnostics not saved"),
            self.tr("The diagnostics bundle could not be written."),
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        box.setInformativeText(reason)
        self._show(box)
        self._finish(None)

    def _show(self, box: QWidget) -> None:
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.show()

    def _finish(self, report: BundleReport | None) -> None:
        self.finished.emit(report)
        self.deleteLater()


def window_facts(window: QWidget, context: AppContext) -> dict[str, object]:
    """What the running workstation adds to the bundle: Qt, the screens, the backend, the
    incidents by status (numbers only). GUI thread only."""
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtGui import QGuiApplication

    current = window.screen()
    screens = [
        {
            "name": screen.name(),
            "geometry": [
                screen.geometry().x(),
                screen.geometry().y(),
                screen.geometry().width(),
                screen.geometry().height(),
            ],
            "logical_dpi": round(screen.logicalDotsPerInch(), 1),
            "physical_dpi": round(screen.physicalDotsPerInch(), 1),
            "device_pixel_ratio": screen.devicePixelRatio(),
            "refresh_hz": round(screen.refreshRate(), 1),
            "primary": screen is QGuiApplication.primaryScreen(),
            "has_window": screen is current,
        }
        for screen in QGuiApplication.screens()
    ]
    statuses = Counter(i.status.value for i in context.store.state.incidents.values())
    return {
        "qt": {"qt": qVersion(), "pyside6": PySide6.__version__},
        "screens": screens,
        "backend": {"mode": context.backend.mode.value, "location": context.backend.location},
        "language": context.language,
        "incidents_by_status": dict(sorted(statuses.items())),
        "log_file": str(current_log_file() or "none: this process writes no log file"),
    }


def bundle_with_stats(
    out: Path, backend: Backend, settings_file: Path | None, extra: dict[str, object]
) -> BundleReport:
    """Add the event log's counts to ``extra`` and write the bundle (worker thread)."""
    return write_bundle(
        out,
        log_dir=log_folder(),
        settings_file=settings_file,
        extra={**extra, "event_log": event_log_counts(backend)},
    )


def event_log_counts(backend: Backend) -> dict[str, object]:
    """The log's counts (events by type, incidents by status, time span; numbers only), or
    why they are missing."""
    try:
        counts = backend.stats().result(timeout=STATS_TIMEOUT_S)
    except FutureTimeout:
        return {"unavailable": f"no answer within {STATS_TIMEOUT_S:g} s"}
    except Exception as error:  # the bundle is still worth having without the counts
        return {"unavailable": f"{type(error).__name__}: {error}"}
    return asdict(counts)


def cli_diagnostics(out: Path, *, db: Path | None = None, log_dir: Path | None = None) -> int:
    """``cityroom diagnostics --out FILE``: write the support bundle to ``out`` (a folder:
    a new file in it) and print what it holds; 2 with a message naming the problem when it
    cannot be written. ``db`` is the standalone event log whose size is reported; ``log_dir``
    the log folder (default: this process's, else the user's)."""
    # Not ui.settings: it brings the settings dialog, hence QtWidgets, with it.
    from ui.settings_file import settings_path

    if out.is_dir():
        out = out / f"cityroom-diagnostics-{datetime.now():%Y%m%d-%H%M%S}.zip"
    extra: dict[str, object] = {
        "backend": {"mode": "unknown (made from the command line)"},
        "log_file": "none: made from the command line",
    }
    if db is not None:
        extra["event_log"] = _file_facts(db)
    try:
        report = write_bundle(
            out, log_dir=log_dir or log_folder(), settings_file=settings_path(), extra=extra
        )
    except DiagnosticsError as error:
        print(f"cityroom diagnostics: {error}", file=sys.stderr)
        return 2
    print(report.describe())
    return 0


def _file_facts(path: Path) -> dict[str, object]:
    """An event log file's size and its write-ahead log's, without opening the log (a
    running workstation may be using it)."""
    facts: dict[str, object] = {"path": str(path), "exists": path.is_file()}
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            facts[f"bytes{suffix}"] = path.with_name(path.name + suffix).stat().st_size
    return facts
