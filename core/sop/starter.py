"""Starts each new incident's default procedure, as the incident catalogue's types name them.

It follows the live feed: for every reported incident whose type has a procedure, it submits
``StartProcedure`` with the procedure's steps as the library has them now. Submitting only
queues the command, so this runs on the backend's delivery thread without waiting. Two
workstations doing the same are harmless: the second start is refused as already running.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import Future

from core.backend import Backend, Subscription
from core.errors import CommandRejected
from core.events import EventRecord, EventType
from core.notices import NoticeBoard, NoticeLevel
from core.sop.commands import StartProcedure
from core.sop.library import ProcedureLibrary
from core.sop.loading import LoadedProcedure

log = logging.getLogger("cityroom.procedures")
ACTOR = "system:procedures"


def start_command(incident_id: str, loaded: LoadedProcedure, reason: str = "") -> StartProcedure:
    """The command that starts ``loaded`` for an incident."""
    procedure = loaded.procedure
    return StartProcedure(
        incident_id,
        procedure.id,
        procedure.version,
        loaded.digest,
        procedure.title_ko,
        procedure.title_en,
        tuple(s.id for s in procedure.step),
        procedure.mandatory_steps,
        reason,
    )


class ProcedureStarter:
    """Gives new incidents their default procedure; ``start`` also catches up on the open
    incidents that have none (reported while no workstation was running)."""

    def __init__(
        self, backend: Backend, library: ProcedureLibrary, notices: NoticeBoard | None = None
    ) -> None:
        self._backend = backend
        self._library = library
        self._notices = notices
        self._subscription: Subscription | None = None
        self.started = 0

    def start(self, after_seq: int, waiting: Iterable[tuple[str, str]] = ()) -> None:
        """Follow the feed after ``after_seq``; ``waiting`` are (incident id, type code) of
        open incidents without a procedure yet."""
        for incident_id, type_code in waiting:
            self._begin(incident_id, type_code)
        self._subscription = self._backend.subscribe(self._on_batch, after_seq)

    def stop(self) -> None:
        """Stop following the feed."""
        if self._subscription is not None:
            self._subscription.cancel()

    def _on_batch(self, records: Sequence[EventRecord]) -> None:
        for record in records:
            if record.type == EventType.INCIDENT_REPORTED and record.subject:
                # Started when the incident was reported, not when this got round to it.
                self._begin(record.subject, str(record.payload["type_code"]), record.ts_ms)

    def _begin(self, incident_id: str, type_code: str, ts_ms: int | None = None) -> None:
        loaded = self._library.for_type(type_code)
        if loaded is None:
            return
        future = self._backend.submit(start_command(incident_id, loaded), ACTOR, ts_ms)
        future.add_done_callback(lambda done: self._done(done, incident_id, loaded))

    def _done(
        self, done: Future[list[EventRecord]], incident_id: str, loaded: LoadedProcedure
    ) -> None:
        error = done.exception()
        if error is None:
            self.started += 1
            return
        if isinstance(error, CommandRejected):
            log.debug("procedure for %s not started: %s", incident_id, error)
            return  # already running (another workstation), or merged meanwhile
        log.error("procedure %s for %s failed: %s", loaded.procedure.id, incident_id, error)
        if self._notices is not None:
            self._notices.post(
                NoticeLevel.ERROR,
                "procedures",
                f"Could not start {loaded.procedure.id} for {incident_id}: {error}",
            )
