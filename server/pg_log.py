"""The centre's event log in PostgreSQL: the same events, hash chain and readings as the
workstation's SQLite log (core.eventlog), shared by every server process.

Appends lock the one ``log_head`` row, which serialises writers across processes: sequence
numbers stay gap-free and the chain stays one chain. Each append notifies
``cityroom_events`` with its last sequence number, which :class:`EventListener` hears.
Every failure to reach the database becomes :class:`DatabaseUnavailable`; the pool reconnects
by itself when the database is back.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from core import readings
from core.clock import Clock, SystemClock
from core.eventlog import (
    EVENT_COLUMNS,
    GENESIS_HASH,
    chain_events,
    chain_hash,
    event_row,
    record_from_row,
)
from core.events import EventRecord, NewEvent
from core.remote.wire import chain_message
from server.errors import DatabaseUnavailable, describe_database

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "cityroom_events"
_KEEP_SNAPSHOTS = 24
_POOL_TIMEOUT_S = 3.0
_CONNECT_TIMEOUT_S = 3
# Broken connections are found by the kernel within seconds instead of hours.
_KEEPALIVES: dict[str, Any] = {
    "connect_timeout": _CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
}
_DB_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)


_FRESH_S = 1.0  # a connection that worked this recently is not checked again before use
_worked: weakref.WeakKeyDictionary[psycopg.Connection[Any], float] = weakref.WeakKeyDictionary()
_worked_lock = threading.Lock()


def check_unless_fresh(conn: psycopg.Connection[Any]) -> None:
    """The pool's check before lending a connection: a round trip, unless the connection
    worked within the last second (on a busy server most do, and a database that restarts
    takes longer than that; a connection that fails anyway is dropped by the pool)."""
    with _worked_lock:
        worked = _worked.get(conn)
    if worked is not None and time.monotonic() - worked < _FRESH_S:
        return
    ConnectionPool.check_connection(conn)


@contextmanager
def pooled_connection(pool: ConnectionPool, database: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection of ``pool`` in one transaction (committed on success, rolled back on an
    exception); failures to reach ``database`` become DatabaseUnavailable."""
    try:
        with pool.connection() as conn:
            yield conn
            with _worked_lock:
                _worked[conn] = time.monotonic()
    except _DB_ERRORS as error:
        raise DatabaseUnavailable(database, _describe(error)) from error


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What one append did: the events the caller had not folded yet (``missed``), the
    records it appended (or, for a repeated ``client_ref``, those of the first time), and
    whether it was such a repeat."""

    missed: list[EventRecord]
    records: list[EventRecord]
    duplicate: bool


@dataclass(frozen=True, slots=True)
class _Chain:
    """The two chains' tables: the event log and the audit log."""

    events: str
    head: str


_EVENTS = _Chain("events", "log_head")
_AUDIT = _Chain("audit_events", "audit_head")


class PgEventLog:
    """An open event log in PostgreSQL. Create with :meth:`open`; safe from any thread."""

    def __init__(self, pool: ConnectionPool, url: str, clock: Clock, log_id: str) -> None:
        self.pool = pool
        self.database = describe_database(url)
        self.log_id = log_id
        self._clock = clock

    @classmethod
    def open(
        cls,
        url: str,
        *,
        min_size: int = 2,
        max_size: int = 10,
        clock: Clock | None = None,
        timeout: float = _POOL_TIMEOUT_S,
    ) -> PgEventLog:
        """Connect to the migrated database at ``url`` (see ``server.schema.migrate``).

        ``timeout`` bounds how long a call waits for a connection before it raises
        DatabaseUnavailable. Raises DatabaseUnavailable when the database cannot be reached.
        """
        database = describe_database(url)
        try:
            # One direct attempt first: its error says why (refused, unknown host, password),
            # where the pool would only say that it timed out.
            psycopg.connect(url, **_KEEPALIVES).close()
        except psycopg.Error as error:
            raise DatabaseUnavailable(database, _describe(error)) from error
        pool: ConnectionPool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            kwargs=dict(_KEEPALIVES),
            check=check_unless_fresh,
            # Give up a failed reconnection soon: the next request grows the pool afresh,
            # instead of waiting out a long back-off after the database is back.
            reconnect_timeout=max(2.0, timeout),
            name=f"cityroom-log {database}",
            open=False,
        )
        try:
            pool.open(wait=True, timeout=timeout)
            with pool.connection() as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        except _DB_ERRORS as error:
            pool.close()
            raise DatabaseUnavailable(database, _describe(error)) from error
        except psycopg.errors.UndefinedTable as error:
            pool.close()
            raise DatabaseUnavailable(
                database, "it has no Cityroom event log yet (run the server once to migrate it)"
            ) from error
        if row is None:
            pool.close()
            raise DatabaseUnavailable(database, "its meta table has no log_id")
        return cls(pool, url, clock or SystemClock(), str(row[0]))

    def close(self) -> None:
        """Close every connection; the object is unusable afterwards."""
        self.pool.close()

    def _connection(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return pooled_connection(self.pool, self.database)

    # -- appending ------------------------------------------------------------------------

    def append(
        self,
        decide: Callable[[list[EventRecord]], Sequence[NewEvent]],
        *,
        after_seq: int,
        client_ref: str | None = None,
        username: str = "",
    ) -> AppendResult:
        """In one transaction under the head lock: hand ``decide`` the events after
        ``after_seq`` and append what it returns (hash-chained, readings projected, listeners
        notified). A ``client_ref`` seen before returns the first application's records
        without calling ``decide``. An exception from ``decide`` rolls back and propagates."""
        with self._connection() as conn:
            # Two round trips under the head lock, however busy the machine: everything
            # before the decision goes in one pipeline, everything after it (commit too) in
            # another, since the lock is held until the commit.
            with conn.pipeline() as pipeline:
                head_cur = conn.cursor()
                head_cur.execute(_LOCK_HEAD_SQL.format(head=_EVENTS.head))
                # A statement after the lock sees every event committed before it, and no
                # other writer can add one: reading to the end is reading to the head.
                missed_cur = conn.cursor()
                missed_cur.execute(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > %s ORDER BY seq",
                    (after_seq,),
                )
                ref_cur = conn.cursor()
                if client_ref is not None:
                    ref_cur.execute(
                        "SELECT first_seq, last_seq FROM applied_commands WHERE client_ref = %s",
                        (client_ref,),
                    )
                pipeline.sync()
            head_seq, head_hash, head_ts = _head_of(head_cur.fetchone(), _EVENTS)
            missed = [record_from_row(r) for r in missed_cur.fetchall()]
            applied = ref_cur.fetchone() if client_ref is not None else None
            if applied is not None:
                first, last = int(applied[0]), int(applied[1])
                original = [r for r in missed if first <= r.seq <= last]
                if len(original) < last - first + 1:
                    with conn.cursor() as cur:
                        original = _read_range(cur, _EVENTS, first - 1, last)
                conn.rollback()
                return AppendResult(missed, original, duplicate=True)
            events = list(decide(missed))
            now = self._clock.now_ms()
            records = chain_events(events, head_seq, head_hash, head_ts, now)
            with conn.pipeline(), conn.cursor() as cur:
                if records:
                    _insert(cur, _EVENTS, records)
                    _project_readings(cur, records, events)
                    tail = records[-1]
                    cur.execute(
                        "UPDATE log_head SET seq = %s, hash = %s, ts_ms = %s WHERE id = 1",
                        (tail.seq, tail.hash, tail.ts_ms),
                    )
                if client_ref is not None:
                    # An empty range (first = last + 1) when the command produced no events.
                    cur.execute(
                        "INSERT INTO applied_commands (client_ref, username, first_seq, "
                        "last_seq, ts_ms) VALUES (%s, %s, %s, %s, %s)",
                        (client_ref, username, head_seq + 1, head_seq + len(records), now),
                    )
                if records:
                    cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(records[-1].seq)))
                conn.commit()
        return AppendResult(missed, records, duplicate=False)

    def append_audit(self, events: Sequence[NewEvent]) -> list[EventRecord]:
        """Append to the audit chain (its own sequence and hashes; nobody is notified)."""
        if not events:
            return []
        with self._connection() as conn, conn.cursor() as cur:
            head_seq, head_hash, head_ts = _lock_head(cur, _AUDIT)
            records = chain_events(events, head_seq, head_hash, head_ts, self._clock.now_ms())
            _insert(cur, _AUDIT, records)
            tail = records[-1]
            cur.execute(
                "UPDATE audit_head SET seq = %s, hash = %s, ts_ms = %s WHERE id = 1",
                (tail.seq, tail.hash, tail.ts_ms),
            )
        return records

    # -- reading --------------------------------------------------------------------------

    def read(
        self, after_seq: int, until_seq: int | None = None, limit: int = 5000
    ) -> list[EventRecord]:
        """At most ``limit`` events with ``after_seq < seq <= until_seq``, in order."""
        upper = until_seq if until_seq is not None else 1 << 62
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq > %s AND seq <= %s "
                "ORDER BY seq LIMIT %s",
                (after_seq, upper, limit),
            ).fetchall()
        return [record_from_row(r) for r in rows]

    def read_chain_page(
        self, after_seq: int, until_seq: int, limit: int
    ) -> tuple[str, int] | None:
        """At most ``limit`` events with ``after_seq < seq <= until_seq`` as one ``chain``
        message of the stream (``core.remote.wire.chain_message``, its rows encoded by the
        database) and the last one's sequence number; None when there are none."""
        with self._connection() as conn:
            row = conn.execute(_CHAIN_PAGE_SQL, (after_seq, until_seq, limit)).fetchone()
        if row is None or None in row:
            return None
        rows, last_seq, prev_hash, last_hash = row
        return chain_message(bytes(prev_hash), bytes(last_hash), str(rows)), int(last_seq)

    def read_audit(self, after_seq: int, limit: int = 5000) -> list[EventRecord]:
        """At most ``limit`` audit events after ``after_seq``, in order."""
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM audit_events WHERE seq > %s ORDER BY seq LIMIT %s",
                (after_seq, limit),
            ).fetchall()
        return [record_from_row(r) for r in rows]

    def by_subject(self, subject: str, types: Collection[str] | None = None) -> list[EventRecord]:
        """Every event about one incident or sensor, in order (only of ``types`` when given)."""
        with self._connection() as conn:
            if types is None:
                rows = conn.execute(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE subject = %s ORDER BY seq",
                    (subject,),
                ).fetchall()
            else:
                rows = conn.execute(
                    f"SELECT {EVENT_COLUMNS} FROM events WHERE subject = %s "
                    "AND type = ANY(%s) ORDER BY seq",
                    (subject, sorted(set(types))),
                ).fetchall()
        return [record_from_row(r) for r in rows]

    def by_seqs(self, seqs: Iterable[int]) -> list[EventRecord]:
        """The events with these sequence numbers, in order; numbers not in the log are
        left out."""
        wanted = sorted(set(seqs))
        if not wanted:
            return []
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE seq = ANY(%s) ORDER BY seq",
                (wanted,),
            ).fetchall()
        return [record_from_row(r) for r in rows]

    def max_seq(self) -> int:
        """The newest sequence number (0: empty)."""
        with self._connection() as conn:
            row = conn.execute("SELECT seq FROM log_head WHERE id = 1").fetchone()
        return int(row[0]) if row is not None else 0

    def count_by_type(self) -> dict[str, int]:
        """Number of events of each type."""
        with self._connection() as conn:
            rows = conn.execute(
                "SELECT type, COUNT(*) FROM events GROUP BY type ORDER BY type"
            ).fetchall()
        return {str(t): int(n) for t, n in rows}

    def time_span(self) -> tuple[int | None, int | None]:
        """Timestamps of the first and last events (None when empty)."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT (SELECT ts_ms FROM events ORDER BY seq LIMIT 1), "
                "(SELECT ts_ms FROM events ORDER BY seq DESC LIMIT 1)"
            ).fetchone()
        if row is None:
            return None, None
        return _int_or_none(row[0]), _int_or_none(row[1])

    # -- the readings' time series --------------------------------------------------------

    def reading_counts(self) -> readings.ReadingCounts | None:
        """What the time-series table holds; ``summaries`` counts sensor-minutes, as the
        workstation's per-minute summaries do."""
        minute = readings.MINUTE_MS
        with self._connection() as conn:
            row = conn.execute(
                f"SELECT COUNT(*), MIN(measured_ms), COUNT(DISTINCT sensor_id), "
                f"COUNT(DISTINCT (sensor_id, measured_ms / {minute})) FROM readings"
            ).fetchone()
        if row is None:  # pragma: no cover - an aggregate always answers one row
            return None
        oldest = _int_or_none(row[1])
        return readings.ReadingCounts(
            int(row[0]),
            int(row[3]),
            int(row[2]),
            oldest,
            None if oldest is None else (oldest // minute) * minute,
        )

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> readings.SensorHistory:
        """The readings of ``sensor_id`` with ``start_ms <= t <= end_ms``: raw when at most
        ``max_points``, otherwise a min/max envelope of at most ``max_points`` buckets: the
        same answer as the workstation's ``core.readings.query_history`` for the same
        events."""
        if end_ms < start_ms:
            raise ValueError(f"history range ends ({end_ms}) before it starts ({start_ms})")
        with self._connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return _history(conn, sensor_id, start_ms, end_ms, max(2, max_points))

    # -- snapshots ------------------------------------------------------------------------

    def save_snapshot(self, seq: int, state: bytes, fold_version: int) -> None:
        """Store folded state as of ``seq``, keeping only the newest few snapshots."""
        with self._connection() as conn:
            row = conn.execute("SELECT ts_ms FROM events WHERE seq = %s", (seq,)).fetchone()
            if row is None:
                raise ValueError(f"no event {seq} to snapshot at")
            conn.execute(
                "INSERT INTO snapshots (seq, fold_version, state, ts_ms) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (seq) DO UPDATE SET fold_version = excluded.fold_version, "
                "state = excluded.state, ts_ms = excluded.ts_ms",
                (seq, fold_version, state, row[0]),
            )
            conn.execute(
                "DELETE FROM snapshots WHERE seq NOT IN "
                "(SELECT seq FROM snapshots ORDER BY seq DESC LIMIT %s)",
                (_KEEP_SNAPSHOTS,),
            )

    def latest_snapshot(
        self, fold_version: int, max_seq: int | None = None
    ) -> tuple[int, bytes] | None:
        """The newest snapshot of ``fold_version`` at or before ``max_seq``."""
        upper = max_seq if max_seq is not None else 1 << 62
        with self._connection() as conn:
            row = conn.execute(
                "SELECT seq, state FROM snapshots WHERE fold_version = %s AND seq <= %s "
                "ORDER BY seq DESC LIMIT 1",
                (fold_version, upper),
            ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    # -- verification ---------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Check every link of the event chain and of the audit chain, and that each head
        row names its chain's last event; an empty list means sound."""
        problems: list[str] = []
        for chain in (_EVENTS, _AUDIT):
            problems.extend(self._verify_chain(chain))
        return problems

    def _verify_chain(self, chain: _Chain) -> list[str]:
        problems: list[str] = []
        expected, prev, last_ts = 1, GENESIS_HASH, 0
        with self._connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            while True:
                rows = conn.execute(
                    f"SELECT {EVENT_COLUMNS} FROM {chain.events} WHERE seq >= %s "
                    "ORDER BY seq LIMIT 5000",
                    (expected,),
                ).fetchall()
                for rec in map(record_from_row, rows):
                    problem = _check_link(rec, expected, prev, last_ts)
                    if problem is not None:
                        problems.append(f"{chain.events}: event {rec.seq}: {problem}")
                    expected, prev, last_ts = rec.seq + 1, rec.hash, rec.ts_ms
                if len(rows) < 5000:
                    break
            head = conn.execute(f"SELECT seq, hash FROM {chain.head} WHERE id = 1").fetchone()
        if head is None:
            problems.append(f"{chain.head}: its row is missing")
        elif int(head[0]) != expected - 1 or bytes(head[1]) != prev:
            problems.append(
                f"{chain.head}: names event {head[0]}, but the chain ends at {expected - 1}"
            )
        return problems


# One statement: the rows as JSON text built by the database, the hash the first follows and
# the last one's hash (NULLs for an empty range).
_CHAIN_PAGE_SQL = """
WITH page AS (
    SELECT seq, ts_ms, type, source, actor, subject, payload FROM events
    WHERE seq > %s AND seq <= %s ORDER BY seq LIMIT %s
), agg AS (
    SELECT min(seq) AS lo, max(seq) AS hi,
        json_agg(json_build_array(seq, ts_ms, type, source, actor, subject, payload)
            ORDER BY seq)::text AS rows
    FROM page
)
SELECT rows, hi, (SELECT prev_hash FROM events WHERE seq = agg.lo),
    (SELECT hash FROM events WHERE seq = agg.hi)
FROM agg
"""


def _check_link(rec: EventRecord, expected: int, prev: bytes, last_ts: int) -> str | None:
    if rec.seq != expected:
        return f"sequence gap: expected {expected}, found {rec.seq}"
    if rec.prev_hash != prev:
        return "previous-hash link does not match"
    if rec.ts_ms < last_ts:
        return "timestamp runs backwards"
    digest = chain_hash(
        rec.prev_hash,
        rec.seq,
        rec.ts_ms,
        rec.type,
        rec.source,
        rec.actor,
        rec.subject,
        rec.payload_json,
    )
    if rec.hash != digest:
        return "contents changed after writing"
    return None


_LOCK_HEAD_SQL = "SELECT seq, hash, ts_ms FROM {head} WHERE id = 1 FOR UPDATE"


def _lock_head(cur: psycopg.Cursor[Any], chain: _Chain) -> tuple[int, bytes, int]:
    cur.execute(_LOCK_HEAD_SQL.format(head=chain.head))
    return _head_of(cur.fetchone(), chain)


def _head_of(row: Any, chain: _Chain) -> tuple[int, bytes, int]:
    if row is None:
        raise RuntimeError(f"{chain.head} has no row: the database was not migrated properly")
    return int(row[0]), bytes(row[1]), int(row[2])


def _read_range(
    cur: psycopg.Cursor[Any], chain: _Chain, after_seq: int, until_seq: int
) -> list[EventRecord]:
    if until_seq <= after_seq:
        return []
    cur.execute(
        f"SELECT {EVENT_COLUMNS} FROM {chain.events} WHERE seq > %s AND seq <= %s ORDER BY seq",
        (after_seq, until_seq),
    )
    return [record_from_row(r) for r in cur.fetchall()]


def _insert(cur: psycopg.Cursor[Any], chain: _Chain, records: Sequence[EventRecord]) -> None:
    cur.executemany(
        f"INSERT INTO {chain.events} ({EVENT_COLUMNS}) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [event_row(r) for r in records],
    )


def _project_readings(
    cur: psycopg.Cursor[Any], records: Sequence[EventRecord], events: Sequence[NewEvent]
) -> None:
    rows = readings.reading_rows(
        (r.seq, r.ts_ms, r.subject, r.type, e.payload)
        for r, e in zip(records, events, strict=True)
    )
    if rows:
        cur.executemany(
            "INSERT INTO readings (sensor_id, measured_ms, value, seq) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            rows,
        )


def _history(
    conn: psycopg.Connection[Any], sensor_id: str, start_ms: int, end_ms: int, max_points: int
) -> readings.SensorHistory:
    # Mirrors core.readings.query_history over raw readings only: the minute buckets there
    # come from per-minute summaries, which cover whole minutes, hence the widened range.
    minute = readings.MINUTE_MS
    last = conn.execute(
        "SELECT MAX(seq) FROM readings WHERE sensor_id = %s", (sensor_id,)
    ).fetchone()
    last_seq = int(last[0]) if last is not None and last[0] is not None else 0
    counted = conn.execute(
        "SELECT COUNT(*) FROM readings WHERE sensor_id = %s AND measured_ms BETWEEN %s AND %s",
        (sensor_id, start_ms, end_ms),
    ).fetchone()
    count = int(counted[0]) if counted is not None else 0
    if count <= max_points:
        rows = conn.execute(
            "SELECT measured_ms, value FROM readings WHERE sensor_id = %s "
            "AND measured_ms BETWEEN %s AND %s ORDER BY measured_ms, seq",
            (sensor_id, start_ms, end_ms),
        ).fetchall()
        ts = np.array([r[0] for r in rows], dtype=np.int64)
        values = np.array([r[1] for r in rows], dtype=np.float64)
        return readings.SensorHistory(sensor_id, start_ms, end_ms, ts, values, values, 0, last_seq)
    bucket_ms = -(-(end_ms - start_ms + 1) // max_points)
    if bucket_ms >= minute:
        bucket_ms = max(minute, -(-bucket_ms // minute) * minute)
        first_minute = start_ms // minute
        origin = first_minute * minute
        rows = conn.execute(
            "SELECT (measured_ms / %(minute)s - %(first)s) / %(per)s AS b, MIN(value), "
            "MAX(value) FROM readings WHERE sensor_id = %(sensor)s "
            "AND measured_ms >= %(lo)s AND measured_ms < %(hi)s GROUP BY b ORDER BY b",
            {
                "minute": minute,
                "first": first_minute,
                "per": bucket_ms // minute,
                "sensor": sensor_id,
                "lo": origin,
                "hi": (end_ms // minute + 1) * minute,
            },
        ).fetchall()
    else:
        origin = start_ms
        rows = conn.execute(
            "SELECT (measured_ms - %(start)s) / %(bucket)s AS b, MIN(value), MAX(value) "
            "FROM readings WHERE sensor_id = %(sensor)s AND measured_ms BETWEEN %(start)s "
            "AND %(end)s GROUP BY b ORDER BY b",
            {"start": start_ms, "bucket": bucket_ms, "sensor": sensor_id, "end": end_ms},
        ).fetchall()
    index = np.array([r[0] for r in rows], dtype=np.int64)
    middles = origin + index * bucket_ms + bucket_ms // 2
    low = np.array([r[1] for r in rows], dtype=np.float64)
    high = np.array([r[2] for r in rows], dtype=np.float64)
    return readings.SensorHistory(
        sensor_id, start_ms, end_ms, middles.astype(np.int64), low, high, bucket_ms, last_seq
    )


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _describe(error: BaseException) -> str:
    if isinstance(error, PoolTimeout):
        return "no connection could be made or freed in time"
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class EventListener:
    """Hears every append of any server process (``LISTEN cityroom_events``) on a daemon
    thread with a connection of its own.

    ``on_new(seq)`` is called with the newest notified last sequence number of each batch
    of notifications that arrived together, and with -1 after a reconnection (notifications
    sent while away are lost: re-read from where you were).
    ``on_link(False)`` is called when the connection is lost, ``on_link(True)`` when it is
    back. Reconnects back off from 0.2 s, doubling to 2 s. Starts at once; ``stop()`` ends it.
    """

    _POLL_S = 0.2
    _FIRST_DELAY_S = 0.2
    _MAX_DELAY_S = 2.0

    def __init__(
        self,
        url: str,
        on_new: Callable[[int], None],
        on_link: Callable[[bool], None],
    ) -> None:
        self.url = url
        self.database = describe_database(url)
        self._on_new = on_new
        self._on_link = on_link
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-listener", daemon=True)
        self._thread.start()

    @property
    def listening(self) -> bool:
        """True while the connection is up and listening."""
        return self._listening.is_set()

    def wait_listening(self, timeout: float) -> bool:
        """Wait until the listener is listening (True) or ``timeout`` seconds passed."""
        return self._listening.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """End the thread and close its connection."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        delay = self._FIRST_DELAY_S
        lost = False
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(self.url, autocommit=True, **_KEEPALIVES)
            except psycopg.Error as error:
                if not lost:
                    lost = True
                    log.warning("listener: cannot reach %s: %s", self.database, error)
                    self._call(self._on_link, False)
                self._stop.wait(delay)
                delay = min(delay * 2, self._MAX_DELAY_S)
                continue
            try:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                self._listening.set()
                delay = self._FIRST_DELAY_S
                if lost:
                    lost = False
                    self._call(self._on_link, True)
                    self._call(self._on_new, -1)
                self._listen(conn)
            except psycopg.Error as error:
                log.warning("listener: connection to %s lost: %s", self.database, error)
                self._listening.clear()
                if not self._stop.is_set() and not lost:
                    lost = True
                    self._call(self._on_link, False)
            finally:
                self._listening.clear()
                conn.close()

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            newest = None
            # Everything that arrived together is reported once, as its newest: a busy
            # server that falls behind is not handed one catch-up per append of the others.
            for notify in conn.notifies(timeout=self._POLL_S, stop_after=1):
                try:
                    seq = int(notify.payload)
                except ValueError:
                    log.warning("listener: ignored notification %r", notify.payload)
                    continue
                newest = seq if newest is None else max(newest, seq)
            if newest is not None:
                self._call(self._on_new, newest)

    def _call(self, callback: Callable[[Any], None], value: object) -> None:
        try:
            callback(value)
        except Exception:  # a failing callback must not end the listener
            log.exception("listener: callback %r failed", callback)
