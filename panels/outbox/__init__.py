"""The outbox panel: every packet to an agency and where its delivery stands."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="outbox",
    title=lambda: QCoreApplication.translate("Panels", "Outbox"),
    factory=lazy_widget("panels.outbox.panel", "OutboxPanel"),
    area=Qt.DockWidgetArea.BottomDockWidgetArea,
    share=28,  # of the height, as the sensors beside it
)
