"""``main.py ingest mqtt``: ingest (and situation rules) headless into an event log."""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from pathlib import Path
from typing import TextIO

from core.city import load_city
from core.clock import SystemClock
from core.events import NewEvent
from core.ingest.mapping import load_mapping
from core.ingest.schemes import DOCUMENTED, Scheme, TopicPattern
from core.ingest.stats import IngestStats
from core.ingest.validate import Validator
from core.local_backend import LocalBackend


def parse_broker(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``HOST``, port 1883; an IPv6 address in brackets, ``[::1]:1883``,
    or bare without a port) as a pair; ValueError says what is wrong."""
    if text.startswith("["):
        inside, _, rest = text[1:].partition("]")
        host, port = inside, rest.removeprefix(":") if rest else "1883"
        if rest and not rest.startswith(":"):
            port = ""
    elif text.count(":") > 1:
        host, port = text, "1883"  # a bare IPv6 address: its colons are not a port
    elif ":" in text:
        host, _, port = text.rpartition(":")
    else:
        host, port = text, "1883"
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:1883 or [::1]:1883)")
    return host, int(port)


def schemes_for(topic: str | None, mapping: Path | None) -> tuple[Scheme, ...]:
    """The documented scheme (on another topic, if given), or a mapping file's schemes."""
    if mapping is not None:
        return load_mapping(mapping)
    if topic is None:
        return (DOCUMENTED,)
    return (dataclasses.replace(DOCUMENTED, topics=(TopicPattern.parse(topic),)),)


def summary_lines(
    stats: IngestStats, published: int, detections: int, incidents: int
) -> list[str]:
    """What an ingest run did, one fact a line."""
    lines = [
        f"accepted: {stats.accepted}",
        f"unknown sensor (accepted, flagged): {stats.unknown_sensor}",
        f"rejected: {stats.rejected_total}",
    ]
    for reason, count in sorted(stats.rejected.items(), key=lambda item: item[0].value):
        lines.append(f"  {reason.value}: {count}")
    if stats.last_error:
        lines.append(f"last rejection: {stats.last_error}")
    lines.append(f"events appended: {published}")
    lines.append(f"situations detected: {detections}")
    lines.append(f"incidents opened: {incidents}")
    return lines


def ingest_mqtt(
    broker: str,
    db: Path,
    duration_s: float,
    *,
    topic: str | None = None,
    mapping: Path | None = None,
    profile: str = "lite",
    as_json: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    """Subscribe to ``broker`` for ``duration_s`` seconds, append what passes validation to
    the log at ``db`` while the situation rules judge it, and print a summary."""
    from core.ingest.mqtt import MqttIngest, MqttSettings
    from core.rules import RuleEngine, default_rules
    from core.rules.runner import RulesRunner

    host, port = parse_broker(broker)
    city = load_city(profile)
    validator = Validator(city.sensors, schemes=schemes_for(topic, mapping))
    backend = LocalBackend.open(db)
    published = [0]

    def sink(events: list[NewEvent]) -> None:
        backend.publish(events).result()
        published[0] += len(events)

    rules = RulesRunner(backend, lambda: RuleEngine(default_rules(), city, SystemClock()))
    state = backend.snapshot().result()
    rules.start(state.last_seq, state.open_incident_places())
    adapter = MqttIngest(MqttSettings(host=host, port=port), validator, sink)
    adapter.start()
    try:
        threading.Event().wait(duration_s)
    except KeyboardInterrupt:
        pass  # Ctrl+C ends the run early, with its summary
    finally:
        adapter.stop()
        detections = rules.stop()
        status = adapter.status()
        backend.close()
    stats = adapter.stats()
    if as_json:
        print(
            json.dumps(
                {
                    "accepted": stats.accepted,
                    "unknown_sensor": stats.unknown_sensor,
                    "rejected": {r.value: n for r, n in stats.rejected.items()},
                    "last_error": stats.last_error or None,
                    "events_appended": published[0],
                    "situations_detected": detections,
                    "incidents_opened": rules.incidents,
                    "broker": status.state.value,
                    "broker_reason": status.reason or None,
                },
                ensure_ascii=False,
                indent=2,
            ),
            file=out,
        )
    else:
        print(
            f"broker {host}:{port}: {status.state.value} {status.reason or ''}".rstrip(), file=out
        )
        for line in summary_lines(stats, published[0], detections, rules.incidents):
            print(line, file=out)
    return 0 if status.connects else 1
