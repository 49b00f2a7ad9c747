"""The MQTT adapter against a real mosquitto: readings flow, bad input is counted, drops heal."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.city import City, SensorKind, load_city
from core.clock import SystemClock, iso_ms
from core.events import EventType, NewEvent
from core.ingest import EXAMPLE_MAPPING, RejectReason, ValidationPolicy, Validator, load_mapping
from core.ingest.mqtt import ConnectionState, MqttIngest, MqttSettings
from core.notices import NoticeBoard
from tests.mqtt_broker import MosquittoBroker
from tests.video_servers import wait_for

RIVER = "SEN-RIVER_LEVEL-11010-001"
PM10 = "SEN-PM10-11030-001"


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    server = MosquittoBroker(tmp_path / "broker").start()
    yield server
    server.stop()


class Sink:
    """Collects what the adapter hands over, from its batcher thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.batches: list[list[NewEvent]] = []

    def __call__(self, events: list[NewEvent]) -> None:
        with self._lock:
            self.batches.append(list(events))

    @property
    def events(self) -> list[NewEvent]:
        with self._lock:
            return [e for batch in self.batches for e in batch]


@contextmanager
def adapter(
    broker: MosquittoBroker,
    sink: Callable[[list[NewEvent]], None],
    validator: Validator | None = None,
    **settings: Any,
) -> Iterator[MqttIngest]:
    ingest = MqttIngest(
        MqttSettings(port=broker.port, **settings),
        validator or Validator(city().sensors),
        sink,
        notices=NoticeBoard(),
    )
    ingest.start()
    try:
        yield ingest
    finally:
        assert ingest.stop()


def connected(ingest: MqttIngest, connects: int = 1, timeout: float = 10.0) -> None:
    wait_for(
        lambda: (
            ingest.status().state is ConnectionState.CONNECTED
            and ingest.status().connects >= connects
        ),
        timeout,
    )


@contextmanager
def publisher(broker: MosquittoBroker) -> Iterator[Any]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect(broker.host, broker.port)
    client.loop_start()

    def publish(topic: str, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload)
        client.publish(topic, data, qos=1).wait_for_publish(5)

    try:
        yield publish
    finally:
        client.disconnect()
        client.loop_stop()


def now_ms() -> int:
    return SystemClock().now_ms()


def test_valid_readings_reach_the_sink_with_their_values_and_times(
    broker: MosquittoBroker,
) -> None:
    sink = Sink()
    stamp = now_ms() - 30_000
    with adapter(broker, sink) as ingest, publisher(broker) as publish:
        connected(ingest)
        publish(f"cityroom/sensors/{RIVER}", {"value": 342, "unit": "cm", "ts": stamp})
        publish(f"cityroom/sensors/{PM10}", {"value": 41.5, "ts": iso_ms(stamp + 1)})
        publish(
            "cityroom/sensors",
            [
                {"sensor_id": RIVER, "value": 3.5, "ts": stamp + 2},
                {"sensor_id": PM10, "value": 42, "unit": "ug/m3", "ts": stamp + 3},
            ],
        )
        wait_for(lambda: len(sink.events) >= 4, 10)
    got = [(e.subject, e.payload["value"], e.ts_ms) for e in sink.events]
    assert got == [
        (RIVER, 3.42, stamp),
        (PM10, 41.5, stamp + 1),
        (RIVER, 3.5, stamp + 2),
        (PM10, 42.0, stamp + 3),
    ]
    first = sink.events[0]
    assert first.type is EventType.SENSOR_READING
    assert (first.source, first.actor) == ("ingest:mqtt", f"sensor:{RIVER}")
    assert ingest.stats().accepted == 4 and ingest.stats().rejected_total == 0


def test_a_burst_is_handed_over_in_batches_of_at_most_the_batch_size(
    broker: MosquittoBroker,
) -> None:
    sink = Sink()
    stamp = now_ms()
    readings = [{"sensor_id": RIVER, "value": i / 100, "ts": stamp - i} for i in range(4500)]
    with adapter(broker, sink, batch_size=1000) as ingest, publisher(broker) as publish:
        connected(ingest)
        for start in range(0, len(readings), 500):
            publish("cityroom/sensors", readings[start : start + 500])
        wait_for(lambda: len(sink.events) >= 4500, 15)
    assert max(len(batch) for batch in sink.batches) <= 1000
    assert sorted(e.ts_ms or 0 for e in sink.events) == [stamp - i for i in reversed(range(4500))]


def test_each_kind_of_bad_message_is_counted_and_the_adapter_keeps_going(
    broker: MosquittoBroker,
) -> None:
    sink = Sink()
    policy = ValidationPolicy(limits={SensorKind.RIVER_LEVEL: (-2.0, 20.0)})
    validator = Validator(city().sensors, policy=policy)
    stamp = now_ms()
    topic = f"cityroom/sensors/{RIVER}"
    bad: list[tuple[Any, RejectReason]] = [
        (b"\x00\x01 not json", RejectReason.NOT_JSON),
        (b"42", RejectReason.NOT_OBJECT),
        ({"unit": "m"}, RejectReason.MISSING_VALUE),
        ({"value": "high"}, RejectReason.NOT_NUMERIC),
        (b'{"value": NaN}', RejectReason.NOT_FINITE),
        ({"value": 1, "unit": "ft"}, RejectReason.WRONG_UNIT),
        ({"value": 1, "ts": "soon"}, RejectReason.BAD_TIMESTAMP),
        ({"value": 1, "ts": stamp + 3_600_000}, RejectReason.FUTURE_TIMESTAMP),
        ({"value": 1, "ts": stamp - 2 * 86_400_000}, RejectReason.STALE_TIMESTAMP),
        ({"value": 500.0}, RejectReason.OUT_OF_RANGE),
    ]
    with adapter(broker, sink, validator) as ingest, publisher(broker) as publish:
        connected(ingest)
        for payload, _ in bad:
            publish(topic, payload)
        publish(topic, {"value": 2.0, "ts": stamp})
        publish(topic, {"value": 2.0, "ts": stamp})  # the same reading again
        publish(topic, {"value": 2.5, "ts": stamp + 1})
        wait_for(lambda: ingest.stats().accepted + ingest.stats().rejected_total >= 13, 10)
        assert ingest.status().state is ConnectionState.CONNECTED
    stats = ingest.stats()
    expected = {reason: 1 for _, reason in bad} | {RejectReason.DUPLICATE: 1}
    assert dict(stats.rejected) == expected
    assert [e.payload["value"] for e in sink.events] == [2.0, 2.5]
    assert stats.last_error == (
        f"duplicate: sensor {RIVER}: the same reading arrived again (topic {topic})"
    )


def test_an_unknown_sensor_is_accepted_and_counted(broker: MosquittoBroker) -> None:
    sink = Sink()
    with adapter(broker, sink) as ingest, publisher(broker) as publish:
        connected(ingest)
        publish("cityroom/sensors/SEN-NOT-IN-THE-CITY", {"value": 12.5})
        wait_for(lambda: len(sink.events) > 0, 10)
    assert sink.events[0].subject == "SEN-NOT-IN-THE-CITY"
    assert sink.events[0].payload["value"] == 12.5
    assert (ingest.stats().accepted, ingest.stats().unknown_sensor) == (1, 1)


def test_a_failing_sink_is_counted_and_later_readings_still_flow(
    broker: MosquittoBroker,
) -> None:
    sink = Sink()
    calls: list[int] = []

    def flaky(events: list[NewEvent]) -> None:
        calls.append(len(events))
        if len(calls) == 1:
            raise OSError("disk full")
        sink(events)

    with adapter(broker, flaky) as ingest, publisher(broker) as publish:
        connected(ingest)
        publish(f"cityroom/sensors/{RIVER}", {"value": 1.0})
        wait_for(lambda: len(calls) == 1, 10)
        publish(f"cityroom/sensors/{RIVER}", {"value": 2.0})
        wait_for(lambda: len(sink.events) == 1, 10)
    stats = ingest.stats()
    assert [e.payload["value"] for e in sink.events] == [2.0]
    assert stats.rejected == {RejectReason.SINK_FAILED: 1}
    assert stats.last_error == "sink_failed: OSError: disk full (1 readings)"


def test_a_mapping_files_scheme_is_subscribed_and_converted(broker: MosquittoBroker) -> None:
    sink = Sink()
    validator = Validator(city().sensors, schemes=load_mapping(EXAMPLE_MAPPING))
    stamp = now_ms() - 1000
    with adapter(broker, sink, validator) as ingest, publisher(broker) as publish:
        connected(ingest)
        publish(
            f"site/hangang-03/river/{RIVER}/level",
            {"data": {"level": 255, "time": iso_ms(stamp)}},
        )
        wait_for(lambda: len(sink.events) > 0, 10)
    assert [(e.subject, e.payload["value"], e.ts_ms) for e in sink.events] == [
        (RIVER, 2.55, stamp)
    ]


def test_a_broker_restart_shows_reconnecting_then_connected_and_readings_flow_again(
    broker: MosquittoBroker,
) -> None:
    sink = Sink()
    with adapter(broker, sink) as ingest:
        connected(ingest)
        with publisher(broker) as publish:
            publish(f"cityroom/sensors/{RIVER}", {"value": 1.0})
            wait_for(lambda: len(sink.events) == 1, 10)
        broker.stop()
        wait_for(lambda: ingest.status().state is ConnectionState.RECONNECTING, 10)
        reason = ingest.status().reason
        assert f"127.0.0.1:{broker.port}" in reason
        broker.start()
        connected(ingest, connects=2, timeout=20)
        assert ingest.status().reason == ""
        with publisher(broker) as publish:
            publish(f"cityroom/sensors/{RIVER}", {"value": 2.0})
            wait_for(lambda: len(sink.events) == 2, 10)
    assert [e.payload["value"] for e in sink.events] == [1.0, 2.0]
    assert ingest.status().state is ConnectionState.STOPPED


def test_stop_ends_both_threads_promptly_even_while_waiting_to_reconnect(
    broker: MosquittoBroker,
) -> None:
    before = set(threading.enumerate())
    ingest = MqttIngest(
        MqttSettings(port=broker.port, reconnect_min_s=30, reconnect_max_s=60),
        Validator(city().sensors),
        Sink(),
    )
    ingest.start()
    connected(ingest)
    broker.stop()
    wait_for(lambda: ingest.status().state is ConnectionState.RECONNECTING, 10)
    started = time.monotonic()
    assert ingest.stop()
    assert time.monotonic() - started < 2.0
    assert ingest.status().state is ConnectionState.STOPPED
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_a_refused_login_shows_why_without_the_password(tmp_path: Path) -> None:
    server = MosquittoBroker(tmp_path / "auth", users={"ops": "right-horse"}).start()
    try:
        sink = Sink()
        with adapter(server, sink, username="ops", password="wrong-staple") as ingest:
            wait_for(lambda: "refused the login" in ingest.status().reason, 10)
            status = ingest.status()
            assert status.state is ConnectionState.RECONNECTING
            assert "wrong-staple" not in status.reason and "ops" not in status.reason
        with adapter(server, sink, username="ops", password="right-horse") as ingest:
            connected(ingest)
            assert "right-horse" not in repr(ingest.settings)
    finally:
        server.stop()


def test_ingest_mqtt_on_the_command_line_appends_readings_and_counts_rejections(
    broker: MosquittoBroker, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.cli import REPO, cityroom_json

    db = tmp_path / "ingest.db"
    run = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "ingest",
            "mqtt",
            "--broker",
            f"{broker.host}:{broker.port}",
            "--db",
            str(db),
            "--duration",
            "4",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    sent = 0
    with publisher(broker) as publish:
        deadline = time.monotonic() + 30
        pause = threading.Event()
        while run.poll() is None and time.monotonic() < deadline:
            level = 2.0 if sent < 10 else 3.6  # the gauge crosses its 주의 step
            publish(f"cityroom/sensors/{RIVER}", {"value": level, "ts": now_ms()})
            publish(f"cityroom/sensors/{PM10}", b"not json")
            publish("cityroom/sensors/SEN-NOT-IN-THE-CITY", {"value": 1.0, "ts": now_ms()})
            sent += 1
            pause.wait(0.05)
    out, err = run.communicate(timeout=30)
    assert run.returncode == 0, err
    summary = json.loads(out)
    assert summary["broker"] == "stopped"
    assert 0 < summary["accepted"] <= 2 * sent
    assert summary["unknown_sensor"] >= 1
    assert summary["rejected"].get("not_json", 0) >= 1
    assert summary["events_appended"] == summary["accepted"]
    stats = cityroom_json("log", "stats", "--db", str(db), "--json")
    assert stats["events_by_type"]["sensor.reading"] == summary["accepted"]
    # The rules ran on what came in: the crossing opened one flood incident.
    assert summary["situations_detected"] >= 1 and summary["incidents_opened"] == 1
    assert stats["events_by_type"]["situation.detected"] == summary["situations_detected"]
    assert stats["incidents"] == 1


def test_ingest_mqtt_says_when_the_broker_cannot_be_reached(tmp_path: Path) -> None:
    from tests.cli import cityroom

    result = cityroom(
        "ingest",
        "mqtt",
        "--broker",
        "127.0.0.1:9",
        "--db",
        str(tmp_path / "x.db"),
        "--duration",
        "1",
    )
    assert result.returncode == 1
    assert "127.0.0.1:9" in result.stdout
    bad = cityroom(
        "ingest",
        "mqtt",
        "--broker",
        "nowhere:port",
        "--db",
        str(tmp_path / "y.db"),
        "--duration",
        "1",
    )
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr
