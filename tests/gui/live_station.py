"""A workstation with its live services (situation rules, field-device feed) for GUI tests:
a real SQLite log, the lite city, the main window without panels, offscreen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from core.city import City, load_city
from core.events import EventRecord, EventType
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from ui.app import LiveServices, build_context, start_live_services
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.settings import Settings


@lru_cache(maxsize=1)
def lite_city() -> City:
    return load_city("lite")


@dataclass
class LiveStation:
    context: AppContext
    window: MainWindow
    backend: LocalBackend
    services: LiveServices
    situations: list[EventRecord] = field(default_factory=list)

    def detected(self, sensor_id: str) -> bool:
        """Whether a situation was detected from a reading of ``sensor_id``."""
        return any(
            reading[0] == sensor_id
            for record in self.situations
            for reading in record.payload["readings"]
        )


def station_settings(folder: Path) -> Settings:
    """Settings kept in the test's own folder."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    return settings


@contextmanager
def live_station(
    qtbot: Any,
    folder: Path,
    configure: Callable[[Settings], None] = lambda _settings: None,
    **mqtt_options: Any,
) -> Iterator[LiveStation]:
    """Start the workstation as the app does (rules and feed once the replica has loaded)
    and stop everything at the end."""
    settings = station_settings(folder)
    configure(settings)
    backend = LocalBackend.open(folder / "events.db")
    context = build_context(backend, lite_city(), NoticeBoard(), settings, "en")
    window = MainWindow(context, [], remember_layout=False)
    qtbot.addWidget(window)
    services = start_live_services(context, window, **mqtt_options)
    station = LiveStation(context, window, backend, services)

    def collect(records: list[EventRecord]) -> None:
        station.situations += [r for r in records if r.type == EventType.SITUATION_DETECTED]

    context.store.eventsApplied.connect(collect)
    context.store.start()
    window.show()
    try:
        qtbot.waitUntil(lambda: context.store.is_loaded)
        yield station
    finally:
        if window.rules_editor is not None:
            window.rules_editor.editor.document().setModified(False)
            window.rules_editor.close()
        services.stop()
        window.close()
        context.store.stop()
        backend.close()
