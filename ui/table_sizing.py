"""Table columns and rows measured in text, not in pixels: at a bigger font scale (wall
screens, 1.5x to 2x) they grow with the text, live, so no cell is cut and no header elided."""

from __future__ import annotations

import math
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QTreeView

from ui.theme import ROWS_FOLLOW_TEXT

# A column's width: so many average characters of the view's font, or a sample text it holds.
Width = float | str

# Each can change a header's text size or its section's padding and weight (the stylesheet).
_RESTYLED = frozenset({QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish})


class TextSizing(QObject):
    """Sizes ``view``'s columns, and a table's rows, from its font: now, and again whenever
    its font or the application's stylesheet changes (``ui.theme.apply_theme`` called again).

    ``columns`` maps a column to its width in average characters of the view's font, or to a
    sample text it must hold. Every column, named or not, is at least as wide as its header's
    text (with the padding, weight and sort arrow the style gives it); a stretched column never
    shrinks below that. ``row_lines`` is a table's row height in lines of its text (None
    leaves the rows alone: a tree with rows of their own heights); ``minimum_chars`` how
    narrow the operator may make a column. A column's width the operator changed is set again
    when the text size changes: it was chosen for the old size."""

    def __init__(
        self,
        view: QTableView | QTreeView,
        columns: Mapping[int, Width],
        *,
        row_lines: float | None = None,
        minimum_chars: float = 0.0,
    ) -> None:
        super().__init__(view)
        self._view = view
        self._columns = dict(columns)
        self._row_lines = row_lines
        self._minimum_chars = minimum_chars
        self._fitted: tuple[object, ...] | None = None  # what the sizes were measured for
        view.installEventFilter(self)
        self.header.installEventFilter(self)
        if row_lines is not None and isinstance(view, QTableView):
            view.verticalHeader().setProperty(ROWS_FOLLOW_TEXT, True)
        self.fit()

    @property
    def header(self) -> QHeaderView:
        """The header whose sections are the columns."""
        view = self._view
        return view.horizontalHeader() if isinstance(view, QTableView) else view.header()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Measure again when the view's or the header's font or style changed."""
        if event.type() in _RESTYLED:
            self.fit()
        return False

    def fit(self) -> None:
        """Size the columns and rows for the fonts and stylesheet there are now (nothing to
        do when they are those measured last: a dock floated restyles its widgets too)."""
        view, header = self._view, self.header
        app = QApplication.instance()
        sheet = app.styleSheet() if isinstance(app, QApplication) else ""
        fonts = (view.font().key(), header.font().key(), sheet, header.count())
        if fonts == self._fitted:
            return
        self._fitted = fonts
        metrics = view.fontMetrics()
        char = metrics.averageCharWidth()
        stretched = 0  # the widest header text of the columns that take the spare width
        last = header.logicalIndex(header.count() - 1) if header.stretchLastSection() else -1
        for column in range(header.count()):
            needed = header.sectionSizeFromContents(column).width()
            if header.sectionResizeMode(column) is QHeaderView.ResizeMode.Stretch:
                stretched = max(stretched, needed)
                if header.sectionSize(column) < needed:
                    # Qt shares out only spare width: a view narrower than its other
                    # columns keeps a stretched one as it was, too narrow for a bigger text.
                    header.resizeSection(column, needed)
                continue
            spec = self._columns.get(column)
            if spec is not None:
                wanted = (
                    metrics.horizontalAdvance(spec) + 2 * char
                    if isinstance(spec, str)
                    else math.ceil(spec * char)
                )
                header.resizeSection(column, max(needed, wanted))
            elif column == last or header.sectionSize(column) < needed:
                # The last section stretched keeps at least the size it is given.
                header.resizeSection(column, needed)
        # A stretched column in a narrow view shrinks to the minimum: its header must fit.
        minimum = max(stretched, math.ceil(self._minimum_chars * char))
        if minimum:
            header.setMinimumSectionSize(minimum)
        if self._row_lines is not None and isinstance(view, QTableView):
            view.verticalHeader().setDefaultSectionSize(
                math.ceil(metrics.height() * self._row_lines)
            )
