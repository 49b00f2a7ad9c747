"""The audit trail: every request to the backend, as events in a hash chain of their own.

Requests are recorded off the request path: a thread appends them in batches, so auditing
costs a request a queue put, not a database round trip. Nothing is dropped: a batch the
database refused is kept and tried again, and ``stop`` writes what is left.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from typing import Any

from core.events import EventType, NewEvent
from server.errors import DatabaseUnavailable
from server.pg_log import PgEventLog

log = logging.getLogger("cityroom.server.audit")


class _Flush:
    """A marker in the queue: set once everything queued before it is written."""

    def __init__(self) -> None:
        self.done = threading.Event()


_BATCH = 1000
_RETRY_S = 1.0


class AuditTrail:
    """Queues audit events and appends them to the audit chain on a thread of its own."""

    def __init__(self, event_log: PgEventLog, instance: str) -> None:
        self._log = event_log
        self.instance = instance
        self._queue: queue.Queue[NewEvent | _Flush | None] = queue.Queue()
        self._pending: list[NewEvent] = []
        self._stopping = threading.Event()
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="audit", daemon=True)
        self._thread.start()

    def record(
        self, type_: EventType, who: str, payload: dict[str, Any], ts_ms: int | None = None
    ) -> None:
        """Queue one audit event about ``who`` (a user name, or "-" before a login)."""
        body = dict(payload, instance=self.instance)
        self._queue.put(NewEvent(type_, "server", who or "-", body, who or None, ts_ms))

    def stop(self, timeout_s: float = 10.0) -> None:
        """Write what is queued, then stop."""
        self._stopping.set()
        self._queue.put(None)
        self._thread.join(timeout_s)
        if self._pending or not self._queue.empty():
            log.error("audit trail stopped with %d event(s) unwritten", len(self._pending))

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything queued so far is written (for tests and shutdown)."""
        marker = _Flush()
        self._queue.put(marker)
        return marker.done.wait(timeout_s)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            stop = item is None
            self._take(item)
            while len(self._pending) < _BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                stop = stop or more is None
                self._take(more)
            self._write()
            if stop:
                self._write()
                return

    def _take(self, item: NewEvent | _Flush | None) -> None:
        if item is None:
            return
        if isinstance(item, _Flush):
            self._write()
            if not self._pending:
                item.done.set()
            return
        self._pending.append(item)

    def _write(self) -> None:
        while self._pending:
            batch: Sequence[NewEvent] = self._pending[:_BATCH]
            try:
                self._log.append_audit(batch)
            except DatabaseUnavailable:
                if self._stopping.is_set():
                    return
                self._stopping.wait(_RETRY_S)  # kept, tried again: nothing is dropped
                continue
            except Exception:
                log.exception("audit batch refused")
                if self._stopping.is_set():
                    return
                self._stopping.wait(_RETRY_S)
                continue
            del self._pending[: len(batch)]
            self.written += len(batch)
