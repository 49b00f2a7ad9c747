"""The video wall's keys, as actions on the wall: the shortcuts overlay (F1) lists them under
the wall and can run them.

They act only when the wall itself has the focus (Qt.WidgetShortcut), never while the camera
list, the layout choice, a button or the scrub bar has it: those keep their own arrows, Space
and typing. A key one of those lets through reaches the wall's key handler, which runs the
matching action, as the wall always did. Keys that act on the live recording are off while
the wall shows the past, so replay's own keys (Ctrl+Left …) win then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QKeyCombination, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence

from panels.video_wall.grid import neighbour
from panels.video_wall.popout import PopOutKey, PopOutKeyNames, popout_key_sequences
from panels.video_wall.scrub import STEP_BACK_MS
from ui.shortcut_catalogue import own_keys

if TYPE_CHECKING:
    from panels.video_wall.panel import VideoWallPanel


class WallKeys(QObject):
    """The wall's keys: arrows move the highlight, Enter enlarges, Esc restores, Del closes,
    F11 full screen, Ctrl+Left/Right step the recording, Space plays, End goes live, I and O
    mark a clip."""

    def __init__(self, wall: VideoWallPanel) -> None:
        super().__init__(wall)
        self.wall = wall
        self.actions: list[QAction] = []
        add = self._add
        self.left = add(self.tr("Highlight the tile to the left"), ["Left"], self._move, -1, 0)
        self.right = add(self.tr("Highlight the tile to the right"), ["Right"], self._move, 1, 0)
        self.up = add(self.tr("Highlight the tile above"), ["Up"], self._move, 0, -1)
        self.down = add(self.tr("Highlight the tile below"), ["Down"], self._move, 0, 1)
        self.enlarge = add(
            self.tr("Enlarge the highlighted tile, or back to the whole wall"),
            ["Return", "Enter"],
            self._toggle_enlarged,
        )
        self.restore = add(self.tr("Back to the whole wall"), ["Esc"], self._toggle_enlarged)
        self.close_tile = add(
            self.tr("Close the highlighted tile"),
            ["Del"],
            lambda: wall.close_camera(wall.active_index),
        )
        self.full_screen = add(
            self.tr("Highlighted camera full screen"),
            ["F11"],
            lambda: wall.pop_out(full_screen=True),
        )
        self.step_back = add(
            self.tr("Back 10 s in the highlighted camera's recording"),
            ["Ctrl+Left"],
            lambda: wall.scrubber.step(-STEP_BACK_MS),
        )
        self.step_forward = add(
            self.tr("Forward 10 s in the highlighted camera's recording"),
            ["Ctrl+Right"],
            lambda: wall.scrubber.step(STEP_BACK_MS),
        )
        self.play = add(
            self.tr("Play or pause the highlighted camera's recording"),
            ["Space"],
            lambda: wall.scrub.play.toggle(),
        )
        self.live = add(
            self.tr("Back to the live picture"), ["End"], lambda: wall.scrubber.seek(None)
        )
        self.mark_in = add(self.tr("Clip starts here (in)"), ["I"], wall.mark_clip, "in")
        self.mark_out = add(self.tr("Clip ends here (out)"), ["O"], wall.mark_clip, "out")
        self.moves = [self.left, self.right, self.up, self.down]
        # They act on the live recording or stream: nothing to do while the wall shows the past.
        self.live_only = [
            self.full_screen,
            self.step_back,
            self.step_forward,
            self.play,
            self.live,
            self.mark_in,
            self.mark_out,
        ]
        self._list_popout_keys()
        self.refresh()

    def _add(
        self, name: str, keys: Sequence[str], slot: Callable[..., object], *args: object
    ) -> QAction:
        action = QAction(name, self)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(lambda _checked=False: slot(*args))
        self.wall.addAction(action)
        self.actions.append(action)
        return action

    def _list_popout_keys(self) -> None:
        """The keys of a camera's own window, for the overlay of the main window (they work
        there, not in the wall)."""
        names = PopOutKeyNames(self)
        registry = own_keys(self.wall)
        where = self.tr("in a camera's own window")
        portable = QKeySequence.SequenceFormat.PortableText
        for key in PopOutKey:
            keys = [s.toString(portable) for s in popout_key_sequences(key)]
            registry.add(keys, names.name(key), where, in_widget=False)

    def refresh(self) -> None:
        """Turn each key on or off for what the wall shows now (call after enlarging,
        restoring, or going to the past or back)."""
        whole = self.wall.full_index is None
        for action in self.moves:
            action.setEnabled(whole)
        self.restore.setEnabled(not whole)
        for action in self.live_only:
            action.setEnabled(not self.wall.showing_past)

    def handle(self, event: QKeyEvent) -> bool:
        """Run the action of a key that reached the wall's key handler (let through by the
        part of the wall that had the focus); whether one ran."""
        # Keypad Enter, and arrows on some keyboards, come with the keypad flag.
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        pressed = QKeySequence(QKeyCombination(modifiers, Qt.Key(event.key())))
        for action in self.actions:
            if action.isEnabled() and any(
                keys.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                for keys in action.shortcuts()
            ):
                action.trigger()
                return True
        return False

    def _move(self, across: int, down: int) -> None:
        wall = self.wall
        target = neighbour(wall.active_index, across, down, len(wall.tiles))
        if target is not None:
            wall.highlight_tile(target)

    def _toggle_enlarged(self) -> None:
        self.wall.toggle_enlarged(self.wall.active_index)
