"""The packaged application (dist/cityroom from `make package`): cold start and size.

Cold start: every file of the bundle (and the log it opens) is evicted from the page cache
first, as after a reboot; the system's own libraries (C library, X11, fonts) stay cached, as they
are on a desk whose desktop is already up. Timed from launching the executable to "cityroom:
ready" (window shown, incident queue filled).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import Result, median, seconds_until_ready

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dist" / "cityroom" / "cityroom"
COLD_TARGET_S = 3.0
SIZE_TARGET_MB = 500
RUNS = 3
MB = 1_000_000


def bundle_files() -> list[Path]:
    """Every regular file of the bundle."""
    return [p for p in APP.parent.rglob("*") if p.is_file() and not p.is_symlink()]


def evict(paths: list[Path]) -> None:
    """Drop ``paths`` from the page cache (clean pages only; nothing is written)."""
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)


def environment(home: Path) -> dict[str, str]:
    """A run of its own: settings and data under ``home``, offscreen, reporting readiness."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
        CITYROOM_REPORT_READY="1",
    )
    return env


def start_once(log: Path, home: Path) -> float:
    """Seconds from launch to the window's ready signal."""
    command = [str(APP), "--db", str(log), "--no-simulator", "--quit-after", "1"]
    command += ["--screenshot", str(home / "shot.png")]
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment(home),
    )
    return seconds_until_ready(process, start)


def run() -> list[Result]:
    """Size, then cold and warm starts of the packaged app."""
    if not APP.is_file():
        return [
            Result(
                "packaged app (dist/cityroom)",
                float("nan"),
                "",
                "built",
                False,
                "not built: run `make package` first",
            )
        ]
    files = bundle_files()
    size = sum(p.lstat().st_size for p in APP.parent.rglob("*")) / MB
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        log = home / "seeded.db"
        subprocess.run(
            [str(APP), "simulate", "--db", str(log), "--speed", "max", "--duration", "600"],
            env=environment(home),
            capture_output=True,
            check=True,
        )
        cold = []
        for _ in range(RUNS):
            evict([*files, log])
            cold.append(start_once(log, home))
        warm = [start_once(log, home) for _ in range(RUNS)]
    value = median(cold)
    counts = f"{len(files):,} files; cold runs " + ", ".join(f"{c:.2f}" for c in cold)
    return [
        Result(
            f"packaged app: cold start to a usable window (median of {RUNS})",
            value,
            "s",
            f"<= {COLD_TARGET_S} s",
            value <= COLD_TARGET_S,
            f"{counts}; the bundle's files evicted from the page cache before each run",
        ),
        Result(
            f"packaged app: warm start to a usable window (median of {RUNS}, reference)",
            median(warm),
            "s",
            "reference",
            True,
            "warm runs " + ", ".join(f"{w:.2f}" for w in warm),
        ),
        Result(
            "packaged app: unpacked size (dist/cityroom)",
            size,
            "MB",
            f"<= {SIZE_TARGET_MB} MB",
            size <= SIZE_TARGET_MB,
            "docs/install.md, Package size, says where it goes",
        ),
    ]
