"""The append-only, hash-chained event log in one SQLite file (WAL mode).

Each event stores the SHA-256 of the previous event, so any change to a stored event breaks the
chain at that event. Appends are batched into one transaction each: a crash or a full disk leaves
either the whole batch or none of it. An ``EventLog`` is used from one thread at a time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from core import readings
from core.checkpointer import defer_checkpoints
from core.clock import Clock, SystemClock
from core.errors import (
    ChainBrokenError,
    CorruptLogError,
    ForeignLogError,
    LogLocationError,
    LogOpenError,
    LogWriteError,
    NewerLogError,
)
from core.events import EventRecord, NewEvent, canonical_json, is_withheld
from core.remote.errors import ReplicaGapError
from core.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

GENESIS_HASH = bytes(32)
EVENT_COLUMNS = "seq, ts_ms, type, source, actor, subject, payload, prev_hash, hash"
"""The columns of an event row, in the order ``record_from_row`` reads them."""
_COLUMNS = EVENT_COLUMNS
_INSERT = f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_NEW_LOG_FIX = "Start a new log elsewhere with --db NEW_FILE.db; this file was left untouched."
# With one every 50,000 events, a replay seek within the last 1.2M events folds at most that
# many on top of one (a 24-hour log's state is a few tens of kB).
_KEEP_SNAPSHOTS = 24


def chain_hash(
    prev_hash: bytes,
    seq: int,
    ts_ms: int,
    type_: str,
    source: str,
    actor: str,
    subject: str | None,
    payload_json: str,
) -> bytes:
    """SHA-256 over the previous hash and every stored field of one event."""
    body = (
        f"{seq}\x1f{ts_ms}\x1f{type_}\x1f{source}\x1f{actor}\x1f{subject or ''}\x1f{payload_json}"
    )
    return hashlib.sha256(prev_hash + body.encode("utf-8")).digest()


def chain_events(
    events: Sequence[NewEvent], seq: int, prev: bytes, last_ts: int, now_ms: int
) -> list[EventRecord]:
    """The records ``events`` become after a log's head (``seq``, ``prev`` hash, ``last_ts``):
    numbered, stamped (``now_ms`` when they carry no time; never earlier than the head) and
    hash-chained. Every log, SQLite or PostgreSQL, makes its records with this."""
    records: list[EventRecord] = []
    for event in events:
        seq += 1
        ts = event.ts_ms if event.ts_ms is not None else now_ms
        ts = last_ts = max(ts, last_ts)
        payload = canonical_json(event.payload)
        type_ = str(event.type)
        digest = chain_hash(
            prev, seq, ts, type_, event.source, event.actor, event.subject, payload
        )
        records.append(
            EventRecord(
                seq, ts, type_, event.source, event.actor, event.subject, payload, prev, digest
            )
        )
        prev = digest
    return records


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of checking a log: its schema, SQLite integrity and hash chain."""

    path: Path
    events: int
    schema_version: int
    first_bad: ChainBrokenError | None
    integrity: str
    withheld: int = 0  # events a replica holds as links only (another district's)

    @property
    def ok(self) -> bool:
        """True when the file, the schema and every link of the chain are sound."""
        return self.first_bad is None and self.integrity == "ok"


def _inspect_existing(path: Path) -> None:
    """Check without writing that ``path`` is a Cityroom log this version can open."""
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        probe = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise LogLocationError(path, f"cannot be opened ({exc})", _NEW_LOG_FIX) from exc
    try:
        app_id = int(probe.execute("PRAGMA application_id").fetchone()[0])
        version = int(probe.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise CorruptLogError(
            path,
            f"is not a readable event log: the file is damaged or not SQLite ({exc})",
            _NEW_LOG_FIX,
        ) from exc
    finally:
        probe.close()
    if app_id != APPLICATION_ID:
        raise ForeignLogError(
            path, "is a SQLite database of another program, not a Cityroom event log", _NEW_LOG_FIX
        )
    if version > SCHEMA_VERSION:
        raise NewerLogError(
            path,
            f"was written by a newer Cityroom (schema {version}; this version knows up to "
            f"{SCHEMA_VERSION})",
            "Open it with a newer Cityroom, or start a new log elsewhere with --db NEW_FILE.db; "
            "this file was left untouched.",
        )


class EventLog:
    """An open event log. Create with :meth:`open`."""

    def __init__(self, db: sqlite3.Connection, path: Path, clock: Clock, readonly: bool) -> None:
        self._db = db
        self.path = path
        self._clock = clock
        self.readonly = readonly
        self.last_seq, self.last_hash, self.last_ts = self._read_tail()

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], clock: Clock | None = None, readonly: bool = False
    ) -> EventLog:
        """Open (or create, unless ``readonly``) the log at ``path``.

        Raises a ``LogOpenError`` subclass naming the file and the fix when the file is missing,
        damaged, foreign, newer than this version, or in a place that cannot be written.
        """
        path = Path(path)
        clock = clock or SystemClock()
        if path.is_dir():
            raise LogLocationError(path, "is a folder", "Give a file name, e.g. --db city.db.")
        exists = path.exists() and path.stat().st_size > 0
        if exists:
            _inspect_existing(path)
        elif readonly:
            raise LogLocationError(
                path, "does not exist", "Check the path, or create a log with 'simulate --db'."
            )
        elif not path.parent.exists():
            raise LogLocationError(
                path,
                f"cannot be created: the folder {path.parent} does not exist",
                "Create the folder or choose another file with --db.",
            )
        if readonly:
            db = sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            return cls(db, path, clock, readonly=True)
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
            db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a commit survives a process crash; only an OS crash can lose
            # the last commits, and never corrupts the file.
            db.execute("PRAGMA synchronous=NORMAL")
            defer_checkpoints(db)  # a Checkpointer thread does them, off the append path
            migrate(db)
        except sqlite3.OperationalError as exc:
            raise LogLocationError(
                path,
                f"cannot be written here ({exc})",
                "Choose a writable location with --db, e.g. in your home folder.",
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise CorruptLogError(path, f"is damaged ({exc})", _NEW_LOG_FIX) from exc
        return cls(db, path, clock, readonly=False)

    def close(self) -> None:
        """Close the file; the log object is unusable afterwards."""
        self._db.close()

    def _read_tail(self) -> tuple[int, bytes, int]:
        row = self._db.execute(
            "SELECT seq, hash, ts_ms FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return 0, GENESIS_HASH, 0
        return int(row[0]), bytes(row[1]), int(row[2])

    @property
    def schema_version(self) -> int:
        """The file's schema version."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- appending ------------------------------------------------------------------------

    def append(self, events: Sequence[NewEvent]) -> list[EventRecord]:
        """Append ``events`` in one transaction and return their stored records.

        Timestamps never run backwards: an event older than the log's last one is stamped with
        the last timestamp. Raises ``LogWriteError`` (nothing written) when the write fails.
        """
        if not events:
            return []
        if self.readonly:
            raise LogWriteError(f"{self.path} was opened read-only")
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            # Read the tail inside the write lock: another process may have appended.
            seq, prev, last_ts = self._read_tail()
            records = chain_events(events, seq, prev, last_ts, self._clock.now_ms())
            if records:
                seq, prev, last_ts = records[-1].seq, records[-1].hash, records[-1].ts_ms
            db.executemany(_INSERT, [event_row(r) for r in records])
            # The readings' time-series table commits with the events, or neither does.
            readings.project(
                db,
                readings.reading_rows(
                    (r.seq, r.ts_ms, r.subject, r.type, e.payload)
                    for r, e in zip(records, events, strict=True)
                ),
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise LogWriteError(
                f"Could not append {len(events)} event(s) to {self.path}: {exc}. Nothing of "
                "this batch was written; free disk space or choose another location with --db."
            ) from exc
        self.last_seq, self.last_hash, self.last_ts = seq, prev, last_ts
        return records

    def append_records(
        self, records: Sequence[EventRecord], *, hashed_here: bool = False
    ) -> list[EventRecord]:
        """Store records made by another log (a replica of the server's) verbatim, in one
        transaction, and return those that were new.

        Records at or before the log's last event are skipped (already here). The rest must
        continue the chain: the next sequence number, the last hash as their previous hash,
        a hash that matches their fields and no time running backwards; otherwise
        ``ReplicaGapError`` is raised and nothing is written. ``hashed_here`` says the
        caller has just computed every hash from the fields itself (a ``chain`` page checked
        against the server's last hash), so they are not computed a second time.
        """
        if not records:
            return []
        if self.readonly:
            raise LogWriteError(f"{self.path} was opened read-only")
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            seq, prev, last_ts = self._read_tail()
            fresh = [r for r in records if r.seq > seq] if records[0].seq <= seq else list(records)
            for record in fresh:
                if (
                    record.seq != seq + 1
                    or record.prev_hash != prev
                    or record.ts_ms < last_ts
                    or not (hashed_here or _contents_match(record))
                ):
                    _check_continues(self.path, record, seq, prev, last_ts)
                seq, prev, last_ts = record.seq, record.hash, record.ts_ms
            db.executemany(_INSERT, [event_row(r) for r in fresh])
            readings.project(
                db,
                readings.reading_rows(
                    (r.seq, r.ts_ms, r.subject, r.type, r.payload)
                    for r in fresh
                    if r.type == readings.READING_TYPE
                ),
            )
            db.execute("COMMIT")
        except ReplicaGapError:
            db.execute("ROLLBACK")
            raise
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise LogWriteError(
                f"Could not store {len(records)} event(s) from the server in {self.path}: "
                f"{exc}. Nothing of this batch was written; free disk space."
            ) from exc
        self.last_seq, self.last_hash, self.last_ts = seq, prev, last_ts
        return fresh

    # -- reading --------------------------------------------------------------------------

    def read(
        self, after_seq: int = 0, until_seq: int | None = None, chunk: int = 5000
    ) -> Iterator[EventRecord]:
        """Yield events with ``after_seq < seq <= until_seq`` in order."""
        upper = until_seq if until_seq is not None else 1 << 62
        cursor = self._db.execute(
            f"SELECT {_COLUMNS} FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
            (after_seq, upper),
        )
        while rows := cursor.fetchmany(chunk):
            for row in rows:
                yield record_from_row(row)

    def read_batch(self, after_seq: int, limit: int) -> list[EventRecord]:
        """At most ``limit`` events after ``after_seq``, in order."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        ).fetchall()
        return [record_from_row(r) for r in rows]

    def seq_at(self, ts_ms: int) -> int:
        """The newest event stamped at or before ``ts_ms`` (0: none).

        Times never run backwards along the sequence, so a bisection over it finds the event
        in a few dozen primary-key look-ups; sequence numbers may have gaps (a bundle holds
        only an incident's events).
        """
        db = self._db
        tail = db.execute("SELECT seq, ts_ms FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if tail is None:
            return 0
        if int(tail[1]) <= ts_ms:
            return int(tail[0])
        best, lo, hi = 0, 0, int(tail[0])  # ts(best) <= ts_ms; every seq above hi is later
        while lo < hi:
            mid = (lo + hi + 1) // 2
            found = db.execute(
                "SELECT seq, ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,)
            ).fetchone()
            if found is not None and int(found[1]) <= ts_ms:
                best = lo = int(found[0])
            else:
                hi = mid - 1
        return best

    def by_subject(self, subject: str, types: Collection[str] | None = None) -> list[EventRecord]:
        """Every event about one incident or sensor, in order (only of ``types`` when given:
        a packet's body can be large, and most readers do not need it)."""
        if types is None:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE subject = ? ORDER BY seq", (subject,)
            ).fetchall()
        else:
            wanted = sorted(set(types))
            marks = ", ".join("?" * len(wanted))
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE subject = ? AND type IN ({marks}) "
                "ORDER BY seq",
                (subject, *wanted),
            ).fetchall()
        return [record_from_row(r) for r in rows]

    def by_seqs(self, seqs: Iterable[int]) -> list[EventRecord]:
        """The events with these sequence numbers, in order; numbers not in the log are left
        out."""
        wanted = sorted(set(seqs))
        records: list[EventRecord] = []
        for start in range(0, len(wanted), 500):  # SQLite caps the parameters per statement
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE seq IN ({marks}) ORDER BY seq", chunk
            ).fetchall()
            records.extend(record_from_row(r) for r in rows)
        return records

    def max_seq(self) -> int:
        """The newest sequence number in the file (it may be past ours if others appended)."""
        row = self._db.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    def count_by_type(self) -> dict[str, int]:
        """Number of events of each type."""
        rows = self._db.execute("SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY type")
        return {str(t): int(n) for t, n in rows}

    def time_span(self) -> tuple[int | None, int | None]:
        """Timestamps of the first and last events (None when empty)."""
        row = self._db.execute("SELECT MIN(ts_ms), MAX(ts_ms) FROM events").fetchone()
        return row[0], row[1]

    def now_ms(self) -> int:
        """The log's clock (the time it stamps events with)."""
        return self._clock.now_ms()

    # -- the readings' time series --------------------------------------------------------

    def prune_readings(self, policy: readings.RetentionPolicy) -> readings.PruneResult:
        """Drop raw readings and summaries older than ``policy`` from the time-series table
        (one bounded pass; the events themselves are never touched)."""
        if self.readonly or not readings.has_table(self._db):
            return readings.PruneResult(0, 0, more=False)
        try:
            return readings.prune(self._db, self._clock.now_ms(), policy)
        except sqlite3.Error as exc:
            raise LogWriteError(f"Could not prune old readings in {self.path}: {exc}") from exc

    def reading_counts(self) -> readings.ReadingCounts | None:
        """What the time-series table holds (None for a log from before it)."""
        if not readings.has_table(self._db):
            return None
        return readings.counts(self._db)

    # -- snapshots ------------------------------------------------------------------------

    def save_snapshot(self, seq: int, state: bytes, fold_version: int) -> None:
        """Store folded state as of ``seq``, keeping only the newest few snapshots."""
        if self.readonly:
            return
        row = self._db.execute("SELECT hash, ts_ms FROM events WHERE seq = ?", (seq,)).fetchone()
        if row is None:
            raise ValueError(f"no event {seq} to snapshot at")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO snapshots (seq, ts_ms, event_hash, fold_version, state) "
                "VALUES (?, ?, ?, ?, ?)",
                (seq, row[1], row[0], fold_version, state),
            )
            self._db.execute(
                "DELETE FROM snapshots WHERE seq NOT IN "
                "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
                (_KEEP_SNAPSHOTS,),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise LogWriteError(f"Could not save a snapshot to {self.path}: {exc}") from exc

    def latest_snapshot(
        self, fold_version: int, max_seq: int | None = None
    ) -> tuple[int, bytes] | None:
        """The newest snapshot at or before ``max_seq`` whose event hash still matches."""
        if self.schema_version < 2:
            return None  # an older log opened read-only, before snapshots existed
        upper = max_seq if max_seq is not None else 1 << 62
        rows = self._db.execute(
            "SELECT s.seq, s.state FROM snapshots s JOIN events e ON e.seq = s.seq "
            "WHERE s.seq <= ? AND s.fold_version = ? AND e.hash = s.event_hash "
            "ORDER BY s.seq DESC LIMIT 1",
            (upper, fold_version),
        ).fetchone()
        return None if rows is None else (int(rows[0]), bytes(rows[1]))

    # -- verification ---------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check SQLite integrity, the schema and every link of the hash chain."""
        integrity = str(self._db.execute("PRAGMA quick_check").fetchone()[0])
        first_bad: ChainBrokenError | None = None
        expected_seq, prev, last_ts, count, withheld = 1, GENESIS_HASH, 0, 0, 0
        try:
            for rec in self.read():
                count += 1
                withheld += is_withheld(rec)
                if rec.seq != expected_seq:
                    first_bad = ChainBrokenError(
                        rec.seq, f"sequence gap: expected {expected_seq}, found {rec.seq}"
                    )
                elif rec.prev_hash != prev:
                    first_bad = ChainBrokenError(rec.seq, "previous-hash link does not match")
                elif rec.ts_ms < last_ts:
                    first_bad = ChainBrokenError(rec.seq, "timestamp runs backwards")
                elif not _contents_match(rec):
                    first_bad = ChainBrokenError(rec.seq, "contents changed after writing")
                if first_bad is not None:
                    break
                expected_seq, prev, last_ts = rec.seq + 1, rec.hash, rec.ts_ms
        except sqlite3.DatabaseError as exc:
            first_bad = ChainBrokenError(expected_seq, f"unreadable ({exc})")
        return VerifyReport(self.path, count, self.schema_version, first_bad, integrity, withheld)


def _hash_of(record: EventRecord) -> bytes:
    return chain_hash(
        record.prev_hash,
        record.seq,
        record.ts_ms,
        record.type,
        record.source,
        record.actor,
        record.subject,
        record.payload_json,
    )


def _contents_match(record: EventRecord) -> bool:
    """Whether the record's hash is that of its fields. A withheld event's contents stayed on
    the server: only its links (sequence, previous hash, time) can be checked here."""
    return is_withheld(record) or record.hash == _hash_of(record)


def _check_continues(
    path: Path, record: EventRecord, last_seq: int, last_hash: bytes, last_ts: int
) -> None:
    """Raise ``ReplicaGapError`` unless ``record`` is the next link after the given tail."""
    if record.seq != last_seq + 1:
        reason = f"it does not follow event {last_seq} (events in between are missing)"
        raise ReplicaGapError(path, record.seq, reason, diverged=False)
    if record.prev_hash != last_hash:
        reason = f"its previous-hash link does not match event {last_seq} held here"
        raise ReplicaGapError(path, record.seq, reason, diverged=True)
    if record.ts_ms < last_ts:
        raise ReplicaGapError(path, record.seq, "its time runs backwards", diverged=True)
    if not _contents_match(record):
        reason = "its hash does not match its contents (altered on the way)"
        raise ReplicaGapError(path, record.seq, reason, diverged=True)


def event_row(r: EventRecord) -> tuple[object, ...]:
    """An event's column values in ``EVENT_COLUMNS`` order (the inverse of
    ``record_from_row``), for any log's INSERT."""
    return (
        r.seq,
        r.ts_ms,
        r.type,
        r.source,
        r.actor,
        r.subject,
        r.payload_json,
        r.prev_hash,
        r.hash,
    )


def record_from_row(row: tuple[Any, ...]) -> EventRecord:
    """The event of a row selected with ``EVENT_COLUMNS``."""
    seq, ts, type_, source, actor, subject, payload, prev, digest = row
    return EventRecord(
        int(seq),
        int(ts),
        str(type_),
        str(source),
        str(actor),
        None if subject is None else str(subject),
        str(payload),
        bytes(prev),
        bytes(digest),
    )


__all__ = [
    "EVENT_COLUMNS",
    "GENESIS_HASH",
    "EventLog",
    "LogOpenError",
    "VerifyReport",
    "chain_hash",
    "record_from_row",
]


@contextmanager
def read_only_connection(path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection]:
    """A read-only SQLite connection of its own to the log at ``path``, for queries that must
    never wait for the writer (safe on any thread). The file is first checked to be a log this
    version reads (``LogOpenError`` otherwise); a query that fails inside raises
    ``CorruptLogError`` naming the file and the fix."""
    EventLog.open(path, readonly=True).close()
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    try:
        yield db
    except sqlite3.Error as exc:
        raise CorruptLogError(
            Path(path),
            f"cannot be read ({exc})",
            f"Run 'python main.py log verify --db {path}' for details.",
        ) from exc
    finally:
        db.close()
