"""Replaying recorded readings from CSV or JSON-lines files through the same validation.

A CSV file has a header with ``sensor_id``, ``ts`` and ``value`` (and optionally ``unit``);
a JSON-lines file has one object with those keys per line. Times are ISO-8601 with an
offset, or epoch milliseconds. Files are replayed as fast as possible, or paced at the
original rate times ``speed``. Recorded files are usually older than the validator's age
limit: give it a :class:`~core.ingest.validate.ValidationPolicy` with ``max_age_ms=None``.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

from core.errors import CityroomError
from core.events import NewEvent
from core.ingest.schemes import RawReading
from core.ingest.stats import IngestStats, Rejected, RejectReason
from core.ingest.validate import Validator, timestamp_ms

Sink = Callable[[list[NewEvent]], object]
COLUMNS = ("sensor_id", "ts", "value")
"""The columns (or keys) every replay file needs; ``unit`` is optional."""

_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class ReplayFileError(CityroomError, ValueError):
    """A replay file cannot be read at all; the message names the file and the fix."""


def replay_file(
    path: Path | str,
    validator: Validator,
    sink: Sink,
    *,
    speed: float | None = None,
    file_format: str | None = None,
    batch_size: int = 2000,
    flush_interval_s: float = 0.1,
    stop: threading.Event | None = None,
    wait: Callable[[float], bool] | None = None,
) -> IngestStats:
    """Validate every reading of a file and hand the accepted events to ``sink`` in batches.

    ``speed`` None replays as fast as possible; otherwise readings are handed over when
    their time comes, at ``speed`` times the original rate (a batch waits at most
    ``flush_interval_s``). ``stop`` ends the replay early; ``wait(seconds)`` waits and
    returns True if the replay should stop (by default, waiting on ``stop``). Returns the
    counts of this replay; they are also added to the validator's totals.
    """
    if speed is not None and speed <= 0:
        raise ValueError("speed must be positive (None replays as fast as possible)")
    path = Path(path)
    stop = stop or threading.Event()
    wait = wait or stop.wait
    rows = _rows(path, _format_of(path, file_format))
    try:
        stats = _play(rows, validator, sink, speed, batch_size, flush_interval_s, stop, wait)
    finally:
        rows.close()  # closes the file even when the sink raised
    return stats


def _play(
    rows: Iterator[tuple[RawReading | Rejected, str]],
    validator: Validator,
    sink: Sink,
    speed: float | None,
    batch_size: int,
    flush_interval_s: float,
    stop: threading.Event,
    wait: Callable[[float], bool],
) -> IngestStats:
    stats = IngestStats()
    pending: list[tuple[RawReading, str]] = []
    pending_since = 0.0

    def flush() -> None:
        nonlocal stats
        if pending:
            batch = validator.validate_readings(pending)
            pending.clear()
            stats = stats + batch.stats
            if batch.events:
                sink(batch.events)

    first: tuple[int, float] | None = None  # (file time, monotonic time) of the first reading
    for item, where in rows:
        if isinstance(item, Rejected):
            stats = stats + validator.reject(item.reason, item.detail, where)
            continue
        if speed is not None:
            due_ms = _time_of(item)
            if due_ms is not None:
                if first is None:
                    first = (due_ms, time.monotonic())
                delay = first[1] + (due_ms - first[0]) / 1000 / speed - time.monotonic()
                if delay > 0:
                    waited = time.monotonic() - pending_since
                    if pending and (delay >= flush_interval_s or waited >= flush_interval_s):
                        flush()
                    if wait(delay):
                        break
        if not pending:
            pending_since = time.monotonic()
        pending.append((item, where))
        if len(pending) >= batch_size:
            flush()
            if stop.is_set():
                break
    flush()
    return stats


def _time_of(raw: RawReading) -> int | None:
    try:
        return None if raw.ts is None else timestamp_ms(raw.ts, raw.ts_format)
    except Rejected:
        return None  # the validator says why; such a reading is not waited for


def _format_of(path: Path, file_format: str | None) -> str:
    if file_format is not None:
        if file_format not in ("csv", "jsonl"):
            raise ValueError(f"unknown replay format {file_format!r}: use 'csv' or 'jsonl'")
        return file_format
    found = _FORMATS.get(path.suffix.lower())
    if found is None:
        raise ReplayFileError(
            f"Replay file {path}: cannot tell its format from the name. Name it .csv or "
            ".jsonl, or say which it is."
        )
    return found


def _rows(path: Path, file_format: str) -> Generator[tuple[RawReading | Rejected, str]]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise ReplayFileError(f"Replay file {path}: the file does not exist.") from None
    except OSError as exc:
        raise ReplayFileError(
            f"Replay file {path}: cannot be read ({exc.strerror or exc})."
        ) from None
    reader = _csv_rows if file_format == "csv" else _jsonl_rows
    try:
        # Read the header (or first line) now, so a wrong file fails before anything is sent.
        rows = reader(path, handle)
        first = next(rows, None)
    except BaseException:
        handle.close()
        raise
    return _chained(handle, first, rows)


def _chained(
    handle: Any, first: tuple[RawReading | Rejected, str] | None, rest: Iterator[Any]
) -> Generator[tuple[RawReading | Rejected, str]]:
    with handle:
        if first is not None:
            yield first
        yield from rest


def _csv_rows(path: Path, handle: Any) -> Iterator[tuple[RawReading | Rejected, str]]:
    reader = csv.DictReader(handle)
    try:
        header = reader.fieldnames or []
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ReplayFileError(f"Replay file {path}: not a readable CSV file ({exc}).") from None
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise ReplayFileError(
            f"Replay file {path}: the header has no column {', '.join(missing)} (it has "
            f"{', '.join(header) or 'nothing'}). The first line must name the columns "
            "sensor_id,ts,value[,unit]."
        )
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ReplayFileError(
                f"Replay file {path}, line {reader.line_num}: not readable CSV ({exc})."
            ) from None
        where = f"{path.name} line {reader.line_num}"
        yield (
            RawReading(
                row["sensor_id"] or None,
                _number_or_text(row["value"]),
                row["ts"] or None,
                row.get("unit") or None,
            ),
            where,
        )


def _number_or_text(text: str | None) -> Any:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the validator rejects it as not a number, with the text


def _jsonl_rows(path: Path, handle: Any) -> Iterator[tuple[RawReading | Rejected, str]]:
    number = 0
    while True:
        try:
            line = handle.readline()
        except UnicodeDecodeError as exc:
            raise ReplayFileError(
                f"Replay file {path}, after line {number}: not UTF-8 text ({exc.reason})."
            ) from None
        if not line:
            return
        number += 1
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield Rejected(RejectReason.NOT_JSON, f"the line is not JSON ({exc})"), where
            continue
        if not isinstance(record, dict):
            kind = type(record).__name__
            yield Rejected(RejectReason.NOT_OBJECT, f"the line is a JSON {kind}"), where
            continue
        reading = RawReading(
            record.get("sensor_id"), record.get("value"), record.get("ts"), record.get("unit")
        )
        yield reading, where
