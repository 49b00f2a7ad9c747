"""Clip export: the AVI holds the recorded frames, redacted, stamped, digested, or nothing."""

from __future__ import annotations

import hashlib
import threading
from itertools import pairwise
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from core.errors import CityroomError
from core.video.clips import ClipCancelled, ClipError, ClipRecord, estimate_fps, export_clip
from core.video.recording import RecordingRing

T0 = 1_767_225_600_000
CAM = "CCTV-0001"
WIDTH, HEIGHT = 320, 240


def picture(n: int) -> np.ndarray:
    """A bright gradient whose blue channel is 5 * n, with n written on it."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = np.dstack(
        [np.full((HEIGHT, WIDTH), 5 * n), 128 + xx * 127 // WIDTH, 128 + yy * 127 // HEIGHT]
    ).astype(np.uint8)
    cv2.putText(image, str(n), (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (5 * n, 0, 0), 2)
    return image


@pytest.fixture
def ring(tmp_path: Path) -> RecordingRing:
    """Twenty frames of CCTV-0001 at 5 fps from T0; picture(i) at T0 + 200 i."""
    ring = RecordingRing(tmp_path / "ring", max_bytes=10**8, segment_s=1)
    recorder = ring.recorder(CAM)
    for i in range(20):
        assert recorder.offer(picture(i), T0 + 200 * i)
    recorder.close()
    return ring


def read_clip(path: Path) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames, fps


def export(ring: RecordingRing, folder: Path, start: int, end: int, **kwargs: Any) -> ClipRecord:
    return export_clip(
        ring,
        CAM,
        start,
        end,
        folder,
        camera_id=CAM,
        lat=37.56650,
        lon=126.97800,
        incident_id="INC-0042",
        **kwargs,
    )


def test_clip_holds_every_frame_at_the_recorded_rate(ring: RecordingRing, tmp_path: Path) -> None:
    clip = export(ring, tmp_path / "clips", T0, T0 + 10_000)
    frames, fps = read_clip(clip.path)
    assert clip.frames == len(frames) == 20
    assert fps == pytest.approx(5.0, abs=0.01)
    assert (clip.width, clip.height) == (WIDTH, HEIGHT) == (frames[0].shape[1], frames[0].shape[0])
    assert (clip.start_ms, clip.end_ms) == (T0, T0 + 3800)
    # The pictures are the recorded ones, in order (the top is not covered by the stamp).
    numbers = [round(float(f[60:120, :, 0].mean()) / 5) for f in frames]
    assert numbers == list(range(20))


def test_every_frame_is_stamped_with_its_own_time(ring: RecordingRing, tmp_path: Path) -> None:
    clip = export(ring, tmp_path, T0, T0 + 1000)
    frames, _ = read_clip(clip.path)
    band = [f[-44:, :, :] for f in frames]
    assert all(b.max() > 200 and np.median(b) < 40 for b in band)  # white text on black
    # Consecutive frames differ in the stamp (their milliseconds) though the band is fixed.
    assert all(np.abs(a.astype(int) - b.astype(int)).max() > 100 for a, b in pairwise(band))


def test_redaction_is_applied_before_the_stamp(ring: RecordingRing, tmp_path: Path) -> None:
    seen: list[tuple[int, ...]] = []

    def black_out(image: np.ndarray) -> np.ndarray:
        seen.append(image.shape)
        return np.zeros_like(image)

    clip = export(ring, tmp_path, T0, T0 + 10_000, redact=black_out)
    frames, _ = read_clip(clip.path)
    assert seen == [(HEIGHT, WIDTH, 3)] * 20
    assert len(frames) == 20
    assert all(f[: HEIGHT // 2].mean() < 5 for f in frames)  # redacted
    assert all(f[-44:].max() > 200 for f in frames)  # stamp still readable


def test_digest_and_name_match_the_file(ring: RecordingRing, tmp_path: Path) -> None:
    clip = export(ring, tmp_path, T0, T0 + 10_000)
    assert clip.sha256 == hashlib.sha256(clip.path.read_bytes()).hexdigest()
    assert clip.path.name.endswith(f"-{CAM}-{clip.sha256[:12]}.avi")
    assert clip.path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [clip.path.name]


def test_a_sub_range_holds_only_its_frames(ring: RecordingRing, tmp_path: Path) -> None:
    clip = export(ring, tmp_path, T0 + 1000, T0 + 2000)
    frames, _ = read_clip(clip.path)
    assert clip.frames == len(frames) == 6
    assert (clip.start_ms, clip.end_ms) == (T0 + 1000, T0 + 2000)


def test_progress_rises_to_one(ring: RecordingRing, tmp_path: Path) -> None:
    reported: list[float] = []
    export(ring, tmp_path, T0, T0 + 10_000, progress=reported.append)
    assert reported == sorted(reported)
    assert reported[-1] == 1.0
    assert 10 <= len(reported) <= 21


def test_cancel_leaves_no_file(ring: RecordingRing, tmp_path: Path) -> None:
    cancel = threading.Event()

    def cancel_at_a_quarter(fraction: float) -> None:
        if fraction >= 0.25:
            cancel.set()

    folder = tmp_path / "clips"
    with pytest.raises(ClipCancelled, match="cancelled"):
        export(ring, folder, T0, T0 + 10_000, cancel=cancel, progress=cancel_at_a_quarter)
    assert list(folder.iterdir()) == []


def test_a_failing_redaction_leaves_no_file(ring: RecordingRing, tmp_path: Path) -> None:
    def broken(image: np.ndarray) -> np.ndarray:
        raise RuntimeError("detector crashed")

    with pytest.raises(RuntimeError):
        export(ring, tmp_path / "clips", T0, T0 + 10_000, redact=broken)
    assert list((tmp_path / "clips").iterdir()) == []


def test_a_range_without_recording_explains_why(ring: RecordingRing, tmp_path: Path) -> None:
    with pytest.raises(ClipError) as caught:
        export(ring, tmp_path, T0 + 60_000, T0 + 70_000)
    message = str(caught.value)
    assert CAM in message
    assert "no recording" in message
    assert "only the last 10 minutes" in message
    assert isinstance(caught.value, CityroomError)
    assert not list(tmp_path.glob("*.avi"))


def test_an_end_before_the_start_is_refused(ring: RecordingRing, tmp_path: Path) -> None:
    with pytest.raises(ClipError, match="before it starts"):
        export(ring, tmp_path, T0 + 2000, T0 + 1000)


def test_an_unwritable_folder_is_a_clip_error(ring: RecordingRing, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ClipError, match="a-file"):
        export(ring, blocker / "clips", T0, T0 + 10_000)


def test_rate_estimate_ignores_pauses_of_the_camera() -> None:
    times = [T0 + 200 * i for i in range(10)] + [T0 + 60_000 + 200 * i for i in range(10)]
    assert estimate_fps(times) == pytest.approx(5.0)
    assert estimate_fps([T0]) == 1.0
