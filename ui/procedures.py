"""The workstation's response procedures: the library read off the GUI thread, and told to
whoever shows procedures when it changes."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from core.notices import NoticeBoard, NoticeLevel
from core.sop.definitions import SOP_DIR
from core.sop.library import LoadReport, ProcedureLibrary
from ui.bridge import GuiInvoker
from ui.workers import run_in_thread

SOURCE = "procedures"


class ProcedureService(QObject):
    """Holds the :class:`ProcedureLibrary`; ``load`` reads it on a worker thread and emits
    ``changed`` on the GUI thread once the procedures in force are known."""

    changed = Signal()

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

    def load(self) -> Future[LoadReport]:
        """(Re)read the procedure files; refused files are reported as notices."""
        future = run_in_thread(self.library.load, "procedure library")
        self._invoker.when_done(future, self._on_loaded, self._on_failed)
        return future

    def _on_loaded(self, report: LoadReport) -> None:
        for error in report.refused:
            self._notices.post(NoticeLevel.ERROR, SOURCE, str(error))
        self.loaded = True
        self.changed.emit()

    def _on_failed(self, error: BaseException) -> None:
        self._notices.post(NoticeLevel.ERROR, SOURCE, f"Could not read the procedures: {error}")
