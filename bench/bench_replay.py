"""Replay and incident bundles: seeking in a 24-hour log of 1,000,000 events, playback at
64× in the real window, exporting a 2-hour incident with 10 clips, verifying the bundle."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from bench.common import Result, heartbeat_gaps, median, percentile
from core.city import load_city
from core.clock import SystemClock
from core.local_backend import LocalBackend
from core.replay import ReplaySession
from core.simulator import Simulator, SimulatorConfig

DAY_MS = 24 * 3_600_000
EVENTS = 1_000_000
SEEK_TARGET_MS = 200.0
FRAME_TARGET_MS = 50.0
EXPORT_TARGET_S = 10.0
VERIFY_TARGET_S = 2.0
SEEKS = 200


def build_day_log(path: Path, events: int = EVENTS) -> int:
    """A day of the simulated city, ending now: scenarios every half hour, minor incidents
    every five minutes, and readings, ``events`` in all (about 11.6 a second)."""
    backend = LocalBackend.open(path)
    sim = Simulator(
        load_city("lite"),
        backend,
        SimulatorConfig(seed=42, rate=events / 86_400, scenario_every_s=1800, minor_every_s=300),
        virtual_start_ms=SystemClock().now_ms() - DAY_MS,
    )
    while sim.events < events:
        sim.advance_to(int(sim.info().sim_seconds * 1000) + 60_000)
    backend.close()
    return sim.events


def seek(path: Path) -> list[Result]:
    """Index the day once, then seek to random instants; a few seeks before the index too."""
    session = ReplaySession(path)
    rng = random.Random(8)
    cold: list[float] = []
    for _ in range(5):
        at = rng.randint(session.start_ms, session.end_ms)
        start = time.perf_counter()
        session.state_at(at)
        cold.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    session.build_index()
    indexing = time.perf_counter() - start
    times: list[float] = []
    for _ in range(SEEKS):
        at = rng.randint(session.start_ms, session.end_ms)
        start = time.perf_counter()
        state = session.state_at(at)
        times.append((time.perf_counter() - start) * 1000)
        assert state.last_ts <= at
    index = session.index
    spans = (session.end_ms - session.start_ms) / 3_600_000
    session.close()
    p99 = percentile(times, 99)
    return [
        Result(
            f"seek to a random instant of a {spans:.0f}-hour log of {EVENTS:,} events, 99th "
            "percentile",
            p99,
            "ms",
            f"<= {SEEK_TARGET_MS:.0f} ms",
            p99 <= SEEK_TARGET_MS,
            f"{SEEKS} seeks; median {median(times):.1f} ms, max {max(times):.1f} ms; state "
            f"rebuilt from the nearest of {index.checkpoint_count} checkpoints "
            f"({index.checkpoint_bytes / 1e6:.1f} MB) plus the events after it",
        ),
        Result(
            "replay index of that log, once per replay (reference, no target)",
            indexing,
            "s",
            "reference",
            True,
            f"one pass folding every event on a worker; seeks before it is done take "
            f"{median(cold):.0f} ms (median of 5, from the log's own snapshots)",
        ),
    ]


PLAY_SECONDS = 20.0
HEARTBEAT_MS = 10
WINDOW_SEEKS = 30


def _wait(app: object, condition: object, timeout_s: float = 120.0) -> None:
    until = time.perf_counter() + timeout_s
    while not condition():  # type: ignore[operator]
        if time.perf_counter() > until:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.002)


def in_the_window(folder: Path) -> list[Result]:
    """The real window (offscreen, 1600x900) over the day's log: seeks from the timeline to
    every panel redrawn, then playback at 64× with a 10 ms GUI heartbeat."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from bench.common import open_workstation

    backend, context, window = open_workstation(folder, load_city("lite"))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window.resize(1600, 900)
    context.store.start()
    window.show()
    _wait(app, lambda: context.store.is_loaded)
    controller = context.replay
    assert controller is not None
    controller.enter()
    _wait(app, lambda: controller.index is not None and controller.index.complete)
    start_ms, end_ms = controller.window
    rng = random.Random(3)
    seeks: list[float] = []
    for _ in range(WINDOW_SEEKS):
        at = rng.randint(start_ms, end_ms)
        began = time.perf_counter()
        controller.seek(at)
        _wait(app, lambda at=at: context.view.now_ms() == at and context.view.state.last_ts <= at)
        app.processEvents()
        window.grab()  # every panel painted for the new instant
        seeks.append((time.perf_counter() - began) * 1000)

    controller.seek(start_ms + 3_600_000)
    _wait(app, lambda: context.view.now_ms() == start_ms + 3_600_000)
    controller.set_speed(64)
    controller.play()
    played_from = context.view.now_ms()
    folded_from = context.view.state.last_seq
    reached: list[tuple[int, int]] = []

    def note_reached() -> None:
        # Just before the end: quitting the event loop leaves replay (aboutToQuit).
        reached.append((context.view.now_ms(), context.view.state.last_seq))

    QTimer.singleShot(round(PLAY_SECONDS * 1000) - 50, note_reached)
    frame = heartbeat_gaps(app, PLAY_SECONDS, HEARTBEAT_MS)
    log_seconds = (reached[0][0] - played_from) / 1000
    folded = reached[0][1] - folded_from
    controller.leave()
    window.close()
    context.store.stop()
    backend.close()
    p99 = percentile(frame, 99)
    seek_p99 = percentile(seeks, 99)
    return [
        Result(
            "playback at 64× in the real window: GUI frame (10 ms heartbeat gap), 99th percentile",
            p99,
            "ms",
            f"<= {FRAME_TARGET_MS:.0f} ms",
            p99 <= FRAME_TARGET_MS,
            f"{len(frame)} beats over {PLAY_SECONDS:.0f} s; median {median(frame):.1f} ms, max "
            f"{max(frame):.1f} ms; {log_seconds / 60:.1f} minutes of the log played "
            f"({log_seconds / PLAY_SECONDS:.0f}× real time), {folded:,} events folded into "
            "every panel",
        ),
        Result(
            "seek in the real window, to every panel painted, 99th percentile (reference, no "
            "target)",
            seek_p99,
            "ms",
            "reference",
            True,
            f"{WINDOW_SEEKS} seeks; median {median(seeks):.1f} ms: the state at the instant "
            "on a worker, then the queue, detail, map, sensors, procedure, outbox and wall "
            "rebuilt from it and the window grabbed",
        ),
    ]


def _clip(path: Path, seconds: int, seed: int) -> int:
    """A 640x360 MJPEG AVI at 5 frames/s of a moving noisy scene (JPEGs of camera size)."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    # Smoothed noise: JPEGs of about the size a street camera's frames have (30-60 kB).
    base = cv2.GaussianBlur(rng.integers(0, 255, (360, 640, 3), dtype=np.uint8), (0, 0), 2)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 5.0, (640, 360))
    frames = seconds * 5
    for i in range(frames):
        frame = np.roll(base, i * 4, axis=1)
        cv2.putText(frame, f"{seed}-{i}", (20, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255))
        writer.write(frame)
    writer.release()
    return frames


def build_two_hour_incident(folder: Path, clips: int = 10) -> tuple[Path, Path, str]:
    """A log with a fire that lasted two hours: its lifecycle, notes every ten minutes, five
    linked sensors reporting every 5 s and 100 others every 10 s, and ``clips`` one-minute
    clips saved as evidence. Returns (log, evidence folder, incident id)."""
    import hashlib

    from core.commands import (
        Acknowledge,
        AddNote,
        Assign,
        MarkDispatched,
        ReportIncident,
        Resolve,
        StartWork,
    )
    from core.events import EvidenceCaptured, SensorReading

    city = load_city("lite")
    start = SystemClock().now_ms() - 3 * 3_600_000
    end = start + 2 * 3_600_000
    district = city.districts[0]
    lat, lon = district.centroid
    linked = [s.id for s in city.sensors[:5]]
    others = [s.id for s in city.sensors[5:105]]
    cameras = [c.id for c in city.cameras[:clips]]
    evidence = folder / "evidence"
    evidence.mkdir()
    backend = LocalBackend.open(folder / "export.db")
    (report,) = backend.submit(
        ReportIncident(
            "F-FIRE", lat, lon, district.code, 1, cameras=tuple(cameras), sensors=tuple(linked)
        ),
        "agency:119",
        start,
    ).result()
    incident = str(report.subject)
    steps = [
        (30_000, Acknowledge(incident)),
        (60_000, Assign(incident, assignee="operator:kim")),
        (90_000, StartWork(incident)),
        (300_000, MarkDispatched(incident, agencies=("119",))),
    ]
    steps += [(m * 60_000, AddNote(incident, comment=f"note {m}")) for m in range(10, 120, 10)]
    steps.append((2 * 3_600_000, Resolve(incident)))
    pending = dict(steps)
    for t in range(start, end + 1, 5_000):
        batch = [
            SensorReading(s, 20.0 + (t // 5_000) % 30).to_new("bench", "sensor", t) for s in linked
        ]
        if (t - start) % 10_000 == 0:
            batch += [SensorReading(s, 1.0).to_new("bench", "sensor", t) for s in others]
        backend.publish(batch)
        command = pending.pop(t - start, None)
        if command is not None:
            backend.submit(command, "operator:kim", t)
    for number, camera in enumerate(cameras):
        path = evidence / f"clip-{number:02d}.avi"
        frames = _clip(path, 60, number)
        taken = start + 600_000 * (number + 1)
        captured = EvidenceCaptured(
            incident,
            camera,
            "clip",
            str(path),
            hashlib.sha256(path.read_bytes()).hexdigest(),
            taken,
            taken + 60_000,
            frames=frames,
        )
        backend.publish([captured.to_new("bench", "operator:kim", taken)])
    backend.snapshot().result()
    backend.close()
    return folder / "export.db", evidence, incident


def export_and_verify(folder: Path) -> list[Result]:
    """Export the two-hour incident with its ten clips (PDF included), then verify it."""
    from core.bundle.export import export_incident
    from core.bundle.verify import check_bundle
    from ui.bundle_pdf import pdf_writer

    db, evidence, incident = build_two_hour_incident(folder)
    printer = pdf_writer()
    out = folder / "bundle.zip"
    start = time.perf_counter()
    result = export_incident(
        db,
        incident,
        out,
        evidence_dir=evidence,
        pdf=printer,
        purpose="benchmark",
        created_by="operator:bench",
    )
    exported = time.perf_counter() - start
    start = time.perf_counter()
    check = check_bundle(out)
    verified = time.perf_counter() - start
    assert check.ok and not result.missing, (check.problems, result.missing)
    size = f"{result.bytes / 1e6:.0f} MB"
    return [
        Result(
            "export of a 2-hour incident with 10 clips",
            exported,
            "s",
            f"<= {EXPORT_TARGET_S:.0f} s",
            exported <= EXPORT_TARGET_S,
            f"{result.events:,} events (lifecycle, notes, 5 linked sensors every 5 s), 10 "
            f"one-minute 640x360 clips, the after-action report as HTML and PDF: {size}, "
            f"{result.files} files",
        ),
        Result(
            "verification of that bundle",
            verified,
            "s",
            f"<= {VERIFY_TARGET_S:.0f} s",
            verified <= VERIFY_TARGET_S,
            f"every file's SHA-256 and size, every event's hash recomputed and its chain "
            f"links, the manifest; {size}",
        ),
    ]


def run() -> list[Result]:
    """Every replay and bundle benchmark."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        build_day_log(path)
        results += seek(path)
        results += in_the_window(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        results += export_and_verify(Path(folder))
    return results
