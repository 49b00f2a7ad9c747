"""What the operator has selected, shared by every panel (panels never call each other)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    """The selected incident and camera; panels listen and set, and ignore their own echoes."""

    incidentSelected = Signal(object, object)  # incident id or None, origin (the setter)
    cameraSelected = Signal(object, object)  # camera id or None, origin

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.incident_id: str | None = None
        self.camera_id: str | None = None

    def select_incident(self, incident_id: str | None, origin: object = None) -> None:
        """Make ``incident_id`` the selected incident."""
        if incident_id != self.incident_id:
            self.incident_id = incident_id
            self.incidentSelected.emit(incident_id, origin)

    def select_camera(self, camera_id: str | None, origin: object = None) -> None:
        """Make ``camera_id`` the selected camera."""
        if camera_id != self.camera_id:
            self.camera_id = camera_id
            self.cameraSelected.emit(camera_id, origin)
