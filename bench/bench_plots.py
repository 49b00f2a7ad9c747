"""Sensor plots: live curves while 500 sensors report once a second, and a 1,000,000-point
curve panned, both in the real sensors panel (offscreen), each at 30 frames/s or better."""

from __future__ import annotations

import math
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QApplication

from bench.common import Result, median, open_workstation, percentile
from core.city import load_city
from core.events import SensorReading
from core.local_backend import LocalBackend
from panels.sensors import SPEC
from panels.sensors.history import LoadedHistory
from panels.sensors.panel import SensorsPanel
from panels.sensors.plot import SensorPlotView

TARGET_FPS = 30.0
LIVE_SENSORS = 500
PLOTTED = 8
HISTORY_H = 6
SECONDS = 8.0
BIG = 1_000_000


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _fill_history(backend: LocalBackend, sensors: list[str], hours: int) -> None:
    """``hours`` of one reading a second for each of ``sensors``, ending now."""
    end = _now_ms()
    start = end - hours * 3_600_000
    batch = []
    for second in range(hours * 3600):
        ts = start + second * 1000
        for number, sensor_id in enumerate(sensors):
            value = 1.0 + number * 0.3 + 0.2 * math.sin(second / 600 + number)
            batch.append(SensorReading(sensor_id, round(value, 3)).to_new("bench", "s", ts))
        if len(batch) >= 20_000:
            backend.publish(batch)
            batch = []
    backend.publish(batch).result()


def _live(backend: LocalBackend, stop: threading.Event, sensors: list[str]) -> None:
    """Each sensor once a second, handed over every 100 ms as gateways would."""
    per_batch = len(sensors) // 10
    n, next_at = 0, time.perf_counter()
    while not stop.is_set():
        now = _now_ms()
        batch = [
            SensorReading(sensors[(n + i) % len(sensors)], 1.5 + 0.1 * ((n + i) % 7)).to_new(
                "bench", "s", now
            )
            for i in range(per_batch)
        ]
        n += per_batch
        backend.publish(batch)
        next_at += 0.1
        stop.wait(max(0.0, next_at - time.perf_counter()))


def _frames(app: QApplication, plot: SensorPlotView, step: Callable[[], None]) -> list[float]:
    """Frame times (ms) for SECONDS: events handled, the step, the curves drawn, painted."""
    times: list[float] = []
    until = time.perf_counter() + SECONDS
    while time.perf_counter() < until:
        start = time.perf_counter()
        app.processEvents()
        step()
        plot.redraw_now()
        plot.plot_widget.grab()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _wait(app: QApplication, condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    until = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > until:
            raise TimeoutError("the sensors panel did not get there in time")
        app.processEvents()
        time.sleep(0.005)


def _result(name: str, times: list[float], note: str) -> Result:
    fps = 1000.0 / median(times)
    p95 = percentile(times, 95)
    return Result(
        name,
        fps,
        "frames/s",
        f">= {TARGET_FPS:g}",
        fps >= TARGET_FPS and p95 <= 1000.0 / TARGET_FPS * 2,
        f"{note}; median frame {median(times):.1f} ms, p95 {p95:.1f} ms, {len(times)} frames",
    )


def run() -> list[Result]:
    """Measure both scenarios in one window."""
    city = load_city("full")
    # Eight kinds, one sensor each: eight live plots (a lane per kind), among the 500.
    first_of_kind: dict[object, str] = {}
    for sensor in city.sensors:
        first_of_kind.setdefault(sensor.kind, sensor.id)
    plotted = list(first_of_kind.values())[:PLOTTED]
    others = [s.id for s in city.sensors if s.id not in plotted]
    sensors = plotted + others[: LIVE_SENSORS - len(plotted)]
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        backend, context, window = open_workstation(Path(folder), city, [SPEC])
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        _fill_history(backend, plotted, HISTORY_H)
        panel = window.panels["sensors"]
        assert isinstance(panel, SensorsPanel)
        window.resize(1600, 700)
        context.store.start()
        window.show()
        _wait(app, lambda: context.store.is_loaded)

        panel.select_sensors(plotted)
        plot = panel.plot
        assert plot is not None
        _wait(app, lambda: all(plot.series[s].loaded for s in plotted))
        stop = threading.Event()
        feeder = threading.Thread(target=_live, args=(backend, stop, sensors), daemon=True)
        feeder.start()
        try:
            times = _frames(app, plot, lambda: None)
        finally:
            stop.set()
            feeder.join(timeout=5)
        points = sum(len(plot.series[s]) for s in plotted)
        assert len(plot.lanes) == PLOTTED, "one lane per kind"
        results.append(
            _result(
                "live plots",
                times,
                f"{PLOTTED} live plots (lanes of 8 kinds, {points:,} points), {LIVE_SENSORS} "
                "sensors at 1 Hz through the real log and store",
            )
        )

        # One curve of a million points: the bound per sensor raised for it.
        plot.max_points = BIG
        panel.table.clearSelection()
        plot.set_sensors(["SEN-BENCH-1M"])
        _wait(app, lambda: plot.series["SEN-BENCH-1M"].loaded)
        ts = time.time() - np.arange(BIG, 0, -1, dtype=np.float64) * 0.05
        values = (
            2.0 + np.sin(np.arange(BIG) / 5000.0) + np.random.default_rng(1).normal(0, 0.05, BIG)
        )
        ts[400_000:] += 600  # one pause of ten minutes: a break in the line
        plot.series["SEN-BENCH-1M"].load(LoadedHistory(ts, values, 1 << 60))
        plot.redraw_now()
        plot.set_follow(False)
        for label, span in (("whole curve in view", None), ("one hour in view", 3600.0)):
            left = float(ts[0]) if span is None else float(ts[-1]) - 6 * 3600
            width = float(ts[-1] - ts[0]) if span is None else span
            plot.view_box.setXRange(left, left + width, padding=0)
            step_s = width / 200

            def pan(step_s: float = step_s) -> None:
                plot.view_box.translateBy(x=step_s)

            times = _frames(app, plot, pan)
            results.append(_result(f"1M-point pan, {label}", times, "peak downsampling, clip"))
        window.close()
        context.store.stop()
        backend.close()
    return results
