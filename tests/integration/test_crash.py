"""A kill -9 in the middle of appending leaves a log that opens and verifies."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from core.eventlog import EventLog
from tests.cli import REPO


def _count(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_kill_9_mid_append_leaves_a_sound_log(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    writer = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "main.py"),
            "simulate",
            "--db",
            str(db),
            "--count",
            "50000000",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        pause = threading.Event()
        for _ in range(3000):
            if _count(db) >= 30_000 or writer.poll() is not None:
                break
            pause.wait(0.01)
        assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
        if writer.stderr:
            writer.stderr.close()
    assert writer.returncode == -signal.SIGKILL
    log = EventLog.open(db)
    report = log.verify()
    assert report.ok, report
    assert report.events >= 30_000
    # And it takes more appends on a sound chain.
    from core.events import SensorReading

    log.append([SensorReading("S", 1.0).to_new("t", "t")])
    assert log.verify().ok
    log.close()
