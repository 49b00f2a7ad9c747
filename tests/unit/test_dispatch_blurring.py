"""Stills leave the room blurred: an unblurred still gets a face-blurred copy beside it, made
once, with its own digest; blurred stills and clips pass as they are; a still that cannot be
blurred is named with the reason and never replaced silently."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.dispatch.blurring import blurred_for_sharing
from core.events import EvidenceCaptured

ASTRONAUT = Path(__file__).resolve().parent.parent / "data" / "astronaut-256.jpg"
FACE = (86, 31, 52, 52)  # where the face is in the photograph (as in test_privacy.py)


def evidence(path: Path, kind: str = "still", redacted: str = "") -> EvidenceCaptured:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return EvidenceCaptured("INC-1", "CAM-1", kind, str(path), digest, 1, redacted=redacted)


def detail(image: Any) -> float:
    x, y, w, h = FACE
    return float(
        cv2.Laplacian(
            cv2.cvtColor(image[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY), cv2.CV_64F
        ).var()
    )


def test_the_face_in_an_unblurred_still_is_blurred_in_a_copy(tmp_path: Path) -> None:
    still = tmp_path / "still.jpg"
    shutil.copy(ASTRONAUT, still)
    original = still.read_bytes()
    result = blurred_for_sharing([evidence(still)], tmp_path)
    (copy,) = result.copies
    assert result.evidence == (copy,) and not result.problems
    assert copy.redacted == "faces,plates" and copy.path != str(still)
    assert hashlib.sha256(Path(copy.path).read_bytes()).hexdigest() == copy.sha256
    assert still.read_bytes() == original  # the original is evidence: never touched
    before = cv2.imread(str(still))
    after = cv2.imread(copy.path)
    assert detail(after) < detail(before) / 5, "the face is still sharp in the copy"


def test_the_copy_is_made_once_and_recorded_once(tmp_path: Path) -> None:
    still = tmp_path / "still.jpg"
    shutil.copy(ASTRONAUT, still)
    first = blurred_for_sharing([evidence(still)], tmp_path)
    made = Path(first.copies[0].path)
    stamp = made.stat().st_mtime_ns
    again = blurred_for_sharing([evidence(still)], tmp_path)
    assert again.copies == first.copies and made.stat().st_mtime_ns == stamp
    # Once the copy is in the log, drafting again does not record it a second time.
    logged = blurred_for_sharing([evidence(still), first.copies[0]], tmp_path)
    assert logged.copies == ()


def test_blurred_stills_and_clips_pass_unchanged(tmp_path: Path) -> None:
    still = tmp_path / "blurred.jpg"
    shutil.copy(ASTRONAUT, still)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 not a real clip")
    items = [evidence(still, redacted="faces,plates"), evidence(clip, kind="clip")]
    result = blurred_for_sharing(items, tmp_path)
    assert result.evidence == tuple(items) and result.copies == ()


def test_a_still_that_cannot_be_blurred_is_named_with_the_reason(tmp_path: Path) -> None:
    changed = tmp_path / "changed.jpg"
    shutil.copy(ASTRONAUT, changed)
    recorded = evidence(changed)
    _, other = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))
    changed.write_bytes(other.tobytes())  # altered after it was recorded
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a picture")
    result = blurred_for_sharing([recorded, evidence(broken)], tmp_path)
    assert result.copies == ()
    assert result.evidence == (recorded, evidence(broken))  # left for drafting to leave out
    reasons = dict(result.problems)
    assert "no longer matches" in reasons["changed.jpg"]
    assert "not a picture" in reasons["broken.jpg"]
