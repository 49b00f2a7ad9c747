"""Field data taken in by the server: two server processes configured for one MQTT broker,
exactly one of them ingests, and when it dies the other takes over; workstations receive
the readings as events."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from core.clock import SystemClock
from tests.backend_server import BackendServer, add_users, bearer, login, wait_until
from tests.mqtt_broker import MosquittoBroker

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
RIVER = "SEN-RIVER_LEVEL-11010-001"


def _publish(broker: MosquittoBroker, value: float) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        body = json.dumps({"value": value, "unit": "m", "ts": SystemClock().now_ms()})
        client.publish(f"cityroom/sensors/{RIVER}", body, qos=1).wait_for_publish(5)
    finally:
        client.disconnect()
        client.loop_stop()


def _readings(server: BackendServer, token: str) -> list[float]:
    records = httpx.get(
        f"{server.url}/v1/events", params={"limit": 10000}, headers=bearer(token)
    ).json()["records"]
    return [json.loads(r["payload"])["value"] for r in records if r["type"] == "sensor.reading"]


def test_one_server_ingests_and_another_takes_over_when_it_dies(
    pg_url: str, tmp_path: Path
) -> None:
    broker = MosquittoBroker(tmp_path / "mqtt").start()
    add_users(pg_url, [("park", PASSWORD, "supervisor", ())])
    field = f'[field]\nmqtt_broker = "{broker.host}:{broker.port}"\n'
    first = BackendServer(pg_url, tmp_path, name="a", extra_toml=field).start()
    second = BackendServer(pg_url, tmp_path, name="b", extra_toml=field).start()
    try:
        token = login(first.url, "park", PASSWORD)

        # The leader connects to the broker a moment after start; resend until it has.
        wait_until(
            lambda: _publish(broker, 1.01) or bool(_readings(second, token)),
            30,
            "a server to take in field readings",
        )
        distinct = sorted(set(_readings(second, token)))
        assert distinct == [1.01]
        _publish(broker, 1.02)
        wait_until(lambda: 1.02 in _readings(second, token), 10, "the next reading")
        # Exactly one process ingests: the reading is in the log once, not twice.
        assert _readings(second, token).count(1.02) == 1
        leader = first if "now takes in" in first.log_text() else second
        follower = second if leader is first else first
        leader.kill()
        wait_until(lambda: "now takes in" in follower.log_text(), 30, "the other to take over")
        follower_token = login(follower.url, "park", PASSWORD)

        def taken_over() -> bool:
            _publish(broker, 1.03)
            return 1.03 in _readings(follower, follower_token)

        wait_until(taken_over, 30, "readings through the new leader")
    finally:
        first.stop()
        second.stop()
        broker.stop()
