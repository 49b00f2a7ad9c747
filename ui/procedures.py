"""The workstation's response procedures: the library read off the GUI thread, reloaded when
a procedure file changes on disk, and the starter that gives new incidents their procedure.

Two folders are read: the shipped procedures and the user's own (in Cityroom's data folder,
created when the live workstation starts). A file that is refused on reload keeps its last
good version in force; the notice names the file, line and key.

A workstation connected to the centre's server (``BackendMode.REMOTE``) reads and watches the
library (panels show procedures) but starts none: the server's starter gives every new
incident its procedure once for all workstations (``server/automation.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal

from core.backend import Backend, BackendMode
from core.notices import NoticeBoard, NoticeLevel
from core.sop.definitions import SOP_DIR, SopFileError
from core.sop.library import LoadReport, ProcedureLibrary
from core.sop.starter import ProcedureStarter
from ui.bridge import GuiInvoker
from ui.settings import default_data_dir
from ui.store import EventStore
from ui.workers import run_in_thread


def user_procedure_dir() -> Path:
    """The folder for the site's own procedure files (beside the user's rules copy)."""
    return default_data_dir() / "sop"


def describe(error: SopFileError) -> str:
    """A refused procedure file in one line: file, line, step, key, the problem and the fix."""
    place = [error.path.name if error.path is not None else "<text>"]
    if error.line is not None:
        place.append(f"line {error.line}")
    if error.step_id:
        place.append(f"step {error.step_id!r}")
    if error.key:
        place.append(f"key {error.key!r}")
    return f"{', '.join(place)}: {error.problem} — {error.fix}"


class ProcedureService(QObject):
    """Holds the :class:`ProcedureLibrary`; ``load`` reads it on a worker thread and emits
    ``changed`` on the GUI thread once the procedures in force are known. ``start_live``
    watches the folders and starts the :class:`ProcedureStarter` (not on a server's backend:
    the server starts procedures); ``stop`` ends both."""

    changed = Signal()
    loadFinished = Signal(object)  # LoadReport of every load, initial or reload

    def __init__(
        self,
        invoker: GuiInvoker,
        notices: NoticeBoard,
        folders: Sequence[Path] = (SOP_DIR,),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._invoker = invoker
        self._notices = notices
        self.library = ProcedureLibrary(folders)
        self.loaded = False
        self.count = 0  # procedures in force
        self.starter: ProcedureStarter | None = None
        self._loading = False
        self._again = False
        self._stopped = False
        self._live: tuple[Backend, EventStore] | None = None
        self._reported: dict[Path | None, str] = {}  # refusals already told, by file
        # Made by start_live and deleted by stop, both on the GUI thread: a watcher must not
        # be destroyed with its owner wherever Python happens to collect it.
        self._watcher: QFileSystemWatcher | None = None
        # An editor's save is often several writes and a rename: read once the files rest.
        self._settle = QTimer(self)
        self._settle.setObjectName("procedureFileSettle")
        self._settle.setSingleShot(True)
        self._settle.setInterval(300)
        self._settle.timeout.connect(self.load)

    @property
    def folders(self) -> tuple[Path, ...]:
        """The folders read, shipped first (a later folder may add procedures)."""
        return self.library.folders

    # -- loading ------------------------------------------------------------------------------

    def load(self) -> Future[LoadReport] | None:
        """(Re)read the procedure files on a worker thread; refusals and a changed set of
        procedures are told as notices. While a load runs, another is queued behind it (and
        None returned) so two loads never race."""
        if self._stopped:
            return None
        if self._loading:
            self._again = True
            return None
        self._loading = True
        future = run_in_thread(self.library.load, "procedure library")
        # The worker thread keeps only a weak reference: were it the last holder, this
        # QObject would be destroyed on that thread, which Qt does not allow.
        this = weakref.ref(self)

        def loaded(report: LoadReport) -> None:
            service = this()
            if service is not None:
                service._on_loaded(report)

        def failed(error: BaseException) -> None:
            service = this()
            if service is not None:
                service._on_failed(error)

        self._invoker.when_done(future, loaded, failed)
        return future

    def _on_loaded(self, report: LoadReport) -> None:
        first = not self.loaded
        changed = bool(report.changed) or report.loaded != self.count
        self.loaded = True
        self.count = report.loaded
        self._report_refusals(report.refused, first)
        if changed and not first:
            text = self.tr("Procedures reloaded: %1 in force").replace("%1", str(report.loaded))
            self._notify(NoticeLevel.INFO, text)
        self._finish_load()
        if first or changed:
            self.changed.emit()
        self.loadFinished.emit(report)

    def _on_failed(self, error: BaseException) -> None:
        text = self.tr("Could not read the procedures: %1").replace("%1", str(error))
        self._notify(NoticeLevel.ERROR, text)
        self._finish_load()

    def _finish_load(self) -> None:
        self._loading = False
        self._watch()  # a file replaced by a rename needs watching again
        if self._again:
            self._again = False
            self.load()
        else:
            self._start_starter()  # the first load may be what the starter waited for

    def _report_refusals(self, refused: Sequence[SopFileError], first: bool) -> None:
        in_force = {p.path for p in self.library.procedures()}
        told = dict(self._reported)
        self._reported = {}
        for error in refused:
            text = describe(error)
            self._reported[error.path] = text
            if told.get(error.path) == text:
                continue  # the same file, unchanged: said already
            if error.path in in_force and not first:
                level = NoticeLevel.WARNING
                message = self.tr(
                    "Procedure file refused: %1; the previous version stays in force"
                )
            else:
                level = NoticeLevel.ERROR
                message = self.tr("Procedure file refused: %1")
            self._notify(level, message.replace("%1", text))

    def _notify(self, level: NoticeLevel, text: str) -> None:
        self._notices.post(level, self.tr("Procedures"), text)

    # -- the live workstation -----------------------------------------------------------------

    def start_live(self, backend: Backend, store: EventStore) -> None:
        """Watch the procedure folders, and start giving incidents their procedure once both
        the replica and the library have loaded."""
        self._live = (backend, store)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        for folder in self.folders[1:]:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                text = self.tr("Cannot create the folder for your own procedures %1: %2")
                self._notify(
                    NoticeLevel.WARNING,
                    text.replace("%1", str(folder)).replace("%2", error.strerror or str(error)),
                )
        self._watch()
        if not store.is_loaded:
            store.loaded.connect(self._start_starter, Qt.ConnectionType.SingleShotConnection)
        self._start_starter()

    def _start_starter(self) -> None:
        if self._live is None or self.starter is not None or self._stopped or not self.loaded:
            return
        backend, store = self._live
        if backend.mode is BackendMode.REMOTE:
            return  # the centre's server starts them, once for every workstation
        if not store.is_loaded:
            return
        # Read on the GUI thread: the replica belongs to it. Incidents reported after
        # last_seq come through the starter's feed; those before it and still without a
        # procedure (reported while no workstation ran) are caught up now.
        state = store.state
        waiting = [
            (i.id, i.type_code)
            for i in state.incidents.values()
            if i.status.is_open
            and i.procedure is None
            and self.library.for_type(i.type_code) is not None
        ]
        self.starter = ProcedureStarter(backend, self.library, self._notices)
        self.starter.start(state.last_seq, waiting)

    def _watch(self) -> None:
        if self._watcher is None or self._stopped:
            return
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        paths = [str(f) for f in self.folders if f.is_dir()]
        paths += [str(p) for f in self.folders if f.is_dir() for p in sorted(f.glob("*.toml"))]
        if paths:
            self._watcher.addPaths(paths)

    def _on_watcher_changed(self, _path: str) -> None:
        if not self._stopped:
            self._settle.start()

    def stop(self) -> None:
        """Stop watching the folders and starting procedures."""
        self._stopped = True
        self._settle.stop()
        if self._watcher is not None:
            self._watcher.fileChanged.disconnect(self._on_watcher_changed)
            self._watcher.directoryChanged.disconnect(self._on_watcher_changed)
            self._watcher.deleteLater()
            self._watcher = None
        if self.starter is not None:
            self.starter.stop()
