"""Checkpoints happen off the append path: the writer holds its own back, a background
connection moves the WAL into the database while appends go on, and the WAL stays small."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from core.checkpointer import WRITER_LIMIT_PAGES, Checkpointer
from core.eventlog import EventLog
from core.events import EventType, NewEvent
from core.local_backend import LocalBackend
from tests.video_servers import wait_for


def big_events(count: int) -> list[NewEvent]:
    # A packet's body with a picture in it is about this size.
    body = "x" * 200_000
    return [
        NewEvent(
            EventType.INCIDENT_NOTE_ADDED, "test", "op", {"incident_id": "I", "comment": body}
        )
        for _ in range(count)
    ]


def test_the_writer_leaves_checkpoints_to_the_background(tmp_path: Path) -> None:
    log = EventLog.open(tmp_path / "log.db")
    try:
        pages = log._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert pages == WRITER_LIMIT_PAGES
    finally:
        log.close()


def test_the_wal_is_moved_into_the_database_while_appends_go_on(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = EventLog.open(path)
    checkpointer = Checkpointer(path, every_s=0.05).start()
    try:
        for _ in range(10):
            done = checkpointer.checkpoints
            log.append(big_events(10))  # 20 MB in all, 2 MB at a time
            # The next batch waits for the background to move this one, as a busy log would.
            wait_for(lambda done=done: checkpointer.checkpoints > done, timeout=5)
        # What the background copied is in the database file itself, readable without the WAL.
        assert path.stat().st_size > 10_000_000
        wal = path.with_name(path.name + "-wal").stat().st_size
        assert wal < 20_000_000, "the WAL kept everything: nothing was checkpointed"
    finally:
        checkpointer.stop()
        log.close()
    check = sqlite3.connect(path)
    try:
        assert check.execute("SELECT count(*) FROM events").fetchone()[0] == 100
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()


def test_the_backend_runs_a_checkpointer_and_stops_it(tmp_path: Path) -> None:
    backend = LocalBackend.open(tmp_path / "log.db")
    try:
        backend.ready.result()
        assert backend._checkpointer is not None
        thread = backend._checkpointer._thread
        assert thread.is_alive()
    finally:
        backend.close()
    assert not thread.is_alive()
