"""Screenshots of the real workstation for the docs (``make screenshots``).

Plays 30 simulated minutes of the demo city into a fresh log (stamped as the last half hour),
works a few incidents as an operator would, opens the main window over that log, waits for the
map to load every camera, selects the most urgent incident (the map flies to it) and saves the
window: in Korean and English with the lite city, and in Korean with all 29,477 cameras. The
sensors panel is shot alone over a log of its own: the simulator's river-flood scenario,
and a device the registry does not know. Two more logs show a procedure checklist in
progress in the whole window: the fire with a blocked access road played as a drill, and the
river flood with its gauge plotted, each played by the simulator and worked through commands
as an operator would.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.city import load_city  # noqa: E402
from core.city.kinds import SensorKind  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.commands import Acknowledge, Assign, Command, MarkDispatched, StartWork  # noqa: E402
from core.events import CameraViewed, SensorReading  # noqa: E402
from core.local_backend import LocalBackend  # noqa: E402
from core.notices import NoticeBoard  # noqa: E402
from core.simulator import Simulator, SimulatorConfig  # noqa: E402
from core.sop.commands import CompleteStep  # noqa: E402
from core.sop.definitions import SOP_DIR  # noqa: E402
from core.sop.library import ProcedureLibrary  # noqa: E402
from core.sop.starter import start_command  # noqa: E402
from panels import all_panels  # noqa: E402
from panels.incidents.panel import IncidentQueuePanel  # noqa: E402
from panels.procedure.panel import ProcedurePanel  # noqa: E402
from panels.sensors.panel import SensorsPanel  # noqa: E402
from panels.situation_map.panel import MapPanel  # noqa: E402
from panels.video_wall.panel import VideoWallPanel  # noqa: E402
from ui.app import build_context, prepare_qt  # noqa: E402
from ui.context import AppContext  # noqa: E402
from ui.i18n import install_translators  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import Settings  # noqa: E402
from ui.theme import apply_dark_theme  # noqa: E402

MINUTES = 30


def prepare_log(path: Path) -> None:
    """Half an hour of the city, and an operator who has worked three incidents."""
    backend = LocalBackend.open(path)
    start = SystemClock().now_ms() - MINUTES * 60_000
    sim = Simulator(
        load_city("lite"), backend, SimulatorConfig(seed=11, rate=2), virtual_start_ms=start
    )
    sim.run_for(MINUTES * 60)
    state = backend.snapshot().result()
    incidents = sorted(state.incidents.values(), key=lambda i: (i.severity, i.opened_ms))
    operator = "operator:kim.minji"
    for number, incident in enumerate(incidents[1:4]):
        backend.submit(Acknowledge(incident.id, "CCTV 확인"), operator).result()
        if number < 2:
            backend.submit(Assign(incident.id, assignee=operator), operator).result()
        if number == 0:
            backend.submit(StartWork(incident.id), operator).result()
            backend.submit(MarkDispatched(incident.id, agencies=("119",)), operator).result()
    backend.close()


def korean_layers(folder: Path) -> list[Path]:
    """A GeoTIFF in EPSG:5186 and CP949 polygons in EPSG:5179, as Korean sites supply them."""
    import geopandas as gpd
    import shapely

    from layers.raster import make_test_geotiff

    tif = make_test_geotiff(
        folder / "정사영상_5186.tif",
        1200,
        900,
        crs="EPSG:5186",
        centre_lat=37.5700,
        centre_lon=126.9800,
        pixel_m=4.0,
    )
    sites = [
        ("경복궁", 126.9770, 37.5796),
        ("서울시청", 126.9780, 37.5665),
        ("광화문광장", 126.9769, 37.5720),
        ("종묘", 126.9941, 37.5744),
    ]
    zones = gpd.GeoDataFrame(
        {"명칭": [s[0] for s in sites], "구분": ["문화재", "청사", "광장", "문화재"]},
        geometry=[shapely.Point(s[1], s[2]) for s in sites],
        crs="EPSG:4326",
    ).to_crs("EPSG:5179")
    zones["geometry"] = zones.buffer(250)
    shp = folder / "보호구역_5179.shp"
    zones.to_file(shp, encoding="cp949")
    (folder / "보호구역_5179.cpg").unlink(missing_ok=True)
    return [tif, shp]


@contextmanager
def docs_context(
    path: Path, language: str, profile: str = "lite"
) -> Iterator[tuple[QApplication, AppContext]]:
    """A themed application and a workstation context over the log at ``path``, with its
    settings, recordings and masks in a scratch folder; closed and cleaned up afterwards."""
    prepare_qt()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    translators = install_translators(app, language)
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        settings.alert_sound = False
        settings.recording_dir = Path(folder) / "recordings"
        settings.mask_file = Path(folder) / "masks.json"
        backend = LocalBackend.open(path)
        context = build_context(backend, load_city(profile), NoticeBoard(), settings, language)
        try:
            yield app, context
        finally:
            context.store.stop()
            backend.close()
    for translator in translators:
        app.removeTranslator(translator)


def shoot(
    path: Path, language: str, out: Path, profile: str = "lite", layers: list[Path] | None = None
) -> None:
    """Open the window over ``path`` in ``language`` and save it to ``out``."""
    with docs_context(path, language, profile) as (app, context):
        window = MainWindow(context, all_panels(), remember_layout=False)
        queue = window.panels["incidents"]
        assert isinstance(queue, IncidentQueuePanel)
        situation_map = window.panels["map"]
        assert isinstance(situation_map, MapPanel)
        context.store.start()
        window.show()

        pending = list(layers or [])

        def open_next(_layer_id: str = "") -> None:
            if pending:
                situation_map.open_layer(pending.pop(0))
            else:
                QTimer.singleShot(1500, grab)  # let the tiles arrive

        situation_map.layerShown.connect(open_next)

        def select_top() -> None:
            if queue.proxy.rowCount() == 0:
                QTimer.singleShot(50, select_top)
                return
            if layers:
                open_next()
                return
            queue.table.selectRow(0)
            QTimer.singleShot(1500, grab)  # let the map finish flying to it

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            window.close()
            app.quit()

        situation_map.camerasLoaded.connect(lambda _count: QTimer.singleShot(300, select_top))
        app.exec()


def shoot_wall(path: Path, tiles: int, out: Path) -> None:
    """The video wall alone with ``tiles`` live synthetic cameras of the nearest-to-incident
    kind, saved to ``out``."""
    with docs_context(path, "en") as (app, context):
        wall = VideoWallPanel(context)
        wall.resize(1280, 800 if tiles > 4 else 760)
        context.store.start()
        wall.show()
        wall.set_layout_size(tiles)
        for index, camera in enumerate(context.city.cameras[:tiles]):
            wall.open_camera(camera.id, index)

        def scrub_back() -> None:
            # The first tile shows its recording, as an operator checking what just happened.
            wall.active_index = 0
            wall.scrubber.seek(int(time.time() * 1000) - 3000)
            wall._refresh_states()

        if tiles == 4:
            QTimer.singleShot(4000, scrub_back)

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            wall.grab().save(str(out))
            wall.close()
            app.quit()

        QTimer.singleShot(4500 if tiles == 4 else 2500, grab)
        app.exec()
        for index in range(tiles):
            wall.close_camera(index)


FLOOD_MINUTES = 75


def prepare_flood_log(path: Path) -> list[str]:
    """The simulator's river-flood scenario played into a fresh log so that it ends now, the
    rest of the city reporting meanwhile, and a device the registry does not know; returns
    the sensors to plot: the scenario's gauge, the two gauges nearest it, and its rain gauge."""
    city = load_city("lite")
    backend = LocalBackend.open(path)
    start = SystemClock().now_ms() - FLOOD_MINUTES * 60_000
    config = SimulatorConfig(seed=5, rate=3, scenarios=("river_flood",), loop=False)
    sim = Simulator(city, backend, config, virtual_start_ms=start)
    sim.run_for(FLOOD_MINUTES * 60)
    unknown = SensorReading("SEN-RIVER_LEVEL-GW-07", 2.61)
    backend.publish([unknown.to_new("field", "sensor:SEN-RIVER_LEVEL-GW-07")]).result()
    state = backend.snapshot().result()
    backend.close()

    def highest(kind: SensorKind) -> str:
        known = [s for s in city.sensors if s.kind is kind and s.id in state.sensors]
        return max(known, key=lambda s: state.sensors[s.id].value).id

    gauge = city.sensor(highest(SensorKind.RIVER_LEVEL))
    near = city.nearest_sensors(gauge.lat, gauge.lon, 3, SensorKind.RIVER_LEVEL)
    gauges = [gauge.id, *[s.id for s, _ in near if s.id != gauge.id][:2]]
    return [*gauges, highest(SensorKind.RAINFALL)]


def shoot_sensors(path: Path, rivers: list[str], out: Path, language: str = "ko") -> None:
    """The sensors panel alone, with the flood's sensors plotted, saved to ``out``."""
    with docs_context(path, language) as (app, context):
        panel = SensorsPanel(context)
        panel.resize(1600, 620)
        context.store.start()
        panel.show()

        def plot() -> None:
            if not context.store.is_loaded:
                QTimer.singleShot(50, plot)
                return
            panel.refresh()
            panel.select_sensors(rivers)
            QTimer.singleShot(1500, point)

        def point() -> None:
            # The cursor on the moment the gauge reached 경계 (35 minutes into the flood).
            assert panel.plot is not None
            panel.plot.window_combo.setCurrentIndex(panel.plot.window_combo.findData(2 * 3600))
            panel.plot.move_cursor(time.time() - (FLOOD_MINUTES - 36) * 60)
            QTimer.singleShot(300, grab)

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            panel.grab().save(str(out))
            panel.close()
            app.quit()

        QTimer.singleShot(100, plot)
        app.exec()


SCENARIO_AT_MS = 5_000  # the simulator starts its first scenario 5 s into its run
OPERATOR = "operator:kim.minji"


class WorkedScenario:
    """One scenario played by the simulator into a fresh log in simulated time that ends now,
    and worked by an operator through commands stamped at chosen moments of it."""

    def __init__(self, path: Path, config: SimulatorConfig, minutes: float) -> None:
        self.backend = LocalBackend.open(path)
        self.start_ms = SystemClock().now_ms() - int(minutes * 60_000) - SCENARIO_AT_MS
        self.sim = Simulator(
            load_city("lite"), self.backend, config, virtual_start_ms=self.start_ms
        )
        self.library = ProcedureLibrary([SOP_DIR])
        self.library.load()
        self.at_ms = self.start_ms

    def play_to(self, seconds: float) -> None:
        """Play the scenario up to ``seconds`` after it started, giving every incident it
        reported its procedure as the starter does, stamped when it was reported."""
        self.sim.advance_to(SCENARIO_AT_MS + int(seconds * 1000))
        self.at_ms = self.start_ms + SCENARIO_AT_MS + int(seconds * 1000)
        for incident in self.backend.snapshot().result().incidents.values():
            loaded = self.library.for_type(incident.type_code)
            if incident.procedure is None and loaded is not None:
                command = start_command(incident.id, loaded)
                self.backend.submit(command, "system:procedures", incident.opened_ms).result()

    def incident(self, type_code: str) -> str:
        """The id of the incident of ``type_code`` the scenario reported."""
        state = self.backend.snapshot().result()
        return next(i.id for i in state.incidents.values() if i.type_code == type_code)

    def work(self, seconds: float, *commands: Command) -> None:
        """Play to ``seconds``, then submit ``commands`` as the operator at that moment."""
        self.play_to(seconds)
        for command in commands:
            self.backend.submit(command, OPERATOR, self.at_ms).result()

    def look(self, seconds: float, incident_id: str) -> None:
        """The operator opens the incident's first camera at ``seconds``."""
        self.play_to(seconds)
        incident = self.backend.snapshot().result().incidents[incident_id]
        nearest = self.sim.city.nearest_cameras(incident.lat, incident.lon, 1)
        camera = incident.cameras[0] if incident.cameras else nearest[0][0].id
        view = CameraViewed(camera, "incident response", incident_id=incident_id)
        self.backend.publish([view.to_new("workstation", OPERATOR, self.at_ms)]).result()

    def close(self) -> None:
        """Close the log."""
        self.backend.close()


FIRE_AT_S = 3 * 60 + 25  # the drill's fire, 3 min 25 s after its report


def prepare_fire_drill_log(path: Path, exercise: bool = True) -> tuple[str, list[str]]:
    """The fire with a blocked access road played as a drill (or for real, when not
    ``exercise``), 3 min 25 s in: the operator saw
    the scene within a minute, did three steps, answered that the access road is blocked,
    and has not sent the packet to 119 yet (its golden time is over); returns the fire's id
    and its cameras."""
    config = SimulatorConfig(
        seed=8,
        rate=0,
        minor_every_s=math.inf,
        scenarios=("fire_blocked_access",),
        loop=False,
        exercise=exercise,
    )
    drill = WorkedScenario(path, config, FIRE_AT_S / 60)
    drill.play_to(0.1)
    fire = drill.incident("F-FIRE")
    drill.work(20, Acknowledge(fire, "CCTV 확인"), Assign(fire, assignee=OPERATOR))
    drill.look(38, fire)
    drill.work(40, CompleteStep(fire, "cameras"))
    drill.work(56, CompleteStep(fire, "still"))
    drill.work(87, CompleteStep(fire, "route"))
    drill.work(107, CompleteStep(fire, "access-blocked", answer="yes"))
    drill.play_to(121)  # the blocked road is reported (and gets its procedure)
    drill.work(150, Acknowledge(drill.incident("F-BLOCK")))
    drill.play_to(FIRE_AT_S)
    cameras = drill.backend.snapshot().result().incidents[fire].cameras
    drill.close()
    return fire, cameras


FLOOD_AT_S = 42 * 60  # the river flood, 42 minutes after the rain began


def prepare_flood_work_log(path: Path) -> tuple[str, list[str], list[str]]:
    """The river flood 42 minutes in, the city reporting meanwhile: the flood warning (주의)
    worked step by step, the owners texted only once the car park was at risk (경계), so
    that golden time was missed; returns the flood incident, its gauge and rain gauge, and
    the car park's cameras."""
    config = SimulatorConfig(seed=5, rate=3, scenarios=("river_flood",), loop=False)
    flood = WorkedScenario(path, config, FLOOD_AT_S / 60)
    flood.play_to(20 * 60 + 1)
    warning = flood.incident("D-FLOOD")
    flood.work(20 * 60 + 30, Acknowledge(warning), Assign(warning, assignee=OPERATOR))
    flood.work(20 * 60 + 50, CompleteStep(warning, "gauge"))
    flood.look(21 * 60 + 10, warning)
    flood.work(21 * 60 + 20, CompleteStep(warning, "cameras"))
    flood.work(23 * 60, CompleteStep(warning, "car-park"))
    flood.work(23 * 60 + 30, CompleteStep(warning, "cars-parked", answer="yes"))
    flood.play_to(35 * 60 + 1)  # the car park at risk is reported (and gets its procedure)
    flood.work(35 * 60 + 40, Acknowledge(flood.incident("D-CARFLD")))
    flood.work(40 * 60 + 10, CompleteStep(warning, "notify-owners"))
    flood.play_to(FLOOD_AT_S)
    state = flood.backend.snapshot().result()
    sensors = list(state.incidents[warning].sensors)
    cameras = state.incidents[flood.incident("D-CARFLD")].cameras
    flood.close()
    return warning, sensors, cameras


PROCEDURE_WINDOW = (2240, 1260)  # the docks' smallest sizes already need about 2090 px


def shoot_procedure(
    path: Path,
    language: str,
    out: Path,
    incident_id: str,
    cameras: list[str],
    sensors: list[str] | None = None,
) -> None:
    """The whole window with ``incident_id`` selected, its procedure in front, ``cameras``
    live on the video wall (and ``sensors`` plotted), saved to ``out``. The queue is widened
    so its Type column reads, and the checklist is given most of the right column's height."""
    with docs_context(path, language) as (app, context):
        window = MainWindow(context, all_panels(), remember_layout=False)
        window.resize(*PROCEDURE_WINDOW)
        queue = window.panels["incidents"]
        situation_map = window.panels["map"]
        procedure = window.panels["procedure"]
        sensor_panel = window.panels["sensors"]
        wall = window.panels["video_wall"]
        assert isinstance(wall, VideoWallPanel)
        assert isinstance(queue, IncidentQueuePanel)
        assert isinstance(situation_map, MapPanel)
        assert isinstance(procedure, ProcedurePanel)
        assert isinstance(sensor_panel, SensorsPanel)
        context.store.start()
        window.show()

        def select() -> None:
            if not (context.store.is_loaded and context.procedures.loaded):
                QTimer.singleShot(50, select)
                return
            docks = window.docks
            horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
            window.resizeDocks([docks["incidents"], docks["procedure"]], [720, 760], horizontal)
            window.resizeDocks([docks["procedure"], docks["video_wall"]], [700, 300], vertical)
            window.resizeDocks([docks["sensors"]], [360 if sensors else 220], vertical)
            queue.select_incident(incident_id)
            procedure.bring_forward()
            if sensors:
                sensor_panel.refresh()
                sensor_panel.select_sensors(sensors)
            for index, camera in enumerate(cameras[:4]):
                wall.open_camera(camera, index)
            QTimer.singleShot(3000, grab)  # the map flies, the lanes draw, the tiles play

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(out))
            window.close()
            app.quit()

        situation_map.camerasLoaded.connect(lambda _count: QTimer.singleShot(300, select))
        app.exec()
        for index in range(len(cameras[:4])):
            wall.close_camera(index)


def main() -> int:
    """Make the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--only",
        choices=("all", "sensors", "procedures", "dispatch", "replay"),
        default="all",
        help="which screenshots to make",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.only in ("all", "dispatch"):
            from tools import outbox_screenshot, packet_screenshot

            print(f"saved {packet_screenshot.main(args.out, Path(folder))}")
            target = args.out / "outbox.png"
            outbox_screenshot.shoot(target, "en", None)
            print(f"saved {target}")
            if args.only == "dispatch":
                return 0
        if args.only in ("all", "replay"):
            from tools import replay_screenshot

            for saved in replay_screenshot.main(args.out, Path(folder)):
                print(f"saved {saved}")
            if args.only == "replay":
                return 0
        if args.only in ("all", "procedures"):
            fire_log = Path(folder) / "fire-drill.db"
            fire, fire_cameras = prepare_fire_drill_log(fire_log)
            target = args.out / "procedure-fire.png"
            shoot_procedure(fire_log, "en", target, fire, fire_cameras)
            print(f"saved {target}")
            flood_log = Path(folder) / "flood.db"
            flood, gauges, car_park = prepare_flood_work_log(flood_log)
            target = args.out / "procedure-flood.png"
            shoot_procedure(flood_log, "ko", target, flood, car_park, gauges)
            print(f"saved {target}")
            if args.only == "procedures":
                return 0
        sensor_log = Path(folder) / "sensors.db"
        rivers = prepare_flood_log(sensor_log)
        target = args.out / "sensors.png"
        shoot_sensors(sensor_log, rivers, target)
        print(f"saved {target}")
        if args.only == "sensors":
            return 0
        log = Path(folder) / "docs.db"
        prepare_log(log)
        extra = korean_layers(Path(folder))
        for language, profile, name, layers in (
            ("ko", "lite", "main-window-ko.png", None),
            ("en", "lite", "main-window-en.png", None),
            ("ko", "full", "main-window-full-profile.png", None),
            ("ko", "full", "map-korean-layers.png", extra),
        ):
            target = args.out / name
            shoot(log, language, target, profile, layers)
            print(f"saved {target}")
        for tiles in (4, 16):
            target = args.out / f"video-wall-{tiles}.png"
            shoot_wall(log, tiles, target)
            print(f"saved {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
