"""The recording ring: rate, segments, limits, restarts, crashes, damaged files, disk errors."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.video.recording import INDEX_RECORD, RecordingRing, storage_key

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC
CAM = "CCTV-0001"


def picture(n: int, size: tuple[int, int] = (96, 64)) -> np.ndarray:
    """A gradient whose blue channel is 5 * n everywhere, with n written on it."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    image = np.dstack(
        [np.full((height, width), 5 * n), xx * 255 // width, yy * 255 // height]
    ).astype(np.uint8)
    cv2.putText(image, str(n), (4, height - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (5 * n, 0, 0), 2)
    return image


def number_of(image: np.ndarray) -> int:
    """The n of a decoded picture(n)."""
    return round(float(image[..., 0].mean()) / 5)


def record(ring: RecordingRing, key: str, times: list[int], *, fps: float = 5.0) -> list[bool]:
    """Offer picture(i) at times[i] to a fresh recorder, then close it."""
    recorder = ring.recorder(key, fps=fps)
    recorded = [recorder.offer(picture(i % 50), t) for i, t in enumerate(times)]
    recorder.close()
    return recorded


def every(step_ms: int, duration_ms: int, start: int = T0) -> list[int]:
    return list(range(start, start + duration_ms, step_ms))


def disk_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def segment_names(root: Path, key: str) -> list[int]:
    return sorted(int(path.stem) for path in (root / key).glob("*.mjpeg"))


@pytest.fixture
def ring(tmp_path: Path) -> RecordingRing:
    return RecordingRing(tmp_path / "ring", keep_s=600, max_bytes=10**8, segment_s=10)


# -- rate and segments ------------------------------------------------------------------------


def test_records_at_most_fps_of_a_faster_stream(ring: RecordingRing) -> None:
    recorded = record(ring, CAM, every(40, 2000))  # 25 fps for 2 s
    assert sum(recorded) == 10
    assert recorded[:6] == [True, False, False, False, False, True]
    assert ring.timestamps(CAM, T0, T0 + 10_000) == every(200, 2000)


def test_late_frames_do_not_lower_the_rate(ring: RecordingRing) -> None:
    # A 7 fps camera rarely lands on the 200 ms grid; recording must still average 5 a second
    # (waiting a full 200 ms after each late frame would keep only every other frame).
    times = [T0 + round(i * 1000 / 7) for i in range(70)]
    assert sum(record(ring, CAM, times)) == 50


def test_a_gap_in_the_stream_restarts_the_schedule(ring: RecordingRing) -> None:
    times = [*every(200, 1000), *every(200, 1000, T0 + 60_000)]
    assert all(record(ring, CAM, times))


def test_rotates_to_a_new_segment_every_segment_s(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8, segment_s=1)
    record(ring, CAM, every(200, 3500))
    assert segment_names(tmp_path, CAM) == [T0, T0 + 1000, T0 + 2000, T0 + 3000]
    assert len(list(ring.frames(CAM, T0, T0 + 1999))) == 10
    assert ring.span(CAM) == (T0, T0 + 3400)


def test_wide_frames_are_scaled_to_1280(ring: RecordingRing) -> None:
    recorder = ring.recorder(CAM)
    assert recorder.offer(np.zeros((1080, 1920, 3), np.uint8), T0)
    recorder.close()
    frame = ring.frame_at(CAM, T0)
    assert frame is not None
    assert frame.decode().shape == (720, 1280, 3)


def test_a_wall_clock_set_back_keeps_recording(ring: RecordingRing) -> None:
    recorder = ring.recorder(CAM)
    assert recorder.offer(picture(1), T0 + 3_600_000)
    assert not recorder.offer(picture(2), T0 + 3_600_000 - 100)  # jitter: skipped
    assert recorder.offer(picture(3), T0)  # an hour back: a new segment
    assert recorder.offer(picture(4), T0 + 200)
    recorder.close()
    assert ring.timestamps(CAM, T0, T0 + 1000) == [T0, T0 + 200]


def test_the_same_camera_shares_one_recorder_until_the_last_close(ring: RecordingRing) -> None:
    first = ring.recorder(CAM)
    second = ring.recorder(CAM)
    assert first is second
    first.close()
    assert second.offer(picture(1), T0)
    second.close()
    assert not second.offer(picture(2), T0 + 1000)
    third = ring.recorder(CAM)
    assert third is not first
    assert third.offer(picture(3), T0 + 2000)
    third.close()


# -- reading ---------------------------------------------------------------------------------


def test_frame_at_returns_the_latest_frame_at_or_before(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8, segment_s=1)
    record(ring, CAM, every(200, 5000))  # picture(i) at T0 + 200 i, segments of 5 frames

    def number_at(wall_ms: int) -> int | None:
        frame = ring.frame_at(CAM, wall_ms)
        return None if frame is None else number_of(frame.decode())

    assert number_at(T0 - 1) is None
    assert number_at(T0) == 0
    assert number_at(T0 + 199) == 0
    assert number_at(T0 + 200) == 1
    assert number_at(T0 + 999) == 4  # last frame of the first segment
    assert number_at(T0 + 1000) == 5  # first frame of the second
    assert number_at(T0 + 1001) == 5
    assert number_at(T0 + 4800) == 24
    assert number_at(T0 + 86_400_000) == 24
    frame = ring.frame_at(CAM, T0 + 1150)
    assert frame is not None and frame.wall_ms == T0 + 1000


def test_frames_are_in_time_order_with_both_ends_included(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8, segment_s=1)
    record(ring, CAM, every(200, 5000))
    frames = list(ring.frames(CAM, T0 + 800, T0 + 2200))
    assert [f.wall_ms for f in frames] == every(200, 1600, T0 + 800)
    assert [number_of(f.decode()) for f in frames] == list(range(4, 12))
    assert list(ring.frames(CAM, T0 + 10_000, T0 + 20_000)) == []
    assert list(ring.frames("CCTV-9999", T0, T0 + 5000)) == []


def test_url_keys_are_hashed_stable_and_free_of_passwords(ring: RecordingRing) -> None:
    url = "rtsp://admin:s3cret@10.0.0.7:554/stream1"
    key = storage_key(url)
    assert key == storage_key(url)
    assert key != storage_key("rtsp://admin:s3cret@10.0.0.8:554/stream1")
    assert storage_key("CCTV-0001") == "CCTV-0001"
    assert storage_key("../etc") != "../etc"
    record(ring, url, every(200, 1000))
    assert ring.keys() == [key]
    assert ring.span(url) == ring.span(key) == (T0, T0 + 800)
    for path in ring.root.rglob("*"):
        assert "s3cret" not in str(path)
        assert not path.is_file() or b"s3cret" not in path.read_bytes()


# -- limits ----------------------------------------------------------------------------------


def test_segments_older_than_keep_s_are_removed(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, keep_s=2, max_bytes=10**8, segment_s=1)
    record(ring, CAM, every(200, 5000))
    # The segment started at T0 + 4000 pruned everything that ended before T0 + 2000.
    assert segment_names(tmp_path, CAM) == [T0 + 2000, T0 + 3000, T0 + 4000]
    assert ring.span(CAM) == (T0 + 2000, T0 + 4800)
    assert ring.frame_at(CAM, T0 + 1500) is None
    removed = ring.prune(now_ms=T0 + 60_000)
    assert removed > 0
    assert ring.usage_bytes() == 0 == disk_bytes(tmp_path)
    assert ring.keys() == []


def test_the_segment_being_written_is_never_pruned(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, keep_s=1, max_bytes=1, segment_s=10)
    recorder = ring.recorder(CAM)
    assert recorder.offer(picture(1), T0)
    assert ring.prune(now_ms=T0 + 3_600_000) == 0
    assert ring.frame_at(CAM, T0) is not None
    recorder.close()
    assert ring.prune(now_ms=T0 + 3_600_000) > 0


def test_bytes_limit_removes_the_oldest_segments_of_all_cameras(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, keep_s=3600, max_bytes=10**8, segment_s=1)
    a, b = ring.recorder("CAM-A"), ring.recorder("CAM-B")
    same = picture(7)  # equal frames, equal segment sizes
    for t in every(100, 5000):
        a.offer(same, t)
        b.offer(same, t + 500)
    a.close()
    b.close()
    segment_size = ring.usage_bytes() // 10
    assert ring.usage_bytes() == 10 * segment_size == disk_bytes(tmp_path)
    ring.max_bytes = 3 * segment_size + segment_size // 2
    removed = ring.prune(now_ms=T0 + 6000)
    assert removed == 7 * segment_size
    assert segment_names(tmp_path, "CAM-A") == [T0 + 4000]
    assert segment_names(tmp_path, "CAM-B") == [T0 + 3500, T0 + 4500]
    assert ring.usage_bytes() == 3 * segment_size == disk_bytes(tmp_path)


def test_recording_prunes_to_the_byte_limit_as_it_goes(tmp_path: Path) -> None:
    probe = RecordingRing(tmp_path / "probe", max_bytes=10**8, segment_s=1)
    probe_recorder = probe.recorder(CAM)
    for t in every(200, 1000):
        probe_recorder.offer(picture(0), t)
    probe_recorder.close()
    segment_size = probe.usage_bytes()
    ring = RecordingRing(tmp_path / "ring", max_bytes=4 * segment_size, segment_s=1)
    recorder = ring.recorder(CAM)
    for t in every(200, 20_000):
        recorder.offer(picture(0), t)
        # Only the segment being written may stand above the limit.
        assert ring.usage_bytes() <= 5 * segment_size
    recorder.close()
    assert ring.span(CAM) == (T0 + 15_000, T0 + 19_800)


def test_default_byte_limit_is_bounded(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path)
    assert 0 < ring.max_bytes <= 2 * 1024**3
    assert ring.max_bytes <= shutil.disk_usage(tmp_path).free


# -- restarts, crashes and damage ------------------------------------------------------------


def test_a_new_ring_finds_the_segments_of_the_last_run(tmp_path: Path) -> None:
    first = RecordingRing(tmp_path, keep_s=60, max_bytes=10**8, segment_s=1)
    record(first, CAM, every(200, 3000))
    record(first, "CAM-B", every(200, 1000))
    again = RecordingRing(tmp_path, keep_s=60, max_bytes=10**8, segment_s=1)
    assert again.keys() == ["CAM-B", CAM]
    assert again.usage_bytes() == first.usage_bytes() == disk_bytes(tmp_path)
    assert again.span(CAM) == (T0, T0 + 2800)
    frame = again.frame_at(CAM, T0 + 2100)
    assert frame is not None and number_of(frame.decode()) == 10
    record(again, CAM, every(200, 1000, T0 + 10_000))
    assert again.span(CAM) == (T0, T0 + 10_800)
    # The old run's segments age out like any other.
    again.prune(now_ms=T0 + 63_000)
    assert again.span(CAM) == (T0 + 10_000, T0 + 10_800)
    remaining = again.keys()
    assert remaining == [CAM]


def test_a_data_file_cut_mid_frame_reads_up_to_the_last_whole_frame(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8)
    record(ring, CAM, every(200, 2000))
    data = tmp_path / CAM / f"{T0}.mjpeg"
    index = (tmp_path / CAM / f"{T0}.idx").read_bytes()
    _, offset, length = INDEX_RECORD.unpack_from(index, 9 * INDEX_RECORD.size)
    with data.open("r+b") as handle:
        handle.truncate(offset + length // 2)  # killed while writing frame 9
    with (tmp_path / CAM / f"{T0}.idx").open("ab") as handle:
        handle.write(b"\x01\x02\x03")  # and half an index record
    for reader in (ring, RecordingRing(tmp_path, max_bytes=10**8)):
        frames = list(reader.frames(CAM, T0, T0 + 2000))
        assert [number_of(f.decode()) for f in frames] == list(range(9))
        last = reader.frame_at(CAM, T0 + 1900)
        assert last is not None and last.wall_ms == T0 + 1600
    assert RecordingRing(tmp_path, max_bytes=10**8).span(CAM) == (T0, T0 + 1600)


def test_garbage_files_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8)
    record(ring, CAM, every(200, 1000))
    rng = np.random.default_rng(1)
    junk = tmp_path / "CAM-JUNK"
    junk.mkdir()
    (junk / f"{T0}.mjpeg").write_bytes(rng.bytes(5000))
    (junk / f"{T0}.idx").write_bytes(rng.bytes(200))
    # An index record that fits in the data file but points at something not a JPEG.
    (junk / f"{T0 + 5000}.mjpeg").write_bytes(b"not a picture at all")
    (junk / f"{T0 + 5000}.idx").write_bytes(INDEX_RECORD.pack(T0 + 5000, 0, 10))
    (junk / "notes.mjpeg").write_bytes(b"hello")
    (tmp_path / "README").write_text("not a camera")
    (tmp_path / "bad name!").mkdir()
    with caplog.at_level(logging.WARNING, logger="cityroom.video.recording"):
        again = RecordingRing(tmp_path, max_bytes=10**8)
        assert again.keys() == ["CAM-JUNK", CAM]
        assert again.frame_at("CAM-JUNK", T0 + 4000) is None
        assert again.frame_at("CAM-JUNK", T0 + 6000) is None
        assert list(again.frames("CAM-JUNK", T0, T0 + 10_000)) == []
        assert len(list(again.frames(CAM, T0, T0 + 1000))) == 5
    warned = caplog.text
    assert "notes.mjpeg" in warned
    assert "bad name!" in warned
    assert f"{T0 + 5000}.mjpeg" in warned
    # Junk counts towards the limits and ages out with everything else.
    again.prune(now_ms=T0 + 3_600_000)
    assert not list(junk.glob("1*"))


def test_a_segment_removed_while_read_ends_the_reading(tmp_path: Path) -> None:
    ring = RecordingRing(tmp_path, max_bytes=10**8, segment_s=1)
    record(ring, CAM, every(200, 3000))
    frames = ring.frames(CAM, T0, T0 + 3000)
    assert next(frames).wall_ms == T0
    shutil.rmtree(tmp_path / CAM)
    rest = list(frames)  # the open first segment may still be read; then it stops
    assert len(rest) <= 4
    assert ring.frame_at(CAM, T0 + 2500) is None
    assert ring.timestamps(CAM, T0, T0 + 3000) == []


# -- disk errors -----------------------------------------------------------------------------


def test_an_unwritable_folder_is_reported_not_raised(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the recording folder's parent should be")
    ring = RecordingRing(blocker / "ring", max_bytes=10**8, segment_s=1)
    recorder = ring.recorder(CAM)
    assert not recorder.offer(picture(1), T0)
    assert recorder.error is not None
    assert str(blocker / "ring" / CAM) in recorder.error
    assert "retries with the next segment" in recorder.error
    assert not recorder.offer(picture(2), T0 + 500)  # no retry within the segment
    blocker.unlink()  # the operator fixes it
    assert recorder.offer(picture(3), T0 + 1000)
    assert recorder.error is None
    recorder.close()
    assert ring.timestamps(CAM, T0, T0 + 2000) == [T0 + 1000]


def test_a_recording_folder_replaced_by_a_file_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "ring"
    ring = RecordingRing(root, max_bytes=10**8, segment_s=1)
    recorder = ring.recorder(CAM)
    assert recorder.offer(picture(1), T0)
    shutil.rmtree(root)
    root.write_text("oops")
    assert not recorder.offer(picture(2), T0 + 1000)  # the next segment cannot be made
    assert recorder.error is not None and str(root / CAM) in recorder.error
    recorder.close()


def test_writers_and_readers_on_many_threads(ring: RecordingRing) -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def write(key: str) -> None:
        try:
            record(ring, key, every(200, 20_000))
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            while not done.is_set():
                keys = ring.keys()
                for key in keys:
                    ring.frame_at(key, T0 + 10_000)
                    ring.span(key)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(f"CAM-{i}",)) for i in range(4)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    assert all(len(ring.timestamps(f"CAM-{i}", T0, T0 + 20_000)) == 100 for i in range(4))
    assert ring.usage_bytes() == disk_bytes(ring.root)
