"""Text for wall screens (font scale 1.5x to 2x) on the real workstation: the tables' columns,
rows and headers and the panels' small print grow with the text, live, each time the theme is
applied again (as the settings dialog does), and shrink back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QHeaderView, QLabel, QTableView, QTreeView

from panels.outbox.panel import OutboxPanel
from panels.sensors.panel import SensorsPanel
from tests.gui.conftest import Workstation
from tests.gui.test_incident_detail_situation import (
    incidents_of_type,
    raise_the_river,
    rules_running,
)
from ui.theme import (
    BASE_POINT_SIZE,
    CAPTION,
    THEMES,
    apply_dark_theme,
    apply_theme,
    contrast_ratio,
)

# The stylesheets' header padding on each side, at the normal size.
HEADER_PADDING_PX = 6


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back to the other tests as plain as it was."""
    app = qapp
    style, colours, sheet, font = app.style().name(), app.palette(), app.styleSheet(), app.font()
    yield app
    apply_dark_theme(app)
    app.setStyleSheet(sheet)
    app.setPalette(colours)
    app.setFont(font)
    app.setStyle(style)


def tables(ws: Workstation) -> dict[str, QTableView | QTreeView]:
    sensors, outbox = ws.window.panels["sensors"], ws.window.panels["outbox"]
    assert isinstance(sensors, SensorsPanel) and isinstance(outbox, OutboxPanel)
    return {
        "incidents": ws.queue.table,
        "sensors": sensors.table,
        "outbox": outbox.table,
        "timeline": ws.detail.timeline,
    }


def header_of(view: QTableView | QTreeView) -> QHeaderView:
    return view.horizontalHeader() if isinstance(view, QTableView) else view.header()


def header_text_width(header: QHeaderView, column: int) -> int:
    """The header's text in bold (the high-contrast theme's, the wider), without padding."""
    font = QFont(header.font())
    font.setBold(True)
    text = str(header.model().headerData(column, header.orientation()))
    return QFontMetrics(font).horizontalAdvance(text)


def widths(view: QTableView | QTreeView) -> list[int]:
    header = header_of(view)
    return [header.sectionSize(column) for column in range(header.count())]


def stretched(header: QHeaderView, column: int) -> bool:
    """Whether the column takes the spare width (its own width is not its text's)."""
    last = header.logicalIndex(header.count() - 1) if header.stretchLastSection() else -1
    return column == last or header.sectionResizeMode(column) is QHeaderView.ResizeMode.Stretch


def row_height(view: QTableView | QTreeView) -> int:
    """The first row's height (a table without rows: the height its rows will get)."""
    if isinstance(view, QTableView):
        if view.model().rowCount():
            return view.rowHeight(0)
        return view.verticalHeader().defaultSectionSize()
    return view.visualRect(view.model().index(0, 0)).height()


@pytest.mark.parametrize("theme", THEMES)
def test_at_double_size_every_header_fits_and_every_row_holds_a_line(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation, theme: str
) -> None:
    ws = workstation
    fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: ws.queue.model.row_total() == 1)
    ws.context.selection.select_incident(fire)
    qtbot.waitUntil(lambda: ws.detail.timeline.topLevelItemCount() >= 1)
    ws.window.resize(1600, 900)
    views = tables(ws)
    apply_theme(app, theme, 1.0)
    QApplication.processEvents()
    assert all(view.isVisible() for view in views.values())
    normal = {name: widths(view) for name, view in views.items()}
    normal_rows = {name: row_height(view) for name, view in views.items()}

    apply_theme(app, theme, 2.0)  # live: the same window, no rebuild
    QApplication.processEvents()
    for name, view in views.items():
        header = header_of(view)
        assert header.count() >= 4, name
        for column in range(header.count()):
            size = header.sectionSize(column)
            text = header_text_width(header, column)
            # No header text elided: its width, the padding, the weight and the sort arrow.
            assert size >= text + 2 * HEADER_PADDING_PX * 2, (name, column, size, text)
            assert size >= header.sectionSizeFromContents(column).width(), (name, column)
            if not stretched(header, column):
                # Columns measured in characters grow with the text.
                assert size >= 1.6 * normal[name][column], (name, column)
        # Rows at least one line of the text high, and taller than at the normal size.
        assert row_height(view) >= view.fontMetrics().height(), name
        assert row_height(view) > normal_rows[name], name

    apply_theme(app, theme, 1.0)  # and back: the sizes of the normal text again
    QApplication.processEvents()
    for name, view in views.items():
        header = header_of(view)
        for column in range(header.count()):
            if not stretched(header, column):  # those take what width there is
                assert header.sectionSize(column) == normal[name][column], (name, column)
        assert row_height(view) == normal_rows[name], name


def test_the_replay_marks_and_captions_follow_the_scale_live(  # type: ignore[no-untyped-def]
    qtbot, app: QApplication, workstation: Workstation
) -> None:
    ws = workstation
    with rules_running(ws):
        raise_the_river(ws)
        qtbot.waitUntil(lambda: len(incidents_of_type(ws, "D-FLOOD")) == 1, timeout=10_000)
    (flood,) = incidents_of_type(ws, "D-FLOOD")
    ws.context.selection.select_incident(flood)
    section = ws.detail.situation
    # The readings' column titles and the gauge's id under its name.
    qtbot.waitUntil(lambda: len(section.findChildren(QLabel, CAPTION)) >= 4, timeout=10_000)
    captions = section.findChildren(QLabel, CAPTION)
    marks = [ws.queue.replay_mark, ws.detail.replay_mark]  # hidden while live
    for mark in marks:
        mark.ensurePolished()
    amber = {"dark": "#ffd66b", "high-contrast": "#ffe14d"}
    for theme, scale in (("dark", 1.0), ("dark", 2.0), ("high-contrast", 1.5), ("dark", 1.0)):
        apply_theme(app, theme, scale)
        QApplication.processEvents()
        body = BASE_POINT_SIZE * scale
        for label in [*marks, *captions]:
            # Small print: a tenth smaller than the text around it, at every scale.
            assert label.font().pointSizeF() == pytest.approx(0.9 * body), (theme, scale)
            colour = label.palette().color(QPalette.ColorRole.WindowText)
            ground = ws.detail.palette().color(QPalette.ColorRole.Window)
            assert contrast_ratio(colour, ground) >= 4.5, (theme, label.text())
        for mark in marks:
            assert mark.palette().color(QPalette.ColorRole.WindowText).name() == amber[theme]
