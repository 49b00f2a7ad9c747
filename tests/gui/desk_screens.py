"""A workstation on emulated monitors, for tests/gui/test_desk_layout_screens.py.

Run as ``python -m tests.gui.desk_screens FOLDER STEP...`` under
``QT_QPA_PLATFORM=offscreen:configfile=screens.json``; prints one JSON line per step saying
where the window and its docks are. Steps:

- ``arrange``: a first start; the main window maximised on screen B, the video wall floated
  on screen A, the sensors floated on B, the outbox tabbed with the replay timeline; closed
  (which saves the layout).
- ``copy:NAME``: a copy of the saved settings into FOLDER/NAME, for a start elsewhere.
- ``reopen``: a start that restores the saved layout (left open for the next steps).
- ``unplug``: screen B goes away while the workstation runs.
- ``shoot``: pictures of the main window and the floated video wall, into FOLDER.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEventLoop, QRect, QSettings, QTimer
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QApplication, QDockWidget

from core.city import load_city
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from panels import all_panels
from ui.app import build_context, prepare_qt
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.settings import Settings

WALL_ON_A = QRect(300, 200, 900, 600)
SENSORS_ON_B = QRect(1920 + 1200, 500, 600, 400)


def settle(condition: Callable[[], bool] = lambda: False, timeout_ms: int = 300) -> None:
    """Run the event loop until ``condition`` holds or ``timeout_ms`` passes."""
    clock = QElapsedTimer()
    clock.start()
    loop = QEventLoop()
    while not condition() and clock.elapsed() < timeout_ms:
        QTimer.singleShot(10, loop.quit)
        loop.exec()


def screen(name: str) -> QScreen:
    return next(s for s in QGuiApplication.screens() if s.name() == name)


def rect(value: QRect) -> list[int]:
    return [value.x(), value.y(), value.width(), value.height()]


class Desk:
    """A workstation over a log and a settings file in ``folder``, remembering its layout."""

    def __init__(self, folder: Path) -> None:
        self.backend = LocalBackend.open(folder / "events.db")
        settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        settings.alert_sound = False
        settings.recording_dir = folder / "recordings"
        settings.mask_file = folder / "privacy-masks.json"
        settings.evidence_dir = folder / "evidence"
        self.notices = NoticeBoard()
        self.context: AppContext = build_context(
            self.backend, load_city("lite"), self.notices, settings, "en"
        )
        panels = [p for p in all_panels() if p.id != "map"]  # no web engine: not about it
        self.window = MainWindow(self.context, panels, remember_layout=True)
        self.context.store.start()
        self.window.show_for_work()
        settle(lambda: self.context.store.is_loaded, 20_000)

    def dock(self, panel: str) -> QDockWidget:
        return self.window.docks[panel]

    def float_dock(self, panel: str, where: QRect) -> None:
        dock = self.dock(panel)
        dock.setFloating(True)
        dock.setGeometry(where)
        settle(lambda: dock.isVisible() and dock.geometry() == where)

    def report(self, step: str) -> dict[str, Any]:
        window = self.window
        docks = {}
        for panel in ("video_wall", "sensors", "outbox", "replay"):
            dock = self.dock(panel)
            docks[panel] = {
                "floating": dock.isFloating(),
                "visible": dock.isVisible(),
                "geometry": rect(dock.geometry()),
                "frame": rect(dock.frameGeometry()),
                "screen": dock.screen().name(),
                "tabbed_with": sorted(d.objectName() for d in window.tabifiedDockWidgets(dock)),
            }
        return {
            "step": step,
            "window": {
                "maximized": window.isMaximized(),
                "frame": rect(window.frameGeometry()),
                "screen": window.screen().name(),
            },
            "docks": docks,
            "notices": [n.text for n in self.notices.history],
            "screens": [s.name() for s in QGuiApplication.screens()],
        }

    def close(self) -> None:
        self.window.close()
        self.context.store.stop()
        self.backend.close()


def arrange(folder: Path) -> dict[str, Any]:
    desk = Desk(folder)
    window = desk.window
    on_b = screen("B").availableGeometry()
    window.showNormal()
    settle(lambda: not window.isMaximized())
    window.setGeometry(on_b.adjusted(100, 100, -100, -100))
    settle(lambda: window.screen().name() == "B")
    window.showMaximized()
    settle(lambda: window.isMaximized() and window.frameGeometry() == on_b)
    desk.float_dock("video_wall", WALL_ON_A)
    desk.float_dock("sensors", SENSORS_ON_B)
    window.tabifyDockWidget(desk.dock("replay"), desk.dock("outbox"))
    settle()
    report = desk.report("arrange")
    desk.close()
    return report


def unplug(desk: Desk) -> dict[str, Any]:
    before = len(desk.notices.history)
    gone = screen("B")
    app = QGuiApplication.instance()
    assert isinstance(app, QGuiApplication)
    # What Qt tells the application when a monitor is unplugged (the offscreen platform
    # cannot unplug one while running).
    app.screenRemoved.emit(gone)
    settle(lambda: len(desk.notices.history) > before, 5000)
    settle()
    return desk.report("unplug")


def shoot(desk: Desk, folder: Path) -> dict[str, Any]:
    desk.window.grab().save(str(folder / "window.png"))
    desk.dock("video_wall").grab().save(str(folder / "video_wall.png"))
    return {"step": "shoot"}


def main(argv: list[str]) -> int:
    folder = Path(argv[0])
    prepare_qt()
    app = QApplication(sys.argv[:1])  # noqa: F841  (kept alive for the steps)
    desk: Desk | None = None
    for step in argv[1:]:
        if step == "arrange":
            report = arrange(folder)
        elif step.startswith("copy:"):
            target = folder / step.removeprefix("copy:")
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / "settings.ini", target / "settings.ini")
            report = {"step": step}
        elif step == "reopen":
            desk = Desk(folder)
            settle()
            report = desk.report("reopen")
        elif step == "unplug" and desk is not None:
            report = unplug(desk)
        elif step == "shoot" and desk is not None:
            report = shoot(desk, folder)
        else:
            print(f"desk_screens: unknown step or no workstation open: {step}", file=sys.stderr)
            return 2
        print(json.dumps(report), flush=True)
    if desk is not None:
        desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
