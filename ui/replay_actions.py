"""The Replay menu and its shortcuts, which work anywhere in the application.

F8 goes into replay and back to live; the others work only in replay (they are disabled live,
so the same keys stay free for whatever has the focus then).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from ui.replay_dialogs import open_annotation_dialog, open_bookmark_dialog

if TYPE_CHECKING:
    from ui.replay import ReplayController

TOGGLE = "F8"
PLAY = "F9"
STEP_BACK, STEP_FORWARD = "Ctrl+Left", "Ctrl+Right"
PREVIOUS, NEXT = "Ctrl+Shift+Left", "Ctrl+Shift+Right"
FASTER, SLOWER = "Ctrl+Up", "Ctrl+Down"
BOOKMARK, ANNOTATE = "Ctrl+B", "Ctrl+Shift+A"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def shortcut_text(keys: str) -> str:
    """A shortcut as this platform writes it, for tooltips."""
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


class ReplayActions(QObject):
    """The Replay menu of ``window`` driving ``controller``."""

    def __init__(self, window: QMainWindow, controller: ReplayController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        bar = window.menuBar()
        self.menu = QMenu(self.tr("&Replay"), window)
        before = getattr(window, "sim_menu", None)
        if isinstance(before, QMenu):
            bar.insertMenu(before.menuAction(), self.menu)  # next to View
        else:
            bar.addMenu(self.menu)
        add = self._add
        self.toggle_action = add(self.tr("Enter &replay"), controller.toggle, TOGGLE)
        self.hour_action = add(
            self.tr("Replay the last &hour"), partial(controller.enter_last, HOUR_MS)
        )
        self.day_action = add(
            self.tr("Replay the last &24 hours"), partial(controller.enter_last, DAY_MS)
        )
        self.incident_action = add(
            self.tr("Replay the selected &incident"), controller.enter_incident
        )
        self.menu.addSeparator()
        self.play_action = add(self.tr("&Play / pause"), controller.toggle_play, PLAY)
        self.back_action = add(self.tr("Step bac&k 10 s"), partial(controller.step, -1), STEP_BACK)
        self.forward_action = add(
            self.tr("Step for&ward 10 s"), partial(controller.step, 1), STEP_FORWARD
        )
        self.previous_action = add(
            self.tr("Pre&vious event of the chosen kind"),
            partial(controller.jump, None, False),
            PREVIOUS,
        )
        self.next_action = add(
            self.tr("&Next event of the chosen kind"), partial(controller.jump, None, True), NEXT
        )
        self.faster_action = add(self.tr("&Faster"), controller.faster, FASTER)
        self.slower_action = add(self.tr("&Slower"), controller.slower, SLOWER)
        self.menu.addSeparator()
        self.bookmark_action = add(self.tr("&Bookmark…"), self.open_bookmark, BOOKMARK)
        self.annotate_action = add(self.tr("&Annotate…"), self.open_annotation, ANNOTATE)
        self.replay_only = [
            self.play_action,
            self.back_action,
            self.forward_action,
            self.previous_action,
            self.next_action,
            self.faster_action,
            self.slower_action,
            self.bookmark_action,
            self.annotate_action,
        ]
        controller.activeChanged.connect(self._on_controller_active_changed)
        self._on_controller_active_changed(controller.active)

    def _add(self, text: str, slot: Callable[[], object], keys: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            # Anywhere in the application (a popped-out video window too), not only when the
            # main window has the focus.
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        self.window.addAction(action)  # shortcuts work while the menu bar is hidden too
        return action

    def open_bookmark(self) -> None:
        """Ask for a label and bookmark the instant shown."""
        open_bookmark_dialog(self.controller, self.window)

    def open_annotation(self) -> None:
        """Ask for a note and annotate the instant shown."""
        open_annotation_dialog(self.controller, self.window)

    def _on_controller_active_changed(self, active: bool) -> None:
        self.toggle_action.setText(
            self.tr("Back to &live") if active else self.tr("Enter &replay")
        )
        for action in self.replay_only:
            action.setEnabled(active)
