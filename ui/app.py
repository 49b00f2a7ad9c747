"""Start-up of the windowed workstation: Qt, theme, language, backend, simulator, window."""

from __future__ import annotations

import argparse
import getpass
import os
import random
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.backend import Backend, BackendMode
from core.city import City, load_city
from core.clock import Clock
from core.errors import LogOpenError
from core.local_backend import LocalBackend
from core.notices import NoticeBoard, NoticeLevel
from core.readings import RetentionPolicy
from core.simulator import Simulator, SimulatorConfig
from core.sop.definitions import SOP_DIR
from ui.actions import ActionRequests
from ui.bridge import GuiInvoker
from ui.context import AppContext, PanelSpec
from ui.dispatch import DispatchService
from ui.escalation import EscalationBanner, EscalationWatcher
from ui.feed_settings import FieldFeedSettings, SettingsError
from ui.field_ingest import SOURCE, FeedState, FeedStatus, FieldIngest, feed_off
from ui.i18n import install_translators, resolve_language
from ui.main_window import MainWindow
from ui.procedures import ProcedureService, user_procedure_dir
from ui.selection import Selection
from ui.settings import Settings
from ui.settings_file import SettingsFileCheck, checked_user_settings
from ui.situation_rules import SituationRules
from ui.store import EventStore
from ui.theme import apply_theme
from ui.view_store import ViewStore

if TYPE_CHECKING:
    # The remote client's network libraries load only when a workstation uses a backend.
    from ui.remote_link import BackendLink
    from ui.remote_login import RemoteLogin


# What the panels need and the window does not: loaded only once it is on screen.
HEAVY_MODULES = (
    "PySide6.QtWebEngineWidgets",
    "folium",
    "pandas",
    "pyqtgraph",
    "cv2",
    "rasterio",
    "pyogrio",
)


def has_display() -> bool:
    """Whether Qt has a screen to show windows on (or was told which platform to use)."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def reading_retention(settings: Settings, notices: NoticeBoard) -> RetentionPolicy:
    """The readings' retention from the settings; summaries are never kept for less time
    than raw readings (that would lose history the raw readings no longer hold)."""
    raw, summaries = settings.sensor_raw_days, settings.sensor_summary_days
    if summaries < raw:
        notices.post(
            NoticeLevel.WARNING,
            QApplication.translate("Startup", "Settings"),
            QApplication.translate(
                "Startup",
                "Per-minute summaries are kept %1 days but raw readings %2; keeping both %2 days.",
            )
            .replace("%1", str(summaries))
            .replace("%2", str(raw)),
        )
        summaries = raw
    return RetentionPolicy(raw_days=raw, summary_days=summaries)


def _open_backend(
    db: Path, notices: NoticeBoard, interactive: bool, retention: RetentionPolicy | None = None
) -> LocalBackend | None:
    """Open the log; on a bad file offer a new log elsewhere, never touching the bad one."""
    while True:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
            return LocalBackend.open(db, notices=notices, retention=retention)
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


def make_application() -> QApplication:
    """The Qt application (made once), named so the user's settings are found."""
    prepare_qt()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Cityroom")
    app.setOrganizationName("Cityroom")
    return app


def run_gui(
    args: argparse.Namespace,
    default_db: Path,
    panels: Sequence[PanelSpec],
    remote_dir: Path | None = None,
) -> int:
    """Run the windowed workstation until it is closed; return the exit status. With
    ``args.backend`` it works on the centre's operations backend, keeping its copy of the log
    and its command queue in ``remote_dir``."""
    screenshot: Path | None = args.screenshot
    if screenshot is not None and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    if not has_display():
        print(
            "cityroom: no display found. Run it from a desktop session, under a virtual screen "
            "(xvfb-run -a python main.py), or take a screenshot with --screenshot out.png "
            "--quit-after 10.",
            file=sys.stderr,
        )
        return 2
    from ui.remote_start import remote_login, start_remote_workstation

    settings_file = checked_user_settings()  # before anything reads it (main.py may have)
    for _level, text in settings_file.notices():
        print(f"cityroom: {text}", file=sys.stderr)
    remote_url: str | None = getattr(args, "backend", None)
    interactive = screenshot is None
    login: RemoteLogin | int | None = None
    if remote_url and not interactive:
        login = remote_login(args, remote_url, interactive=False)  # before Qt: fails fast
        if isinstance(login, int):
            return login
    app = make_application()
    settings = Settings()
    if args.streams is not None:
        settings.stream_registry = args.streams.resolve()
    if args.mqtt is not None:
        try:
            settings.mqtt_broker = args.mqtt
        except SettingsError as error:
            print(f"cityroom: --mqtt: {error}", file=sys.stderr)
            return 2
    language = resolve_language(args.language, settings.language)
    install_translators(app, language)
    apply_theme(app, *desk_look(args, settings))

    notices = NoticeBoard()
    station: RunningWorkstation
    if remote_url:
        if login is None:
            login = remote_login(args, remote_url, interactive=True)
        if isinstance(login, int):
            return login
        settings.backend_url = remote_url  # the desk's backend from now on
        station = start_remote_workstation(
            login,
            remote_dir or default_db.parent / "remote",
            load_city(args.profile),
            settings,
            language,
            panels,
            notices=notices,
            remember_layout=interactive,
            prompt_sign_in=interactive,
            panels_after_show=True,
        )
    else:
        backend = _open_backend(
            args.db or default_db,
            notices,
            interactive=interactive,
            retention=reading_retention(settings, notices),
        )
        if backend is None:
            return 1
        city = load_city(args.profile)
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
        station = open_workstation(
            backend,
            city,
            notices,
            settings,
            language,
            panels,
            simulator=simulator,
            remember_layout=interactive,
            panels_after_show=True,
        )
    window, context = station.window, station.context
    # Once the window listens, so the status bar shows it (nothing modal at start).
    report_settings_file(settings_file, notices)
    window.show_for_work()
    if os.environ.get("CITYROOM_REPORT_READY"):
        # For the start-up benchmark and tests: say when the window is on screen (and which
        # heavy libraries were loaded by then), and when it is up and the queue is filled.
        loaded = [name for name in HEAVY_MODULES if name in sys.modules]
        print(f"cityroom: shown; heavy modules loaded: {', '.join(loaded) or 'none'}", flush=True)

        def ready() -> None:
            print("cityroom: ready", flush=True)

        if context.store.is_loaded:
            ready()
        else:
            # Once: a later ``loaded`` (the backend's state replaced) is not the start-up.
            context.store.loaded.connect(ready, Qt.ConnectionType.SingleShotConnection)

    app.aboutToQuit.connect(station.shutdown)
    if args.quit_after is not None:

        def finish() -> None:
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                window.grab().save(str(screenshot))
            window.close()
            app.quit()

        # Counted from when the panels are all there (the screenshot shows the whole desk).
        def count_down() -> None:
            QTimer.singleShot(int(args.quit_after * 1000), finish)

        if window.panel_loader.done:
            count_down()
        else:
            window.panel_loader.finished.connect(
                count_down, Qt.ConnectionType.SingleShotConnection
            )
    return int(app.exec())


def desk_look(args: argparse.Namespace, settings: Settings) -> tuple[str, float]:
    """The theme and text size to start with: the command line's for this run (--theme,
    --font-scale), else the settings'."""
    theme: str | None = getattr(args, "theme", None)
    scale: float | None = getattr(args, "font_scale", None)
    return (theme or settings.theme, scale or settings.font_scale)


def report_settings_file(check: SettingsFileCheck, notices: NoticeBoard) -> None:
    """Post what the start-up found in the settings file (set aside, migrated, newer)."""
    for level, text in check.notices():
        notices.post(level, "settings", text)


class RunningWorkstation:
    """A workstation's window and what runs behind it, until :meth:`shutdown`."""

    def __init__(
        self,
        context: AppContext,
        window: MainWindow,
        services: LiveServices,
        link: BackendLink | None = None,
    ) -> None:
        self.context = context
        self.window = window
        self.services = services
        self.link = link
        self.is_down = False

    @property
    def backend(self) -> Backend:
        """The backend the window works on."""
        return self.context.backend

    def shutdown(self) -> None:
        """Stop the workers, the replica's reader and the backend (once)."""
        if self.is_down:
            return
        self.is_down = True
        context = self.context
        self.window.drills.shutdown()  # the live simulator, and a drill's (which stays on)
        if context.dispatch is not None:
            context.dispatch.stop()  # sends under way finish and are logged
        self.services.stop()
        context.store.stop()
        context.backend.close()


def open_workstation(
    backend: Backend,
    city: City,
    notices: NoticeBoard,
    settings: Settings,
    language: str,
    panels: Sequence[PanelSpec],
    *,
    simulator: Simulator | None = None,
    remember_layout: bool = True,
    actor: str | None = None,
    panels_after_show: bool = False,
) -> RunningWorkstation:
    """Build the window over ``backend`` and start what runs behind it (not shown yet).
    ``panels_after_show``: the panels are built once the window is shown (the desk's start-up),
    and the log is read once they are there."""
    context = build_context(backend, city, notices, settings, language, actor=actor)
    window = MainWindow(
        context,
        panels,
        simulator,
        remember_layout=remember_layout,
        panels_after_show=panels_after_show,
    )
    services = start_live_services(context, window)
    if window.panel_loader.done:
        context.store.start()
    else:
        # Panels take the replica's state as it loads, as they always have (none is built
        # into an already loaded one).
        window.panel_loader.finished.connect(
            context.store.start, Qt.ConnectionType.SingleShotConnection
        )
    # Once the replica has loaded, and not over a drill the log says is still on.
    window.drills.start_live_simulator()
    station = RunningWorkstation(context, window, services)
    if context.dispatch is not None:
        start_dispatch_after_load(context.dispatch, context, backend, lambda: not station.is_down)
    return station


def start_dispatch_after_load(
    dispatch: DispatchService,
    context: AppContext,
    backend: Backend,
    wanted: Callable[[], bool] = lambda: True,
) -> None:
    """Start the agency link a second after the replica has loaded: its imports and servers
    would otherwise compete with the start-up for the interpreter. ``wanted`` False by then
    (the window was shut down meanwhile): nothing starts."""

    def start() -> None:
        if wanted():
            dispatch.start_live(backend)

    def later() -> None:
        QTimer.singleShot(DISPATCH_DELAY_MS, start)

    if context.store.is_loaded:
        later()
    else:
        context.store.loaded.connect(later, Qt.ConnectionType.SingleShotConnection)


DISPATCH_DELAY_MS = 1000


class LiveServices:
    """The workers behind the window: the situation rules, the field-device feed, the
    procedures (watched folders, the starter) and the escalation watcher. On the operations
    backend there are no rules and no feed here: the server runs them."""

    def __init__(
        self,
        rules: SituationRules | None,
        feed: FieldIngest | None,
        procedures: ProcedureService,
        escalation: EscalationWatcher,
    ) -> None:
        self.rules = rules
        self.feed = feed
        self.procedures = procedures
        self.escalation = escalation

    def stop(self) -> None:
        """Stop the feed first (its readings go to the rules), then the rules, then what
        acts on incidents."""
        if self.feed is not None:
            self.feed.stop()
        if self.rules is not None:
            self.rules.stop()
        self.escalation.stop()
        self.procedures.stop()


def start_live_services(
    context: AppContext, window: MainWindow, clock: Clock | None = None, **mqtt_options: Any
) -> LiveServices:
    """Start the situation rules, the procedures' starter and the escalation watcher and,
    when a broker is set, the field-device feed, all once the replica has loaded; ``clock``
    drives the escalation (the system clock by default); ``mqtt_options`` are extra MQTT
    adapter settings."""
    notices, settings = context.notices, context.settings
    for problem in settings.problems(skip=(FieldFeedSettings,)):
        text = QCoreApplication.translate("Startup", "%1; using the default.")
        notices.post(NoticeLevel.WARNING, "settings", text.replace("%1", problem))
    rules: SituationRules | None = None
    feed: FieldIngest | None = None
    feed_status: Callable[[], FeedStatus | None] = lambda: None  # noqa: E731
    if context.backend.mode is BackendMode.REMOTE:
        _say_server_feeds(context)
    else:
        rules = SituationRules(context)
        try:
            config = settings.field_feed()
        except SettingsError as error:
            notices.post(NoticeLevel.ERROR, SOURCE, feed_off(error))
            failed = FeedStatus(FeedState.FAILED, reason=str(error))
            feed_status = lambda: failed  # noqa: E731
        else:
            if config.enabled:
                feed = FieldIngest(config, context.city, context.backend, notices, **mqtt_options)
                feed_status = feed.status
                # Readings that arrive after the replica has loaded come after the point the
                # rules start judging from, so every one of them is judged.
                if context.store.is_loaded:
                    feed.start()
                else:
                    context.store.loaded.connect(
                        feed.start, Qt.ConnectionType.SingleShotConnection
                    )
    window.attach_services(rules, feed_status)
    context.procedures.start_live(context.backend, context.store)
    banner = EscalationBanner(context.language == "ko")
    window.set_alert_banner(banner)
    escalation = EscalationWatcher(context, banner, clock, parent=window)
    return LiveServices(rules, feed, context.procedures, escalation)


def _say_server_feeds(context: AppContext) -> None:
    """A broker in the settings is for standalone work: say once that it is not used here."""
    try:
        broker = context.settings.mqtt_broker
    except SettingsError:
        broker = ""
    if broker:
        context.notices.post(
            NoticeLevel.INFO,
            SOURCE,
            QCoreApplication.translate(
                "Startup",
                "The field-device broker %1 in the settings is not used on the operations "
                "backend: the server takes in the field devices' readings.",
            ).replace("%1", broker),
        )


def build_context(
    backend: Backend,
    city: City,
    notices: NoticeBoard,
    settings: Settings,
    language: str,
    *,
    actor: str | None = None,
) -> AppContext:
    """Wire the shared services panels receive; ``actor`` (default: the OS user as an
    operator) is who the workstation acts as."""
    invoker = GuiInvoker()
    store = EventStore(backend)
    store.failed.connect(lambda text: notices.post(NoticeLevel.ERROR, "event log", text))
    # The user's folder comes last: its files may add procedures to the shipped ones.
    procedures = ProcedureService(invoker, notices, (SOP_DIR, user_procedure_dir()))
    procedures.load()
    dispatch = DispatchService(
        invoker,
        notices,
        path=settings.dispatch_registry,
        simulate_agencies=settings.simulate_agencies,
        settings=settings,
    )
    return AppContext(
        backend=backend,
        store=store,
        view=ViewStore(store),
        city=city,
        notices=notices,
        invoker=invoker,
        settings=settings,
        selection=Selection(),
        actor=actor or f"operator:{getpass.getuser()}",
        language=language,
        actions=ActionRequests(),
        procedures=procedures,
        dispatch=dispatch,
    )
