"""LocalBackend: commands, publishing, subscriptions, and appends from other processes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.commands import Acknowledge, AddNote, Assign, ReportIncident, Resolve
from core.errors import ConflictError, CorruptLogError, IllegalTransition
from core.eventlog import EventLog
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.state import FOLD_VERSION


class Collector:
    """Gathers delivered batches and lets a test wait for a sequence number."""

    def __init__(self) -> None:
        self.records: list[EventRecord] = []
        self._cond = threading.Condition()

    def __call__(self, batch: list[EventRecord]) -> None:
        with self._cond:
            self.records.extend(batch)
            self._cond.notify_all()

    def wait_for(self, seq: int, timeout: float = 10) -> None:
        with self._cond:
            assert self._cond.wait_for(
                lambda: bool(self.records) and self.records[-1].seq >= seq, timeout
            ), f"never reached seq {seq}; have {len(self.records)}"


@pytest.fixture
def backend(log_path: Path):  # type: ignore[no-untyped-def]
    b = LocalBackend.open(log_path, snapshot_every=100)
    yield b
    b.close()


def _readings(n: int) -> list:
    return [SensorReading("S1", float(i)).to_new("t", "sensor:S1") for i in range(n)]


def test_commands_are_decided_and_rejections_write_nothing(backend: LocalBackend) -> None:
    records = backend.submit(ReportIncident("P-ASL", 37.5, 127.0, "11230"), "agency:112").result()
    iid = records[0].subject
    assert iid == "INC-000001"
    with pytest.raises(IllegalTransition):
        backend.submit(Resolve(iid), "operator:kim").result()
    backend.submit(Acknowledge(iid, "on it"), "operator:kim").result()
    state = backend.snapshot().result()
    assert state.incidents[iid].status.value == "acknowledged"
    assert state.last_seq == 2


def test_subscription_delivers_backlog_then_live_once_in_order(backend: LocalBackend) -> None:
    backend.publish(_readings(12_000)).result()  # more than one backlog chunk
    seen = Collector()
    subscription = backend.subscribe(seen, after_seq=10)
    futures = [backend.publish(_readings(50)) for _ in range(20)]
    for f in futures:
        f.result()
    seen.wait_for(13_000)
    assert [r.seq for r in seen.records] == list(range(11, 13_001))
    subscription.cancel()
    backend.publish(_readings(5)).result()
    backend.snapshot().result()  # a round trip through the writer after the publish
    assert seen.records[-1].seq == 13_000


def test_concurrent_publishers_are_coalesced_without_loss(backend: LocalBackend) -> None:
    def publish() -> None:
        for _ in range(20):
            backend.publish(_readings(25))

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = backend.stats().result()
    assert stats.events == 4 * 20 * 25
    assert stats.last_seq == 2000


def test_snapshots_are_written_and_used(log_path: Path) -> None:
    backend = LocalBackend.open(log_path, snapshot_every=100)
    backend.publish(_readings(450)).result()
    backend.close()
    log = EventLog.open(log_path, readonly=True)
    assert log.latest_snapshot(FOLD_VERSION) is not None
    assert log.latest_snapshot(FOLD_VERSION)[0] == 450  # the final snapshot at close
    log.close()


def test_appends_by_another_process_reach_subscribers(
    backend: LocalBackend, log_path: Path
) -> None:
    seen = Collector()
    backend.subscribe(seen)
    backend.publish(_readings(3)).result()
    other = EventLog.open(log_path)  # a second writer, as `simulate --db` would be
    other.append(_readings(4))
    other.close()
    seen.wait_for(7)  # picked up by the writer's tail check
    records = backend.publish(_readings(1)).result()
    assert records[0].seq == 8
    assert [r.seq for r in seen.records] == list(range(1, 9))
    assert backend.snapshot().result().readings == 8


def test_closed_backend_refuses_work(log_path: Path) -> None:
    backend = LocalBackend.open(log_path)
    backend.close()
    with pytest.raises(RuntimeError, match="closed"):
        backend.publish(_readings(1)).result()


def test_a_log_whose_state_cannot_be_rebuilt_accepts_no_work(log_path: Path) -> None:
    import sqlite3

    backend = LocalBackend.open(log_path)
    backend.publish(_readings(5)).result()
    backend.close()
    con = sqlite3.connect(log_path)
    con.execute("DROP TRIGGER events_append_only_update")
    con.execute("UPDATE events SET payload = 'not json' WHERE seq = 3")
    con.execute("DELETE FROM snapshots")
    con.commit()
    con.close()
    size = log_path.stat().st_size
    broken = LocalBackend.open(log_path)
    try:
        with pytest.raises(CorruptLogError, match="event 3 "):
            broken.ready.result()
        with pytest.raises(CorruptLogError):
            broken.publish(_readings(1)).result()
        with pytest.raises(CorruptLogError):
            broken.submit(ReportIncident("F-FIRE", 37.5, 127.0, None), "op").result()
        assert "log verify" in broken.notices.history[-1].text
    finally:
        broken.close()
    assert EventLog.open(log_path, readonly=True).max_seq() == 5
    assert log_path.stat().st_size == size


def test_events_are_read_back_by_sequence_number(log_path) -> None:  # type: ignore[no-untyped-def]
    backend = LocalBackend.open(log_path)
    try:
        records = backend.publish(
            [SensorReading(f"S{i}", float(i)).to_new("t", "s") for i in range(1200)]
        ).result(5)
        wanted = [records[3].seq, records[1100].seq, 999_999, records[600].seq]
        got = backend.events_at(wanted).result(5)
        assert [r.seq for r in got] == sorted(wanted[:2] + wanted[3:])
        assert [r.payload["value"] for r in got] == [3.0, 600.0, 1100.0]
    finally:
        backend.close()


def test_expected_version_refuses_a_command_on_a_changed_incident(backend: LocalBackend) -> None:
    """Optimistic concurrency: two operators saw the incident at one version; the first to act
    wins, the second is told it changed and nothing of theirs is written."""
    iid = backend.submit(ReportIncident("P-ASL", 37.5, 127.0, "11230"), "a").result()[0].subject
    assert iid is not None
    seen = backend.snapshot().result().incidents[iid].version
    assert seen == 1
    backend.submit(Acknowledge(iid), "operator:kim", expected_version=seen).result()
    with pytest.raises(ConflictError) as refused:
        backend.submit(AddNote(iid, "mine"), "operator:lee", expected_version=seen).result()
    state = backend.snapshot().result()
    assert refused.value.current_version == state.incidents[iid].version == 2
    assert "acknowledged by operator:kim" in str(refused.value)
    assert state.last_seq == 2  # the refused note was not written
    # Looking again (the current version) lets the note through; no version means no check.
    backend.submit(AddNote(iid, "mine"), "operator:lee", expected_version=2).result()
    backend.submit(AddNote(iid, "again"), "operator:lee").result()
    # Notes add to the incident without deciding anything: the version stays at the last step.
    assert backend.snapshot().result().incidents[iid].version == 2
    backend.submit(Assign(iid, assignee="lee"), "operator:lee", expected_version=2).result()
    assert backend.snapshot().result().incidents[iid].version == 5
