"""The bookmark and annotation dialogs: small and keyboard-first. Enter saves a bookmark,
Ctrl+Enter an annotation, Esc cancels; a refusal is shown in the dialog, the text kept."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from core.commands import MARK_LABEL_MAX, MARK_TEXT_MAX
from core.events import EventRecord
from ui.replay_time import date_time_text

if TYPE_CHECKING:
    from ui.replay import ReplayController


class NoteEdit(QPlainTextEdit):
    """A note field where Enter starts a new line and Ctrl+Enter submits."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter submits; everything else edits."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class MarkDialog(QDialog):
    """What both dialogs share: where the mark goes, the buttons, the error line."""

    def __init__(
        self, controller: ReplayController, annotation: bool, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.annotation = annotation
        self.at_ms = controller.position_ms
        self.incident_id = controller.marked_incident()
        self.setWindowTitle(self.tr("Annotate") if annotation else self.tr("Bookmark"))
        layout = QVBoxLayout(self)
        where = self.tr("At %1").replace("%1", date_time_text(self.at_ms))
        if self.incident_id is not None:
            where += " · " + self.tr("about %1").replace("%1", self.incident_id)
        self.where = QLabel(where)
        layout.addWidget(self.where)
        self.body = layout
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8b8b")
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._pending: Future[list[EventRecord]] | None = None

    def _finish_layout(self) -> None:
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)

    def text(self) -> str:
        """What was typed."""
        raise NotImplementedError

    def save(self) -> None:
        """Record the mark; close once the log took it, or show why it did not."""
        if self._pending is not None:
            return
        text = self.text().strip()
        if not text:
            self._show_error(
                self.tr("Type a note first.")
                if self.annotation
                else self.tr("Type a label first.")
            )
            return
        mark = self.controller.annotate if self.annotation else self.controller.bookmark
        future = mark(text, self.at_ms)
        if future is None:
            self._show_error(self.tr("Bookmarks mark instants of a replay: enter replay first."))
            return
        self._pending = future
        self.buttons.setEnabled(False)
        self.controller.context.invoker.when_done(future, self._on_saved, self._on_refused)

    def _on_saved(self, _records: list[EventRecord]) -> None:
        if shiboken6.isValid(self):  # not closed meanwhile
            self._pending = None
            self.accept()

    def _on_refused(self, error: BaseException) -> None:
        if shiboken6.isValid(self):
            self._pending = None
            self.buttons.setEnabled(True)
            self._show_error(str(error))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class BookmarkDialog(MarkDialog):
    """A one-line label for the instant shown; Enter saves."""

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(controller, False, parent)
        self.setObjectName("BookmarkDialog")
        self.label = QLineEdit()
        self.label.setMaxLength(MARK_LABEL_MAX)
        self.label.setPlaceholderText(self.tr("e.g. first unit on scene"))
        self.label.returnPressed.connect(self.save)
        self.body.addWidget(self.label)
        self._finish_layout()
        self.resize(420, self.sizeHint().height())

    def text(self) -> str:
        """The label typed."""
        return self.label.text()


class AnnotationDialog(MarkDialog):
    """A note of several lines for the instant shown; Ctrl+Enter saves."""

    def __init__(self, controller: ReplayController, parent: QWidget | None = None) -> None:
        super().__init__(controller, True, parent)
        self.setObjectName("AnnotationDialog")
        self.note = NoteEdit()
        self.note.setPlaceholderText(
            self.tr("What happened here, for the review (Ctrl+Enter saves)")
        )
        self.note.setTabChangesFocus(True)
        self.body.addWidget(self.note)
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.note.textChanged.connect(self._on_note_text_changed)
        self.body.addWidget(self.count)
        self._finish_layout()
        self.note.submitted.connect(self.save)
        self._on_note_text_changed()
        self.resize(480, 260)

    def text(self) -> str:
        """The note typed."""
        return self.note.toPlainText()

    def _on_note_text_changed(self) -> None:
        n = len(self.note.toPlainText())
        self.count.setText(f"{n} / {MARK_TEXT_MAX}")
        self.count.setStyleSheet("color: #ff8b8b" if n > MARK_TEXT_MAX else "")


def open_bookmark_dialog(
    controller: ReplayController, parent: QWidget | None
) -> BookmarkDialog | None:
    """Show the bookmark dialog for the instant shown (None outside replay)."""
    if controller.clock is None:
        return None
    controller.pause()  # the instant to mark stays put while the operator types
    dialog = BookmarkDialog(controller, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.label.setFocus()
    return dialog


def open_annotation_dialog(
    controller: ReplayController, parent: QWidget | None
) -> AnnotationDialog | None:
    """Show the annotation dialog for the instant shown (None outside replay)."""
    if controller.clock is None:
        return None
    controller.pause()
    dialog = AnnotationDialog(controller, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    dialog.note.setFocus()
    return dialog
