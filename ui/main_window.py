"""The main window: docks built from panel specs, menus, the status bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar, QWidget

from core.backend import BackendMode
from core.simulator import Simulator, SimulatorInfo
from ui.bundle_actions import install_bundle_actions
from ui.context import AppContext, PanelSpec
from ui.desk_layout import DeskLayout, DockPlace
from ui.dispatch import install_dispatch_actions
from ui.drill import install_drill_mode
from ui.panel_loading import PanelLoader
from ui.replay import install_replay_mode
from ui.settings import SettingsDialog
from ui.shift import ShiftActions, install_shift_actions
from ui.shortcut_overlay import install_shortcut_overlay
from ui.status_bar import CityStatusBar

if TYPE_CHECKING:
    from ui.escalation import EscalationBanner
    from ui.field_ingest import FeedStatus
    from ui.procedure_library import ProcedureLibraryDialog
    from ui.rules_editor import RulesEditorDialog
    from ui.situation_rules import SituationRules

SPEEDS = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


class MainWindow(QMainWindow):
    """Cityroom's one main window."""

    closing = Signal()

    def __init__(
        self,
        context: AppContext,
        panels: Sequence[PanelSpec],
        simulator: Simulator | None = None,
        parent: QWidget | None = None,
        *,
        remember_layout: bool = True,
        panels_after_show: bool = False,
    ) -> None:
        """``panels_after_show``: the docks hold placeholders until the window is shown, then
        the panels are built one by one (see :mod:`ui.panel_loading`); ``panel_loader`` says
        when they are all there."""
        super().__init__(parent)
        self.context = context
        self.simulator = simulator
        self.setObjectName("CityroomMainWindow")
        self.setWindowTitle(self.tr("Cityroom — City Integrated Operations Centre"))
        self.setDockNestingEnabled(True)
        self.panels: dict[str, QWidget] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.situation_rules: SituationRules | None = None
        self.rules_editor: RulesEditorDialog | None = None
        self.procedure_library: ProcedureLibraryDialog | None = None
        self._build_menus()
        self.shift_actions: ShiftActions = install_shift_actions(self, context)
        self.alert_bar = self._build_alert_bar()
        self.panel_loader = PanelLoader(
            self, context, panels if panels_after_show else (), self._place_panel
        )
        for spec in panels:
            self._add_panel(spec, placeholder=panels_after_show)
        self._first_layout = True
        # Without a central panel the docks share the whole window (the map will take the
        # centre when it lands).
        self.status = CityStatusBar(
            context.backend.mode, context.backend.location, context.store, self._simulator_info
        )
        self.setStatusBar(self.status)
        self._forget_notices = context.notices.listen(
            lambda notice: context.invoker.post(lambda: self.status.show_notice(notice))
        )
        self._remember_layout = remember_layout
        self._restored = False  # the installers below lay out the first start (see _lay_out)
        self.drills = install_drill_mode(self, context, self.sim_menu)
        if context.backend.mode is BackendMode.REMOTE:
            self._leave_simulator_to_server()
        self.packet_action = install_dispatch_actions(self, self.tools_menu, context)
        self.replay = install_replay_mode(self, context)  # the Replay menu, F8, the banner
        # Last, after the menus the installers above add; the lead fills it.
        self.help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.help_menu.addAction(install_shortcut_overlay(self))
        self.diagnostics_action = self._action(
            self.help_menu, self.tr("Copy &diagnostics…"), self.copy_diagnostics
        )
        self._lay_out(panels)
        if not remember_layout:
            self.resize(1600, 900)

    # -- panels ---------------------------------------------------------------------------

    def _add_panel(self, spec: PanelSpec, *, placeholder: bool) -> None:
        widget: QWidget
        if placeholder:
            widget = self.panel_loader.placeholder(spec)
        else:
            widget = spec.factory(self.context)
            self.panels[spec.id] = widget
        if spec.area is None:
            self.setCentralWidget(widget)
            return
        dock = QDockWidget(spec.title(), self)
        dock.setObjectName(f"dock-{spec.id}")
        dock.setWidget(widget)
        self.addDockWidget(spec.area, dock)
        self.docks[spec.id] = dock
        self.view_menu.addAction(dock.toggleViewAction())

    def _place_panel(self, spec: PanelSpec, widget: QWidget) -> None:
        """Put a panel built after the start where its placeholder was."""
        self.panels[spec.id] = widget
        if spec.area is None:
            self.setCentralWidget(widget)  # the placeholder is deleted by Qt
            return
        dock = self.docks[spec.id]
        placeholder = dock.widget()
        dock.setWidget(widget)
        if placeholder is not None:
            placeholder.deleteLater()

    def _lay_out(self, panels: Sequence[PanelSpec]) -> None:
        """Note the first-start arrangement (what Reset layout goes back to), then restore
        the operator's own over it."""
        self.desk = DeskLayout(
            self,
            [
                DockPlace(self.docks[spec.id], spec.area, spec.share)
                for spec in panels
                if spec.area is not None
            ],
            self.context.settings,
            self.context.notices,
            remember=self._remember_layout,
        )
        self.view_menu.addSeparator()
        self.reset_layout_action = self._action(
            self.view_menu, self.tr("&Reset layout"), self.desk.reset, "Ctrl+Shift+0"
        )
        self._restored = self.desk.restore()

    def show_for_work(self) -> None:
        """Show as the operator left it, or maximised the first time."""
        if self._restored or not self._remember_layout:
            self.show()
            return
        screen = self.screen()
        if screen is not None:
            # Fill the screen even where no window manager honours "maximised".
            self.setGeometry(screen.availableGeometry())
        self.showMaximized()

    def showEvent(self, event: QShowEvent) -> None:
        """On the first layout, give each dock the share its panel asks for (unless a saved
        layout was restored); from then on, keep the layout saved as it changes."""
        super().showEvent(event)
        if self._first_layout:
            self._first_layout = False
            if not self._restored:
                self.desk.apply_shares()
            if self.panel_loader.done:
                self.desk.watch()
                return
            self.panel_loader.finished.connect(
                self._on_panels_built, Qt.ConnectionType.SingleShotConnection
            )
            self.panel_loader.start()

    def _on_panels_built(self) -> None:
        """The panels built after the show are in: shares by their real sizes, then the
        layout is the operator's to change (the panels' own arrival is not)."""
        if not self._restored:
            self.desk.apply_shares()
        self.desk.watch()

    # -- menus ----------------------------------------------------------------------------

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object], shortcut: str | None = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu(self.tr("&File"))
        self.bundles = install_bundle_actions(self, file_menu, self.context)
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Settings…"), self._open_settings, "Ctrl+,")
        file_menu.addSeparator()
        self._action(file_menu, self.tr("&Quit"), self.close, "Ctrl+Q")
        self.view_menu = bar.addMenu(self.tr("&View"))
        self.sim_menu = sim_menu = bar.addMenu(self.tr("&Simulator"))
        self.pause_action = self._action(
            sim_menu, self.tr("&Pause / resume"), self._toggle_simulator, "Ctrl+Shift+P"
        )
        self.speed_menu = speed_menu = sim_menu.addMenu(self.tr("Speed"))
        for speed in SPEEDS:
            self._action(speed_menu, f"×{speed:g}", partial(self._set_speed, speed))
        self.set_simulator(self.simulator)  # drills are offered even without a live one
        self.tools_menu = tools_menu = bar.addMenu(self.tr("&Tools"))
        self.rules_action = self._action(
            tools_menu, self.tr("Situation &rules…"), self.open_rules_editor, "Ctrl+Shift+R"
        )
        self.rules_action.setEnabled(False)
        self.procedures_action = self._action(
            tools_menu, self.tr("&Procedure library…"), self.open_procedure_library, "F6"
        )

    def _leave_simulator_to_server(self) -> None:
        """A workstation of the operations backend plays no simulator or drill (the server's
        log is the real city's): the Simulator menu only says so."""
        for action in self.sim_menu.actions():
            action.setVisible(False)
        note = QAction(
            self.tr("No simulator or drill runs on a workstation of the operations backend"),
            self,
        )
        note.setEnabled(False)
        self.sim_menu.insertAction(self.sim_menu.actions()[0], note)

    def _build_alert_bar(self) -> QToolBar:
        """The strip above the docks where alerts for the supervisor appear."""
        bar = QToolBar(self.tr("Alerts"), self)
        bar.setObjectName("alertBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setVisible(False)  # not something to switch off by mistake
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()  # alerts show it when due
        return bar

    def set_alert_banner(self, banner: EscalationBanner) -> None:
        """Show ``banner`` at the top of the window while it has alerts."""
        self.alert_bar.addWidget(banner)
        banner.activeChanged.connect(self.alert_bar.setVisible)
        self.alert_bar.setVisible(banner.active)

    def copy_diagnostics(self) -> None:
        """Write a support bundle without personal data (ui.diagnostics)."""
        from ui.diagnostics import copy_diagnostics

        copy_diagnostics(self, self.context)

    def _open_settings(self) -> None:
        SettingsDialog(self.context.settings, self).exec()

    # -- live services ----------------------------------------------------------------------

    def attach_services(
        self, rules: SituationRules | None, feed_status: Callable[[], FeedStatus | None]
    ) -> None:
        """Offer the rules editor for ``rules`` (None: the operations backend runs the rules);
        show the field-device feed's state as ``feed_status`` gives it (None: no feed)."""
        self.situation_rules = rules
        self.rules_action.setEnabled(rules is not None)
        if rules is None:
            why = self.tr(
                "The operations backend runs the situation rules ([field] in its server.toml)."
            )
            self.rules_action.setToolTip(why)
            self.rules_action.setStatusTip(why)
            self.tools_menu.setToolTipsVisible(True)
        self.status.set_field_feed(feed_status)

    def open_rules_editor(self) -> RulesEditorDialog | None:
        """Show the situation rules editor (one, raised if already open)."""
        if self.situation_rules is None:
            return None
        if self.rules_editor is None:
            from ui.rules_editor import RulesEditorDialog

            self.rules_editor = RulesEditorDialog(self.situation_rules, self.context.invoker, self)
        self.rules_editor.show()
        self.rules_editor.raise_()
        self.rules_editor.activateWindow()
        return self.rules_editor

    def open_procedure_library(self) -> ProcedureLibraryDialog:
        """Show the procedure library (one, raised if already open)."""
        if self.procedure_library is None:
            from ui.procedure_library import ProcedureLibraryDialog

            self.procedure_library = ProcedureLibraryDialog(self.context, self)
        self.procedure_library.show()
        self.procedure_library.raise_()
        self.procedure_library.activateWindow()
        return self.procedure_library

    def _toggle_simulator(self) -> None:
        if self.simulator is None:
            return
        if self.simulator.info().status.value == "paused":
            self.simulator.resume()
        else:
            self.simulator.pause()
        self.status.refresh()

    def _set_speed(self, speed: float) -> None:
        if self.simulator is not None:
            self.simulator.set_speed(speed)
            self.status.refresh()

    def set_simulator(self, simulator: Simulator | None) -> None:
        """Point the Simulator menu and the status bar at ``simulator`` (a drill's or the
        live one)."""
        self.simulator = simulator
        self.pause_action.setEnabled(simulator is not None)
        self.speed_menu.setEnabled(simulator is not None)

    def _simulator_info(self) -> SimulatorInfo | None:
        return self.simulator.info() if self.simulator is not None else None

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the layout, then let the application shut down its workers."""
        self.desk.close()
        self._forget_notices()
        self.bundles.shutdown()  # an export under way is cancelled; nothing half-written stays
        self.closing.emit()
        super().closeEvent(event)
