"""The transport row under the timeline: jump, step, play, speed, the kind to jump between,
the instant shown (type a time and Enter to go there), bookmark, annotate, whole window,
indexing progress and back to live."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QToolButton,
    QWidget,
)

from core.replay import SPEEDS, MarkKind
from panels.replay.kinds import kind_name
from ui.replay import ReplayController
from ui.replay_actions import (
    ANNOTATE,
    BOOKMARK,
    FASTER,
    NEXT,
    PLAY,
    PREVIOUS,
    SLOWER,
    STEP_BACK,
    STEP_FORWARD,
    TOGGLE,
    shortcut_text,
)
from ui.replay_dialogs import open_annotation_dialog, open_bookmark_dialog
from ui.replay_time import date_time_text, parse_instant


def _tip(text: str, keys: str) -> str:
    return f"{text} ({shortcut_text(keys)})"


class TransportBar(QWidget):
    """Buttons and fields that drive ``controller``; ``wholeRequested`` resets the zoom."""

    wholeRequested = Signal()
    messageRequested = Signal(str, bool)  # text, error

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        icons = QStyle.StandardPixmap
        self.previous_button = self._button(
            icons.SP_MediaSkipBackward,
            _tip(self.tr("Previous event of the chosen kind"), PREVIOUS),
        )
        self.previous_button.clicked.connect(lambda: controller.jump(None, False))
        self.back_button = self._button(
            icons.SP_MediaSeekBackward, _tip(self.tr("Step back 10 s"), STEP_BACK)
        )
        self.back_button.clicked.connect(lambda: controller.step(-1))
        self.play_button = self._button(icons.SP_MediaPlay, _tip(self.tr("Play / pause"), PLAY))
        self.play_button.setObjectName("replayPlay")
        self.play_button.clicked.connect(controller.toggle_play)
        self.forward_button = self._button(
            icons.SP_MediaSeekForward, _tip(self.tr("Step forward 10 s"), STEP_FORWARD)
        )
        self.forward_button.clicked.connect(lambda: controller.step(1))
        self.next_button = self._button(
            icons.SP_MediaSkipForward, _tip(self.tr("Next event of the chosen kind"), NEXT)
        )
        self.next_button.clicked.connect(lambda: controller.jump(None, True))
        for button in (
            self.previous_button,
            self.back_button,
            self.play_button,
            self.forward_button,
            self.next_button,
        ):
            layout.addWidget(button)
        self.speed = QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"×{speed}", speed)
        self.speed.setToolTip(
            self.tr("Playback speed (faster %1, slower %2)")
            .replace("%1", shortcut_text(FASTER))
            .replace("%2", shortcut_text(SLOWER))
        )
        self.speed.activated.connect(lambda i: controller.set_speed(int(self.speed.itemData(i))))
        layout.addWidget(self.speed)
        self.kind = QComboBox()
        for kind in MarkKind:
            self.kind.addItem(kind_name(kind), kind.value)
        self.kind.addItem(self.tr("Any event"), "")
        self.kind.setToolTip(self.tr("What the previous and next buttons jump between"))
        self.kind.activated.connect(self._on_kind_activated)
        layout.addWidget(self.kind)
        self.position = QLineEdit()
        self.position.setObjectName("replayPosition")
        width = self.position.fontMetrics().horizontalAdvance("2026-12-31 23:59:59") + 32
        self.position.setFixedWidth(width)
        self.position.setToolTip(
            self.tr(
                "The instant shown (local time). Type HH:MM:SS or YYYY-MM-DD HH:MM:SS and Enter "
                "to go there."
            )
        )
        self.position.returnPressed.connect(self._on_position_return_pressed)
        self.position.editingFinished.connect(self._show_position)
        layout.addWidget(self.position)
        self.bookmark_button = QPushButton(self.tr("Bookmark…"))
        self.bookmark_button.setToolTip(_tip(self.tr("Bookmark the instant shown"), BOOKMARK))
        self.bookmark_button.clicked.connect(
            lambda: open_bookmark_dialog(controller, self.window())
        )
        layout.addWidget(self.bookmark_button)
        self.annotate_button = QPushButton(self.tr("Annotate…"))
        self.annotate_button.setToolTip(
            _tip(self.tr("Write a note about the instant shown"), ANNOTATE)
        )
        self.annotate_button.clicked.connect(
            lambda: open_annotation_dialog(controller, self.window())
        )
        layout.addWidget(self.annotate_button)
        self.whole_button = QPushButton(self.tr("Whole window"))
        self.whole_button.setToolTip(
            self.tr("Show the whole replay window (the wheel zooms, Shift+drag pans)")
        )
        self.whole_button.clicked.connect(self.wholeRequested)
        layout.addWidget(self.whole_button)
        self.progress = QLabel()
        self.progress.setObjectName("replayIndexProgress")
        layout.addWidget(self.progress)
        layout.addStretch(1)
        self.live_button = QPushButton(self.tr("Back to live"))
        self.live_button.setToolTip(_tip(self.tr("Show the live city again"), TOGGLE))
        self.live_button.clicked.connect(controller.leave)
        layout.addWidget(self.live_button)
        # A review has no live city: the replay is all there is.
        self.live_button.setVisible(controller.context.review_dir is None)
        controller.positionChanged.connect(self._show_position)
        controller.playingChanged.connect(self._show_playing)
        controller.speedChanged.connect(self._show_speed)
        controller.indexProgress.connect(self._show_progress)
        controller.jumpKindsChanged.connect(self._show_kind)
        controller.activeChanged.connect(self._on_controller_active_changed)
        self._on_controller_active_changed(controller.active)

    def _button(self, icon: QStyle.StandardPixmap, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(self.style().standardIcon(icon))
        button.setToolTip(tip)
        button.setMinimumWidth(30)
        return button

    # -- following the controller ---------------------------------------------------------

    def _on_controller_active_changed(self, _active: bool) -> None:
        self._show_position()
        self._show_playing(self.controller.playing)
        self._show_speed(self.controller.speed)
        self._show_progress(self.controller.index_fraction)
        self._show_kind()

    def _show_position(self, *_args: object) -> None:
        if self.position.hasFocus() and self.position.isModified():
            return  # the operator is typing a time
        clock = self.controller.clock
        self.position.setText(date_time_text(clock.position_ms) if clock is not None else "")
        self.position.setCursorPosition(0)  # the date first, should it not all fit
        self.position.setStyleSheet("")

    def _show_playing(self, playing: bool) -> None:
        icons = QStyle.StandardPixmap
        icon = icons.SP_MediaPause if playing else icons.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _show_speed(self, speed: int) -> None:
        self.speed.setCurrentIndex(max(self.speed.findData(speed), 0))

    def _show_progress(self, fraction: float) -> None:
        if fraction >= 1.0 or not self.controller.active:
            self.progress.setText("")
        else:
            self.progress.setText(
                self.tr("Indexing… %1 %").replace("%1", str(int(fraction * 100)))
            )

    def _show_kind(self) -> None:
        kinds = self.controller.jump_kinds
        value = "" if kinds is None or len(kinds) != 1 else next(iter(kinds)).value
        self.kind.setCurrentIndex(max(self.kind.findData(value), 0))

    # -- what the operator does -----------------------------------------------------------

    def _on_kind_activated(self, row: int) -> None:
        value = str(self.kind.itemData(row))
        self.controller.set_jump_kinds(None if not value else {MarkKind(value)})

    def _on_position_return_pressed(self) -> None:
        clock = self.controller.clock
        if clock is None:
            return
        try:
            target = parse_instant(self.position.text(), clock.position_ms)
        except ValueError as error:
            self.position.setStyleSheet("border: 1px solid #e5484d;")
            self.messageRequested.emit(str(error), True)
            return
        if not clock.start_ms <= target <= clock.end_ms:
            self.messageRequested.emit(
                self.tr("%1 is outside the replay window (%2 – %3): shown at its edge.")
                .replace("%1", date_time_text(target))
                .replace("%2", date_time_text(clock.start_ms))
                .replace("%3", date_time_text(clock.end_ms)),
                False,
            )
        self.position.setModified(False)
        self.controller.pause()
        self.controller.seek(target)
        self._show_position()
