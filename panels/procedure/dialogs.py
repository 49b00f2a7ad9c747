"""Small dialogs of the procedure panel: why a mandatory step is skipped, and which
procedure to start. Both are opened without blocking (``open``), never with ``exec``."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from core.sop.loading import LoadedProcedure
from ui.reason_dialog import ReasonDialog


class SkipDialog(ReasonDialog):
    """Asks why a mandatory step is skipped; OK stays disabled until a reason is written."""

    def __init__(self, step_title: str, parent: QWidget | None = None) -> None:
        super().__init__(
            self.tr("Skip a mandatory step"),
            step_title,
            self.tr("This step is mandatory: the reason is kept in the log."),
            self.tr("Required: why is it skipped?"),
            parent,
        )


class StartProcedureDialog(QDialog):
    """Chooses a procedure from the library for an incident; replacing the one it follows
    needs a reason."""

    def __init__(
        self,
        subject: str,
        procedures: Sequence[LoadedProcedure],
        korean: bool,
        *,
        preferred: str | None = None,
        replacing: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``preferred`` is the id to offer first; ``replacing`` the title of the procedure
        the incident follows now, if any."""
        super().__init__(parent)
        self.setWindowTitle(self.tr("Start a procedure"))
        self.setMinimumWidth(480)
        self._korean = korean
        form = QFormLayout(self)
        heading = QLabel(subject)
        heading.setWordWrap(True)
        form.addRow(heading)
        self.choice = QComboBox()
        for loaded in sorted(procedures, key=lambda p: p.procedure.title(korean)):
            procedure = loaded.procedure
            types = ", ".join(procedure.incident_types)
            text = f"{procedure.title(korean)} · v{procedure.version}"
            self.choice.addItem(text + (f" ({types})" if types else ""), loaded)
            if procedure.id == preferred:
                self.choice.setCurrentIndex(self.choice.count() - 1)
        form.addRow(self.tr("Procedure"), self.choice)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #8a9bb0")
        form.addRow(self.summary)
        self.reason = QLineEdit()
        self.replacing = replacing
        if replacing is not None:
            self.reason.setPlaceholderText(self.tr("Required: why change the procedure?"))
            form.addRow(QLabel(self.tr("It follows %1 now.").replace("%1", replacing)))
            form.addRow(self.tr("Reason"), self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.choice.currentIndexChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        """The OK button."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def chosen(self) -> LoadedProcedure | None:
        """The procedure chosen."""
        data = self.choice.currentData()
        return data if isinstance(data, LoadedProcedure) else None

    def _update(self) -> None:
        chosen = self.chosen()
        if chosen is not None:
            procedure = chosen.procedure
            self.summary.setText(procedure.summary_ko if self._korean else procedure.summary_en)
        needs_reason = self.replacing is not None and not self.reason.text().strip()
        self.ok_button.setEnabled(chosen is not None and not needs_reason)

    def accept(self) -> None:
        """Close only when the choice is complete."""
        if self.ok_button.isEnabled():
            super().accept()
