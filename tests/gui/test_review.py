"""The offline review as a reviewer opens it: a real bundle exported from a real log, opened
through ``open_review`` (verification, working log, notes), the integrity banner's words, and
``main.py review`` itself with a screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.bundle.export import export_incident
from core.commands import Acknowledge, MarkTimeline
from core.errors import CommandRejected
from tests.unit.test_bundle_scene import FIRE, build_scene, rewrite_zip
from ui.review import close_review, integrity_text, open_review

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # reviews and trusted keys
    scene = build_scene(tmp_path / "scene")
    out = tmp_path / "fire.zip"
    export_incident(
        scene.db, FIRE, out, evidence_dir=scene.evidence_dir, purpose="after-action review"
    )
    return out


def test_an_intact_bundle_opens_read_only_and_keeps_the_reviewers_marks(
    qapp, bundle: Path
) -> None:  # type: ignore[no-untyped-def]
    review = open_review(bundle)
    try:
        level, text = integrity_text(review.opened)
        assert level == "warning" and "Intact" in text and "Not signed" in text
        backend = review.backend
        with pytest.raises(CommandRejected, match="read-only"):
            backend.submit(Acknowledge(FIRE), "operator:reviewer").result()
        opened_ms = backend.snapshot().result().incidents[FIRE].opened_ms
        mark = MarkTimeline(opened_ms + 5_000, "alarm heard late", incident_id=FIRE)
        backend.submit(mark, "operator:reviewer").result()
        assert [b.text for b in backend.snapshot().result().bookmarks][-1] == "alarm heard late"
    finally:
        close_review(review)
    assert not review.opened.workdir.exists()
    # Opening the same bundle again finds the mark (kept beside it, not in it).
    again = open_review(bundle)
    try:
        texts = [b.text for b in again.backend.snapshot().result().bookmarks]
        assert texts.count("alarm heard late") == 1
    finally:
        close_review(again)


def test_an_altered_bundle_opens_with_the_damage_named(qapp, bundle: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    altered = tmp_path / "altered.zip"

    def change_a_note(data: bytes) -> bytes:
        assert b"alert(1)" in data
        return data.replace(b"alert(1)", b"alert(2)", 1)

    rewrite_zip(bundle, altered, {"events.jsonl": change_a_note})
    review = open_review(altered)
    try:
        level, text = integrity_text(review.opened)
        assert level == "error" and text.startswith("ALTERED")
        assert "event " in text and "altered" in text
        assert review.opened.altered_seqs  # still there for the reviewer to see
    finally:
        close_review(review)


def test_review_command_opens_the_window_and_replays(bundle: Path, tmp_path: Path) -> None:
    shot = tmp_path / "review.png"
    environment = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "--language", "en", "review", str(bundle),
         "--screenshot", str(shot), "--quit-after", "6"],
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 50_000
    missing = subprocess.run(
        [sys.executable, str(REPO / "main.py"), "review", str(tmp_path / "nope.zip"),
         "--screenshot", str(shot), "--quit-after", "1"],
        capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert missing.returncode == 1 and "does not exist" in missing.stderr
