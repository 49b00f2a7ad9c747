"""History older than the live series, drawn as min/max envelopes under the live curves.

The live series hold the last day of each plotted sensor. When the view reaches further back
(a 7- or 30-day window, or a pan into the past) the time in view is asked of the backend as a
few thousand min/max buckets per sensor, off the GUI thread, once the gesture has settled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QTimer

from core.notices import NoticeLevel
from panels.sensors.history import MAX_AGE_MS
from panels.sensors.loading import DrawnEnvelope, load_envelope
from ui.context import AppContext

ARCHIVE_BUCKETS = 2000  # per sensor and request: finer than any plot is wide
SETTLE_MS = 250  # a pan or zoom settles this long before the archive is asked for


class PlotArchive(QObject):
    """One envelope curve per plotted sensor for the time in view before the live series."""

    def __init__(
        self,
        context: AppContext,
        parent: QObject,
        *,
        plot_of: Callable[[str], pg.PlotItem],
        view_range: Callable[[], Sequence[float]],
        plotted: Callable[[], Sequence[str]],
        colour_of: Callable[[str], str],
        now_s: Callable[[], float],
        changed: Callable[[], object],
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._plot_of = plot_of
        self._view_range = view_range
        self._plotted = plotted
        self._colour_of = colour_of
        self._now_s = now_s
        self._changed = changed
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.held: dict[str, DrawnEnvelope] = {}
        self._generation = 0
        self._span: tuple[int, int] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.refresh)

    def refresh_soon(self) -> None:
        """Check the view again once it has stopped moving."""
        self._timer.start()

    def live_start_s(self) -> float:
        """Where the live series begin: older times in view come from the archive."""
        return self._now_s() - MAX_AGE_MS / 1000.0

    def refresh(self) -> None:
        """Ask for the envelopes of the time in view before the live series, unless the
        ones held cover it finely enough already."""
        plotted = list(self._plotted())
        left, right = self._view_range()
        live_start = self.live_start_s()
        if not plotted or left >= live_start:
            return
        # Ask for half a view more on each side, so a small pan needs no new request.
        width = right - left
        start_ms = int((left - width / 2) * 1000)
        end_ms = int(min(right + width / 2, live_start) * 1000)
        if self._covers(plotted, int(left * 1000), int(min(right, live_start) * 1000)):
            return
        self._generation += 1
        self._span = (start_ms, end_ms)
        for sensor_id in plotted:
            load_envelope(
                self._context.backend,
                self._context.invoker,
                sensor_id,
                (start_ms, end_ms),
                ARCHIVE_BUCKETS,
                partial(self._on_loaded, sensor_id, self._generation),
                self._on_failed,
            )

    def _covers(self, plotted: list[str], start_ms: int, end_ms: int) -> bool:
        if self._span is None or not all(s in self.held for s in plotted):
            return False
        wanted_bucket = (end_ms - start_ms) / ARCHIVE_BUCKETS
        coarsest = max(self.held[s][0].bucket_ms for s in plotted)
        slack = max(coarsest, wanted_bucket)
        # Zoomed in far enough that the held buckets are coarse: ask again, finer.
        fine_enough = coarsest <= 2 * wanted_bucket
        return self._span[0] <= start_ms and end_ms <= self._span[1] + slack and fine_enough

    def _on_loaded(self, sensor_id: str, generation: int, drawn: DrawnEnvelope) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the view moved on, or the panel is gone
        if sensor_id not in self._plotted():
            return
        self.held[sensor_id] = drawn
        curve = self.curves.get(sensor_id)
        if curve is None:
            curve = pg.PlotDataItem(
                pen=pg.mkPen(self._colour_of(sensor_id), width=1, cosmetic=True),
                connect="finite",
                antialias=False,
            )
            curve.setZValue(-1)  # under the live curve where the two meet
            self._plot_of(sensor_id).addItem(curve)
            self.curves[sensor_id] = curve
        curve.setData(*drawn[1])
        self._changed()

    def _on_failed(self, error: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self._context.notices.post(
            NoticeLevel.WARNING,
            self.tr("Sensors"),
            self.tr("Could not read older readings: %1").replace("%1", str(error)),
        )

    def clear(self) -> None:
        """Forget every envelope held or asked for (the instant shown changed: what was in
        view before may reach past it)."""
        self._generation += 1  # answers still on their way are for the old instant
        self._span = None
        for sensor_id in list(self.curves):
            self.drop(sensor_id)
        self.held.clear()

    def drop(self, sensor_id: str) -> None:
        """Forget a sensor that is no longer plotted (call while its lane still exists)."""
        curve = self.curves.pop(sensor_id, None)
        if curve is not None:
            self._plot_of(sensor_id).removeItem(curve)
        self.held.pop(sensor_id, None)

    def range_at(self, sensor_id: str, t_s: float) -> tuple[float, float] | None:
        """The lowest and highest reading of the held bucket at ``t_s``, if there is one."""
        held = self.held.get(sensor_id)
        if held is None or not len(held[0]):
            return None
        history = held[0]
        t_ms = t_s * 1000.0
        index = int(np.argmin(np.abs(history.ts_ms - t_ms)))
        half = max(history.bucket_ms, 1000) / 2.0
        if abs(history.ts_ms[index] - t_ms) > half:
            return None
        return float(history.low[index]), float(history.high[index])
