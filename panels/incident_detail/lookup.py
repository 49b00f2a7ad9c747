"""Reading events by sequence number without blocking anyone."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future

from core.backend import Backend
from core.events import EventRecord


def read_events(backend: Backend, seqs: Iterable[int]) -> Future[dict[int, EventRecord]]:
    """The events with these sequence numbers, by number, read on the backend's thread.
    Numbers not in the log are left out."""
    result: Future[dict[int, EventRecord]] = Future()
    wanted = sorted({s for s in seqs if s > 0})
    if not wanted:
        result.set_result({})
        return result

    def done(read: Future[list[EventRecord]]) -> None:
        try:
            result.set_result({record.seq: record for record in read.result()})
        except BaseException as exc:  # handed on as the lookup's failure
            result.set_exception(exc)

    backend.events_at(wanted).add_done_callback(done)
    return result
