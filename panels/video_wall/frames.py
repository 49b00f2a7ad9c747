"""Reading recorded frames off the GUI thread: a few threads for the whole wall, and per tile
one request at a time with the newest one winning."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ui.bridge import GuiInvoker

READERS = 4  # recorded frames are read and decoded by this many threads at most


class FramePool:
    """The threads that read and decode recorded frames for one wall.

    Made on first use; ``shutdown`` lets the idle threads end (the wall calls it when it
    hides), and the next job makes new ones.
    """

    def __init__(self, workers: int = READERS, name: str = "recorded frames") -> None:
        self._workers = workers
        self._name = name
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], Any]) -> Future[Any]:
        """Run ``job`` on one of the threads."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix=self._name)
            return self._executor.submit(job)

    def shutdown(self) -> None:
        """Let the threads end once their jobs are done; nobody waits for them."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False)


class NewestOnly:
    """One job at a time; a job asked for while one runs waits in a single place, replacing
    any job waiting there. A tile following a moving instant thus reads at most one frame at
    a time and skips the instants it could not keep up with, never queueing stale ones.

    Used on the GUI thread only; results come back to it through the invoker.
    """

    def __init__(self, invoker: GuiInvoker, pool: FramePool) -> None:
        self._invoker = invoker
        self._pool = pool
        self._busy = False
        self._pending: tuple[Callable[[], Any], Callable[[Any], None]] | None = None
        self.skipped = 0  # jobs replaced before they ran

    @property
    def busy(self) -> bool:
        """Whether a job is running."""
        return self._busy

    def request(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``job`` off the GUI thread and hand its result to ``done`` on it (a job that
        fails is dropped: the next request shows what is there)."""
        if self._busy:
            if self._pending is not None:
                self.skipped += 1
            self._pending = (job, done)
            return
        self._busy = True
        future = self._pool.submit(job)

        def finished(result: Any) -> None:
            self._busy = False
            done(result)
            self._next()

        def failed(_error: BaseException) -> None:
            self._busy = False
            self._next()

        self._invoker.when_done(future, finished, failed)

    def forget(self) -> None:
        """Drop the waiting job, if any (the tile closed or the wall left the recording)."""
        self._pending = None

    def _next(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self.request(*pending)
