"""Alarm to screen: a critical incident, appended while 1,000 background events/s flow, must
appear as a row in the incident queue within 100 ms at the 99th percentile."""

from __future__ import annotations

import itertools
import random
import tempfile
import threading
import time
from pathlib import Path

from PySide6.QtCore import QModelIndex, QTimer
from PySide6.QtWidgets import QApplication

from bench.common import Result, median, open_workstation, percentile
from core.city import load_city
from core.commands import ReportIncident
from core.events import SensorReading
from core.local_backend import LocalBackend
from panels.incidents.model import INCIDENT_ID_ROLE
from panels.incidents.panel import IncidentQueuePanel

TARGET_MS = 100.0
BACKGROUND_PER_S = 1000
ALARMS = 300


def _background(backend: LocalBackend, stop: threading.Event, sensors: list[str]) -> None:
    """1,000 readings per second, published every 10 ms as field gateways would."""
    period, per_batch, n = 0.01, BACKGROUND_PER_S // 100, 0
    next_at = time.perf_counter()
    while not stop.is_set():
        batch = [
            SensorReading(sensors[(n + i) % len(sensors)], 1.0).to_new("bench", "sensor")
            for i in range(per_batch)
        ]
        n += per_batch
        backend.publish(batch)
        next_at += period
        stop.wait(max(0.0, next_at - time.perf_counter()))


def run() -> list[Result]:
    """Measure the latency of ALARMS critical reports under background load."""
    city = load_city("lite")
    with tempfile.TemporaryDirectory() as folder:
        backend, context, window = open_workstation(Path(folder), city)
        app = QApplication.instance()
        assert app is not None
        queue = window.panels["incidents"]
        assert isinstance(queue, IncidentQueuePanel)
        context.store.start()
        window.show()
        sent: dict[str, float] = {}  # the report's reference -> when it was submitted
        latencies: list[float] = []

        def on_rows(_parent: QModelIndex, first: int, last: int) -> None:
            now = time.perf_counter()
            for row in range(first, last + 1):
                incident_id = queue.model.index(row, 0).data(INCIDENT_ID_ROLE)
                reference = context.store.state.incidents[incident_id].reference
                if reference in sent:
                    latencies.append((now - sent.pop(reference)) * 1000)
            if len(latencies) >= ALARMS:
                app.quit()

        queue.model.rowsInserted.connect(on_rows)

        rng = random.Random(1)
        numbers = itertools.count(1)

        def alarm() -> None:
            lat, lon = city.random_point_in("11230", rng)
            reference = f"112-bench-{next(numbers)}"
            sent[reference] = time.perf_counter()
            backend.submit(
                ReportIncident("P-KID", lat, lon, "11230", reference=reference), "agency:112"
            )

        stop = threading.Event()
        sensors = [s.id for s in city.sensors]
        background = threading.Thread(target=_background, args=(backend, stop, sensors))
        background.start()
        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(alarm)
        timer.start()
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(app.quit)
        deadline.start(120_000)
        started = time.perf_counter()
        app.exec()
        elapsed = time.perf_counter() - started
        timer.stop()
        deadline.stop()
        stop.set()
        background.join()
        stats = backend.stats().result()
        window.close()
        context.store.stop()
        backend.close()
    p99 = percentile(latencies, 99)
    readings = stats.by_type.get("sensor.reading", 0)
    return [
        Result(
            "alarm to screen, 99th percentile (critical report -> row in the queue)",
            p99,
            "ms",
            f"<= {TARGET_MS:.0f} ms",
            p99 <= TARGET_MS and len(latencies) >= ALARMS,
            f"{len(latencies)} alarms, median {median(latencies):.1f} ms, max "
            f"{max(latencies):.1f} ms, background {readings / elapsed:,.0f} readings/s",
        )
    ]
