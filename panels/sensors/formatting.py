"""How the sensors panel writes ages and readings."""

from __future__ import annotations

import math


def format_age(seconds: float) -> str:
    """Compact age: 42s, 5m 03s, 2h 07m, 3d 04h."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"


def format_value(value: float, unit: str) -> str:
    """A reading with as many decimals as its size deserves, and its unit."""
    if math.isnan(value):
        return "NaN"
    size = abs(value)
    digits = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 1 or size == 0 else 3
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text
