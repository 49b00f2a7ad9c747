"""The bookmarks and annotations of the replay window, in time order; clicking one goes
there."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from core.model import Bookmark
from ui.replay import ReplayController
from ui.replay_time import clock_text, date_time_text

BOOKMARK_GLYPH, NOTE_GLYPH = "⚑", "✎"


class MarksList(QListWidget):
    """Bookmarks (⚑) and annotations (✎) inside the replay window."""

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("replayMarks")
        self.controller = controller
        self.setToolTip(self.tr("Bookmarks and annotations: click one to go there"))
        self.itemClicked.connect(self._on_item_clicked)
        self.itemActivated.connect(self._on_item_clicked)
        self._shown: tuple[object, ...] = ()
        controller.marksChanged.connect(self.refresh)
        controller.windowChanged.connect(self.refresh)
        controller.activeChanged.connect(self.refresh)

    def refresh(self, *_args: object) -> None:
        """List the marks inside the window again (only when they changed)."""
        window = self.controller.window
        marks: list[Bookmark] = []
        if window is not None:
            marks = sorted(
                (
                    b
                    for b in self.controller.context.store.state.bookmarks
                    if window[0] <= b.at_ms <= window[1]
                ),
                key=lambda b: (b.at_ms, b.seq),
            )
        shown = tuple(b.seq for b in marks)
        if shown == self._shown:
            return
        self._shown = shown
        self.clear()
        if not marks:
            empty = QListWidgetItem(self.tr("No bookmarks yet (Ctrl+B)"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(empty)
            return
        for bookmark in marks:
            glyph = NOTE_GLYPH if bookmark.kind == "annotation" else BOOKMARK_GLYPH
            first_line = bookmark.text.splitlines()[0] if bookmark.text else ""
            item = QListWidgetItem(f"{clock_text(bookmark.at_ms)} {glyph} {first_line}")
            item.setData(Qt.ItemDataRole.UserRole, bookmark.at_ms)
            about = f" · {bookmark.incident_id}" if bookmark.incident_id else ""
            item.setToolTip(
                f"{date_time_text(bookmark.at_ms)}{about}\n{bookmark.text}\n"
                + self.tr("By %1, recorded %2")
                .replace("%1", bookmark.actor)
                .replace("%2", date_time_text(bookmark.ts_ms))
            )
            self.addItem(item)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        at = item.data(Qt.ItemDataRole.UserRole)
        if at is not None:
            self.controller.pause()
            self.controller.seek(int(at))
