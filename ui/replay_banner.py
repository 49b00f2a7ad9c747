"""The violet bar across the window while replaying: the instant shown, speed and play
state, that live events are still being recorded, how many incidents were reported live
meanwhile, and Back to live (F8).

Violet so it is never mistaken for the teal drill banner, the red alerts or a severity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolBar, QWidget

from ui.replay_time import clock_text, date_time_text

if TYPE_CHECKING:
    from ui.main_window import MainWindow
    from ui.replay import ReplayController

REPLAY_COLOUR = "#5b3cc4"
_STYLE = f"""
#replayBanner {{ background: {REPLAY_COLOUR}; }}
#replayBanner QLabel {{ color: #f3efff; background: transparent; }}
#replayBanner QLabel#replayTitle {{ font-weight: bold; color: #ffffff; }}
#replayBanner QLabel#replayClock {{
    font-weight: bold; font-family: monospace; color: #ffffff;
}}
#replayBanner QPushButton {{
    background: #2a1470; border: 1px solid #1a0b4d; color: #ffffff; padding: 3px 14px;
}}
#replayBanner QPushButton:hover {{ background: #3a1f92; }}
#replayBanner QPushButton#replayLiveCount {{
    background: #f5a623; color: #2b1a00; border: 1px solid #8a5a00; font-weight: bold;
}}
"""


class ReplayBanner(QFrame):
    """Says the window shows the past; ``liveRequested`` when the operator goes back."""

    liveRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayBanner")
        self.setStyleSheet(_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 5, 8, 5)
        self.title = QLabel(self.tr("다시보기 REPLAY"))
        self.title.setObjectName("replayTitle")
        layout.addWidget(self.title)
        self.clock = QLabel()
        self.clock.setObjectName("replayClock")
        layout.addWidget(self.clock)
        self.speed = QLabel()
        layout.addWidget(self.speed)
        self.note = QLabel()
        layout.addWidget(self.note, 1)
        self.live_count = QPushButton()
        self.live_count.setObjectName("replayLiveCount")
        self.live_count.setToolTip(self.tr("Go back to live to see them"))
        self.live_count.clicked.connect(self.liveRequested)
        self.live_count.hide()
        layout.addWidget(self.live_count)
        self.live_button = QPushButton(self.tr("Back to live (F8)"))
        self.live_button.setToolTip(self.tr("Show the live city again"))
        self.live_button.clicked.connect(self.liveRequested)
        layout.addWidget(self.live_button)
        self._review = ""
        self.show_opening()

    def set_review(self, bundle: str) -> None:
        """A review of an incident bundle: no live city, nothing recorded, no going back."""
        self._review = bundle
        self.title.setText(self.tr("검토 REVIEW"))
        self.live_button.hide()
        self.live_count.hide()

    def _note(self) -> str:
        if self._review:
            return self.tr("— %1, read-only").replace("%1", self._review)
        return self.tr("— live events are still being recorded")

    def show_opening(self) -> None:
        """The replay is being opened."""
        self.clock.setText("--:--:--")
        self.clock.setToolTip("")
        self.speed.setText("")
        self.note.setText(self.tr("Opening the replay… live events are still being recorded"))

    def show_instant(
        self, position_ms: int, speed: int, playing: bool, catching_up: bool = False
    ) -> None:
        """The instant shown, the speed and whether it plays."""
        self.clock.setText(clock_text(position_ms))
        self.clock.setToolTip(date_time_text(position_ms))
        self.speed.setText(f"×{speed} {'▶' if playing else '❚❚'}")
        note = self._note()
        if catching_up:
            note = self.tr("catching up…") + " " + note
        self.note.setText(note)

    def show_live_incidents(self, count: int) -> None:
        """How many incidents were reported live since replay began."""
        if count <= 0 or self._review:
            self.live_count.hide()
            return
        text = (
            self.tr("1 new live incident")
            if count == 1
            else self.tr("%1 new live incidents").replace("%1", str(count))
        )
        self.live_count.setText(text)
        self.live_count.show()


def install_replay_banner(window: MainWindow, controller: ReplayController) -> ReplayBanner:
    """Put the banner in its own row at the top of ``window``, shown exactly while
    ``controller`` replays."""
    banner = ReplayBanner()
    bar = QToolBar(QCoreApplication.translate("ReplayBanner", "Replay"), window)
    bar.setObjectName("replayBar")
    bar.setMovable(False)
    bar.setFloatable(False)
    bar.toggleViewAction().setVisible(False)  # shown exactly while replaying
    bar.addWidget(banner)
    # Its own row, above the drill banner and the supervisor's alerts.
    below = window.drills.bar if hasattr(window, "drills") else window.alert_bar
    window.insertToolBar(below, bar)
    window.insertToolBarBreak(below)
    bar.hide()
    banner.liveRequested.connect(controller.leave)
    review = controller.context.review_dir
    if review is not None:
        bundle = getattr(controller.context.backend, "bundle", None)
        banner.set_review(bundle.name if bundle is not None else review.name)

    def refresh(*_args: object) -> None:
        if controller.clock is None:
            banner.show_opening()
        else:
            banner.show_instant(
                controller.position_ms,
                controller.speed,
                controller.playing,
                controller.catching_up,
            )

    def on_active(active: bool) -> None:
        bar.setVisible(active)
        if active:
            refresh()
            banner.show_live_incidents(controller.live_incidents)

    controller.activeChanged.connect(on_active)
    controller.positionChanged.connect(refresh)
    controller.playingChanged.connect(refresh)
    controller.speedChanged.connect(refresh)
    controller.liveIncidentsChanged.connect(banner.show_live_incidents)
    return banner
