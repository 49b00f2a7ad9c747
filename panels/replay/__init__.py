"""The replay timeline: in live a short offer to replay; in replay the timeline of the
window (events as ticks by kind, incidents as spans, bookmarks), the transport controls and
the list of bookmarks and annotations."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt

from ui.context import PanelSpec, lazy_widget

SPEC = PanelSpec(
    id="replay",
    title=lambda: QCoreApplication.translate("Panels", "Replay"),
    factory=lazy_widget("panels.replay.panel", "ReplayPanel"),
    area=Qt.DockWidgetArea.BottomDockWidgetArea,
)
