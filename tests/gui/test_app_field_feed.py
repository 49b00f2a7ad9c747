"""The real application with --mqtt: it remembers the broker, subscribes, and the readings
the broker holds reach the event log."""

from __future__ import annotations

import json
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from tests.cli import cityroom, cityroom_json
from tests.mqtt_broker import MosquittoBroker

PM10 = "SEN-PM10-11030-001"


def test_the_app_takes_readings_from_the_broker_named_on_the_command_line(
    tmp_path: Path,
) -> None:
    broker = MosquittoBroker(tmp_path / "broker").start()
    try:
        # Retained: the broker hands it to the app as soon as the app subscribes.
        client = mqtt.Client(CallbackAPIVersion.VERSION2)
        client.connect(broker.host, broker.port)
        client.loop_start()
        message = json.dumps({"value": 42.0})
        client.publish(f"cityroom/sensors/{PM10}", message, qos=1, retain=True).wait_for_publish(5)
        client.disconnect()
        client.loop_stop()
        db = tmp_path / "app.db"
        env = {
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
        }
        address = f"{broker.host}:{broker.port}"
        result = cityroom(
            "--db",
            str(db),
            "--mqtt",
            address,
            "--no-simulator",
            "--screenshot",
            str(tmp_path / "shot.png"),
            "--quit-after",
            "5",
            "--language",
            "en",
            env=env,
        )
        assert result.returncode == 0, result.stderr
    finally:
        broker.stop()
    stats = cityroom_json("log", "stats", "--db", str(db), "--json")
    assert stats["events_by_type"].get("sensor.reading", 0) == 1
    settings = (tmp_path / "config" / "Cityroom" / "Cityroom.conf").read_text()
    assert f"mqtt_broker={address}" in settings
