"""A replica that takes the server's folded state hands it to subscribers that can take it
(``on_reset``) instead of the events behind it; the others get every event, as before."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core.city import load_city
from core.clock import FakeClock
from core.commands import Acknowledge, AddNote, ReportIncident, Resolve
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from core.remote.backend import RemoteBackend
from core.remote.replica import REPLICA_FILE, ReplicaStore
from core.state import CityState
from tests.backend_server import free_port
from tests.logs import fill_replica, records_of


class Screen:
    """A subscriber like the window's store: what it was handed, resets and batches."""

    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.resets: list[CityState] = []
        self.state = CityState()  # what it shows: the last state handed over, folded on
        self.lock = threading.Lock()

    def receive(self, batch: list[EventRecord]) -> None:
        with self.lock:
            self.events.extend(batch)
            self.state.apply_all(batch)

    def reset(self, state: CityState) -> None:
        with self.lock:
            self.resets.append(state)
            self.state = CityState.from_bytes(state.to_bytes())


def source_records(folder: Path) -> list[EventRecord]:
    """A server's log: incidents reported in the demo city, handled, and sensor readings."""
    city = load_city("lite")
    origin = LocalBackend.open(folder / "origin.db", FakeClock(1_700_000_000_000))
    try:
        ids: list[str] = []
        for type_code, district in (("F-FIRE", "11010"), ("P-ASL", "11230"), ("F-FIRE", "11250")):
            lat, lon = city.district(district).centroid
            report = ReportIncident(type_code, lat, lon, district)
            ids.append(str(origin.submit(report, "agency:112").result()[0].subject))
        origin.submit(Acknowledge(ids[0], "on it"), "operator:kim").result()
        origin.submit(AddNote(ids[1], "caller hung up"), "operator:kim").result()
        readings = [SensorReading("S1", float(i)).to_new("t", "sensor:S1") for i in range(5)]
        origin.publish(readings).result()
        origin.submit(Resolve(ids[0]), "operator:kim").result()
        origin.submit(Acknowledge(ids[2]), "operator:lee").result()
    finally:
        origin.close()
    return records_of(folder / "origin.db")


def other_log_records(path: Path) -> list[EventRecord]:
    """Another server's log: one bin report and many readings."""
    city = load_city("lite")
    origin = LocalBackend.open(path, FakeClock(1_600_000_000_000))
    try:
        lat, lon = city.district("11140").centroid
        origin.submit(ReportIncident("E-BIN", lat, lon, "11140"), "agency:120").result()
        readings = [SensorReading("S2", float(i)).to_new("t", "sensor:S2") for i in range(30)]
        origin.publish(readings).result()
    finally:
        origin.close()
    return records_of(path)


def state_blob(records: list[EventRecord], seq: int) -> bytes:
    """The server's folded state as of event ``seq``, as it sends it."""
    state = CityState()
    state.apply_all(r for r in records if r.seq <= seq)
    return state.to_bytes()


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[EventRecord]:
    return source_records(tmp_path_factory.mktemp("origin"))


def test_a_taken_state_reaches_resettable_subscribers_instead_of_the_events_behind_it(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    at = records[7]  # the server's state as of this event; the copy holds only the first two
    replica = LocalBackend.open(tmp_path / "replica.db")
    resettable, plain, late = Screen(), Screen(), Screen()
    try:
        replica.mirror(records[:2]).result()
        seed = replica.snapshot().result()
        replica.subscribe(resettable.receive, seed.last_seq, resettable.reset)
        replica.subscribe(plain.receive, seed.last_seq)
        assert replica.mirror_state(at.seq, at.hash, state_blob(records, at.seq)).result()
        # A screen seeded before the state was taken whose subscription starts only now.
        replica.subscribe(late.receive, seed.last_seq, late.reset)
        for start in range(2, len(records), 3):
            replica.mirror(records[start : start + 3]).result()
        final = replica.snapshot().result()
    finally:
        replica.close()
    assert replica.notices.history == []
    expected = CityState.from_bytes(state_blob(records, at.seq)).to_bytes()
    for screen in (resettable, late):
        (reset,) = screen.resets
        assert reset.last_seq == at.seq and reset.to_bytes() == expected
        assert screen.events == records[at.seq :]  # only what followed the state
        reset.apply_all(screen.events)
        assert reset.to_bytes() == final.to_bytes()
    assert resettable.resets[0] is not late.resets[0]  # each its own copy
    assert plain.resets == [] and plain.events == records[2:]  # every event, as before


def test_a_state_not_of_the_chain_resets_again_with_the_state_folded_from_the_copy(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    at = records[4]
    bogus = CityState.from_bytes(state_blob(records, at.seq))
    next(iter(bogus.incidents.values())).summary = "not what the log says"
    replica = LocalBackend.open(tmp_path / "replica.db")
    screen, plain = Screen(), Screen()
    try:
        replica.subscribe(screen.receive, 0, screen.reset)
        replica.subscribe(plain.receive)
        assert replica.mirror_state(at.seq, bytes(32), bogus.to_bytes()).result()
        replica.mirror(records[: at.seq + 2]).result()
        replica.mirror(records[at.seq + 2 :]).result()
    finally:
        replica.close()
    first, second = screen.resets
    assert next(iter(first.incidents.values())).summary == "not what the log says"
    # Folded anew from the copy, which by then held two events past the state sent.
    truth = CityState.from_bytes(state_blob(records, at.seq + 2))
    assert second.to_bytes() == truth.to_bytes()
    assert screen.events == records[at.seq + 2 :]
    assert plain.resets == [] and plain.events == records
    (notice,) = replica.notices.history
    assert "folded again" in notice.text


def test_subscribing_from_the_state_hands_it_over_then_what_follows(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    replica = LocalBackend.open(tmp_path / "replica.db")
    screen = Screen()
    try:
        with pytest.raises(ValueError, match="on_reset"):
            replica.subscribe(screen.receive, from_state=True)
        replica.mirror(records[:5]).result()
        replica.subscribe(screen.receive, 0, screen.reset, from_state=True)
        replica.mirror(records[5:]).result()
    finally:
        replica.close()
    (reset,) = screen.resets
    assert reset.to_bytes() == CityState.from_bytes(state_blob(records, 5)).to_bytes()
    assert screen.events == records[5:]


def test_a_cancelled_subscriber_is_not_reset(tmp_path: Path, records: list[EventRecord]) -> None:
    at = records[3]
    replica = LocalBackend.open(tmp_path / "replica.db")
    screen = Screen()
    try:
        replica.subscribe(screen.receive, 0, screen.reset).cancel()
        assert replica.mirror_state(at.seq, at.hash, state_blob(records, at.seq)).result()
        replica.mirror(records).result()
    finally:
        replica.close()
    assert screen.resets == [] and screen.events == []


def test_screens_follow_another_log_from_its_state_and_the_notice_says_so(
    tmp_path: Path, records: list[EventRecord]
) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nobody answers: the switches are driven here
    data = tmp_path / "remote"
    folders = ReplicaStore(data, url, source="workstation", notices=NoticeBoard())
    # The old log's copy is ahead of the new log's: folding the new log's events on top of
    # its state would skip them all.
    old = other_log_records(tmp_path / "old.db")
    assert old[-1].seq > records[-1].seq
    fill_replica(folders.folder("log-a") / REPLICA_FILE, old)
    fill_replica(folders.folder("log-b") / REPLICA_FILE, records[:6])
    folders.remember("log-a")
    backend = RemoteBackend(url, username="kim", password="unused", data_dir=data)
    screen, plain = Screen(), Screen()
    try:
        backend.ready.result(10)
        screen.state = backend.snapshot().result(10)
        backend.subscribe(screen.receive, screen.state.last_seq, screen.reset)
        backend._switch_log("log-b")
        backend._replica.mirror(records[6:]).result(10)
        new_log = backend.snapshot().result(10)  # queued after the screen's re-subscription
        shown = screen.state.to_bytes()
        # The same log seen through other districts (an empty copy so far).
        backend._switch_log("log-b.v0123abcd")
        backend.snapshot().result(10)
        backend.subscribe(plain.receive)  # cannot be reset: follows the next log from seq 0
        backend._replica.mirror(records[:3]).result(10)
        backend._switch_log("log-c")
        backend.snapshot().result(10)
    finally:
        backend.close()
    first, second = screen.resets[0], screen.resets[1]
    assert first.to_bytes() == CityState.from_bytes(state_blob(records, 6)).to_bytes()
    assert shown == new_log.to_bytes() and new_log.last_seq == records[-1].seq
    assert second.last_seq == 0 and len(screen.resets) == 3
    assert screen.events == records[6:] + records[:3]
    assert plain.resets == [] and plain.events == records[:3]
    other_log, districts, restart = backend.notices.history
    assert "another event log (log-b)" in other_log.text and "(log-a)" in other_log.text
    assert other_log.text.endswith("The screens now show the new log.")
    assert districts.text.startswith(
        "Your account's districts changed; the screens now show what it may see."
    )
    assert "another event log (log-c)" in restart.text
    assert restart.text.endswith("Restart Cityroom so the screens show only the new log.")
