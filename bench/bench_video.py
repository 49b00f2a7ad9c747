"""Video wall benchmarks: 16 tiles of 640x360 H.264 at 25 fps, and 64 tiles.

Targets (2 cores): every tile displays at least 24 fps, the whole process uses at most 1.3
cores, the GUI thread is at most 30 % busy, capture-to-paint latency at most 80 ms at the
95th percentile; with 64 tiles the window stays responsive (GUI frame at most 50 ms) thanks
to adaptive decoding. The decoder's own capacity is measured in the same run.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from bench.common import Result, percentile
from core.city import load_city
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from panels.video_wall.panel import VideoWallPanel
from panels.video_wall.services import RECORD_FPS
from panels.video_wall.tile import VideoTile
from ui.app import build_context, prepare_qt
from ui.settings import Settings

SECONDS = 8.0


def make_clip(path: Path) -> Path:
    """A 10 s, 640x360, 25 fps H.264 clip of a moving test picture (Debian's ffmpeg)."""
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=640x360:rate=25:duration=10",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "50",
            str(path),
        ],
        check=True,
    )
    return path


def decoder_capacity(clip: Path) -> float:
    """Frames per second one core decodes from the clip (OpenCV, no display)."""
    import cv2

    capture = cv2.VideoCapture(str(clip), cv2.CAP_FFMPEG)
    frames, start = 0, time.perf_counter()
    while True:
        ok, _ = capture.read()
        if not ok:
            break
        frames += 1
    capture.release()
    return frames / (time.perf_counter() - start)


def _run_wall(clip: Path, tiles: int) -> dict[str, Any]:
    prepare_qt()
    QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        backend = LocalBackend.open(Path(folder) / "v.db")
        settings = Settings(QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        settings.recording_dir = Path(folder) / "recordings"
        settings.mask_file = Path(folder) / "masks.json"
        context = build_context(backend, load_city("lite"), NoticeBoard(), settings, "en")
        wall = VideoWallPanel(context)
        wall.resize(1600, 900)
        wall.show()
        wall.set_layout_size(tiles)
        latencies: list[float] = []
        gui_busy = [0.0]
        original_paint = VideoTile.paintEvent

        def timed_paint(tile: VideoTile, event: Any) -> None:
            start = time.perf_counter()
            if tile.captured:
                latencies.append((time.monotonic() - tile.captured) * 1000)
                tile.captured = 0.0
            original_paint(tile, event)
            gui_busy[0] += time.perf_counter() - start

        VideoTile.paintEvent = timed_paint  # type: ignore[method-assign, assignment]
        original_take = VideoWallPanel._paint_frames

        def timed_take(panel: VideoWallPanel) -> None:
            start = time.perf_counter()
            original_take(panel)
            gui_busy[0] += time.perf_counter() - start

        VideoWallPanel._paint_frames = timed_take  # type: ignore[method-assign, assignment]
        for index in range(tiles):
            # One name per tile: each records on its own, as separate cameras do.
            copy = Path(folder) / f"camera-{index:02d}{clip.suffix}"
            copy.symlink_to(clip)
            wall.open_url(str(copy), index)
        # Warm up, then measure.
        loop = QEventLoop()
        QTimer.singleShot(2000, loop.quit)
        loop.exec()
        shown_before = [t.frames_shown for t in wall.tiles]
        latencies.clear()
        gui_busy[0] = 0.0
        gaps: list[float] = []
        last = [time.perf_counter()]

        def heartbeat() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000)
            last[0] = now

        beat = QTimer()
        beat.setInterval(10)
        beat.timeout.connect(heartbeat)
        beat.start()
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        QTimer.singleShot(int(SECONDS * 1000), loop.quit)
        loop.exec()
        cpu = (time.process_time() - cpu_start) / (time.perf_counter() - wall_start)
        beat.stop()
        recording = wall.services.ring.keys()
        fps = [
            (t.frames_shown - before) / SECONDS
            for t, before in zip(wall.tiles, shown_before, strict=True)
        ]
        VideoTile.paintEvent = original_paint  # type: ignore[method-assign]
        VideoWallPanel._paint_frames = original_take  # type: ignore[method-assign]
        for index in range(tiles):
            wall.close_camera(index)
        wall.close()
        backend.close()
    return {
        "min_fps": min(fps),
        "cpu_cores": cpu,
        "gui_busy": gui_busy[0] / SECONDS,
        "latency_p95": percentile(latencies, 95) if latencies else float("inf"),
        "gap_p99": percentile(gaps, 99) if gaps else float("inf"),
        "recording": len(recording),
    }


def run() -> list[Result]:
    """Both wall sizes and the decoder's capacity."""
    with tempfile.TemporaryDirectory() as folder:
        clip = make_clip(Path(folder) / "h264-640x360-25.mp4")
        capacity = decoder_capacity(clip)
        sixteen = _run_wall(clip, 16)
        sixty_four = _run_wall(clip, 64)
    note16 = (
        f"decoder capacity {capacity:,.0f} frames/s on one core; CPU "
        f"{sixteen['cpu_cores']:.2f} cores; GUI busy {sixteen['gui_busy'] * 100:.0f} %; "
        f"latency p95 {sixteen['latency_p95']:.0f} ms; every tile also recording "
        f"({sixteen['recording']} cameras in the ring) at {RECORD_FPS:g} frames/s"
    )
    return [
        Result(
            "16 tiles H.264 640x360 25 fps: slowest tile's displayed fps",
            sixteen["min_fps"],
            "fps",
            ">= 24 fps",
            sixteen["min_fps"] >= 24,
            note16,
        ),
        Result(
            "16 tiles: CPU of the whole process",
            sixteen["cpu_cores"],
            "cores",
            "<= 1.3 cores",
            sixteen["cpu_cores"] <= 1.3,
            note16,
        ),
        Result(
            "16 tiles: GUI thread busy (painting)",
            sixteen["gui_busy"] * 100,
            "%",
            "<= 30 %",
            sixteen["gui_busy"] <= 0.30,
            note16,
        ),
        Result(
            "16 tiles: capture-to-paint latency, 95th percentile",
            sixteen["latency_p95"],
            "ms",
            "<= 80 ms",
            sixteen["latency_p95"] <= 80,
            note16,
        ),
        Result(
            "64 tiles: GUI frame (10 ms heartbeat gap), 99th percentile",
            sixty_four["gap_p99"],
            "ms",
            "<= 50 ms",
            sixty_four["gap_p99"] <= 50,
            f"adaptive decoding: slowest tile {sixty_four['min_fps']:.1f} fps, CPU "
            f"{sixty_four['cpu_cores']:.2f} cores",
        ),
    ]
