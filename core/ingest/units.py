"""Units a device may report in, and the exact conversions to the unit a sensor kind uses.

Only conversions between spellings and scales of the same quantity are listed (cm to m, Pa to
kPa, m/s to km/h): each is a ratio of two integers, so nothing is guessed. Anything else (a
temperature in °F, a noise level without A-weighting) is a wrong unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

Ratio = tuple[int, int]  # value_in_kind_unit = value * numerator / denominator

_SAME: Ratio = (1, 1)

# For each unit a kind uses: the other units accepted and the ratio that converts them.
_CONVERSIONS: dict[str, dict[str, Ratio]] = {
    "m": {"cm": (1, 100), "mm": (1, 1000), "km": (1000, 1)},
    "mm": {"cm": (10, 1), "m": (1000, 1)},
    "mm/h": {"mm/hr": _SAME, "cm/h": (10, 1)},
    "µg/m³": {
        # The micro sign and the Greek mu look the same and both occur in the wild.
        "μg/m³": _SAME,
        "µg/m3": _SAME,
        "μg/m3": _SAME,
        "ug/m3": _SAME,
        "ug/m³": _SAME,
        "mg/m³": (1000, 1),
        "mg/m3": (1000, 1),
    },
    "dB(A)": {"dBA": _SAME, "dB A": _SAME},
    "°C": {"℃": _SAME, "degC": _SAME, "C": _SAME},
    "%": {"percent": _SAME, "pct": _SAME},
    "%LEL": {"LEL%": _SAME, "% LEL": _SAME},
    "m³/h": {
        "m3/h": _SAME,
        "m3/hr": _SAME,
        "m³/s": (3600, 1),
        "m3/s": (3600, 1),
        "L/s": (18, 5),
        "l/s": (18, 5),
        "L/min": (3, 50),
        "l/min": (3, 50),
    },
    "kPa": {"Pa": (1, 1000), "hPa": (1, 10), "MPa": (1000, 1), "bar": (100, 1)},
    "NTU": {},
    "gal": {
        "Gal": _SAME,
        "cm/s²": _SAME,
        "cm/s2": _SAME,
        "m/s²": (100, 1),
        "m/s2": (100, 1),
        "mm/s²": (1, 10),
        "mm/s2": (1, 10),
    },
    "km/h": {"kph": _SAME, "km/hr": _SAME, "m/s": (18, 5)},
    "h": {"hr": _SAME, "hours": _SAME, "min": (1, 60), "s": (1, 3600)},
}


def conversions_to(unit: str) -> Mapping[str, Ratio]:
    """Every unit accepted for a sensor whose unit is ``unit``, with its ratio (itself: 1/1)."""
    table = {unit: _SAME, **_CONVERSIONS.get(unit, {})}
    return MappingProxyType(table)


def convert(value: float, ratio: Ratio) -> float:
    """``value`` converted by ``ratio``; an identity ratio leaves it untouched."""
    numerator, denominator = ratio
    if numerator == denominator:
        return value
    # Multiply before dividing: 342 cm becomes 3.42 m, not 3.4200000000000004.
    return value * numerator / denominator
