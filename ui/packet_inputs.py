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
    QSpinBox,
    QWidget,
)

from core.dispatch.compose import LiveLink, RelatedValue
from core.dispatch.model import Area, CircleArea, Point, PointArea, RelatedKind
from core.model import Incident
from ui.context import AppContext

if TYPE_CHECKING:
    from core.dispatch.live_share import LiveShare

LIVE_MINUTES = (15, 30, 60)  # how long a live link may be opened; 30 unless chosen
RADIUS_M = (10, 50_000)  # what the area's radius may be set to, in metres


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


class AreaPicker(QWidget):
    """Where the packet says it happened: the incident's point, or a circle around it with
    a radius (a telecom fix's accuracy, a gas leak's danger zone)."""

    changed = Signal()

    def __init__(self, incident: Incident, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._incident = incident
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        self.shape = QComboBox()
        self.shape.addItem(self.tr("the incident's point"), "point")
        self.shape.addItem(self.tr("a circle around it"), "circle")
        self.radius = QSpinBox()
        self.radius.setRange(*RADIUS_M)
        self.radius.setSingleStep(50)
        self.radius.setValue(200)
        self.radius.setSuffix(" m")
        line.addWidget(self.shape)
        line.addWidget(self.radius)
        line.addStretch(1)
        self._chosen = False  # until the operator picks, the draft's own area stands
        self.shape.currentIndexChanged.connect(self._on_picked)
        self.radius.valueChanged.connect(self._on_picked)
        self._show_radius()

    def follow(self, area: Area) -> None:
        """Show the draft's area (until the operator picks one)."""
        if self._chosen:
            return
        for widget in (self.shape, self.radius):
            widget.blockSignals(True)
        if isinstance(area, CircleArea):
            self.shape.setCurrentIndex(1)
            self.radius.setValue(round(area.radius_m))
        else:
            self.shape.setCurrentIndex(0)
        for widget in (self.shape, self.radius):
            widget.blockSignals(False)
        self._show_radius()

    def area(self) -> Area | None:
        """The operator's choice, None while the draft's stands."""
        if not self._chosen:
            return None
        at = Point(lat=self._incident.lat, lon=self._incident.lon)
        if self.shape.currentData() == "circle":
            return CircleArea(centre=at, radius_m=float(self.radius.value()))
        return PointArea(at=at)

    def _on_picked(self) -> None:
        self._chosen = True
        self._show_radius()
        self.changed.emit()

    def _show_radius(self) -> None:
        self.radius.setEnabled(self.shape.currentData() == "circle")
