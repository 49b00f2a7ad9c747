"""How the incident detail writes times, readings and crisis levels."""

from __future__ import annotations

import math
from datetime import datetime

from core.city.kinds import CrisisLevel

# The Korean crisis scale's own colours (관심 blue, 주의 yellow, 경계 orange, 심각 red), the
# same as the sensors panel's: operators read the colour before the word. Panels do not import
# each other, so the table is repeated here.
LEVEL_COLOURS: dict[CrisisLevel, str] = {
    CrisisLevel.ATTENTION: "#5b9cf0",
    CrisisLevel.CAUTION: "#e8c547",
    CrisisLevel.ALERT: "#f28b30",
    CrisisLevel.SEVERE: "#ee5257",
}
DIM_TEXT = "#8a9bb0"  # secondary text on the dark theme: names under ids, column titles


def clock_time(ts_ms: int) -> str:
    """Local time of day of a UTC millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000).astimezone().strftime("%H:%M:%S")


def local_time(ts_ms: int) -> str:
    """Local wall-clock time of a UTC millisecond timestamp."""
    return datetime.fromtimestamp(ts_ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def format_value(value: float, unit: str) -> str:
    """A reading with as many decimals as its size deserves, and its unit (as the sensors
    panel writes it)."""
    if math.isnan(value):
        return "NaN"
    size = abs(value)
    digits = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 1 or size == 0 else 3
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text
