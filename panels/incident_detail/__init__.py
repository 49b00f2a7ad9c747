"""The selected incident's facts and timeline, as its own dock."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from ui.context import AppContext, PanelSpec


def _factory(context: AppContext) -> QWidget:
    from panels.incident_detail.view import IncidentDetailView

    return IncidentDetailView(context)


SPEC = PanelSpec(
    id="incident_detail",
    title=lambda: QCoreApplication.translate("Panels", "Incident detail"),
    factory=_factory,
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    share=22,
)
