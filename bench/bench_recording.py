"""Recording-ring benchmarks: what recording a frame costs, seeking in a full ring, a clip."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.common import Result, percentile
from core.video.clips import export_clip
from core.video.recording import RecordingRing
from core.video.sources import SyntheticCapture
from panels.video_wall.services import RECORD_FPS

START_MS = 1_767_225_600_000
MINUTES = 10
CAMERA = "CAM-BENCH-0001"


def run() -> list[Result]:
    """Ten minutes of one camera at the wall's recording rate, then seeks and a clip."""
    capture = SyntheticCapture(CAMERA, (640, 360))
    pictures = [capture.read()[1] for _ in range(50)]
    step_ms = round(1000 / RECORD_FPS)
    frames = int(MINUTES * 60 * RECORD_FPS)
    with tempfile.TemporaryDirectory() as folder:
        ring = RecordingRing(Path(folder), keep_s=MINUTES * 60, max_bytes=10**10)
        recorder = ring.recorder(CAMERA, fps=RECORD_FPS)
        costs = []
        for i in range(frames):
            start = time.perf_counter()
            recorder.offer(pictures[i % len(pictures)], START_MS + step_ms * i)
            costs.append((time.perf_counter() - start) * 1000)
        recorder.close()
        span = ring.span(CAMERA)
        assert span is not None
        usage_mb = ring.usage_bytes() / 1e6
        random.seed(1)
        seeks = []
        for _ in range(2000):
            target = random.randint(*span)
            start = time.perf_counter()
            frame = ring.frame_at(CAMERA, target)
            assert frame is not None
            frame.decode()
            seeks.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        clip = export_clip(
            ring,
            CAMERA,
            span[1] - 60_000,
            span[1],
            Path(folder) / "clips",
            camera_id=CAMERA,
            lat=37.5665,
            lon=126.978,
            incident_id="INC-BENCH",
        )
        clip_s = time.perf_counter() - start
        clip_mb = clip.path.stat().st_size / 1e6
    recorded = f"{frames:,} frames of 640x360 at {RECORD_FPS:g}/s, {usage_mb:.0f} MB on disk"
    return [
        Result(
            "recording: one 640x360 frame (JPEG + write), 99th percentile",
            percentile(costs, 99),
            "ms",
            "reference",
            True,
            f"{recorded}; median {percentile(costs, 50):.2f} ms; 16 cameras cost "
            f"{16 * RECORD_FPS * percentile(costs, 50) / 10:.1f} % of a core",
        ),
        Result(
            "recording: seek to any instant of a full 10-minute ring and decode, 99th pct",
            percentile(seeks, 99),
            "ms",
            "<= 50 ms",
            percentile(seeks, 99) <= 50,
            f"{recorded}; 2,000 random instants; what the scrub bar waits for",
        ),
        Result(
            "recording: export a 1-minute clip with burned-in facts",
            clip_s,
            "s",
            "<= 10 s",
            clip_s <= 10,
            f"{clip.frames} frames, {clip_mb:.1f} MB MJPEG AVI",
        ),
    ]
