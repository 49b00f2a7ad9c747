"""Inputs of the compose dialog that become parts of the packet: the incident's cameras shared
as expiring live links, and plates and phone numbers typed in clear (which leave the room
only as keyed pseudonyms)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from core.dispatch.compose import LiveLink, RelatedValue
from core.dispatch.model import RelatedKind
from core.model import Incident
from ui.context import AppContext

if TYPE_CHECKING:
    from core.dispatch.live_share import LiveShare

LIVE_MINUTES = (15, 30, 60)  # how long a live link may be opened; 30 unless chosen


def related_values(plates: str, phones: str) -> tuple[RelatedValue, ...]:
    """The plates and phone numbers typed (separated by commas or semicolons)."""
    found: list[RelatedValue] = []
    for kind, text in ((RelatedKind.PLATE, plates), (RelatedKind.PHONE, phones)):
        for value in text.replace(";", ",").split(","):
            if value.strip():
                found.append(RelatedValue(kind, value.strip()))
    return tuple(found)


class LiveVideoPicker(QWidget):
    """The incident's cameras to share live and for how long, or why none can be."""

    changed = Signal()

    def __init__(
        self, context: AppContext, incident: Incident, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel(self._unavailable())
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #8a9bb0")
        self.cameras = QListWidget()
        self.cameras.setMaximumHeight(84)
        self.validity = QComboBox()
        for minutes in LIVE_MINUTES:
            self.validity.addItem(self.tr("valid %1 min").replace("%1", str(minutes)), minutes)
        self.validity.setCurrentIndex(LIVE_MINUTES.index(30))
        line.addWidget(self.note, 1)
        line.addWidget(self.cameras, 1)
        line.addWidget(self.validity, 0, Qt.AlignmentFlag.AlignTop)
        if not self.note.text() and not incident.cameras:
            self.note.setText(self.tr("No cameras are linked to this incident."))
        if self.note.text():
            self.cameras.hide()
            self.validity.hide()
            return
        self.note.hide()
        city = context.city
        for camera_id in incident.cameras:
            camera = city.camera(camera_id) if city.has_camera(camera_id) else None
            name = context.pick(camera.name, camera.name_en) if camera else camera_id
            item = QListWidgetItem(name, self.cameras)
            item.setData(Qt.ItemDataRole.UserRole, camera_id)
            item.setToolTip(camera_id)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.cameras.itemChanged.connect(self.changed)
        self.validity.currentIndexChanged.connect(self.changed)

    def share(self) -> LiveShare | None:
        """The centre's live-share server, if this window has one."""
        service = self._context.dispatch
        return service.live_share if service is not None else None

    def _unavailable(self) -> str:
        """Why no camera can be shared live from this dialog ("" when they can)."""
        service = self._context.dispatch
        if service is None:
            return self.tr("Live video cannot be shared from this window.")
        if service.live_share is None:
            return service.live_share_problem
        return ""

    def chosen(self) -> list[str]:
        """The ticked cameras' ids."""
        rows = (self.cameras.item(row) for row in range(self.cameras.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in rows
            if item.checkState() == Qt.CheckState.Checked
        ]

    def links(self, cameras: list[str], distribution_id: str) -> tuple[LiveLink, ...]:
        """``cameras`` as the packet's live links, valid for the chosen time from now."""
        share = self.share()
        if share is None:
            return ()
        from core.dispatch.live_share import live_links_for

        minutes = int(self.validity.currentData())
        ends = time.time_ns() // 1_000_000 + minutes * 60_000
        return live_links_for(share, cameras, distribution_id=distribution_id, expires_ms=ends)
