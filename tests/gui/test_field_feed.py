"""The field-device feed in the windowed app, against a real mosquitto: readings reach the
replica, and the status bar follows the broker going away and coming back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.gui.live_station import live_station, station_settings
from tests.mqtt_broker import MosquittoBroker
from ui.field_ingest import FeedState, _RetryClock
from ui.settings import Settings

PM10 = "SEN-PM10-11030-001"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    server = MosquittoBroker(tmp_path / "broker").start()
    yield server
    server.stop()


@contextmanager
def publisher(broker: MosquittoBroker) -> Iterator[Any]:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect(broker.host, broker.port)
    client.loop_start()

    def publish(topic: str, payload: Any) -> None:
        client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(5)

    try:
        yield publish
    finally:
        client.disconnect()
        client.loop_stop()


def test_readings_arrive_and_the_status_bar_follows_the_broker(
    qtbot: Any, tmp_path: Path, broker: MosquittoBroker
) -> None:
    address = f"{broker.host}:{broker.port}"

    def configure(settings: Settings) -> None:
        settings.mqtt_broker = address

    # Quick retries: the broker is back within a second or two.
    with live_station(qtbot, tmp_path / "ws", configure, reconnect_max_s=2) as station:
        label = station.window.status.feed_label
        qtbot.waitUntil(lambda: label.text() == f"MQTT: connected {address}", timeout=10_000)
        assert "f5c26b" not in label.styleSheet()

        with publisher(broker) as publish:
            publish(f"cityroom/sensors/{PM10}", {"value": 41.5})
            publish(f"cityroom/sensors/{PM10}", {"value": "lots"})
        sensors = station.context.store.state.sensors
        qtbot.waitUntil(lambda: PM10 in sensors and sensors[PM10].value == 41.5, timeout=10_000)
        station.window.status.refresh()
        qtbot.waitUntil(lambda: "Rejected: 1" in label.toolTip(), timeout=5_000)
        assert "Accepted: 1" in label.toolTip()

        broker.stop()
        qtbot.waitUntil(lambda: label.text().startswith("MQTT: reconnecting"), timeout=10_000)
        assert "f5c26b" in label.styleSheet()  # the warning colour
        assert "lost the connection" in label.text() or "cannot reach" in label.text()

        broker.start()
        qtbot.waitUntil(lambda: label.text() == f"MQTT: connected {address}", timeout=15_000)
        assert station.services.feed is not None
    assert station.services.feed.status().state.value == "stopped"


def test_without_a_broker_the_feed_is_off(qtbot: Any, tmp_path: Path) -> None:
    with live_station(qtbot, tmp_path / "ws") as station:
        assert station.services.feed is None
        assert station.window.status.feed_label.text() == "MQTT: off"


def test_a_missing_mapping_file_keeps_the_feed_off_and_says_why(
    qtbot: Any, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("documented = true\n")

    settings_folder = tmp_path / "ws"
    settings = station_settings(settings_folder)
    settings.mqtt_broker = "127.0.0.1:1"
    settings.mqtt_mapping = mapping
    settings.sync()
    mapping.unlink()  # gone by the next start
    with live_station(qtbot, settings_folder) as station:
        label = station.window.status.feed_label
        assert station.services.feed is None
        assert label.text() == "MQTT: not running (see the tooltip)"
        assert "mqtt_mapping" in label.toolTip() and str(mapping) in label.toolTip()
        notices = [n.text for n in station.context.notices.history]
        assert any(
            "field-device feed is off" in text and "mqtt_mapping" in text for text in notices
        )


def test_the_next_attempt_follows_the_doubling_back_off() -> None:
    clock = _RetryClock(1, 8)
    reconnecting = FeedState.RECONNECTING
    # Lost at t=0: paho waits 1 s, then 2, 4, 8, 8 after each failed attempt.
    assert clock.retry_in_s(reconnecting, 0, 1, 100) == 1
    assert clock.retry_in_s(reconnecting, 0, 1, 900) == 1
    assert clock.retry_in_s(reconnecting, 1_000, 1, 1_000) == 2
    assert clock.retry_in_s(reconnecting, 3_000, 1, 3_500) == 4
    assert clock.retry_in_s(reconnecting, 7_000, 1, 7_000) == 8
    assert clock.retry_in_s(reconnecting, 15_000, 1, 15_000) == 8
    assert clock.retry_in_s(reconnecting, 15_000, 1, 30_000) == 0  # due: trying now
    # Connected again: the next loss starts from the shortest delay.
    assert clock.retry_in_s(FeedState.CONNECTED, 31_000, 2, 31_000) == 0
    assert clock.retry_in_s(reconnecting, 40_000, 2, 40_000) == 1
