"""Colours of the sensors panel, chosen for the dark control-room theme."""

from __future__ import annotations

from PySide6.QtGui import QColor

from core.city.kinds import CrisisLevel

# The Korean crisis scale has its own colours (관심 blue, 주의 yellow, 경계 orange, 심각 red);
# operators read them before they read the words.
LEVEL_COLOURS: dict[CrisisLevel, QColor] = {
    CrisisLevel.ATTENTION: QColor("#5b9cf0"),
    CrisisLevel.CAUTION: QColor("#e8c547"),
    CrisisLevel.ALERT: QColor("#f28b30"),
    CrisisLevel.SEVERE: QColor("#ee5257"),
}
# Bands behind the curves: faint enough that a curve of any colour stays readable on them.
BAND_ALPHA = 34

STALE_AMBER = QColor("#d6a700")  # no reading for more than 5 minutes
STALE_RED = QColor("#ee5257")  # no reading for more than 15 minutes
# "no data" yet: dim beside the ages, yet readable on the table's rows and alternate rows in
# both themes (6.1:1 or more).
NO_DATA = QColor("#8a9bb0")

UNKNOWN_ROW = QColor(150, 90, 210, 70)  # readings from a sensor the city does not list
UNKNOWN_TEXT = QColor("#d2b4ff")

# Curve colours: bright on the dark plot, and none of them a crisis colour, so a curve is
# never mistaken for a band.
CURVE_COLOURS = (
    "#4dd9e8",
    "#ff7ad9",
    "#a6e35b",
    "#f0f0f0",
    "#b49cff",
    "#3fcf9f",
    "#ffb3a7",
    "#8fb8ff",
)

PLOT_BACKGROUND = "#0f1318"
PLOT_FOREGROUND = "#9fb3c8"
CURSOR_COLOUR = "#c8d3e0"
