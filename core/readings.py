"""Sensor readings beside the event log: a time-series table, per-minute summaries, retention.

The log keeps every reading as a hash-chained event, which is what replay and audit need. Plots
need something else: one sensor's readings over a time range, fast, and a month of history drawn
as a min/max envelope. This projection keeps the readings by sensor and device time (``readings``)
and a min/max/sum/count per sensor and minute (``reading_minutes``). It is written in the same
transaction as the events, so it never lags the log; old raw readings and old summaries are
pruned by a configurable retention, while the log itself stays whole.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

MINUTE_MS = 60_000
DAY_MS = 86_400_000
READING_TYPE = "sensor.reading"
# The prune boundary of raw readings: older ranges are answered from the minute summaries.
RAW_FROM_KEY = "readings.raw_from_ms"
_PRUNE_CHUNK = 20_000

Int64Array = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SCHEMA: tuple[str, ...] = (
    # Clustered by sensor and time: a plot's range query reads neighbouring pages. The key's
    # columns come first: SQLite 3.40's integrity check misreads a WITHOUT ROWID table whose
    # other columns sit between them.
    """CREATE TABLE readings (
        sensor_id TEXT NOT NULL,
        ts_ms INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (sensor_id, ts_ms, seq)
    ) WITHOUT ROWID""",
    """CREATE TABLE reading_minutes (
        sensor_id TEXT NOT NULL,
        minute INTEGER NOT NULL,
        low REAL NOT NULL,
        high REAL NOT NULL,
        total REAL NOT NULL,
        count INTEGER NOT NULL,
        last_seq INTEGER NOT NULL,
        PRIMARY KEY (sensor_id, minute)
    ) WITHOUT ROWID""",
)

_INSERT_RAW = "INSERT OR IGNORE INTO readings (sensor_id, ts_ms, value, seq) VALUES (?, ?, ?, ?)"
_UPSERT_MINUTE = """INSERT INTO reading_minutes
    (sensor_id, minute, low, high, total, count, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (sensor_id, minute) DO UPDATE SET
        low = min(low, excluded.low), high = max(high, excluded.high),
        total = total + excluded.total, count = count + excluded.count,
        last_seq = max(last_seq, excluded.last_seq)"""


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long raw readings and per-minute summaries are kept (the log keeps everything)."""

    raw_days: float = 30.0
    summary_days: float = 400.0

    def __post_init__(self) -> None:
        if not 0 < self.raw_days <= self.summary_days:
            raise ValueError(
                f"reading retention: raw days ({self.raw_days:g}) must be above 0 and at most "
                f"the summary days ({self.summary_days:g})"
            )


@dataclass(frozen=True, slots=True)
class SensorHistory:
    """One sensor's readings over a time range, raw or as a min/max envelope.

    ``ts_ms`` are reading times (raw) or bucket middles (envelope); ``low`` and ``high`` are
    equal for raw readings. ``bucket_ms`` is 0 for raw readings. ``last_seq`` is the newest
    reading of the sensor the answer saw, so live readings can be joined after it.
    """

    sensor_id: str
    start_ms: int
    end_ms: int
    ts_ms: Int64Array
    low: FloatArray
    high: FloatArray
    bucket_ms: int
    last_seq: int

    def __len__(self) -> int:
        return len(self.ts_ms)

    @property
    def is_raw(self) -> bool:
        """True when every point is one reading, not a summary of several."""
        return self.bucket_ms == 0


@dataclass(frozen=True, slots=True)
class ReadingCounts:
    """What the time-series table holds, for ``log stats``."""

    raw: int
    summaries: int
    sensors: int
    oldest_raw_ms: int | None
    oldest_summary_ms: int | None


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What one prune pass removed, and whether more is left for the next pass."""

    raw_deleted: int
    summaries_deleted: int
    more: bool


def reading_rows(
    records: Iterable[tuple[int, int, str | None, str, Mapping[str, Any]]],
) -> list[tuple[str, int, float, int]]:
    """``(sensor, device time, value, seq)`` for the readings among ``(seq, ts_ms, subject,
    type, payload)`` rows; a reading without a finite number is left to the log alone."""
    rows: list[tuple[str, int, float, int]] = []
    for seq, ts_ms, subject, type_, payload in records:
        if type_ != READING_TYPE or subject is None:
            continue
        value = payload.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if not math.isfinite(value):
            continue
        measured = payload.get("measured_ms")
        device_ms = ts_ms
        if isinstance(measured, int) and not isinstance(measured, bool):
            device_ms = measured
        rows.append((subject, device_ms, float(value), seq))
    return rows


def project(db: sqlite3.Connection, rows: Sequence[tuple[str, int, float, int]]) -> None:
    """Add readings to the table and their minutes' summaries (inside the caller's
    transaction). Summaries are folded per minute first: one upsert per sensor-minute."""
    if not rows:
        return
    db.executemany(_INSERT_RAW, rows)
    minutes: dict[tuple[str, int], list[float]] = {}
    for sensor_id, ts_ms, value, seq in rows:
        key = (sensor_id, ts_ms // MINUTE_MS)
        agg = minutes.get(key)
        if agg is None:
            minutes[key] = [value, value, value, 1.0, float(seq)]
        else:
            if value < agg[0]:
                agg[0] = value
            if value > agg[1]:
                agg[1] = value
            agg[2] += value
            agg[3] += 1.0
            if seq > agg[4]:
                agg[4] = float(seq)
    db.executemany(
        _UPSERT_MINUTE,
        [
            (sensor, minute, a[0], a[1], a[2], int(a[3]), int(a[4]))
            for (sensor, minute), a in minutes.items()
        ],
    )


def backfill(db: sqlite3.Connection, chunk: int = 5000) -> None:
    """Fill the table from the readings already in the log (inside the caller's
    transaction), through the same :func:`project` as new readings."""
    cursor = db.execute(
        "SELECT seq, ts_ms, subject, type, payload FROM events WHERE type = ? ORDER BY seq",
        (READING_TYPE,),
    )
    while rows := cursor.fetchmany(chunk):
        project(
            db,
            reading_rows(
                (seq, ts, subject, type_, _payload(p)) for seq, ts, subject, type_, p in rows
            ),
        )


def _payload(text: str) -> Mapping[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def has_table(db: sqlite3.Connection) -> bool:
    """True when the file has the time-series table (logs from before it do not)."""
    row = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'readings'"
    ).fetchone()
    return row is not None


def raw_from_ms(db: sqlite3.Connection) -> int:
    """The oldest time raw readings are still kept from (0 when nothing was pruned)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (RAW_FROM_KEY,)).fetchone()
    return int(row[0]) if row is not None else 0


def query_history(
    db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int, max_points: int
) -> SensorHistory:
    """The readings of ``sensor_id`` with ``start_ms <= t <= end_ms``: raw when at most
    ``max_points`` are kept there, otherwise a min/max envelope of at most ``max_points``
    buckets (from the minute summaries when buckets are a minute or longer, or where raw
    readings were pruned). Run it inside one read transaction for a consistent answer."""
    if end_ms < start_ms:
        raise ValueError(f"history range ends ({end_ms}) before it starts ({start_ms})")
    max_points = max(2, max_points)
    span = end_ms - start_ms + 1
    last_seq = _last_seq(db, sensor_id)
    raw_from = max(start_ms, raw_from_ms(db))
    count = _count(db, sensor_id, raw_from, end_ms)
    if raw_from == start_ms and count <= max_points:
        ts, values = _raw(db, sensor_id, start_ms, end_ms)
        return SensorHistory(sensor_id, start_ms, end_ms, ts, values, values, 0, last_seq)
    bucket_ms = -(-span // max_points)
    if bucket_ms >= MINUTE_MS or raw_from > start_ms:
        bucket_ms = max(MINUTE_MS, -(-bucket_ms // MINUTE_MS) * MINUTE_MS)
        ts, low, high = _minute_buckets(db, sensor_id, start_ms, end_ms, bucket_ms)
    else:
        ts, low, high = _raw_buckets(db, sensor_id, start_ms, end_ms, bucket_ms)
    return SensorHistory(sensor_id, start_ms, end_ms, ts, low, high, bucket_ms, last_seq)


def _last_seq(db: sqlite3.Connection, sensor_id: str) -> int:
    row = db.execute(
        "SELECT MAX(last_seq) FROM reading_minutes WHERE sensor_id = ?", (sensor_id,)
    ).fetchone()
    return int(row[0] or 0)


def _count(db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int) -> int:
    row = db.execute(
        "SELECT COUNT(*) FROM readings WHERE sensor_id = ? AND ts_ms BETWEEN ? AND ?",
        (sensor_id, start_ms, end_ms),
    ).fetchone()
    return int(row[0])


def _raw(
    db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int
) -> tuple[Int64Array, FloatArray]:
    rows = db.execute(
        "SELECT ts_ms, value FROM readings WHERE sensor_id = ? AND ts_ms BETWEEN ? AND ? "
        "ORDER BY ts_ms, seq",
        (sensor_id, start_ms, end_ms),
    ).fetchall()
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0)
    table = np.array(rows, dtype=np.float64)
    return table[:, 0].astype(np.int64), table[:, 1].copy()


def _raw_buckets(
    db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int, bucket_ms: int
) -> tuple[Int64Array, FloatArray, FloatArray]:
    rows = db.execute(
        "SELECT (ts_ms - ?) / ?, MIN(value), MAX(value) FROM readings "
        "WHERE sensor_id = ? AND ts_ms BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
        (start_ms, bucket_ms, sensor_id, start_ms, end_ms),
    ).fetchall()
    return _buckets(rows, start_ms, bucket_ms)


def _minute_buckets(
    db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int, bucket_ms: int
) -> tuple[Int64Array, FloatArray, FloatArray]:
    first_minute = start_ms // MINUTE_MS
    per_bucket = bucket_ms // MINUTE_MS
    rows = db.execute(
        "SELECT (minute - ?) / ?, MIN(low), MAX(high) FROM reading_minutes "
        "WHERE sensor_id = ? AND minute BETWEEN ? AND ? GROUP BY 1 ORDER BY 1",
        (first_minute, per_bucket, sensor_id, first_minute, end_ms // MINUTE_MS),
    ).fetchall()
    return _buckets(rows, first_minute * MINUTE_MS, bucket_ms)


def _buckets(
    rows: list[tuple[int, float, float]], origin_ms: int, bucket_ms: int
) -> tuple[Int64Array, FloatArray, FloatArray]:
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    table = np.array(rows, dtype=np.float64)
    middles = origin_ms + table[:, 0].astype(np.int64) * bucket_ms + bucket_ms // 2
    return middles, table[:, 1].copy(), table[:, 2].copy()


def prune(db: sqlite3.Connection, now_ms: int, policy: RetentionPolicy) -> PruneResult:
    """Delete raw readings and summaries older than ``policy`` allows, a bounded amount per
    call (one transaction) so the log's writer is never held for long; call again while
    ``more`` is true."""
    raw_cutoff = now_ms - int(policy.raw_days * DAY_MS)
    summary_cutoff = (now_ms - int(policy.summary_days * DAY_MS)) // MINUTE_MS
    db.execute("BEGIN IMMEDIATE")
    try:
        # Record the boundary first: a query that sees fewer raw readings must know why.
        if raw_cutoff > raw_from_ms(db):
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (RAW_FROM_KEY, str(raw_cutoff)),
            )
        raw = _delete_oldest(db, "readings", "ts_ms", raw_cutoff)
        summaries = _delete_oldest(db, "reading_minutes", "minute", summary_cutoff)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return PruneResult(raw, summaries, raw >= _PRUNE_CHUNK or summaries >= _PRUNE_CHUNK)


def _delete_oldest(db: sqlite3.Connection, table: str, column: str, cutoff: int) -> int:
    # Per sensor, so each delete walks the primary key instead of scanning the table.
    deleted = 0
    sensors = [row[0] for row in db.execute(f"SELECT DISTINCT sensor_id FROM {table}")]
    for sensor_id in sensors:
        budget = _PRUNE_CHUNK - deleted
        if budget <= 0:
            break
        bound = db.execute(
            f"SELECT {column} FROM {table} WHERE sensor_id = ? AND {column} < ? "
            f"ORDER BY {column} LIMIT 1 OFFSET ?",
            (sensor_id, cutoff, budget),
        ).fetchone()
        upper = cutoff if bound is None else int(bound[0])
        cursor = db.execute(
            f"DELETE FROM {table} WHERE sensor_id = ? AND {column} < ?", (sensor_id, upper)
        )
        deleted += cursor.rowcount
    return deleted


def counts(db: sqlite3.Connection) -> ReadingCounts:
    """Row counts and oldest times of the table and the summaries."""
    raw, oldest_raw = db.execute("SELECT COUNT(*), MIN(ts_ms) FROM readings").fetchone()
    summaries, oldest_minute, sensors = db.execute(
        "SELECT COUNT(*), MIN(minute), COUNT(DISTINCT sensor_id) FROM reading_minutes"
    ).fetchone()
    return ReadingCounts(
        int(raw),
        int(summaries),
        int(sensors),
        None if oldest_raw is None else int(oldest_raw),
        None if oldest_minute is None else int(oldest_minute) * MINUTE_MS,
    )


def history_from_events(
    db: sqlite3.Connection, sensor_id: str, start_ms: int, end_ms: int, max_points: int
) -> SensorHistory:
    """The same answer as :func:`query_history`, read from the events themselves: for logs
    from before the time-series table, opened read-only and so never migrated."""
    rows = db.execute(
        "SELECT ts_ms, json_extract(payload, '$.value'), seq FROM events "
        "WHERE subject = ? AND type = ? AND ts_ms BETWEEN ? AND ? ORDER BY seq",
        (sensor_id, READING_TYPE, start_ms, end_ms),
    ).fetchall()
    last = db.execute(
        "SELECT MAX(seq) FROM events WHERE subject = ? AND type = ?", (sensor_id, READING_TYPE)
    ).fetchone()
    last_seq = int(last[0] or 0)
    numeric = [(t, v) for t, v, _ in rows if isinstance(v, int | float) and math.isfinite(v)]
    ts = np.array([t for t, _ in numeric], dtype=np.int64)
    values = np.array([v for _, v in numeric], dtype=np.float64)
    if len(ts) <= max(2, max_points):
        order = np.argsort(ts, kind="stable")
        ts, values = ts[order], values[order]
        return SensorHistory(sensor_id, start_ms, end_ms, ts, values, values, 0, last_seq)
    bucket_ms = -(-(end_ms - start_ms + 1) // max(2, max_points))
    index = (ts - start_ms) // bucket_ms
    buckets, inverse = np.unique(index, return_inverse=True)
    low = np.full(len(buckets), np.inf)
    high = np.full(len(buckets), -np.inf)
    np.minimum.at(low, inverse, values)
    np.maximum.at(high, inverse, values)
    middles = start_ms + buckets * bucket_ms + bucket_ms // 2
    return SensorHistory(sensor_id, start_ms, end_ms, middles, low, high, bucket_ms, last_seq)


class HistoryReader:
    """Answers history queries on a read-only connection of its own, so plots never wait
    behind the log's writer (WAL lets readers and the writer work at once). Used from one
    thread at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    def history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> SensorHistory:
        """A consistent answer: every query of it runs in one read transaction."""
        db = self._connect()
        db.execute("BEGIN")
        try:
            if has_table(db):
                return query_history(db, sensor_id, start_ms, end_ms, max_points)
            return history_from_events(db, sensor_id, start_ms, end_ms, max_points)
        finally:
            db.execute("COMMIT")

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(
                f"file:{quote(self.path)}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
        return self._db

    def close(self) -> None:
        """Release the connection."""
        if self._db is not None:
            self._db.close()
            self._db = None
