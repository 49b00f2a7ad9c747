"""The situation map panel (the centre of the window)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="map",
    title=lambda: QCoreApplication.translate("Panels", "Situation map"),
    factory=lazy_widget("panels.situation_map.panel", "MapPanel"),
    area=None,
)
