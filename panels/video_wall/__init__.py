"""The CCTV video wall panel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="video_wall",
    title=lambda: QCoreApplication.translate("Panels", "Video wall"),
    factory=lazy_widget("panels.video_wall.panel", "VideoWallPanel"),
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    share=22,
)
