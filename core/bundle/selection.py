"""Which events of a log belong in an incident's bundle.

- every event whose subject is the incident or an incident merged into it (lifecycle, notes,
  observations, evidence, procedure, packets, bookmarks and annotations);
- ``camera.viewed`` events naming one of them, inside the window;
- the ``situation.detected`` events they refer to (a report's ``situation:SEQ`` reference, an
  observation's ``situation_seq``);
- ``sensor.reading`` events of the incidents' sensors and of the sensors those situations used,
  inside the window.

The window runs from the report less the margin to the incident's end (closed, resolved or
merged; else the log's last event) plus the margin. Everything is read up to the log's last
event at the start, so a log another process keeps appending to gives one consistent cut.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.bundle.manifest import BundleError
from core.eventlog import EVENT_COLUMNS, EventLog, read_only_connection, record_from_row
from core.events import EventRecord, EventType
from core.model import Incident
from core.state import CityState, rebuild

ET = EventType


class UnknownIncidentError(BundleError):
    """The log has no incident with the id asked for."""


@dataclass(frozen=True, slots=True)
class Selection:
    """The events of one incident's bundle and what was learnt choosing them."""

    incident: Incident  # as folded from the whole log at ``head_seq``
    incident_ids: tuple[str, ...]  # the incident first, then those merged into it
    state: CityState
    window: tuple[int, int]  # UTC ms, both ends included
    head_seq: int
    head_hash: bytes
    events: tuple[EventRecord, ...]  # in log order
    sensors: tuple[str, ...]  # whose readings in the window were looked for
    situations: tuple[int, ...]  # the seqs of the situations referred to


def select_events(db_path: Path, incident_id: str, margin_ms: int) -> Selection:
    """The bundle's events for ``incident_id`` from the log at ``db_path`` (read-only).

    Raises the log's ``LogOpenError`` for a missing or unreadable file and
    ``UnknownIncidentError`` (saying how to list the ids) for an unknown incident.
    """
    log = EventLog.open(db_path, readonly=True)
    try:
        head = log.max_seq()
        state = rebuild(log, until_seq=head)
        incident = state.incidents.get(incident_id)
        if incident is None:
            raise UnknownIncidentError(
                f"The log {db_path} has no incident {incident_id!r} (it holds "
                f"{len(state.incidents)}). List them with 'python main.py incidents list "
                f"--db {db_path}' and give one of their ids with --incident."
            )
        ids = _with_duplicates(state, incident_id)
        picked: dict[int, EventRecord] = {}
        for iid in ids:
            picked.update((r.seq, r) for r in log.by_subject(iid) if r.seq <= head)
        tail = log.by_seqs([head])
        head_hash, head_ts = (tail[0].hash, tail[0].ts_ms) if tail else (bytes(32), 0)
        window = (incident.opened_ms - margin_ms, _end_ms(incident, head_ts) + margin_ms)
        incidents = [state.incidents[i] for i in ids]
        situation_seqs = _situation_seqs(incidents, picked.values())
        situations = [
            r
            for r in log.by_seqs(situation_seqs)
            if r.type == ET.SITUATION_DETECTED and r.seq <= head
        ]
        picked.update((r.seq, r) for r in situations)
        sensors = _sensors(incidents, situations)
    finally:
        log.close()
    with read_only_connection(db_path) as db:
        first = _first_seq_from(db, window[0], head)
        last = _first_seq_from(db, window[1] + 1, head) - 1
        for record in _camera_views(db, ids, first, last):
            picked[record.seq] = record
        for sensor in sensors:
            for record in _readings(db, sensor, first, last):
                picked[record.seq] = record
    return Selection(
        incident=incident,
        incident_ids=tuple(ids),
        state=state,
        window=window,
        head_seq=head,
        head_hash=head_hash,
        events=tuple(picked[s] for s in sorted(picked)),
        sensors=tuple(sensors),
        situations=tuple(r.seq for r in situations),
    )


def _with_duplicates(state: CityState, incident_id: str) -> list[str]:
    """The incident and every incident merged into it, directly or through another."""
    ids: list[str] = []
    todo = [incident_id]
    while todo:
        current = todo.pop(0)
        if current in ids or current not in state.incidents:
            continue
        ids.append(current)
        todo.extend(state.incidents[current].duplicates)
    return ids


def _end_ms(incident: Incident, head_ts: int) -> int:
    """When the incident ended (closed, resolved or merged), else the log's last time."""
    if not incident.status.is_open:
        ended = incident.time_of(incident.status)
        if ended is not None:
            return ended
    return max(head_ts, incident.last_changed_ms)


def _situation_seqs(incidents: Iterable[Incident], records: Iterable[EventRecord]) -> list[int]:
    seqs: set[int] = set()
    for incident in incidents:
        kind, _, number = (incident.reference or "").partition(":")
        if kind == "situation" and number.isdigit():
            seqs.add(int(number))
    for record in records:
        if record.type != ET.INCIDENT_OBSERVED:
            continue
        data = record.payload.get("data")
        seq = data.get("situation_seq") if isinstance(data, dict) else None
        if isinstance(seq, int) and not isinstance(seq, bool):
            seqs.add(seq)
    return sorted(seqs)


def _sensors(incidents: Iterable[Incident], situations: Iterable[EventRecord]) -> list[str]:
    found: dict[str, None] = {}
    for incident in incidents:
        found.update(dict.fromkeys(incident.sensors))
    for record in situations:
        for reading in record.payload.get("readings") or ():
            if isinstance(reading, list) and reading and isinstance(reading[0], str):
                found[reading[0]] = None
    return list(found)


def _ts_at_or_after(db: sqlite3.Connection, seq: int) -> int | None:
    row = db.execute(
        "SELECT ts_ms FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (seq,)
    ).fetchone()
    return None if row is None else int(row[0])


def _first_seq_from(db: sqlite3.Connection, ts_ms: int, head: int) -> int:
    """The first seq at or after ``ts_ms`` (``head + 1`` if none): a bisection over seq, as
    timestamps never decrease along the log."""
    lo, hi = 1, head + 1
    while lo < hi:
        mid = (lo + hi) // 2
        ts = _ts_at_or_after(db, mid)
        if ts is None or ts >= ts_ms:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _camera_views(
    db: sqlite3.Connection, ids: list[str], first: int, last: int
) -> list[EventRecord]:
    if first > last:
        return []
    marks = ", ".join("?" * len(ids))
    rows = db.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE seq BETWEEN ? AND ? AND type = ? "
        f"AND json_extract(payload, '$.incident_id') IN ({marks}) ORDER BY seq",
        (first, last, ET.CAMERA_VIEWED.value, *ids),
    ).fetchall()
    return [record_from_row(r) for r in rows]


def _readings(db: sqlite3.Connection, sensor: str, first: int, last: int) -> list[EventRecord]:
    if first > last:
        return []
    rows = db.execute(
        f"SELECT {EVENT_COLUMNS} FROM events WHERE subject = ? AND seq BETWEEN ? AND ? "
        "AND type = ? ORDER BY seq",
        (sensor, first, last, ET.SENSOR_READING.value),
    ).fetchall()
    return [record_from_row(r) for r in rows]
