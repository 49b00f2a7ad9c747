"""The situation rules editor: the rules file in use as text, checked and applied in place."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.bridge import GuiInvoker
from ui.settings import default_data_dir
from ui.situation_rules import SituationRules, describe

OK_COLOUR = "#8fd18f"
ERROR_COLOUR = "#ff8b8b"
ERROR_LINE = QColor(120, 40, 40)


class RulesEditorDialog(QDialog):
    """Shows the rules file in use; "Check" validates the text, "Save and apply" writes it
    and puts it in force without a restart. The shipped rules are read-only: "Save as…"
    makes a copy in the user's data folder that becomes the file in use."""

    def __init__(
        self, rules: SituationRules, invoker: GuiInvoker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RulesEditorDialog")
        self.setWindowTitle(self.tr("Situation rules"))
        self.resize(900, 680)
        self._rules = rules
        self._invoker = invoker
        self._busy = False
        layout = QVBoxLayout(self)
        self.file_label = QLabel()
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.file_label.setWordWrap(True)
        layout.addWidget(self.file_label)
        self.read_only_note = QLabel(
            self.tr(
                "These are the shipped rules and cannot be changed here. “Save as…” makes "
                "your own copy, which Cityroom then uses and you can edit."
            )
        )
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setStyleSheet("color: #f5c26b")
        layout.addWidget(self.read_only_note)
        self.editor = QPlainTextEdit()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.editor.setFont(font)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setTabStopDistance(4 * self.editor.fontMetrics().horizontalAdvance(" "))
        self.editor.cursorPositionChanged.connect(self._on_editor_cursor_moved)
        self.editor.textChanged.connect(self._on_editor_text_changed)
        layout.addWidget(self.editor, 1)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.position = QLabel()
        buttons.addWidget(self.position)
        buttons.addStretch(1)
        self.check_button = QPushButton(self.tr("&Check"))
        self.check_button.setToolTip(self.tr("Check the text without saving it"))
        self.check_button.clicked.connect(self.check)
        self.apply_button = QPushButton(self.tr("Save and &apply"))
        self.apply_button.setToolTip(
            self.tr("Save the file and put the rules in force now; refused text is not saved")
        )
        self.apply_button.clicked.connect(self.save_and_apply)
        self.save_as_button = QPushButton(self.tr("Save a&s…"))
        self.save_as_button.clicked.connect(self._on_save_as_clicked)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        for button in (self.check_button, self.apply_button, self.save_as_button, close):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        rules.applied.connect(self._on_rules_applied)
        self.load()

    # -- showing the file -------------------------------------------------------------------

    def load(self) -> None:
        """Show the file in use as it is on disk (a small local file: read at once)."""
        path = self._rules.path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            text = ""
            self._show_result(
                self.tr("Cannot read %1: %2").replace("%1", str(path)).replace("%2", str(error)),
                ok=False,
            )
        self.editor.setPlainText(text)
        self.editor.document().setModified(False)
        self._show_file()

    def _show_file(self) -> None:
        shipped = self._rules.is_shipped
        path = str(self._rules.path)
        label = self.tr("Rules file: %1").replace("%1", path)
        if shipped:
            label += " " + self.tr("(shipped, read-only)")
        label += " · " + self.tr("%1 rules in force").replace("%1", str(self._rules.rule_count))
        self.file_label.setText(label)
        self.read_only_note.setVisible(shipped)
        self.editor.setReadOnly(shipped)
        self._enable()

    def _enable(self) -> None:
        self.check_button.setEnabled(not self._busy)
        self.apply_button.setEnabled(not self._busy and not self._rules.is_shipped)
        self.save_as_button.setEnabled(not self._busy)

    def _on_rules_applied(self, _count: int) -> None:
        # A change on disk (or this dialog's own save): follow it unless there are edits.
        if not self.editor.document().isModified():
            self.load()
        else:
            self._show_file()

    def _on_editor_cursor_moved(self) -> None:
        cursor = self.editor.textCursor()
        self.position.setText(
            self.tr("Line %1, column %2")
            .replace("%1", str(cursor.blockNumber() + 1))
            .replace("%2", str(cursor.positionInBlock() + 1))
        )

    def _on_editor_text_changed(self) -> None:
        self.editor.setExtraSelections([])

    # -- results ----------------------------------------------------------------------------

    def _show_result(self, text: str, ok: bool) -> None:
        self.result_label.setStyleSheet(f"color: {OK_COLOUR if ok else ERROR_COLOUR}")
        self.result_label.setText(text)
        self.result_label.setVisible(bool(text))

    def _show_error(self, error: BaseException) -> None:
        from core.rules import RuleFileError

        if not isinstance(error, RuleFileError):
            self._show_result(str(error), ok=False)
            return
        self._show_result(self.tr("Refused: %1").replace("%1", describe(error)), ok=False)
        if error.line is not None:
            self._mark_line(error.line)

    def _mark_line(self, line: int) -> None:
        block = self.editor.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        self.editor.setTextCursor(cursor)
        self.editor.centerCursor()
        selection = QTextEdit.ExtraSelection()
        selection.format.setBackground(ERROR_LINE)
        selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        selection.cursor = cursor
        self.editor.setExtraSelections([selection])

    def _run(self, future: Future[Any], done: str, saved: bool = False) -> None:
        """Wait for ``future`` without blocking; show ``done`` (with %1 the rule count) or
        the error. ``saved``: the text is on disk now, so a later change there may replace
        what is shown."""
        self._busy = True
        self._enable()

        def finished(count: int) -> None:
            self._busy = False
            if saved:
                self.editor.document().setModified(False)
            self._show_file()
            self._show_result(done.replace("%1", str(count)), ok=True)

        def failed(error: BaseException) -> None:
            self._busy = False
            self._enable()
            self._show_error(error)

        self._invoker.when_done(future, finished, failed)

    # -- actions ----------------------------------------------------------------------------

    def check(self) -> None:
        """Check the text (on the rules thread: the first check imports the rules package)."""
        self._show_result(self.tr("Checking…"), ok=True)
        self._run(
            self._rules.check(self.editor.toPlainText()),
            self.tr("No problems found: %1 rules"),
        )

    def save_and_apply(self) -> None:
        """Write the file in use and put its rules in force; refused text is not written."""
        if self._rules.is_shipped:
            return
        self._apply(None)

    def save_as(self, path: Path) -> None:
        """Write the text to ``path`` and make it the file in use, in force at once."""
        self._apply(path)

    def _apply(self, path: Path | None) -> None:
        self._show_result(self.tr("Checking…"), ok=True)
        future = self._rules.apply_text(self.editor.toPlainText(), path)
        self._run(future, self.tr("Saved and applied: %1 rules in force"), saved=True)

    def _on_save_as_clicked(self) -> None:
        suggested = default_data_dir() / "rules" / "situation-rules.toml"
        suggested.parent.mkdir(parents=True, exist_ok=True)
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the rules as"),
            str(suggested if self._rules.is_shipped else self._rules.path),
            self.tr("Rule files (*.toml)"),
        )
        if chosen:
            self.save_as(Path(chosen))

    def reject(self) -> None:
        """Close (Escape, the Close button, the window's own button), asking before edits
        that were not saved are dropped."""
        if self.editor.document().isModified() and not self.editor.isReadOnly():
            answer = QMessageBox.question(
                self,
                self.tr("Situation rules"),
                self.tr("Discard the changes you have not saved?"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
            self.load()
        super().reject()
