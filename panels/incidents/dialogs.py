"""Small dialogs that collect what a command needs: a comment, an assignee, a merge target."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)


class CommandDialog(QDialog):
    """Asks for an optional comment, plus an assignee or target where the command needs one.

    Enter confirms from any field, so a keyboard user needs one key press after typing.
    """

    def __init__(
        self,
        title: str,
        subject: str,
        parent: QWidget | None = None,
        *,
        assignees: list[str] | None = None,
        targets: list[tuple[str, str]] | None = None,
        comment_required: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        form = QFormLayout(self)
        heading = QLabel(subject)
        heading.setWordWrap(True)
        form.addRow(heading)
        self.assignee: QComboBox | None = None
        self.target: QComboBox | None = None
        if assignees is not None:
            self.assignee = QComboBox()
            self.assignee.setEditable(True)
            self.assignee.addItems(assignees)
            form.addRow(self.tr("Assign to"), self.assignee)
        if targets is not None:
            self.target = QComboBox()
            for incident_id, label in targets:
                self.target.addItem(label, incident_id)
            form.addRow(self.tr("Duplicate of"), self.target)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText(
            self.tr("Required") if comment_required else self.tr("Optional comment")
        )
        form.addRow(self.tr("Comment"), self.comment)
        self._comment_required = comment_required
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.comment.textChanged.connect(self._update_ok)
        self._update_ok()
        (self.assignee or self.target or self.comment).setFocus()

    def _update_ok(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not self._comment_required or bool(self.comment.text().strip()))

    def values(self) -> dict[str, str]:
        """What the operator entered."""
        out = {"comment": self.comment.text().strip()}
        if self.assignee is not None:
            out["assignee"] = self.assignee.currentText().strip()
        if self.target is not None:
            out["into_id"] = str(self.target.currentData() or "")
        return out
