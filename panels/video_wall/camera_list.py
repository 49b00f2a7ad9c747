"""The wall's camera list: the cameras to open, filtered by id or name, dragged onto a tile."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from core.city import Camera
from panels.video_wall.tile import CAMERA_MIME_PREFIX

LIST_LIMIT = 500  # camera list rows shown at once; the filter narrows the rest


class CameraListWidget(QListWidget):
    """The camera list; a camera dragged out of it can be dropped on any tile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDragEnabled(True)

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        """The dragged camera's id, in a form only the tiles accept."""
        data = QMimeData()
        if items:
            data.setText(CAMERA_MIME_PREFIX + str(items[0].data(Qt.ItemDataRole.UserRole)))
        return data

    def fill(self, cameras: Iterable[Camera], text: str, name: Callable[[Camera], str]) -> None:
        """List the cameras whose id or names contain ``text`` (any case), at most
        ``LIST_LIMIT``, each as its id and ``name(camera)``."""
        wanted = text.strip().casefold()
        self.clear()
        shown = 0
        for camera in cameras:
            if (
                wanted
                and wanted not in camera.id.casefold()
                and wanted not in camera.name.casefold()
                and wanted not in camera.name_en.casefold()
            ):
                continue
            item = QListWidgetItem(f"{camera.id}  {name(camera)}")
            item.setData(Qt.ItemDataRole.UserRole, camera.id)
            self.addItem(item)
            shown += 1
            if shown >= LIST_LIMIT:
                break

    def camera_ids(self) -> list[str]:
        """The cameras listed now (the filter applied)."""
        return [str(self.item(row).data(Qt.ItemDataRole.UserRole)) for row in range(self.count())]
