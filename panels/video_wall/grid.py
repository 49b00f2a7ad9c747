"""The wall's grid: the layouts offered, how tiles sit in rows, the tile beside another, and
how often tiles decode for their number."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtWidgets import QGridLayout, QWidget

LAYOUTS = (1, 4, 9, 16, 25, 36, 64)


def columns_for(count: int) -> int:
    """Columns of a square-ish grid of ``count`` tiles (4 → 2, 9 → 3, 5 → 3)."""
    return max(1, math.ceil(math.sqrt(count)))


def layout_for(count: int) -> int:
    """The smallest layout that holds ``count`` tiles (the largest when none does)."""
    return next((size for size in LAYOUTS if size >= count), LAYOUTS[-1])


def neighbour(index: int, across: int, down: int, count: int) -> int | None:
    """The tile ``across`` columns and ``down`` rows from tile ``index`` in a grid of
    ``count``, reading order (left of a row's first is the row above's last); None past the
    grid's ends."""
    target = index + across + down * columns_for(count)
    return target if 0 <= target < count else None


def place_tiles(grid: QGridLayout, shown: Sequence[QWidget]) -> None:
    """Lay ``shown`` out in ``grid`` row by row, taking out whatever it held before."""
    while grid.count():
        item = grid.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.setParent(None)
    columns = columns_for(len(shown))
    for i, tile in enumerate(shown):
        grid.addWidget(tile, i // columns, i % columns)
        tile.show()


def decode_rate(shown: int) -> float | None:
    """Frames a second each of ``shown`` tiles decodes (None: every frame): many small tiles
    do not need every frame; a full-screen tile gets them all."""
    return None if shown <= 16 else 12.0 if shown <= 36 else 6.0
