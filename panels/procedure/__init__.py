"""The selected incident's response procedure (SOP) as a checklist, with its golden-time
timers and one-click actions."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="procedure",
    title=lambda: QCoreApplication.translate("Panels", "Procedure"),
    factory=lazy_widget("panels.procedure.panel", "ProcedurePanel"),
    # Beside the incident detail, as a tab of the same dock (see placement.py): the right
    # column has no height to spare for a third stacked dock at 1600×900.
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    share=22,
)
