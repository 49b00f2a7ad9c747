"""The centre's central work, done by exactly one server process: the leader.

Field ingest and the situation rules, packet delivery to agencies, the agencies' inbound
listener, automatic escalation and the procedure starter must each run once per centre, not
once per server process (nor per workstation): every packet would otherwise leave N times and
every overdue incident be escalated N times. The leader is the process holding a PostgreSQL
advisory lock on a connection of its own. If that process dies, its connection and lock go
with it, and another process takes over within a few seconds, starting the same duties from
the log (see each duty for how it resumes).

One lock for all duties rather than one each: the agencies' Acks reach the inbound listener,
which must see the packets the delivery worker records, the simulated agencies post to that
listener, and the rules open the incidents the starter and the escalation act on; one leader
keeps them together, in one log to read when something goes wrong. The lock's key is the one
field ingest always used, so a process of an earlier version and one of this version never
lead at once during a rolling upgrade.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg

from core.city import City
from core.clock import SystemClock
from core.events import NewEvent
from server.config import ServerConfig

log = logging.getLogger("cityroom.server.leader")

LOCK_KEY = 0x43524647  # "CRFG": the leader's lock among this database's advisory locks
_CHECK_S = 2.0

LEADER_QUERY = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
"""Which process leads now (its ``application_name``), for an administrator's psql."""


def leader_application_name(instance: str) -> str:
    """The name the leader's lock connection shows in ``pg_stat_activity``."""
    return f"cityroom leader {instance}"[:63]  # PostgreSQL keeps 63 bytes of it


class Duty(Protocol):
    """Work the leader does while it holds the lock."""

    name: str

    def start(self) -> None:
        """Start (returns at once); raises when it cannot, and is tried again later."""
        ...

    def stop(self) -> None:
        """Stop; work under way finishes and is recorded first."""
        ...


class LeaderService:
    """Takes the leader lock when it is free and runs ``duties`` while it holds it."""

    def __init__(
        self, url: str, duties: Sequence[Duty], *, instance: str = "", check_s: float = _CHECK_S
    ) -> None:
        self._url = url
        self.duties = tuple(duties)
        self._instance = instance or "(unnamed)"
        self._check_s = check_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leader", daemon=True)
        self.leading = False
        self.running: list[Duty] = []

    def start(self) -> None:
        """Start contending for the lock."""
        names = ", ".join(d.name for d in self.duties)
        log.info("leader: %s contends for the centre's lock to run %s", self._instance, names)
        self._thread.start()

    def stop(self, timeout_s: float = 20.0) -> None:
        """Stop the duties (if leading) and release the lock."""
        self._stop.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.error("leader: the duties did not stop within %.0f s", timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url,
                    autocommit=True,
                    connect_timeout=5,
                    application_name=leader_application_name(self._instance),
                ) as conn:
                    self._contend(conn)
            except psycopg.Error as exc:
                log.warning("leader: database connection lost (%s); retrying", exc)
            self._stop.wait(self._check_s)

    def _contend(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
            if row is not None and row[0]:
                self._lead(conn)
                return
            self._stop.wait(self._check_s)

    def _lead(self, conn: psycopg.Connection[Any]) -> None:
        self.leading = True
        log.info("leader: %s now holds the centre's lock", self._instance)
        failing: dict[str, str] = {}
        try:
            while True:
                self._start_waiting(failing)
                if self._stop.wait(self._check_s):
                    break
                conn.execute("SELECT 1")  # the lock lives as long as this connection
        except psycopg.Error as exc:
            log.warning("leader: lost the database (%s); handing over", exc)
        finally:
            self.leading = False
            for duty in reversed(self.running):
                self._stop_duty(duty)
            self.running = []
            log.info("leader: %s no longer leads", self._instance)

    def _start_waiting(self, failing: dict[str, str]) -> None:
        """Start the duties not running yet; one that cannot start (a port taken, an agency
        key missing) is tried again at the next check, and its problem told once."""
        for duty in self.duties:
            if duty in self.running or self._stop.is_set():
                continue
            try:
                duty.start()
            except Exception as exc:
                problem = str(exc) or repr(exc)
                if failing.get(duty.name) != problem:
                    failing[duty.name] = problem
                    log.error("%s: cannot start (%s); trying again", duty.name, problem)
                continue
            failing.pop(duty.name, None)
            self.running.append(duty)

    @staticmethod
    def _stop_duty(duty: Duty) -> None:
        log.info("leader: stopping %s", duty.name)
        try:
            duty.stop()
        except Exception:
            log.exception("%s: failed to stop", duty.name)


class FieldIngest:
    """Duty: take in the field broker's readings and run the situation rules on them."""

    name = "field ingest"

    def __init__(self, config: ServerConfig, backend: Any, city: City) -> None:
        self._config = config
        self._backend = backend
        self._city = city
        self._adapter: Any = None
        self._rules: Any = None
        self.published = 0

    def start(self) -> None:
        """Connect to the broker and start the rules where the log stands now."""
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

        try:
            if field.rules:
                city = self._city
                self._rules = RulesRunner(
                    self._backend, lambda: RuleEngine(default_rules(), city, SystemClock())
                )
                state = self._backend.snapshot().result()
                self._rules.start(state.last_seq, state.open_incident_places())
            self._adapter = MqttIngest(MqttSettings(host=host, port=port), validator, sink)
            self._adapter.start()
        except BaseException:
            self.stop()  # tried again whole at the next check
            raise
        log.info("field ingest: this process now takes in %s", field.mqtt_broker)

    def stop(self) -> None:
        """Stop taking in readings, then the rules."""
        if self._adapter is not None:
            self._adapter.stop()
            self._adapter = None
        if self._rules is not None:
            self._rules.stop()
            self._rules = None
