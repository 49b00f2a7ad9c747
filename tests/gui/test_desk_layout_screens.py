"""The desk across two monitors (Qt's offscreen platform emulating them, in child processes
run by tests/gui/desk_screens.py): docks floated on either monitor and a window maximised on
the second come back there; when the second monitor is gone at the next start, or unplugged
while the workstation runs, everything on it comes onto the main screen, with one notice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli import REPO

A = {"name": "A", "x": 0, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96}
B = {"name": "B", "x": 1920, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96}
WALL_ON_A = [300, 200, 900, 600]
SENSORS_ON_B = [3120, 500, 600, 400]
MOVED = "The screen the main window, Sensors were on is not connected; they are on the main "
MOVED += "screen now."


def run_desk(folder: Path, screens: list[dict[str, Any]], *steps: str) -> dict[str, Any]:
    """Run the steps on a workstation over ``folder`` with ``screens``; their reports."""
    config = folder.parent / f"screens-{len(screens)}.json"
    config.write_text(json.dumps({"screens": screens}))
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
    }
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-m", "tests.gui.desk_screens", folder, *steps],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return {report["step"]: report for report in reports}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Arranged on two monitors, started again on both and unplugged; then started on A
    alone from the layout as arranged."""
    folder = tmp_path_factory.mktemp("desk")
    two = run_desk(folder, [A, B], "arrange", "copy:single", "reopen", "unplug")
    one = run_desk(folder / "single", [A], "reopen")
    return {
        "arranged": two["arrange"],
        "two": two["reopen"],
        "unplugged": two["unplug"],
        "one": one["reopen"],
    }


def test_the_emulated_monitors_are_there(runs: dict[str, dict[str, Any]]) -> None:
    assert runs["two"]["screens"] == ["A", "B"]
    assert runs["one"]["screens"] == ["A"]


def test_floating_docks_tabs_and_a_maximised_window_come_back_on_their_monitors(
    runs: dict[str, dict[str, Any]],
) -> None:
    arranged, restored = runs["arranged"], runs["two"]
    assert arranged["docks"]["sensors"]["screen"] == "B"
    assert arranged["window"]["frame"] == [1920, 0, 1920, 1080]
    for panel, where, screen in (("video_wall", WALL_ON_A, "A"), ("sensors", SENSORS_ON_B, "B")):
        dock = restored["docks"][panel]
        assert dock["floating"] and dock["visible"], panel
        assert dock["geometry"] == where, panel
        assert dock["screen"] == screen, panel
    assert restored["docks"]["outbox"]["tabbed_with"] == ["dock-replay"]
    assert restored["window"] == {"maximized": True, "frame": [1920, 0, 1920, 1080], "screen": "B"}
    assert restored["notices"] == []


def test_at_a_start_without_the_second_monitor_its_pieces_are_on_the_main_screen(
    runs: dict[str, dict[str, Any]],
) -> None:
    one = runs["one"]
    assert one["window"] == {"maximized": True, "frame": [0, 0, 1920, 1080], "screen": "A"}
    # Where it was on B, now on A; the same size.
    assert one["docks"]["sensors"]["geometry"] == [1200, 500, 600, 400]
    assert one["docks"]["sensors"]["floating"]
    assert one["docks"]["video_wall"]["geometry"] == WALL_ON_A  # was on A: not moved
    assert one["docks"]["outbox"]["tabbed_with"] == ["dock-replay"]
    assert one["notices"] == [MOVED]


def test_a_monitor_unplugged_while_running_sends_its_pieces_to_the_main_screen(
    runs: dict[str, dict[str, Any]],
) -> None:
    unplugged = runs["unplugged"]
    assert unplugged["window"]["maximized"]
    assert unplugged["window"]["screen"] == "A"
    assert unplugged["window"]["frame"] == [0, 0, 1920, 1080]
    sensors = unplugged["docks"]["sensors"]
    assert sensors["floating"] and sensors["visible"]
    assert sensors["geometry"] == [1200, 500, 600, 400]
    assert unplugged["docks"]["video_wall"]["geometry"] == WALL_ON_A
    assert unplugged["notices"] == [MOVED]
