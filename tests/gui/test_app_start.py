"""Starting the real application: the screenshot mode, a bad log, and the simulator filling
the queue."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from tests.cli import cityroom, cityroom_json

OFFSCREEN = {"QT_QPA_PLATFORM": "offscreen"}


def test_screenshot_mode_runs_the_demo_and_saves_the_window(tmp_path: Path) -> None:
    shot, db = tmp_path / "shot.png", tmp_path / "demo.db"
    result = cityroom(
        "--db",
        str(db),
        "--screenshot",
        str(shot),
        "--quit-after",
        "4",
        "--speed",
        "60",
        "--seed",
        "3",
        "--language",
        "en",
        env={**OFFSCREEN, "CITYROOM_REPORT_READY": "1"},
    )
    assert result.returncode == 0, result.stderr
    # The window is on screen before the panels' heavy libraries are loaded; then it fills.
    reports = [line for line in result.stdout.splitlines() if line.startswith("cityroom: ")]
    assert reports == ["cityroom: shown; heavy modules loaded: none", "cityroom: ready"]
    image = QImage(str(shot))
    assert image.width() >= 1200 and image.height() >= 700
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), 37)
        for y in range(0, image.height(), 23)
    }
    assert len(colours) > 20, "the screenshot looks blank"
    # The simulator played into the log while the window was up, and the log is sound.
    stats = cityroom_json("log", "stats", "--db", str(db), "--json")
    assert stats["events_by_type"].get("simulator.state", 0) >= 1
    assert stats["incidents"] >= 1
    assert cityroom("log", "verify", "--db", str(db)).returncode == 0


def test_a_bad_log_is_refused_and_left_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database" * 300)
    before = bad.read_bytes()
    result = cityroom(
        "--db",
        str(bad),
        "--screenshot",
        str(tmp_path / "x.png"),
        "--quit-after",
        "1",
        env=OFFSCREEN,
    )
    assert result.returncode == 1
    assert str(bad) in result.stderr and "Start a new log elsewhere" in result.stderr
    assert bad.read_bytes() == before
    assert not (tmp_path / "x.png").exists()
