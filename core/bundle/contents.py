"""The generated members of a bundle: the events, the sensor series and the packets.

Events are copied verbatim (sequence number, time, hashes and the stored payload text), so
anyone can recompute each event's hash with ``core.eventlog.chain_hash``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from core.dispatch.tracking import PACKET_EVENT_TYPES, PacketBook
from core.events import EventRecord, EventType
from core.remote.wire import record_to_json

ET = EventType
# What a packet event says besides the ids every packet event repeats; the queued event's body
# and packet model are written to their own member.
_PACKET_SKIP = frozenset({"incident_id", "distribution_id", "agency_id", "body", "packet"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def iso_utc(ts_ms: int) -> str:
    """``ts_ms`` as ISO-8601 UTC to the millisecond, e.g. ``2026-01-05T05:00:00.000Z``."""
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def safe_name(text: str, fallback: str) -> str:
    """``text`` reduced to letters, digits, dots, dashes and underscores, for a file name."""
    name = _UNSAFE.sub("_", text).strip("._")
    return name[:120] or fallback


def event_line(record: EventRecord) -> str:
    """One line of ``events.jsonl`` (without its newline)."""
    return json.dumps(
        record_to_json(record),
        ensure_ascii=False,
        separators=(",", ":"),
    )


def events_jsonl(records: Iterable[EventRecord]) -> bytes:
    """Every event as one JSON line, in order."""
    return "".join(event_line(r) + "\n" for r in records).encode("utf-8")


def sensor_csvs(records: Iterable[EventRecord], unit_of: Callable[[str], str]) -> dict[str, bytes]:
    """``sensors/<id>.csv`` for each sensor with readings: device time (ISO UTC), the log's
    ms, the value and the unit, in log order."""
    rows: dict[str, list[tuple[str, int, str, str]]] = {}
    for record in records:
        if record.type != ET.SENSOR_READING or record.subject is None:
            continue
        payload = record.payload
        measured = payload.get("measured_ms")
        device_ms = measured if isinstance(measured, int) else record.ts_ms
        rows.setdefault(record.subject, []).append(
            (iso_utc(device_ms), record.ts_ms, repr(payload.get("value")), unit_of(record.subject))
        )
    out: dict[str, bytes] = {}
    for sensor, lines in rows.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("device_time", "ts_ms", "value", "unit"))
        writer.writerows(lines)
        out[f"sensors/{safe_name(sensor, 'sensor')}.csv"] = buffer.getvalue().encode("utf-8")
    return out


def packet_files(records: Iterable[EventRecord]) -> tuple[dict[str, bytes], PacketBook]:
    """``packets/<id>.<xml|json>`` (the exact body queued) and ``packets/<id>.status.json``
    (its delivery: state, attempts, times, receipt, Ack, failure and every event), with the
    book the statuses were folded in."""
    book = PacketBook()
    bodies: dict[str, tuple[str, str]] = {}
    history: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record.type not in PACKET_EVENT_TYPES:
            continue
        book.apply(record)
        payload = record.payload
        distribution_id = str(payload.get("distribution_id", ""))
        if record.type == ET.PACKET_QUEUED and distribution_id not in bodies:
            bodies[distribution_id] = (str(payload.get("body", "")), _suffix(payload))
        history.setdefault(distribution_id, []).append(_history_entry(record, payload))
    out: dict[str, bytes] = {}
    for distribution_id, (body, suffix) in bodies.items():
        status = book.get(distribution_id)
        if status is None:
            continue
        stem = f"packets/{safe_name(distribution_id, 'packet')}"
        out[f"{stem}.{suffix}"] = body.encode("utf-8")
        document = {**status.to_json(), "history": history.get(distribution_id, [])}
        out[f"{stem}.status.json"] = json_bytes(document)
    return out, book


def _suffix(payload: Mapping[str, Any]) -> str:
    kind = f"{payload.get('content_type', '')} {payload.get('format', '')}".lower()
    return "json" if "json" in kind else "xml"


def _history_entry(record: EventRecord, payload: Mapping[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": record.seq,
        "ts_ms": record.ts_ms,
        "time": iso_utc(record.ts_ms),
        "type": record.type,
        "actor": record.actor,
    }
    entry.update((k, v) for k, v in payload.items() if k not in _PACKET_SKIP)
    return entry


def json_bytes(document: object) -> bytes:
    """A JSON member, indented for people who open it."""
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")
