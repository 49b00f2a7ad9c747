"""The operator's desk layout: floating docks come back where they were (through the real
settings file), Reset layout, a new panel is not hidden by an old layout, pieces off every
screen come back onto the main screen, and the layout is saved as it changes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QKeySequence,
    QMoveEvent,
    QResizeEvent,
    QShowEvent,
)
from pytestqt.qtbot import QtBot

from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from panels import all_panels
from tests.gui.conftest import Workstation, folder_settings, lite_city
from ui.app import build_context
from ui.desk_layout import (
    MAIN,
    DeskRecord,
    covered_share,
    fitted,
    mentions,
    pack_state,
    reachable,
    rescue_moves,
    unpack_state,
)
from ui.main_window import MainWindow
from ui.settings import Settings

A = QRect(0, 0, 1920, 1080)
B = QRect(1920, 0, 1920, 1080)
# The sensors float here. The video wall is wider than the one offscreen screen (800 × 800)
# and stays out of these windows; tests/gui/test_desk_layout_screens.py floats it on
# emulated full-HD monitors.
FLOAT = QRect(60, 80, 520, 380)
GONE = QRect(2900, 150, 520, 380)  # where a screen to the right used to be


# -- the geometry decision, over rectangles ---------------------------------------------------


def test_a_frame_on_a_screen_stays_and_one_on_a_vanished_screen_moves_to_the_primary() -> None:
    frames = {"wall": QRect(2300, 200, 800, 600), "queue": QRect(100, 100, 600, 400)}
    assert rescue_moves(frames, [A, B], A, [A, B]) == {}
    moves = rescue_moves(frames, [A], A, [A, B])
    # Same place relative to its screen: the operator finds it where they look for it.
    assert moves == {"wall": QRect(380, 200, 800, 600)}


def test_a_frame_mostly_off_the_screens_or_with_its_title_bar_off_them_is_rescued() -> None:
    assert covered_share(QRect(1800, 0, 400, 100), [A]) == 0.3
    assert not reachable(QRect(1800, 0, 400, 100), [A])  # 70 % in the void
    assert reachable(QRect(1700, 0, 400, 100), [A])  # 55 % on the screen
    assert not reachable(QRect(100, -60, 400, 100), [A])  # title bar above the screen
    assert not reachable(QRect(100, 100, 0, 0), [A])
    # Mirrored monitors overlap: their pixels count once.
    assert covered_share(QRect(0, 0, 100, 100), [A, A]) == 1.0


def test_a_rescued_frame_larger_than_the_primary_is_fitted_to_it() -> None:
    small = QRect(0, 0, 1280, 720)
    assert fitted(QRect(1000, 500, 2000, 400), small) == QRect(0, 320, 1280, 400)
    # No screen recorded: pushed in from where it was.
    assert rescue_moves({"w": QRect(5000, 100, 300, 200)}, [small], small) == {
        "w": QRect(980, 100, 300, 200)
    }


def test_the_desk_record_travels_ahead_of_the_state_and_an_older_state_still_reads() -> None:
    record = DeskRecord({MAIN: QRect(0, 0, 10, 20), "dock-x": QRect(-5, 3, 7, 9)}, [A, B])
    state, back = unpack_state(pack_state(b"\x00\x01qt", record))
    assert state == b"\x00\x01qt"
    assert back == record
    assert unpack_state(b"\x00\x01qt") == (b"\x00\x01qt", None)
    broken = pack_state(b"qt", record).replace(b'"frames"', b'"framez"')
    assert unpack_state(broken) == (b"qt", None)  # the layout itself is still restored


# -- the window ---------------------------------------------------------------------------------


@contextmanager
def desk(
    qtbot: QtBot, folder: Path, without: tuple[str, ...] = ()
) -> Iterator[tuple[Workstation, NoticeBoard]]:
    """A workstation remembering its layout in ``folder``'s settings file (the map, the video
    wall and the panels ``without`` left out), shown as the app shows it."""
    folder.mkdir(parents=True, exist_ok=True)
    backend = LocalBackend.open(folder / "events.db")
    settings = folder_settings(folder)
    notices = NoticeBoard()
    context = build_context(backend, lite_city(), notices, settings, "en")
    left_out = ("map", "video_wall", *without)
    panels = [p for p in all_panels() if p.id not in left_out]
    window = MainWindow(context, panels, remember_layout=True)
    qtbot.addWidget(window)
    context.store.start()
    window.show_for_work()
    try:
        qtbot.waitUntil(lambda: context.store.is_loaded)
        qtbot.waitExposed(window)
        yield Workstation(context, window, backend), notices
    finally:
        window.close()
        context.store.stop()
        backend.close()


def float_dock(qtbot: QtBot, station: Workstation, panel: str, where: QRect) -> None:
    dock = station.window.docks[panel]
    dock.setFloating(True)
    dock.setGeometry(where)
    qtbot.waitUntil(lambda: dock.isVisible() and dock.geometry() == where)


def docks_now(
    window: MainWindow, which: Iterable[str] | None = None
) -> dict[str, tuple[bool, tuple[int, int, int, int], list[str]]]:
    """Each dock's visibility, place and tab companions."""
    return {
        panel: (
            dock.isVisible(),
            (dock.x(), dock.y(), dock.width(), dock.height()),
            sorted(d.objectName() for d in window.tabifiedDockWidgets(dock)),
        )
        for panel, dock in window.docks.items()
        if which is None or panel in which
    }


def saved(station: Workstation) -> tuple[bytes, DeskRecord | None]:
    _geometry, blob = station.context.settings.window_state()
    return unpack_state(blob or b"")


def test_a_floating_dock_tabs_and_a_closed_dock_come_back_after_a_restart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (first, _notices):
        window = first.window
        float_dock(qtbot, first, "sensors", FLOAT)
        window.tabifyDockWidget(window.docks["replay"], window.docks["outbox"])
        window.docks["incidents"].close()
    with desk(qtbot, tmp_path) as (second, notices):
        window = second.window
        sensors = window.docks["sensors"]
        qtbot.waitUntil(sensors.isVisible)
        assert sensors.isFloating()
        assert sensors.geometry() == FLOAT
        assert window.tabifiedDockWidgets(window.docks["outbox"]) == [window.docks["replay"]]
        assert window.docks["incidents"].isHidden()  # closed by the operator, stays closed
        assert not window.docks["incident_detail"].isFloating()
        assert notices.history == []  # everything was on a screen: nothing to say


def test_reset_layout_docks_and_shows_every_panel_and_forgets_the_saved_layout(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (station, notices):
        window = station.window
        qtbot.waitUntil(lambda: window.desk.watching)
        first_start = docks_now(window)
        float_dock(qtbot, station, "sensors", FLOAT)
        window.docks["incidents"].close()
        window.tabifyDockWidget(window.docks["replay"], window.docks["outbox"])
        window.resizeDocks([window.docks["outbox"]], [500], Qt.Orientation.Vertical)
        window.desk.save()
        assert saved(station)[0]
        alert_bar_hidden = window.alert_bar.isHidden()
        reset = [a for a in window.view_menu.actions() if a.text() == "&Reset layout"]
        assert reset == [window.reset_layout_action]
        resets = []
        window.desk.layoutReset.connect(lambda: resets.append(True))

        window.reset_layout_action.trigger()

        qtbot.waitUntil(lambda: all(d.isVisible() for d in window.docks.values()))
        assert not any(d.isFloating() for d in window.docks.values())
        for panel, area in (
            ("incident_detail", Qt.DockWidgetArea.RightDockWidgetArea),
            ("sensors", Qt.DockWidgetArea.BottomDockWidgetArea),
            ("incidents", Qt.DockWidgetArea.LeftDockWidgetArea),
        ):
            assert window.dockWidgetArea(window.docks[panel]) is area
        # As on the first start, sizes too (but for the procedure's tab, which its panel
        # makes: see the layoutReset signal).
        first_start.pop("procedure")
        first_start.pop("incident_detail")
        qtbot.waitUntil(lambda: docks_now(window, first_start) == first_start)
        assert window.alert_bar.isHidden() == alert_bar_hidden  # alerts decide that
        assert station.context.settings.window_state() == (b"", b"")
        assert [n.text for n in notices.history] == ["Layout reset"]
        assert resets == [True]
        # The reset's own moves are not the operator arranging: nothing is saved for them.
        qtbot.waitUntil(lambda: window.desk.watching)
        QCoreApplication.processEvents()
        assert not window.desk.save_timer.isActive()
    # Closing without arranging anew keeps it forgotten: the next start is a first start.
    assert station.context.settings.window_state() == (b"", b"")


def test_late_layout_events_after_a_reset_are_not_the_operator_but_a_real_change_is(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (station, _notices):
        window = station.window
        qtbot.waitUntil(lambda: window.desk.watching)
        window.reset_layout_action.trigger()
        assert not window.desk.watching  # settling: the reset's own moves are coming
        qtbot.waitUntil(lambda: window.desk.watching)
        # What a busy machine delivers late: a dock's resize and show, the window's move,
        # with the arrangement unchanged.
        for dock in window.docks.values():
            QCoreApplication.sendEvent(dock, QResizeEvent(dock.size(), dock.size()))
            QCoreApplication.sendEvent(dock, QShowEvent())
        QCoreApplication.sendEvent(window, QMoveEvent(window.pos(), window.pos()))
        assert not window.desk.save_timer.isActive()
        window.desk.save()  # as closing the window would
        assert station.context.settings.window_state() == (b"", b"")
        # The operator drags a splitter: that is arranging, and it is saved.
        sensors = window.docks["sensors"]
        window.resizeDocks([sensors], [sensors.height() + 120], Qt.Orientation.Vertical)
        qtbot.waitUntil(window.desk.save_timer.isActive)
        window.desk.save()
        assert saved(station)[0]


def test_the_reset_shortcut_is_ctrl_shift_0_and_no_other_action_has_it(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (station, _notices):
        window = station.window
        shortcut = QKeySequence("Ctrl+Shift+0")
        holders = [a for a in window.findChildren(QAction) if shortcut in a.shortcuts()]
        assert holders == [window.reset_layout_action]
        last = window.menuBar().actions()[-1]
        assert last.menu() is window.help_menu
        assert last.text() == "&Help"


def test_a_panel_newer_than_the_saved_layout_shows_in_its_default_area(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path, without=("outbox",)) as (older, _notices):
        float_dock(qtbot, older, "sensors", FLOAT)
    qt_state, _record = saved(older)
    assert not mentions(qt_state, "dock-outbox")
    assert mentions(qt_state, "dock-sensors")
    with desk(qtbot, tmp_path) as (newer, _notices):
        window = newer.window
        outbox = window.docks["outbox"]
        qtbot.waitUntil(outbox.isVisible)
        assert not outbox.isFloating()
        assert window.dockWidgetArea(outbox) is Qt.DockWidgetArea.BottomDockWidgetArea
        assert outbox.width() > 100 and outbox.height() > 50
        assert window.docks["sensors"].isFloating()  # the rest is as the operator left it


def test_a_dock_left_on_a_screen_that_is_gone_comes_back_on_the_main_screen_with_a_notice(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (first, _notices):
        float_dock(qtbot, first, "sensors", GONE)  # the offscreen screen ends at 800
    _state, record = saved(first)
    assert record is not None
    assert record.frames["dock-sensors"].contains(GONE)
    with desk(qtbot, tmp_path) as (second, notices):
        sensors = second.window.docks["sensors"]
        qtbot.waitUntil(sensors.isVisible)
        screen = QGuiApplication.primaryScreen().availableGeometry()
        assert sensors.isFloating()
        assert screen.contains(sensors.frameGeometry())
        assert sensors.size() == GONE.size()  # the same size, on the screen there is
        assert [n.text for n in notices.history] == [
            "The screen the Sensors was on is not connected; it is on the main screen now."
        ]


def test_the_layout_is_saved_shortly_after_it_changes_not_only_on_close(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with desk(qtbot, tmp_path) as (station, _notices):
        window = station.window
        window.desk.save_timer.setInterval(50)  # the 2 s of the app, shortened
        qtbot.waitUntil(lambda: not window.desk.save_timer.isActive())
        float_dock(qtbot, station, "sensors", FLOAT)
        assert window.desk.save_timer.isActive()  # not at every pixel of a drag

        def floated_saved() -> bool:
            record = saved(station)[1]
            return record is not None and "dock-sensors" in record.frames

        qtbot.waitUntil(floated_saved)
        # Read back as a crash would leave it: from the file, by a new settings object.
        again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        _geometry, blob = again.window_state()
        _state, record = unpack_state(blob or b"")
        assert record is not None
        assert record.frames["dock-sensors"].size() == window.docks["sensors"].frameSize()


def test_a_screenshot_run_leaves_the_operators_layout_alone(
    workstation: Workstation, qtbot: QtBot
) -> None:
    settings = workstation.context.settings
    settings.save_window_state(b"theirs", b"their state")
    window = workstation.window
    float_dock(qtbot, workstation, "outbox", FLOAT)
    window.reset_layout_action.trigger()
    window.close()
    assert not window.desk.save_timer.isActive()
    assert settings.window_state() == (b"theirs", b"their state")
