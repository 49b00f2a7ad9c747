"""The readings' time-series table: written with the events, queried raw or as min/max
envelopes, pruned by retention, filled from older logs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from core.clock import FakeClock
from core.eventlog import EventLog, chain_hash
from core.events import NewEvent, SensorReading, canonical_json
from core.local_backend import LocalBackend
from core.readings import (
    DAY_MS,
    MINUTE_MS,
    HistoryReader,
    RetentionPolicy,
    query_history,
)
from core.schema import migrate

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC, on a minute boundary


def reading(sensor: str, value: float, ts_ms: int, measured_ms: int | None = None) -> NewEvent:
    return SensorReading(sensor, value, measured_ms).to_new("test", f"sensor:{sensor}", ts_ms)


def one_per_second(sensor: str, start_ms: int, seconds: int, value=lambda i: float(i)):
    return [reading(sensor, value(i), start_ms + i * 1000) for i in range(seconds)]


def history(log: EventLog, sensor: str, start: int, end: int, points: int):
    reader = HistoryReader(str(log.path))
    try:
        return reader.history(sensor, start, end, points)
    finally:
        reader.close()


def test_readings_are_queryable_by_sensor_and_time_right_after_append(log_path: Path) -> None:
    log = EventLog.open(log_path, FakeClock(T0))
    log.append(one_per_second("WL-1", T0, 120) + one_per_second("WL-2", T0, 60, lambda i: -i))
    got = history(log, "WL-1", T0 + 10_000, T0 + 19_000, 1000)
    assert got.is_raw
    assert got.ts_ms.tolist() == [T0 + i * 1000 for i in range(10, 20)]
    assert got.low.tolist() == [float(i) for i in range(10, 20)]
    assert got.last_seq == 120  # WL-1's readings came first in the batch
    other = history(log, "WL-2", T0, T0 + 3_600_000, 1000)
    assert len(other) == 60 and other.low.min() == -59.0
    log.close()


def test_a_long_range_is_a_min_max_envelope_that_keeps_every_peak(log_path: Path) -> None:
    log = EventLog.open(log_path, FakeClock(T0))
    values = np.zeros(3600)
    values[1234] = 9.5  # one spike in an hour
    values[2345] = -3.0
    log.append(one_per_second("WL-1", T0, 3600, lambda i: float(values[i])))
    got = history(log, "WL-1", T0, T0 + 3_599_999, 100)
    assert not got.is_raw and got.bucket_ms == 36_000
    assert len(got) <= 100
    assert got.high.max() == 9.5 and got.low.min() == -3.0
    spike_bucket = int(np.argmax(got.high))
    assert abs(got.ts_ms[spike_bucket] - (T0 + 1_234_000)) <= got.bucket_ms
    # Buckets a minute or longer come from the per-minute summaries, with the same peaks.
    coarse = history(log, "WL-1", T0, T0 + 3_599_999, 20)
    assert coarse.bucket_ms == 3 * MINUTE_MS
    assert coarse.high.max() == 9.5 and coarse.low.min() == -3.0
    log.close()


def test_a_late_reading_is_kept_at_its_device_time(log_path: Path) -> None:
    log = EventLog.open(log_path, FakeClock(T0))
    log.append([reading("WL-1", 1.0, T0 + 60_000)])
    # Measured before the last event: the log stamps it later, the table keeps the truth.
    [late] = log.append([reading("WL-1", 7.0, T0 + 5_000, measured_ms=T0 + 5_000)])
    assert late.ts_ms == T0 + 60_000
    got = history(log, "WL-1", T0, T0 + 120_000, 100)
    assert got.ts_ms.tolist() == [T0 + 5_000, T0 + 60_000]
    assert got.low.tolist() == [7.0, 1.0]
    log.close()


def test_retention_prunes_raw_readings_but_old_summaries_still_answer(log_path: Path) -> None:
    clock = FakeClock(T0)
    log = EventLog.open(log_path, clock)
    old_day = one_per_second("WL-1", T0, 600, lambda i: float(i % 50))
    log.append(old_day)
    clock.set(T0 + 3 * DAY_MS)
    log.append(one_per_second("WL-1", T0 + 3 * DAY_MS, 60, lambda i: 100.0))
    result = log.prune_readings(RetentionPolicy(raw_days=2, summary_days=10))
    assert result.raw_deleted == 600 and result.summaries_deleted == 0 and not result.more
    counts = log.reading_counts()
    assert counts is not None and counts.raw == 60 and counts.summaries == 11
    got = history(log, "WL-1", T0, T0 + 599_999, 10_000)
    # Raw is gone there: the answer comes from the minutes, still with the true range.
    assert got.bucket_ms == MINUTE_MS and len(got) == 10
    assert got.low.min() == 0.0 and got.high.max() == 49.0
    recent = history(log, "WL-1", T0 + 3 * DAY_MS, T0 + 3 * DAY_MS + 59_000, 10_000)
    assert recent.is_raw and len(recent) == 60
    clock.set(T0 + 20 * DAY_MS)
    assert log.prune_readings(RetentionPolicy(raw_days=2, summary_days=10)).summaries_deleted
    assert len(history(log, "WL-1", T0, T0 + 599_999, 10_000)) == 0
    # The log itself keeps every reading.
    assert sum(1 for _ in log.read()) == 660 and log.verify().ok
    log.close()


def test_pruning_is_bounded_per_pass(log_path: Path) -> None:
    clock = FakeClock(T0)
    log = EventLog.open(log_path, clock)
    for start in range(0, 30_000, 5000):
        log.append(one_per_second("WL-1", T0 + start * 1000, 5000))
    clock.set(T0 + 5 * DAY_MS)
    passes = []
    while True:
        result = log.prune_readings(RetentionPolicy(raw_days=1, summary_days=30))
        passes.append(result.raw_deleted)
        if not result.more:
            break
    assert max(passes) <= 20_000 and sum(passes) == 30_000 and len(passes) >= 2
    log.close()


def test_retention_must_keep_summaries_at_least_as_long_as_raw() -> None:
    with pytest.raises(ValueError, match="raw days"):
        RetentionPolicy(raw_days=30, summary_days=7)


def _write_v2_log(path: Path, events: list[NewEvent]) -> None:
    """A log as the version before the time-series table wrote it."""
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=2)
    prev = bytes(32)
    for seq, event in enumerate(events, start=1):
        payload = canonical_json(event.payload)
        assert event.ts_ms is not None
        digest = chain_hash(
            prev, seq, event.ts_ms, str(event.type), event.source, event.actor, event.subject,
            payload,
        )  # fmt: skip
        db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, event.ts_ms, str(event.type), event.source, event.actor, event.subject,
             payload, prev, digest),
        )  # fmt: skip
        prev = digest
    db.close()


def test_an_older_log_is_read_from_its_events_and_filled_in_when_migrated(
    log_path: Path,
) -> None:
    _write_v2_log(log_path, one_per_second("WL-1", T0, 300, lambda i: float(i % 7)))
    # Opened read-only (a reviewer's copy), nothing is changed: history comes from the events.
    readonly = EventLog.open(log_path, readonly=True)
    assert readonly.schema_version == 2 and readonly.reading_counts() is None
    from_events = history(readonly, "WL-1", T0, T0 + 299_000, 1000)
    small = history(readonly, "WL-1", T0, T0 + 299_000, 10)
    readonly.close()
    assert from_events.is_raw and len(from_events) == 300 and from_events.last_seq == 300
    assert len(small) <= 10 and small.high.max() == 6.0 and small.low.min() == 0.0
    # Opened for writing, it migrates and fills the table from the readings already there.
    log = EventLog.open(log_path, FakeClock(T0 + 300_000))
    counts = log.reading_counts()
    assert counts is not None and counts.raw == 300 and counts.summaries == 5
    migrated = history(log, "WL-1", T0, T0 + 299_000, 1000)
    assert migrated.ts_ms.tolist() == from_events.ts_ms.tolist()
    assert migrated.low.tolist() == from_events.low.tolist()
    with sqlite3.connect(log_path) as db:
        assert query_history(db, "WL-1", T0, T0 + 299_000, 10).high.max() == 6.0
    assert log.verify().ok
    log.close()


def test_the_backend_answers_history_off_its_writer(log_path: Path) -> None:
    backend = LocalBackend.open(log_path, FakeClock(T0))
    try:
        backend.publish(one_per_second("RG-3", T0, 90, lambda i: i / 10)).result(5)
        got = backend.sensor_history("RG-3", T0, T0 + 89_000, 1000).result(5)
        assert got.is_raw and len(got) == 90 and got.high[-1] == pytest.approx(8.9)
        stats = backend.stats().result(5)
        assert stats.readings is not None and stats.readings.raw == 90
        assert stats.readings.sensors == 1
    finally:
        backend.close()
    closed = backend.sensor_history("RG-3", T0, T0 + 1, 10)
    with pytest.raises(RuntimeError, match="closed"):
        closed.result(1)
