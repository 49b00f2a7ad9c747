"""A bundle changed after export names each change: which file or which event, and what is
wrong with it; what is not a bundle (or is from a newer Cityroom) is refused clearly."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.bundle.export import ExportResult, export_incident
from core.bundle.manifest import BundleVersionError, NotABundleError
from core.bundle.opening import open_bundle
from core.bundle.verify import Problem, check_bundle
from core.eventlog import EventLog
from tests.unit.test_bundle_scene import FIRE, NOTE, Scene, build_scene, rewrite_zip


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    scene: Scene = build_scene(tmp_path_factory.mktemp("scene"))
    out = tmp_path_factory.mktemp("out") / "fire.zip"
    return export_incident(
        scene.db, FIRE, out, evidence_dir=scene.evidence_dir, purpose="after-action review"
    )


def lines(problems: list[Problem]) -> list[str]:
    return [p.line() for p in problems]


def events_of(path: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read("events.jsonl").decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


Rows = list[dict[str, Any]]


def edit_events(edit: Callable[[Rows], Rows]) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        rows = edit(rows)
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")

    return change


def note_index(rows: list[dict[str, Any]]) -> int:
    return next(i for i, r in enumerate(rows) if r["type"] == "incident.note_added")


def test_one_changed_byte_of_a_still_names_the_still(bundle: ExportResult, tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"

    def flip(data: bytes) -> bytes:
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]

    rewrite_zip(bundle.path, bad, {"evidence/still-1.jpg": flip})
    check = check_bundle(bad)
    assert not check.ok
    assert lines(check.problems) == [
        "file evidence/still-1.jpg: altered, its SHA-256 does not match the manifest "
        "(10246 bytes, the manifest says 10246)"
    ]


def test_a_changed_payload_names_the_event(bundle: ExportResult, tmp_path: Path) -> None:
    rows = events_of(bundle.path)
    note = rows[note_index(rows)]
    bad = tmp_path / "bad.zip"

    def soften(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        row = rows[note_index(rows)]
        row["payload"] = str(row["payload"]).replace("연기 확산", "이상 없음")
        return rows

    rewrite_zip(bundle.path, bad, {"events.jsonl": edit_events(soften)})
    check = check_bundle(bad)
    assert lines(check.problems) == [
        f"event {note['seq']} (incident.note_added): altered, its contents do not match its hash"
    ]
    assert check.altered_seqs == {note["seq"]}
    opened = open_bundle(bad, tmp_path / "review")  # the reviewer still sees it, marked
    assert opened.altered_seqs == {note["seq"]}
    review = EventLog.open(opened.events_db, readonly=True)
    try:
        (stored,) = review.by_seqs([int(str(note["seq"]))])
    finally:
        review.close()
    assert "이상 없음" in stored.payload_json and NOTE not in stored.payload_json


def test_a_rehashed_event_breaks_the_chain_and_the_manifest(
    bundle: ExportResult, tmp_path: Path
) -> None:
    from core.eventlog import chain_hash

    rows = events_of(bundle.path)
    index = note_index(rows)
    note, after = rows[index], rows[index + 1]
    assert after["seq"] == int(str(note["seq"])) + 1
    bad = tmp_path / "bad.zip"

    def forge(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        row = rows[note_index(rows)]
        row["payload"] = str(row["payload"]).replace("연기 확산", "이상 없음")
        row["hash"] = chain_hash(
            bytes.fromhex(row["prev_hash"]), row["seq"], row["ts_ms"], row["type"],
            row["source"], row["actor"], row["subject"], row["payload"],
        ).hex()  # fmt: skip
        return rows

    rewrite_zip(bundle.path, bad, {"events.jsonl": edit_events(forge)})
    assert lines(check_bundle(bad).problems) == [
        f"event {note['seq']} (incident.note_added): altered, its hash differs from the "
        "manifest's",
        f"event {after['seq']} ({after['type']}): broken link, its previous hash is not event "
        f"{note['seq']}'s",
    ]


def test_a_deleted_event_and_an_added_file_are_named(bundle: ExportResult, tmp_path: Path) -> None:
    rows = events_of(bundle.path)
    gone = rows[note_index(rows)]
    bad = tmp_path / "bad.zip"

    def drop(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if r["seq"] != gone["seq"]]

    rewrite_zip(
        bundle.path,
        bad,
        {"events.jsonl": edit_events(drop), "evidence/clip-1.avi": lambda _: None},
        add={"evidence/planted.jpg": b"\xff\xd8 not ours", "../escape.txt": b"x"},
    )
    assert sorted(lines(check_bundle(bad).problems)) == sorted(
        [
            f"event {gone['seq']}: missing",
            "file evidence/clip-1.avi: missing",
            "file evidence/planted.jpg: added, it is not in the manifest",
            "file ../escape.txt: added, it is not in the manifest (its path is unsafe; it is "
            "never extracted)",
        ]
    )
    opened = open_bundle(bad, tmp_path / "review" / "inside")
    assert not (tmp_path / "review" / "escape.txt").exists()
    assert not (opened.evidence_dir / "clip-1.avi").exists()


def test_a_truncated_bundle_is_read_as_far_as_it_goes(
    bundle: ExportResult, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.zip"
    data = bundle.path.read_bytes()
    with zipfile.ZipFile(bundle.path) as archive:
        clip = archive.getinfo("evidence/clip-1.avi")
        events = archive.getinfo("events.jsonl")
    cut.write_bytes(data[: clip.header_offset + 1000])  # inside the clip, the last member
    check = check_bundle(cut)
    assert lines(check.problems) == [
        f"{cut.name}: the zip is cut short or damaged (its directory at the end is missing); "
        "what could be read was checked",
        "file evidence/clip-1.avi: could not be read (the zip is cut short inside it)",
    ]
    assert check.event_count == bundle.events  # everything before the cut was checked
    opened = open_bundle(cut, tmp_path / "review")
    assert (opened.evidence_dir / "still-1.jpg").is_file()
    assert not (opened.evidence_dir / "clip-1.avi").exists()

    early = tmp_path / "early.zip"
    early.write_bytes(data[: events.header_offset + 2000])  # inside the events
    found = lines(check_bundle(early).problems)
    assert any(line.startswith("file events.jsonl: could not be read") for line in found)
    assert any("events missing (cut short)" in line for line in found)
    assert "file evidence/still-1.jpg: missing" in found

    stub = tmp_path / "stub.zip"
    stub.write_bytes(data[:40])
    with pytest.raises(NotABundleError, match="cut short before its manifest"):
        check_bundle(stub)


def test_a_newer_format_names_the_version_to_use(bundle: ExportResult, tmp_path: Path) -> None:
    newer = tmp_path / "newer.zip"

    def bump(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest.update(format_version=2, app_version="3.1.0")
        return json.dumps(manifest).encode()

    rewrite_zip(bundle.path, newer, {"manifest.json": bump})
    with pytest.raises(BundleVersionError) as caught:
        check_bundle(newer)
    assert str(caught.value) == (
        f"{newer}: made by a newer Cityroom (format 2, this one reads up to 1): open it with "
        "Cityroom 3.1.0 or newer."
    )


def test_what_is_not_a_bundle_is_refused_clearly(bundle: ExportResult, tmp_path: Path) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("meeting notes")
    with pytest.raises(NotABundleError, match="is not a zip file"):
        check_bundle(text)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(NotABundleError, match=r"has no manifest\.json"):
        check_bundle(other)
    with pytest.raises(NotABundleError, match="cannot be read"):
        check_bundle(tmp_path / "absent.zip")
    shutil.copy(bundle.path, tmp_path / "copy.zip")
    assert check_bundle(tmp_path / "copy.zip").ok
    repacked = tmp_path / "repacked.zip"  # zip tools add folder entries: they hold nothing
    rewrite_zip(bundle.path, repacked, add={"evidence/": b"", "sensors/": b""})
    assert check_bundle(repacked).ok
