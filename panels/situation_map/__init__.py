"""The situation map panel (the centre of the window)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from ui.context import AppContext, PanelSpec


def _factory(context: AppContext) -> QWidget:
    from panels.situation_map.panel import MapPanel

    return MapPanel(context)


SPEC = PanelSpec(
    id="map",
    title=lambda: QCoreApplication.translate("Panels", "Situation map"),
    factory=_factory,
    area=None,
)
