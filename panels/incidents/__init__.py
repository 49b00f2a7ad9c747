"""The incident queue panel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from ui.context import AppContext, PanelSpec


def _factory(context: AppContext) -> QWidget:
    from panels.incidents.panel import IncidentQueuePanel

    return IncidentQueuePanel(context)


SPEC = PanelSpec(
    id="incidents",
    title=lambda: QCoreApplication.translate("Panels", "Incident queue"),
    factory=_factory,
    area=Qt.DockWidgetArea.LeftDockWidgetArea,
    share=40,
)
