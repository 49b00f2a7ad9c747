"""The themes on the real main window: a live switch between dark and high contrast, the
font scale for wall screens, and text contrast measured the WCAG way."""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QToolButton, QWidget

from core.sop.progress import StepStatus
from panels.procedure.panel import ProcedurePanel
from panels.procedure.widgets import CHIP_STYLES
from panels.sensors.panel import SensorsPanel
from panels.sensors.registry import Column
from panels.video_wall.tile import STATE_COLOURS
from tests.gui.conftest import Workstation
from tests.gui.test_procedure_panel import start_fire
from ui.theme import (
    BASE_POINT_SIZE,
    SEVERITY_COLOURS,
    THEME_DIR,
    THEMES,
    active_font_scale,
    active_theme,
    apply_dark_theme,
    apply_theme,
    contrast_ratio,
    normal_font_size,
    palette,
    relative_luminance,
    scale_lengths,
    severity_colour,
    severity_row_tint,
    stylesheet,
    unacknowledged_critical_colour,
)

AA = 4.5  # WCAG AA for text
STATE_MARK = 3.0  # WCAG 1.4.11 for what tells a state apart (borders, chips, marks)
BLACK = QColor("#000000")
# Where text sits in the high-contrast theme: the ground, alternate rows, a hovered button,
# the procedure's current step.
HIGH_CONTRAST_GROUNDS = ("#000000", "#1a1a1a", "#262626", "#001a33")
# ... and in the dark theme: the ground, inputs and tables, alternate rows, headers, menus and
# tooltips, the procedure's current step.
DARK_GROUNDS = ("#14181f", "#0f1318", "#141a21", "#1c232d", "#17243a")
GROUNDS = {"dark": DARK_GROUNDS, "high-contrast": HIGH_CONTRAST_GROUNDS}
# Disabled text: WCAG exempts it, the themes keep it readable (high contrast at AA even).
DISABLED_MINIMUM = {"dark": 3.0, "high-contrast": AA}


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back to the other tests as plain as it was."""
    app = qapp
    style, colours, sheet, font = app.style().name(), app.palette(), app.styleSheet(), app.font()
    yield app
    apply_dark_theme(app)  # the module's idea of the theme back to its default
    app.setStyleSheet(sheet)
    app.setPalette(colours)
    app.setFont(font)
    app.setStyle(style)


def pixel(image: QImage, x: int, y: int) -> str:
    return image.pixelColor(x, y).name()


def grab(widget: QWidget) -> QImage:
    QApplication.processEvents()
    return widget.grab().toImage()


# -- the choices ------------------------------------------------------------------------------


def test_an_unknown_theme_or_scale_is_refused_naming_the_choices(app: QApplication) -> None:
    sheet = app.styleSheet()
    with pytest.raises(ValueError, match=r'Unknown theme "solarized": choose one of dark, '):
        apply_theme(app, "solarized")
    for scale in (0.5, 2.5, float("nan")):
        with pytest.raises(ValueError, match=r"choose a scale from 1 \(normal size\) to 2"):
            apply_theme(app, "high-contrast", scale)
    assert app.styleSheet() == sheet  # nothing half-applied
    assert THEMES == ("dark", "high-contrast")


def test_the_dark_theme_at_normal_size_is_its_stylesheet_as_written() -> None:
    assert stylesheet("dark") == (THEME_DIR / "dark.qss").read_text(encoding="utf-8")


def test_lengths_scale_and_colours_do_not() -> None:
    qss = "QLabel { font-size: 13pt; padding: 4px 6px; border: 1px solid #232b36; margin: -8px }"
    assert scale_lengths(qss, 1.5) == (
        "QLabel { font-size: 19.5pt; padding: 6px 9px; border: 2px solid #232b36; margin: -12px }"
    )
    assert scale_lengths(qss, 2.0).count("#232b36") == 1


# -- contrast ---------------------------------------------------------------------------------


def _rules(qss: str) -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) of each rule of a stylesheet."""
    qss = re.sub(r"/\*.*?\*/", "", qss, flags=re.DOTALL)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", qss):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append((" ".join(selector.split()), declarations))
    return rules


def _colour(value: str | None) -> QColor | None:
    match = re.search(r"#[0-9a-fA-F]{6}\b", value or "")
    return QColor(match.group(0)) if match else None


@pytest.mark.parametrize("theme", THEMES)
def test_every_text_colour_of_each_stylesheet_meets_wcag_aa(theme: str) -> None:
    checked, failures = 0, []
    for selector, declarations in _rules(stylesheet(theme)):
        ground = _colour(declarations.get("background-color") or declarations.get("background"))
        pairs = [
            (_colour(declarations.get("color")), ground),
            (_colour(declarations.get("placeholder-text-color")), ground),
            (
                _colour(declarations.get("selection-color")),
                _colour(declarations.get("selection-background-color")),
            ),
        ]
        minimum = DISABLED_MINIMUM[theme] if ":disabled" in selector else AA
        for text, own_ground in pairs:
            if text is None:
                continue
            # Without a ground of its own, text may sit on any of the theme's grounds.
            grounds = [own_ground] if own_ground else [QColor(g) for g in GROUNDS[theme]]
            for ground in grounds:
                ratio = contrast_ratio(text, ground)
                checked += 1
                if ratio < minimum:
                    failures.append(f"{selector}: {text.name()} on {ground.name()} {ratio:.1f}")
    assert checked > 40
    assert not failures


_ROLE = QPalette.ColorRole
# Each palette text colour and the ground it is drawn on.
TEXT_ON_GROUND = [
    (_ROLE.Text, _ROLE.Base),
    (_ROLE.Text, _ROLE.AlternateBase),
    (_ROLE.WindowText, _ROLE.Window),
    (_ROLE.ButtonText, _ROLE.Button),
    (_ROLE.HighlightedText, _ROLE.Highlight),
    (_ROLE.ToolTipText, _ROLE.ToolTipBase),
    (_ROLE.PlaceholderText, _ROLE.Base),
]


def test_the_high_contrast_palette_meets_wcag_aa() -> None:
    colours = palette("high-contrast")
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    pairs = [*TEXT_ON_GROUND, (role.Link, role.Base)]
    for text, ground in pairs:
        ratio = contrast_ratio(colours.color(text), colours.color(ground))
        assert ratio >= 7, (text, ratio)  # AAA even
    disabled = colours.color(group.Disabled, role.Text)
    assert disabled != colours.color(group.Active, role.Text)  # disabled looks disabled ...
    assert contrast_ratio(disabled, colours.color(role.Base)) >= AA  # ... and still reads


def test_the_dark_palette_meets_wcag_aa_and_disabled_text_still_reads() -> None:
    colours = palette("dark")
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for text, ground in TEXT_ON_GROUND:  # the dark placeholder was 3.4:1
        assert contrast_ratio(colours.color(text), colours.color(ground)) >= AA, text
    for text, ground in ((role.Text, role.Base), (role.WindowText, role.Window)):
        disabled = colours.color(group.Disabled, text)
        assert disabled != colours.color(group.Active, text)  # disabled looks disabled ...
        assert contrast_ratio(disabled, colours.color(ground)) >= 3  # ... and still reads


def test_severity_colours_read_on_high_contrast_and_stay_apart(app: QApplication) -> None:
    # The shared colours already read on the high-contrast ground ...
    for level, colour in SEVERITY_COLOURS.items():
        assert contrast_ratio(colour, BLACK) >= AA, level
    apply_theme(app, "high-contrast")
    assert active_theme() == "high-contrast"
    hues = []
    for level in (1, 2, 3, 4):
        colour = severity_colour(level)
        # ... the high-contrast shades at AAA, on their own row tint too ...
        assert contrast_ratio(colour, BLACK) >= 7, level
        tint = severity_row_tint(level) or BLACK
        assert contrast_ratio(colour, tint) >= AA, level
        assert contrast_ratio(QColor("#ffffff"), tint) >= 7, level
        hues.append(colorsys.rgb_to_hls(colour.redF(), colour.greenF(), colour.blueF())[0])
    # ... red on the unacknowledged critical row as well (2.5:1 in the dark theme) ...
    unacknowledged = unacknowledged_critical_colour()
    assert contrast_ratio(severity_colour(1), unacknowledged) >= AA
    assert contrast_ratio(QColor("#ffffff"), unacknowledged) >= 7
    # ... and each severity keeps a hue of its own.
    for i, first in enumerate(hues):
        for second in hues[i + 1 :]:
            distance = min(abs(first - second), 1 - abs(first - second)) * 360
            assert distance >= 15, hues
    apply_theme(app, "dark")
    assert severity_colour(1) == SEVERITY_COLOURS[1]
    assert severity_row_tint(3) is None


# -- on the real window -----------------------------------------------------------------------


def _empty_menu_bar_point(ws: Workstation) -> QPoint:
    bar = ws.window.menuBar()
    return QPoint(bar.width() - 4, bar.height() // 2)


def _focused_line_edit(qtbot, ws: Workstation) -> QLineEdit:  # type: ignore[no-untyped-def]
    edit = next(e for e in ws.window.findChildren(QLineEdit) if e.isVisible())
    ws.window.activateWindow()
    qtbot.waitUntil(ws.window.isActiveWindow)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    return edit


def test_the_theme_switches_live_on_the_open_window(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    ws.report("F-FIRE")
    qtbot.waitUntil(lambda: ws.queue.model.row_total() == 1)
    apply_theme(app, "dark")
    window = ws.window
    window.resize(1400, 800)
    edit = _focused_line_edit(qtbot, ws)
    point = _empty_menu_bar_point(ws)
    assert pixel(grab(window), point.x(), point.y()) == "#1c232d"
    assert pixel(grab(edit), 1, edit.height() // 2) != "#ffff00"

    apply_theme(app, "high-contrast")  # no restart: the same window, restyled
    image = grab(window)
    image.save(str(tmp_path / "high-contrast.png"))
    assert pixel(image, point.x(), point.y()) == "#000000"
    # The focused input wears a thick yellow rectangle; the others a white border.
    focused = grab(edit)
    assert {pixel(focused, x, focused.height() // 2) for x in range(3)} == {"#ffff00"}
    other = next(e for e in window.findChildren(QLineEdit) if e.isVisible() and e is not edit)
    unfocused = grab(other)
    assert pixel(unfocused, 1, unfocused.height() // 2) == "#ffffff"
    assert window.palette().color(QPalette.ColorRole.Window).name() == "#000000"

    apply_theme(app, "dark")
    assert pixel(grab(window), point.x(), point.y()) == "#1c232d"


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
def test_the_font_scale_grows_text_sizes_and_table_rows(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation, scale: float
) -> None:
    ws = workstation
    ws.report("F-FIRE")
    qtbot.waitUntil(lambda: ws.queue.model.row_total() == 1)
    table = ws.queue.table
    apply_theme(app, "high-contrast")
    normal_row = table.rowHeight(0)
    normal_text = table.fontMetrics().height()
    normal_title = ws.window.docks["incidents"].fontMetrics().height()

    apply_theme(app, "high-contrast", scale)
    QApplication.processEvents()
    assert active_font_scale() == scale
    # The application font: its own size times the scale; the stylesheet's text likewise.
    assert app.font().pointSizeF() == pytest.approx(normal_font_size(app) * scale)
    label = next(w for w in ws.window.status.findChildren(QLabel) if w.isVisible())
    assert label.font().pointSizeF() == pytest.approx(BASE_POINT_SIZE * scale, abs=0.1)
    assert table.fontMetrics().height() >= normal_text * scale * 0.9
    # Rows follow the text: never smaller than it needs, and taller than at the normal size.
    assert table.rowHeight(0) >= table.fontMetrics().height()
    if scale > 1.4:
        assert table.rowHeight(0) > normal_row
    # Sizes written in the stylesheet follow too (the heading's 13pt), and the docks' titles.
    assert f"font-size: {13 * scale:g}pt" in app.styleSheet()
    dock = ws.window.docks["incidents"]
    title_height = dock.widget().geometry().top()
    assert title_height >= dock.fontMetrics().height()
    assert dock.fontMetrics().height() >= normal_title * scale * 0.9

    apply_theme(app, "high-contrast")  # and back: the panel's own row height again
    assert table.rowHeight(0) == normal_row


def _ink_height(image: QImage, top: int, bottom: int, right: int) -> int:
    """How many pixel rows between ``top`` and ``bottom`` hold bright (text) pixels."""
    return sum(
        any(image.pixelColor(x, y).lightness() > 100 for x in range(right))
        for y in range(top, bottom)
    )


def test_dock_titles_are_drawn_bigger_at_a_bigger_scale(
    app: QApplication, workstation: Workstation
) -> None:
    dock = workstation.window.docks["incidents"]
    inks = []
    for scale in (1.0, 2.0):
        apply_theme(app, "dark", scale)
        image = grab(dock)
        title = dock.widget().geometry().top()
        inks.append(_ink_height(image, 0, title, dock.width() // 2))
    # Qt draws a title in a font fixed when the dock was made unless the theme prevents it.
    assert inks[1] >= 1.6 * inks[0] > 0


def test_screenshots_in_high_contrast_and_at_one_and_a_half(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    for code in ("F-FIRE", "P-ASL", "E-PM", "U-LIGHT"):
        ws.report(code)
    qtbot.waitUntil(lambda: ws.queue.model.row_total() == 4)
    ws.window.resize(1600, 900)
    ws.context.selection.select_incident(ws.queue.model.incident_at(0).id)  # type: ignore[union-attr]
    for theme, scale in (("high-contrast", 1.0), ("dark", 1.5), ("high-contrast", 1.5)):
        apply_theme(app, theme, scale)
        qtbot.waitExposed(ws.window)
        image = grab(ws.window)
        image.save(str(tmp_path / f"{theme}-{scale:g}.png"))
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in (40, 200, 400)}
        assert len(colours) > 4, "the window looks blank"
    assert app.font().pointSizeF() == pytest.approx(normal_font_size(app) * 1.5)


# -- dim text and state marks on the real panels -----------------------------------------------


def test_chip_borders_and_a_stopped_camera_badge_stand_out_in_both_themes() -> None:
    for level, style in CHIP_STYLES.items():
        declarations = _rules(f"QLabel {{ {style} }}")[0][1]
        border, text = _colour(declarations["border"]), _colour(declarations["color"])
        own = _colour(declarations.get("background"))
        assert border is not None and text is not None
        for ground in (QColor(DARK_GROUNDS[0]), BLACK):  # the procedure panel's, each theme
            # The waiting chip's border was 1.8:1 on the dark ground.
            assert contrast_ratio(border, ground) >= STATE_MARK, level
            assert contrast_ratio(text, own or ground) >= AA, level
    # Every camera state's badge: white text on it, and the badge on the tile's black (live,
    # connecting and reconnecting were 3.5, 3.7 and 2.8:1).
    for state, badge in STATE_COLOURS.items():
        assert contrast_ratio(QColor("#ffffff"), badge) >= AA, state
        assert contrast_ratio(badge, QColor("#05070a")) >= STATE_MARK, state


def test_dim_text_reads_on_the_real_panels_in_both_themes(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation
) -> None:
    ws = workstation
    start_fire(qtbot, ws)
    procedure = ws.window.panels["procedure"]
    assert isinstance(procedure, ProcedurePanel)
    off_path, pending = procedure.rows["hospital"], procedure.rows["still"]
    assert off_path.view is not None and off_path.view.status is StepStatus.OFF_PATH
    sensors = ws.window.panels["sensors"]
    assert isinstance(sensors, SensorsPanel)
    no_data = next(
        sensors.proxy.index(row, Column.FRESHNESS)
        for row in range(sensors.proxy.rowCount())
        if sensors.proxy.index(row, Column.FRESHNESS).data() == "no data"
    )
    disabled = next(
        b for b in ws.queue.findChildren(QToolButton) if b.text() and not b.isEnabled()
    )
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    for theme in THEMES:
        apply_theme(app, theme)
        QApplication.processEvents()
        # Off the path the answers took: readable, yet dimmer than a step on it, and italic.
        ground = procedure.palette().color(role.Window)
        for label in (off_path.title, off_path.mark):
            text = label.palette().color(role.WindowText)
            assert contrast_ratio(text, ground) >= AA, (theme, text.name())  # 2.6:1 before
            assert label.font().italic()
        on_path = pending.title.palette().color(role.WindowText)
        assert relative_luminance(text) < relative_luminance(on_path)
        # "no data" in the sensors table, on its rows and alternate rows.
        colour = no_data.data(Qt.ItemDataRole.ForegroundRole)
        table = sensors.table.palette()
        for row_ground in (table.color(role.Base), table.color(role.AlternateBase)):
            assert contrast_ratio(colour, row_ground) >= AA, (theme, row_ground.name())
        # A filter box's hint, as Qt draws it (the stylesheet, not only the palette).
        edit = sensors.filter_edit.palette()
        hint = edit.color(role.PlaceholderText)
        assert contrast_ratio(hint, edit.color(role.Base)) >= AA, (theme, hint.name())
        # A disabled button's label: dimmer than an enabled one's, and still readable.
        button = disabled.palette()
        caption = button.color(group.Disabled, role.ButtonText)
        assert caption != button.color(group.Active, role.ButtonText)
        assert contrast_ratio(caption, button.color(group.Disabled, role.Button)) >= 3, theme
