"""Writing an incident bundle: the incident's events, sensor series, packets, evidence, map
extract and after-action report in one zip, every byte named in a manifest that may be signed.

The zip is written as ``<out>.partial`` and renamed when whole; on any error or a cancel the
partial file is removed. The manifest goes first in the zip, so even a bundle cut short in
transit still says what it should have held.
"""

from __future__ import annotations

import getpass
import hashlib
import threading
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from core.bundle.contents import events_jsonl, json_bytes, packet_files, sensor_csvs
from core.bundle.evidence import EvidenceFile, locate_evidence
from core.bundle.manifest import (
    CHUNK,
    EVENTS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAP_EXTRACT,
    REPORT_HTML,
    REPORT_PDF,
    SIGNATURE,
    STORED_SUFFIXES,
    BundleError,
    ExportCancelled,
    app_version,
    manifest_bytes,
)
from core.bundle.map_extract import load_city_for, map_extract
from core.bundle.report import ReportFacts, render_after_action
from core.bundle.selection import Selection, select_events
from core.bundle.signing import ALGORITHM, SigningKey, load_signing_key
from core.clock import Clock, SystemClock
from core.eventlog import EventLog
from core.events import BundleExported, EventType, NewEvent

DEFAULT_MARGIN_MS = 10 * 60_000
PdfWriter = Callable[[str, Path], None]
"""Prints an HTML page to a PDF file (injected: core cannot use Qt)."""
Progress = Callable[[float], None]
RecordExport = Callable[[NewEvent], None]
"""Takes the ``bundle.exported`` fact instead of the log file (e.g. publishes it)."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What was written."""

    path: Path
    bytes: int
    events: int
    files: int  # members besides the manifest, its signature and the events
    signed: bool
    key_id: str | None
    missing: list[str] = field(default_factory=list)  # evidence referred to but not bundled


def export_incident(
    db_path: Path,
    incident_id: str,
    out_path: Path,
    *,
    evidence_dir: Path | None = None,
    sign_key: bytes | None = None,
    language: str = "ko",
    margin_ms: int = DEFAULT_MARGIN_MS,
    pdf: PdfWriter | None = None,
    created_by: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    clock: Clock | None = None,
    purpose: str = "",
    record: RecordExport | None = None,
) -> ExportResult:
    """Write the bundle of ``incident_id`` from the log at ``db_path`` to ``out_path``, and
    record the export (``bundle.exported``: who, why, where, the file's digest).

    ``purpose`` is required: exports of camera material are logged with their purpose by law.
    The record is appended to the log at ``db_path`` itself, or, with ``record``, handed to it
    instead (a remote workstation's replica takes only its server's records, so the caller
    publishes the fact through its backend). If the append fails or ``record`` raises, the
    bundle is removed: no export without its record.

    Reads the log read-only (another process may keep appending). Raises a ``CityroomError``
    naming the thing and the fix: ``LogOpenError`` for the log, ``UnknownIncidentError``,
    ``BundleKeyError`` for the key, ``BundleError`` for the output, ``ExportCancelled``.
    """
    report = progress or (lambda _: None)
    if not purpose.strip():
        raise BundleError(
            f'Say why the bundle of {incident_id} is made (--purpose, e.g. "after-action '
            'review"): every export of camera material is logged with its purpose.'
        )
    if not out_path.parent.is_dir():
        raise BundleError(
            f"Cannot write {out_path}: the folder {out_path.parent} does not exist. Create it "
            "or choose another --out."
        )
    signer = load_signing_key(sign_key) if sign_key is not None else None
    created_ms = (clock or SystemClock()).now_ms()
    who = created_by or f"operator:{getpass.getuser()}"
    report(0.0)
    selection = select_events(db_path, incident_id, margin_ms)
    _check(cancel)
    report(0.2)
    events = events_jsonl(selection.events)
    evidence = locate_evidence(selection.events, evidence_dir, cancel)
    report(0.4)
    members, events_digest = _generated(
        selection, evidence, events, created_ms, who, signer, db_path, language, pdf
    )
    _check(cancel)
    report(0.5)
    manifest = _manifest(
        selection, db_path, members, evidence, events_digest, created_ms, who, signer
    )
    data = manifest_bytes(manifest)
    signature = signer.sign(data).encode("ascii") if signer is not None else None
    _write(out_path, data, signature, events, members, evidence, created_ms, report, cancel)
    try:
        event = _export_event(
            incident_id, out_path, purpose.strip(), who, signer, evidence, len(selection.events)
        )
        if record is None:
            _append(db_path, event)
        else:
            record(event)
    except BaseException:
        out_path.unlink(missing_ok=True)  # no export without its record
        raise
    report(1.0)
    return ExportResult(
        path=out_path,
        bytes=out_path.stat().st_size,
        events=len(selection.events),
        files=len(members) + len({e.member for e in evidence if e.member}),
        signed=signer is not None,
        key_id=signer.key_id if signer is not None else None,
        missing=[e.missing_line() for e in evidence if not e.found],
    )


def _export_event(
    incident_id: str,
    out_path: Path,
    purpose: str,
    who: str,
    signer: SigningKey | None,
    evidence: list[EvidenceFile],
    events: int,
) -> NewEvent:
    """The ``bundle.exported`` fact of the file just written."""
    digest = hashlib.sha256()
    with out_path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    exported = BundleExported(
        incident_id,
        purpose,
        str(out_path.resolve()),
        digest.hexdigest(),
        out_path.stat().st_size,
        events,
        tuple(sorted({e.camera_id for e in evidence if e.found and e.camera_id})),
        signer.key_id if signer is not None else "",
    )
    return exported.to_new("bundle", who)


def _append(db_path: Path, event: NewEvent) -> None:
    # Appending from a second connection is safe while a workstation has the log open: the
    # append reads the tail inside the write lock, and the workstation folds what others add.
    log = EventLog.open(db_path)
    try:
        log.append([event])
    finally:
        log.close()


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise ExportCancelled()


def _generated(
    selection: Selection,
    evidence: list[EvidenceFile],
    events: bytes,
    created_ms: int,
    created_by: str,
    signer: SigningKey | None,
    db_path: Path,
    language: str,
    pdf: PdfWriter | None,
) -> tuple[dict[str, bytes], str]:
    """The members made here (sensors, packets, map, report), and the events' digest."""
    records = selection.events
    incidents = [selection.state.incidents[i] for i in selection.incident_ids]
    viewed = [
        str(r.payload.get("camera_id", "")) for r in records if r.type == EventType.CAMERA_VIEWED
    ]
    cameras = list(dict.fromkeys([c for i in incidents for c in i.cameras] + viewed))
    city = load_city_for([*cameras, *selection.sensors])
    units = {s.id: s.unit for s in city.sensors} if city is not None else {}
    members: dict[str, bytes] = dict(sensor_csvs(records, lambda s: units.get(s, "")))
    packets, book = packet_files(records)
    members.update(packets)
    incident = selection.incident
    extract = map_extract(incident, cameras, selection.sensors, city, records, book)
    members[MAP_EXTRACT] = json_bytes(extract)
    district = None
    if city is not None and incident.district_code:
        match = [d for d in city.districts if d.code == incident.district_code]
        district = (match[0].name, match[0].name_en) if match else None
    events_digest = hashlib.sha256(events).hexdigest()
    ended = None if incident.status.is_open else incident.time_of(incident.status)
    facts = ReportFacts(
        incident=incident,
        events=records,
        evidence=tuple(evidence),
        packets=tuple(book.packets_of(incident.id))
        + tuple(p for i in selection.incident_ids[1:] for p in book.packets_of(i)),
        window=selection.window,
        at_ms=ended if ended is not None else created_ms,
        created_ms=created_ms,
        created_by=created_by,
        source_file=db_path.name,
        head_seq=selection.head_seq,
        head_hash=selection.head_hash.hex(),
        events_digest=events_digest,
        district=district,
        key_id=signer.key_id if signer is not None else None,
    )
    html = render_after_action(facts, language)
    members[REPORT_HTML] = html.encode("utf-8")
    if pdf is not None:
        members[REPORT_PDF] = _print(pdf, html)
    return members, events_digest


def _print(pdf: PdfWriter, html: str) -> bytes:
    with TemporaryDirectory(prefix="cityroom-bundle-") as folder:
        target = Path(folder) / "after-action.pdf"
        try:
            pdf(html, target)
            return target.read_bytes()
        except (OSError, RuntimeError) as exc:
            raise BundleError(
                f"The after-action report could not be printed to PDF ({exc}). Export again "
                "with --no-pdf: the HTML report is in the bundle either way."
            ) from exc


def _manifest(
    selection: Selection,
    db_path: Path,
    members: dict[str, bytes],
    evidence: Iterable[EvidenceFile],
    events_digest: str,
    created_ms: int,
    created_by: str,
    signer: SigningKey | None,
) -> dict[str, Any]:
    incident = selection.incident
    records = selection.events
    files = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in members.items()
    }
    missing = []
    for item in evidence:
        if item.member is not None:
            files[item.member] = {"sha256": item.sha256, "bytes": item.size}
        else:
            missing.append(
                {
                    "path": item.recorded_path,
                    "sha256": item.sha256,
                    "seq": item.seq,
                    "reason": item.problem,
                }
            )
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": app_version(),
        "created_ms": created_ms,
        "created_by": created_by,
        "incident": {
            "id": incident.id,
            "type_code": incident.type_code,
            "severity": incident.severity,
            "status": incident.status.value,
            "opened_ms": incident.opened_ms,
            "district": incident.district_code,
            "summary": incident.summary,
            "exercise": incident.exercise,
            "duplicates": list(selection.incident_ids[1:]),
        },
        "window": {"start_ms": selection.window[0], "end_ms": selection.window[1]},
        "source_log": {
            "file": db_path.name,
            "last_seq": selection.head_seq,
            "last_hash": selection.head_hash.hex(),
        },
        "events": {
            "file": EVENTS,
            "count": len(records),
            "first_seq": records[0].seq if records else None,
            "last_seq": records[-1].seq if records else None,
            "digest": events_digest,
            "hashes": [[r.seq, r.hash.hex()] for r in records],
        },
        "files": files,
        "missing": missing,
    }
    if signer is not None:
        manifest["signature"] = {
            "algorithm": ALGORITHM,
            "key_id": signer.key_id,
            "public_key": signer.public_pem,
        }
    return manifest


def _info(name: str, created_ms: int, size: int) -> zipfile.ZipInfo:
    moment = datetime.fromtimestamp(created_ms / 1000, UTC)
    info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
    stored = Path(name).suffix.lower() in STORED_SUFFIXES
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def _write(
    out_path: Path,
    manifest: bytes,
    signature: bytes | None,
    events: bytes,
    members: dict[str, bytes],
    evidence: list[EvidenceFile],
    created_ms: int,
    report: Progress,
    cancel: threading.Event | None,
) -> None:
    partial = out_path.with_name(out_path.name + ".partial")
    unique = {e.member: e for e in evidence if e.member is not None and e.source is not None}
    total = sum(e.size for e in unique.values()) or 1
    done = 0
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            small = [(MANIFEST, manifest), (SIGNATURE, signature), (EVENTS, events)]
            for name, data in [*small, *members.items()]:
                if data is not None:
                    archive.writestr(_info(name, created_ms, len(data)), data)
            for member, item in unique.items():
                done = _copy(archive, member, item, created_ms, cancel, done, total, report)
        partial.replace(out_path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BundleError(
            f"Cannot write {out_path} ({exc.strerror or exc}). Free disk space or choose "
            "another --out; nothing was left behind."
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _copy(
    archive: zipfile.ZipFile,
    member: str,
    item: EvidenceFile,
    created_ms: int,
    cancel: threading.Event | None,
    done: int,
    total: int,
    report: Progress,
) -> int:
    """Stream one evidence file into the zip, checking it is still the file that was hashed."""
    assert item.source is not None
    digest = hashlib.sha256()
    last_report = time.monotonic()
    with (
        item.source.open("rb") as source,
        archive.open(_info(member, created_ms, item.size), "w") as target,
    ):
        while piece := source.read(CHUNK):
            _check(cancel)
            digest.update(piece)
            target.write(piece)
            done += len(piece)
            if time.monotonic() - last_report > 0.1:
                report(0.5 + 0.5 * done / total)
                last_report = time.monotonic()
    if digest.hexdigest() != item.sha256:
        raise BundleError(
            f"{item.source} changed while it was being exported. Export again once nothing "
            "writes to it."
        )
    return done
