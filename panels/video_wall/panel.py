"""The video wall: a grid of live tiles, a camera list, and cameras for the selected incident."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from functools import partial
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QHideEvent, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.city import Camera
from core.errors import CityroomError
from core.events import CameraMasksChanged, CameraViewed
from core.sop.definitions import ActionKind
from core.video.capture import CaptureWorker
from core.video.clip_library import ClipLibrary
from core.video.clips import ClipRecord
from core.video.evidence import StillRecord
from core.video.registry import StreamRegistryError
from layers.queries import nearest_cameras
from panels.video_wall.camera_list import CameraListWidget
from panels.video_wall.evidence import EvidenceDesk
from panels.video_wall.frames import FramePool, NewestOnly
from panels.video_wall.grid import LAYOUTS, decode_rate, layout_for, place_tiles
from panels.video_wall.keys import WallKeys
from panels.video_wall.playback import ScrubController, recording_key
from panels.video_wall.popout import PopOutWindow, other_screen
from panels.video_wall.recorded import ClipVideo, RingVideo
from panels.video_wall.replay import (
    REPLAY_DECODE_FPS,
    PastControls,
    RecordedTiles,
    load_review_clips,
    review_camera,
)
from panels.video_wall.scrub import ScrubBar, clock
from panels.video_wall.services import WallServices
from panels.video_wall.tile import VideoTile
from panels.video_wall.tour import CameraTour
from ui.context import AppContext
from ui.visibility import timer_while_visible

TOUR_DWELL_CHOICES = (5, 10, 20, 30, 60)


class VideoWallPanel(QWidget):
    """Live tiles fed by capture workers; a display timer paints, no signal per frame.

    In replay every open tile shows its camera's recording at the replayed instant instead;
    in an offline review, the bundle's clips of each camera that has some.
    """

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.services = WallServices(context.settings, context.notices)
        self.evidence = EvidenceDesk(
            context, self.services, lambda text: self.notice.setText(text)
        )
        self.tiles: list[VideoTile] = []
        self.popouts: list[PopOutWindow] = []
        self.active_index = 0
        self.full_index: int | None = None
        self.tour = CameraTour(self)
        self.tour.pageDue.connect(self._show_tour_page)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build()
        # Recorded frames (scrubbing, replay, review) are read and decoded by a few threads.
        self.readers = FramePool()
        self.scrubber = ScrubController(
            self.scrub,
            self.services.ready_ring,
            NewestOnly(context.invoker, self.readers),
            lambda: self.active_tile,
            self,
        )
        self.recorded = RecordedTiles(context.invoker, self.readers, self._recorded_size)
        self.recorded.source = RingVideo(self.services.ring_or_none)
        self.review_clips: ClipLibrary | None = None
        self.showing_past = False
        self.live_only = PastControls(self.still_button, self.tour_button)
        self.cameras_only = PastControls(self.near_incident, self.saved_layouts)
        self.keys = WallKeys(self)
        self.set_layout_size(4)
        context.selection.cameraSelected.connect(self._on_selection_camera_selected)
        # New incidents offer cameras only live: the view reports none while it replays.
        context.view.incidentsReported.connect(self._on_view_incidents_reported)
        context.view.originChanged.connect(self._on_view_origin_changed)
        context.view.positionChanged.connect(self._on_view_position_changed)
        if context.review_dir is not None:
            self._start_review(context.review_dir)
        elif context.view.is_replay:  # the wall was made while replaying
            self._show_past()
        # Procedure steps ask for cameras and stills through the shared action requests.
        context.actions.openCamerasRequested.connect(self._on_actions_open_cameras_requested)
        context.actions.stillRequested.connect(self._on_actions_still_requested)
        context.actions.offer(ActionKind.OPEN_CAMERAS, ActionKind.TAKE_STILL)
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
        self.saved_layouts = QToolButton()
        self.saved_layouts.setText(self.tr("Layouts"))
        self.saved_layouts.setToolTip(self.tr("Save the wall as a named layout, or restore one"))
        self.saved_layouts.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_layouts.setMenu(QMenu(self.saved_layouts))
        self.saved_layouts.menu().aboutToShow.connect(self._fill_layouts_menu)
        self.tour_button = QToolButton()
        self.tour_button.setText(self.tr("Tour"))
        self.tour_button.setCheckable(True)
        self.tour_button.setToolTip(
            self.tr("Cycle the listed cameras a wall-full at a time (the arrow sets how often)")
        )
        self.tour_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.tour_button.toggled.connect(self._on_tour_toggled)
        dwell_menu = QMenu(self.tour_button)
        for seconds in TOUR_DWELL_CHOICES:
            action = dwell_menu.addAction(self.tr("Every %1 s").replace("%1", str(seconds)))
            action.setCheckable(True)
            action.setChecked(seconds == self.context.settings.tour_dwell_s)
            action.triggered.connect(lambda _checked, s=seconds: self._set_tour_dwell(s))
        self.tour_button.setMenu(dwell_menu)
        bar.addWidget(self.layout_choice)
        bar.addWidget(self.saved_layouts)
        bar.addWidget(self.tour_button)
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
        self.scrub = ScrubBar()
        self.scrub.blur.setChecked(self.context.settings.blur_evidence)
        self.scrub.blur.toggled.connect(self._on_blur_toggled)
        self.scrub.markIn.connect(lambda: self.mark_clip("in"))
        self.scrub.markOut.connect(lambda: self.mark_clip("out"))
        self.scrub.clipRequested.connect(lambda: self.save_clip())
        outer.addWidget(self.scrub)
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
        cameras: Sequence[Camera] = self.context.city.cameras
        if self.context.review_dir is not None:
            # A review has no cameras to stream: only those with clips in the bundle.
            clips = getattr(self, "review_clips", None)
            found = clips.cameras() if clips is not None else []
            cameras = [review_camera(self.context.city, camera_id) for camera_id in found]
        self.camera_list.fill(
            cameras, self.filter.text(), lambda c: self.context.pick(c.name, c.name_en)
        )

    def set_layout_size(self, size: int) -> None:
        """Show ``size`` tiles (1, 4, 9 … 64); cameras beyond the new size are closed."""
        for index in range(size, len(self.tiles)):
            self.close_camera(index)
        while len(self.tiles) < size:
            tile = VideoTile(len(self.tiles))
            tile.activated.connect(self._on_tile_activated)
            tile.toggledFull.connect(self._on_tile_toggled_full)
            tile.maskDrawn.connect(self._on_tile_mask_drawn)
            tile.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            tile.customContextMenuRequested.connect(
                lambda pos, t=tile: self._show_tile_menu(t, t.mapToGlobal(pos))
            )
            tile.cameraDropped.connect(lambda index, camera_id: self.open_camera(camera_id, index))
            tile.set_replay(self.showing_past)
            self.tiles.append(tile)
        del self.tiles[size:]
        self.full_index = None
        self.keys.refresh()
        if self.layout_choice.currentData() != size:
            self.layout_choice.blockSignals(True)
            self.layout_choice.setCurrentIndex(LAYOUTS.index(size))
            self.layout_choice.blockSignals(False)
        self._place_tiles()
        self.active_index = min(self.active_index, size - 1)
        self._mark_active()
        self._adapt_decoding()

    def _place_tiles(self) -> None:
        shown = [self.tiles[self.full_index]] if self.full_index is not None else self.tiles
        place_tiles(self.grid, shown)

    def _mark_active(self) -> None:
        for tile in self.tiles:
            tile.active = tile.index == self.active_index
            tile.update()

    def _on_tile_activated(self, index: int) -> None:
        self.highlight_tile(index)

    def highlight_tile(self, index: int) -> None:
        """Highlight tile ``index`` (its camera becomes the selected one) and take the focus,
        so the wall's keys act on it."""
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.active_index = index
        self._mark_active()
        camera = self.tiles[index].camera
        if camera is not None:
            self.context.selection.select_camera(camera.id, origin=self)

    def _on_tile_toggled_full(self, index: int) -> None:
        self.toggle_enlarged(index)

    def toggle_enlarged(self, index: int) -> None:
        """Enlarge tile ``index`` to the whole wall, or back to every tile when one is."""
        self.full_index = None if self.full_index is not None else index
        self.keys.refresh()
        self._place_tiles()
        self._adapt_decoding()
        if self.showing_past:
            self.grid.activate()  # the tiles take their new sizes now, not at the next layout
            self._follow(self.context.view.now_ms())

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
        """Show a camera of the city in a tile (the active one by default); the view is logged.

        In replay the tile shows the camera's recording (a viewing logged as "replay"); in an
        offline review, the bundle's clips of the camera.
        """
        index = self.active_index if index is None else index
        if self.review_clips is not None or self.context.review_dir is not None:
            return self._open_review_camera(camera_id, index)
        camera = self.context.city.camera(camera_id)
        if self.context.view.is_replay:
            purpose = "replay"
        try:
            stream = self.services.stream_for(camera_id)
        except StreamRegistryError as error:
            self.close_camera(index)
            tile = self.tiles[index]
            tile.camera, tile.note = camera, note
            tile.show_problem(str(error))
            return tile
        url = stream.url_for(self._small_tiles())
        tile = self.open_url(url, index, camera=camera, note=note, transport=stream.transport)
        tile.stream = stream
        self._log_view(camera_id, purpose, "open", incident_id)
        return tile

    def open_url(
        self,
        url: str,
        index: int | None = None,
        *,
        camera: Camera | None = None,
        note: str = "",
        transport: str = "tcp",
    ) -> VideoTile:
        """Show any stream address in a tile."""
        index = self.active_index if index is None else index
        self.close_camera(index)
        tile = self.tiles[index]
        tile.camera, tile.url, tile.note, tile.transport = camera, url, note, transport
        tile.worker = self._new_worker(tile)
        if self.isVisible():
            tile.worker.start()
        tile.refresh_state()
        tile.update()
        self._adapt_decoding()
        self.active_index = (index + 1) % len(self.tiles)
        self._mark_active()
        if self.showing_past and self.isVisible():
            self.recorded.show_tile(tile, self.context.view.now_ms())
        return tile

    def _open_review_camera(self, camera_id: str, index: int) -> VideoTile:
        """Show a camera's clips in an offline review (no stream, nothing logged: the review
        is read-only)."""
        clips = self.review_clips
        self.close_camera(index)
        tile = self.tiles[index]
        if clips is None or not clips.clips(camera_id):
            self.notice.setText(
                self.tr("%1 has no clips in this review.").replace("%1", camera_id)
            )
            return tile
        tile.camera = review_camera(self.context.city, camera_id)
        tile.update()
        self.active_index = (index + 1) % len(self.tiles)
        self._mark_active()
        if self.isVisible():
            self.recorded.show_tile(tile, self.context.view.now_ms())
        return tile

    def _new_worker(self, tile: VideoTile) -> CaptureWorker:
        camera_id = tile.camera.id if tile.camera is not None else None
        return self.services.make_worker(
            str(tile.url), self._tile_size(tile), camera_id=camera_id, transport=tile.transport
        )

    def close_camera(self, index: int) -> None:
        """Stop a tile's stream and clear it (the closing is logged for a city camera)."""
        if index >= len(self.tiles):
            return
        tile = self.tiles[index]
        if tile.worker is not None:
            # Never wait on the GUI thread: the worker ends within its read timeout.
            tile.worker.request_stop()
        if tile.camera is not None:
            purpose = "replay" if self.context.view.is_replay else "monitoring"
            self._log_view(tile.camera.id, purpose, "close", None)
        tile.clear()

    def open_nearest_to_selected_incident(self) -> list[VideoTile]:
        """Fill the wall with the cameras nearest the selected incident, each with its distance."""
        return self.open_nearest_to(self.context.selection.incident_id)

    def open_nearest_to(
        self, incident_id: str | None, count: int | None = None, radius_m: float | None = None
    ) -> list[VideoTile]:
        """Fill the wall with the cameras nearest an incident, each with its distance:
        ``count`` of them (the wall grows to hold them; default: every tile), only those
        within ``radius_m`` if given."""
        self.offer.hide()
        if self.context.review_dir is not None:
            self.notice.setText(self._past_reason())
            return []
        # In replay: the incident as it was, its cameras shown as they recorded then.
        incident = self.context.view.state.incidents.get(incident_id or "")
        if incident is None:
            self.notice.setText(self.tr("Select an incident first."))
            return []
        if count is not None and count > len(self.tiles):
            self.set_layout_size(layout_for(count))
        wanted = len(self.tiles) if count is None else min(count, len(self.tiles))
        hits = nearest_cameras(self.context.city, incident.lat, incident.lon, wanted)
        if radius_m is not None:
            hits = [h for h in hits if h.distance_m <= radius_m]
            if not hits:
                self.notice.setText(
                    self.tr("No camera within %1 m of %2.")
                    .replace("%1", f"{radius_m:.0f}")
                    .replace("%2", incident.id)
                )
                return []
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

    def _on_actions_open_cameras_requested(
        self, incident_id: str, count: int, radius_m: float | None
    ) -> None:
        self.open_nearest_to(incident_id, count, radius_m)

    def _on_actions_still_requested(self, incident_id: str) -> None:
        # A still is linked to the selected incident; one asked for another would be misfiled.
        if incident_id != self.context.selection.incident_id:
            self.notice.setText(
                self.tr("Select %1 to take a still for it.").replace("%1", incident_id)
            )
            return
        self.take_still()

    def _say(self, text: str) -> None:
        self.notice.setText(text)

    @property
    def active_tile(self) -> VideoTile:
        """The highlighted tile (where the next camera opens and what the scrub bar shows)."""
        return self.tiles[min(self.active_index, len(self.tiles) - 1)]

    def take_still(self, index: int | None = None) -> Future[StillRecord] | None:
        """Save the tile's current picture (live or recorded) as evidence, off the GUI thread.

        The still is linked to the selected incident (if any) by an evidence event carrying
        the file's SHA-256. Returns the pending save, or None when the tile shows nothing.
        """
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return None
        tile = self.tiles[self.active_index if index is None else index]
        image = tile.last_image()
        if image is None or tile.camera is None:
            self.notice.setText(self.tr("The highlighted tile shows no camera picture."))
            return None
        return self.evidence.take_still(tile.camera, image, tile.frame_ms)

    def mark_clip(self, which: str) -> None:
        """Set the highlighted camera's clip in ("in") or out ("out") point where it is now."""
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return
        start, end = self.scrubber.mark(which)
        parts = [
            self.tr("in %1").replace("%1", clock(start)) if start else "",
            self.tr("out %1").replace("%1", clock(end)) if end else "",
        ]
        self.notice.setText(self.tr("Clip: %1").replace("%1", " · ".join(p for p in parts if p)))

    def save_clip(self) -> Future[ClipRecord] | None:
        """Save the highlighted camera's recording between its in and out points."""
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return None
        tile = self.active_tile
        key = recording_key(tile)
        start, end = self.scrubber.marks.get(key or "", (None, None))
        if tile.camera is None or start is None or end is None:
            self.notice.setText(
                self.tr("Mark the clip's in and out points on a camera first (I and O).")
            )
            return None
        return self.evidence.save_clip(tile.camera, start, end)

    def _on_blur_toggled(self, on: bool) -> None:
        self.context.settings.blur_evidence = on

    def draw_mask(self, index: int | None = None) -> None:
        """Let the operator drag a rectangle on a tile to mask that part of the camera."""
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return
        tile = self.tiles[self.active_index if index is None else index]
        if tile.camera is None or self.services.masks is None:
            self.notice.setText(
                self.tr("Privacy masks need a city camera and a readable mask file.")
            )
            return
        tile.start_mask()
        self.notice.setText(
            self.tr("Drag over the part of %1 that must never be shown.").replace(
                "%1", tile.camera.id
            )
        )

    def _on_tile_mask_drawn(self, index: int, polygon: list[list[float]]) -> None:
        camera = self.tiles[index].camera
        if camera is None:
            return
        masks = [*self.services.masks_of(camera.id), polygon]
        self._set_masks(camera.id, masks)

    def clear_masks(self, index: int | None = None) -> None:
        """Remove every privacy mask of a tile's camera."""
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return
        camera = self.tiles[self.active_index if index is None else index].camera
        if camera is not None:
            self._set_masks(camera.id, [])

    def _set_masks(self, camera_id: str, masks: Sequence[Sequence[Sequence[float]]]) -> None:
        store = self.services.masks
        if store is None:
            return
        try:
            store.set_masks(camera_id, masks)
            store.save()
        except (OSError, CityroomError) as error:
            self.notice.setText(self.tr("The masks were not saved: %1").replace("%1", str(error)))
            return
        # Who changed what the wall may show is part of the privacy record.
        event = CameraMasksChanged(camera_id, len(masks)).to_new("workstation", self.context.actor)
        self.context.backend.publish([event])
        self.notice.setText(
            self.tr("%1 has %2 privacy masks.")
            .replace("%1", camera_id)
            .replace("%2", str(len(masks)))
        )

    def _log_view(
        self, camera_id: str, purpose: str, action: str, incident_id: str | None
    ) -> None:
        # Viewing crime-prevention CCTV is personal information: who, when, which, why.
        if self.context.review_dir is not None:
            return  # an offline review is read-only: its log is the bundle's
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

    def _on_view_incidents_reported(self, incident_ids: list[str]) -> None:
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

    # -- saved layouts, tours, pop-outs ---------------------------------------------------

    def save_layout(self, name: str) -> None:
        """Remember the wall (tile count and cameras) under ``name`` for this operator."""
        cameras = [t.camera.id if t.camera is not None else None for t in self.tiles]
        self.context.settings.save_video_layout(self.context.actor, name, len(self.tiles), cameras)
        self.notice.setText(self.tr("Layout saved: %1").replace("%1", name))

    def restore_layout(self, name: str) -> None:
        """Bring back a saved layout: its tile count and its cameras in their tiles."""
        layout = self.context.settings.video_layouts(self.context.actor).get(name)
        if layout is None:
            self.notice.setText(self.tr("There is no saved layout called %1.").replace("%1", name))
            return
        self.tour_button.setChecked(False)
        size = int(str(layout["size"]))
        self.set_layout_size(size if size in LAYOUTS else 4)
        cameras = list(layout["cameras"])  # type: ignore[call-overload]
        missing = []
        for index, tile in enumerate(self.tiles):
            camera_id = cameras[index] if index < len(cameras) else None
            if camera_id is None:
                self.close_camera(index)
            elif self.context.city.has_camera(str(camera_id)):
                if tile.camera is None or tile.camera.id != camera_id:
                    self.open_camera(str(camera_id), index, purpose=f"layout {name}")
            else:
                missing.append(str(camera_id))
                self.close_camera(index)
        self.active_index = 0
        self._mark_active()
        text = self.tr("Layout %1").replace("%1", name)
        if missing:
            text += " · " + self.tr("cameras no longer in the city: %1").replace(
                "%1", ", ".join(missing)
            )
        self.notice.setText(text)

    def _fill_layouts_menu(self) -> None:
        menu = self.saved_layouts.menu()
        menu.clear()
        menu.addAction(self.tr("Save this layout as…"), self._ask_layout_name)
        saved = sorted(self.context.settings.video_layouts(self.context.actor))
        if not saved:
            return
        menu.addSeparator()
        for name in saved:
            menu.addAction(name, partial(self.restore_layout, name))
        delete = menu.addMenu(self.tr("Delete"))
        for name in saved:
            delete.addAction(name, partial(self._delete_layout, name))

    def _ask_layout_name(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Save layout"), self.tr("Layout name:"))
        if ok and name.strip():
            self.save_layout(name.strip())

    def _delete_layout(self, name: str) -> None:
        self.context.settings.delete_video_layout(self.context.actor, name)
        self.notice.setText(self.tr("Layout deleted: %1").replace("%1", name))

    def listed_camera_ids(self) -> list[str]:
        """The cameras the list shows now (the filter applied)."""
        return self.camera_list.camera_ids()

    def _on_tour_toggled(self, on: bool) -> None:
        if on and self.showing_past:
            self.tour_button.setChecked(False)
            return
        if not on:
            self.tour.stop()
            self.notice.setText(self.tr("Tour stopped."))
            return
        cameras = self.listed_camera_ids()
        if not cameras:
            self.notice.setText(self.tr("No cameras listed to tour: clear or change the filter."))
            self.tour_button.setChecked(False)
            return
        self.tour.start(cameras, len(self.tiles), self.context.settings.tour_dwell_s)

    def _set_tour_dwell(self, seconds: int) -> None:
        self.context.settings.tour_dwell_s = seconds
        for action in self.tour_button.menu().actions():
            action.setChecked(action.text() == self.tr("Every %1 s").replace("%1", str(seconds)))
        if self.tour.running:
            self.tour.start(self.listed_camera_ids(), len(self.tiles), seconds)

    def _show_tour_page(self, camera_ids: list[str]) -> None:
        for index in range(len(self.tiles)):
            if index < len(camera_ids):
                self.open_camera(camera_ids[index], index, purpose="tour")
            else:
                self.close_camera(index)
        self.active_index = 0
        self._mark_active()
        self.notice.setText(
            self.tr("Tour: page %1 of %2")
            .replace("%1", str(self.tour.page + 1))
            .replace("%2", str(self.tour.pages))
        )

    def pop_out(
        self, index: int | None = None, *, full_screen: bool = False
    ) -> PopOutWindow | None:
        """Show a tile's camera in a window of its own, on another monitor when there is one."""
        if self.showing_past:
            self.notice.setText(self._past_reason())
            return None
        tile = self.tiles[self.active_index if index is None else index]
        if tile.url is None:
            self.notice.setText(self.tr("The highlighted tile shows no camera."))
            return None
        camera = tile.camera
        title = f"{camera.id} · {camera.name}" if camera is not None else tile.url
        window = PopOutWindow(
            tile.url,
            camera,
            title,
            lambda url, size: self.services.make_worker(
                url,
                size,
                camera_id=camera.id if camera is not None else None,
                transport=tile.transport,
                record=False,
            ),
            self,
        )
        window.tile.note = tile.note
        window.closed.connect(self._on_popout_closed)
        self.popouts.append(window)
        if camera is not None:
            self._log_view(camera.id, "monitoring (separate window)", "open", None)
        window.show_on(other_screen(self.screen()), full_screen)
        return window

    def _on_popout_closed(self, window: PopOutWindow) -> None:
        if window in self.popouts:
            self.popouts.remove(window)
            if window.tile.camera is not None:
                self._log_view(
                    window.tile.camera.id, "monitoring (separate window)", "close", None
                )

    def _show_tile_menu(self, tile: VideoTile, where: QPoint) -> None:
        self._on_tile_activated(tile.index)
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        has_camera = tile.url is not None or tile.camera is not None
        live = not self.showing_past
        # (text, slot, enabled, acts on the live camera or records evidence)
        actions: list[tuple[str, object, bool, bool]] = [
            (self.tr("Pop out to a window"), lambda: self.pop_out(tile.index), has_camera, True),
            (
                self.tr("Full screen (F11)"),
                lambda: self.pop_out(tile.index, full_screen=True),
                has_camera,
                True,
            ),
            (
                self.tr("Enlarge in the wall (Enter)"),
                lambda: self.toggle_enlarged(tile.index),
                True,
                False,
            ),
            (self.tr("Still (Ctrl+T)"), lambda: self.take_still(tile.index), has_camera, True),
            (
                self.tr("Close tile (Del)"),
                lambda: self.close_camera(tile.index),
                has_camera,
                False,
            ),
            (
                self.tr("Draw a privacy mask"),
                lambda: self.draw_mask(tile.index),
                tile.camera is not None,
                True,
            ),
            (
                self.tr("Remove this camera's privacy masks"),
                lambda: self.clear_masks(tile.index),
                bool(self.services.masks_of(tile.camera.id if tile.camera else None)),
                True,
            ),
        ]
        for text, slot, enabled, live_only in actions:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            action.setEnabled(enabled and (live or not live_only))
            if live_only and not live:
                action.setToolTip(self._past_reason())
            menu.addAction(action)
        menu.popup(where)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A key a part of the wall let through (the camera list, a button) does what it
        does on the wall itself (``keys.WallKeys``)."""
        if not self.keys.handle(event):
            super().keyPressEvent(event)

    # -- decoding and painting ------------------------------------------------------------

    def _tile_size(self, tile: VideoTile) -> tuple[int, int]:
        width = max(160, tile.width())
        return width, max(90, width * 9 // 16)

    def _small_tiles(self) -> bool:
        """Whether the tiles are small enough for the cameras' sub-streams (more than four
        shown at once)."""
        return self.full_index is None and len(self.tiles) > 4

    def _adapt_decoding(self) -> None:
        rate = decode_rate(1 if self.full_index is not None else len(self.tiles))
        if self.showing_past:
            rate = min(rate or REPLAY_DECODE_FPS, REPLAY_DECODE_FPS)
        small = self._small_tiles()
        for tile in self.tiles:
            wanted = tile.stream.url_for(small) if tile.stream is not None else tile.url
            if tile.worker is not None and wanted != tile.url:
                # Switch between the camera's main and sub-stream (not a new view to log).
                tile.worker.request_stop()
                tile.url = wanted
                tile.worker = self._new_worker(tile)
                if self.isVisible():
                    tile.worker.start()
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
        if not self.showing_past:
            self.scrubber.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Start decoding the cameras on the wall."""
        super().showEvent(event)
        for tile in self.tiles:
            if tile.url and tile.worker is not None and tile.worker.stopping:
                # A thread runs once: a stream shown again gets a fresh worker.
                tile.worker = self._new_worker(tile)
            if tile.worker is not None:
                tile.worker.start()
        self._adapt_decoding()
        if self.showing_past:
            self._follow(self.context.view.now_ms())

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden wall decodes nothing: every worker is told to stop (they restart when
        shown); nobody waits for them on the GUI thread."""
        for tile in self.tiles:
            if tile.worker is not None:
                tile.worker.request_stop()
        # Recorded frames waiting to be read are dropped and the reader threads let go.
        self.recorded.forget()
        self.scrubber.forget()
        self.readers.shutdown()
        if not self.window().isVisible():
            # The main window is closing: its separate camera windows go with it.
            self.tour_button.setChecked(False)
            self.scrubber.stop()
            for window in list(self.popouts):
                window.close()
            if self.review_clips is not None:
                self.review_clips.close()  # its files; a later read opens them again
        super().hideEvent(event)

    # -- the past: replay and offline review ------------------------------------------------

    def _past_reason(self) -> str:
        if self.context.review_dir is not None:
            return self.tr("An offline review shows the bundle's recorded clips only.")
        return self.tr("Replay shows the past: press F8 to go back to live to act.")

    def _recorded_size(self, tile: VideoTile) -> tuple[int, int]:
        return max(160, tile.width()), max(90, tile.height())

    def _on_view_origin_changed(self, _origin: str) -> None:
        if self.context.review_dir is not None:
            self._follow(self.context.view.now_ms())  # a review always shows recordings
        elif self.context.view.is_replay:
            self._show_past()
        else:
            self._show_live()

    def _on_view_position_changed(self, _position_ms: int) -> None:
        if self.showing_past:
            # The view's own instant: the signal's value is not needed (and a 32-bit one
            # could not hold a millisecond timestamp).
            self._follow(self.context.view.now_ms())

    def _follow(self, at_ms: int) -> None:
        """Ask each tile on screen for its camera's recorded picture at ``at_ms``."""
        if not self.isVisible():
            return  # a hidden wall reads nothing; it catches up when shown
        shown = [self.tiles[self.full_index]] if self.full_index is not None else self.tiles
        self.recorded.show(shown, at_ms)

    def _show_past(self) -> None:
        """Every tile on its recording at the view's instant; live-only controls off."""
        if self.showing_past:
            return
        self.showing_past = True
        reason = self._past_reason()
        self.tour_button.setChecked(False)
        self.live_only.set_off(reason)
        if self.context.review_dir is not None:
            self.cameras_only.set_off(reason)
        self.scrub.set_off(reason)
        self.keys.refresh()
        self.offer.hide()
        for tile in self.tiles:
            tile.set_replay(True)
            if tile.camera is not None:
                # Looking at what a camera recorded is a viewing of its own.
                self._log_view(tile.camera.id, "replay", "open", None)
        self._adapt_decoding()
        self._follow(self.context.view.now_ms())

    def _show_live(self) -> None:
        """Back to the live pictures and controls."""
        if not self.showing_past:
            return
        self.showing_past = False
        self.recorded.forget()
        for tile in self.tiles:
            tile.set_replay(False)
            if tile.camera is not None:
                self._log_view(tile.camera.id, "replay", "close", None)
        self.live_only.set_off(None)
        self.scrub.set_off(None)
        self.keys.refresh()
        self.scrubber.refresh()
        self._adapt_decoding()

    def _start_review(self, review_dir: Path) -> None:
        """An offline review: the wall shows the bundle's clips, once its events are loaded."""
        self._show_past()
        self.camera_list.clear()
        self.notice.setText(self.tr("Looking for the bundle's video clips…"))
        store = self.context.store
        if store.is_loaded:
            self._load_review(review_dir)
        else:
            store.loaded.connect(lambda: self._load_review(review_dir))

    def _load_review(self, review_dir: Path) -> None:
        if self.review_clips is not None:
            return  # loaded once: a bundle does not change
        incidents = list(self.context.store.state.incidents)
        future = load_review_clips(self.context.backend, incidents, review_dir / "evidence")

        def failed(error: BaseException) -> None:
            self.notice.setText(
                self.tr("The bundle's clips cannot be read: %1").replace("%1", str(error))
            )

        self.context.invoker.when_done(future, self._review_loaded, failed)

    def _review_loaded(self, clips: ClipLibrary) -> None:
        """Show each camera that has clips in a tile of its own; list only those."""
        if self.review_clips is not None:
            clips.close()
            return
        self.review_clips = clips
        self.recorded.source = ClipVideo(clips)
        self._fill_camera_list()
        cameras = clips.cameras()
        if not cameras:
            self.notice.setText(self.tr("This bundle has no video clips."))
            return
        shown = cameras[: LAYOUTS[-1]]
        self.set_layout_size(layout_for(len(shown)))
        for index, camera_id in enumerate(shown):
            self._open_review_camera(camera_id, index)
        self.active_index = 0
        self._mark_active()
        self.notice.setText(
            self.tr("Offline review: clips of %1 cameras.").replace("%1", str(len(cameras)))
        )
