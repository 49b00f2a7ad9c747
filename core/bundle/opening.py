"""Opening a bundle for review: check it, unpack what can be read, and rebuild its events as an
event-log file that replay, the timeline and the sensor plots read like any other log.

``workdir/events.db`` is a new log file made with the log's own schema; the bundle's events go
in verbatim (their sequence numbers, times and hashes), with their readings projected in the
same transaction. Events whose hash does not recompute go in too, so a reviewer sees them, and
are listed in ``altered_seqs``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import readings
from core.bundle.manifest import EVENTS, REPORT_HTML, BundleError, is_safe_member
from core.bundle.verify import BundleCheck, check_bundle
from core.bundle.zipread import MemberUnreadable, open_members
from core.schema import migrate

_INSERT = (
    "INSERT INTO events (seq, ts_ms, type, source, actor, subject, payload, "
    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_BATCH = 5000


class BundleOpenError(BundleError):
    """A bundle cannot be unpacked where it was asked to be."""


@dataclass(frozen=True, slots=True)
class OpenedBundle:
    """A bundle unpacked for review."""

    check: BundleCheck
    workdir: Path
    events_db: Path
    evidence_dir: Path
    manifest: dict[str, Any]
    incident_id: str
    window: tuple[int, int]
    altered_seqs: frozenset[int]
    report_html: Path | None

    @property
    def intact(self) -> bool:
        """True when the bundle passed every check."""
        return self.check.ok


def open_bundle(path: Path, workdir: Path, trusted_keys: Sequence[bytes] = ()) -> OpenedBundle:
    """Check the bundle at ``path``, unpack it into ``workdir`` (new or empty) and build
    ``workdir/events.db``. Safe on a worker thread.

    Raises ``NotABundleError``/``BundleVersionError`` (from the check) when it is not a bundle
    this version reads, and ``BundleOpenError`` when ``workdir`` cannot be used.
    """
    path, workdir = Path(path), Path(workdir)
    check = check_bundle(path, trusted_keys)
    _prepare(workdir)
    extracted = _extract(path, workdir)
    events_db = workdir / "events.db"
    try:
        _build_log(workdir / EVENTS if EVENTS in extracted else None, events_db)
    except (OSError, sqlite3.Error) as exc:
        raise BundleOpenError(
            f"Cannot build the review log {events_db} ({exc}). Free disk space or choose "
            "another folder."
        ) from exc
    window = check.manifest.get("window")
    window = window if isinstance(window, dict) else {}
    return OpenedBundle(
        check=check,
        workdir=workdir,
        events_db=events_db,
        evidence_dir=workdir / "evidence",
        manifest=check.manifest,
        incident_id=check.incident_id,
        window=(int(window.get("start_ms") or 0), int(window.get("end_ms") or 0)),
        altered_seqs=check.altered_seqs,
        report_html=workdir / REPORT_HTML if REPORT_HTML in extracted else None,
    )


def _prepare(workdir: Path) -> None:
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        crowded = any(workdir.iterdir())
    except OSError as exc:
        raise BundleOpenError(
            f"Cannot use the folder {workdir} ({exc.strerror or exc}). Choose a writable one."
        ) from exc
    if crowded:
        raise BundleOpenError(
            f"The folder {workdir} is not empty. Open the bundle into a new or empty folder, "
            "so nothing of yours is overwritten."
        )


def _extract(path: Path, workdir: Path) -> set[str]:
    """Unpack every member with a safe name whose bytes can be read; return their names."""
    done: set[str] = set()
    with open_members(path) as members:
        for name in dict.fromkeys(members.names):
            if not is_safe_member(name) or name.endswith("/"):
                continue
            target = workdir.joinpath(*name.split("/"))
            partial = target.with_name(f".{target.name}.part")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with partial.open("wb") as out:
                    for piece in members.chunks(name):
                        out.write(piece)
                partial.replace(target)
            except MemberUnreadable:
                partial.unlink(missing_ok=True)  # named by the check already
                continue
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise BundleOpenError(
                    f"Cannot unpack {name} into {workdir} ({exc.strerror or exc}). Free disk "
                    "space or choose another folder."
                ) from exc
            done.add(name)
    return done


def _rows(events_file: Path) -> Iterator[tuple[Any, ...]]:
    with events_file.open("rb") as handle:
        for line in handle:
            try:
                data = json.loads(line)
                yield (
                    int(data["seq"]),
                    int(data["ts_ms"]),
                    str(data["type"]),
                    str(data["source"]),
                    str(data["actor"]),
                    None if data["subject"] is None else str(data["subject"]),
                    str(data["payload"]),
                    bytes.fromhex(str(data["prev_hash"])),
                    bytes.fromhex(str(data["hash"])),
                )
            except (ValueError, TypeError, KeyError):
                continue  # unreadable lines are named by the check


def _build_log(events_file: Path | None, target: Path) -> None:
    db = sqlite3.connect(target, isolation_level=None)
    try:
        migrate(db)
        db.execute("BEGIN IMMEDIATE")
        batch: list[tuple[Any, ...]] = []
        seen: set[int] = set()
        for row in _rows(events_file) if events_file is not None else ():
            if row[0] in seen:
                continue  # a line repeated in a tampered file: the first one stands
            seen.add(row[0])
            batch.append(row)
            if len(batch) >= _BATCH:
                _insert(db, batch)
                batch = []
        _insert(db, batch)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()


def _insert(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    db.executemany(_INSERT, rows)
    # The readings' time series goes in with the events, as the log itself does it.
    readings.project(
        db,
        readings.reading_rows(
            (row[0], row[1], row[5], row[2], _payload(row[6]))
            for row in rows
            if row[2] == readings.READING_TYPE
        ),
    )


def _payload(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
