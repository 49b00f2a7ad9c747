"""One lane of the sensors plot: the plotted sensors of one kind, with that kind's value axis
and crisis bands. Lanes are stacked on one time axis, so a river gauge in metres and a dust
meter in µg/m³ are each read on their own scale.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from core.city.kinds import CrisisLevel, SensorKindInfo
from panels.sensors.bands import Band, crisis_bands
from panels.sensors.style import (
    BAND_ALPHA,
    CURSOR_COLOUR,
    LEVEL_COLOURS,
    PLOT_FOREGROUND,
)

LaneKey = str | None  # the sensor kind's value; None for sensors the registry does not know
IDLE_LANE: LaneKey = ""  # the empty lane shown while nothing is plotted
GRID_ALPHA = 38
NO_LINES = 1e15  # a grid spacing (seconds) no view of ours ever spans


class PlotLane:
    """A plot with its own value axis, bands, legend and a time cursor line."""

    def __init__(
        self,
        key: LaneKey,
        info: SensorKindInfo | None,
        unit: str,
        level_name: Callable[[CrisisLevel], str],
    ) -> None:
        self.key = key
        self.info = info
        self.unit = unit
        self.sensors: list[str] = []
        self.bands: list[tuple[CrisisLevel, pg.LinearRegionItem]] = []
        self.plot = pg.PlotItem(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.view_box: pg.ViewBox = self.plot.getViewBox()
        plot = self.plot
        # pyqtgraph's own menu and auto-range button speak English only, and "Follow live"
        # is the way back to the live view.
        plot.setMenuEnabled(False)
        plot.hideButtons()
        # Time lines come from the time axis; value lines from a grid item. pyqtgraph's value
        # grid, drawn by the left axis, cost nine frames in ten on a stack of lanes.
        plot.showGrid(x=True, y=False, alpha=GRID_ALPHA / 255)
        value_grid = pg.GridItem(
            pen=pg.mkPen(255, 255, 255, GRID_ALPHA, cosmetic=True), textPen=None
        )
        # One automatic level of value lines; no time lines (an empty list would mean the
        # default three levels, so the spacing is set beyond any time range instead).
        value_grid.setTickSpacing(x=[NO_LINES], y=[None])
        plot.addItem(value_grid, ignoreBounds=True)
        # Set on the plot, not on each curve: PlotItem.addItem overwrites a curve's own
        # downsampling and clipping with the plot's (off by default).
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        # Time pans and zooms by hand; the value axis always fits what is in view.
        self.view_box.setMouseEnabled(x=True, y=False)
        self.view_box.setAutoVisible(y=True)
        self.view_box.enableAutoRange(axis=pg.ViewBox.YAxis)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(PLOT_FOREGROUND, width=1, cosmetic=True))
            axis.setTextPen(pg.mkPen(PLOT_FOREGROUND))
            axis.enableAutoSIPrefix(False)
        # Every lane's value axis is as wide, so the time axes line up.
        plot.getAxis("left").setWidth(56)
        plot.setLabel("left", unit, color=PLOT_FOREGROUND)
        self.legend = plot.addLegend(
            offset=(8, 8), labelTextColor=PLOT_FOREGROUND, brush=pg.mkBrush(15, 19, 24, 200)
        )
        self.cursor_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(CURSOR_COLOUR, width=1, style=Qt.PenStyle.DashLine, cosmetic=True),
        )
        self.cursor_line.setZValue(20)
        self.cursor_line.hide()
        plot.addItem(self.cursor_line, ignoreBounds=True)
        if info is not None:
            for band in crisis_bands(info):
                self._add_band(band, unit, level_name)

    def _add_band(self, band: Band, unit: str, level_name: Callable[[CrisisLevel], str]) -> None:
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
        self.plot.addItem(region, ignoreBounds=True)
        self.bands.append((level, region))
        edge = QColor(colour)
        edge.setAlpha(150)
        line = pg.InfiniteLine(
            pos=start,
            angle=0,
            movable=False,
            pen=pg.mkPen(edge, width=1, style=Qt.PenStyle.DotLine, cosmetic=True),
            label=f"{level_name(level)} {start:g} {unit}",
            labelOpts={
                "position": 0.995,
                "color": colour,
                "anchors": [(1, 1), (1, 1)],
                "fill": pg.mkBrush(15, 19, 24, 210),
            },
        )
        # Above the curves, so a curve crossing the label cannot make it unreadable.
        line.setZValue(5)
        self.plot.addItem(line, ignoreBounds=True)

    def show_time_axis(self, shown: bool) -> None:
        """Only the bottom lane labels the time axis; the others keep its lines, flat."""
        axis = self.plot.getAxis("bottom")
        axis.setStyle(showValues=shown)
        axis.setHeight(None if shown else 0)

    def set_cursor(self, t_s: float | None) -> None:
        """Put the cursor line at ``t_s``, or hide it."""
        if t_s is None:
            self.cursor_line.hide()
        else:
            self.cursor_line.setPos(t_s)
            self.cursor_line.show()
