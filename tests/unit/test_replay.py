"""Replay: the state at any instant equals the live state at that instant; the index's marks,
spans and checkpoints; the clock; bookmarks and annotations as events."""

from __future__ import annotations

import json
import threading
import zlib
from pathlib import Path

import pytest

from core.city import load_city
from core.commands import Acknowledge, MarkTimeline, ReportIncident, Resolve, decide
from core.errors import CommandRejected, CorruptLogError
from core.eventlog import EventLog
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.replay import SPEEDS, MarkKind, ReplayClock, ReplaySession, kind_of
from core.simulator import Simulator, SimulatorConfig
from core.state import CityState

START_MS = 1_790_000_000_000


def _plain(state: CityState) -> object:
    return json.loads(zlib.decompress(state.to_bytes()))


def _simulated_log(path: Path, sim_seconds: float = 900) -> list[tuple[int, int, object]]:
    """Play the simulator into a log, keeping what a live replica held after every batch:
    (last seq, last ts, state)."""
    backend = LocalBackend.open(path, snapshot_every=700)
    live = CityState()
    seen: list[tuple[int, int, object]] = []
    lock = threading.Lock()

    def follow(records: list[EventRecord]) -> None:
        with lock:
            live.apply_all(records)
            seen.append((live.last_seq, live.last_ts, _plain(live)))

    backend.subscribe(follow)
    config = SimulatorConfig(seed=7, rate=4, scenario_every_s=120, minor_every_s=40)
    sim = Simulator(load_city("lite"), backend, config, virtual_start_ms=START_MS)
    sim.run_for(sim_seconds)
    backend.close()
    return seen


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int, object]]]:
    path = tmp_path_factory.mktemp("replay") / "city.db"
    return path, _simulated_log(path)


def test_state_at_any_seq_equals_the_live_state_then(played) -> None:  # type: ignore[no-untyped-def]
    path, seen = played
    assert len(seen) > 50
    session = ReplaySession(path, checkpoint_every=300)
    try:
        # Before the index (snapshots only), while it is partial, and once it is complete.
        for seq, _, expected in seen[::17]:
            assert _plain(session.state_at_seq(seq)) == expected
        session.build_index()
        assert session.index.complete and session.index.checkpoint_count > 3
        for seq, _, expected in seen[::5]:
            assert _plain(session.state_at_seq(seq)) == expected
    finally:
        session.close()


def test_state_at_an_instant_holds_every_event_stamped_until_then(played) -> None:  # type: ignore[no-untyped-def]
    path, seen = played
    session = ReplaySession(path)
    log = EventLog.open(path, readonly=True)
    try:
        session.build_index()
        for seq, ts, _ in seen[::23]:
            state = session.state_at(ts)
            later = [r for r in log.read(after_seq=state.last_seq) if r.ts_ms <= ts]
            assert later == [], "an event stamped before the instant was left out"
            assert state.last_ts <= ts
            assert state.last_seq >= seq
        assert session.state_at(session.first_ms - 1).last_seq == 0
    finally:
        log.close()
        session.close()


def test_playback_forward_folds_to_the_same_state_as_a_seek(played) -> None:  # type: ignore[no-untyped-def]
    path, _ = played
    session = ReplaySession(path)
    try:
        middle = (session.start_ms + session.end_ms) // 2
        state = session.state_at(session.start_ms)
        while True:
            batch = session.read_forward(state.last_seq, middle, limit=97)
            if not batch:
                break
            state.apply_all(batch)
        assert _plain(state) == _plain(session.state_at(middle))
    finally:
        session.close()


def test_index_marks_spans_and_density(played) -> None:  # type: ignore[no-untyped-def]
    path, _ = played
    session = ReplaySession(path)
    log = EventLog.open(path, readonly=True)
    try:
        session.build_index()
        index = session.index
        records = list(log.read())
        not_readings = [r for r in records if r.type != "sensor.reading"]
        marks = index.marks_between(session.start_ms, session.end_ms)
        assert [m.seq for m in marks] == [r.seq for r in not_readings]
        reports = [r for r in records if r.type == "incident.reported"]
        spans = index.spans()
        assert {s.incident_id for s in spans} == {r.subject for r in reports}
        first = reports[0]
        found = index.next_mark(first.ts_ms - 1, {MarkKind.INCIDENT})
        assert found is not None and found.seq == first.seq
        back = index.next_mark(found.ts_ms, {MarkKind.INCIDENT}, forward=False)
        assert back is None or back.ts_ms < found.ts_ms
        density = index.reading_density(session.start_ms, session.end_ms + 60_000, 30)
        readings = sum(1 for r in records if r.type == "sensor.reading")
        assert sum(density) == readings
    finally:
        log.close()
        session.close()


def test_a_live_log_keeps_growing_and_the_session_follows(tmp_path: Path) -> None:
    backend = LocalBackend.open(tmp_path / "live.db")
    try:
        backend.publish([SensorReading("S1", 1.0).to_new("t", "s", START_MS)]).result()
        session = ReplaySession(tmp_path / "live.db")
        session.build_index()
        end = session.end_ms
        records = backend.submit(
            ReportIncident("E-BIN", 37.5, 127.0, "11230"), "agency:112", START_MS + 60_000
        ).result()
        assert session.refresh() == records[0].ts_ms > end
        session.build_index()  # takes in what was appended
        assert session.index.next_mark(end, {MarkKind.INCIDENT}) is not None
        assert records[0].subject in session.state_at(session.end_ms).incidents
        session.close()
    finally:
        backend.close()


def test_an_empty_log_cannot_be_replayed(tmp_path: Path) -> None:
    EventLog.open(tmp_path / "empty.db").close()
    with pytest.raises(CorruptLogError, match="no events to replay"):
        ReplaySession(tmp_path / "empty.db")


def test_seq_at_with_gaps_in_the_sequence(tmp_path: Path) -> None:
    # A bundle's log holds only some events: the bisection must cope with missing numbers.
    log = EventLog.open(tmp_path / "gaps.db")
    records = log.append(
        [SensorReading("S", float(i)).to_new("t", "s", START_MS + i * 1000) for i in range(50)]
    )
    log.close()
    import sqlite3

    db = sqlite3.connect(tmp_path / "gaps.db")
    db.execute("DROP TRIGGER events_append_only_delete")
    db.execute("DELETE FROM events WHERE seq % 3 = 0")
    db.commit()
    db.close()
    log = EventLog.open(tmp_path / "gaps.db", readonly=True)
    kept = [r for r in records if r.seq % 3]
    for ts in range(START_MS - 500, START_MS + 51_000, 250):
        expected = max((r.seq for r in kept if r.ts_ms <= ts), default=0)
        assert log.seq_at(ts) == expected
    log.close()


def test_the_clock_plays_at_speed_steps_and_stops_at_the_end() -> None:
    clock = ReplayClock(1_000, 101_000)
    assert clock.position_ms == 1_000 and not clock.playing
    assert clock.tick(500) == 1_000  # paused: no movement
    clock.play()
    clock.speed = 8
    assert clock.tick(1_000) == 9_000
    assert clock.faster() == 16 and clock.slower() == 8
    clock.speed = SPEEDS[-1]
    assert clock.faster() == 64
    assert clock.tick(10_000) == 101_000 and not clock.playing  # stops at the end
    clock.play()  # from the start again
    assert clock.position_ms == 1_000 and clock.playing
    assert clock.step(-1) == 1_000 and not clock.playing
    assert clock.step(1) == 11_000
    clock.extend(200_000)
    assert clock.seek(150_000) == 150_000
    with pytest.raises(ValueError, match="speed"):
        ReplayClock(0, 1, speed=3)


def test_mark_kinds() -> None:
    assert kind_of("sensor.reading") is None
    assert kind_of("incident.acknowledged") is MarkKind.INCIDENT
    assert kind_of("incident.note_added") is MarkKind.NOTE
    assert kind_of("packet.delivered") is MarkKind.PACKET
    assert kind_of("procedure.step_done") is MarkKind.PROCEDURE
    assert kind_of("replay.annotated") is MarkKind.BOOKMARK
    assert kind_of("camera.viewed") is MarkKind.CAMERA
    assert kind_of("something.new") is MarkKind.SYSTEM


def test_bookmarks_and_annotations_are_events_folded_into_the_state(tmp_path: Path) -> None:
    log = EventLog.open(tmp_path / "marks.db")
    state = CityState()
    state.apply_all(
        log.append(
            decide(state, ReportIncident("E-BIN", 37.5, 127.0, "11230"), source="t", actor="a")
        )
    )
    incident = next(iter(state.incidents))
    for command in (
        Acknowledge(incident),
        MarkTimeline(START_MS, "smoke first seen", incident_id=incident),
        MarkTimeline(START_MS + 5, "The camera was opened late.", annotation=True),
        Resolve(incident),
    ):
        state.apply_all(log.append(decide(state, command, source="t", actor="operator:lee")))
    kinds = [(b.kind, b.text, b.incident_id, b.actor) for b in state.bookmarks]
    assert kinds == [
        ("bookmark", "smoke first seen", incident, "operator:lee"),
        ("annotation", "The camera was opened late.", None, "operator:lee"),
    ]
    # They survive a snapshot and change no incident's lifecycle.
    again = CityState.from_bytes(state.to_bytes())
    assert again.bookmarks == state.bookmarks
    assert [t.action for t in state.incidents[incident].transitions] == [
        "reported",
        "acknowledged",
        "resolved",
    ]
    with pytest.raises(CommandRejected, match="needs some text"):
        decide(state, MarkTimeline(START_MS, "  "), source="t", actor="a")
    with pytest.raises(CommandRejected, match="at most 120"):
        decide(state, MarkTimeline(START_MS, "x" * 121), source="t", actor="a")
    with pytest.raises(CommandRejected, match="no incident"):
        decide(state, MarkTimeline(START_MS, "x", incident_id="INC-999999"), source="t", actor="a")
    log.close()
