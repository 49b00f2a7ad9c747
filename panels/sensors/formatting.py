"""How the sensors panel writes readings."""

from __future__ import annotations

import math


def format_value(value: float, unit: str) -> str:
    """A reading with as many decimals as its size deserves, and its unit."""
    if math.isnan(value):
        return "NaN"
    size = abs(value)
    digits = 0 if size >= 1000 else 1 if size >= 100 else 2 if size >= 1 or size == 0 else 3
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}" if unit else text
