"""Helpers for tests that build event logs and replicas in files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.eventlog import EventLog
from core.events import EventRecord


def records_of(path: Path) -> list[EventRecord]:
    """Every event of the log at ``path``, read without writing to it."""
    log = EventLog.open(path, readonly=True)
    try:
        return list(log.read())
    finally:
        log.close()


def fill_replica(path: Path, records: Sequence[EventRecord]) -> None:
    """Store the server's ``records`` in the replica at ``path`` as the link does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    log = EventLog.open(path)
    try:
        log.append_records(records)
    finally:
        log.close()
