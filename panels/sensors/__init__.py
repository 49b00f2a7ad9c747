"""The sensors panel: every sensor's latest reading, level and freshness, and live plots."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="sensors",
    title=lambda: QCoreApplication.translate("Panels", "Sensors"),
    factory=lazy_widget("panels.sensors.panel", "SensorsPanel"),
    area=Qt.DockWidgetArea.BottomDockWidgetArea,
    share=28,  # of the height: the map stays the largest view
)
