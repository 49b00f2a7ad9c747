"""``export-incident`` and ``bundle verify|keygen`` as an operator runs them: a real log, a
signed bundle, a reviewer's checks, and the exit codes scripts rely on."""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from pathlib import Path

from tests.cli import cityroom
from tests.unit.test_bundle_scene import FIRE, Scene, build_scene, rewrite_zip


def export(
    scene: Scene, out: Path, *more: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return cityroom(
        "export-incident", "--purpose", "after-action review",
        "--db", str(scene.db), "--incident", FIRE, "--out", str(out),
        "--evidence-dir", str(scene.evidence_dir), *more, env=env,
    )  # fmt: skip


def test_keygen_export_signed_and_verify(tmp_path: Path) -> None:
    scene = build_scene(tmp_path / "scene")
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    made = cityroom("bundle", "keygen", "--out", str(tmp_path / "centre.key"), env=env)
    assert made.returncode == 0, made.stderr
    key_id = re.search(r"key id ([0-9a-f]{16})", made.stdout)
    assert key_id is not None and (tmp_path / "centre.pub").is_file()
    again = cityroom("bundle", "keygen", "--out", str(tmp_path / "centre.key"), env=env)
    assert again.returncode == 1 and "already exists" in again.stderr

    out = tmp_path / "fire.zip"
    key_env = {**env, "CITYROOM_BUNDLE_KEY": str(tmp_path / "centre.key")}
    run = export(scene, out, "--no-pdf", "--language", "en", env=key_env)
    assert run.returncode == 0, run.stderr
    assert f"{out}:" in run.stdout and " events, " in run.stdout
    assert f"signed with key {key_id.group(1)}" in run.stdout
    assert "missing evidence: /nowhere/lost.jpg" in run.stderr
    assert not out.with_name("fire.zip.partial").exists()

    trusted = cityroom("bundle", "verify", str(out), "--trust", str(tmp_path / "centre.pub"))
    assert trusted.returncode == 0, trusted.stdout
    assert "intact" in trusted.stdout and f"signed by trusted key {key_id.group(1)}" in (
        trusted.stdout
    )
    report = cityroom("bundle", "verify", str(out), "--json")
    assert report.returncode == 0 and json.loads(report.stdout)["incident"] == FIRE

    bad = tmp_path / "bad.zip"
    rewrite_zip(out, bad, {"evidence/clip-1.avi": lambda data: data[:-1] + b"!"})
    failed = cityroom("bundle", "verify", str(bad), "--trust", str(tmp_path / "centre.pub"))
    assert failed.returncode == 1
    assert "file evidence/clip-1.avi: altered, its SHA-256 does not match" in failed.stdout


def test_what_cannot_be_checked_or_exported_exits_with_its_reason(tmp_path: Path) -> None:
    scene = build_scene(tmp_path / "scene")
    unknown = cityroom(
        "export-incident", "--purpose", "after-action review",
        "--db", str(scene.db), "--incident", "INC-424242",
        "--out", str(tmp_path / "x.zip"), "--no-pdf",
    )  # fmt: skip
    assert unknown.returncode == 1 and "incidents list --db" in unknown.stderr
    usage = cityroom(
        "export-incident",
        "--purpose",
        "after-action review",
        "--db",
        str(scene.db),
        "--out",
        "x.zip",
    )
    assert usage.returncode == 2 and "--incident" in usage.stderr
    text = tmp_path / "notes.zip"
    text.write_text("not a bundle")
    refused = cityroom("bundle", "verify", str(text))
    assert refused.returncode == 2 and "is not a zip file" in refused.stderr


def test_a_newer_bundle_and_the_pdf_report(tmp_path: Path) -> None:
    scene = build_scene(tmp_path / "scene")
    out = tmp_path / "fire.zip"
    run = export(scene, out)  # with the PDF, printed by Qt offscreen
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(out) as archive:
        assert archive.read("report/after-action.pdf").startswith(b"%PDF")
    newer = tmp_path / "newer.zip"

    def bump(data: bytes) -> bytes:
        return data.replace(b'"format_version":1', b'"format_version":7')

    rewrite_zip(out, newer, {"manifest.json": bump})
    refused = cityroom("bundle", "verify", str(newer))
    assert refused.returncode == 2
    assert "made by a newer Cityroom (format 7, this one reads up to 1): open it with " in (
        refused.stderr
    )


def test_the_export_is_recorded_with_its_purpose(tmp_path: Path) -> None:
    from core.eventlog import EventLog

    scene = build_scene(tmp_path / "scene")
    plain = cityroom(
        "export-incident", "--db", str(scene.db), "--incident", FIRE,
        "--out", str(tmp_path / "a.zip"), "--no-pdf", "--operator", "operator:kim",
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert "'after-action review'" in plain.stdout  # the default purpose, said aloud
    said = export(scene, tmp_path / "b.zip", "--no-pdf", "--purpose", "police request 2026-77")
    assert said.returncode == 0, said.stderr
    log = EventLog.open(scene.db, readonly=True)
    try:
        records = [r for r in log.read() if r.type == "bundle.exported"]
    finally:
        log.close()
    assert [(r.actor, r.payload["purpose"]) for r in records][-2:] == [
        ("operator:kim", "after-action review"),
        (records[-1].actor, "police request 2026-77"),
    ]
    assert records[-1].payload["path"] == str((tmp_path / "b.zip").resolve())
