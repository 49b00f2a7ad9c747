"""The incident queue panel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ui.context import PanelSpec


def _factory(context):  # type: ignore[no-untyped-def]
    from panels.incidents.panel import IncidentQueuePanel

    return IncidentQueuePanel(context)


SPEC = PanelSpec(
    id="incidents",
    title=lambda: QCoreApplication.translate("Panels", "Incident queue"),
    factory=_factory,
    area=None,
)
