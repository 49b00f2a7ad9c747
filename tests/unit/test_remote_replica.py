"""The replica: records from the server stored verbatim, chain checks, mirroring, folders."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.commands import Acknowledge, ReportIncident
from core.eventlog import EventLog
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from core.readings import HistoryReader
from core.remote.errors import ReplicaGapError
from core.remote.queue import EntryKind
from core.remote.replica import ReplicaStore
from core.remote.wire import WireError, chain_from_json, chain_message
from core.state import CityState
from tests.logs import records_of


def server_records(tmp_path: Path, n_readings: int = 3) -> list[EventRecord]:
    """Records as the server's log made them (another log, its own clock)."""
    origin = LocalBackend.open(tmp_path / "origin.db", FakeClock(1_700_000_000_000))
    try:
        report = origin.submit(ReportIncident("P-ASL", 37.5, 127.0, "11230"), "agency:112")
        incident_id = report.result()[0].subject
        assert incident_id is not None
        origin.submit(Acknowledge(incident_id), "operator:kim").result()
        readings = [
            SensorReading("S1", float(i), measured_ms=1_700_000_000_000 + i).to_new("t", "s")
            for i in range(n_readings)
        ]
        origin.publish(readings).result()
    finally:
        origin.close()
    return records_of(tmp_path / "origin.db")


@pytest.fixture
def records(tmp_path: Path) -> list[EventRecord]:
    return server_records(tmp_path)


def test_records_are_stored_verbatim_with_their_hashes(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    replica = EventLog.open(tmp_path / "replica.db", FakeClock(5))  # a clock far from theirs
    assert replica.append_records(records[:2]) == records[:2]
    assert replica.append_records(records[2:]) == records[2:]
    assert list(replica.read()) == records
    assert (replica.last_seq, replica.last_hash) == (records[-1].seq, records[-1].hash)
    assert replica.verify().ok
    replica.close()
    history = HistoryReader(str(tmp_path / "replica.db"))
    try:
        points = history.history("S1", 0, 1 << 62, 100)
        assert list(points.low) == [0.0, 1.0, 2.0]  # readings projected too
    finally:
        history.close()


def test_records_already_held_are_skipped(tmp_path: Path, records: list[EventRecord]) -> None:
    replica = EventLog.open(tmp_path / "replica.db")
    replica.append_records(records[:3])
    assert replica.append_records(records[:3]) == []
    assert replica.append_records(records[1:]) == records[3:]
    assert [r.seq for r in replica.read()] == [r.seq for r in records]
    replica.close()


def test_a_gap_is_refused_and_nothing_is_written(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    replica = EventLog.open(tmp_path / "replica.db")
    replica.append_records(records[:1])
    with pytest.raises(ReplicaGapError, match="does not follow event 1") as caught:
        replica.append_records(records[2:])
    assert not caught.value.diverged
    assert replica.max_seq() == 1
    replica.close()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"payload_json": '{"incident_id":"X"}'}, "hash does not match"),
        ({"prev_hash": bytes(32)}, "previous-hash link"),
        ({"ts_ms": 0}, "time runs backwards"),
    ],
)
def test_a_tampered_record_is_refused(
    tmp_path: Path, records: list[EventRecord], change: dict[str, object], reason: str
) -> None:
    replica = EventLog.open(tmp_path / "replica.db")
    replica.append_records(records[:1])
    bad = dataclasses.replace(records[1], **change)  # type: ignore[arg-type]
    with pytest.raises(ReplicaGapError, match=reason) as caught:
        replica.append_records([bad, *records[2:]])
    assert caught.value.diverged
    assert "Move the replica folder aside" in str(caught.value)
    assert list(replica.read()) == records[:1]
    replica.close()


def test_mirror_delivers_new_records_to_subscribers_once(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    backend = LocalBackend.open(tmp_path / "replica.db")
    got: list[EventRecord] = []
    lock = threading.Lock()

    def collect(batch: list[EventRecord]) -> None:
        with lock:
            got.extend(batch)

    try:
        backend.subscribe(collect)
        assert backend.mirror(records[:2]).result() == records[:2]
        assert backend.mirror(records).result() == records[2:]  # overlapping batch
        assert backend.mirror(records[:3]).result() == []
        state = backend.snapshot().result()
        with pytest.raises(ReplicaGapError):
            backend.mirror([dataclasses.replace(records[0], seq=99)]).result()
        assert backend.stats().result().last_seq == records[-1].seq
    finally:
        backend.close()
    assert got == records
    (incident,) = state.incidents.values()
    assert incident.status.value == "acknowledged"
    assert incident.version == records[1].seq


def test_an_unbound_replica_becomes_the_first_logs_folder(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    notices = NoticeBoard()
    store = ReplicaStore(tmp_path / "remote", "http://a:1", source="ws", notices=notices)
    replica = store.open_current()
    assert replica.log_id is None and replica.folder.name == "unbound"
    replica.backend.ready.result()
    replica.queue.put(EntryKind.COMMAND, {"command": "Acknowledge"}, "kim", "ref-1")
    bound = store.switch(replica, "log-a")
    store.retire(replica)
    assert not replica.folder.exists()
    try:
        assert bound.folder == tmp_path / "remote" / "log-a"
        assert [e.client_ref for e in bound.queue.waiting()] == ["ref-1"]
        bound.mirror(records).result()
        assert bound.last_seq() == records[-1].seq
    finally:
        bound.close()
    # The next start opens the same log's replica, even before the server answers.
    again = ReplicaStore(tmp_path / "remote", "http://a:1", source="ws", notices=notices)
    assert again.current_log_id() == "log-a"
    reopened = again.open_current()
    try:
        assert reopened.last_seq() == records[-1].seq
        other = again.switch(reopened, "log-b")  # the server now serves another log
        again.retire(reopened)
        assert other.last_seq() == 0 and other.queue.count_waiting() == 0
        other.close()
    finally:
        reopened.close()  # a second close does nothing
    assert (tmp_path / "remote" / "log-a" / "replica.db").exists()  # the old one is kept
    assert again.current_log_id() == "log-b"
    other_url = ReplicaStore(tmp_path / "remote", "http://b:2", source="ws", notices=notices)
    assert other_url.current_log_id() is None


def test_a_log_id_that_is_no_folder_name_is_refused(tmp_path: Path) -> None:
    store = ReplicaStore(tmp_path, "http://a:1", source="ws", notices=NoticeBoard())
    with pytest.raises(Exception, match="cannot be a folder name"):
        store.folder("../etc")


def chain_page(records: list[EventRecord]) -> dict[str, object]:
    """``records`` as the stream's compact ``chain`` page, parsed as the link parses it."""
    rows = [
        [r.seq, r.ts_ms, r.type, r.source, r.actor, r.subject, r.payload_json] for r in records
    ]
    text = chain_message(records[0].prev_hash, records[-1].hash, json.dumps(rows))
    page: dict[str, object] = json.loads(text)
    return page


def test_a_chain_page_is_rehashed_and_checked_against_its_last_hash(
    records: list[EventRecord],
) -> None:
    page = chain_page(records[1:])
    assert chain_from_json(page) == records[1:]  # every hash recomputed, as the server's
    rows = page["rows"]
    assert isinstance(rows, list)
    altered = [list(row) for row in rows]
    altered[0][4] = "operator:someone else"
    with pytest.raises(WireError, match="altered on the way"):
        chain_from_json(page | {"rows": altered})
    with pytest.raises(WireError, match="wrong type"):
        chain_from_json(page | {"rows": [[str(rows[0][0]), *rows[0][1:]]]})
    with pytest.raises(WireError, match="7 fields"):
        chain_from_json(page | {"rows": [rows[0][:6]]})
    with pytest.raises(WireError, match="'prev'"):
        chain_from_json(page | {"prev": "00"})


def test_hashes_computed_here_still_have_their_links_checked(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    replica = EventLog.open(tmp_path / "replica.db")
    replica.append_records(records[:1])
    with pytest.raises(ReplicaGapError, match="does not follow event 1"):
        replica.append_records(records[2:], hashed_here=True)
    foreign = dataclasses.replace(records[1], prev_hash=bytes(32))
    with pytest.raises(ReplicaGapError, match="previous-hash link") as caught:
        replica.append_records([foreign], hashed_here=True)
    assert caught.value.diverged
    assert replica.append_records(records[1:], hashed_here=True) == records[1:]
    assert replica.verify().ok
    replica.close()


class Collector:
    """A subscriber that keeps what it was handed."""

    def __init__(self) -> None:
        self.got: list[EventRecord] = []
        self._lock = threading.Lock()

    def __call__(self, batch: list[EventRecord]) -> None:
        with self._lock:
            self.got.extend(batch)


def state_at(records: list[EventRecord], seq: int) -> bytes:
    state = CityState()
    state.apply_all(r for r in records if r.seq <= seq)
    return state.to_bytes()


def test_a_mirrored_state_is_current_at_once_and_the_copy_fills_in_behind_it(
    tmp_path: Path,
) -> None:
    records = server_records(tmp_path, n_readings=6)
    at = records[3]  # the server's state as of this event; the copy holds only the first
    backend = LocalBackend.open(tmp_path / "replica.db", snapshot_every=2)
    old, new = Collector(), Collector()
    try:
        backend.mirror(records[:1]).result()
        backend.subscribe(old)  # a screen following since before
        assert backend.mirror_state(at.seq, at.hash, state_at(records, at.seq)).result()
        state = backend.snapshot().result()
        assert state.last_seq == at.seq
        assert next(iter(state.incidents.values())).status.value == "acknowledged"
        assert backend.stats().result().last_seq == 1  # the copy is still behind
        backend.subscribe(new, after_seq=state.last_seq)  # a screen seeded from it
        assert not backend.mirror_state(1, records[0].hash, state_at(records, 1)).result()
        for start in range(1, len(records), 2):
            backend.mirror(records[start : start + 2], hashed_here=True).result()
        final = backend.snapshot().result()
        assert backend.stats().result().last_seq == records[-1].seq
    finally:
        backend.close()
    assert old.got == records  # every event once, in order
    assert new.got == records[at.seq :]  # only what followed the state it was seeded with
    assert final.sensors["S1"].value == 5.0 and final.readings == 6
    assert backend.notices.history == []  # no snapshot refused on the way
    reopened = LocalBackend.open(tmp_path / "replica.db")
    try:
        assert reopened.snapshot().result().to_bytes() == final.to_bytes()
    finally:
        reopened.close()


def test_a_state_that_is_not_of_the_chain_is_folded_again_from_the_copy(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    at = records[1]
    bogus = CityState.from_bytes(state_at(records, at.seq))
    next(iter(bogus.incidents.values())).summary = "not what the log says"
    backend = LocalBackend.open(tmp_path / "replica.db")
    try:
        backend.mirror_state(at.seq, bytes(32), bogus.to_bytes()).result()
        assert next(iter(backend.snapshot().result().incidents.values())).summary == (
            "not what the log says"
        )
        backend.mirror(records).result()
        state = backend.snapshot().result()
    finally:
        backend.close()
    assert state.to_bytes() == CityState.from_bytes(state_at(records, records[-1].seq)).to_bytes()
    (notice,) = backend.notices.history
    assert "folded again" in notice.text and str(at.seq) in notice.text
