"""The rules engine: each rule kind fires once per episode, with its evidence, and bad rule
files are refused with the line to fix."""

from __future__ import annotations

import textwrap
from functools import lru_cache
from pathlib import Path

import pytest

from core.catalogue import CATALOGUE
from core.city import City, CrisisLevel, FacilityKind, Sensor, SensorKind, load_city
from core.clock import FakeClock
from core.events import (
    DomainEvent,
    EventRecord,
    IncidentAcknowledged,
    IncidentReported,
    SensorReading,
    canonical_json,
)
from core.rules import (
    DEFAULT_RULE_FILE,
    CorrelationRule,
    Detection,
    RuleEngine,
    RuleFileError,
    RuleKind,
    default_rules,
    load_rule_file,
    load_rule_text,
)

START = 1_790_000_000_000
MIN = 60_000
METRES_PER_DEGREE_LAT = 111_195.0


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


def first(kind: SensorKind) -> Sensor:
    return min((s for s in city().sensors if s.kind is kind), key=lambda s: s.id)


class Log:
    """Hand-made event records with rising sequence numbers."""

    def __init__(self) -> None:
        self.seq = 0

    def record(self, event: DomainEvent, ts: int) -> EventRecord:
        self.seq += 1
        new = event.to_new("test", "test", ts)
        return EventRecord(
            self.seq,
            ts,
            new.type.value,
            new.source,
            new.actor,
            new.subject,
            canonical_json(new.payload),
            b"",
            b"",
        )

    def reading(self, sensor: Sensor | str, value: float, ts: int) -> EventRecord:
        sensor_id = sensor if isinstance(sensor, str) else sensor.id
        return self.record(SensorReading(sensor_id, value), ts)

    def incident(
        self, incident_id: str, type_code: str, lat: float, lon: float, ts: int
    ) -> EventRecord:
        event = IncidentReported(incident_id, type_code, 1, lat, lon, "11230", "test")
        return self.record(event, ts)


def engine_for(text: str, clock: FakeClock | None = None) -> RuleEngine:
    rules = load_rule_text(textwrap.dedent(text), Path("test.toml"))
    return RuleEngine(rules, city(), clock or FakeClock(START))


def play(engine: RuleEngine, log: Log, sensor: Sensor, values: list[float]) -> list[Detection]:
    """Feed one reading a minute, one batch each, and collect the detections."""
    found: list[Detection] = []
    for minute, value in enumerate(values):
        found += engine.feed([log.reading(sensor, value, START + minute * MIN)])
    return found


RIVER = """
[[rule]]
id = "river"
kind = "threshold"
sensor_kind = "river_level"
min_level = "caution"
hysteresis = {hysteresis}
[rule.produces]
incident_type = "D-FLOOD"
severity_by_level = {{ caution = 2, alert = 2, severe = 1 }}
summary_ko = "{{name}} {{level}} ({{value}} {{unit}})"
summary_en = "{{name}} at {{level}} ({{value}} {{unit}}, threshold {{threshold}})"
"""


# -- threshold -------------------------------------------------------------------------------


def test_a_threshold_reports_each_level_once_with_its_reading() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RIVER.format(hysteresis=0.1)), Log()
    found = play(engine, log, gauge, [2.0, 3.0, 3.6, 3.7, 4.6, 4.7, 5.3])
    assert [d.level for d in found] == [CrisisLevel.CAUTION, CrisisLevel.ALERT, CrisisLevel.SEVERE]
    caution, alert, severe = found
    assert caution.readings[0].sensor_id == gauge.id
    assert caution.readings[0].value == 3.6
    assert caution.readings[0].ts_ms == START + 2 * MIN
    assert caution.event_seqs == (3,)
    assert (caution.lat, caution.lon, caution.district_code) == (
        gauge.lat,
        gauge.lon,
        gauge.district_code,
    )
    assert caution.incident_type == "D-FLOOD"
    assert caution.rule_kind is RuleKind.THRESHOLD
    assert caution.subject == gauge.id
    assert [d.severity for d in found] == [2, 2, 1]
    assert caution.summary_ko == f"{gauge.name} 주의 (3.6 m)"
    assert alert.summary_en == f"{gauge.name_en} at alert (4.6 m, threshold 4.5)"
    assert severe.ts_ms == START + 6 * MIN


def test_hysteresis_stops_a_value_hovering_at_a_threshold_from_flapping() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    hovering = [3.51, 3.49, 3.52, 3.45, 3.55, 3.48, 3.5]
    steady = play(engine_for(RIVER.format(hysteresis=0.1)), Log(), gauge, hovering)
    assert len(steady) == 1
    flapping = play(engine_for(RIVER.format(hysteresis=0.0)), Log(), gauge, hovering)
    assert len(flapping) == 4


def test_a_threshold_re_arms_only_after_falling_back_past_the_band() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RIVER.format(hysteresis=0.1)), Log()
    # Down from 경계 to 주의 and back: the same episode, 경계 is not reported again.
    found = play(engine, log, gauge, [3.6, 4.6, 3.8, 4.6])
    assert [d.level for d in found] == [CrisisLevel.CAUTION, CrisisLevel.ALERT]
    # Below 주의 minus the band ends the episode; the next rise is news again.
    later = engine.feed(
        [log.reading(gauge, 3.3, START + 10 * MIN), log.reading(gauge, 3.6, START + 11 * MIN)]
    )
    assert [d.level for d in later] == [CrisisLevel.CAUTION]


def test_a_falling_kind_reports_low_values() -> None:
    gauge = first(SensorKind.WATER_PRESSURE)
    engine = engine_for(
        """
        [[rule]]
        id = "pressure"
        kind = "threshold"
        sensor_kind = "water_pressure"
        min_level = "caution"
        [rule.produces]
        incident_type = "U-LEAK"
        summary_ko = "{name} {value}"
        summary_en = "{name} {value}"
        """
    )
    found = play(engine, Log(), gauge, [400.0, 190.0, 165.0, 300.0])
    assert [(d.level, d.readings[0].value) for d in found] == [(CrisisLevel.CAUTION, 165.0)]
    assert found[0].severity == CATALOGUE["U-LEAK"].severity


# -- rate ------------------------------------------------------------------------------------

RATE = """
[[rule]]
id = "rise"
kind = "rate"
sensor_kind = "river_level"
rise = 0.20
window_min = 10
{extra}
[rule.produces]
incident_type = "D-FLOOD"
summary_ko = "{{name}} +{{change:.2f}}"
summary_en = "{{name}} +{{change:.2f}} {{unit}} in {{window_min:.0f}} min"
"""


def test_a_rise_within_the_window_fires_with_its_start_and_end() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine = engine_for(RATE.format(extra=""))
    found = play(engine, Log(), gauge, [2.0, 2.05, 2.1, 2.15, 2.2, 2.25])
    assert len(found) == 1
    start, end = found[0].readings
    assert (start.value, start.ts_ms) == (2.0, START)
    assert (end.value, end.ts_ms) == (2.2, START + 4 * MIN)
    assert found[0].summary_en == f"{gauge.name_en} +0.20 m in 10 min"


def test_a_slow_rise_spread_beyond_the_window_does_not_fire() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine = engine_for(RATE.format(extra=""))
    # +0.3 m in all, but never +0.2 m within any 10 minutes.
    slow = [2.0 + 0.015 * minute for minute in range(21)]
    assert play(engine, Log(), gauge, slow) == []


def test_a_rate_rule_fires_once_per_rise_and_re_arms_after_a_plateau() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RATE.format(extra="")), Log()
    rise = [2.0, 2.1, 2.2, 2.3, 2.4]
    plateau = [2.4] * 12
    found = play(engine, log, gauge, rise + plateau + [2.5, 2.6, 2.7])
    assert len(found) == 2
    assert found[1].readings[0].value == 2.4


def test_a_rate_rule_with_a_level_gate_ignores_rises_below_it() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    rising = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6]
    gated = play(engine_for(RATE.format(extra='min_level = "attention"')), Log(), gauge, rising)
    assert [d.readings[-1].value for d in gated] == [2.6]
    ungated = play(engine_for(RATE.format(extra="")), Log(), gauge, rising)
    assert [d.readings[-1].value for d in ungated] == [1.2]


# -- duration --------------------------------------------------------------------------------

CONGESTION = """
[[rule]]
id = "congestion"
kind = "duration"
sensor_kind = "traffic_speed"
below = 15
minutes = 15
max_gap_min = 5
[rule.produces]
incident_type = "T-CONG"
summary_ko = "{name} {minutes:.0f}분 정체"
summary_en = "{name} congested for {minutes:.0f} min"
"""


def test_a_duration_fires_after_the_full_run_and_once() -> None:
    link = first(SensorKind.TRAFFIC_SPEED)
    engine = engine_for(CONGESTION)
    found = play(engine, Log(), link, [30.0] + [10.0] * 30)
    assert len(found) == 1
    first_reading, last_reading = found[0].readings
    assert first_reading.ts_ms == START + MIN
    assert last_reading.ts_ms == found[0].ts_ms == START + 16 * MIN
    assert found[0].summary_ko == f"{link.name} 15분 정체"


def test_a_dip_resets_the_duration() -> None:
    link = first(SensorKind.TRAFFIC_SPEED)
    engine = engine_for(CONGESTION)
    values = [10.0] * 10 + [25.0] + [10.0] * 16
    found = play(engine, Log(), link, values)
    assert len(found) == 1
    assert found[0].readings[0].ts_ms == START + 11 * MIN
    assert found[0].ts_ms == START + 26 * MIN
    # Without the dip the same run would have fired ten minutes earlier.
    assert play(engine_for(CONGESTION), Log(), link, [10.0] * 16)[0].ts_ms == START + 15 * MIN


def test_a_tick_completes_a_duration_between_sparse_readings_but_not_over_silence() -> None:
    link = first(SensorKind.TRAFFIC_SPEED)
    engine, log = engine_for(CONGESTION), Log()
    engine.feed([log.reading(link, 10.0, START + m * MIN) for m in (0, 4, 8, 12, 14)])
    assert engine.tick(START + 14 * MIN + 30_000) == []
    found = engine.tick(START + 15 * MIN + 1)
    assert [d.ts_ms for d in found] == [START + 15 * MIN]
    assert engine.tick(START + 16 * MIN) == []

    silent, log = engine_for(CONGESTION), Log()
    silent.feed([log.reading(link, 10.0, START)])
    assert silent.tick(START + 20 * MIN) == []


# -- staleness -------------------------------------------------------------------------------

STALE = """
[[rule]]
id = "silent"
kind = "stale"
sensors = ["{a}", "{b}"]
minutes = 15
[rule.produces]
severity = 4
summary_ko = "{{name}} {{silent_min}}분 무응답"
summary_en = "{{name}} silent for {{silent_min}} min"
"""


def test_staleness_fires_once_and_re_arms_when_data_returns() -> None:
    heard, never = sorted(city().sensors, key=lambda s: s.id)[:2]
    clock = FakeClock(START)
    engine, log = engine_for(STALE.format(a=heard.id, b=never.id), clock), Log()
    engine.feed([log.reading(heard, 1.0, START + 5 * MIN)])
    assert engine.tick(START + 14 * MIN) == []
    # The sensor never heard from counts from the engine's start.
    first_fault = engine.tick(START + 15 * MIN)
    assert [d.subject for d in first_fault] == [never.id]
    assert first_fault[0].incident_type is None
    assert first_fault[0].readings == ()
    faults = engine.tick(START + 20 * MIN)
    assert [d.subject for d in faults] == [heard.id]
    assert faults[0].readings[0].ts_ms == START + 5 * MIN
    assert faults[0].ts_ms == START + 20 * MIN
    assert faults[0].summary_en == f"{heard.name_en} silent for 15 min"
    assert engine.tick(START + 40 * MIN) == []
    engine.feed([log.reading(heard, 2.0, START + 41 * MIN)])
    assert engine.tick(START + 55 * MIN) == []
    again = engine.tick(START + 56 * MIN)
    assert [d.subject for d in again] == [heard.id]


# -- correlation -----------------------------------------------------------------------------

CAR_FLOOD = """
[[rule]]
id = "car-flood"
kind = "correlation"
radius_m = {radius}
window_min = 30
[rule.anchor]
sensor_kind = "river_level"
level = "alert"
hysteresis = 0.1
[[rule.near]]
sensor_kind = "parking_occupancy"
at_facility = "riverside_parking"
above = 0
[rule.produces]
incident_type = "D-CARFLD"
summary_ko = "{{name}} {{level}}: {{near}}"
summary_en = "{{name}} at {{level}}: {{count}} car parks: {{near}}"
"""


def gauge_and_car_park() -> tuple[Sensor, Sensor, float]:
    """A gauge, the parking counter nearest it, their distance; and no other counter as near."""
    pairs = []
    for gauge in (s for s in city().sensors if s.kind is SensorKind.RIVER_LEVEL):
        found = city().nearest_sensors(gauge.lat, gauge.lon, 2, SensorKind.PARKING_OCCUPANCY)
        (park, near), (_, second) = found
        pairs.append((second - near, gauge, park, near))
    _, gauge, park, distance = max(pairs, key=lambda p: p[0])
    return gauge, park, distance


def test_car_flood_fires_when_the_gauge_reaches_alert_with_cars_parked_within_radius() -> None:
    gauge, park, distance = gauge_and_car_park()
    engine, log = engine_for(CAR_FLOOD.format(radius=distance + 10)), Log()
    assert engine.feed([log.reading(park, 35.0, START)]) == []
    assert engine.feed([log.reading(gauge, 4.4, START + MIN)]) == []
    found = engine.feed([log.reading(gauge, 4.6, START + 2 * MIN)])
    assert len(found) == 1
    detection = found[0]
    assert detection.incident_type == "D-CARFLD"
    assert detection.subject == gauge.id
    assert (detection.lat, detection.lon) == (gauge.lat, gauge.lon)
    assert [(r.sensor_id, r.value) for r in detection.readings] == [
        (gauge.id, 4.6),
        (park.id, 35.0),
    ]
    assert detection.event_seqs == (1, 3)
    assert detection.facility_ids == (park.facility_id,)
    car_park = city().facility(park.facility_id or "")
    assert detection.summary_en == f"{gauge.name_en} at alert: 1 car parks: {car_park.name_en}"
    # Once per episode: more readings while it holds say nothing new.
    assert engine.feed([log.reading(gauge, 4.8, START + 3 * MIN)]) == []
    assert engine.feed([log.reading(park, 40.0, START + 4 * MIN)]) == []
    # The gauge falls back past the band and rises again: a new episode.
    engine.feed([log.reading(gauge, 4.3, START + 5 * MIN)])
    assert len(engine.feed([log.reading(gauge, 4.6, START + 6 * MIN)])) == 1


def test_car_flood_fires_when_cars_arrive_after_the_gauge_is_at_alert() -> None:
    gauge, park, distance = gauge_and_car_park()
    engine, log = engine_for(CAR_FLOOD.format(radius=distance + 10)), Log()
    assert engine.feed([log.reading(park, 0.0, START), log.reading(gauge, 4.6, START)]) == []
    found = engine.feed([log.reading(park, 5.0, START + 10 * MIN)])
    assert [d.subject for d in found] == [gauge.id]
    assert found[0].ts_ms == START + 10 * MIN


def test_car_flood_stays_quiet_beyond_the_radius() -> None:
    gauge, park, distance = gauge_and_car_park()
    engine, log = engine_for(CAR_FLOOD.format(radius=distance - 10)), Log()
    engine.feed([log.reading(park, 35.0, START)])
    assert engine.feed([log.reading(gauge, 4.6, START + MIN)]) == []


def test_car_flood_stays_quiet_when_the_cars_were_seen_outside_the_window() -> None:
    gauge, park, distance = gauge_and_car_park()
    engine, log = engine_for(CAR_FLOOD.format(radius=distance + 10)), Log()
    engine.feed([log.reading(park, 35.0, START)])
    assert engine.feed([log.reading(gauge, 4.6, START + 31 * MIN)]) == []
    # A fresh count from the car park completes it.
    assert len(engine.feed([log.reading(park, 30.0, START + 32 * MIN)])) == 1


FIRE = """
[[rule]]
id = "fire-access"
kind = "correlation"
radius_m = 100
window_min = 30
[rule.anchor]
incident_type = "F-FIRE"
[[rule.near]]
incident_type = "T-PARK"
[rule.produces]
incident_type = "F-BLOCK"
summary_ko = "{incident_id} 진입로 불법 주정차 {count}건"
summary_en = "{incident_id}: {count} parked on the access road: {near}"
"""


def north(lat: float, metres: float) -> float:
    return lat + metres / METRES_PER_DEGREE_LAT


def test_a_fire_with_illegal_parking_reported_within_100_m_asks_to_clear_the_access() -> None:
    lat, lon = city().district("11230").centroid
    engine, log = engine_for(FIRE), Log()
    assert engine.feed([log.incident("INC-1", "F-FIRE", lat, lon, START)]) == []
    found = engine.feed(
        [
            log.incident("INC-2", "T-PARK", north(lat, 150), lon, START + MIN),
            log.incident("INC-3", "T-PARK", north(lat, 60), lon, START + 2 * MIN),
        ]
    )
    assert len(found) == 1
    detection = found[0]
    assert detection.incident_type == "F-BLOCK"
    assert detection.incident_ids == ("INC-1", "INC-3")
    assert detection.event_seqs == (1, 3)
    assert (detection.lat, detection.lon) == (lat, lon)
    assert detection.summary_en == "INC-1: 1 parked on the access road: illegal parking INC-3"
    assert engine.feed([log.incident("INC-4", "T-PARK", lat, lon, START + 3 * MIN)]) == []


def test_parking_reported_before_the_fire_counts_within_the_window_only() -> None:
    lat, lon = city().district("11230").centroid
    engine, log = engine_for(FIRE), Log()
    engine.feed([log.incident("INC-1", "T-PARK", north(lat, 50), lon, START)])
    found = engine.feed([log.incident("INC-2", "F-FIRE", lat, lon, START + 10 * MIN)])
    assert [d.incident_ids for d in found] == [("INC-2", "INC-1")]

    stale_parking, log = engine_for(FIRE), Log()
    stale_parking.feed([log.incident("INC-1", "T-PARK", north(lat, 50), lon, START)])
    assert stale_parking.feed([log.incident("INC-2", "F-FIRE", lat, lon, START + 31 * MIN)]) == []

    late, log = engine_for(FIRE), Log()
    late.feed([log.incident("INC-1", "F-FIRE", lat, lon, START)])
    assert late.feed([log.incident("INC-2", "T-PARK", lat, lon, START + 31 * MIN)]) == []


def gas_detectors() -> tuple[Sensor, Sensor]:
    """A gas detector with a school within 200 m and one without."""
    near: list[Sensor] = []
    far: list[Sensor] = []
    for sensor in (s for s in city().sensors if s.kind is SensorKind.GAS):
        schools = city().facilities_within(sensor.lat, sensor.lon, 200, FacilityKind.SCHOOL)
        (near if schools else far).append(sensor)
    return near[0], far[0]


def default_engine() -> RuleEngine:
    return RuleEngine(default_rules(), city(), FakeClock(START))


def test_gas_at_alarm_near_a_school_calls_for_evacuation() -> None:
    near, far = gas_detectors()
    engine, log = default_engine(), Log()
    found = engine.feed([log.reading(near, 12.0, START), log.reading(near, 28.0, START + 3 * MIN)])
    evacuations = [d for d in found if d.rule_id == "gas-near-school"]
    assert len(evacuations) == 1
    detection = evacuations[0]
    assert detection.incident_type == "H-GAS"
    assert detection.severity == 1
    schools = city().facilities_within(near.lat, near.lon, 200, FacilityKind.SCHOOL)
    assert detection.facility_ids == tuple(f.id for f, _ in schools)
    assert schools[0][0].name in detection.summary_ko
    assert [(r.value, r.seq) for r in detection.readings] == [(28.0, 2)]
    # The plain gas threshold fired too, once for 주의 and once for 경계.
    assert [d.level for d in found if d.rule_id == "gas"] == [
        CrisisLevel.CAUTION,
        CrisisLevel.ALERT,
    ]

    elsewhere = default_engine().feed([Log().reading(far, 28.0, START)])
    assert [d.rule_id for d in elsewhere] == ["gas"]


def test_gas_below_the_alarm_near_a_school_is_no_evacuation() -> None:
    near, _ = gas_detectors()
    found = default_engine().feed([Log().reading(near, 24.0, START)])
    assert [d.rule_id for d in found] == ["gas"]


# -- feeding ---------------------------------------------------------------------------------


def test_unknown_sensors_and_other_events_are_passed_over_and_counted() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RIVER.format(hysteresis=0.1)), Log()
    found = engine.feed(
        [
            log.reading("SEN-NOWHERE-1", 9.9, START),
            log.record(IncidentAcknowledged("INC-1"), START),
            log.reading(gauge, 3.6, START + MIN),
            log.reading(gauge, 4.6, START),  # older than the last: out of order
            log.reading(gauge, float("nan"), START + 2 * MIN),
        ]
    )
    assert len(found) == 1
    stats = engine.stats
    assert (stats.readings, stats.unknown_sensors, stats.out_of_order, stats.invalid) == (
        4,
        1,
        1,
        1,
    )
    assert stats.detections == 1


def test_readings_are_judged_at_the_devices_own_time() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RIVER.format(hysteresis=0.1)), Log()
    # The log stamps a late reading when it arrives; the rules go by when it was measured.
    measured_late = SensorReading(gauge.id, 4.6, measured_ms=START)
    found = engine.feed(
        [
            log.reading(gauge, 1.0, START + MIN),
            log.record(measured_late, START + 2 * MIN),
            log.record(SensorReading(gauge.id, 3.7, measured_ms=START + 2 * MIN), START + 3 * MIN),
        ]
    )
    assert engine.stats.out_of_order == 1
    assert [d.ts_ms for d in found] == [START + 2 * MIN]
    assert [r.value for r in found[0].readings] == [3.7]


def test_a_reading_a_moment_late_is_still_judged() -> None:
    gauge = first(SensorKind.RIVER_LEVEL)
    engine, log = engine_for(RIVER.format(hysteresis=0.1)), Log()
    # The same gauge by two routes: the log's stamp, and the device's clock 300 ms behind.
    found = engine.feed(
        [
            log.reading(gauge, 1.0, START + MIN),
            log.record(SensorReading(gauge.id, 3.7, measured_ms=START + MIN - 300), START + MIN),
        ]
    )
    assert engine.stats.out_of_order == 0
    assert [d.ts_ms for d in found] == [START + MIN]


# -- the default rules -----------------------------------------------------------------------


def test_the_default_rules_load_and_refer_to_known_kinds_and_incident_types() -> None:
    rules = default_rules()
    assert {rule.kind for rule in rules} == set(RuleKind)
    for rule in rules:
        code = rule.produces.incident_type
        assert code is None or code in CATALOGUE, rule.id
        if isinstance(rule, CorrelationRule):
            for condition in (rule.anchor, *rule.near):
                assert condition.incident_type is None or condition.incident_type in CATALOGUE
    kinds = {rule.sensor_kind for rule in rules if not isinstance(rule, CorrelationRule)}
    assert {
        SensorKind.RIVER_LEVEL,
        SensorKind.RAINFALL,
        SensorKind.GAS,
        SensorKind.GROUND_DISPLACEMENT,
        SensorKind.WATER_PRESSURE,
        SensorKind.PM10,
        SensorKind.PM25,
    } <= kinds
    assert [r.id for r in rules if isinstance(r, CorrelationRule)] == [
        "car-flood-risk",
        "fire-access-blocked",
        "gas-near-school",
    ]
    assert load_rule_file(DEFAULT_RULE_FILE) == rules
    assert default_engine().rules == rules


def test_every_stale_sensor_of_the_default_rules_is_reported_after_15_minutes() -> None:
    clock = FakeClock(START)
    engine = RuleEngine(default_rules(), city(), clock)
    assert engine.tick(START + 14 * MIN) == []
    faults = engine.tick(START + 15 * MIN)
    assert len(faults) == len(city().sensors)
    assert {d.rule_id for d in faults} == {"sensor-silent"}


# -- bad rule files --------------------------------------------------------------------------

GOOD = """\
[[rule]]
id = "ok"
kind = "threshold"
sensor_kind = "gas"
[rule.produces]
incident_type = "H-GAS"
summary_ko = "{name}"
summary_en = "{name}"
"""


def bad(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        RuleEngine(load_rule_text(GOOD + text, Path("bad.toml")), city(), FakeClock(START))
    assert "bad.toml" in str(caught.value)
    return caught.value


def rule(*lines: str, produces: str = 'incident_type = "H-GAS"') -> str:
    body = "\n".join(lines)
    return (
        f'\n[[rule]]\nid = "second"\n{body}\n[rule.produces]\n{produces}\n'
        'summary_ko = "{name}"\nsummary_en = "{name}"\n'
    )


# GOOD takes lines 1 to 8; the bad rule's [[rule]] header is line 10 and its id line 11.
@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        ('\n[[rule]]\nid = "x"\nkind = threshold\n', 12, "", "not valid TOML"),
        (rule('kind = "treshold"', 'sensor_kind = "gas"'), 12, "kind", "not a rule kind"),
        (rule('sensor_kind = "gas"'), 10, "kind", "has no kind"),
        (rule('kind = "threshold"', 'sensor_kind = "gass"'), 13, "sensor_kind", "not a sensor"),
        (
            rule('kind = "threshold"', 'sensor_kind = "gas"', "treshold = 3"),
            14,
            "treshold",
            "Check",
        ),
        (
            rule('kind = "threshold"', 'sensor_kind = "gas"', produces='incident_type = "H-GS"'),
            15,
            "produces.incident_type",
            "not an incident type",
        ),
        (
            rule('kind = "threshold"', 'sensor_kind = "gas"', 'min_level = "very bad"'),
            14,
            "min_level",
            "not a crisis level",
        ),
        (
            rule('kind = "threshold"', 'sensor_kind = "temperature"'),
            10,
            "direction",
            "rising and falling",
        ),
        (
            rule('kind = "rate"', 'sensor_kind = "gas"', "rise = 1", "fall = 1", "window_min = 5"),
            14,
            "rise",
            "exactly one",
        ),
        (
            rule('kind = "rate"', 'sensor_kind = "gas"', "rise = -1", "window_min = 5"),
            14,
            "rise",
            "greater than 0",
        ),
        (rule('kind = "duration"', 'sensor_kind = "gas"', "minutes = 5"), 10, "above", "no value"),
        (rule('kind = "stale"', 'minutes = "ten"'), 13, "minutes", "number"),
        (
            rule('kind = "threshold"', 'sensor_kind = "gas"').replace(
                'summary_en = "{name}"', 'summary_en = "{name} {speed}"'
            ),
            17,
            "produces.summary_en",
            "{speed}",
        ),
        (
            rule('kind = "threshold"', 'sensor_kind = "gas"').replace('"second"', '"ok"'),
            11,
            "id",
            "used twice (first at line 1)",
        ),
        (
            rule(
                'kind = "correlation"',
                "radius_m = 100",
                "window_min = 5",
                '[rule.anchor]\nsensor_kind = "gas"\nlevel = "alert"',
                '[[rule.near]]\nfacility_kind = "school"',
                '[[rule.near]]\nsensor_kind = "parking_occupancy"\nlevel = "severe"',
            ),
            22,
            "near.1.level",
            "no severe level",
        ),
        (
            rule(
                'kind = "correlation"',
                "radius_m = 100",
                "window_min = 5",
                '[rule.anchor]\nincident_type = "F-FIRE"',
                '[[rule.near]]\nincident_type = "T-PARK"\nabve = 3',
            ),
            19,
            "near.0.abve",
            "unknown key",
        ),
        (rule('kind = "threshold"', 'sensors = ["SEN-NOWHERE-1"]'), 13, "sensors", "no sensor"),
    ],
)
def test_a_bad_rule_file_names_the_line_key_and_fix(
    text: str, line: int, key: str, words: str
) -> None:
    error = bad(text)
    assert (error.line, error.key) == (line, key), str(error)
    assert words in str(error)
    assert error.fix
    assert f"line {line}" in str(error)


def test_a_rule_written_as_an_inline_table_is_placed_by_its_id() -> None:
    text = (
        "rule = [\n"
        '  { id = "one", kind = "stale", minutes = 5, produces = { summary_ko = "x", '
        'summary_en = "x" } },\n'
        '  { id = "two", kind = "stale", minutes = 5, produces = { incident_type = "X-NO", '
        'summary_ko = "x", summary_en = "x" } },\n'
        "]\n"
    )
    with pytest.raises(RuleFileError) as caught:
        load_rule_text(text, Path("inline.toml"))
    assert (caught.value.line, caught.value.rule_id) == (3, "two")
    assert "'X-NO' is not an incident type" in str(caught.value)


def test_two_files_may_not_share_a_rule_id() -> None:
    with pytest.raises(RuleFileError) as caught:
        duplicate = load_rule_text(GOOD.replace('"ok"', '"gas"'))
        RuleEngine([*default_rules(), *duplicate], city(), FakeClock(START))
    assert (caught.value.line, caught.value.key) == (2, "id")
    assert str(DEFAULT_RULE_FILE) in str(caught.value)


def test_a_missing_rule_file_says_so() -> None:
    with pytest.raises(RuleFileError, match="does not exist"):
        load_rule_file(Path("/nonexistent/rules.toml"))
