"""Folds and snapshots: a rebuild from a snapshot equals a full fold."""

from __future__ import annotations

from core.commands import Acknowledge, Assign, ReportIncident, decide
from core.eventlog import EventLog
from core.events import SensorReading
from core.state import FOLD_VERSION, CityState, rebuild


def _fill(log: EventLog) -> CityState:
    state = CityState()
    for i in range(30):
        events = decide(
            state,
            ReportIncident("E-BIN", 37.5, 127.0 + i / 1000, "11230"),
            source="t",
            actor="sensor",
        )
        state.apply_all(log.append(events))
        state.apply_all(
            log.append([SensorReading(f"S{j}", float(i * j)).to_new("t", "s") for j in range(10)])
        )
        if i % 3 == 0:
            iid = f"INC-{i + 1:06d}"
            state.apply_all(log.append(decide(state, Acknowledge(iid), source="t", actor="op")))
            state.apply_all(
                log.append(decide(state, Assign(iid, assignee="op2"), source="t", actor="op"))
            )
    return state


def _same(a: CityState, b: CityState) -> None:
    assert a.last_seq == b.last_seq
    assert {k: v.to_json() for k, v in a.incidents.items()} == {
        k: v.to_json() for k, v in b.incidents.items()
    }
    assert {k: (v.value, v.ts_ms) for k, v in a.sensors.items()} == {
        k: (v.value, v.ts_ms) for k, v in b.sensors.items()
    }
    assert a.incident_counter == b.incident_counter


def test_snapshot_round_trip(log_path) -> None:  # type: ignore[no-untyped-def]
    log = EventLog.open(log_path)
    state = _fill(log)
    _same(CityState.from_bytes(state.to_bytes()), state)
    log.close()


def test_rebuild_from_a_snapshot_equals_a_full_fold(log_path) -> None:  # type: ignore[no-untyped-def]
    log = EventLog.open(log_path)
    live = _fill(log)
    middle = CityState()
    middle.apply_all(log.read(until_seq=200))
    log.save_snapshot(200, middle.to_bytes(), FOLD_VERSION)
    assert log.latest_snapshot(FOLD_VERSION) is not None
    _same(rebuild(log), live)
    _same(rebuild(log, use_snapshots=False), live)
    # Replay to an earlier instant ignores snapshots after it.
    _same(rebuild(log, until_seq=150), rebuild(log, until_seq=150, use_snapshots=False))
    log.close()


def test_a_snapshot_of_another_fold_version_is_ignored(log_path) -> None:  # type: ignore[no-untyped-def]
    log = EventLog.open(log_path)
    _fill(log)
    log.save_snapshot(100, CityState().to_bytes(), FOLD_VERSION + 1)
    assert log.latest_snapshot(FOLD_VERSION) is None
    assert rebuild(log).last_seq == log.last_seq
    log.close()


def test_a_late_reading_does_not_replace_a_newer_last_value(log_path) -> None:  # type: ignore[no-untyped-def]
    log = EventLog.open(log_path)
    state = CityState()
    state.apply_all(log.append([SensorReading("S1", 3.0, measured_ms=2_000).to_new("t", "s")]))
    state.apply_all(log.append([SensorReading("S1", 9.0, measured_ms=1_000).to_new("t", "s")]))
    assert (state.sensors["S1"].value, state.sensors["S1"].ts_ms) == (3.0, 2_000)
    state.apply_all(log.append([SensorReading("S1", 4.0, measured_ms=3_000).to_new("t", "s")]))
    assert (state.sensors["S1"].value, state.sensors["S1"].ts_ms) == (4.0, 3_000)
    assert state.readings == 3
    log.close()
