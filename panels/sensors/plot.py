"""Live plot of the selected sensors on one time axis, with the crisis bands of the first one.

Readings arrive in the store's batches and go into bounded series; a 33 ms display timer
redraws only the curves whose series changed. A sensor's earlier readings are read from the
log, and parsed, off the GUI thread the first time it is plotted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QDateTime, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.city.kinds import CrisisLevel, SensorKindInfo
from core.city.model import Sensor
from core.events import EventRecord, EventType
from core.notices import NoticeLevel
from panels.sensors.archive import PlotArchive
from panels.sensors.bands import Band, crisis_bands
from panels.sensors.formatting import format_value
from panels.sensors.history import (
    MAX_AGE_MS,
    MAX_POINTS,
    LoadedHistory,
    SensorSeries,
)
from panels.sensors.loading import load_history
from panels.sensors.style import (
    BAND_ALPHA,
    CURSOR_COLOUR,
    CURVE_COLOURS,
    LEVEL_COLOURS,
    PLOT_BACKGROUND,
    PLOT_FOREGROUND,
)
from ui.context import AppContext
from ui.visibility import timer_while_visible

MAX_CURVES = len(CURVE_COLOURS)
FRAME_MS = 33
_READING = EventType.SENSOR_READING.value


def _now_s() -> float:
    return time.time()


class SensorPlotView(QWidget):
    """Curves of up to eight sensors, crisis bands, a time cursor and a follow-live switch."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.series: dict[str, SensorSeries] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.bands: list[tuple[CrisisLevel, pg.LinearRegionItem]] = []
        self._band_lines: list[pg.InfiniteLine] = []
        self._band_kind: SensorKindInfo | None = None
        self._drawn: dict[str, int] = {}
        self._colours: dict[str, str] = {}
        self._order: list[str] = []
        self._follow_at = 0.0
        self._cursor_s: float | None = None
        self.follow_live = True
        self.max_points = MAX_POINTS  # per plotted sensor
        self.now_s = _now_s  # tests may fix the clock
        self._build()
        self._frame_timer = timer_while_visible(self, FRAME_MS, self._on_frame_timer)
        self._frame_timer.setObjectName("sensorPlotFrame")
        # History older than the live series, as min/max envelopes.
        self.archive = PlotArchive(
            self.context,
            self.plot_item,
            self,
            plotted=self.plotted,
            colour_of=self._colours.__getitem__,
            now_s=lambda: self.now_s(),
            changed=self._update_cursor_label,
        )

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        self.follow_button = QPushButton(self.tr("Follow live"))
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip(
            self.tr("Keep the newest readings in view; panning or zooming by hand pauses it.")
        )
        self.follow_button.toggled.connect(self._on_follow_button_toggled)
        self.window_combo = QComboBox()
        for seconds, label in (
            (600, self.tr("10 min")),
            (3600, self.tr("1 h")),
            (6 * 3600, self.tr("6 h")),
            (24 * 3600, self.tr("24 h")),
            (7 * 86400, self.tr("7 days")),
            (30 * 86400, self.tr("30 days")),
        ):
            self.window_combo.addItem(label, seconds)
        self.window_combo.setCurrentIndex(1)
        self.window_combo.setToolTip(self.tr("How much recent time the live view shows"))
        self.window_combo.currentIndexChanged.connect(self._on_window_combo_changed)
        self.paused_label = QLabel(self.tr("Paused"))
        self.paused_label.setStyleSheet("color: #e8c547; font-weight: bold")
        self.paused_label.hide()
        self.note_label = QLabel()
        self.note_label.setStyleSheet("color: #9fb3c8")
        controls.addWidget(self.follow_button)
        controls.addWidget(self.window_combo)
        controls.addWidget(self.paused_label)
        controls.addStretch(1)
        controls.addWidget(self.note_label)
        layout.addLayout(controls)

        self.plot_widget = pg.PlotWidget(
            background=PLOT_BACKGROUND, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")}
        )
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.view_box: pg.ViewBox = self.plot_item.getViewBox()
        # pyqtgraph's own menu and auto-range button speak English only, and "Follow live"
        # is the way back to the live view.
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        # Set on the plot, not on each curve: PlotItem.addItem overwrites a curve's own
        # downsampling and clipping with the plot's (off by default).
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)
        # Time pans and zooms by hand; the value axis always fits what is in view.
        self.view_box.setMouseEnabled(x=True, y=False)
        self.view_box.setAutoVisible(y=True)
        self.view_box.enableAutoRange(axis=pg.ViewBox.YAxis)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(PLOT_FOREGROUND, width=1, cosmetic=True))
            axis.setTextPen(pg.mkPen(PLOT_FOREGROUND))
            axis.enableAutoSIPrefix(False)
        self.legend = self.plot_item.addLegend(
            offset=(8, 8), labelTextColor=PLOT_FOREGROUND, brush=pg.mkBrush(15, 19, 24, 200)
        )
        self.cursor_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(CURSOR_COLOUR, width=1, style=Qt.PenStyle.DashLine, cosmetic=True),
        )
        self.cursor_line.setZValue(20)
        self.cursor_line.hide()
        self.plot_item.addItem(self.cursor_line, ignoreBounds=True)
        self.view_box.sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        layout.addWidget(self.plot_widget, 1)

        self.cursor_label = QLabel()
        self.cursor_label.setTextFormat(Qt.TextFormat.RichText)
        self.cursor_label.setWordWrap(True)
        layout.addWidget(self.cursor_label)
        self._update_cursor_label()

    # -- which sensors ----------------------------------------------------------------------

    def set_sensors(self, sensor_ids: Sequence[str]) -> None:
        """Plot these sensors (the first sets the bands); only the first eight are drawn."""
        wanted = list(dict.fromkeys(sensor_ids))
        shown = wanted[:MAX_CURVES]
        for sensor_id in [s for s in self._order if s not in shown]:
            self._drop(sensor_id)
        for sensor_id in shown:
            if sensor_id not in self.series:
                self._add(sensor_id)
        self._order = shown
        extra = len(wanted) - len(shown)
        self.note_label.setText(
            self.tr("%1 more selected are not plotted (at most %2).")
            .replace("%1", str(extra))
            .replace("%2", str(MAX_CURVES))
            if extra > 0
            else ""
        )
        self._update_bands()
        self._update_axis_label()
        self._update_cursor_label()
        self.archive.refresh_soon()

    def plotted(self) -> list[str]:
        """The plotted sensor ids, first selected first."""
        return list(self._order)

    def _sensor(self, sensor_id: str) -> Sensor | None:
        city = self.context.city
        try:
            return city.sensor(sensor_id)
        except KeyError:
            return None

    def _add(self, sensor_id: str) -> None:
        series = SensorSeries(self.max_points)
        self.series[sensor_id] = series
        used = set(self._colours.values())
        colour = next((c for c in CURVE_COLOURS if c not in used), CURVE_COLOURS[0])
        self._colours[sensor_id] = colour
        curve = pg.PlotDataItem(
            pen=pg.mkPen(colour, width=1, cosmetic=True),
            connect="finite",
            antialias=False,
            name=sensor_id,
        )
        self.plot_item.addItem(curve)
        self.curves[sensor_id] = curve
        self._drawn[sensor_id] = -1
        now_ms = int(self.now_s() * 1000)
        load_history(
            self.context.backend,
            self.context.invoker,
            sensor_id,
            # A device clock a little ahead still counts as now.
            (now_ms - MAX_AGE_MS, now_ms + 3_600_000),
            series.max_points,
            lambda history: self._on_history_loaded(sensor_id, series, history),
            lambda error: self._on_history_failed(sensor_id, series, error),
        )

    def _drop(self, sensor_id: str) -> None:
        curve = self.curves.pop(sensor_id)
        self.plot_item.removeItem(curve)
        self.series.pop(sensor_id)
        self._drawn.pop(sensor_id)
        self._colours.pop(sensor_id)
        self.archive.drop(sensor_id)

    # -- data -----------------------------------------------------------------------------

    def add_records(self, records: Sequence[EventRecord]) -> None:
        """Take the readings of the plotted sensors from one batch of the store."""
        series = self.series
        if not series:
            return
        batch: dict[str, list[tuple[int, int, float]]] = {}
        for record in records:
            subject = record.subject
            if subject is not None and subject in series and record.type == _READING:
                payload = record.payload
                # The device's time where it gave one: the log stamps late readings later.
                ts_ms = payload.get("measured_ms") or record.ts_ms
                value = float(payload["value"])
                batch.setdefault(subject, []).append((record.seq, ts_ms, value))
        # One append per sensor and batch: a replay at speed hands over thousands at once.
        for sensor_id, readings in batch.items():
            series[sensor_id].add(readings)

    def _on_history_loaded(
        self, sensor_id: str, series: SensorSeries, history: LoadedHistory
    ) -> None:
        if not shiboken6.isValid(self) or self.series.get(sensor_id) is not series:
            return  # the panel is gone, or the sensor was unplotted meanwhile
        series.load(history)

    def _on_history_failed(
        self, sensor_id: str, series: SensorSeries, error: BaseException
    ) -> None:
        if not shiboken6.isValid(self):
            return
        if self.series.get(sensor_id) is series:
            # Live readings still plot; only the past is missing.
            series.load(LoadedHistory(np.empty(0), np.empty(0), 0))
        self.context.notices.post(
            NoticeLevel.WARNING,
            self.tr("Sensors"),
            self.tr("Could not read the earlier readings of %1: %2")
            .replace("%1", sensor_id)
            .replace("%2", str(error)),
        )

    # -- drawing --------------------------------------------------------------------------

    def _on_frame_timer(self) -> None:
        changed = False
        for sensor_id, series in self.series.items():
            if self._drawn[sensor_id] != series.version:
                self._drawn[sensor_id] = series.version
                self.curves[sensor_id].setData(*series.plot_arrays())
                changed = True
        now = self.now_s()
        # With no new data the window still slides with the clock, but once a second is enough.
        if self.follow_live and self.series and (changed or now - self._follow_at >= 1.0):
            self._follow(now)
        if changed and self._cursor_s is not None:
            self._update_cursor_label()

    def redraw_now(self) -> None:
        """Draw what the series hold without waiting for the display timer."""
        self._on_frame_timer()

    def _follow(self, now: float) -> None:
        newest = [t for s in self.series.values() if (t := s.newest_ts_s()) is not None]
        right = max([now, *newest])
        self._follow_at = now
        self.view_box.setXRange(right - self.window_s(), right, padding=0)
        if self.window_s() * 1000 > MAX_AGE_MS:
            self.archive.refresh_soon()

    def window_s(self) -> int:
        """Seconds of recent time the live view shows."""
        return int(self.window_combo.currentData())

    def set_follow(self, on: bool) -> None:
        """Follow the newest readings (True) or hold the view where it is (False)."""
        if on == self.follow_live:
            return
        self.follow_live = on
        self.follow_button.blockSignals(True)
        self.follow_button.setChecked(on)
        self.follow_button.blockSignals(False)
        self.paused_label.setVisible(not on)
        if on:
            self.view_box.enableAutoRange(axis=pg.ViewBox.YAxis)
            self._follow(self.now_s())

    def _on_follow_button_toggled(self, checked: bool) -> None:
        self.set_follow(checked)

    def _on_window_combo_changed(self) -> None:
        if self.follow_live:
            self._follow(self.now_s())
        else:
            self.set_follow(True)

    def _on_view_range_changed_manually(self, *_: Any) -> None:
        self.set_follow(False)
        self.archive.refresh_soon()

    # -- bands and labels -----------------------------------------------------------------

    def _update_bands(self) -> None:
        first = self._sensor(self._order[0]) if self._order else None
        info = first.kind.info if first is not None else None
        if info is self._band_kind:
            return
        self._band_kind = info
        for _, region in self.bands:
            self.plot_item.removeItem(region)
        for line in self._band_lines:
            self.plot_item.removeItem(line)
        self.bands, self._band_lines = [], []
        if info is None:
            return
        for band in crisis_bands(info):
            self._add_band(band, info.unit)

    def _add_band(self, band: Band, unit: str) -> None:
        level, start = band.level, band.start
        colour = QColor(LEVEL_COLOURS[level])
        fill = QColor(colour)
        fill.setAlpha(BAND_ALPHA)
        region = pg.LinearRegionItem(
            values=(band.low, band.high),
            orientation="horizontal",
            brush=pg.mkBrush(fill),
            pen=pg.mkPen(None),
            movable=False,
        )
        region.setZValue(-10)
        self.plot_item.addItem(region, ignoreBounds=True)
        self.bands.append((level, region))
        edge = QColor(colour)
        edge.setAlpha(150)
        name = self.context.pick(level.name_ko, level.name_en.capitalize())
        line = pg.InfiniteLine(
            pos=start,
            angle=0,
            movable=False,
            pen=pg.mkPen(edge, width=1, style=Qt.PenStyle.DotLine, cosmetic=True),
            label=f"{name} {start:g} {unit}",
            labelOpts={
                "position": 0.995,
                "color": colour,
                "anchors": [(1, 1), (1, 1)],
                "fill": pg.mkBrush(15, 19, 24, 210),
            },
        )
        # Above the curves, so a curve crossing the label cannot make it unreadable.
        line.setZValue(5)
        self.plot_item.addItem(line, ignoreBounds=True)
        self._band_lines.append(line)

    def _update_axis_label(self) -> None:
        units = []
        for sensor_id in self._order:
            sensor = self._sensor(sensor_id)
            if sensor is not None and sensor.unit not in units:
                units.append(sensor.unit)
        self.plot_item.setLabel("left", " / ".join(units), color=PLOT_FOREGROUND)

    # -- cursor ---------------------------------------------------------------------------

    def _on_scene_mouse_moved(self, position: QPointF) -> None:
        if not self.view_box.sceneBoundingRect().contains(position):
            return
        self.move_cursor(self.view_box.mapSceneToView(position).x())

    def move_cursor(self, t_s: float) -> None:
        """Put the time cursor at ``t_s`` (seconds since the epoch) and read the values."""
        self._cursor_s = t_s
        self.cursor_line.setPos(t_s)
        self.cursor_line.show()
        self._update_cursor_label()

    def cursor_values(self) -> dict[str, float | None]:
        """Each plotted sensor's reading in force at the cursor."""
        if self._cursor_s is None:
            return {}
        return {sid: self.series[sid].value_at(self._cursor_s) for sid in self._order}

    def _update_cursor_label(self) -> None:
        if not self._order:
            self._cursor_s = None
            self.cursor_line.hide()
        if self._cursor_s is None:
            self.cursor_label.setText(self.tr("Move the mouse over the plot to read the values."))
            return
        when = QDateTime.fromMSecsSinceEpoch(int(self._cursor_s * 1000))
        parts = [f"<b>{when.toString('yyyy-MM-dd HH:mm:ss')}</b>"]
        for sensor_id, value in self.cursor_values().items():
            sensor = self._sensor(sensor_id)
            unit = sensor.unit if sensor is not None else ""
            text = format_value(value, unit) if value is not None else "—"
            span = self.archive.range_at(sensor_id, self._cursor_s) if value is None else None
            if span is not None:
                low, high = span
                text = (
                    format_value(low, unit)
                    if low == high
                    else f"{format_value(low, unit)} … {format_value(high, unit)}"
                )
            colour = self._colours[sensor_id]
            # Lines may wrap between sensors, never inside one (hence the non-breaking hyphens
            # and spaces).
            name = sensor_id.replace("-", "\u2011")
            reading = text.replace(" ", "&nbsp;")
            parts.append(f"<span style='color:{colour}'>■&nbsp;{name}</span>&nbsp;{reading}")
        self.cursor_label.setText(" &nbsp; ".join(parts))
