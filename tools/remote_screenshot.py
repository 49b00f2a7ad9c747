"""Two workstations on one operations backend for the docs: ``python tools/remote_screenshot.py``.

Starts a throw-away PostgreSQL cluster and one backend server, adds two operators and an
administrator account for the city simulator, plays a few simulated minutes of the demo city
into the server, then opens two workstation windows as the two operators (each with its own
copy of the log). In the first window kim acknowledges and takes the most urgent incident; once
the second window (lee's) shows it assigned to kim, both windows are saved one above the other,
each under a caption bar naming its operator, as ``docs/screenshots/remote-two-workstations.png``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QRect, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.city import City, load_city  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.remote.backend import LinkState, RemoteBackend  # noqa: E402
from core.simulator import Simulator, SimulatorConfig  # noqa: E402
from panels import all_panels  # noqa: E402
from panels.incidents.actions import ACTIONS  # noqa: E402
from panels.incidents.model import INCIDENT_ID_ROLE, Column  # noqa: E402
from panels.incidents.panel import IncidentQueuePanel  # noqa: E402
from panels.situation_map.panel import MapPanel  # noqa: E402
from tests.backend_server import BackendServer, add_users  # noqa: E402
from tests.pg_cluster import PgCluster  # noqa: E402
from ui.app import RunningWorkstation, prepare_qt  # noqa: E402
from ui.i18n import install_translators  # noqa: E402
from ui.remote_login import RemoteLogin  # noqa: E402
from ui.remote_start import start_remote_workstation  # noqa: E402
from ui.settings import Settings  # noqa: E402
from ui.theme import apply_dark_theme  # noqa: E402

OUT = REPO / "docs" / "screenshots" / "remote-two-workstations.png"
PASSWORD = "control room demo 2026"
OPERATORS = (("kim", "Kim Minji"), ("lee", "Lee Seojun"))
SIMULATOR_ACCOUNT = "city-sim"
SIMULATED_MINUTES = 6
WIDTH = 1280
CAPTION_HEIGHT = 34
ACTION = {a.key: a for a in ACTIONS}


def wait(app: QApplication, condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until ``condition()`` holds; fail naming ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"remote_screenshot: timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def play_city(url: str, city: City, folder: Path) -> None:
    """A few minutes of the demo simulator, stamped as the minutes just past, into the server
    through a workstation client signed in as the simulator's administrator account."""
    backend = RemoteBackend(
        url, username=SIMULATOR_ACCOUNT, password=PASSWORD, data_dir=folder / "simulator"
    )
    try:
        deadline = time.monotonic() + 30
        while backend.status().state is not LinkState.ONLINE:
            if time.monotonic() > deadline:
                raise SystemExit(f"remote_screenshot: the simulator's link: {backend.status()}")
            time.sleep(0.1)
        start = SystemClock().now_ms() - SIMULATED_MINUTES * 60_000
        config = SimulatorConfig(seed=11, rate=2, scenario_every_s=50, minor_every_s=25)
        Simulator(city, backend, config, virtual_start_ms=start).run_for(SIMULATED_MINUTES * 60)
    finally:
        backend.close()


def open_station(
    url: str, user: str, city: City, folder: Path, language: str
) -> tuple[RunningWorkstation, list[int]]:
    """A workstation window as ``python main.py --backend URL --user USER`` opens it, and
    the list its map adds the number of cameras to once it shows them all."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    settings.recording_dir = folder / "recordings"
    settings.mask_file = folder / "masks.json"
    settings.evidence_dir = folder / "evidence"
    station = start_remote_workstation(
        RemoteLogin(url, user, PASSWORD),
        folder / "remote",
        city,
        settings,
        language,
        all_panels(),
        remember_layout=False,
        prompt_sign_in=False,
    )
    maps = station.window.panels["map"]
    assert isinstance(maps, MapPanel)
    loaded: list[int] = []
    maps.camerasLoaded.connect(loaded.append)
    station.window.show()
    return station, loaded


def queue_of(station: RunningWorkstation) -> IncidentQueuePanel:
    panel = station.window.panels["incidents"]
    assert isinstance(panel, IncidentQueuePanel)
    return panel


def status_in(station: RunningWorkstation, incident_id: str) -> tuple[str, str]:
    """The status and assignee the window's queue shows for ``incident_id``."""
    proxy = queue_of(station).proxy
    for row in range(proxy.rowCount()):
        if proxy.index(row, 0).data(INCIDENT_ID_ROLE) == incident_id:
            status = str(proxy.index(row, Column.STATUS).data())
            return status, str(proxy.index(row, Column.ASSIGNEE).data() or "")
    return "", ""


def wait_ready(
    app: QApplication, station: RunningWorkstation, loaded: list[int], user: str
) -> None:
    """Wait until the window has its copy of the log, its queue, the map's cameras
    (``loaded``) and the link online as ``user``."""
    queue, link = queue_of(station), station.link
    assert link is not None
    wait(app, lambda: station.context.store.is_loaded, 60, "the replica")
    wait(app, lambda: queue.proxy.rowCount() > 0, 60, "the queue")
    wait(app, lambda: bool(loaded), 60, "the map's cameras")
    wait(app, lambda: f"online · {user}" in link.label.summary, 30, "the link")


def captioned(image: QImage, caption: str) -> QImage:
    """``image`` scaled to WIDTH pixels wide under a caption bar."""
    scaled = image.scaledToWidth(WIDTH, Qt.TransformationMode.SmoothTransformation)
    out = QImage(WIDTH, scaled.height() + CAPTION_HEIGHT, QImage.Format.Format_RGB32)
    out.fill(QColor("#0b0e13"))
    painter = QPainter(out)
    painter.fillRect(QRect(0, 0, WIDTH, CAPTION_HEIGHT), QColor("#1f3a5a"))
    font = QFont()
    font.setPixelSize(17)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#e5ecf4"))
    painter.drawText(
        QRect(14, 0, WIDTH - 28, CAPTION_HEIGHT),
        int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
        caption,
    )
    painter.drawImage(0, CAPTION_HEIGHT, scaled)
    painter.end()
    return out


def stacked(images: list[QImage]) -> QImage:
    """The images one above the other with a thin gap."""
    gap = 6
    height = sum(i.height() for i in images) + gap * (len(images) - 1)
    out = QImage(WIDTH, height, QImage.Format.Format_RGB32)
    out.fill(QColor("#0b0e13"))
    painter = QPainter(out)
    top = 0
    for image in images:
        painter.drawImage(0, top, image)
        top += image.height() + gap
    painter.end()
    return out


def shoot(out: Path, language: str) -> None:
    """Run the whole story and save the picture to ``out``."""
    prepare_qt()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_translators(app, language)
    apply_dark_theme(app)
    city = load_city("lite")
    folder = Path(tempfile.mkdtemp(prefix="cityroom-shot-"))
    # A folder of its own: PostgreSQL runs as the postgres account when this runs as root.
    cluster = PgCluster(Path(tempfile.mkdtemp(prefix="cityroom-pg-shot-")))
    cluster.start()
    server: BackendServer | None = None
    stations: list[RunningWorkstation] = []
    cameras: list[list[int]] = []
    try:
        url = cluster.create_database("cityroom_screenshot")
        accounts = [(user, PASSWORD, "operator", ()) for user, _ in OPERATORS]
        add_users(url, [*accounts, (SIMULATOR_ACCOUNT, PASSWORD, "administrator", ())])
        server = BackendServer(url, folder / "server").start()
        play_city(server.url, city, folder)
        for user, _ in OPERATORS:
            station, loaded = open_station(server.url, user, city, folder / user, language)
            stations.append(station)
            cameras.append(loaded)
        for station, loaded, (user, _) in zip(stations, cameras, OPERATORS, strict=True):
            wait_ready(app, station, loaded, user)
        kim, lee = stations
        queue = queue_of(kim)
        incident = str(queue.proxy.index(0, 0).data(INCIDENT_ID_ROLE))
        assert queue.select_incident(incident)
        queue.run_action(ACTION["acknowledge"], {"comment": "CCTV 확인, 연기 보임"})
        wait(app, lambda: status_in(kim, incident)[0] == "acknowledged", 20, "the acknowledgement")
        queue.run_action(ACTION["assign"], {"comment": "", "assignee": "kim"})
        wait(app, lambda: status_in(lee, incident) == ("assigned", "kim"), 20, "lee to see it")
        # Selecting flew kim's map to the street; show the incident in its district instead.
        district = kim.context.store.state.incidents[incident].district_code
        maps = kim.window.panels["map"]
        assert isinstance(maps, MapPanel)
        if district is not None:
            maps.go_to_place(city.district(district).name)
        settle = time.monotonic() + 3
        wait(app, lambda: time.monotonic() > settle, 10, "the map")
        shots: list[QImage] = []
        for station, (user, name) in zip(stations, OPERATORS, strict=True):
            caption = f"Workstation {len(shots) + 1}: operator {user} ({name}) · {server.url}"
            shots.append(captioned(station.window.grab().toImage(), caption))
        out.parent.mkdir(parents=True, exist_ok=True)
        if not stacked(shots).save(str(out)):
            raise SystemExit(f"remote_screenshot: cannot write {out}")
        print(f"saved {out}")
    finally:
        for station in stations:
            station.window.close()
            station.shutdown()
        if server is not None:
            server.stop()
        cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    """Parse the options and shoot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--language", choices=("ko", "en"), default="en")
    args = parser.parse_args()
    shoot(args.out, args.language)


if __name__ == "__main__":
    main()
