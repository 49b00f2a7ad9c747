"""The rules on a real log: a river gauge crossing its steps opens a flood incident that
points at the situation event carrying the rule and the readings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from core.city import City, load_city
from core.clock import SystemClock
from core.events import EventType, SensorReading
from core.local_backend import LocalBackend
from core.rules import RuleEngine, default_rules
from core.rules.runner import RulesRunner
from tests.video_servers import wait_for

RIVER = "SEN-RIVER_LEVEL-11010-001"


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


def test_a_gauge_reaching_caution_opens_a_flood_incident_with_its_evidence(
    tmp_path: Path,
) -> None:
    backend = LocalBackend.open(tmp_path / "events.db")
    clock = SystemClock()
    runner = RulesRunner(backend, lambda: RuleEngine(default_rules(), city(), clock), clock)
    try:
        runner.start(after_seq=0)
        now = clock.now_ms()
        readings = [(1.2, now - 40_000), (1.8, now - 30_000), (3.6, now - 20_000)]
        backend.publish(
            [
                SensorReading(RIVER, value).to_new("test", f"sensor:{RIVER}", ts)
                for value, ts in readings
            ]
        ).result()
        wait_for(lambda: runner.incidents >= 1, timeout=10)
        state = backend.snapshot().result()
        floods = [i for i in state.incidents.values() if i.type_code == "D-FLOOD"]
        assert len(floods) == 1
        flood = floods[0]
        assert RIVER in flood.sensors
        assert flood.reference is not None and flood.reference.startswith("situation:")
        seq = int(flood.reference.split(":")[1])
        first_rule = backend.incident_events(flood.id).result()[0].actor.removeprefix("rules:")
        situation = backend.incident_events(first_rule).result()
        assert [r.seq for r in situation] == [seq]
        payload = situation[0].payload
        assert payload["rule_id"] == first_rule and payload["type_code"] == "D-FLOOD"
        # The incident opened when the gauge crossed, not when the rules got to it.
        assert flood.opened_ms == situation[0].ts_ms == now - 20_000
        # The second rule about the same gauge (rising fast) joined the same incident.
        wait_for(lambda: runner.detections >= 2, timeout=10)
        wait_for(
            lambda: any(
                r.type == EventType.INCIDENT_OBSERVED
                for r in backend.incident_events(flood.id).result()
            ),
            timeout=5,
        )
        assert payload["readings"][-1][:2] == [RIVER, 3.6]
        assert situation[0].type == EventType.SITUATION_DETECTED
        # The same episode does not open a second incident.
        backend.publish([SensorReading(RIVER, 3.7).to_new("test", f"sensor:{RIVER}")]).result()
        wait_for(lambda: backend.stats().result().last_seq > seq + 2, timeout=5)
        assert runner.stop() >= 1
        state = backend.snapshot().result()
        assert len([i for i in state.incidents.values() if i.type_code == "D-FLOOD"]) == 1
    finally:
        runner.stop()
        backend.close()


def test_a_detection_joins_the_flood_incident_already_open_nearby(tmp_path: Path) -> None:
    from core.commands import ReportIncident

    backend = LocalBackend.open(tmp_path / "events.db")
    clock = SystemClock()
    gauge = city().sensor(RIVER)
    # A citizen's report of the same flood, 300 m from the gauge, before the rules start.
    reported = backend.submit(
        ReportIncident("D-FLOOD", gauge.lat + 0.0027, gauge.lon, gauge.district_code),
        "agency:119",
    ).result()
    flood_id = str(reported[0].subject)
    state = backend.snapshot().result()
    runner = RulesRunner(backend, lambda: RuleEngine(default_rules(), city(), clock), clock)
    try:
        runner.start(state.last_seq, state.open_incident_places())
        now = clock.now_ms()
        backend.publish(
            [
                SensorReading(RIVER, value).to_new("test", f"sensor:{RIVER}", ts)
                for value, ts in ((1.2, now - 20_000), (3.6, now - 10_000))
            ]
        ).result()
        wait_for(lambda: runner.detections >= 1, timeout=10)
        wait_for(
            lambda: any(
                r.type == EventType.INCIDENT_OBSERVED
                for r in backend.incident_events(flood_id).result()
            ),
            timeout=5,
        )
        runner.stop()
        assert runner.incidents == 0
        state = backend.snapshot().result()
        assert list(state.incidents) == [flood_id]
        assert RIVER in state.incidents[flood_id].sensors
    finally:
        runner.stop()
        backend.close()
