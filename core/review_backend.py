"""The backend of an offline review: an incident bundle's events, read-only, plus the
reviewer's own bookmarks and annotations.

The bundle is never changed. Its events sit in a working log made when the bundle was opened
(``core.bundle.opening``); the reviewer's marks are kept in a notes log of their own beside it
(so they survive opening the bundle again) and added to the working log so they show on the
timeline. Every other command is refused with the reason.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from concurrent.futures import Future
from pathlib import Path

from core.backend import BackendMode, EventsCallback, LogStats, ResetCallback, Subscription
from core.commands import Command, MarkTimeline
from core.errors import CommandRejected
from core.eventlog import EventLog
from core.events import EventRecord, NewEvent, ReplayAnnotated, ReplayBookmarked, decode
from core.local_backend import LocalBackend
from core.readings import RetentionPolicy, SensorHistory
from core.state import CityState

# A bundle may be reviewed years later: never prune its readings' time series.
_KEEP_READINGS = RetentionPolicy(raw_days=365_000.0, summary_days=365_000.0)


class ReviewBackend:
    """A read-only ``Backend`` over a bundle's working log; only timeline marks are taken."""

    mode = BackendMode.REPLAY

    def __init__(self, events_db: Path, notes_db: Path, bundle: Path) -> None:
        self.bundle = bundle
        self.notes_path = notes_db
        self._inner = LocalBackend.open(events_db, source="review", retention=_KEEP_READINGS)
        self.location = self._inner.location
        self._notes = EventLog.open(notes_db)
        # The marks made in earlier reviews of this bundle, in the order they were made.
        earlier = [_as_new(r) for r in self._notes.read()]
        if earlier:
            self._inner.publish(earlier).result()

    def submit(
        self,
        command: Command,
        actor: str,
        ts_ms: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> Future[list[EventRecord]]:
        """Record a bookmark or annotation; refuse anything else (the bundle is evidence)."""
        if not isinstance(command, MarkTimeline):
            refused: Future[list[EventRecord]] = Future()
            refused.set_exception(
                CommandRejected(
                    f"{self.bundle.name} is open for review, read-only: it records what "
                    "happened and cannot be changed. Bookmarks and annotations are kept beside "
                    f"it ({self.notes_path.name})."
                )
            )
            return refused
        future = self._inner.submit(command, actor, ts_ms)

        def keep(done: Future[list[EventRecord]]) -> None:
            if done.exception() is None:
                self._notes.append([_as_new(r) for r in done.result()])

        future.add_done_callback(keep)
        return future

    def publish(self, events: Sequence[NewEvent]) -> Future[list[EventRecord]]:
        """Refused: nothing from the field reaches a review."""
        refused: Future[list[EventRecord]] = Future()
        refused.set_exception(CommandRejected(f"{self.bundle.name} is open read-only."))
        return refused

    def subscribe(
        self,
        callback: EventsCallback,
        after_seq: int = 0,
        on_reset: ResetCallback | None = None,
    ) -> Subscription:
        """The bundle's events, then the reviewer's marks as they are made (``on_reset`` is
        passed on; a bundle's state is never replaced)."""
        return self._inner.subscribe(callback, after_seq, on_reset)

    def snapshot(self) -> Future[CityState]:
        """The state at the end of the bundle."""
        return self._inner.snapshot()

    def incident_events(
        self, incident_id: str, types: Collection[str] | None = None
    ) -> Future[list[EventRecord]]:
        """Every event of the bundle about one incident."""
        return self._inner.incident_events(incident_id, types)

    def events_at(self, seqs: Sequence[int]) -> Future[list[EventRecord]]:
        """Events by number (those the bundle holds)."""
        return self._inner.events_at(seqs)

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> Future[SensorHistory]:
        """The bundle's readings of one sensor."""
        return self._inner.sensor_history(sensor_id, start_ms, end_ms, max_points)

    def stats(self) -> Future[LogStats]:
        """Counts over the bundle's events."""
        return self._inner.stats()

    def close(self) -> None:
        """Release the working log and the notes."""
        self._inner.close()
        self._notes.close()


def _as_new(record: EventRecord) -> NewEvent:
    event = decode(record)
    if not isinstance(event, ReplayBookmarked | ReplayAnnotated):
        raise CommandRejected(f"the review notes hold an unexpected event {record.type}")
    return NewEvent(
        event.TYPE, record.source, record.actor, event.payload(), event.subject(), record.ts_ms
    )
