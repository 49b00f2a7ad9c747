"""Copy diagnostics: the support bundle (core.diagnostics) from the running workstation's Help
menu, and from the command line (``cityroom diagnostics --out PATH``).

Only QtCore is imported here at load time: the command-line bundle runs on servers that lack
the graphics libraries QtGui and QtWidgets need; the window's part imports them when it runs.
Qt's versions are read here and passed in: core never imports Qt.
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

from core.backend import Backend, log_file
from core.diagnostics import (
    BundleReport,
    DiagnosticsError,
    bundle_name,
    bundle_target,
    write_bundle,
)
from core.errors import CityroomError
from core.logfiles import current_log_file, default_log_dir
from core.scrub import people_in_event_log, people_known
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
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(documents) if documents and Path(documents).is_dir() else Path(QDir.homePath())
    return folder / bundle_name(now)


def log_folder() -> Path:
    """The folder this process logs to (the default one when it logs nowhere)."""
    current = current_log_file()
    return current.parent if current is not None else default_log_dir()


def qt_versions() -> dict[str, str]:
    """The versions core may not read itself: PySide6, shiboken6, the Qt runtime, and
    pyqtgraph when it is loaded (importing it would load QtGui)."""
    import PySide6
    import shiboken6
    from PySide6.QtCore import qVersion

    versions = {
        "PySide6": PySide6.__version__,
        "shiboken6": shiboken6.__version__,
        "Qt": qVersion(),
    }
    pyqtgraph = sys.modules.get("pyqtgraph")
    if pyqtgraph is not None:
        versions["pyqtgraph"] = str(getattr(pyqtgraph, "__version__", "unknown"))
    return versions


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
        registry = context.dispatch.registry if context.dispatch is not None else None
        people = people_known(context.store.state, registry)
        settings_file = Path(context.settings.location)
        backend = context.backend
        QGuiApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        future = run_in_thread(
            lambda: bundle_with_stats(out, backend, settings_file, extra, people), "diagnostics"
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
    """What the running workstation adds to the bundle: the screens, the backend, the
    incidents by status (numbers only). GUI thread only."""
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
        "screens": screens,
        "backend": {"mode": context.backend.mode.value, "location": context.backend.location},
        "language": context.language,
        "incidents_by_status": dict(sorted(statuses.items())),
        "log_file": str(current_log_file() or "none: this process writes no log file"),
    }


def bundle_with_stats(
    out: Path,
    backend: Backend,
    settings_file: Path | None,
    extra: dict[str, object],
    people: set[str] | None = None,
) -> BundleReport:
    """Add the event log's counts to ``extra`` and write the bundle, pseudonymising
    ``people`` and everyone the event log file names (worker thread)."""
    people = set(people or ())
    path = log_file(backend)
    if path is not None:
        # The folded state knows only the current assignee; the file knows every one.
        try:
            people |= people_in_event_log(path)
        except CityroomError as error:
            log.warning("diagnostics: the people of %s not read: %s", path, error)
    return write_bundle(
        out,
        log_dir=log_folder(),
        settings_file=settings_file,
        extra={**extra, "event_log": event_log_counts(backend)},
        people=people,
        versions=qt_versions(),
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


def cli_diagnostics(
    out: str | Path, *, db: Path | None = None, log_dir: Path | None = None
) -> int:
    """``cityroom diagnostics --out PATH``: write the support bundle to ``out`` and print what
    it holds; 2 with a message naming the problem and the fix when it cannot be written
    (nothing is written then). ``out`` is a file, or an existing folder to put a new
    ``cityroom-diagnostics-….zip`` in; given as text, a trailing separator says it must be a
    folder. ``db`` is the standalone event log whose size is reported and whose people are
    pseudonymised; ``log_dir`` the log folder (default: this process's, else the user's)."""
    # Not ui.settings: it brings the settings dialog, hence QtWidgets, with it.
    from ui.settings_file import open_store, settings_path

    try:
        target = bundle_target(out)
    except DiagnosticsError as error:
        print(f"cityroom diagnostics: {error}", file=sys.stderr)
        return 2
    settings = settings_path()
    extra: dict[str, object] = {
        "backend": {"mode": "unknown (made from the command line)"},
        "log_file": "none: made from the command line",
    }
    if db is not None:
        extra["event_log"] = _file_facts(db)
    registry_setting = str(open_store(settings).value("dispatch/registry", "") or "")
    people, sources = _cli_people(db, Path(registry_setting) if registry_setting else None)
    extra["people_pseudonymised_from"] = sources
    try:
        report = write_bundle(
            target,
            log_dir=log_dir or log_folder(),
            settings_file=settings,
            extra=extra,
            people=people,
            versions=qt_versions(),
        )
    except DiagnosticsError as error:
        print(f"cityroom diagnostics: {error}", file=sys.stderr)
        return 2
    print(report.describe())
    return 0


def _cli_people(db: Path | None, registry_file: Path | None) -> tuple[set[str], list[str]]:
    """The people the event log and the agency registry name, and where they came from (or
    why a source was not read: the bundle is still worth having)."""
    from core.dispatch.agencies import Registry

    people: set[str] = set()
    sources: list[str] = []
    if db is not None and db.is_file():
        try:
            people |= people_in_event_log(db)
            sources.append(f"the event log {db}")
        except CityroomError as error:
            sources.append(f"not the event log: {error}")
    try:
        registry = Registry.load(registry_file)
    except CityroomError as error:
        sources.append(f"not the agency registry: {error}")
    else:
        people |= people_known(registry=registry)
        sources.append(f"the agency registry {registry.path}")
    return people, sources


def _file_facts(path: Path) -> dict[str, object]:
    """An event log file's size and its write-ahead log's, without opening the log (a
    running workstation may be using it)."""
    facts: dict[str, object] = {"path": str(path), "exists": path.is_file()}
    for suffix in ("", "-wal"):
        with contextlib.suppress(OSError):
            facts[f"bytes{suffix}"] = path.with_name(path.name + suffix).stat().st_size
    return facts
