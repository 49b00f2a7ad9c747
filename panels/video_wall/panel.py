"""The video wall: a grid of live tiles, a camera list, and cameras for the selected incident."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.city import Camera
from core.events import CameraViewed, EvidenceCaptured
from core.video.capture import CaptureWorker
from core.video.evidence import StillRecord, save_still
from layers.queries import nearest_cameras
from panels.video_wall.tile import CAMERA_MIME_PREFIX, VideoTile
from ui.context import AppContext
from ui.visibility import timer_while_visible

LAYOUTS = (1, 4, 9, 16, 25, 36, 64)
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


def demo_stream_url(camera: Camera) -> str:
    """Where the demo city's camera streams from: a synthetic moving scene."""
    return f"synthetic://{camera.id}"


class VideoWallPanel(QWidget):
    """Live tiles fed by capture workers; a display timer paints, no signal per frame."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tiles: list[VideoTile] = []
        self.active_index = 0
        self.full_index: int | None = None
        self._build()
        self.set_layout_size(4)
        context.selection.cameraSelected.connect(self._on_selection_camera_selected)
        context.store.incidentsReported.connect(self._on_store_incidents_reported)
        # Faster than any stream (66 Hz) so no frame waits for a tick and gets replaced;
        # a tick without new frames costs almost nothing.
        self._paint_timer = timer_while_visible(self, 15, self._paint_frames)
        self._state_timer = timer_while_visible(self, 500, self._refresh_states)

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.layout_choice = QComboBox()
        for size in LAYOUTS:
            self.layout_choice.addItem(self.tr("%1 tiles").replace("%1", str(size)), size)
        self.layout_choice.setCurrentIndex(LAYOUTS.index(4))
        self.layout_choice.currentIndexChanged.connect(
            lambda: self.set_layout_size(int(self.layout_choice.currentData()))
        )
        self.near_incident = QPushButton(self.tr("Nearest to incident"))
        self.near_incident.setToolTip(
            self.tr("Fill the wall with the cameras nearest the selected incident")
        )
        self.near_incident.clicked.connect(self.open_nearest_to_selected_incident)
        self.still_button = QPushButton(self.tr("Still"))
        self.still_button.setToolTip(
            self.tr(
                "Save the highlighted tile's picture with time, camera and place burned in, "
                "linked to the selected incident (Ctrl+T)"
            )
        )
        self.still_button.setShortcut(QKeySequence("Ctrl+T"))
        self.still_button.clicked.connect(lambda: self.take_still())
        self.close_tile = QPushButton(self.tr("Close tile"))
        self.close_tile.clicked.connect(lambda: self.close_camera(self.active_index))
        bar.addWidget(self.layout_choice)
        bar.addWidget(self.near_incident)
        bar.addWidget(self.still_button)
        bar.addWidget(self.close_tile)
        bar.addStretch(1)
        outer.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Find a camera"))
        self.filter.textChanged.connect(self._fill_camera_list)
        self.camera_list = CameraListWidget()
        self.camera_list.itemDoubleClicked.connect(self._on_camera_list_double_clicked)
        side_layout.addWidget(self.filter)
        side_layout.addWidget(self.camera_list, 1)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(2)
        self.grid.setContentsMargins(0, 0, 0, 0)
        split.addWidget(side)
        split.addWidget(self.grid_host)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 600])
        outer.addWidget(split, 1)
        self.notice = QLabel()
        # When a critical incident arrives the wall offers its nearest cameras (or, by
        # setting, opens them at once).
        self.offer = QPushButton()
        self.offer.hide()
        self.offer.clicked.connect(lambda: self.open_nearest_to(self._offered))
        self._offered: str | None = None
        low = QHBoxLayout()
        low.addWidget(self.notice, 1)
        low.addWidget(self.offer)
        outer.addLayout(low)
        self._fill_camera_list()

    def _fill_camera_list(self) -> None:
        text = self.filter.text().strip().casefold()
        self.camera_list.clear()
        shown = 0
        for camera in self.context.city.cameras:
            if (
                text
                and text not in camera.id.casefold()
                and text not in camera.name.casefold()
                and text not in camera.name_en.casefold()
            ):
                continue
            item = QListWidgetItem(
                f"{camera.id}  {self.context.pick(camera.name, camera.name_en)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, camera.id)
            self.camera_list.addItem(item)
            shown += 1
            if shown >= LIST_LIMIT:
                break

    def set_layout_size(self, size: int) -> None:
        """Show ``size`` tiles (1, 4, 9 … 64); cameras beyond the new size are closed."""
        for index in range(size, len(self.tiles)):
            self.close_camera(index)
        while len(self.tiles) < size:
            tile = VideoTile(len(self.tiles))
            tile.activated.connect(self._on_tile_activated)
            tile.toggledFull.connect(self._on_tile_toggled_full)
            tile.cameraDropped.connect(lambda index, camera_id: self.open_camera(camera_id, index))
            self.tiles.append(tile)
        del self.tiles[size:]
        self.full_index = None
        if self.layout_choice.currentData() != size:
            self.layout_choice.blockSignals(True)
            self.layout_choice.setCurrentIndex(LAYOUTS.index(size))
            self.layout_choice.blockSignals(False)
        self._place_tiles()
        self.active_index = min(self.active_index, size - 1)
        self._mark_active()
        self._adapt_decoding()

    def _place_tiles(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
        shown = [self.tiles[self.full_index]] if self.full_index is not None else self.tiles
        columns = math.ceil(math.sqrt(len(shown)))
        for i, tile in enumerate(shown):
            self.grid.addWidget(tile, i // columns, i % columns)
            tile.show()

    def _mark_active(self) -> None:
        for tile in self.tiles:
            tile.active = tile.index == self.active_index
            tile.update()

    def _on_tile_activated(self, index: int) -> None:
        self.active_index = index
        self._mark_active()
        camera = self.tiles[index].camera
        if camera is not None:
            self.context.selection.select_camera(camera.id, origin=self)

    def _on_tile_toggled_full(self, index: int) -> None:
        self.full_index = None if self.full_index is not None else index
        self._place_tiles()
        self._adapt_decoding()

    # -- opening and closing --------------------------------------------------------------

    def open_camera(
        self,
        camera_id: str,
        index: int | None = None,
        *,
        purpose: str = "monitoring",
        incident_id: str | None = None,
        note: str = "",
    ) -> VideoTile:
        """Show a camera of the city in a tile (the active one by default); the view is logged."""
        camera = self.context.city.camera(camera_id)
        tile = self.open_url(demo_stream_url(camera), index, camera=camera, note=note)
        self._log_view(camera_id, purpose, "open", incident_id)
        return tile

    def open_url(
        self, url: str, index: int | None = None, *, camera: Camera | None = None, note: str = ""
    ) -> VideoTile:
        """Show any stream address in a tile."""
        index = self.active_index if index is None else index
        self.close_camera(index)
        tile = self.tiles[index]
        tile.camera, tile.url, tile.note = camera, url, note
        tile.worker = CaptureWorker(url, size=self._tile_size(tile))
        if self.isVisible():
            tile.worker.start()
        tile.refresh_state()
        tile.update()
        self._adapt_decoding()
        self.active_index = (index + 1) % len(self.tiles)
        self._mark_active()
        return tile

    def close_camera(self, index: int) -> None:
        """Stop a tile's stream and clear it (the closing is logged for a city camera)."""
        if index >= len(self.tiles):
            return
        tile = self.tiles[index]
        if tile.worker is not None:
            # Never wait on the GUI thread: the worker ends within its read timeout.
            tile.worker.request_stop()
        if tile.camera is not None:
            self._log_view(tile.camera.id, "monitoring", "close", None)
        tile.clear()

    def open_nearest_to_selected_incident(self) -> list[VideoTile]:
        """Fill the wall with the cameras nearest the selected incident, each with its distance."""
        return self.open_nearest_to(self.context.selection.incident_id)

    def open_nearest_to(self, incident_id: str | None) -> list[VideoTile]:
        """Fill the wall with the cameras nearest an incident, each with its distance."""
        self.offer.hide()
        incident = self.context.store.state.incidents.get(incident_id or "")
        if incident is None:
            self.notice.setText(self.tr("Select an incident first."))
            return []
        hits = nearest_cameras(self.context.city, incident.lat, incident.lon, len(self.tiles))
        opened = []
        for index, hit in enumerate(hits):
            note = f"{hit.distance_m:.0f} m" + ("" if hit.faces else " ↺")
            opened.append(
                self.open_camera(
                    hit.id,
                    index,
                    purpose=f"incident {incident.id}",
                    incident_id=incident.id,
                    note=note,
                )
            )
        self.notice.setText(self.tr("Cameras nearest %1").replace("%1", incident.id))
        return opened

    def take_still(self, index: int | None = None) -> Future[StillRecord] | None:
        """Save the tile's current picture as evidence, off the GUI thread.

        The still is linked to the selected incident (if any) by an evidence event carrying
        the file's SHA-256. Returns the pending save, or None when the tile shows nothing.
        """
        tile = self.tiles[self.active_index if index is None else index]
        image = tile.last_image()
        if image is None or tile.camera is None:
            self.notice.setText(self.tr("The highlighted tile shows no camera picture."))
            return None
        camera = tile.camera
        incident_id = self.context.selection.incident_id
        folder = self.context.settings.evidence_dir
        taken_ms = tile.frame_ms or time.time_ns() // 1_000_000
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="still")
        future = executor.submit(
            save_still,
            image,
            folder,
            camera_id=camera.id,
            taken_ms=taken_ms,
            lat=camera.lat,
            lon=camera.lon,
            incident_id=incident_id,
        )
        executor.shutdown(wait=False)

        def saved(record: StillRecord) -> None:
            event = EvidenceCaptured(
                incident_id, camera.id, "still", str(record.path), record.sha256, taken_ms
            ).to_new("workstation", self.context.actor)
            self.context.backend.publish([event])
            self.notice.setText(self.tr("Still saved: %1").replace("%1", str(record.path)))

        def failed(error: BaseException) -> None:
            self.notice.setText(self.tr("The still was not saved: %1").replace("%1", str(error)))

        self.context.invoker.when_done(future, saved, failed)
        return future

    def _log_view(
        self, camera_id: str, purpose: str, action: str, incident_id: str | None
    ) -> None:
        # Viewing crime-prevention CCTV is personal information: who, when, which, why.
        event = CameraViewed(camera_id, purpose, action, incident_id).to_new(
            "workstation", self.context.actor
        )
        self.context.backend.publish([event])

    def _on_selection_camera_selected(self, camera_id: str | None, origin: object) -> None:
        if origin is self or camera_id is None:
            return
        if any(t.camera is not None and t.camera.id == camera_id for t in self.tiles):
            return  # already on the wall
        self.open_camera(camera_id)

    def _on_store_incidents_reported(self, incident_ids: list[str]) -> None:
        incidents = self.context.store.state.incidents
        critical = [i for i in incident_ids if incidents[i].severity == 1]
        if not critical:
            return
        newest = critical[-1]
        if self.context.settings.video_auto_open:
            self.open_nearest_to(newest)
            return
        self._offered = newest
        self.offer.setText(self.tr("%1: open the nearest cameras").replace("%1", newest))
        self.offer.show()

    def _on_camera_list_double_clicked(self, item: QListWidgetItem) -> None:
        self.open_camera(str(item.data(Qt.ItemDataRole.UserRole)))

    # -- decoding and painting ------------------------------------------------------------

    def _tile_size(self, tile: VideoTile) -> tuple[int, int]:
        width = max(160, tile.width())
        return width, max(90, width * 9 // 16)

    def _adapt_decoding(self) -> None:
        # Many small tiles do not need every frame; a full-screen tile gets them all.
        shown = 1 if self.full_index is not None else len(self.tiles)
        rate = None if shown <= 16 else 12.0 if shown <= 36 else 6.0
        for tile in self.tiles:
            if tile.worker is not None:
                hidden = self.full_index is not None and tile.index != self.full_index
                tile.worker.set_paused(hidden)
                tile.worker.set_max_fps(rate)
                tile.worker.set_size(self._tile_size(tile))

    def _paint_frames(self) -> None:
        for tile in self.tiles:
            if tile.take_frame():
                tile.update()

    def _refresh_states(self) -> None:
        for tile in self.tiles:
            tile.refresh_state()

    def showEvent(self, event: QShowEvent) -> None:
        """Start decoding the cameras on the wall."""
        super().showEvent(event)
        for tile in self.tiles:
            if tile.url and tile.worker is not None and tile.worker.stopping:
                # A thread runs once: a stream shown again gets a fresh worker.
                tile.worker = CaptureWorker(tile.url, size=self._tile_size(tile))
            if tile.worker is not None:
                tile.worker.start()
        self._adapt_decoding()

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden wall decodes nothing: every worker is told to stop (they restart when
        shown); nobody waits for them on the GUI thread."""
        for tile in self.tiles:
            if tile.worker is not None:
                tile.worker.request_stop()
        super().hideEvent(event)
