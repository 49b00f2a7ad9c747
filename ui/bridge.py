"""Hand results from worker threads to the GUI thread without blocking either."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot


class GuiInvoker(QObject):
    """Runs callables on the thread this object lives on (the GUI thread)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], Any]) -> None:
        """Queue ``fn`` to run on the GUI thread (callable from any thread)."""
        self._call.emit(fn)

    @Slot(object)
    def _run(self, fn: Callable[[], Any]) -> None:
        fn()

    def when_done(
        self,
        future: Future[Any],
        on_result: Callable[[Any], Any],
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> None:
        """Call ``on_result`` (or ``on_error``) on the GUI thread once ``future`` completes."""

        def done(f: Future[Any]) -> None:
            error = f.exception()
            if error is None:
                self.post(lambda: on_result(f.result()))
            elif on_error is not None:
                self.post(lambda: on_error(error))

        future.add_done_callback(done)
