"""The control-room themes (dark; high contrast for a bright room or low vision), the font
scale for wall screens, and the severity colours every panel shares."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QHeaderView, QStyle

THEME_DIR = Path(__file__).resolve().parent.parent / "resources" / "theme"
STYLESHEET = THEME_DIR / "dark.qss"

THEMES: tuple[str, ...] = ("dark", "high-contrast")
MIN_FONT_SCALE, MAX_FONT_SCALE = 1.0, 2.0
# The text size the stylesheets are written for; the font scale multiplies it.
BASE_POINT_SIZE = 10.0
# The application font's size before any scale (the desktop's), kept on the application.
_NORMAL_FONT_SIZE = "cityroomNormalFontSize"

# Severity 1..4: critical red, major orange, minor amber, information slate.
SEVERITY_COLOURS = {
    1: QColor("#e5484d"),
    2: QColor("#f76b15"),
    3: QColor("#d6a700"),
    4: QColor("#6b7f99"),
}
SEVERITY_ROW_TINT = {1: QColor(229, 72, 77, 60), 2: QColor(247, 107, 21, 38)}
# A critical incident nobody has acknowledged yet must stand out from across the room.
UNACKNOWLEDGED_CRITICAL = QColor(190, 30, 45, 170)
# Drills (훈련) in teal: never mistaken for a real incident's colours.
EXERCISE_COLOUR = QColor(94, 196, 214)

# High contrast: the same hues, lighter, so that each reads at 7:1 on black and at 4.5:1 on
# its own row tint (red text on the unacknowledged-critical row too); tints are solid and dark
# so white text on them stays above 12:1.
_HIGH_CONTRAST_SEVERITY = {
    1: QColor("#ff7a7a"),
    2: QColor("#ff9f43"),
    3: QColor("#ffd60a"),
    4: QColor("#a9bcd6"),
}
_HIGH_CONTRAST_ROW_TINT = {1: QColor("#2a0000"), 2: QColor("#241400")}
_HIGH_CONTRAST_UNACKNOWLEDGED = QColor("#700000")

_ROLE = QPalette.ColorRole
_PALETTES: dict[str, dict[QPalette.ColorRole, str]] = {
    "dark": {
        _ROLE.Window: "#14181f",
        _ROLE.WindowText: "#d8dee9",
        _ROLE.Base: "#0f1318",
        _ROLE.AlternateBase: "#141a21",
        _ROLE.Text: "#d8dee9",
        _ROLE.Button: "#233041",
        _ROLE.ButtonText: "#e5ecf4",
        _ROLE.Highlight: "#2d4a6b",
        _ROLE.HighlightedText: "#ffffff",
        _ROLE.ToolTipBase: "#1c232d",
        _ROLE.ToolTipText: "#e5ecf4",
        # 5.4:1 on the inputs' ground (AA): a hint must read at 3 a.m. as well.
        _ROLE.PlaceholderText: "#7d8b9c",
    },
    # Near-black ground, white text, cyan selection with black text, yellow links; the
    # stylesheet adds the borders and the yellow focus rectangle.
    "high-contrast": {
        _ROLE.Window: "#000000",
        _ROLE.WindowText: "#ffffff",
        _ROLE.Base: "#000000",
        _ROLE.AlternateBase: "#1a1a1a",
        _ROLE.Text: "#ffffff",
        _ROLE.Button: "#000000",
        _ROLE.ButtonText: "#ffffff",
        _ROLE.Highlight: "#1aebff",
        _ROLE.HighlightedText: "#000000",
        _ROLE.ToolTipBase: "#000000",
        _ROLE.ToolTipText: "#ffffff",
        _ROLE.PlaceholderText: "#c8c8c8",
        _ROLE.Link: "#ffff00",
        _ROLE.LinkVisited: "#ffd27a",
        _ROLE.BrightText: "#ffff00",
        _ROLE.Light: "#ffffff",
        _ROLE.Midlight: "#d0d0d0",
        _ROLE.Mid: "#a6a6a6",
        _ROLE.Dark: "#a6a6a6",
        _ROLE.Shadow: "#ffffff",
    },
}
# Disabled text: plainly dimmer than the text, yet readable. WCAG exempts disabled controls,
# but an operator must still read a disabled button's label to know what it would do, so it
# stays at 3:1 or more on every ground (the stylesheets use the same colours): 3.6:1 on the
# dark theme's disabled button, 8:1 on black in high contrast.
_DISABLED = {"dark": "#6e7884", "high-contrast": "#a6a6a6"}

# A length in a stylesheet: a number followed by px or pt (not part of a colour or a name).
_LENGTH = re.compile(r"(?<![\w#.-])(-?)(\d+(?:\.\d+)?)(px|pt)\b")
# Where Qt keeps a table's own row height (set by its panel) before the scale changed it.
_OWN_ROW_HEIGHT = "cityroomOwnRowHeight"
# Set on a table's vertical header whose rows are measured in lines of text (see
# ui/table_sizing.py): they follow the font by themselves, the theme leaves them alone.
ROWS_FOLLOW_TEXT = "cityroomRowsFollowText"

# Object names of small print whose size and colour the stylesheets give (a size a widget
# sets itself would not follow the font scale): the mark of the replay instant a panel shows,
# and captions (column titles, ids under names).
REPLAY_MARK = "replayInstant"  # not "replayMark": the map has its own, styled by itself
CAPTION = "caption"


@dataclass
class _Active:
    theme: str = "dark"
    font_scale: float = 1.0


_active = _Active()


def check_theme(theme: str, font_scale: float) -> None:
    """Raise ValueError, naming the choices, for an unknown theme or a scale out of range."""
    if theme not in THEMES:
        raise ValueError(f'Unknown theme "{theme}": choose one of {", ".join(THEMES)}.')
    if not (MIN_FONT_SCALE <= font_scale <= MAX_FONT_SCALE):  # NaN fails too
        raise ValueError(
            f"Font scale {font_scale:g} is out of range: choose a scale from "
            f"{MIN_FONT_SCALE:g} (normal size) to {MAX_FONT_SCALE:g} (double size)."
        )


def scale_lengths(qss: str, font_scale: float) -> str:
    """``qss`` with every px and pt length multiplied by ``font_scale`` (a non-zero pixel
    length stays at least one pixel)."""

    def scaled(match: re.Match[str]) -> str:
        sign, value, unit = match.group(1), float(match.group(2)), match.group(3)
        if unit == "px":
            # Halves away from zero (not to even: 1.5 → 2), and never down to nothing.
            pixels = max(int(value * font_scale + 0.5), 1) if value else 0
            return f"{sign}{pixels}px"
        return f"{sign}{round(value * font_scale, 1):g}pt"

    return _LENGTH.sub(scaled, qss)


def stylesheet(theme: str = "dark", font_scale: float = 1.0) -> str:
    """The stylesheet of ``theme`` with its lengths scaled by ``font_scale``."""
    check_theme(theme, font_scale)
    template = THEME_DIR / f"{theme}.qss"
    try:
        text = template.read_text(encoding="utf-8")
    except OSError as error:
        raise FileNotFoundError(
            f"The {theme} theme's stylesheet {template} cannot be read ({error.strerror}): "
            "reinstall Cityroom or choose another theme."
        ) from error
    return scale_lengths(text, font_scale)


def palette(theme: str = "dark") -> QPalette:
    """The colour palette of ``theme``."""
    check_theme(theme, MIN_FONT_SCALE)
    result = QPalette()
    for role, colour in _PALETTES[theme].items():
        result.setColor(role, QColor(colour))
    disabled = QColor(_DISABLED[theme])
    for role in (_ROLE.WindowText, _ROLE.Text, _ROLE.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return result


def apply_theme(app: QApplication, theme: str = "dark", font_scale: float = 1.0) -> None:
    """Give ``app`` the Fusion style, ``theme``'s palette and stylesheet, and a font
    ``font_scale`` times the base size. Called again, it switches the running application
    (every window, tables' row heights too) without a restart."""
    check_theme(theme, font_scale)
    sheet = stylesheet(theme, font_scale)  # before any change: a missing file changes nothing
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette(theme))
    app.setFont(_scaled_font(app, font_scale))
    app.setStyleSheet(sheet)
    previous_scale = _active.font_scale
    _active.theme, _active.font_scale = theme, font_scale
    _fit_row_heights(app, previous_scale)


def _scaled_font(app: QApplication, font_scale: float) -> QFont:
    """The application font at ``font_scale`` times its size before any scale."""
    font = QFont(app.font())
    normal = app.property(_NORMAL_FONT_SIZE)
    if not isinstance(normal, float):
        normal = font.pointSizeF() if font.pointSizeF() > 0 else BASE_POINT_SIZE
        app.setProperty(_NORMAL_FONT_SIZE, normal)
    font.setPointSizeF(normal * font_scale)
    return font


def normal_font_size(app: QApplication) -> float:
    """The application font's point size at scale 1 (the desktop's, as found first)."""
    return _scaled_font(app, 1.0).pointSizeF()


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style, the dark palette, and the stylesheet at the normal size."""
    apply_theme(app, "dark")


def active_theme() -> str:
    """The theme last applied ("dark" before any)."""
    return _active.theme


def active_font_scale() -> float:
    """The font scale last applied (1.0 before any)."""
    return _active.font_scale


def _fit_row_heights(app: QApplication, previous_scale: float) -> None:
    """Let the rows of existing tables follow the new font. Qt keeps the row height a panel
    set and only grows it to fit the font when the table is first shown, never on a later
    font change; so each table's own height is remembered (as at the normal size) and its rows
    get that, or what the font needs if more."""
    for widget in app.allWidgets():
        if not isinstance(widget, QHeaderView) or widget.orientation() != Qt.Orientation.Vertical:
            continue
        if widget.property(ROWS_FOLLOW_TEXT):
            continue
        own = widget.property(_OWN_ROW_HEIGHT)
        if not isinstance(own, int):
            own = round(widget.defaultSectionSize() / previous_scale)
            widget.setProperty(_OWN_ROW_HEIGHT, own)
        needed = widget.fontMetrics().height() + 2 * _header_margin(widget)
        widget.setDefaultSectionSize(max(own, needed))


def _header_margin(header: QHeaderView) -> int:
    return header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)


# -- colours that depend on the theme ---------------------------------------------------------


def severity_colour(level: int) -> QColor:
    """The colour of severity ``level`` (1 critical … 4 information) in the active theme
    (information's for an unknown level)."""
    colours = _HIGH_CONTRAST_SEVERITY if _active.theme == "high-contrast" else SEVERITY_COLOURS
    return QColor(colours.get(level, colours[4]))


def severity_row_tint(level: int) -> QColor | None:
    """The background of an open incident's row of severity ``level`` in the active theme
    (None: no tint)."""
    tints = _HIGH_CONTRAST_ROW_TINT if _active.theme == "high-contrast" else SEVERITY_ROW_TINT
    tint = tints.get(level)
    return QColor(tint) if tint is not None else None


def unacknowledged_critical_colour() -> QColor:
    """The background of a critical incident nobody has acknowledged, in the active theme."""
    if _active.theme == "high-contrast":
        return QColor(_HIGH_CONTRAST_UNACKNOWLEDGED)
    return QColor(UNACKNOWLEDGED_CRITICAL)


# -- contrast (WCAG 2) ------------------------------------------------------------------------


def over(top: QColor, ground: QColor) -> QColor:
    """``top`` (possibly translucent) painted over the opaque ``ground``."""
    alpha = top.alphaF()
    return QColor.fromRgbF(
        top.redF() * alpha + ground.redF() * (1 - alpha),
        top.greenF() * alpha + ground.greenF() * (1 - alpha),
        top.blueF() * alpha + ground.blueF() * (1 - alpha),
    )


def relative_luminance(colour: QColor) -> float:
    """The WCAG relative luminance of an opaque colour, 0 (black) to 1 (white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast_ratio(text: QColor, ground: QColor) -> float:
    """The WCAG contrast ratio of ``text`` on ``ground`` (1 to 21; AA asks 4.5 for text);
    a translucent ``text`` is taken as painted over ``ground``."""
    lighter, darker = sorted(
        (relative_luminance(over(text, ground)), relative_luminance(ground)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)
