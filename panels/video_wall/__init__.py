"""The CCTV video wall panel."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from ui.context import AppContext, PanelSpec


def _factory(context: AppContext) -> QWidget:
    from panels.video_wall.panel import VideoWallPanel

    return VideoWallPanel(context)


SPEC = PanelSpec(
    id="video_wall",
    title=lambda: QCoreApplication.translate("Panels", "Video wall"),
    factory=_factory,
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    share=22,
)
