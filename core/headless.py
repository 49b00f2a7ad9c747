"""The command-line subcommands that need no display: simulate, log stats/verify, incidents."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections import Counter
from typing import Any, TextIO

from core.city import load_city
from core.clock import SystemClock, iso_ms
from core.eventlog import EventLog
from core.local_backend import LocalBackend
from core.model import STATUS_NAMES, IncidentStatus
from core.simulator import Simulator, SimulatorConfig, scenario
from core.state import rebuild

EXIT_OK, EXIT_FAILED = 0, 1


def simulate(
    db: str,
    *,
    profile: str = "lite",
    scenario_name: str | None = None,
    speed: float | None = 1.0,
    rate: float = 20.0,
    count: int | None = None,
    duration_s: float | None = None,
    seed: int = 1,
    out: TextIO = sys.stdout,
) -> int:
    """Run the simulator into the log at ``db`` without a window.

    ``speed=None`` plays as fast as possible with simulated timestamps. ``count`` appends that
    many background readings as fast as the log takes them, then stops.
    """
    if scenario_name is not None:
        scenario(scenario_name)  # an unknown name fails before anything is written
    city = load_city(profile)
    backend = LocalBackend.open(db)
    try:
        backend.ready.result()
        if duration_s is None and scenario_name is None and speed is None and count is None:
            duration_s = 3600.0
        config = SimulatorConfig(
            seed=seed,
            speed=speed or 1.0,
            rate=rate,
            scenarios=(scenario_name,) if scenario_name else (),
            loop=scenario_name is None,
            duration_s=duration_s,
        )
        start = max(SystemClock().now_ms(), backend.snapshot().result().last_ts + 1)
        sim = Simulator(city, backend, config, virtual_start_ms=start if speed is None else None)
        if count is not None:
            sim.append_background(count)
        elif speed is None:
            while not sim.finished():
                sim.advance_to(int(sim.info().sim_seconds * 1000) + 60_000)
        else:
            _run_realtime(sim)
        info = sim.info()
        print(
            f"simulated {info.sim_seconds:.1f} s, {info.events} events, "
            f"{info.scenarios_started} scenario(s) into {db}",
            file=out,
        )
    finally:
        backend.close()
    return EXIT_OK


def _run_realtime(sim: Simulator) -> None:
    done = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: done.set())
    try:
        sim.start()
        while not done.wait(0.2):
            if sim.finished() or sim.info().status.value in ("finished", "stopped"):
                break
    finally:
        sim.stop()
        signal.signal(signal.SIGINT, previous)


def log_stats(db: str, as_json: bool, out: TextIO = sys.stdout) -> int:
    """Print counts over the log: events, by type, incidents by status, last sequence."""
    log = EventLog.open(db, readonly=True)
    try:
        by_type = log.count_by_type()
        state = rebuild(log)
        first, last = log.time_span()
        stats: dict[str, Any] = {
            "path": str(log.path),
            "schema_version": log.schema_version,
            "events": sum(by_type.values()),
            "last_seq": log.last_seq,
            "events_by_type": by_type,
            "incidents": len(state.incidents),
            "incidents_by_status": dict(
                sorted(Counter(i.status.value for i in state.incidents.values()).items())
            ),
            "first_event": iso_ms(first) if first is not None else None,
            "last_event": iso_ms(last) if last is not None else None,
            "sensor_readings": _reading_counts(log),
        }
    finally:
        log.close()
    if as_json:
        json.dump(stats, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for key, value in stats.items():
            print(f"{key}: {value}", file=out)
    return EXIT_OK


def _reading_counts(log: EventLog) -> dict[str, Any] | None:
    counts = log.reading_counts()
    if counts is None:
        return None  # a log from before the time-series table
    return {
        "raw": counts.raw,
        "minute_summaries": counts.summaries,
        "sensors": counts.sensors,
        "oldest_raw": iso_ms(counts.oldest_raw_ms) if counts.oldest_raw_ms else None,
        "oldest_summary": iso_ms(counts.oldest_summary_ms) if counts.oldest_summary_ms else None,
    }


def log_verify(db: str, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Check the log's schema, integrity and hash chain; non-zero names the first bad event."""
    log = EventLog.open(db, readonly=True)
    try:
        report = log.verify()
    finally:
        log.close()
    if report.ok:
        links_only = (
            f" ({report.withheld} of another district's held as links only)"
            if report.withheld
            else ""
        )
        print(
            f"{db}: sound: {report.events} events{links_only}, schema "
            f"{report.schema_version}, hash chain intact",
            file=out,
        )
        return EXIT_OK
    if report.integrity != "ok":
        print(f"{db}: SQLite integrity check failed: {report.integrity}", file=err)
    if report.first_bad is not None:
        print(f"{db}: first bad event is {report.first_bad}", file=err)
    return EXIT_FAILED


def incidents_list(
    db: str,
    status: str | None,
    as_json: bool,
    profile: str = "lite",
    out: TextIO = sys.stdout,
) -> int:
    """Print the incidents of the log, optionally only those with ``status``."""
    wanted = IncidentStatus(status) if status else None
    log = EventLog.open(db, readonly=True)
    try:
        state = rebuild(log)
    finally:
        log.close()
    districts = {d.code: d for d in load_city(profile).districts}
    rows: list[dict[str, Any]] = []
    for incident in state.incidents.values():
        if wanted is not None and incident.status is not wanted:
            continue
        entry = incident.incident_type
        district = districts.get(incident.district_code or "")
        rows.append(
            {
                "id": incident.id,
                "type_code": incident.type_code,
                "name_ko": entry.name_ko if entry else incident.type_code,
                "name_en": entry.name_en if entry else incident.type_code,
                "severity": incident.severity,
                "status": incident.status.value,
                "district_code": incident.district_code,
                "district_ko": district.name if district else None,
                "district_en": district.name_en if district else None,
                "lat": incident.lat,
                "lon": incident.lon,
                "assignee": incident.assignee,
                "opened": iso_ms(incident.opened_ms),
                "last_changed": iso_ms(incident.last_changed_ms),
            }
        )
    if as_json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for r in rows:
            status_name = STATUS_NAMES[IncidentStatus(r["status"])][1]
            print(
                f"{r['id']}  sev {r['severity']}  {status_name:<12} {r['type_code']:<9} "
                f"{r['name_en']:<34} {r['district_en'] or '-':<16} opened {r['opened']}",
                file=out,
            )
    return EXIT_OK
