"""Start-up of the windowed workstation: Qt, theme, language, backend, simulator, window."""

from __future__ import annotations

import argparse
import getpass
import os
import random
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.backend import Backend
from core.city import City, load_city
from core.errors import LogOpenError
from core.local_backend import LocalBackend
from core.notices import NoticeBoard, NoticeLevel
from core.simulator import Simulator, SimulatorConfig
from ui.bridge import GuiInvoker
from ui.context import AppContext, PanelSpec
from ui.i18n import install_translators, resolve_language
from ui.main_window import MainWindow
from ui.selection import Selection
from ui.settings import Settings
from ui.store import EventStore
from ui.theme import apply_dark_theme


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_backend(db: Path, notices: NoticeBoard, interactive: bool) -> LocalBackend | None:
    """Open the log; on a bad file offer a new log elsewhere, never touching the bad one."""
    while True:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
            return LocalBackend.open(db, notices=notices)
        except LogOpenError as exc:
            if not interactive:
                print(f"cityroom: {exc}", file=sys.stderr)
                return None
            suggestion = db.with_name(f"cityroom-{datetime.now():%Y%m%d-%H%M%S}.db")
            box = QMessageBox(QMessageBox.Icon.Critical, "Cityroom", str(exc))
            box.setInformativeText(
                QApplication.translate(
                    "Startup", "The file was not changed. Start a new event log elsewhere?"
                )
            )
            new = box.addButton(
                QApplication.translate("Startup", "Start a new log…"),
                QMessageBox.ButtonRole.AcceptRole,
            )
            box.addButton(QMessageBox.StandardButton.Cancel)
            box.exec()
            if box.clickedButton() is not new:
                return None
            chosen, _ = QFileDialog.getSaveFileName(
                None,
                QApplication.translate("Startup", "New event log"),
                str(suggestion),
                "Cityroom event log (*.db)",
            )
            if not chosen:
                return None
            db = Path(chosen)


_SCHEME_REGISTERED = False


def register_map_scheme() -> None:
    """Declare the map's own URL scheme (raster tiles); Qt needs it before the application."""
    global _SCHEME_REGISTERED
    if _SCHEME_REGISTERED:
        return
    from PySide6.QtWebEngineCore import QWebEngineUrlScheme

    scheme = QWebEngineUrlScheme(b"cityroom")
    scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
    # Local: the map page is a local file, and local pages may only load local schemes.
    scheme.setFlags(
        QWebEngineUrlScheme.Flag.SecureScheme
        | QWebEngineUrlScheme.Flag.LocalScheme
        | QWebEngineUrlScheme.Flag.LocalAccessAllowed
        | QWebEngineUrlScheme.Flag.CorsEnabled
    )
    QWebEngineUrlScheme.registerScheme(scheme)
    _SCHEME_REGISTERED = True


def prepare_qt() -> None:
    """What Qt needs before the application object exists (the map's web engine)."""
    # The web engine shares OpenGL contexts with widgets; this must precede QApplication.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    register_map_scheme()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium refuses to sandbox as root; a control-room kiosk often runs as root.
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def run_gui(args: argparse.Namespace, default_db: Path, panels: Sequence[PanelSpec]) -> int:
    """Run the windowed workstation until it is closed; return the exit status."""
    screenshot: Path | None = args.screenshot
    if screenshot is not None and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not _has_display():
        print(
            "cityroom: no display found. Run it from a desktop session, under a virtual screen "
            "(xvfb-run -a python main.py), or take a screenshot with --screenshot out.png "
            "--quit-after 10.",
            file=sys.stderr,
        )
        return 2
    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Cityroom")
    app.setOrganizationName("Cityroom")
    settings = Settings()
    if args.streams is not None:
        settings.stream_registry = args.streams.resolve()
    language = resolve_language(args.language, settings.language)
    install_translators(app, language)
    apply_dark_theme(app)

    notices = NoticeBoard()
    backend = _open_backend(args.db or default_db, notices, interactive=screenshot is None)
    if backend is None:
        return 1
    city = load_city(args.profile)
    context = build_context(backend, city, notices, settings, language)
    simulator = None
    if not args.no_simulator:
        seed = args.seed if args.seed is not None else random.SystemRandom().randint(1, 10**6)
        simulator = Simulator(
            city,
            backend,
            SimulatorConfig(seed=seed, speed=args.speed or 1.0, rate=args.rate),
            notices=notices,
        )
    # A screenshot run has a fixed size and leaves the operator's saved layout alone.
    window = MainWindow(context, panels, simulator, remember_layout=screenshot is None)
    rules = _SituationRules(context)
    context.store.start()
    if simulator is not None:
        simulator.start()
    window.show_for_work()
    if os.environ.get("CITYROOM_REPORT_READY"):
        # For the start-up benchmark: say when the window is up and the queue is filled.
        def ready() -> None:
            print("cityroom: ready", flush=True)

        if context.store.is_loaded:
            ready()
        else:
            context.store.loaded.connect(ready)

    def shutdown() -> None:
        if simulator is not None:
            simulator.stop()
        rules.stop()
        context.store.stop()
        backend.close()

    app.aboutToQuit.connect(shutdown)
    if args.quit_after is not None:

        def finish() -> None:
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(screenshot))
            window.close()
            app.quit()

        QTimer.singleShot(int(args.quit_after * 1000), finish)
    return int(app.exec())


class _SituationRules:
    """The situation rules over the live feed, started once the replica has caught up (so
    history is not judged again and the open incidents are known). The rules package and
    its files load on a thread of their own: they take a few hundred milliseconds."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._runner: Any = None
        self._loader: threading.Thread | None = None
        if context.store.is_loaded:
            self._start()
        else:
            context.store.loaded.connect(self._start, Qt.ConnectionType.SingleShotConnection)

    def _start(self) -> None:
        state = self._context.store.state
        after_seq, city, notices = state.last_seq, self._context.city, self._context.notices
        backend = self._context.backend
        # Read here: the replica's state belongs to the GUI thread.
        known = state.open_incident_places()

        def load() -> None:
            from core.clock import SystemClock
            from core.rules import RuleEngine, default_rules
            from core.rules.runner import RulesRunner

            runner = RulesRunner(
                backend, lambda: RuleEngine(default_rules(), city, SystemClock()), notices=notices
            )
            runner.start(after_seq, known)
            self._runner = runner

        self._loader = threading.Thread(target=load, name="situation rules start", daemon=True)
        self._loader.start()

    def stop(self) -> None:
        """Stop judging (waits for a start still under way)."""
        if self._loader is not None:
            self._loader.join(10)
        if self._runner is not None:
            self._runner.stop()


def build_context(
    backend: Backend, city: City, notices: NoticeBoard, settings: Settings, language: str
) -> AppContext:
    """Wire the shared services panels receive."""
    invoker = GuiInvoker()
    store = EventStore(backend)
    store.failed.connect(lambda text: notices.post(NoticeLevel.ERROR, "event log", text))
    return AppContext(
        backend=backend,
        store=store,
        city=city,
        notices=notices,
        invoker=invoker,
        settings=settings,
        selection=Selection(),
        actor=f"operator:{getpass.getuser()}",
        language=language,
    )
