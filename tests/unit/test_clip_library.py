"""The clip library of an offline review: each camera's picture at an instant, from its clips."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.eventlog import EventLog
from core.events import EventRecord, EvidenceCaptured
from core.video.clip_library import ClipLibrary, ClipUnreadable
from core.video.clips import ClipRecord, export_clip
from core.video.recording import RecordingRing

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC
CAM = "CCTV-0001"
OTHER = "CCTV-0002"
WIDTH, HEIGHT = 320, 240


def picture(n: int) -> np.ndarray:
    """A gradient whose blue channel is 5 * n (the stamp at the bottom aside)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    return np.dstack(
        [np.full((HEIGHT, WIDTH), 5 * n), 128 + xx * 127 // WIDTH, 128 + yy * 127 // HEIGHT]
    ).astype(np.uint8)


def number_of(image: np.ndarray) -> int:
    """The n of picture(n) as the clip shows it (the top rows, clear of the burned-in stamp)."""
    return round(float(image[20:120, :, 0].mean()) / 5)


def record_camera(ring: RecordingRing, camera: str, start: int, count: int) -> None:
    """picture(i) at start + 200 i, five frames a second."""
    recorder = ring.recorder(camera)
    for i in range(count):
        assert recorder.offer(picture(i), start + 200 * i)
    recorder.close()


def export(ring: RecordingRing, camera: str, start: int, end: int, folder: Path) -> ClipRecord:
    return export_clip(
        ring, camera, start, end, folder, camera_id=camera, lat=37.5, lon=127.0, incident_id="I-1"
    )


def evidence_events(log_path: Path, clips: list[tuple[str, ClipRecord]]) -> list[EventRecord]:
    """The clips' evidence events as a real log stores them, with a still among them."""
    log = EventLog.open(log_path)
    try:
        events = [
            EvidenceCaptured("I-1", CAM, "still", "/elsewhere/still.jpg", "ab" * 32, T0).to_new(
                "video_wall", "operator:kim"
            )
        ]
        for camera, clip in clips:
            events.append(
                EvidenceCaptured(
                    "I-1",
                    camera,
                    "clip",
                    # The path as the centre saved it; the review finds it by its name.
                    f"/var/cityroom/evidence/{clip.path.name}",
                    clip.sha256,
                    clip.start_ms,
                    end_ms=clip.end_ms,
                    frames=clip.frames,
                ).to_new("video_wall", "operator:kim")
            )
        return log.append(events)
    finally:
        log.close()


@pytest.fixture
def library(tmp_path: Path) -> Iterator[ClipLibrary]:
    """CCTV-0001: 20 frames from T0 (T0 .. T0+3800); CCTV-0002: 10 frames from T0+60 s."""
    ring = RecordingRing(tmp_path / "ring", max_bytes=10**8, segment_s=2)
    record_camera(ring, CAM, T0, 20)
    record_camera(ring, OTHER, T0 + 60_000, 10)
    evidence = tmp_path / "bundle" / "evidence"
    first = export(ring, CAM, T0, T0 + 10_000, evidence)
    second = export(ring, OTHER, T0 + 60_000, T0 + 70_000, evidence)
    records = evidence_events(
        tmp_path / "events.db", [(CAM, first), (OTHER, second), (CAM, first)]
    )
    built = ClipLibrary.from_events(records, evidence)
    yield built
    built.close()


def test_cameras_and_spans_come_from_the_clip_events(library: ClipLibrary) -> None:
    assert library.cameras() == [CAM, OTHER]
    assert len(library.clips(CAM)) == 1  # named twice, kept once; the still is not a clip
    assert library.span(CAM) == (T0, T0 + 3800)
    assert library.span(OTHER) == (T0 + 60_000, T0 + 61_800)
    assert library.span("CCTV-9999") is None and library.clips("CCTV-9999") == []


def test_frame_at_the_start_middle_and_end(library: ClipLibrary) -> None:
    start = library.frame_at(CAM, T0)
    assert start is not None and start[1] == T0 and number_of(start[0]) == 0
    assert start[0].shape == (HEIGHT, WIDTH, 3)
    middle = library.frame_at(CAM, T0 + 2100)  # between frames 10 (T0+2000) and 11
    assert middle is not None and middle[1] == T0 + 2000 and number_of(middle[0]) == 10
    end = library.frame_at(CAM, T0 + 3800)
    assert end is not None and end[1] == T0 + 3800 and number_of(end[0]) == 19
    # The last frame is held for one frame's time, then the clip has nothing more.
    held = library.frame_at(CAM, T0 + 3950)
    assert held is not None and held[1] == T0 + 3800
    assert library.frame_time(CAM, T0 + 3950) == T0 + 3800


def test_frames_come_in_any_order_seeks_and_steps(library: ClipLibrary) -> None:
    wanted = [15, 3, 4, 5, 19, 0, 12, 12, 7]
    seen = []
    for n in wanted:
        found = library.frame_at(CAM, T0 + 200 * n)
        assert found is not None
        seen.append((number_of(found[0]), found[1]))
    assert seen == [(n, T0 + 200 * n) for n in wanted]


def test_outside_every_clip_there_is_no_frame_but_a_nearest_instant(
    library: ClipLibrary,
) -> None:
    assert library.frame_at(CAM, T0 - 1) is None
    assert library.frame_at(CAM, T0 + 30_000) is None
    assert library.frame_time(CAM, T0 + 30_000) is None
    assert library.nearest(CAM, T0 - 5_000) == T0
    assert library.nearest(CAM, T0 + 30_000) == T0 + 3800
    assert library.nearest(CAM, T0 + 1000) == T0 + 1000  # covered: the instant itself
    assert library.frame_at("CCTV-9999", T0) is None
    assert library.nearest("CCTV-9999", T0) is None


def test_threads_reading_two_clips_at_once_get_the_right_frames(library: ClipLibrary) -> None:
    problems: list[str] = []

    def read(camera: str, start: int, count: int) -> None:
        for round_ in range(3):
            for n in range(count):
                index = (n * 7 + round_) % count
                found = library.frame_at(camera, start + 200 * index)
                if found is None or number_of(found[0]) != index:
                    problems.append(f"{camera} frame {index}")

    threads = [
        threading.Thread(target=read, args=(CAM, T0, 20)),
        threading.Thread(target=read, args=(CAM, T0, 20)),
        threading.Thread(target=read, args=(OTHER, T0 + 60_000, 10)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert problems == []


def test_a_missing_clip_file_is_named_with_the_fix(library: ClipLibrary) -> None:
    clip = library.clips(OTHER)[0]
    clip.path.unlink()
    with pytest.raises(ClipUnreadable, match="is missing") as raised:
        library.frame_at(OTHER, T0 + 60_000)
    assert str(clip.path) in str(raised.value) and OTHER in str(raised.value)
    # The other camera's clip is unaffected.
    assert library.frame_at(CAM, T0) is not None


def test_a_damaged_clip_file_is_named_with_the_fix(library: ClipLibrary) -> None:
    clip = library.clips(OTHER)[0]
    clip.path.write_bytes(b"RIFF\x00\x00\x00\x00AVI not really a video")
    with pytest.raises(ClipUnreadable, match="not a readable video") as raised:
        library.frame_at(OTHER, T0 + 60_400)
    assert str(clip.path) in str(raised.value)


def test_a_clip_cut_short_shows_what_it_holds_then_says_it_is_damaged(
    library: ClipLibrary,
) -> None:
    clip = library.clips(CAM)[0]
    data = clip.path.read_bytes()
    clip.path.write_bytes(data[: len(data) // 2])
    first = library.frame_at(CAM, T0)
    assert first is not None and number_of(first[0]) == 0
    with pytest.raises(ClipUnreadable, match=str(clip.path.name)):
        library.frame_at(CAM, T0 + 3800)


def test_a_capture_reopens_after_close(library: ClipLibrary) -> None:
    assert library.frame_at(CAM, T0 + 400) is not None
    library.close()
    found = library.frame_at(CAM, T0 + 600)
    assert found is not None and number_of(found[0]) == 3


def test_records_without_clips_make_an_empty_library(tmp_path: Path) -> None:
    empty = ClipLibrary.from_events([], tmp_path)
    assert empty.cameras() == [] and empty.frame_at(CAM, T0) is None
    assert cv2.__version__  # OpenCV is what reads clips; it must be importable here
