"""The scrub bar under the wall: go back over the highlighted camera's recording, mark a
clip's in and out points, save the clip."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

STEP_BACK_MS = 10_000


def clock(ms: int) -> str:
    """Local wall-clock time of a UTC millisecond timestamp, to the second."""
    return datetime.fromtimestamp(ms / 1000).strftime("%H:%M:%S")


class ScrubBar(QWidget):
    """A slider over the recorded span (its right end is live) and the clip controls.

    The bar only reports what the operator does; the wall decides what a tile shows.
    """

    positionChosen = Signal(object)  # wall-clock ms to show, or None for live
    playToggled = Signal(bool)
    markIn = Signal()
    markOut = Signal()
    clipRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._first = 0
        self._last = 0
        self._tooltips: dict[QWidget, str] | None = None  # kept while the bar is off (replay)
        self.back = QPushButton(self.tr("−10 s"))
        self.back.setToolTip(self.tr("Go back ten seconds in the recording (Ctrl+Left)"))
        self.back.clicked.connect(self._step_back)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip(
            self.tr("The highlighted camera's recording: drag back to see what happened")
        )
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.time = QLabel()
        self.time.setMinimumWidth(120)
        self.play = QPushButton(self.tr("Play"))
        self.play.setCheckable(True)
        self.play.setToolTip(self.tr("Play the recording from here (Space)"))
        self.play.toggled.connect(self.playToggled)
        self.live = QPushButton(self.tr("Live"))
        self.live.setToolTip(self.tr("Back to the live picture (End)"))
        self.live.clicked.connect(lambda: self.positionChosen.emit(None))
        self.mark_in = QPushButton(self.tr("In"))
        self.mark_in.setToolTip(self.tr("The clip starts here (I)"))
        self.mark_in.clicked.connect(self.markIn)
        self.mark_out = QPushButton(self.tr("Out"))
        self.mark_out.setToolTip(self.tr("The clip ends here (O)"))
        self.mark_out.clicked.connect(self.markOut)
        self.clip = QPushButton(self.tr("Save clip"))
        self.clip.setToolTip(
            self.tr(
                "Save the recording between the in and out points with time, camera and place "
                "burned in, linked to the selected incident"
            )
        )
        self.clip.clicked.connect(self.clipRequested)
        self.blur = QCheckBox(self.tr("Blur faces and plates"))
        self.blur.setToolTip(
            self.tr("Stills and clips are saved with faces and licence plates blurred")
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        controls: tuple[QWidget, ...] = (
            self.back,
            self.slider,
            self.time,
            self.play,
            self.live,
            self.mark_in,
            self.mark_out,
            self.clip,
            self.blur,
        )
        for widget in controls:
            row.addWidget(widget, 1 if widget is self.slider else 0)
        self.set_span(None, None)

    def set_span(self, span: tuple[int, int] | None, position: int | None) -> None:
        """Show the recorded span (None: nothing recorded) and where the tile is (None: live)."""
        if self._tooltips is not None:
            return  # the bar is off while the wall shows the past
        enabled = span is not None and span[1] > span[0]
        for widget in (self.back, self.slider, self.play, self.mark_in, self.mark_out):
            widget.setEnabled(enabled)
        if not enabled or span is None:
            self.time.setText(self.tr("no recording yet"))
            return
        self._first, self._last = span
        self.slider.blockSignals(True)
        # Seconds, not milliseconds: a QSlider holds a 32-bit int.
        self.slider.setRange(0, (self._last - self._first) // 1000)
        value = self._last if position is None else max(self._first, position)
        self.slider.setValue((value - self._first) // 1000)
        self.slider.blockSignals(False)
        if position is None:
            kept = (self._last - self._first) // 1000
            self.time.setText(
                self.tr("live · %1 recorded").replace("%1", f"{kept // 60}:{kept % 60:02d}")
            )
        else:
            behind = (self._last - position) // 1000
            self.time.setText(f"{clock(position)} (−{behind // 60}:{behind % 60:02d})")

    def set_off(self, reason: str | None) -> None:
        """Turn the recording controls off, each saying ``reason`` (the wall shows the past
        and they would act on the live recording), or back on with ``None``."""
        controls = (
            self.back,
            self.slider,
            self.play,
            self.live,
            self.mark_in,
            self.mark_out,
            self.clip,
        )
        if reason is not None:
            if self._tooltips is None:
                self._tooltips = {widget: widget.toolTip() for widget in controls}
                self.play.setChecked(False)
            for widget in controls:
                widget.setEnabled(False)
                widget.setToolTip(reason)
            self.time.setText("")
            return
        if self._tooltips is None:
            return
        for control, tooltip in self._tooltips.items():
            control.setToolTip(tooltip)
            control.setEnabled(True)
        self._tooltips = None
        self.set_span(None, None)  # until the wall brings it up to date

    def _on_slider_value_changed(self, seconds: int) -> None:
        at_end = seconds >= self.slider.maximum()
        self.positionChosen.emit(None if at_end else self._first + seconds * 1000)

    def _step_back(self) -> None:
        self.step(-STEP_BACK_MS)

    def step(self, delta_ms: int) -> None:
        """Move the position by ``delta_ms`` (negative: back in time)."""
        current = self._first + self.slider.value() * 1000
        self.slider.setValue(max(0, (current + delta_ms - self._first) // 1000))
