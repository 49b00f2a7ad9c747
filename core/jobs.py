"""The writer jobs a backend's single writer thread runs, and how it batches them.

Both the standalone backend (SQLite) and the server's (PostgreSQL) queue every read and write
as a job for one thread; runs of queued publishes are written in one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from core.events import NewEvent

MAX_COALESCED = 5000  # events per coalesced transaction


@dataclass
class Job:
    """One unit of work for the writer thread; ``publish`` holds its facts when it only
    appends them (such jobs may share a transaction)."""

    run: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)
    publish: Sequence[NewEvent] | None = None


def wanted(jobs: Sequence[Job]) -> list[Job]:
    """The jobs whose caller still waits, each marked running (so it can no longer be
    cancelled and its result can be set); cancelled ones are dropped unrun."""
    return [job for job in jobs if job.future.set_running_or_notify_cancel()]


def coalesced(jobs: Sequence[Job], limit: int = MAX_COALESCED) -> Iterator[list[Job]]:
    """``jobs`` in order, consecutive publishes grouped while they hold at most ``limit``
    events together (small enough that commands queued behind them are not held up); every
    other job alone."""
    i = 0
    while i < len(jobs):
        job = jobs[i]
        run = [job]
        if job.publish is not None:
            size = len(job.publish)
            while (
                i + len(run) < len(jobs)
                and (following := jobs[i + len(run)].publish) is not None
                and size + len(following) <= limit
            ):
                run.append(jobs[i + len(run)])
                size += len(following)
        yield run
        i += len(run)
