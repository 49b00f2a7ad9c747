"""Screenshots of replay and of an offline review for the docs (``make screenshots``).

The fire with a blocked access road, played by the simulator and worked as an operator would
(``docs_screenshots.prepare_fire_drill_log``, not as a drill), with a bookmark and an
annotation; the cameras' last minutes are recorded into the ring from the synthetic streams,
stamped when they happened. The window then replays the fire 1 min 40 s after its report:
every panel at that instant, the wall from the recordings, the timeline below. The fire is
then exported as a bundle and opened with ``main.py review`` for the second picture.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from core.commands import MarkTimeline
from core.local_backend import LocalBackend
from core.video.recording import RecordingRing
from core.video.sources import SyntheticCapture
from panels import all_panels
from tools.docs_screenshots import (
    PROCEDURE_WINDOW,
    REPO,
    docs_context,
    prepare_fire_drill_log,
)
from ui.main_window import MainWindow

REPLAY_AFTER_REPORT_MS = 100_000  # the instant shown: 1 min 40 s after the fire's report


def prepare(path: Path) -> tuple[str, list[str], int]:
    """The worked fire, a bookmark and an annotation on it; (fire, cameras, report ms)."""
    fire, cameras = prepare_fire_drill_log(path, exercise=False)
    backend = LocalBackend.open(path)
    try:
        reported = backend.snapshot().result().incidents[fire].opened_ms
        marks = (
            MarkTimeline(reported + 38_000, "첫 화면 확인 (smoke on camera 1)", incident_id=fire),
            MarkTimeline(
                reported + 107_000,
                "진입로 차단 확인 후 119 전문이 늦었음 — the packet to 119 should have gone "
                "right after the answer.",
                annotation=True,
                incident_id=fire,
            ),
        )
        for mark in marks:
            backend.submit(mark, "operator:lee.supervisor").result()
    finally:
        backend.close()
    return fire, cameras, reported


def record(folder: Path, cameras: list[str], start_ms: int, end_ms: int) -> None:
    """Record the cameras' synthetic scenes into the ring as if the wall had shown them."""
    ring = RecordingRing(folder, keep_s=3600)
    for camera in cameras:
        capture = SyntheticCapture(camera)
        recorder = ring.recorder(camera)
        for wall_ms in range(start_ms, end_ms, 200):
            ok, image = capture.read()
            if ok:
                recorder.offer(image, wall_ms)
        recorder.close()
        capture.release()


def shoot_replay(path: Path, language: str, out: Path, fire: str, cameras: list[str]) -> None:
    """The whole window replaying the fire mid-incident."""
    with docs_context(path, language) as (app, context):
        # Recorded before the window is made: the wall finds the ring's segments when built.
        state = context.backend.snapshot().result()
        state_fire = state.incidents[fire]
        begin = state_fire.opened_ms - 30_000
        record(context.settings.recording_dir, cameras[:4], begin, state.last_ts)
        window = MainWindow(context, all_panels(), remember_layout=False)
        window.resize(*PROCEDURE_WINDOW)
        replay = context.replay
        assert replay is not None
        context.store.start()
        window.show()

        def start() -> None:
            if not (context.store.is_loaded and context.procedures.loaded):
                QTimer.singleShot(50, start)
                return
            context.selection.select_incident(fire, origin="docs")
            wall = window.panels["video_wall"]
            for index, camera in enumerate(cameras[:4]):
                wall.open_camera(camera, index)  # type: ignore[attr-defined]
            replay.enter(at_ms=state_fire.opened_ms + REPLAY_AFTER_REPORT_MS)
            QTimer.singleShot(500, arrange)

        def arrange() -> None:
            index = replay.index
            if index is None or not index.complete:
                QTimer.singleShot(100, arrange)
                return
            replay.seek(state_fire.opened_ms + REPLAY_AFTER_REPORT_MS)
            docks = window.docks
            horizontal = Qt.Orientation.Horizontal
            window.resizeDocks([docks["incidents"], docks["procedure"]], [720, 760], horizontal)
            QTimer.singleShot(3000, grab)  # the map flies, the tiles read their recordings

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            replay.leave()
            window.close()
            app.quit()

        window.panels["map"].camerasLoaded.connect(  # type: ignore[attr-defined]
            lambda _count: QTimer.singleShot(300, start)
        )
        app.exec()


def shoot_review(path: Path, fire: str, folder: Path, out: Path) -> None:
    """Export the fire and open the bundle for review; save the review window."""
    bundle = folder / f"{fire}.zip"
    main = str(REPO / "main.py")
    environment = {**os.environ, "XDG_DATA_HOME": str(folder / "data")}
    subprocess.run(
        [sys.executable, main, "export-incident", "--db", str(path), "--incident", fire,
         "--out", str(bundle), "--purpose", "after-action review", "--no-pdf"],
        check=True, env=environment,
    )  # fmt: skip
    subprocess.run(
        [sys.executable, main, "--language", "en", "review", str(bundle),
         "--screenshot", str(out), "--quit-after", "10"],
        check=True, env=environment,
    )  # fmt: skip


def main(out_folder: Path, scratch: Path) -> list[Path]:
    """Make replay.png and review.png in ``out_folder``; return their paths."""
    log = scratch / "replay.db"
    fire, cameras, _reported = prepare(log)
    replay_png = out_folder / "replay.png"
    shoot_replay(log, "en", replay_png, fire, cameras)
    review_png = out_folder / "review.png"
    shoot_review(log, fire, scratch, review_png)
    return [replay_png, review_png]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch_folder:
        for saved in main(REPO / "docs" / "screenshots", Path(scratch_folder)):
            print(f"saved {saved}")
