"""A question that needs a reason before it can be answered yes: skipping a mandatory step,
cancelling a packet. The reason goes into the log, so OK stays disabled until there is one.
Opened without blocking (``open``), never with ``exec``."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)


class ReasonDialog(QDialog):
    """``subject`` in bold, ``note`` under it, a required reason; OK only with a reason."""

    def __init__(
        self,
        title: str,
        subject: str,
        note: str,
        placeholder: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        form = QFormLayout(self)
        heading = QLabel(subject)
        heading.setWordWrap(True)
        heading.setStyleSheet("font-weight: bold")
        form.addRow(heading)
        explanation = QLabel(note)
        explanation.setWordWrap(True)
        form.addRow(explanation)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(placeholder)
        form.addRow(self.tr("Reason"), self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.reason.textChanged.connect(self._update_ok)
        self._update_ok()
        self.reason.setFocus()

    @property
    def ok_button(self) -> QPushButton:
        """The OK button (enabled once there is a reason)."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.reason.text().strip()))

    def accept(self) -> None:
        """Close only with a reason (Enter in an empty field does nothing)."""
        if self.reason.text().strip():
            super().accept()
