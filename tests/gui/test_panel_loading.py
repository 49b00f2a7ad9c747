"""The desk's start-up: the window shows with placeholders, the panels arrive after it, one that
fails to build says so and the rest still come, and the log is read once they are all there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core.local_backend import LocalBackend
from core.notices import NoticeBoard, NoticeLevel
from panels import all_panels
from tests.gui.conftest import folder_settings, lite_city
from ui.app import RunningWorkstation, open_workstation
from ui.context import AppContext, PanelSpec
from ui.panel_loading import PanelPlaceholder


def _broken_panel(_context: AppContext) -> QWidget:
    raise OSError("resources/city/sensors.json: file not found")


BROKEN = PanelSpec(
    "broken",
    lambda: "Broken panel",
    _broken_panel,
    Qt.DockWidgetArea.BottomDockWidgetArea,
)


@contextmanager
def starting_desk(
    qtbot: QtBot, folder: Path, extra: tuple[PanelSpec, ...] = ()
) -> Iterator[tuple[RunningWorkstation, NoticeBoard]]:
    """A workstation opened as the desk opens it (panels after the show), not shown yet."""
    backend = LocalBackend.open(folder / "events.db")
    settings = folder_settings(folder)
    notices = NoticeBoard()
    # The map's web engine costs a second and is not what this is about.
    panels = [p for p in all_panels() if p.id != "map"] + list(extra)
    station = open_workstation(
        backend,
        lite_city(),
        notices,
        settings,
        "en",
        panels,
        remember_layout=False,
        panels_after_show=True,
    )
    qtbot.addWidget(station.window)
    try:
        yield station, notices
    finally:
        station.window.close()
        station.shutdown()  # closes the backend too


def test_the_window_shows_placeholders_first_then_each_panel_then_reads_the_log(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with starting_desk(qtbot, tmp_path) as (station, _notices):
        window, context = station.window, station.context
        assert window.panels == {}
        holders = [dock.widget() for dock in window.docks.values()]
        texts = [h.text() for h in holders if isinstance(h, PanelPlaceholder)]
        assert len(texts) == len(holders)
        assert "Loading Incident queue…" in texts
        assert not window.panel_loader.done
        assert not context.store.is_loaded  # panels first: none is built into a loaded state

        window.show()
        qtbot.waitUntil(lambda: window.panel_loader.done)
        assert set(window.panels) == set(window.docks)
        for panel_id, dock in window.docks.items():
            assert dock.widget() is window.panels[panel_id]
        qtbot.waitUntil(lambda: context.store.is_loaded)
        assert not window.findChildren(PanelPlaceholder)


def test_a_panel_that_fails_to_build_says_why_and_the_rest_of_the_desk_starts(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with starting_desk(qtbot, tmp_path, (BROKEN,)) as (station, notices):
        window, context = station.window, station.context
        window.show()
        qtbot.waitUntil(lambda: window.panel_loader.done)
        assert "broken" not in window.panels
        holder = window.docks["broken"].widget()
        assert isinstance(holder, PanelPlaceholder) and holder.failed
        assert "Broken panel" in holder.text()
        assert "resources/city/sensors.json: file not found" in holder.text()
        errors = [n for n in notices.history if n.level is NoticeLevel.ERROR]
        assert [n.source for n in errors] == ["Broken panel"]
        # Every other panel is there and the log is read.
        assert set(window.panels) == set(window.docks) - {"broken"}
        qtbot.waitUntil(lambda: context.store.is_loaded)
