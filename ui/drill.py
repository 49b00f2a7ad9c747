"""Drill mode: Simulator ▸ Start drill… plays one scenario as an exercise, a teal banner across
the top of the window says so while it runs, and its score is shown when it stops.

A drill is a simulator of its own (the chosen scenario only, no background readings or minor
incidents, every incident marked as an exercise) that replaces the live simulator while it
runs; the live one starts again when the drill is stopped. Whether a drill is on is read from
the folded log (``core.sop.drill.drill_in``), not from what this workstation started, so a
workstation restarted mid-drill shows the banner too, and its Stop drill ends the drill in the
log. Stopping and swapping simulators joins their threads, so it happens on a worker thread.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.clock import Clock, SystemClock
from core.events import EventRecord, EventType, SimulatorState
from core.notices import NoticeLevel
from core.simulator import SCENARIOS, Simulator, SimulatorConfig, SimulatorStatus, scenario
from core.sop.drill import DrillState, drill_in, drill_started_ms
from ui.context import AppContext
from ui.drill_score import DrillScoreDialog
from ui.escalation import format_waited
from ui.shift import log_path
from ui.theme import EXERCISE_COLOUR
from ui.visibility import timer_while_visible
from ui.workers import run_in_thread

if TYPE_CHECKING:
    from ui.main_window import MainWindow

START_DRILL_SHORTCUT = "Ctrl+Shift+E"  # E for exercise; Ctrl+Shift+P/R/D/H are taken
_RUNNING = (SimulatorStatus.RUNNING, SimulatorStatus.PAUSED)
_BANNER_STYLE = f"""
#drillBanner {{ background: {EXERCISE_COLOUR.name()}; }}
#drillBanner QLabel {{ color: #04262c; background: transparent; }}
#drillBanner QLabel#drillTitle {{ font-weight: bold; }}
#drillBanner QPushButton {{
    background: #0b4650; border: 1px solid #04262c; color: #ffffff; padding: 3px 14px;
}}
#drillBanner QPushButton:hover {{ background: #0e5864; }}
"""


def scenario_title(name: str | None, korean: bool) -> str:
    """The scenario's title in the interface language (its name if this version does not
    know it; "?" when the log did not name it)."""
    if name is None:
        return "?"
    known = SCENARIOS.get(name)
    if known is None:
        return name
    return known.title_ko if korean else known.title_en


class DrillBanner(QFrame):
    """The teal bar across the window while a drill is on: what plays, for how long, and the
    Stop drill and Score buttons."""

    stopRequested = Signal()
    scoreRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("drillBanner")
        self.setStyleSheet(_BANNER_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 5, 8, 5)
        self.title = QLabel()
        self.title.setObjectName("drillTitle")
        layout.addWidget(self.title)
        self.elapsed = QLabel()
        layout.addWidget(self.elapsed)
        self.note = QLabel()
        layout.addWidget(self.note, 1)
        self.score_button = QPushButton(self.tr("Score"))
        self.score_button.setToolTip(self.tr("How the drill stands against its golden times"))
        self.score_button.clicked.connect(self.scoreRequested)
        layout.addWidget(self.score_button)
        self.stop_button = QPushButton(self.tr("Stop drill"))
        self.stop_button.setToolTip(
            self.tr("End the drill, show its score and start the live simulator again")
        )
        self.stop_button.clicked.connect(self.stopRequested)
        layout.addWidget(self.stop_button)

    def show_drill(self, title: str, elapsed_ms: int | None, drill: DrillState) -> None:
        """Show ``drill`` (playing scenario ``title``), on for ``elapsed_ms`` (None: not
        known here)."""
        self.title.setText(self.tr("훈련 중 — EXERCISE: %1").replace("%1", title))
        elapsed = format_waited(elapsed_ms) if elapsed_ms is not None else "—"
        self.elapsed.setText(self.tr("Elapsed %1").replace("%1", elapsed))
        if drill.paused:
            note = self.tr("Paused")
        elif drill.script_finished:
            note = self.tr("The scenario has played out: finish the procedures, then stop")
        else:
            note = ""
        self.note.setText(note)


class DrillDialog(QDialog):
    """Choose a scenario and start it as a drill; says first what the start will replace."""

    def __init__(self, drills: DrillMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DrillDialog")
        self.drills = drills
        korean = drills.context.language == "ko"
        self.setWindowTitle(self.tr("Start a drill"))
        self.resize(520, 460)
        layout = QVBoxLayout(self)
        intro = QLabel(
            self.tr(
                "The chosen scenario plays alone, as it would live: no background readings, no "
                "minor incidents. Every incident it reports is marked 훈련 / EXERCISE, and the "
                "drill is scored by the golden-time timers of the procedures worked."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.scenarios = QListWidget()
        for name, known in SCENARIOS.items():
            item = QListWidgetItem(known.title_ko if korean else known.title_en)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(name)
            self.scenarios.addItem(item)
        self.scenarios.setCurrentRow(0)
        self.scenarios.itemDoubleClicked.connect(lambda _item: self.start())
        layout.addWidget(self.scenarios, 1)
        self.replaces = QLabel(self._replaces_text())
        self.replaces.setObjectName("drillReplaces")
        self.replaces.setWordWrap(True)
        self.replaces.setStyleSheet("color: #f5c26b")
        self.replaces.setVisible(bool(self.replaces.text()))
        layout.addWidget(self.replaces)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8b8b")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        replacing = drills.drill is not None
        self.start_button = QPushButton(
            self.tr("Stop it and start this drill") if replacing else self.tr("Start drill")
        )
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        buttons.addWidget(self.start_button)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons.addWidget(cancel)
        layout.addLayout(buttons)

    def _replaces_text(self) -> str:
        drills = self.drills
        if drills.drill is not None:
            return self.tr(
                "A drill is on now: %1. Starting another stops it; its incidents stay in "
                "the log, marked as exercises."
            ).replace("%1", drills.title())
        live = drills.live
        if live is not None and live.info().status in _RUNNING:
            return self.tr(
                "The live city simulator stops while the drill runs and starts again when the "
                "drill is stopped."
            )
        return ""

    def choose(self, name: str) -> None:
        """Select the scenario called ``name``."""
        for row in range(self.scenarios.count()):
            if self.scenarios.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.scenarios.setCurrentRow(row)
                return
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")

    def chosen(self) -> str | None:
        """The selected scenario's name."""
        item = self.scenarios.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def start(self) -> None:
        """Start the selected scenario as a drill and close."""
        name = self.chosen()
        if name is None:
            self.error.setText(self.tr("Choose a scenario first."))
            self.error.show()
            return
        if not self.drills.start_drill(name):
            self.error.setText(
                self.tr("A drill is being started or stopped; try again in a moment.")
            )
            self.error.show()
            return
        self.accept()


class DrillMode(QObject):
    """Starts and stops drills, follows whether one is on in the log, and shows the banner,
    the start dialog and the score. ``speed`` and ``seed`` set how the next drill plays
    (seed None: a new place each time)."""

    drillChanged = Signal()  # a drill began, changed state or ended

    def __init__(
        self,
        window: MainWindow,
        context: AppContext,
        menu: QMenu,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.korean = context.language == "ko"
        self.clock = clock or SystemClock()
        self.live: Simulator | None = window.simulator
        self.drill_simulator: Simulator | None = None
        self.drill: DrillState | None = None
        self.since_ms: int | None = None  # when the drill on began; None: not known (yet)
        self.speed = 1.0
        self.seed: int | None = None
        self.start_dialog: DrillDialog | None = None
        self.score_dialog: DrillScoreDialog | None = None
        self._scenario: str | None = None  # the last name the log gave for the drill on
        self._live_wanted = False  # the live simulator runs whenever no drill is on
        self._busy = False  # simulators being stopped or swapped on a worker thread
        self._replacing = False  # the drill ending now is being replaced: no score, no live
        self._closed = False
        menu.addSeparator()
        self.start_action = QAction(self.tr("Start &drill…"), window)
        self.start_action.setShortcut(QKeySequence(START_DRILL_SHORTCUT))
        self.start_action.triggered.connect(self.open_start_dialog)
        menu.addAction(self.start_action)
        self.stop_action = QAction(self.tr("S&top drill"), window)
        self.stop_action.triggered.connect(self.stop_drill)
        self.stop_action.setEnabled(False)
        menu.addAction(self.stop_action)
        self.banner = DrillBanner()
        self.banner.stopRequested.connect(self.stop_drill)
        self.banner.scoreRequested.connect(self.open_score)
        self.bar = QToolBar(self.tr("Drill"), window)
        self.bar.setObjectName("drillBar")
        self.bar.setMovable(False)
        self.bar.setFloatable(False)
        self.bar.toggleViewAction().setVisible(False)  # shown exactly while a drill is on
        self.bar.addWidget(self.banner)
        # Its own row, above the supervisor's alerts.
        window.insertToolBar(window.alert_bar, self.bar)
        window.insertToolBarBreak(window.alert_bar)
        self.bar.hide()
        self._tick = timer_while_visible(self.banner, 1000, self._show_banner)
        store = context.store
        store.loaded.connect(self._on_store_loaded)
        store.eventsApplied.connect(self._on_store_events_applied)
        window.closing.connect(self.shutdown)
        if store.is_loaded:
            self._on_store_loaded()

    # -- what the log says ----------------------------------------------------------------

    def _on_store_loaded(self) -> None:
        self._follow(self.context.store.state.simulator, None)

    def _on_store_events_applied(self, records: list[EventRecord]) -> None:
        for record in records:
            if record.type == EventType.SIMULATOR_STATE:
                self._follow(record.payload, record.ts_ms)

    def _follow(self, payload: dict[str, object] | None, ts_ms: int | None) -> None:
        """Fold one simulator state (``ts_ms`` None: the state found on loading)."""
        now = drill_in(payload)
        before = self.drill
        if now is None:
            if before is not None:
                self.drill = None
                self._on_drill_ended(ts_ms)
            return
        if before is None:
            self.since_ms = ts_ms
            self._scenario = None
            self._replacing = False
            if ts_ms is None:
                self._look_up_start()
        self._scenario = now.scenario or self._scenario
        self.drill = now
        self._show_banner()
        self.drillChanged.emit()

    def _look_up_start(self) -> None:
        """The drill was on before this workstation opened: read when it began from the log."""
        path = log_path(self.context)
        if path is None:
            return  # a remote log: the elapsed time stays unknown, every exercise counts
        future = run_in_thread(lambda: drill_started_ms(path), "drill start")

        def found(started: int | None) -> None:
            if self.drill is not None and self.since_ms is None and started is not None:
                self.since_ms = started
                self._show_banner()

        self.context.invoker.when_done(
            future, found, lambda error: self._notify(NoticeLevel.WARNING, str(error))
        )

    def _on_drill_ended(self, ts_ms: int | None) -> None:
        title, since = self.title(), self.since_ms
        self._show_banner()
        self.drillChanged.emit()
        if self._replacing:
            return  # the next drill follows; the live simulator stays off
        if self.drill_simulator is not None:
            # Ended from elsewhere (another workstation's Stop drill): stop playing it here.
            self._stop_off_thread(self.drill_simulator)
            self.drill_simulator = None
        self._resume_live()
        if not self._closed:
            self.open_score(title, since, ts_ms if ts_ms is not None else self.clock.now_ms())

    # -- the live simulator ---------------------------------------------------------------

    def start_live_simulator(self) -> None:
        """Start the live simulator once the replica has loaded, unless the log says a drill
        is on: then it starts when the drill is stopped."""
        self._live_wanted = True
        if self.live is None:
            return
        if self.context.store.is_loaded:
            self._start_live_unless_drill()
        else:
            self.context.store.loaded.connect(
                self._start_live_unless_drill, Qt.ConnectionType.SingleShotConnection
            )

    def _start_live_unless_drill(self) -> None:
        if self.drill is not None:
            self._notify(
                NoticeLevel.INFO,
                self.tr(
                    "A drill is on in the event log: the live simulator starts when it is stopped."
                ),
            )
            return
        self._resume_live()

    def _resume_live(self) -> None:
        live = self.live
        if self._closed or not self._live_wanted or live is None:
            return
        if live.info().status not in _RUNNING:
            live.start()
        self.window.set_simulator(live)

    # -- starting and stopping ------------------------------------------------------------

    def open_start_dialog(self) -> DrillDialog:
        """Show the dialog that starts a drill."""
        if self.start_dialog is not None and shiboken6.isValid(self.start_dialog):
            self.start_dialog.close()
        self.start_dialog = DrillDialog(self, self.window)
        self.start_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.start_dialog.show()
        return self.start_dialog

    def start_drill(self, name: str) -> bool:
        """Play scenario ``name`` as a drill, in place of the live simulator or the drill on
        now; False (nothing done) while simulators are still being swapped. Raises
        ``UnknownNameError`` for a scenario this version does not have."""
        scenario(name)  # an unknown name is refused here, naming the known ones
        if self._busy or self._closed:
            return False
        config = SimulatorConfig(
            seed=self.seed if self.seed is not None else random.SystemRandom().randint(1, 10**6),
            speed=self.speed,
            rate=0,  # no background readings: only the scenario's own
            minor_every_s=math.inf,  # no minor incidents either
            scenarios=(name,),
            loop=False,
            exercise=True,
        )
        self._replacing = self.drill is not None
        stop_current = self._stopper()
        live = self.live

        def swap() -> None:
            stop_current()
            if live is not None:
                live.stop()

        self._run_busy(swap, lambda: self._begin(config))
        return True

    def _begin(self, config: SimulatorConfig) -> None:
        if self._closed:
            return
        simulator = Simulator(
            self.context.city, self.context.backend, config, notices=self.context.notices
        )
        self.drill_simulator = simulator
        self.window.set_simulator(simulator)
        simulator.start()

    def stop_drill(self) -> bool:
        """End the drill on (its score is shown once the log says it ended); False when no
        drill is on or simulators are still being swapped."""
        if self.drill is None or self._busy:
            return False
        self._replacing = False
        self._run_busy(self._stopper(), lambda: None)
        return True

    def _stopper(self) -> Callable[[], None]:
        """Work for a worker thread that ends the drill on, if any: its simulator here stops
        without a trace of its own, and the end is recorded as this operator's."""
        if self.drill is None:
            return lambda: None
        simulator, self.drill_simulator = self.drill_simulator, None
        ended = SimulatorState(
            "stopped",
            simulator.config.seed if simulator is not None else None,
            simulator.info().speed if simulator is not None else None,
            self._scenario,
            exercise=True,
        ).to_new("workstation", self.context.actor)
        backend = self.context.backend

        def stop() -> None:
            if simulator is not None:
                simulator.stop(record=False)
            backend.publish([ended]).result(timeout=30)

        return stop

    def _run_busy(self, work: Callable[[], None], then: Callable[[], None]) -> Future[None]:
        self._busy = True
        self.start_action.setEnabled(False)
        self.stop_action.setEnabled(False)
        self.banner.stop_button.setEnabled(False)
        future = run_in_thread(work, "drill switch")

        def done(_result: None) -> None:
            self._busy = False
            self._show_banner()
            then()

        def failed(error: BaseException) -> None:
            self._busy = False
            self._replacing = False
            self._show_banner()
            self._notify(
                NoticeLevel.ERROR,
                self.tr("The drill could not be started or stopped: %1").replace("%1", str(error)),
            )

        self.context.invoker.when_done(future, done, failed)
        return future

    def _stop_off_thread(self, simulator: Simulator) -> None:
        run_in_thread(lambda: simulator.stop(record=False), "drill simulator stop")

    def shutdown(self) -> None:
        """Stop the simulators as the window closes; a drill on stays on in the log."""
        if self._closed:
            return
        self._closed = True
        self._tick.stop()
        if self.drill_simulator is not None:
            self.drill_simulator.stop(record=False)
        if self.live is not None:
            self.live.stop()

    # -- showing --------------------------------------------------------------------------

    def title(self) -> str:
        """The title of the drill's scenario in the interface language."""
        return scenario_title(self._scenario, self.korean)

    def _show_banner(self) -> None:
        drill = self.drill
        self.stop_action.setEnabled(drill is not None and not self._busy)
        self.start_action.setEnabled(not self._busy)
        self.banner.stop_button.setEnabled(not self._busy)
        if drill is None:
            self.bar.hide()
            return
        elapsed = None if self.since_ms is None else self.clock.now_ms() - self.since_ms
        self.banner.show_drill(self.title(), elapsed, drill)
        self.bar.show()

    def open_score(
        self, title: str | None = None, since_ms: int | None = None, until_ms: int | None = None
    ) -> DrillScoreDialog:
        """Show the score of the drill on now (no arguments) or of the one that ran from
        ``since_ms`` to ``until_ms`` under ``title``."""
        if title is None:
            title, since_ms = self.title(), self.since_ms
        if self.score_dialog is not None and shiboken6.isValid(self.score_dialog):
            self.score_dialog.close()
        dialog = DrillScoreDialog(
            self.context, title, since_ms, until_ms=until_ms, clock=self.clock, parent=self.window
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.score_dialog = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _notify(self, level: NoticeLevel, text: str) -> None:
        self.context.notices.post(level, self.tr("Drill"), text)


def install_drill_mode(
    window: MainWindow, context: AppContext, menu: QMenu, *, clock: Clock | None = None
) -> DrillMode:
    """Add Start drill… and Stop drill to ``menu`` (the Simulator menu) and the drill banner
    to ``window``; the returned object lives as long as the window."""
    return DrillMode(window, context, menu, clock=clock)
