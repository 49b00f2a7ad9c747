"""The incident queue panel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="incidents",
    title=lambda: QCoreApplication.translate("Panels", "Incident queue"),
    factory=lazy_widget("panels.incidents.panel", "IncidentQueuePanel"),
    area=Qt.DockWidgetArea.LeftDockWidgetArea,
    share=40,
)
