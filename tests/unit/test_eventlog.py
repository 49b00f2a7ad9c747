"""The event log: appends, the hash chain, migrations and every way a file can be bad."""

from __future__ import annotations

import itertools
import sqlite3
import sys
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.errors import (
    CorruptLogError,
    ForeignLogError,
    LogLocationError,
    LogWriteError,
    NewerLogError,
)
from core.eventlog import GENESIS_HASH, EventLog
from core.events import EventType, IncidentNoteAdded, SensorReading
from core.schema import APPLICATION_ID, SCHEMA_VERSION, migrate


def readings(n: int, start: int = 0) -> list:
    return [
        SensorReading(f"S{i % 7}", float(start + i)).to_new("test", "sensor") for i in range(n)
    ]


def test_appends_get_sequence_timestamp_and_chain(log_path: Path) -> None:
    clock = FakeClock(1_000_000)
    log = EventLog.open(log_path, clock)
    first = log.append(readings(3))
    clock.advance(250)
    second = log.append(readings(2, 3))
    assert [r.seq for r in first + second] == [1, 2, 3, 4, 5]
    assert first[0].prev_hash == GENESIS_HASH
    chain = first + second
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert second[0].ts_ms == 1_000_250
    assert log.verify().ok
    log.close()
    reopened = EventLog.open(log_path, clock)
    assert reopened.last_seq == 5 and reopened.last_hash == second[-1].hash
    assert [r.payload["value"] for r in reopened.read(after_seq=3)] == [3.0, 4.0]
    reopened.close()


def test_timestamps_never_run_backwards(log_path: Path) -> None:
    log = EventLog.open(log_path, FakeClock(5_000))
    late = SensorReading("S", 1.0).to_new("t", "a", ts_ms=9_000)
    early = SensorReading("S", 2.0).to_new("t", "a", ts_ms=1_000)
    records = log.append([late, early])
    assert [r.ts_ms for r in records] == [9_000, 9_000]
    log.close()


def test_the_log_refuses_updates_and_deletes(log_path: Path) -> None:
    log = EventLog.open(log_path)
    log.append(readings(2))
    log.close()
    db = sqlite3.connect(log_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM events WHERE seq = 2")
    db.close()


def _tamper(path: Path, sql: str) -> None:
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER events_append_only_update")
    db.execute("DROP TRIGGER events_append_only_delete")
    db.execute(sql)
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("sql", "bad_seq", "reason"),
    [
        (
            'UPDATE events SET payload = \'{"sensor_id":"S3","value":99.0}\' WHERE seq = 4',
            4,
            "contents changed",
        ),
        ("UPDATE events SET actor = 'mallory' WHERE seq = 7", 7, "contents changed"),
        ("DELETE FROM events WHERE seq = 5", 6, "sequence gap"),
    ],
)
def test_verify_names_the_first_bad_event(
    log_path: Path, sql: str, bad_seq: int, reason: str
) -> None:
    log = EventLog.open(log_path)
    log.append(readings(10))
    log.close()
    _tamper(log_path, sql)
    report = EventLog.open(log_path, readonly=True).verify()
    assert not report.ok
    assert report.first_bad is not None
    assert report.first_bad.seq == bad_seq
    assert reason in report.first_bad.reason


def test_migrates_a_version_1_log_forward(log_path: Path) -> None:
    db = sqlite3.connect(log_path, isolation_level=None)
    migrate(db, target=1)
    db.close()
    assert SCHEMA_VERSION > 1
    log = EventLog.open(log_path)
    assert log.schema_version == SCHEMA_VERSION
    log.append(readings(1))
    log.save_snapshot(1, b"state", fold_version=1)
    assert log.latest_snapshot(1) == (1, b"state")
    assert log.verify().ok


def _unchanged(path: Path, content: bytes) -> None:
    assert path.read_bytes() == content, "the bad file must never be modified"


def test_a_corrupt_file_is_named_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    content = b"this is a text file, not a database\n" * 200
    path.write_bytes(content)
    with pytest.raises(CorruptLogError) as err:
        EventLog.open(path)
    assert str(path) in str(err.value) and "--db" in str(err.value)
    _unchanged(path, content)


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE customers (name TEXT)")
    db.execute("INSERT INTO customers VALUES ('kim')")
    db.commit()
    db.close()
    content = path.read_bytes()
    with pytest.raises(ForeignLogError, match="another program"):
        EventLog.open(path)
    _unchanged(path, content)
    assert not (tmp_path / "other.db-wal").exists()


def test_a_log_from_a_newer_version_is_refused_untouched(log_path: Path) -> None:
    EventLog.open(log_path).close()
    db = sqlite3.connect(log_path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    content = log_path.read_bytes()
    with pytest.raises(NewerLogError, match="newer Cityroom"):
        EventLog.open(log_path)
    _unchanged(log_path, content)


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LogLocationError, match="does not exist"):
        EventLog.open(tmp_path / "no" / "such" / "folder" / "x.db")


@pytest.mark.skipif(sys.platform != "linux", reason="uses the read-only /proc file system")
def test_a_read_only_location_is_a_clear_error() -> None:
    # /proc refuses new files even to root, unlike a chmod-ed folder.
    with pytest.raises(LogLocationError, match="cannot be written here"):
        EventLog.open("/proc/cityroom-test.db")


def test_a_full_disk_writes_nothing_of_the_batch(log_path: Path) -> None:
    log = EventLog.open(log_path)
    log.append(readings(5))
    pages = log._db.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own limit makes the file "full" exactly as a full disk would.
    log._db.execute(f"PRAGMA max_page_count = {pages + 1}")
    big = [IncidentNoteAdded("INC-1", "x" * 2000).to_new("t", "a") for _ in range(200)]
    with pytest.raises(LogWriteError, match="Nothing of this batch was written"):
        log.append(big)
    assert log.last_seq == 5 and log.max_seq() == 5
    log._db.execute("PRAGMA max_page_count = 1073741823")
    assert log.append(readings(1))[0].seq == 6
    assert log.verify().ok
    log.close()


def test_opening_an_existing_log_does_not_need_write_access_for_readonly(log_path: Path) -> None:
    log = EventLog.open(log_path)
    log.append(readings(3))
    log.close()
    ro = EventLog.open(log_path, readonly=True)
    assert ro.max_seq() == 3
    with pytest.raises(LogWriteError, match="read-only"):
        ro.append(readings(1))
    ro.close()


def test_application_id_marks_our_files(log_path: Path) -> None:
    EventLog.open(log_path).close()
    db = sqlite3.connect(log_path)
    assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_events_by_subject_serve_an_incident_timeline(log_path: Path) -> None:
    log = EventLog.open(log_path)
    log.append([*readings(3), IncidentNoteAdded("INC-000001", "hello").to_new("t", "op")])
    timeline = log.by_subject("INC-000001")
    assert [r.type for r in timeline] == [EventType.INCIDENT_NOTE_ADDED]
    log.close()
