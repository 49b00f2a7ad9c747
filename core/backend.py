"""The seam between the workstation and wherever the event log lives.

The UI talks only to ``Backend``: it submits commands, publishes field facts, subscribes to
events after a sequence number, and queries. Every call returns at once with a ``Future``, so no
caller blocks on disk or network. ``LocalBackend`` serves a SQLite log in this process; a remote
backend speaks the same protocol over the network.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from core.commands import Command
from core.events import EventRecord, NewEvent
from core.readings import ReadingCounts, SensorHistory
from core.state import CityState

EventsCallback = Callable[[list[EventRecord]], None]
ResetCallback = Callable[[CityState], None]


class BackendMode(StrEnum):
    """Where the log lives, as the status bar shows it."""

    STANDALONE = "standalone"
    REMOTE = "remote"
    REPLAY = "replay"


@dataclass(frozen=True, slots=True)
class LogStats:
    """Counts over a whole log."""

    events: int
    last_seq: int
    by_type: dict[str, int]
    incidents_by_status: dict[str, int]
    first_ts_ms: int | None
    last_ts_ms: int | None
    readings: ReadingCounts | None = None


class Subscription(Protocol):
    """A live feed of events; cancel it to stop deliveries."""

    def cancel(self) -> None:
        """Stop delivering events (idempotent)."""
        ...


class Backend(Protocol):
    """What the workstation needs from an event log, local or remote."""

    mode: BackendMode
    location: str

    def submit(
        self,
        command: Command,
        actor: str,
        ts_ms: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> Future[list[EventRecord]]:
        """Decide ``command`` against current state and append its events.

        ``ts_ms`` is when the fact happened, for sources that know it (a simulator playing
        simulated time, a report relayed late); by default the log stamps it. With
        ``expected_version`` (the incident's ``version`` as the sender saw it), a command about
        an incident that changed meanwhile fails with ``ConflictError`` and appends nothing.
        """
        ...

    def publish(self, events: Sequence[NewEvent]) -> Future[list[EventRecord]]:
        """Append facts from field devices or the simulator (no decision needed)."""
        ...

    def subscribe(
        self,
        callback: EventsCallback,
        after_seq: int = 0,
        on_reset: ResetCallback | None = None,
    ) -> Subscription:
        """Deliver every event after ``after_seq``, then each new batch, in order, once.

        ``callback`` runs on a backend thread; it must hand the batch over and return quickly.

        ``on_reset`` (same thread, same haste) is called when the backend's state is replaced
        wholesale: a state taken from the server while the copy of its log was far behind, or
        another log. It gets a private copy of the new state, and events continue after that
        state's ``last_seq``: the events it already holds are not delivered. Without
        ``on_reset`` every event is delivered, whatever replaces the state.
        """
        ...

    def snapshot(self) -> Future[CityState]:
        """A private copy of the current folded state (to seed a replica)."""
        ...

    def incident_events(
        self, incident_id: str, types: Collection[str] | None = None
    ) -> Future[list[EventRecord]]:
        """Every event about one incident, in order; only those of ``types`` when given."""
        ...

    def events_at(self, seqs: Sequence[int]) -> Future[list[EventRecord]]:
        """The events with these sequence numbers, in order (those not in the log left out):
        what a situation or a report refers to by number."""
        ...

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> Future[SensorHistory]:
        """The readings of one sensor with ``start_ms <= t <= end_ms`` by device time: raw
        when at most ``max_points`` of them, else a min/max envelope of that many buckets."""
        ...

    def stats(self) -> Future[LogStats]:
        """Counts over the whole log."""
        ...

    def close(self) -> None:
        """Finish pending work and release the log."""
        ...


@runtime_checkable
class _ReplicaHolder(Protocol):
    """A remote backend that keeps a local copy of the server's log."""

    @property
    def replica_path(self) -> Path:
        """The copy's event log file."""
        ...


def log_file(backend: Backend) -> Path | None:
    """The SQLite event log file ``backend``'s events can be read from in this process (for
    replay, bundles, hand-over and workload reports), or None when there is none here.

    A standalone log is its own file; a remote backend's is its replica, asked for on every
    call because it changes when the server's log is replaced; an opened incident bundle's is
    its working log. A remote backend without a replica (the server's own) has none.
    """
    if backend.mode is BackendMode.REMOTE:
        return backend.replica_path if isinstance(backend, _ReplicaHolder) else None
    return Path(backend.location) if backend.location else None
