"""The selected incident's facts and timeline, as its own dock."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="incident_detail",
    title=lambda: QCoreApplication.translate("Panels", "Incident detail"),
    factory=lazy_widget("panels.incident_detail.view", "IncidentDetailView"),
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    share=22,
)
