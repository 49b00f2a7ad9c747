"""A real workstation for GUI tests: a SQLite log, the lite city, the main window, offscreen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from core.city import City, load_city
from core.commands import ReportIncident
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from panels import all_panels
from panels.incident_detail.view import IncidentDetailView
from panels.incidents.panel import IncidentQueuePanel
from panels.video_wall.panel import VideoWallPanel
from ui.app import build_context
from ui.context import AppContext
from ui.i18n import install_translators
from ui.main_window import MainWindow
from ui.settings import Settings


@lru_cache(maxsize=1)
def lite_city() -> City:
    return load_city("lite")


@dataclass
class Workstation:
    context: AppContext
    window: MainWindow
    backend: LocalBackend

    @property
    def queue(self) -> IncidentQueuePanel:
        panel = self.window.panels["incidents"]
        assert isinstance(panel, IncidentQueuePanel)
        return panel

    @property
    def wall(self) -> VideoWallPanel:
        panel = self.window.panels["video_wall"]
        assert isinstance(panel, VideoWallPanel)
        return panel

    @property
    def detail(self) -> IncidentDetailView:
        panel = self.window.panels["incident_detail"]
        assert isinstance(panel, IncidentDetailView)
        return panel

    def report(
        self,
        type_code: str,
        district: str = "11230",
        severity: int | None = None,
        actor: str = "agency:112",
    ) -> str:
        lat, lon = lite_city().district(district).centroid
        records = self.backend.submit(
            ReportIncident(type_code, lat, lon, district, severity), actor
        ).result()
        return str(records[0].subject)


def folder_settings(folder: Path) -> Settings:
    """Settings in ``folder``'s own file, silent, with everything the video wall keeps (its
    recordings, masks, evidence) in that folder too."""
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    settings.recording_dir = folder / "recordings"
    settings.mask_file = folder / "privacy-masks.json"
    settings.evidence_dir = folder / "evidence"
    return settings


def _open_workstation(  # type: ignore[no-untyped-def]
    qtbot,
    folder: Path,
    language: str,
    with_map: bool = False,
    tile_url: str | None = None,
    with_wall: bool = False,
    streams: Path | None = None,
) -> Workstation:
    folder.mkdir(parents=True, exist_ok=True)
    backend = LocalBackend.open(folder / "events.db")
    settings = folder_settings(folder)
    settings.tile_url = tile_url
    settings.stream_registry = streams
    context = build_context(backend, lite_city(), NoticeBoard(), settings, language)
    # The map (a web engine page) only where a test is about it: it costs a second per test.
    panels = [
        p
        for p in all_panels()
        if (with_map or p.id != "map") and (with_wall or p.id != "video_wall")
    ]
    window = MainWindow(context, panels, remember_layout=False)
    qtbot.addWidget(window)
    context.store.start()
    window.show()
    qtbot.waitUntil(lambda: context.store.is_loaded)
    return Workstation(context, window, backend)


def _close(station: Workstation) -> None:
    station.window.close()
    station.context.store.stop()
    station.backend.close()


@pytest.fixture
def wall_station(qtbot, tmp_path: Path) -> Iterator[Workstation]:  # type: ignore[no-untyped-def]
    """A workstation with the video wall, in English."""
    station = _open_workstation(qtbot, tmp_path / "wall", "en", with_wall=True)
    yield station
    _close(station)


@pytest.fixture
def workstation(qtbot, tmp_path: Path) -> Iterator[Workstation]:  # type: ignore[no-untyped-def]
    """The workstation in English."""
    station = _open_workstation(qtbot, tmp_path / "en", "en")
    yield station
    _close(station)


@pytest.fixture
def map_workstation(qtbot, tmp_path: Path) -> Iterator[Workstation]:  # type: ignore[no-untyped-def]
    """The workstation with the situation map."""
    station = _open_workstation(qtbot, tmp_path / "map", "en", with_map=True)
    yield station
    _close(station)


@pytest.fixture
def korean_workstation(qtbot, tmp_path: Path) -> Iterator[Workstation]:  # type: ignore[no-untyped-def]
    """The workstation in Korean, with the translation installed before it is built."""
    app = QCoreApplication.instance()
    assert app is not None
    translators = install_translators(app, "ko")
    assert translators, "cityroom_ko.qm is missing: run make setup"
    station = _open_workstation(qtbot, tmp_path / "ko", "ko")
    yield station
    _close(station)
    for translator in translators:
        app.removeTranslator(translator)
