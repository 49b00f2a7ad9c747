"""Event-log benchmarks: sustained append + fold, and a rebuild from a 1,000,000-event log."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench.common import Result
from core.city import load_city
from core.clock import SystemClock
from core.eventlog import EventLog
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.simulator import Simulator, SimulatorConfig
from core.state import rebuild

APPEND_TARGET = 20_000.0
REBUILD_TARGET_S = 3.0


def append_and_fold(events: int = 300_000, batch: int = 500) -> list[Result]:
    """Readings published through the backend: hashed, appended, folded, delivered.

    The batches are made first, as a field gateway would hand them over, so the figure is the
    log's own throughput; the simulator making and appending its readings is shown too.
    """
    city = load_city("lite")
    sensors = [s.id for s in city.sensors]
    batches = [
        [
            SensorReading(sensors[(b * batch + i) % len(sensors)], float(i)).to_new(
                "bench", "sensor"
            )
            for i in range(batch)
        ]
        for b in range(events // batch)
    ]
    with tempfile.TemporaryDirectory() as folder:
        backend = LocalBackend.open(Path(folder) / "append.db")
        delivered = [0]
        done = threading.Event()

        def count(records: list[EventRecord]) -> None:
            delivered[0] += len(records)
            if delivered[0] >= events:
                done.set()

        backend.subscribe(count)
        start = time.perf_counter()
        for one in batches:
            backend.publish(one)
        done.wait(300)
        elapsed = time.perf_counter() - start
        backend.close()
        backend = LocalBackend.open(Path(folder) / "simulated.db")
        sim = Simulator(city, backend, SimulatorConfig(seed=1))
        start = time.perf_counter()
        sim.append_background(events // 3, batch=batch)
        simulated = time.perf_counter() - start
        backend.close()
    rate = events / elapsed
    return [
        Result(
            "append + fold (LocalBackend, batches of 500, hash chain, one subscriber)",
            rate,
            "events/s",
            f">= {APPEND_TARGET:,.0f} events/s",
            rate >= APPEND_TARGET,
            f"{events:,} readings in {elapsed:.2f} s",
        ),
        Result(
            "simulator making and appending readings (reference, no target)",
            events // 3 / simulated,
            "events/s",
            "reference",
            True,
            "`simulate --count`: generation and the log share one process",
        ),
    ]


def build_million_event_log(path: Path, events: int = 1_000_000) -> int:
    """A realistic 1M-event log: scenarios, minor incidents and readings, as the simulator
    plays them at 1,000 background events per simulated second."""
    backend = LocalBackend.open(path)
    sim = Simulator(
        load_city("lite"),
        backend,
        SimulatorConfig(seed=42, rate=1000, scenario_every_s=60, minor_every_s=5),
        virtual_start_ms=SystemClock().now_ms(),
    )
    while sim.events < events:
        sim.advance_to(int(sim.info().sim_seconds * 1000) + 10_000)
    backend.close()
    return sim.events


def rebuild_million(path: Path) -> list[Result]:
    """Time a cold rebuild with snapshots (the start-up path) and, for reference, without."""
    log = EventLog.open(path, readonly=True)
    total = log.max_seq()
    snapshots = [row[0] for row in log._db.execute("SELECT seq FROM snapshots ORDER BY seq")]
    # Worst case: just before a periodic snapshot, so the whole interval is folded on top of
    # the previous one (not the final snapshot written at close, which would make it trivial).
    until = snapshots[-2] - 1 if len(snapshots) >= 2 else total
    tail = until - max((seq for seq in snapshots if seq <= until), default=0)
    start = time.perf_counter()
    state = rebuild(log, until_seq=until)
    with_snapshot = time.perf_counter() - start
    start = time.perf_counter()
    full = rebuild(log, use_snapshots=False)
    without = time.perf_counter() - start
    log.close()
    assert full.last_seq == total and state.last_seq == until
    return [
        Result(
            f"rebuild state from a {total:,}-event log (latest snapshot + tail)",
            with_snapshot,
            "s",
            f"<= {REBUILD_TARGET_S} s",
            with_snapshot <= REBUILD_TARGET_S,
            f"worst case: state at event {until:,} folds {tail:,} events on its snapshot; "
            f"{len(state.incidents):,} incidents",
        ),
        Result(
            f"fold all {total:,} events without snapshots (reference, no target)",
            without,
            "s",
            "reference",
            True,
            f"{total / without:,.0f} events/s folded",
        ),
    ]


def run() -> list[Result]:
    """Every event-log benchmark."""
    results = append_and_fold()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "million.db"
        build_million_event_log(path)
        results += rebuild_million(path)
    return results
