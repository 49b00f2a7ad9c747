"""Shared pieces of the benchmarks: results, the machine description, percentiles."""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    """One measured figure against its target."""

    name: str
    value: float
    unit: str
    target: str
    passed: bool
    note: str = ""

    def line(self) -> str:
        """A one-line summary for the console."""
        mark = "PASS" if self.passed else "FAIL"
        return f"[{mark}] {self.name}: {self.value:,.3f} {self.unit} (target {self.target})"


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.1f} GiB"
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "commit": commit or "uncommitted",
    }


def open_workstation(folder: Path, city: Any, panels: Any = None) -> tuple[Any, Any, Any]:
    """A real workstation over a new log in ``folder``: (backend, context, main window).

    Qt and the UI are imported here so the benchmarks that need no window never load them.
    """
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from core.local_backend import LocalBackend
    from core.notices import NoticeBoard
    from panels import all_panels
    from ui.app import build_context, prepare_qt
    from ui.main_window import MainWindow
    from ui.settings import Settings
    from ui.theme import apply_dark_theme

    prepare_qt()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_dark_theme(app)  # as the operator sees it: the theme's styling costs time too
    backend = LocalBackend.open(folder / "bench.db")
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    context = build_context(backend, city, NoticeBoard(), settings, "ko")
    window = MainWindow(
        context, panels if panels is not None else all_panels(), remember_layout=False
    )
    return backend, context, window


def heartbeat_gaps(app: Any, seconds: float, interval_ms: int = 10) -> list[float]:
    """Run ``app``'s event loop for ``seconds`` with a timer beating every ``interval_ms``;
    return the gaps between beats in ms (the GUI frame as an operator feels it), from the
    second beat on. Start whatever should run meanwhile before calling it."""
    from PySide6.QtCore import QTimer

    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setInterval(interval_ms)
    heartbeat.timeout.connect(beat)
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(app.quit)
    heartbeat.start()
    deadline.start(round(seconds * 1000))
    last[0] = time.perf_counter()
    app.exec()
    heartbeat.stop()
    return [max(0.0, gap) for gap in gaps[1:]]


def start_times(process: subprocess.Popen[str], started: float) -> tuple[float, float]:
    """Seconds from ``started`` (a perf_counter time) until the workstation ``process``
    (CITYROOM_REPORT_READY=1) showed its window ("cityroom: shown…", NaN if it never said)
    and until it was usable ("cityroom: ready"); waits for it to exit. Raises RuntimeError if
    it never got ready."""
    assert process.stdout is not None
    shown, ready = float("nan"), None
    for line in process.stdout:
        if line.startswith("cityroom: shown"):
            shown = time.perf_counter() - started
        elif line.strip() == "cityroom: ready":
            ready = time.perf_counter() - started
            break
    process.communicate(timeout=120)
    if ready is None:
        raise RuntimeError(f"the window never reported ready (exit {process.returncode})")
    return shown, ready


def seconds_until_ready(process: subprocess.Popen[str], started: float) -> float:
    """Seconds from ``started`` until the workstation ``process`` was usable (see
    :func:`start_times`)."""
    return start_times(process, started)[1]
