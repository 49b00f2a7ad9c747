"""The event log's SQLite schema and its forward migrations.

``PRAGMA application_id`` marks a file as a Cityroom log; ``PRAGMA user_version`` is its schema
version. Migration ``n`` upgrades a version ``n`` file to ``n + 1``; migrations only add.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from core import readings

# "CRLG" as a big-endian int: identifies our files among other SQLite databases.
APPLICATION_ID = 0x43524C47


def _run(db: sqlite3.Connection, *statements: str) -> None:
    # Not executescript(): it would COMMIT the migration's transaction half-way.
    for statement in statements:
        db.execute(statement)


def _v0_to_v1(db: sqlite3.Connection) -> None:
    _run(
        db,
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            source TEXT NOT NULL,
            actor TEXT NOT NULL,
            subject TEXT,
            payload TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        )""",
        """CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
        """CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )


def _v1_to_v2(db: sqlite3.Connection) -> None:
    # Snapshots of folded state keep rebuilds fast; the subject index serves per-incident
    # timelines without scanning sensor readings.
    _run(
        db,
        """CREATE TABLE snapshots (
            seq INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            event_hash BLOB NOT NULL,
            fold_version INTEGER NOT NULL,
            state BLOB NOT NULL
        )""",
        "CREATE INDEX events_by_subject ON events(subject, seq) WHERE subject IS NOT NULL",
    )


def _v2_to_v3(db: sqlite3.Connection) -> None:
    # The sensor time-series projection, filled from the readings already in the log.
    _run(db, *readings.SCHEMA)
    readings.backfill(db)


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v0_to_v1, _v1_to_v2, _v2_to_v3)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring ``db`` forward to ``target`` in one transaction; return the version it had."""
    found = int(db.execute("PRAGMA user_version").fetchone()[0])
    if found >= target:
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        if found == 0:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        for version in range(found, target):
            MIGRATIONS[version](db)
        db.execute(f"PRAGMA user_version = {target}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return found
