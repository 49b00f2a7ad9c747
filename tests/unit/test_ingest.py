"""Sensor ingest without a broker: validation, mapping files and file replay."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from core.city import City, SensorKind, load_city
from core.clock import FakeClock, parse_iso_ms
from core.events import EventType, NewEvent
from core.ingest import (
    EXAMPLE_MAPPING,
    IngestStats,
    JsonPath,
    MappingError,
    Message,
    RejectReason,
    ReplayFileError,
    Scheme,
    TopicPattern,
    ValidationPolicy,
    Validator,
    load_mapping,
    replay_file,
)

NOW_ISO = "2026-11-22T05:31:00+09:00"
NOW_MS = parse_iso_ms(NOW_ISO)
RIVER = "SEN-RIVER_LEVEL-11010-001"  # unit m
PM10 = "SEN-PM10-11030-001"  # unit µg/m³
PRESSURE = "SEN-WATER_PRESSURE-11030-001"  # unit kPa


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


def validator(**policy: Any) -> Validator:
    return Validator(city().sensors, clock=FakeClock(NOW_MS), policy=ValidationPolicy(**policy))


def message(sensor_id: str, body: Any, topic: str | None = None) -> Message:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Message(topic or f"cityroom/sensors/{sensor_id}", payload)


def one(v: Validator, sensor_id: str, body: Any) -> tuple[list[NewEvent], IngestStats]:
    batch = v.validate([message(sensor_id, body)])
    return batch.events, batch.stats


# -- validation ---------------------------------------------------------------------------


def test_a_documented_message_becomes_a_sensor_reading_event() -> None:
    events, stats = one(
        validator(), RIVER, {"value": 3.42, "ts": "2026-11-22T05:30:00+09:00", "unit": "m"}
    )
    assert events == [
        NewEvent(
            EventType.SENSOR_READING,
            "ingest:mqtt",
            f"sensor:{RIVER}",
            {"sensor_id": RIVER, "value": 3.42, "measured_ms": NOW_MS - 60_000},
            RIVER,
            NOW_MS - 60_000,
        )
    ]
    assert (stats.accepted, stats.unknown_sensor, stats.rejected_total) == (1, 0, 0)


def test_time_and_unit_are_optional_and_epoch_ms_works() -> None:
    v = validator()
    events, _ = one(v, RIVER, {"value": 1.5})
    assert events[0].ts_ms == NOW_MS and events[0].payload["value"] == 1.5
    events, _ = one(v, RIVER, {"value": 1.6, "ts": NOW_MS - 5000})
    assert events[0].ts_ms == NOW_MS - 5000
    # The arrival time stands in for a missing one.
    batch = v.validate([Message(f"cityroom/sensors/{RIVER}", b'{"value": 1.7}', NOW_MS - 9)])
    assert batch.events[0].ts_ms == NOW_MS - 9


@pytest.mark.parametrize(
    ("sensor_id", "value", "unit", "expected"),
    [
        (RIVER, 342, "cm", 3.42),
        (RIVER, 3420, "mm", 3.42),
        (PM10, 41, "ug/m3", 41.0),
        (PM10, 0.041, "mg/m³", 41.0),
        (PRESSURE, 3.9, "bar", 390.0),
        (PRESSURE, 390_000, "Pa", 390.0),
    ],
)
def test_exact_unit_conversions_are_applied(
    sensor_id: str, value: float, unit: str, expected: float
) -> None:
    events, stats = one(validator(), sensor_id, {"value": value, "unit": unit})
    assert stats.rejected_total == 0
    assert events[0].payload["value"] == pytest.approx(expected, rel=1e-12)


def test_centimetres_become_metres_without_float_noise() -> None:
    events, _ = one(validator(), RIVER, {"value": 342, "unit": "cm"})
    assert events[0].payload["value"] == 3.42


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json at all", RejectReason.NOT_JSON),
        (b"\xff\xfe\x00", RejectReason.NOT_JSON),
        (b"3.42", RejectReason.NOT_OBJECT),
        (b'"hello"', RejectReason.NOT_OBJECT),
        (b"[3.42]", RejectReason.NOT_OBJECT),
        (b"{}", RejectReason.MISSING_VALUE),
        (b'{"value": null}', RejectReason.MISSING_VALUE),
        (b'{"value": "3.42"}', RejectReason.NOT_NUMERIC),
        (b'{"value": true}', RejectReason.NOT_NUMERIC),
        (b'{"value": [1]}', RejectReason.NOT_NUMERIC),
        (b'{"value": NaN}', RejectReason.NOT_FINITE),
        (b'{"value": Infinity}', RejectReason.NOT_FINITE),
        (b'{"value": -Infinity}', RejectReason.NOT_FINITE),
        (b'{"value": 1' + b"0" * 400 + b"}", RejectReason.NOT_FINITE),
        (b'{"value": 1, "unit": "kg"}', RejectReason.WRONG_UNIT),
        (b'{"value": 1, "unit": 5}', RejectReason.WRONG_UNIT),
        (b'{"value": 1, "ts": "yesterday"}', RejectReason.BAD_TIMESTAMP),
        (b'{"value": 1, "ts": "2026-11-22T05:30:00"}', RejectReason.BAD_TIMESTAMP),
        (b'{"value": 1, "ts": true}', RejectReason.BAD_TIMESTAMP),
        (b'{"value": 1, "ts": 1' + b"0" * 400 + b"}", RejectReason.BAD_TIMESTAMP),
        (b'{"value": 1, "ts": "2026-11-22T05:37:00+09:00"}', RejectReason.FUTURE_TIMESTAMP),
        (b'{"value": 1, "ts": "2026-11-21T05:30:00+09:00"}', RejectReason.STALE_TIMESTAMP),
        (b'{"value": 1, "ts": 1795206600}', RejectReason.STALE_TIMESTAMP),  # seconds, not ms
    ],
)
def test_bad_messages_are_rejected_with_their_reason(payload: bytes, reason: RejectReason) -> None:
    v = validator()
    events, stats = one(v, RIVER, payload)
    assert events == []
    assert dict(stats.rejected) == {reason: 1}
    assert stats.last_error.startswith(f"{reason.value}: ")
    assert stats.last_error.endswith(f"(topic cityroom/sensors/{RIVER})")
    assert v.totals().rejected == stats.rejected


def test_a_wrong_unit_is_named_in_the_error() -> None:
    _, stats = one(validator(), RIVER, {"value": 70, "unit": "°F"})
    assert "reports in m, not '°F'" in stats.last_error


def test_the_time_window_is_configurable() -> None:
    ahead = {"value": 1.0, "ts": NOW_MS + 10 * 60_000}
    assert one(validator(), RIVER, ahead)[1].rejected == {RejectReason.FUTURE_TIMESTAMP: 1}
    assert one(validator(max_future_ms=15 * 60_000), RIVER, ahead)[1].accepted == 1
    old = {"value": 1.0, "ts": NOW_MS - 3 * 86_400_000}
    assert one(validator(), RIVER, old)[1].rejected == {RejectReason.STALE_TIMESTAMP: 1}
    assert one(validator(max_age_ms=None), RIVER, old)[1].accepted == 1


def test_exact_repeats_are_duplicates_within_the_memory() -> None:
    v = validator(duplicate_memory=3)
    body = {"value": 1.0, "ts": NOW_MS - 1000}
    assert one(v, RIVER, body)[1].accepted == 1
    assert one(v, RIVER, body)[1].rejected == {RejectReason.DUPLICATE: 1}
    # The same time with another value, or another sensor, is not a repeat.
    assert one(v, RIVER, {"value": 1.1, "ts": NOW_MS - 1000})[1].accepted == 1
    assert one(v, PM10, body)[1].accepted == 1
    # Three newer readings push it out of a memory of three.
    one(v, RIVER, {"value": 2.0, "ts": NOW_MS - 1000})
    assert one(v, RIVER, body)[1].accepted == 1


def test_a_cm_reading_repeated_in_m_is_a_duplicate() -> None:
    v = validator()
    one(v, RIVER, {"value": 342, "unit": "cm", "ts": NOW_MS})
    assert one(v, RIVER, {"value": 3.42, "ts": NOW_MS})[1].rejected == {RejectReason.DUPLICATE: 1}


def test_values_outside_a_kinds_possible_range_are_rejected_when_limits_are_given() -> None:
    limits = {SensorKind.RIVER_LEVEL: (-2.0, 20.0)}
    assert one(validator(), RIVER, {"value": 9999.0})[1].accepted == 1
    events, stats = one(validator(limits=limits), RIVER, {"value": 9999.0})
    assert events == [] and stats.rejected == {RejectReason.OUT_OF_RANGE: 1}
    assert "outside -2..20" in stats.last_error
    # Limits are in the kind's unit: 150 cm is 1.5 m.
    assert one(validator(limits=limits), RIVER, {"value": 150, "unit": "cm"})[1].accepted == 1


def test_an_unknown_sensor_is_accepted_counted_and_still_validated() -> None:
    v = validator()
    events, stats = one(v, "SEN-NEW-1", {"value": 7.0, "unit": "whatever"})
    assert events[0].payload == {"sensor_id": "SEN-NEW-1", "value": 7.0, "measured_ms": NOW_MS}
    assert events[0].actor == "sensor:SEN-NEW-1"
    assert (stats.accepted, stats.unknown_sensor) == (1, 1)
    _, stats = one(v, "SEN-NEW-1", {"value": float("nan")})
    assert stats.rejected == {RejectReason.NOT_FINITE: 1}
    _, stats = one(v, "SEN-NEW-1", {"value": 1, "ts": NOW_MS + 3_600_000})
    assert stats.rejected == {RejectReason.FUTURE_TIMESTAMP: 1}
    assert v.totals().unknown_sensor == 1


def test_the_batch_form_carries_many_sensors_and_counts_each_reading() -> None:
    readings = [
        {"sensor_id": RIVER, "value": 1.0},
        {"sensor_id": PM10, "value": 30, "ts": NOW_MS - 1},
        {"sensor_id": "SEN-NEW-2", "value": 5},
        {"value": 2.0},
        {"sensor_id": RIVER, "value": "high"},
        "not an object",
    ]
    batch = validator().validate([Message("cityroom/sensors", json.dumps(readings).encode())])
    assert [e.subject for e in batch.events] == [RIVER, PM10, "SEN-NEW-2"]
    assert batch.stats.accepted == 3 and batch.stats.unknown_sensor == 1
    assert dict(batch.stats.rejected) == {
        RejectReason.MISSING_SENSOR_ID: 1,
        RejectReason.NOT_NUMERIC: 1,
        RejectReason.NOT_OBJECT: 1,
    }


def test_a_payload_naming_another_sensor_than_its_topic_is_rejected() -> None:
    _, stats = one(validator(), RIVER, {"sensor_id": PM10, "value": 1.0})
    assert stats.rejected == {RejectReason.BAD_TOPIC: 1}


def test_topics_outside_every_scheme_are_rejected() -> None:
    batch = validator().validate(
        [Message("cityroom/sensors/a/b", b'{"value": 1}'), Message("other", b"{}")]
    )
    assert batch.stats.rejected == {RejectReason.BAD_TOPIC: 2}


def test_totals_add_up_over_batches_and_events_keep_their_source() -> None:
    v = Validator(city().sensors, source="ingest:test", clock=FakeClock(NOW_MS))
    first = v.validate([message(RIVER, {"value": 1.0}), message(RIVER, b"x")])
    second = v.validate([message(PM10, {"value": 2.0}), message("SEN-X", {"value": 1})])
    assert first.events[0].source == "ingest:test"
    totals = v.totals()
    assert totals == first.stats + second.stats
    assert (totals.accepted, totals.unknown_sensor, totals.rejected_total) == (3, 1, 1)
    assert totals.last_error.startswith("not_json")


class _ExplodingPath(JsonPath):
    def get(self, document: Any) -> Any:
        if document.get("explode"):
            raise RuntimeError("boom")
        return super().get(document)


def test_an_exception_while_handling_a_message_is_counted_and_the_batch_goes_on() -> None:
    exploding = _ExplodingPath("$.value", ("value",))
    scheme = Scheme("odd", (TopicPattern.parse("odd/{sensor_id}"),), exploding)
    v = Validator(city().sensors, clock=FakeClock(NOW_MS), schemes=[scheme])
    batch = v.validate(
        [
            Message(f"odd/{RIVER}", b'{"value": 1.0, "explode": true}'),
            Message(f"odd/{RIVER}", b'{"value": 2.0}'),
        ]
    )
    assert [e.payload["value"] for e in batch.events] == [2.0]
    assert batch.stats.rejected == {RejectReason.INTERNAL_ERROR: 1}
    assert batch.stats.last_error == f"internal_error: RuntimeError: boom (topic odd/{RIVER})"


# -- mapping files ------------------------------------------------------------------------


def test_the_example_mapping_loads_and_its_schemes_work() -> None:
    schemes = load_mapping(EXAMPLE_MAPPING)
    assert [s.name for s in schemes] == [
        "cityroom",
        "river-gauges",
        "air-quality-gateway",
        "water-pressure",
    ]
    v = Validator(city().sensors, clock=FakeClock(NOW_MS), schemes=schemes)
    assert "site/+/river/+/level" in v.subscriptions
    air = {"items": [{"station": "11030-001", "pm10": 41, "t": NOW_MS // 1000 - 60}]}
    batch = v.validate(
        [
            Message(
                f"site/hangang-03/river/{RIVER}/level",
                json.dumps({"data": {"level": 342, "time": "2026-11-22T05:30:00+09:00"}}),
            ),
            Message("gw/air/pm10", json.dumps(air)),
            Message(f"water/pressure/{PRESSURE}", json.dumps({"p": 3.9, "u": "bar"})),
            Message(f"cityroom/sensors/{RIVER}", b'{"value": 1.25}'),
        ]
    )
    assert batch.stats.rejected_total == 0
    got = [(e.subject, e.payload["value"], e.ts_ms) for e in batch.events]
    assert got == [
        (RIVER, 3.42, NOW_MS - 60_000),
        (PM10, 41.0, NOW_MS - 60_000),
        (PRESSURE, pytest.approx(390.0), NOW_MS),
        (RIVER, 1.25, NOW_MS),
    ]


def test_a_mapping_scale_and_a_payload_sensor_id(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        'documented = false\n[[scheme]]\nname = "x"\ntopic = "plant/+/data"\n'
        'sensor_id = "$.meta.ids[1]"\nvalue = "$.raw"\nscale = 0.01\nunit = "m"\n'
    )
    (scheme,) = load_mapping(path)
    v = Validator(city().sensors, clock=FakeClock(NOW_MS), schemes=[scheme])
    body = {"meta": {"ids": ["tag", RIVER]}, "raw": 342}
    batch = v.validate([Message("plant/7/data", json.dumps(body))])
    assert batch.events[0].subject == RIVER
    assert batch.events[0].payload["value"] == 3.42
    assert v.validate([Message(f"cityroom/sensors/{RIVER}", b"{}")]).stats.rejected == {
        RejectReason.BAD_TOPIC: 1
    }


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('[[scheme]]\nname = "a"\ntopic = "t/{sensor_id}"\nvalu = "$.v"\n', 4, "valu"),
        ('[[scheme]]\nname = "a"\ntopic = "t/{sensor_id}"\nscale = 0\n', 4, "scale"),
        ('[[scheme]]\nname = "a"\ntopic = "t/{sensor_id}"\nvalue = "$..v"\n', 4, "value"),
        ('[[scheme]]\nname = "a"\ntopic = "t/{id}"\n', 3, "topic"),
        ('[[scheme]]\nname = "a"\ntopic = "t/{sensor_id}"\nts_format = "rfc"\n', 4, "ts_format"),
        ('[[scheme]]\nname = "a"\n', 1, "topic"),
        ('documented = "yes please"\n', 1, "documented"),
        ('unknown = 1\n[[scheme]]\nname = "a"\ntopic = "t/{sensor_id}"\n', 1, "unknown"),
    ],
)
def test_mapping_mistakes_name_the_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    message = str(caught.value)
    assert message.startswith(f"Mapping file {path}, line {line}")
    assert f"'{key}'" in message


def test_a_mapping_without_any_way_to_name_the_sensor_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[scheme]]\nname = "a"\ntopic = "gw/readings"\n')
    with pytest.raises(MappingError, match=r"line 1: .*Put \{sensor_id\} in its topic"):
        load_mapping(path)


def test_mapping_syntax_errors_and_missing_files_are_mapping_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text("[[scheme]\nname = \n")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_mapping(path)
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping(tmp_path / "missing.toml")


# -- replay -------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.batches: list[list[NewEvent]] = []

    def __call__(self, events: list[NewEvent]) -> None:
        self.batches.append(list(events))

    @property
    def events(self) -> list[NewEvent]:
        return [e for batch in self.batches for e in batch]


def replay_validator() -> Validator:
    policy = ValidationPolicy(max_age_ms=None)
    return Validator(
        city().sensors, source="ingest:replay", clock=FakeClock(NOW_MS), policy=policy
    )


def test_a_csv_file_replays_as_fast_as_possible_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "river.csv"
    rows = ["sensor_id,ts,value,unit"]
    rows += [f"{RIVER},{1_700_000_000_000 + i * 1000},{100 + i},cm" for i in range(5000)]
    rows.append(f"{RIVER},2023-11-14T22:13:20Z,nan,")
    rows.append(f"{RIVER},2023-11-14T22:13:20Z,,")
    rows.append(f"{RIVER},not a time,1.0,")
    rows.append("SEN-NEW-9,2023-11-14T22:13:20+00:00,1.0,")
    path.write_text("\n".join(rows) + "\n")
    sink = Sink()
    v = replay_validator()
    stats = replay_file(path, v, sink, batch_size=2000)
    assert [len(b) for b in sink.batches] == [2000, 2000, 1001]
    first = sink.events[0]
    assert (first.source, first.ts_ms, first.payload["value"]) == ("ingest:replay", 1.7e12, 1.0)
    assert sink.events[-1].subject == "SEN-NEW-9"
    assert (stats.accepted, stats.unknown_sensor) == (5001, 1)
    assert dict(stats.rejected) == {
        RejectReason.NOT_FINITE: 1,
        RejectReason.MISSING_VALUE: 1,
        RejectReason.BAD_TIMESTAMP: 1,
    }
    assert stats.last_error.endswith("(river.csv line 5004)")
    assert v.totals() == stats


def test_a_json_lines_file_counts_unreadable_lines_by_reason_and_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        json.dumps({"sensor_id": PM10, "ts": "2025-01-01T00:00:00+09:00", "value": 41}),
        "",
        "{broken",
        "[1, 2]",
        json.dumps({"sensor_id": PM10, "ts": "2025-01-01T00:00:00+09:00", "value": 41}),
        json.dumps({"sensor_id": PM10, "ts": "2025-01-01T00:01:00+09:00", "value": "x"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    sink = Sink()
    stats = replay_file(path, replay_validator(), sink)
    assert [e.payload["value"] for e in sink.events] == [41.0]
    assert dict(stats.rejected) == {
        RejectReason.NOT_JSON: 1,
        RejectReason.NOT_OBJECT: 1,
        RejectReason.DUPLICATE: 1,
        RejectReason.NOT_NUMERIC: 1,
    }
    assert stats.last_error.endswith("(feed.jsonl line 6)")


def test_paced_replay_waits_the_original_gaps_divided_by_the_speed(tmp_path: Path) -> None:
    path = tmp_path / "paced.csv"
    offsets_s = [0, 0, 2, 2.05, 10]
    start = 1_700_000_000_000
    path.write_text(
        "sensor_id,ts,value\n"
        + "".join(f"{RIVER},{start + int(o * 1000)},{i}\n" for i, o in enumerate(offsets_s))
    )
    sink = Sink()
    waits: list[float] = []
    handed_over: list[int] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        handed_over.append(len(sink.events))
        return False

    stats = replay_file(path, replay_validator(), sink, speed=4.0, wait=wait)
    assert stats.accepted == 5
    # Nothing sleeps here, so each wait is the whole time left until the reading is due.
    assert waits == [pytest.approx(w, abs=0.05) for w in (0.5, 0.5125, 2.5)]
    # Readings due before a long wait are handed over before it, not after.
    assert handed_over[0] == 2


def test_a_paced_replay_stops_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "paced.jsonl"
    start = 1_700_000_000_000
    path.write_text(
        "".join(
            json.dumps({"sensor_id": RIVER, "ts": start + i * 60_000, "value": i}) + "\n"
            for i in range(10)
        )
    )
    sink = Sink()
    calls: list[float] = []

    def wait(seconds: float) -> bool:
        calls.append(seconds)
        return len(calls) == 3  # stop during the third wait

    stats = replay_file(path, replay_validator(), sink, speed=1.0, wait=wait)
    assert stats.accepted == 3 and len(sink.events) == 3


def test_replay_files_that_cannot_be_used_say_why(tmp_path: Path) -> None:
    sink = Sink()
    with pytest.raises(ReplayFileError, match="does not exist"):
        replay_file(tmp_path / "none.csv", replay_validator(), sink)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,time,reading\nA,1,2\n")
    with pytest.raises(ReplayFileError, match=r"no column sensor_id, ts, value .*id, time"):
        replay_file(wrong, replay_validator(), sink)
    odd = tmp_path / "readings.txt"
    odd.write_text("")
    with pytest.raises(ReplayFileError, match="cannot tell its format"):
        replay_file(odd, replay_validator(), sink)
    assert sink.batches == []


# -- MQTT settings (the adapter itself is tested against a real broker) -------------------


def test_mqtt_settings_hide_the_password_and_tls_files_must_exist(tmp_path: Path) -> None:
    from core.ingest.mqtt import MqttIngest, MqttSettings, MqttSettingsError, TlsSettings

    settings = MqttSettings(username="ops", password="hunter2")
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
    missing = tmp_path / "ca.pem"
    with pytest.raises(MqttSettingsError, match=f"ca_file {missing}: no such file"):
        MqttIngest(MqttSettings(tls=TlsSettings(ca_file=missing)), replay_validator(), Sink())
    with pytest.raises(ValueError, match="extra"):
        MqttSettings.model_validate({"host": "broker", "pasword": "x"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:1884", ("127.0.0.1", 1884)),
        ("broker.city.local", ("broker.city.local", 1883)),
        ("[::1]:1884", ("::1", 1884)),
        ("[fe80::2]", ("fe80::2", 1883)),
        ("::1", ("::1", 1883)),
    ],
)
def test_a_broker_address_is_host_and_port(text: str, expected: tuple[str, int]) -> None:
    from core.ingest.headless import parse_broker

    assert parse_broker(text) == expected


@pytest.mark.parametrize("text", ["", ":1883", "host:", "host:port", "host:70000", "[::1]x"])
def test_a_bad_broker_address_says_what_is_wanted(text: str) -> None:
    from core.ingest.headless import parse_broker

    with pytest.raises(ValueError, match="HOST:PORT"):
        parse_broker(text)
