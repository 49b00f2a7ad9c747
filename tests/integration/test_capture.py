"""Capture workers against real servers: frames arrive, stalls show, streams recover."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.video.capture import CaptureWorker, StreamState, probe
from core.video.sources import redact_text, redact_url
from tests.video_servers import MjpegServer, wait_for


@pytest.fixture
def server() -> Iterator[MjpegServer]:
    mjpeg = MjpegServer().start()
    yield mjpeg
    mjpeg.stop()


def test_frames_arrive_scaled_to_the_tile(server: MjpegServer) -> None:
    worker = CaptureWorker(server.url, size=(160, 90))
    worker.start()
    try:
        wait_for(lambda: worker.stats().frames >= 10)
        frame = worker.slot.take()
        assert frame is not None and frame.image.shape == (90, 160, 4)
        stats = worker.stats()
        assert stats.state is StreamState.LIVE and (stats.width, stats.height) == (320, 180)
        assert stats.first_frame_ms is not None and stats.first_frame_ms < 5000
    finally:
        assert worker.stop()


def test_a_server_that_goes_away_is_stalled_within_3_s_and_recovers(server: MjpegServer) -> None:
    worker = CaptureWorker(server.url, stall_after_s=2.0, read_timeout_s=2.0)
    worker.start()
    try:
        wait_for(lambda: worker.stats().state is StreamState.LIVE)
        server.stop()
        took = wait_for(lambda: worker.stats().state is not StreamState.LIVE, timeout=5)
        assert took <= 3.0
        server.start()
        wait_for(lambda: worker.stats().state is StreamState.LIVE, timeout=20)
        stats = worker.stats()
        assert stats.reconnects >= 1 and stats.stalls >= 1
    finally:
        assert worker.stop()


def test_bad_sources_show_the_reason_and_leak_nothing(tmp_path: Path) -> None:
    refused = CaptureWorker("http://127.0.0.1:9/none.mjpg", open_timeout_s=2)
    silent_server = MjpegServer(mode="silent").start()
    garbage_server = MjpegServer(mode="garbage").start()
    corrupt = tmp_path / "broken.mp4"
    corrupt.write_bytes(b"\x00" * 4096)
    workers = [
        refused,
        CaptureWorker(silent_server.url, open_timeout_s=2, read_timeout_s=2),
        CaptureWorker(garbage_server.url, open_timeout_s=2, read_timeout_s=2),
        CaptureWorker(str(corrupt)),
    ]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            wait_for(lambda w=worker: w.stats().error is not None, timeout=15)
            assert worker.stats().state in (
                StreamState.OFFLINE,
                StreamState.RECONNECTING,
                StreamState.CONNECTING,
            )
            assert worker.stats().frames == 0
        assert "cannot open" in refused.stats().error
    finally:
        for worker in workers:
            assert worker.stop()
        silent_server.stop()
        garbage_server.stop()


def test_passwords_never_show() -> None:
    url = "rtsp://admin:s3cret@10.0.0.5:554/stream1"
    assert redact_url(url) == "rtsp://admin:***@10.0.0.5:554/stream1"
    assert "s3cret" not in redact_text(f"cannot open {url}: 401")
    worker = CaptureWorker(url)
    assert "s3cret" not in worker.display_url


def test_video_files_loop_and_synthetic_cameras_play(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    clip = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 50, (160, 120))
    for i in range(10):
        writer.write(np.full((120, 160, 3), i * 20, np.uint8))
    writer.release()
    stats = probe(str(clip), 0.6)
    assert stats.frames > 10 and stats.error is None  # 10 frames at 50 fps, looped
    synthetic = probe("synthetic://CAM-11230-00001", 0.5)
    assert synthetic.frames >= 8 and (synthetic.width, synthetic.height) == (640, 360)


def test_probe_stream_command(server: MjpegServer) -> None:
    import json

    from tests.cli import cityroom

    result = cityroom("probe-stream", server.url, "--seconds", "1.5", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["state"] == "live" and stats["frames"] >= 10
    assert (stats["width"], stats["height"]) == (320, 180)
    assert set(stats) >= {"fps", "first_frame_ms", "stalls", "reconnects", "error"}
    refused = cityroom(
        "probe-stream", "http://ops:hunter2@127.0.0.1:9/x", "--seconds", "1", "--json"
    )
    assert refused.returncode == 1
    assert "hunter2" not in refused.stdout + refused.stderr
    assert json.loads(refused.stdout)["error"].startswith("cannot open http://ops:***@")


@pytest.fixture
def rtsp() -> Iterator[Any]:
    import os

    from tests.video_servers import RtspServer

    if not os.path.exists(RtspServer.SYSTEM_PYTHON):
        pytest.skip("no system Python for gst-rtsp-server on this platform")
    server = RtspServer().start()
    yield server
    server.stop()


def test_a_real_rtsp_stream_plays_stalls_and_recovers(rtsp: Any) -> None:
    worker = CaptureWorker(rtsp.url, stall_after_s=2.0, read_timeout_s=2.0)
    worker.start()
    try:
        wait_for(lambda: worker.stats().frames >= 10, timeout=20)
        stats = worker.stats()
        assert stats.state is StreamState.LIVE and (stats.width, stats.height) == (320, 180)
        rtsp.stop()
        took = wait_for(lambda: worker.stats().state is not StreamState.LIVE, timeout=6)
        assert took <= 3.0
        rtsp.start()
        wait_for(lambda: worker.stats().state is StreamState.LIVE, timeout=30)
        assert worker.stats().reconnects >= 1
    finally:
        assert worker.stop()


def test_a_stream_that_changes_resolution_keeps_playing() -> None:
    server = MjpegServer(mode="resize").start()
    worker = CaptureWorker(server.url, size=(160, 90))
    worker.start()
    try:
        wait_for(lambda: worker.stats().frames >= 5)
        # The server doubles the picture at its 25th frame; playing on well past it shows the
        # change neither stops the stream nor reaches the tile (FFmpeg rescales for OpenCV).
        wait_for(lambda: worker.stats().frames >= 60, timeout=15)
        assert worker.stats().reconnects == 0 and worker.stats().error is None
        frame = worker.slot.take()
        assert frame is not None and frame.image.shape == (90, 160, 4)  # still the tile's size
        assert worker.stats().state is StreamState.LIVE
    finally:
        assert worker.stop()
        server.stop()
