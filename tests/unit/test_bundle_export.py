"""Exporting an incident bundle from a real log and opening it again for review: the right
events verbatim, the readings of the window, evidence, packets, map, and a review log that
folds to the same incident as the source."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from core.bundle.export import ExportResult, export_incident
from core.bundle.manifest import FORMAT, BundleError, ExportCancelled
from core.bundle.opening import BundleOpenError, open_bundle
from core.bundle.selection import UnknownIncidentError
from core.bundle.verify import check_bundle
from core.eventlog import EventLog
from core.events import EventType, NewEvent
from core.local_backend import LocalBackend
from core.readings import query_history
from core.state import rebuild
from tests.unit.test_bundle_scene import (
    CAMERA,
    DUPLICATE,
    FIRE,
    GAS,
    MIN,
    OTHER,
    PM10,
    PM25,
    T0,
    Scene,
    build_scene,
)

ET = EventType


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    return build_scene(tmp_path_factory.mktemp("scene"))


@pytest.fixture(scope="module")
def bundle(scene: Scene, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    out = tmp_path_factory.mktemp("out") / "fire.zip"
    return export_incident(
        scene.db,
        FIRE,
        out,
        evidence_dir=scene.evidence_dir,
        created_by="operator:kim",
        purpose="after-action review",
    )


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def bundle_events(path: Path) -> list[dict[str, Any]]:
    lines = members(path)["events.jsonl"].decode("utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_a_bundle_round_trips_to_the_same_incident(
    scene: Scene, bundle: ExportResult, tmp_path: Path
) -> None:
    check = check_bundle(bundle.path)
    assert check.ok, [p.line() for p in check.problems]
    assert check.event_count == bundle.events and not check.signed and check.trusted is None

    opened = open_bundle(bundle.path, tmp_path / "review")
    assert opened.intact and opened.incident_id == FIRE and not opened.altered_seqs
    last_seq = opened.manifest["events"]["last_seq"]
    review = EventLog.open(opened.events_db, readonly=True)
    source = EventLog.open(scene.db, readonly=True)
    try:
        folded = rebuild(review)
        expected = rebuild(source, until_seq=last_seq)
    finally:
        review.close()
        source.close()
    for incident in (FIRE, DUPLICATE):
        assert folded.incidents[incident].to_json() == expected.incidents[incident].to_json()
    assert OTHER not in folded.incidents
    assert folded.packets_of(FIRE)[0].state.value == "acknowledged"
    assert opened.report_html is not None and opened.report_html.is_file()


def test_the_review_log_has_the_readings_and_the_evidence(
    scene: Scene, bundle: ExportResult, tmp_path: Path
) -> None:
    opened = open_bundle(bundle.path, tmp_path / "review")
    assert (opened.evidence_dir / "still-1.jpg").read_bytes() == scene.still.read_bytes()
    assert (opened.evidence_dir / "clip-1.avi").read_bytes() == scene.clip.read_bytes()
    csv_rows = (opened.workdir / "sensors" / f"{GAS}.csv").read_text().splitlines()
    start, end = opened.window
    with sqlite3.connect(opened.events_db) as db:
        history = query_history(db, GAS, start, end, 10_000)
    assert history.is_raw and len(history) == len(csv_rows) - 1 > 50
    assert csv_rows[0] == "device_time,ts_ms,value,unit" and csv_rows[1].endswith(",%LEL")


def test_the_right_events_go_in_verbatim(scene: Scene, bundle: ExportResult) -> None:
    events = bundle_events(bundle.path)
    start, end = T0 - 10 * MIN, scene.closed_ms + 10 * MIN
    views = [e for e in events if e["type"] == ET.CAMERA_VIEWED]
    assert [json.loads(str(v["payload"]))["incident_id"] for v in views] == [FIRE]
    assert all(start <= int(str(v["ts_ms"])) <= end for v in views)  # not the late look
    readings = [e for e in events if e["type"] == ET.SENSOR_READING]
    assert {e["subject"] for e in readings} == {GAS, PM10, PM25}  # not the rain gauge
    assert all(start <= int(str(e["ts_ms"])) <= end for e in readings)
    situations = {e["seq"] for e in events if e["type"] == ET.SITUATION_DETECTED}
    assert situations == {scene.situation_seq, scene.second_situation_seq}
    subjects = {e["subject"] for e in events if str(e["type"]).startswith("incident.")}
    assert subjects == {FIRE, DUPLICATE}
    assert any(e["type"] == ET.REPLAY_BOOKMARKED for e in events)
    log = EventLog.open(scene.db, readonly=True)
    try:
        stored = {r.seq: r for r in log.by_seqs(int(str(e["seq"])) for e in events)}
    finally:
        log.close()
    for event in events:
        record = stored[int(str(event["seq"]))]
        assert event["payload"] == record.payload_json and event["hash"] == record.hash.hex()
        assert event["prev_hash"] == record.prev_hash.hex() and event["ts_ms"] == record.ts_ms


def test_the_manifest_names_every_file_and_the_missing_evidence(
    scene: Scene, bundle: ExportResult
) -> None:
    with zipfile.ZipFile(bundle.path) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "manifest.json"  # first: a bundle cut short still has it
    kinds = {i.filename: i.compress_type for i in infos}
    assert kinds["evidence/clip-1.avi"] == kinds["evidence/still-1.jpg"] == zipfile.ZIP_STORED
    assert kinds["events.jsonl"] == zipfile.ZIP_DEFLATED
    content = members(bundle.path)
    manifest = json.loads(content["manifest.json"])
    assert manifest["format"] == FORMAT and manifest["format_version"] == 1
    assert manifest["created_by"] == "operator:kim" and "signature" not in manifest
    assert manifest["incident"]["id"] == FIRE and manifest["incident"]["district"] == "11010"
    assert manifest["incident"]["duplicates"] == [DUPLICATE]
    assert set(manifest["files"]) == set(content) - {"manifest.json", "events.jsonl"}
    assert manifest["events"]["count"] == len(manifest["events"]["hashes"]) == bundle.events
    log = EventLog.open(scene.db, readonly=True)
    try:
        # The log's head when exported; the export itself was recorded right after it.
        (*_, head, record) = log.read(after_seq=manifest["source_log"]["last_seq"] - 1)
        assert head.hash.hex() == manifest["source_log"]["last_hash"]
        assert record.type == "bundle.exported" and record.subject == FIRE
        assert record.actor == "operator:kim"
        exported = record.payload
        assert exported["purpose"] == "after-action review"
        assert exported["sha256"] == hashlib.sha256(bundle.path.read_bytes()).hexdigest()
        assert exported["size"] == bundle.bytes and exported["events"] == bundle.events
    finally:
        log.close()
    (missing,) = manifest["missing"]
    assert missing["path"] == "/nowhere/lost.jpg" and "not found" in missing["reason"]
    assert len(bundle.missing) == 1 and "lost.jpg" in bundle.missing[0]
    assert "lost.jpg" in content["report/after-action.html"].decode("utf-8")


def test_packets_and_the_map_extract(bundle: ExportResult) -> None:
    content = members(bundle.path)
    body = content["packets/DIST-0001-fire-119.xml"].decode("utf-8")
    assert body.startswith("<EDXLDistribution>")
    status = json.loads(content["packets/DIST-0001-fire-119.status.json"])
    assert status["state"] == "acknowledged" and status["receipt"] == "R-77"
    assert [h["type"] for h in status["history"]] == [
        "packet.queued", "packet.sent", "packet.delivered", "packet.acknowledged",
    ]  # fmt: skip
    assert "body" not in status["history"][0]
    extract = json.loads(content["map/extract.geojson"])
    roles: dict[str, list[dict[str, Any]]] = {}
    for feature in extract["features"]:
        roles.setdefault(feature["properties"]["role"], []).append(feature)
    assert roles["incident"][0]["geometry"]["coordinates"] == [126.97983, 37.59147]
    assert [f["properties"]["id"] for f in roles["camera"]] == [CAMERA]
    assert {f["properties"]["id"] for f in roles["sensor"]} == {GAS, PM10, PM25}
    assert roles["district"][0]["geometry"]["type"] == "Polygon"
    assert roles["packet_area"][0]["properties"]["radius_m"] == 300.0
    assert extract["not_in_city"] == []


def test_an_unknown_incident_says_how_to_find_ids(scene: Scene, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    with pytest.raises(UnknownIncidentError, match="incidents list --db"):
        export_incident(
            scene.db,
            "INC-999999",
            out,
            evidence_dir=scene.evidence_dir,
            purpose="after-action review",
        )
    assert list(tmp_path.iterdir()) == []


def test_a_failure_or_a_cancel_leaves_nothing_behind(scene: Scene, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    with pytest.raises(BundleError, match="does not exist"):
        export_incident(scene.db, FIRE, tmp_path / "no" / "x.zip", purpose="after-action review")

    def broken_printer(html: str, path: Path) -> None:
        raise OSError("no fonts")

    with pytest.raises(BundleError, match="--no-pdf"):
        export_incident(
            scene.db,
            FIRE,
            out,
            evidence_dir=scene.evidence_dir,
            pdf=broken_printer,
            purpose="after-action review",
        )
    cancel = threading.Event()
    seen: list[float] = []

    def progress(fraction: float) -> None:
        seen.append(fraction)
        if fraction >= 0.5:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_incident(
            scene.db,
            FIRE,
            out,
            evidence_dir=scene.evidence_dir,
            progress=progress,
            cancel=cancel,
            purpose="after-action review",
        )
    assert seen == sorted(seen) and seen[-1] >= 0.5
    assert list(tmp_path.iterdir()) == []


def test_a_printed_report_goes_in_beside_the_html(scene: Scene, tmp_path: Path) -> None:
    def printer(html: str, path: Path) -> None:
        path.write_bytes(b"%PDF-1.4\n" + html.encode("utf-8"))

    result = export_incident(
        scene.db,
        FIRE,
        tmp_path / "x.zip",
        evidence_dir=scene.evidence_dir,
        pdf=printer,
        purpose="after-action review",
    )
    content = members(result.path)
    assert content["report/after-action.pdf"].startswith(b"%PDF")
    assert check_bundle(result.path).ok


def test_a_log_being_written_is_exported_as_one_consistent_cut(tmp_path: Path) -> None:
    scene = build_scene(tmp_path / "live")
    backend = LocalBackend.open(scene.db)
    try:
        note = NewEvent(ET.INCIDENT_NOTE_ADDED, "test", "operator:kim", {"incident_id": FIRE,
                        "comment": "late note"}, FIRE)  # fmt: skip
        backend.publish([note]).result()
        result = export_incident(
            scene.db,
            FIRE,
            tmp_path / "x.zip",
            evidence_dir=scene.evidence_dir,
            purpose="after-action review",
        )
        backend.publish([note]).result()
    finally:
        backend.close()
    check = check_bundle(result.path)
    assert check.ok and any("late note" in str(e["payload"]) for e in bundle_events(result.path))


def test_opening_refuses_a_folder_with_files_in_it(bundle: ExportResult, tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(BundleOpenError, match="not empty"):
        open_bundle(bundle.path, tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_an_export_needs_a_purpose(scene: Scene, tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    with pytest.raises(BundleError, match="--purpose"):
        export_incident(scene.db, FIRE, out, evidence_dir=scene.evidence_dir, purpose="  ")
    assert list(tmp_path.iterdir()) == []


def test_an_export_record_can_be_handed_over_instead_of_appended(tmp_path: Path) -> None:
    scene = build_scene(tmp_path / "replica")

    def tail() -> tuple[int, bytes]:
        log = EventLog.open(scene.db, readonly=True)
        try:
            return log.last_seq, log.last_hash
        finally:
            log.close()

    before = tail()
    handed: list[NewEvent] = []
    result = export_incident(
        scene.db,
        FIRE,
        tmp_path / "x.zip",
        evidence_dir=scene.evidence_dir,
        created_by="operator:kim",
        purpose="investigation request 7",
        record=handed.append,
    )
    assert check_bundle(result.path).ok
    # The log (a replica: it takes only its server's records) is left as it was.
    assert tail() == before
    (event,) = handed
    assert (event.type, event.subject, event.actor) == (ET.BUNDLE_EXPORTED, FIRE, "operator:kim")
    assert event.payload["purpose"] == "investigation request 7"
    assert event.payload["sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert event.payload["path"] == str(result.path.resolve())

    def refuse(_event: NewEvent) -> None:
        raise OSError("the log is gone")

    with pytest.raises(OSError, match="gone"):
        export_incident(
            scene.db,
            FIRE,
            tmp_path / "y.zip",
            evidence_dir=scene.evidence_dir,
            purpose="after-action review",
            record=refuse,
        )
    assert not (tmp_path / "y.zip").exists()  # no export without its record
    assert not (tmp_path / "y.zip.partial").exists()
