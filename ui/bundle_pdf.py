"""Printing a bundle's after-action report to PDF with Qt, for the command line's export.

``core`` cannot use Qt, so ``main.py`` hands :func:`pdf_writer` to the export runner, which
calls it only when a PDF is wanted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

from ui.shift import ensure_gui_application, write_pdf

_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def pdf_writer() -> Callable[[str, Path], None]:
    """A function printing an HTML page to an A4 PDF file (titled as the page). Makes sure a
    Qt GUI application exists (offscreen without a display); call it on the main thread."""
    ensure_gui_application()

    def write(html: str, path: Path) -> None:
        found = _TITLE.search(html)
        write_pdf(html, path, unescape(found.group(1)) if found else "")

    return write
