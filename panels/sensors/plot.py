"""Live plots of the selected sensors on one time axis: a lane per kind, with its crisis bands.

Readings arrive in the view's batches and go into bounded series; a 33 ms display timer
redraws only the curves whose series changed. A sensor's earlier readings are read from the
log, and parsed, off the GUI thread the first time it is plotted, and again for every plotted
sensor when the view's whole state is replaced (a replay seek, or a switch between live and
replay). In replay the plot ends at the instant shown: "now" is the view's clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QDateTime, QPointF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.city.kinds import CrisisLevel
from core.city.model import Sensor
from core.events import EventRecord, EventType
from core.notices import NoticeLevel
from panels.sensors.archive import PlotArchive
from panels.sensors.formatting import format_value
from panels.sensors.history import (
    MAX_AGE_MS,
    MAX_POINTS,
    LoadedHistory,
    SensorSeries,
)
from panels.sensors.lanes import IDLE_LANE, LaneKey, PlotLane
from panels.sensors.loading import load_history
from panels.sensors.style import CURVE_COLOURS, PLOT_BACKGROUND
from ui.context import AppContext
from ui.visibility import timer_while_visible

MAX_CURVES = len(CURVE_COLOURS)
FRAME_MS = 33
_READING = EventType.SENSOR_READING.value


class SensorPlotView(QWidget):
    """Curves of up to eight sensors in lanes by kind on one time axis, each lane with its
    kind's crisis bands; a time cursor across the lanes and a follow-live switch."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.series: dict[str, SensorSeries] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.lanes: list[PlotLane] = []
        # What each curve shows: its series' version and how many readings (None: redraw).
        self._drawn: dict[str, tuple[int, int] | None] = {}
        self._colours: dict[str, str] = {}
        self._order: list[str] = []
        self._follow_at = 0.0
        self._cursor_s: float | None = None
        self.follow_live = True
        self.max_points = MAX_POINTS  # per plotted sensor
        # The instant shown: the wall clock live, the replay position in replay (tests may fix it).
        self.now_s: Callable[[], float] = self._view_now_s
        self._build()
        self._frame_timer = timer_while_visible(self, FRAME_MS, self._on_frame_timer)
        self._frame_timer.setObjectName("sensorPlotFrame")
        # History older than the live series, as min/max envelopes.
        self.archive = PlotArchive(
            self.context,
            self,
            plot_of=lambda sensor_id: self.lane_of(sensor_id).plot,
            view_range=lambda: self.view_box.viewRange()[0],
            plotted=self.plotted,
            colour_of=self._colours.__getitem__,
            now_s=lambda: self.now_s(),
            changed=self._update_cursor_label,
        )

    def _view_now_s(self) -> float:
        return self.context.view.now_ms() / 1000.0

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
            (2 * 3600, self.tr("2 h")),
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

        self.plot_widget = pg.GraphicsLayoutWidget()
        self.plot_widget.setBackground(PLOT_BACKGROUND)
        self.plot_widget.ci.setSpacing(2)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._sync_lanes()
        layout.addWidget(self.plot_widget, 1)

        self.cursor_label = QLabel()
        self.cursor_label.setTextFormat(Qt.TextFormat.RichText)
        self.cursor_label.setWordWrap(True)
        layout.addWidget(self.cursor_label)
        self._update_cursor_label()

    # -- which sensors ----------------------------------------------------------------------

    def set_sensors(self, sensor_ids: Sequence[str]) -> None:
        """Plot these sensors, each kind in a lane of its own with its bands, in the order
        the kinds were first picked; only the first eight sensors are drawn."""
        wanted = list(dict.fromkeys(sensor_ids))
        shown = wanted[:MAX_CURVES]
        for sensor_id in [s for s in self._order if s not in shown]:
            self._drop(sensor_id)
        self._order = shown
        self._sync_lanes()
        for sensor_id in shown:
            if sensor_id not in self.series:
                self._add(sensor_id)
        extra = len(wanted) - len(shown)
        self.note_label.setText(
            self.tr("%1 more selected are not plotted (at most %2).")
            .replace("%1", str(extra))
            .replace("%2", str(MAX_CURVES))
            if extra > 0
            else ""
        )
        self._update_cursor_label()
        self.archive.refresh_soon()

    def plotted(self) -> list[str]:
        """The plotted sensor ids, first selected first."""
        return list(self._order)

    @property
    def view_box(self) -> pg.ViewBox:
        """The top lane's view box: every lane's time axis is linked to it."""
        return self.lanes[0].view_box

    @property
    def bands(self) -> list[tuple[CrisisLevel, pg.LinearRegionItem]]:
        """The crisis bands of the top lane (the first kind picked)."""
        return self.lanes[0].bands

    @property
    def cursor_line(self) -> pg.InfiniteLine:
        """The top lane's time cursor (every lane has one at the same time)."""
        return self.lanes[0].cursor_line

    def lane_of(self, sensor_id: str) -> PlotLane:
        """The lane a plotted sensor is drawn in."""
        key = self._lane_key(sensor_id)
        return next(lane for lane in self.lanes if lane.key == key)

    def _lane_key(self, sensor_id: str) -> LaneKey:
        sensor = self._sensor(sensor_id)
        return sensor.kind.value if sensor is not None else None

    def _sync_lanes(self) -> None:
        """One lane per kind among the plotted sensors (an idle one when there are none),
        stacked in the order the kinds were picked, their time axes linked to the top one."""
        keys: list[LaneKey] = list(dict.fromkeys(self._lane_key(s) for s in self._order))
        keys = keys or [IDLE_LANE]
        x_range = self.view_box.viewRange()[0] if self.lanes else None
        old: dict[LaneKey, PlotLane] = {lane.key: lane for lane in self.lanes}
        lanes = [old[key] if key in old else self._new_lane(key) for key in keys]
        for lane in lanes:
            lane.sensors = [s for s in self._order if self._lane_key(s) == lane.key]
        if [lane.key for lane in lanes] == [lane.key for lane in self.lanes]:
            return
        layout = self.plot_widget.ci
        for lane in self.lanes:
            layout.removeItem(lane.plot)
        for row, lane in enumerate(lanes):
            layout.addItem(lane.plot, row=row, col=0)
            lane.show_time_axis(row == len(lanes) - 1)
            lane.plot.setXLink(None if row == 0 else lanes[0].plot)
        self.lanes = lanes
        if x_range is not None:
            self.view_box.setXRange(*x_range, padding=0)
        if self._cursor_s is not None:
            for lane in lanes:
                lane.set_cursor(self._cursor_s)

    def _new_lane(self, key: LaneKey) -> PlotLane:
        sensor = next((self._sensor(s) for s in self._order if self._lane_key(s) == key), None)
        info = sensor.kind.info if sensor is not None else None
        unit = sensor.unit if sensor is not None else ""
        lane = PlotLane(key, info, unit, self._level_name)
        lane.view_box.sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        return lane

    def _level_name(self, level: CrisisLevel) -> str:
        return self.context.pick(level.name_ko, level.name_en.capitalize())

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
        self.lane_of(sensor_id).plot.addItem(curve)
        self.curves[sensor_id] = curve
        self._load(sensor_id, series)

    def _load(self, sensor_id: str, series: SensorSeries) -> None:
        """Ask for the last day of ``sensor_id``'s readings up to the instant shown."""
        self._drawn[sensor_id] = None
        now_ms = int(self.now_s() * 1000)
        view = self.context.view
        # Live, a device clock a little ahead still counts as now. In replay nothing after
        # the instant is drawn, though the log (ordered by device time) may have it.
        end_ms = now_ms if view.is_replay else now_ms + 3_600_000
        known_seq = view.state.last_seq if view.is_replay else None
        load_history(
            self.context.backend,
            self.context.invoker,
            sensor_id,
            (now_ms - MAX_AGE_MS, end_ms),
            series.max_points,
            lambda history: self._on_history_loaded(sensor_id, series, history, known_seq),
            lambda error: self._on_history_failed(sensor_id, series, error),
        )

    def reload(self) -> None:
        """Read every plotted sensor's readings again, up to the instant shown now: after a
        replay seek, or a switch between live and replay (the view's whole state changed)."""
        self.archive.clear()
        for sensor_id in self._order:
            series = SensorSeries(self.max_points)
            self.series[sensor_id] = series
            self._load(sensor_id, series)
        self._update_cursor_label()
        if self.follow_live and self._order:
            self._follow(self.now_s())
        self.archive.refresh_soon()

    def _drop(self, sensor_id: str) -> None:
        # Before the lanes change: the curves are taken out of the lane they are in.
        curve = self.curves.pop(sensor_id)
        self.lane_of(sensor_id).plot.removeItem(curve)
        self.archive.drop(sensor_id)
        self.series.pop(sensor_id)
        self._drawn.pop(sensor_id)
        self._colours.pop(sensor_id)

    # -- data -----------------------------------------------------------------------------

    def add_records(self, records: Sequence[EventRecord]) -> None:
        """Take the readings of the plotted sensors from one batch of the view (live or replay)."""
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
        self,
        sensor_id: str,
        series: SensorSeries,
        history: LoadedHistory,
        known_seq: int | None,
    ) -> None:
        if not shiboken6.isValid(self) or self.series.get(sensor_id) is not series:
            return  # the panel is gone, the sensor was unplotted, or the view moved meanwhile
        if known_seq is not None and history.last_seq > known_seq:
            # The answer knows the log's newest reading of the sensor, later than the replay
            # instant; readings the playback brings after it must still join the series.
            history = LoadedHistory(history.ts_s, history.values, known_seq)
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

    def _until_s(self) -> float | None:
        """The newest time that may be drawn: the instant shown in replay, none live."""
        return self.now_s() if self.context.view.is_replay else None

    def _on_frame_timer(self) -> None:
        changed = False
        until = self._until_s()
        for sensor_id, series in self.series.items():
            drawn = (series.version, series.count_until(until))
            if self._drawn[sensor_id] != drawn:
                self._drawn[sensor_id] = drawn
                self.curves[sensor_id].setData(*series.plot_arrays(until_s=until))
                changed = True
        now = self.now_s()
        # With no new data the window still slides with the clock, but once a second is enough
        # (and a replay seek may move the clock back).
        if self.follow_live and self.series and (changed or abs(now - self._follow_at) >= 1.0):
            self._follow(now)
        if changed and self._cursor_s is not None:
            self._update_cursor_label()

    def redraw_now(self) -> None:
        """Draw what the series hold without waiting for the display timer."""
        self._on_frame_timer()

    def _follow(self, now: float) -> None:
        if self.context.view.is_replay:
            right = now  # the plot ends at the instant shown
        else:
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

    # -- cursor ---------------------------------------------------------------------------

    def _on_scene_mouse_moved(self, position: QPointF) -> None:
        for lane in self.lanes:
            if lane.view_box.sceneBoundingRect().contains(position):
                self.move_cursor(lane.view_box.mapSceneToView(position).x())
                return

    def move_cursor(self, t_s: float) -> None:
        """Put the time cursor at ``t_s`` (seconds since the epoch) and read the values."""
        self._cursor_s = t_s
        for lane in self.lanes:
            lane.set_cursor(t_s)
        self._update_cursor_label()

    def cursor_values(self) -> dict[str, float | None]:
        """Each plotted sensor's reading in force at the cursor."""
        if self._cursor_s is None:
            return {}
        until = self._until_s()
        return {
            sid: self.series[sid].value_at(self._cursor_s, until_s=until) for sid in self._order
        }

    def _update_cursor_label(self) -> None:
        if not self._order:
            self._cursor_s = None
            for lane in self.lanes:
                lane.set_cursor(None)
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
