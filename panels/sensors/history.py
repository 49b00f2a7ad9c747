"""Recent readings of the plotted sensors: bounded series, gap breaks, history as plot arrays.

No Qt here: the panel feeds these from the view's batches and draws what they hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.readings import SensorHistory

FloatArray = npt.NDArray[np.float64]

MAX_POINTS = 100_000
MAX_AGE_MS = 24 * 3_600_000
GAP_FACTOR = 3.0  # a pause this many typical intervals long breaks the line
_INTERVAL_SAMPLE = 1_000  # the typical interval is the median of this many recent steps


@dataclass(frozen=True, slots=True)
class LoadedHistory:
    """Earlier readings of one sensor: times in seconds, values, newest seq."""

    ts_s: FloatArray
    values: FloatArray
    last_seq: int


def loaded_from(history: SensorHistory) -> LoadedHistory:
    """The backend's answer as plot arrays: raw readings as they are, an envelope as its low
    and high in turn within each bucket (the shape pyqtgraph's peak downsampling draws)."""
    ts_s, values = envelope_arrays(history)
    return LoadedHistory(ts_s, values, history.last_seq)


def envelope_arrays(history: SensorHistory) -> tuple[FloatArray, FloatArray]:
    """Times in seconds and values to draw ``history``; buckets with no readings between two
    that have some break the line, as a pause in raw readings does."""
    ts_s = history.ts_ms.astype(np.float64) / 1000.0
    if history.is_raw:
        return ts_s, history.low.astype(np.float64)
    quarter = history.bucket_ms / 4000.0
    times = np.empty(2 * len(ts_s))
    values = np.empty(2 * len(ts_s))
    times[0::2], times[1::2] = ts_s - quarter, ts_s + quarter
    values[0::2], values[1::2] = history.low, history.high
    gaps = np.flatnonzero(np.diff(ts_s) > 1.5 * history.bucket_ms / 1000.0)
    if len(gaps):
        at = 2 * (gaps + 1)
        middle = (times[at - 1] + times[at]) / 2.0
        times, values = np.insert(times, at, middle), np.insert(values, at, np.nan)
    return times, values


class SensorSeries:
    """The recent readings of one sensor, oldest first, bounded by count and by age.

    Until its history arrives from the log (``load``) it keeps live readings aside, so the two
    can be joined by sequence number without duplicates or holes.
    """

    def __init__(self, max_points: int = MAX_POINTS, max_age_ms: int = MAX_AGE_MS) -> None:
        self.max_points = max_points
        self.max_age_s = max_age_ms / 1000.0
        self._ts: FloatArray = np.empty(1024)
        self._values: FloatArray = np.empty(1024)
        self._start = 0
        self._end = 0
        self._pending: list[tuple[int, float, float]] = []
        self.loaded = False
        self.last_seq = 0
        self.version = 0  # changes whenever the readings do, so drawing can skip idle series

    # -- filling --------------------------------------------------------------------------

    def add(self, readings: Iterable[tuple[int, int, float]]) -> None:
        """Live readings as ``(seq, ts_ms, value)``, in log order."""
        fresh = [(seq, ts / 1000.0, v) for seq, ts, v in readings]
        if not self.loaded:
            self._pending.extend(fresh)
            return
        fresh = [r for r in fresh if r[0] > self.last_seq]
        if fresh:
            self.last_seq = fresh[-1][0]
            self._extend(np.array([r[1] for r in fresh]), np.array([r[2] for r in fresh]))

    def load(self, history: LoadedHistory) -> None:
        """Put the log's readings first, then the live ones that came after them."""
        later = [r for r in self._pending if r[0] > history.last_seq]
        self._pending = []
        self.loaded = True
        self._start = self._end = 0
        self.last_seq = max(history.last_seq, later[-1][0] if later else 0)
        self._extend(history.ts_s, history.values)
        if later:
            self._extend(np.array([r[1] for r in later]), np.array([r[2] for r in later]))
        self.version += 1

    def _extend(self, ts: FloatArray, values: FloatArray) -> None:
        count = len(ts)
        if count == 0:
            return
        out_of_order = self._end > self._start and ts[0] < self._ts[self._end - 1]
        self._make_room(count)
        self._ts[self._end : self._end + count] = ts
        self._values[self._end : self._end + count] = values
        self._end += count
        if out_of_order or (count > 1 and bool(np.any(np.diff(ts) < 0))):
            # Devices may send late readings; the line and the cursor need time order.
            order = np.argsort(self._ts[self._start : self._end], kind="stable")
            self._ts[self._start : self._end] = self._ts[self._start : self._end][order]
            self._values[self._start : self._end] = self._values[self._start : self._end][order]
        self._trim()
        self.version += 1

    def _make_room(self, count: int) -> None:
        size = self._end - self._start
        if self._end + count <= len(self._ts):
            return
        # Move the live part to the front, and grow (up to twice the bound) if that is not
        # enough: the readings stay contiguous, so drawing needs no copy to join them.
        capacity = len(self._ts)
        while size + count > capacity and capacity < 2 * self.max_points:
            capacity = min(capacity * 2, 2 * self.max_points)
        capacity = max(capacity, size + count)
        ts, values = np.empty(capacity), np.empty(capacity)
        ts[:size] = self._ts[self._start : self._end]
        values[:size] = self._values[self._start : self._end]
        self._ts, self._values = ts, values
        self._start, self._end = 0, size

    def _trim(self) -> None:
        if self._end - self._start > self.max_points:
            self._start = self._end - self.max_points
        newest = self._ts[self._end - 1]
        oldest_kept = int(
            np.searchsorted(self._ts[self._start : self._end], newest - self.max_age_s)
        )
        self._start += oldest_kept

    # -- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def ts_s(self) -> FloatArray:
        """Reading times in seconds since the epoch (a view: do not keep it)."""
        return self._ts[self._start : self._end]

    @property
    def values(self) -> FloatArray:
        """Reading values (a view: do not keep it)."""
        return self._values[self._start : self._end]

    def count_until(self, until_s: float | None) -> int:
        """How many readings are at or before ``until_s`` (all of them for None)."""
        if until_s is None:
            return len(self)
        return int(np.searchsorted(self.ts_s, until_s, side="right"))

    def typical_interval_s(self, until_s: float | None = None) -> float | None:
        """The usual time between two readings (the median of the recent steps), among those
        at or before ``until_s`` when given."""
        return _typical_interval(self.ts_s[: self.count_until(until_s)])

    def plot_arrays(
        self, gap_factor: float = GAP_FACTOR, until_s: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Times and values to draw, with a NaN wherever readings paused for longer than
        ``gap_factor`` typical intervals (drawn with ``connect="finite"``, it breaks the line);
        only readings at or before ``until_s`` when given (a replay draws nothing after the
        instant it shows, though a device's clock may be ahead)."""
        cut = self.count_until(until_s)
        ts, values = self.ts_s[:cut], self.values[:cut]
        interval = _typical_interval(ts)
        if interval is None:
            return ts.copy(), values.copy()
        gaps = np.flatnonzero(np.diff(ts) > gap_factor * interval) + 1
        if len(gaps) == 0:
            return ts.copy(), values.copy()
        # The break sits in the middle of the pause, so the time axis stays in order.
        middle = (ts[gaps - 1] + ts[gaps]) / 2.0
        return np.insert(ts, gaps, middle), np.insert(values, gaps, np.nan)

    def value_at(
        self, t_s: float, gap_factor: float = GAP_FACTOR, until_s: float | None = None
    ) -> float | None:
        """The reading in force at ``t_s``: the last one at or before it (and at or before
        ``until_s`` when given), unless the sensor was silent for longer than a gap by then."""
        ts = self.ts_s[: self.count_until(until_s)]
        index = int(np.searchsorted(ts, t_s, side="right")) - 1
        if index < 0:
            return None
        interval = _typical_interval(ts)
        if interval is not None and t_s - ts[index] > gap_factor * interval:
            return None
        value = float(self.values[index])
        return None if math.isnan(value) else value

    def newest_ts_s(self) -> float | None:
        """Time of the newest reading, if any."""
        return float(self._ts[self._end - 1]) if len(self) else None


def _typical_interval(ts: FloatArray) -> float | None:
    if len(ts) < 3:
        return None
    steps = np.diff(ts[-_INTERVAL_SAMPLE:])
    steps = steps[steps > 0]
    return float(np.median(steps)) if len(steps) else None
