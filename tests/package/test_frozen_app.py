"""The packaged application (PyInstaller one-folder build) runs without Python or the sources.

Slow: builds dist/cityroom with tools/package.py unless a build newer than every source file
is there already. Runs only with CITYROOM_TEST_PACKAGE=1, so the ordinary test run does not
build.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.backend_server import free_port, secret_file, wait_until

if TYPE_CHECKING:
    from tests.pg_cluster import PgCluster

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "cityroom" / "cityroom"
# What the bundle is made of: a build older than any of these is stale.
SOURCES = [ROOT / "packaging", ROOT / "main.py", ROOT / "resources"] + [
    ROOT / package for package in ("core", "layers", "ui", "panels", "server")
]
BUILD_TIMEOUT_S = 1500
# Boxes of the screenshot (fractions of width and height: left, top, right, bottom) inside the
# map and inside the incident queue's rows, in the fixed window of a --screenshot run.
MAP_BOX = (0.40, 0.25, 0.62, 0.60)
QUEUE_BOX = (0.0, 0.30, 0.24, 0.60)
# A drawn map of Seoul has >10,000 colours there, a blank or error page a handful; queue rows
# of text have >1,000, an empty queue 3.
MAP_MIN_COLOURS = 2000
QUEUE_MIN_COLOURS = 100

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(BUILD_TIMEOUT_S + 300),
    pytest.mark.skipif(
        os.environ.get("CITYROOM_TEST_PACKAGE") != "1",
        reason="builds the package (minutes): set CITYROOM_TEST_PACKAGE=1 to run",
    ),
]


def newest_source() -> float:
    """The time of the most recent change to anything the bundle is built from."""
    newest = 0.0
    for source in SOURCES:
        paths = [source] if source.is_file() else source.rglob("*")
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                newest = max(newest, path.stat().st_mtime)
    return newest


@pytest.fixture(scope="module")
def frozen_app() -> Path:
    """dist/cityroom/cityroom, built now unless a build newer than the sources exists."""
    if not APP.is_file() or APP.stat().st_mtime < newest_source():
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "package.py"), "--folder-only"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"
    assert APP.is_file()
    return APP


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user folder of the module's own for the app's data and settings."""
    return tmp_path_factory.mktemp("home")


def app_environment(home: Path) -> dict[str, str]:
    """The environment of a run: the app's data and settings under ``home``; nothing of this
    test's Python that a frozen interpreter could pick up."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    environment.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        QT_QPA_PLATFORM="offscreen",
    )
    return environment


def run(app: Path, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the frozen app to its end (``env``: more environment variables)."""
    return subprocess.run(
        [str(app), *args],
        env=app_environment(home) | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def seeded_log(frozen_app: Path, home: Path) -> Path:
    """An event log with incidents, written by the frozen app's own simulator."""
    log = home / "seeded.db"
    done = run(
        frozen_app, home, "simulate", "--db", str(log), "--speed", "max", "--duration", "600"
    )
    assert done.returncode == 0, done.stderr
    return log


def distinct_colours(png: Path, box: tuple[float, float, float, float]) -> int:
    """How many different colours the screenshot has inside ``box``."""
    import cv2
    import numpy as np

    image = cv2.imread(str(png))
    assert image is not None, f"{png} is not a readable image"
    height, width = image.shape[:2]
    left, top, right, bottom = box
    rows = slice(int(top * height), int(bottom * height))
    region = image[rows, int(left * width) : int(right * width)]
    return len(np.unique(region.reshape(-1, 3), axis=0))


def test_headless_commands_run_from_the_bundle(
    frozen_app: Path, seeded_log: Path, home: Path
) -> None:
    verified = run(frozen_app, home, "log", "verify", "--db", str(seeded_log))
    assert verified.returncode == 0, verified.stderr
    assert "hash chain intact" in verified.stdout

    listed = run(frozen_app, home, "incidents", "list", "--db", str(seeded_log), "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"INC-000001"' in listed.stdout

    for command in (["log", "verify", "--help"], ["serve", "--help"]):
        helped = run(frozen_app, home, *command)
        assert helped.returncode == 0, f"{command}: {helped.stderr}"
        assert "usage: cityroom" in helped.stdout


def test_the_support_bundle_names_the_bundled_versions(
    frozen_app: Path, seeded_log: Path, home: Path
) -> None:
    out = home / "support"
    out.mkdir(exist_ok=True)
    made = run(frozen_app, home, "diagnostics", "--out", f"{out}/", "--db", str(seeded_log))
    assert made.returncode == 0, made.stderr
    [bundle] = out.glob("cityroom-diagnostics-*.zip")
    with zipfile.ZipFile(bundle) as archive:
        packages = json.loads(archive.read("about.json"))["packages"]
    # Read from the metadata the bundle carries (not "not installed", as before).
    for name in ("PySide6", "numpy", "rasterio", "pyogrio", "opencv-contrib-python-headless"):
        assert packages[name][:1].isdigit(), f"{name}: {packages[name]}"


def test_window_shows_the_map_and_the_queue(
    frozen_app: Path, seeded_log: Path, home: Path, tmp_path: Path
) -> None:
    png = tmp_path / "frozen.png"
    window = ["--db", str(seeded_log), "--no-simulator", "--language", "en"]
    shot = run(
        frozen_app,
        home,
        *window,
        *["--screenshot", str(png), "--quit-after", "8"],
        CITYROOM_REPORT_READY="1",
    )

    assert shot.returncode == 0, shot.stderr[-3000:]
    assert "cityroom: ready" in shot.stdout, shot.stderr[-3000:]
    assert png.is_file(), shot.stderr[-3000:]
    map_colours = distinct_colours(png, MAP_BOX)
    assert map_colours > MAP_MIN_COLOURS, f"the map looks blank ({map_colours} colours)"
    queue_colours = distinct_colours(png, QUEUE_BOX)
    assert queue_colours > QUEUE_MIN_COLOURS, f"the queue looks empty ({queue_colours} colours)"


@pytest.fixture
def empty_database(pg_cluster: PgCluster) -> Iterator[str]:
    """A database nobody migrated yet: the frozen server must do it from its bundled scripts."""
    name = f"cityroom_frozen_{os.getpid()}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


def test_server_migrates_and_answers(
    frozen_app: Path, empty_database: str, home: Path, tmp_path: Path
) -> None:
    port = free_port()
    config = tmp_path / "server.toml"
    config.write_text(
        'instance = "frozen"\n'
        f'[listen]\nhost = "127.0.0.1"\nport = {port}\n'
        f'[database]\nurl = "{empty_database}"\n'
        f'[auth]\nsecret_file = "{secret_file(tmp_path)}"\n',
        encoding="utf-8",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(frozen_app), "serve", "--config", str(config)],
            env=app_environment(home),
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def answers() -> bool:
        assert server.poll() is None, f"the server exited:\n{log.read_text()[-3000:]}"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, 60, "the frozen server to answer")
        health = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5.0).json()
        assert health["database"] == "ok"
        assert health["last_seq"] == 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0, log.read_text()[-3000:]
    assert "Running upgrade" in log.read_text()
