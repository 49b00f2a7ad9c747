"""The PostgreSQL event log: the same chain and readings as the SQLite log, one gap-free
chain under concurrent writers, idempotent retries, LISTEN/NOTIFY, and a database that goes
away and comes back."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest

from core.clock import FakeClock
from core.eventlog import EventLog
from core.events import (
    EventRecord,
    IncidentAcknowledged,
    IncidentReported,
    NewEvent,
    SensorReading,
    SimulatorState,
)
from core.readings import MINUTE_MS, HistoryReader
from server.errors import DatabaseUnavailable
from server.pg_log import AppendResult, EventListener, PgEventLog
from tests.pg_cluster import PgCluster
from tests.video_servers import wait_for

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC, on a minute boundary


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def pg_log(pg_url: str, clock: FakeClock) -> Iterator[PgEventLog]:
    log = PgEventLog.open(pg_url, clock=clock, timeout=1.5)
    yield log
    log.close()


def always(events: list[NewEvent]) -> Callable[[list[EventRecord]], list[NewEvent]]:
    """A decide that appends ``events`` whatever it missed."""
    return lambda missed: events


def reported(incident: str, ts_ms: int | None = None) -> NewEvent:
    return IncidentReported(
        incident, "fire", 2, 37.56, 126.97, "11110", summary="연기 발생 — smoke"
    ).to_new("sim", "system", ts_ms)


def reading(sensor: str, value: float, ts_ms: int, measured_ms: int | None = None) -> NewEvent:
    return SensorReading(sensor, value, measured_ms).to_new("ingest", f"sensor:{sensor}", ts_ms)


def mixed_batches() -> list[list[NewEvent]]:
    """Batches exercising what the chain hashes: Korean text, no subject, explicit and
    clock-stamped times, a time earlier than the log's last one, odd floats."""
    return [
        [reported("INC-1"), SimulatorState("running", seed=7).to_new("sim", "op-kim")],
        [
            IncidentAcknowledged("INC-1", comment="확인").to_new("ws-1", "op-kim", T0 + 5_000),
            reported("INC-2", T0 + 1_000),  # earlier than the last: stamped with the last
            reading("WL-1", 1.25, T0 + 6_000, measured_ms=T0 - 30_000),
        ],
        [reading("WL-1", float(i) / 3, T0 + 7_000 + i) for i in range(5)],
    ]


def test_appends_chain_exactly_as_the_sqlite_log(
    pg_log: PgEventLog, clock: FakeClock, tmp_path: Path
) -> None:
    sqlite_log = EventLog.open(tmp_path / "events.db", clock)
    expected: list[EventRecord] = []
    got: list[EventRecord] = []
    for batch in mixed_batches():
        clock.advance(1_234)
        got.extend(pg_log.append(always(batch), after_seq=len(got)).records)
        expected.extend(sqlite_log.append(batch))
    sqlite_log.close()
    assert [r.seq for r in got] == list(range(1, 11))
    assert got == expected  # every field, the hashes included
    assert pg_log.read(0) == expected
    assert pg_log.verify() == []
    assert pg_log.max_seq() == 10
    assert pg_log.time_span() == (expected[0].ts_ms, expected[-1].ts_ms)
    assert pg_log.count_by_type() == {
        "incident.acknowledged": 1,
        "incident.reported": 2,
        "sensor.reading": 6,
        "simulator.state": 1,
    }
    assert [r.seq for r in pg_log.by_subject("INC-1")] == [1, 3]
    assert [r.seq for r in pg_log.by_subject("INC-1", {"incident.acknowledged"})] == [3]
    assert [r.seq for r in pg_log.by_seqs([9, 2, 42, 2])] == [2, 9]
    assert [r.seq for r in pg_log.read(3, until_seq=7, limit=2)] == [4, 5]


def test_decide_sees_what_the_caller_missed_and_its_failure_appends_nothing(
    pg_log: PgEventLog,
) -> None:
    pg_log.append(always([reported("INC-1"), reported("INC-2")]), after_seq=0)
    seen: list[list[int]] = []

    def decide(missed: list[EventRecord]) -> list[NewEvent]:
        seen.append([r.seq for r in missed])
        return [reported("INC-3")]

    result = pg_log.append(decide, after_seq=1)
    assert seen == [[2]] and [r.seq for r in result.missed] == [2]
    assert [r.seq for r in result.records] == [3] and not result.duplicate

    def refuse(missed: list[EventRecord]) -> list[NewEvent]:
        raise ValueError("not allowed")

    with pytest.raises(ValueError, match="not allowed"):
        pg_log.append(refuse, after_seq=3, client_ref="ref-refused")
    assert pg_log.max_seq() == 3
    # The refused command left no trace: the same client_ref is decided afresh.
    again = pg_log.append(always([reported("INC-4")]), after_seq=3, client_ref="ref-refused")
    assert not again.duplicate and [r.seq for r in again.records] == [4]
    assert pg_log.verify() == []


def test_a_repeated_client_ref_returns_the_first_records_and_appends_nothing(
    pg_log: PgEventLog,
) -> None:
    first = pg_log.append(
        always([reported("INC-1"), reported("INC-2")]),
        after_seq=0,
        client_ref="c-1",
        username="op-kim",
    )
    pg_log.append(always([reported("INC-3")]), after_seq=2)

    def must_not_run(missed: list[EventRecord]) -> list[NewEvent]:
        raise AssertionError("decide ran for a repeated command")

    again = pg_log.append(must_not_run, after_seq=2, client_ref="c-1", username="op-kim")
    assert again == AppendResult(missed=pg_log.read(2), records=first.records, duplicate=True)
    assert pg_log.max_seq() == 3
    # A command that produced no events is remembered too.
    empty = pg_log.append(always([]), after_seq=3, client_ref="c-2")
    assert empty.records == [] and not empty.duplicate
    repeat = pg_log.append(must_not_run, after_seq=3, client_ref="c-2")
    assert repeat.duplicate and repeat.records == []


def test_concurrent_writers_keep_one_gap_free_chain(pg_url: str) -> None:
    writers, batches = 4, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(name: str) -> None:
        log = PgEventLog.open(pg_url, min_size=1, max_size=2)
        try:
            start.wait()
            known = 0
            for i in range(batches):
                result = log.append(
                    always([reported(f"{name}-{i}"), reported(f"{name}-{i}b")]),
                    after_seq=known,
                )
                # What it missed plus what it wrote follow on from what it knew, no gaps.
                seqs = [r.seq for r in result.missed + result.records]
                assert seqs == list(range(known + 1, known + 1 + len(seqs)))
                known = seqs[-1]
        except BaseException as error:
            errors.append(error)
        finally:
            log.close()

    threads = [threading.Thread(target=write, args=(f"W{n}",)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    check = PgEventLog.open(pg_url)
    try:
        records = check.read(0, limit=10_000)
        assert [r.seq for r in records] == list(range(1, writers * batches * 2 + 1))
        assert len({r.subject for r in records}) == len(records)
        assert check.verify() == []
    finally:
        check.close()


def test_the_audit_chain_is_separate_and_verified(pg_log: PgEventLog) -> None:
    pg_log.append(always([reported("INC-1")]), after_seq=0)
    audit = pg_log.append_audit(
        [SimulatorState("login").to_new("server", "op-kim"), reported("AUD-2")]
    )
    assert [r.seq for r in audit] == [1, 2] and audit[0].prev_hash == bytes(32)
    assert pg_log.read_audit(0) == audit
    assert pg_log.read_audit(1, limit=5) == audit[1:]
    assert pg_log.max_seq() == 1
    assert pg_log.verify() == []


def test_the_log_is_append_only_and_verify_finds_tampering(
    pg_log: PgEventLog, pg_url: str
) -> None:
    pg_log.append(always([reported("INC-1"), reported("INC-2")]), after_seq=0)
    pg_log.append_audit([reported("AUD-1")])
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in (
            "UPDATE events SET actor = 'mallory' WHERE seq = 1",
            "DELETE FROM events WHERE seq = 2",
            "TRUNCATE events",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
        assert pg_log.verify() == []
        # A superuser can still get past the trigger; the chain shows it.
        conn.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
        conn.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    assert pg_log.verify() == ["events: event 1: contents changed after writing"]


def test_history_and_counts_match_the_sqlite_log(
    pg_log: PgEventLog, clock: FakeClock, tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    events: list[NewEvent] = []
    for sensor in ("WL-1", "WL-2"):
        times = T0 + np.sort(rng.integers(0, 3 * 3_600_000, 1500))
        events += [reading(sensor, float(rng.normal()), int(t)) for t in times]
    events.append(reading("WL-1", 99.0, T0 + 9_000_000, measured_ms=T0 + 59_999))  # late
    events.append(reading("WL-1", 7.0, T0 + 9_000_001, measured_ms=T0 + 120_000))  # same ms
    events.append(reading("WL-1", 8.0, T0 + 9_000_002, measured_ms=T0 + 120_000))
    sqlite_log = EventLog.open(tmp_path / "events.db", clock)
    sqlite_log.append(events)
    pg_log.append(always(events), after_seq=0)
    reader = HistoryReader(str(tmp_path / "events.db"))
    try:
        cases = [
            ("WL-1", T0, T0 + 3 * 3_600_000, 5000),  # raw
            ("WL-1", T0 + 100_000, T0 + 200_000, 3),  # buckets under a minute
            ("WL-1", T0 + 30_123, T0 + 3 * 3_600_000 - 7, 40),  # minute buckets, ragged ends
            ("WL-2", T0 + 5_000, T0 + 9_000_000, 2),
            ("WL-2", T0, T0 + MINUTE_MS, 1),
            ("WL-3", T0, T0 + 3_600_000, 100),  # no such sensor
        ]
        for sensor, start, end, points in cases:
            want = reader.history(sensor, start, end, points)
            got = pg_log.sensor_history(sensor, start, end, points)
            assert got.bucket_ms == want.bucket_ms, (sensor, start, end, points)
            assert got.last_seq == want.last_seq
            assert got.ts_ms.tolist() == want.ts_ms.tolist()
            assert got.low.tolist() == want.low.tolist()
            assert got.high.tolist() == want.high.tolist()
    finally:
        reader.close()
    assert pg_log.reading_counts() == sqlite_log.reading_counts()
    sqlite_log.close()
    with pytest.raises(ValueError, match="before it starts"):
        pg_log.sensor_history("WL-1", T0, T0 - 1, 10)


def test_snapshots_keep_the_newest_few(pg_log: PgEventLog) -> None:
    pg_log.append(always([reported(f"INC-{i}") for i in range(30)]), after_seq=0)
    assert pg_log.latest_snapshot(7) is None
    for seq in range(1, 31):
        pg_log.save_snapshot(seq, f"state {seq}".encode(), 7)
    pg_log.save_snapshot(30, b"state 30 again", 7)
    assert pg_log.latest_snapshot(7) == (30, b"state 30 again")
    assert pg_log.latest_snapshot(7, max_seq=12) == (12, b"state 12")
    assert pg_log.latest_snapshot(7, max_seq=6) is None  # only the newest 24 are kept
    assert pg_log.latest_snapshot(8) is None
    with pytest.raises(ValueError, match="no event 31"):
        pg_log.save_snapshot(31, b"", 7)


def test_a_notification_reaches_a_listener(pg_log: PgEventLog, pg_url: str) -> None:
    heard: list[int] = []
    links: list[bool] = []
    listener = EventListener(pg_url, on_new=heard.append, on_link=links.append)
    try:
        assert listener.wait_listening(10)
        pg_log.append(always([reported("INC-1"), reported("INC-2")]), after_seq=0)
        pg_log.append(always([]), after_seq=2)  # nothing appended: nothing to hear
        pg_log.append(always([reported("INC-3")]), after_seq=2)
        wait_for(lambda: heard == [2, 3], timeout=10)
        assert links == []
    finally:
        listener.stop()


def test_the_listener_survives_a_restart_and_says_so(
    pg_log: PgEventLog, pg_url: str, pg_cluster: PgCluster
) -> None:
    heard: list[int] = []
    links: list[bool] = []
    listener = EventListener(pg_url, on_new=heard.append, on_link=links.append)
    try:
        assert listener.wait_listening(10)
        pg_cluster.restart()
        wait_for(lambda: links == [False, True] and -1 in heard, timeout=15)
        assert listener.listening
        pg_log.append(always([reported("INC-1")]), after_seq=0)  # the pool reconnects too
        wait_for(lambda: heard[-1] == 1, timeout=10)
    finally:
        listener.stop()
    assert not listener.listening


def test_calls_fail_fast_while_the_database_is_down_and_work_once_it_is_back(
    pg_log: PgEventLog, pg_cluster: PgCluster
) -> None:
    pg_log.append(always([reported("INC-1")]), after_seq=0)
    pg_cluster.stop()
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match="answers 503 until it is back") as caught:
            pg_log.append(always([reported("INC-2")]), after_seq=1)
        with pytest.raises(DatabaseUnavailable):
            pg_log.read(0)
        assert time.monotonic() - started < 6  # the pool's timeout (1.5 s) each, not minutes
        assert f"127.0.0.1:{pg_cluster.port}/" in str(caught.value)
    finally:
        pg_cluster.start()

    def works() -> bool:
        try:
            return pg_log.max_seq() == 1
        except DatabaseUnavailable:
            return False

    wait_for(works, timeout=20)
    assert [r.seq for r in pg_log.append(always([reported("INC-2")]), after_seq=1).records] == [2]


def test_opening_an_unreachable_database_names_it(pg_cluster: PgCluster) -> None:
    url = f"postgresql://someone:secret@127.0.0.1:{pg_cluster.port + 1}/nowhere"
    with pytest.raises(DatabaseUnavailable) as caught:
        PgEventLog.open(url, timeout=1.0)
    message = str(caught.value)
    assert f"127.0.0.1:{pg_cluster.port + 1}/nowhere" in message and "secret" not in message
