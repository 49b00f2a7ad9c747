"""Field data taken in centrally: MQTT ingest and the situation rules on the server.

Workstations then receive the resulting events (readings, situations, the incidents the rules
open) from the stream instead of each subscribing to the field broker. With several server
processes exactly one ingests at a time: the one holding a PostgreSQL advisory lock on a
connection of its own. If that process dies, its connection and lock go with it, and another
process takes over within a few seconds.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg

from core.city import City
from core.clock import SystemClock
from core.events import NewEvent
from server.config import ServerConfig

log = logging.getLogger("cityroom.server.field")

_LOCK_KEY = 0x43524647  # "CRFG": the field-ingest lock among this database's advisory locks
_CHECK_S = 2.0


class FieldService:
    """Takes the field-ingest lock when it is free and runs ingest and rules while held."""

    def __init__(self, config: ServerConfig, url: str, backend: Any, city: City) -> None:
        self._config = config
        self._url = url
        self._backend = backend
        self._city = city
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="field-leader", daemon=True)
        self.leading = False
        self.published = 0

    def start(self) -> None:
        """Start contending for the lock."""
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop ingest (if running) and release the lock."""
        self._stop.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    self._contend(conn)
            except psycopg.Error as exc:
                log.warning("field ingest: database connection lost (%s); retrying", exc)
            self._stop.wait(_CHECK_S)

    def _contend(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LOCK_KEY,)).fetchone()
            if row is not None and row[0]:
                self._lead(conn)
                return
            self._stop.wait(_CHECK_S)

    def _lead(self, conn: psycopg.Connection[Any]) -> None:
        from core.ingest.headless import parse_broker, schemes_for
        from core.ingest.mqtt import MqttIngest, MqttSettings
        from core.ingest.validate import Validator
        from core.rules import RuleEngine, default_rules
        from core.rules.runner import RulesRunner

        field = self._config.field
        host, port = parse_broker(field.mqtt_broker)
        validator = Validator(
            self._city.sensors, schemes=schemes_for(field.mqtt_topic, field.mqtt_mapping)
        )

        def sink(events: list[NewEvent]) -> None:
            self._backend.publish(events).result()
            self.published += len(events)

        rules = None
        if field.rules:
            city = self._city
            rules = RulesRunner(
                self._backend, lambda: RuleEngine(default_rules(), city, SystemClock())
            )
            state = self._backend.snapshot().result()
            rules.start(state.last_seq, state.open_incident_places())
        adapter = MqttIngest(MqttSettings(host=host, port=port), validator, sink)
        adapter.start()
        self.leading = True
        log.info("field ingest: this process now takes in %s", field.mqtt_broker)
        try:
            while not self._stop.wait(_CHECK_S):
                conn.execute("SELECT 1")  # the lock lives as long as this connection
        except psycopg.Error as exc:
            log.warning("field ingest: lost the database (%s); handing over", exc)
        finally:
            self.leading = False
            adapter.stop()
            if rules is not None:
                rules.stop()
