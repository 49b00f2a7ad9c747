"""The workstation's replica of city state, fed by the backend's event subscription.

Batches arrive on the backend's thread, are queued, and are folded on the GUI thread in one go
when it next runs: one queued signal wakes it per burst, never one per event. When the backend
replaces its state wholesale (the server's state taken after a long time offline, another log),
the store takes that state as it is instead of folding the events behind it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future

from PySide6.QtCore import QObject, Qt, Signal, Slot

from core.backend import Backend, Subscription
from core.events import EventRecord, EventType
from core.state import CityState


class EventStore(QObject):
    """Folded state for the panels, and signals when it changes."""

    incidentsChanged = Signal(object)  # set[str]: incidents added or changed
    incidentsReported = Signal(object)  # list[str]: incidents reported in this batch (live)
    eventsApplied = Signal(object)  # list[EventRecord] just folded
    loaded = Signal()  # the whole state was replaced: the first load, or the backend's reset
    failed = Signal(str)
    _wake = Signal()

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.state = CityState()
        self.is_loaded = False
        self._inbox: deque[list[EventRecord]] = deque()
        self._seed: CityState | None = None
        self._lock = threading.Lock()
        self._scheduled = False
        self._stopped = False
        self._subscription: Subscription | None = None
        self._rate_window: deque[tuple[float, int]] = deque()
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    def start(self) -> None:
        """Seed from the backend's snapshot, then follow live events."""
        self.backend.snapshot().add_done_callback(self._on_snapshot)

    def stop(self) -> None:
        """Stop following the backend."""
        with self._lock:
            self._stopped = True
            subscription, self._subscription = self._subscription, None
        if subscription is not None:
            subscription.cancel()

    def _on_snapshot(self, future: Future[CityState]) -> None:
        # Backend thread.
        error = future.exception()
        if error is not None:
            self.failed.emit(str(error))
            return
        state = future.result()
        with self._lock:
            if self._stopped:
                return
            self._seed = state
        subscription = self.backend.subscribe(
            self._receive, after_seq=state.last_seq, on_reset=self._on_reset
        )
        with self._lock:
            if self._stopped:
                subscription.cancel()
            else:
                self._subscription = subscription
        self._schedule()

    def _on_reset(self, state: CityState) -> None:
        # Backend thread. What waits in the inbox is behind (or beside) the new state.
        with self._lock:
            if self._stopped:
                return
            self._seed = state
            self._inbox.clear()
        self._schedule()

    def _receive(self, records: list[EventRecord]) -> None:
        with self._lock:
            self._inbox.append(records)
        self._schedule()

    def _schedule(self) -> None:
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        self._wake.emit()

    @Slot()
    def _drain(self) -> None:
        with self._lock:
            batches = list(self._inbox)
            self._inbox.clear()
            self._scheduled = False
            seed, self._seed = self._seed, None
        if seed is not None:
            # Incidents of the state replaced too: their rows go or are refreshed.
            changed = set(self.state.incidents) | set(seed.incidents)
            self.state = seed
            self.is_loaded = True
            self.incidentsChanged.emit(changed)
            self.loaded.emit()
        records = [r for batch in batches for r in batch]
        if not records:
            return
        changed = self.state.apply_all(records)
        reported = [
            r.subject
            for r in records
            if r.type == EventType.INCIDENT_REPORTED and r.subject in self.state.incidents
        ]
        if changed:
            self.incidentsChanged.emit(changed)
        if reported:
            self.incidentsReported.emit(reported)
        self._count(len(records))
        self.eventsApplied.emit(records)

    def _count(self, n: int) -> None:
        now = time.monotonic()
        self._rate_window.append((now, n))
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._rate_window and now - self._rate_window[0][0] > 5.0:
            self._rate_window.popleft()

    def events_per_second(self) -> float:
        """Events folded per second over the last five seconds."""
        now = time.monotonic()
        self._trim(now)
        return sum(n for _, n in self._rate_window) / 5.0
