"""Where the crisis bands of a sensor kind lie on the value axis (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

from core.city.kinds import CrisisLevel, SensorKindInfo

# How far the last band reaches past its threshold, in multiples of the scale's span: beyond
# any sane view, yet small enough for the painter's fixed-point geometry.
_REACH = 1000.0


@dataclass(frozen=True, slots=True)
class Band:
    """One crisis step: from its threshold (``start``) to where the next step begins."""

    level: CrisisLevel
    start: float
    end: float  # above ``start`` for rising values, below it for falling ones

    @property
    def low(self) -> float:
        """The lower edge."""
        return min(self.start, self.end)

    @property
    def high(self) -> float:
        """The upper edge."""
        return max(self.start, self.end)


def crisis_bands(info: SensorKindInfo) -> list[Band]:
    """The bands of every step the kind uses, rising ones first, mildest first."""
    bands: list[Band] = []
    for thresholds, direction in ((info.rising, 1.0), (info.falling, -1.0)):
        if thresholds is None:
            continue
        steps = thresholds.steps()
        span = max(abs(steps[-1][1] - steps[0][1]), abs(steps[-1][1]), 1.0)
        for number, (level, value) in enumerate(steps):
            if number + 1 < len(steps):
                end = steps[number + 1][1]
            else:
                end = value + direction * span * _REACH
            bands.append(Band(level, value, end))
    return bands
