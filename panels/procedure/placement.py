"""Where the procedure dock goes the first time: a tab beside the incident detail.

The right column already stacks the incident detail over the video wall; a third dock in it
leaves each about 250 px at 1600×900, too little for a checklist. As a tab of the incident
detail's dock the checklist gets the detail's whole height, and both stay about the selected
incident. The main window only knows areas (``PanelSpec.area``), so the panel asks for the tab
itself, once its dock exists, and only while the operator has no saved layout that places it
(a layout they arranged is theirs). Also adds Ctrl+J to the window: bring the procedure
forward and give it the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from ui.settings import Settings

SIBLING = "dock-incident_detail"
OWN = "dock-procedure"
BRING_FORWARD = "Ctrl+J"


def place_beside_detail(
    panel: QWidget,
    settings: Settings,
    bring_forward: Callable[[], None],
    docked: Callable[[QDockWidget], None],
) -> None:
    """Once ``panel`` sits in its dock in the main window, tab the dock with the incident
    detail's (unless a saved layout places it), add the bring-forward shortcut and hand the
    dock to ``docked``."""
    QTimer.singleShot(0, lambda: _place(panel, settings, bring_forward, docked))


def own_dock(panel: QWidget) -> QDockWidget | None:
    """The dock holding ``panel``, if it is docked."""
    dock = panel.parentWidget()
    return dock if isinstance(dock, QDockWidget) else None


def _place(
    panel: QWidget,
    settings: Settings,
    bring_forward: Callable[[], None],
    docked: Callable[[QDockWidget], None],
) -> None:
    dock = own_dock(panel)
    window = dock.parentWidget() if dock is not None else None
    if dock is None or not isinstance(window, QMainWindow):
        return
    docked(dock)
    action = QAction(QCoreApplication.translate("ProcedurePanel", "Show the procedure"), window)
    action.setShortcut(QKeySequence(BRING_FORWARD))
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.triggered.connect(bring_forward)
    window.addAction(action)
    desk = getattr(window, "desk", None)
    reset = getattr(desk, "layoutReset", None)
    if reset is not None:
        # "Reset layout" brings back the first-run arrangement, and the tab is part of it.
        reset.connect(lambda: _tab_with_detail(window, dock))
    _geometry, state = settings.window_state()
    if state and OWN.encode("utf-16-be") in state:
        return  # the operator's saved layout says where the dock goes
    _tab_with_detail(window, dock)


def _tab_with_detail(window: QMainWindow, dock: QDockWidget) -> None:
    """Make ``dock`` a tab of the incident detail's dock when both share an area."""
    sibling = window.findChild(QDockWidget, SIBLING)
    if sibling is None or window.dockWidgetArea(sibling) != window.dockWidgetArea(dock):
        return
    if window.tabifiedDockWidgets(dock):
        return
    window.tabifyDockWidget(sibling, dock)
    dock.show()
    dock.raise_()
