"""Panels built after the window is on screen, one per turn of the event loop.

At start-up the window, its menus and every dock appear first, each dock holding a light
"Loading…" placeholder; the panels, and with them their heavy libraries (the web engine, the
plotting library, OpenCV, folium), are built once the window is shown. The operator sees the
desk within about a second instead of after every panel is ready, and the event loop runs
between two panels, so the window repaints and answers while the rest arrive.

A panel that fails to build leaves its placeholder saying so (and the log has the error); the
others are still built and the desk still starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from core.notices import NoticeLevel
from ui.context import AppContext, PanelSpec

log = logging.getLogger(__name__)


class PanelPlaceholder(QLabel):
    """What a dock shows until its panel is built (or why it could not be)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panelPlaceholder")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setText(self.tr("Loading %1…").replace("%1", title))
        self.failed = False

    def show_failure(self, title: str, error: BaseException) -> None:
        """Say that the panel could not be built, and where to look."""
        self.failed = True
        self.setText(
            self.tr(
                "The %1 panel could not be opened: %2\n"
                "The rest of the desk works. Help > Copy diagnostics collects the log for support."
            )
            .replace("%1", title)
            .replace("%2", str(error) or type(error).__name__)
        )


class PanelLoader(QObject):
    """Builds the panels ``specs`` into ``window`` one at a time, from :meth:`start` on;
    ``place`` puts a built panel where its placeholder (from :meth:`placeholder`) was.
    ``finished`` once all are built."""

    finished = Signal()

    def __init__(
        self,
        window: QMainWindow,
        context: AppContext,
        specs: Sequence[PanelSpec],
        place: Callable[[PanelSpec, QWidget], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self._waiting = list(specs)
        self._place = place
        self._placeholders: dict[str, PanelPlaceholder] = {}
        self._started = False

    def placeholder(self, spec: PanelSpec) -> PanelPlaceholder:
        """What the window shows for ``spec`` until its panel is built."""
        holder = PanelPlaceholder(spec.title())
        self._placeholders[spec.id] = holder
        return holder

    @property
    def done(self) -> bool:
        """Whether every panel has been built (or has failed to build)."""
        return not self._waiting

    def start(self) -> None:
        """Build the panels from the next turn of the event loop on (once)."""
        if self._started:
            return
        self._started = True
        if self.done:
            self.finished.emit()
            return
        QTimer.singleShot(0, self, self._build_next)

    def _build_next(self) -> None:
        spec = self._waiting.pop(0)
        try:
            widget = spec.factory(self.context)
        except Exception as error:  # one panel must not stop the desk
            log.exception("building the %s panel failed", spec.id)
            self._fail(spec, error)
        else:
            self._place(spec, widget)
            self._placeholders.pop(spec.id, None)
        if self._waiting:
            QTimer.singleShot(0, self, self._build_next)
        else:
            self.finished.emit()

    def _fail(self, spec: PanelSpec, error: Exception) -> None:
        title = spec.title()
        holder = self._placeholders.get(spec.id)
        if holder is not None:
            holder.show_failure(title, error)
        self.context.notices.post(
            NoticeLevel.ERROR,
            title,
            self.tr("The %1 panel could not be opened: %2")
            .replace("%1", title)
            .replace("%2", str(error) or type(error).__name__),
        )
