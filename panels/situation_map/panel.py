"""The situation map: Leaflet in QtWebEngine, fed over a web channel from what the workstation
shows (``context.view``): the live city, or the city as it was at a replay instant."""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QHideEvent, QShowEvent
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.city import Facility
from core.city.kinds import FacilityKind
from core.events import EventRecord, EventType
from core.sop.definitions import ActionKind
from layers.city_layers import (
    batches,
    boundaries,
    camera_columns,
    facility_rows,
    incident_row,
    sensor_rows,
)
from layers.errors import OFFERED_CRS
from layers.map_page import MAP_ROOT, build_page_html
from layers.places import search_places, to_epsg
from layers.queries import CameraHit, cameras_within, nearest_cameras
from panels.situation_map.attributes import AttributeTableDialog
from panels.situation_map.bridge import MapBridge
from panels.situation_map.offline import LocalOnlyInterceptor
from panels.situation_map.replay_mark import ReplayMark
from panels.situation_map.tiles import shared_tile_handler, tile_url
from panels.situation_map.user_layers import PALETTE, UserLayer, UserLayerLoader
from ui.context import AppContext
from ui.visibility import timer_while_visible

CAMERA_BATCH = 5000


def _distance(metres: float) -> str:
    return f"{metres / 1000:.2f} km" if metres >= 1000 else f"{metres:.0f} m"


def _area(square_metres: float) -> str:
    if square_metres >= 1_000_000:
        return f"{square_metres / 1_000_000:.3f} km²"
    return f"{square_metres:,.0f} m²"


class MapPanel(QWidget):
    """The map, its layer list, place search, coordinate readout and PNG export."""

    camerasLoaded = Signal(int)
    layerShown = Signal(str)  # user layer id, once the page has drawn it

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.bridge = MapBridge(self)
        self.interceptor = LocalOnlyInterceptor(parent=self)
        self._pending_incidents: set[str] = set()
        self._pending_sensors: set[str] = set()
        self._shown_incidents: set[str] = set()
        self._camera_batches: list[Any] = []
        self._camera_index = {c.id: i for i, c in enumerate(context.city.cameras)}
        self.cameras_sent = 0
        # How long the page took for each live update (ms), for diagnostics and benchmarks.
        self.update_times: deque[float] = deque(maxlen=2000)
        self.user_layers: dict[str, UserLayer] = {}
        self.loader = UserLayerLoader(context.invoker, self)
        self._build()
        self.replay_mark = ReplayMark(self.view, context.view)
        self._connect()
        self._flush_timer = timer_while_visible(self, 250, self._flush)
        self._load_page()

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Find a district or neighbourhood (Enter)"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        names = sorted(
            {d.name for d in self.context.city.districts}
            | {d.name_en for d in self.context.city.districts}
            | {n.name for n in self.context.city.neighbourhoods}
            | {n.name_en for n in self.context.city.neighbourhoods}
        )
        completer = QCompleter(QStringListModel(names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.search.setCompleter(completer)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.coords = QLabel("—")
        self.coords.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.export_button = QPushButton(self.tr("Export PNG…"))
        self.export_button.clicked.connect(self._on_export_clicked)
        self.open_button = QPushButton(self.tr("Open layer…"))
        self.open_button.setToolTip(
            self.tr(
                "GeoJSON, GeoPackage, Shapefile (file, folder or zip), KML, CSV, GeoTIFF; "
                "or drop files on the map"
            )
        )
        self.open_button.clicked.connect(self._on_open_clicked)
        self.tool = QComboBox()
        self.tool.addItem(self.tr("Select"), "select")
        self.tool.addItem(self.tr("Nearest cameras"), "nearest")
        self.tool.addItem(self.tr("Cameras within radius"), "radius")
        self.tool.addItem(self.tr("Measure"), "measure")
        self.tool.setToolTip(self.tr("What a click on the map does"))
        self.tool.currentIndexChanged.connect(self._on_tool_changed)
        self.tool_size = QSpinBox()
        self.tool_size.setRange(1, 2000)
        self.tool_size.setValue(4)
        self.tool_size.hide()  # only the nearest and radius tools take a number
        self.near_incident = QPushButton(self.tr("Cameras near incident"))
        self.near_incident.setToolTip(self.tr("The nearest cameras to the selected incident"))
        self.near_incident.clicked.connect(self.cameras_near_selected_incident)
        self.bookmarks = QToolButton()
        self.bookmarks.setText(self.tr("Bookmarks"))
        self.bookmarks.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bookmarks.setMenu(QMenu(self.bookmarks))
        self.bookmarks.menu().aboutToShow.connect(self._fill_bookmarks)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.tool)
        bar.addWidget(self.tool_size)
        bar.addWidget(self.near_incident)
        bar.addWidget(self.bookmarks)
        bar.addWidget(self.open_button)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        progress_row = QHBoxLayout()
        progress_row.setContentsMargins(4, 0, 4, 0)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.loader.cancel)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_box = QWidget()
        self.progress_box.setLayout(progress_row)
        self.progress_box.hide()
        layout.addWidget(self.progress_box)
        self.status = QLabel(self.tr("Loading the map…"))
        self.status.setObjectName("banner")
        layout.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.layer_list = QTreeWidget()
        self.layer_list.setHeaderHidden(True)
        self.layer_list.setMaximumWidth(220)
        self._fill_layer_list()
        self.layer_list.itemChanged.connect(self._on_layer_list_item_changed)
        self.layer_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.layer_list.customContextMenuRequested.connect(self._on_layer_list_context_menu)
        profile = QWebEngineProfile.defaultProfile()
        profile.setUrlRequestInterceptor(self.interceptor)
        self.tiles = shared_tile_handler(profile)
        self.view = QWebEngineView()
        # Files dropped on the map are layers to open, never pages to navigate to.
        self.view.setAcceptDrops(False)
        self.setAcceptDrops(True)
        self.page = QWebEnginePage(profile, self.view)
        self.view.setPage(self.page)
        self.channel = QWebChannel(self.page)
        self.channel.registerObject("bridge", self.bridge)
        self.page.setWebChannel(self.channel)
        split.addWidget(self.layer_list)
        split.addWidget(self.view)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 1000])
        layout.addWidget(split, 1)
        # The pointer's position, under the map where the eye already is.
        self.coords.setContentsMargins(6, 0, 6, 2)
        layout.addWidget(self.coords)

    def _fill_layer_list(self) -> None:
        groups = [
            (self.tr("Incidents"), "incidents", []),
            (
                self.tr("Cameras"),
                None,
                [
                    (self.tr("Crime prevention"), "cameras.crime_prevention"),
                    (self.tr("Traffic"), "cameras.traffic"),
                    (self.tr("Disaster"), "cameras.disaster"),
                    (self.tr("Parking / LPR"), "cameras.parking_lpr"),
                ],
            ),
            (self.tr("Sensors"), "sensors", []),
            (self.tr("Facilities"), "facilities", []),
            (
                self.tr("Basemap"),
                None,
                [
                    (self.tr("District names"), "district_labels"),
                    (self.tr("Districts"), "districts"),
                    (self.tr("Neighbourhoods"), "neighbourhoods"),
                ],
            ),
        ]
        self.layer_items: dict[str, QTreeWidgetItem] = {}
        for title, layer_id, children in groups:
            top = QTreeWidgetItem([title])
            self.layer_list.addTopLevelItem(top)
            for child_title, child_id in children:
                item = QTreeWidgetItem([child_title])
                item.setData(0, Qt.ItemDataRole.UserRole, child_id)
                item.setCheckState(0, Qt.CheckState.Checked)
                top.addChild(item)
                self.layer_items[child_id] = item
            if layer_id:
                top.setData(0, Qt.ItemDataRole.UserRole, layer_id)
                top.setCheckState(0, Qt.CheckState.Checked)
                self.layer_items[layer_id] = top
            top.setExpanded(True)

    def _connect(self) -> None:
        view, selection = self.context.view, self.context.selection
        view.incidentsChanged.connect(self._on_view_incidents_changed)
        view.eventsApplied.connect(self._on_view_events_applied)
        view.loaded.connect(self._on_view_loaded)
        selection.incidentSelected.connect(self._on_selection_incident_selected)
        selection.cameraSelected.connect(self._on_selection_camera_selected)
        self.bridge.pageReady.connect(self._on_bridge_page_ready)
        self.bridge.itemClicked.connect(self._on_bridge_item_clicked)
        self.bridge.pointerMoved.connect(self._on_bridge_pointer_moved)
        self.bridge.pageFailed.connect(self._on_bridge_page_failed)
        self.bridge.commandApplied.connect(self._on_bridge_command_applied)
        self.bridge.mapClickedAt.connect(self._on_bridge_map_clicked_at)
        self.bridge.measureChanged.connect(self._on_bridge_measure_changed)
        self.bridge.viewMoved.connect(self._on_bridge_view_moved)
        self.loader.progressed.connect(self._on_loader_progressed)
        self.loader.loaded.connect(self._on_loader_loaded)
        self.loader.needsCrs.connect(self._on_loader_needs_crs)
        self.loader.failed.connect(self._on_loader_failed)
        self.loader.cancelled.connect(self._on_loader_cancelled)
        # Procedure steps ask for the nearest facilities through the shared action requests.
        self.context.actions.facilitiesRequested.connect(self.show_nearest_facilities)
        self.context.actions.offer(ActionKind.NEAREST_FACILITIES)

    # -- page -----------------------------------------------------------------------------

    def _basemap_tiles(self) -> str | None:
        """The tile URL under the vector basemap: a tile server, a folder, or an MBTiles file
        served through our own scheme."""
        source = self.context.settings.tile_url
        if source is None or not source.lower().endswith(".mbtiles"):
            return source
        from layers.errors import LayerReadError
        from layers.mbtiles import MBTilesSource

        path = source.removeprefix("file://")
        try:
            self.tiles.add("basemap", MBTilesSource(path))
        except LayerReadError as exc:
            self._show_status(str(exc), error=True)
            return None
        return tile_url("basemap")

    def _load_page(self) -> None:
        # Building the page imports folium (~0.5 s): a worker does it, the window stays live.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="map-page")
        future: Future[str] = executor.submit(build_page_html, self._basemap_tiles())
        executor.shutdown(wait=False)
        self.context.invoker.when_done(future, self._on_page_built, self._on_page_build_failed)

    def _on_page_built(self, html: str) -> None:
        self.page.setHtml(html, QUrl.fromLocalFile(str(MAP_ROOT) + "/"))

    def _on_page_build_failed(self, error: BaseException) -> None:
        self._show_status(
            self.tr("The map page could not be built: %1").replace("%1", str(error)), error=True
        )

    def _on_bridge_page_ready(self) -> None:
        city = self.context.city
        pick = self.context.pick
        labels = [
            [d.centroid.lat, d.centroid.lon, pick(d.name, d.name_en)] for d in city.districts
        ]
        self.bridge.send(
            "boundaries", layer="districts", geojson=boundaries("districts"), labels=labels
        )
        self.bridge.send(
            "boundaries", layer="neighbourhoods", geojson=boundaries("neighbourhoods")
        )
        self.bridge.send("facilities", rows=facility_rows(city))
        state = self.context.view.state
        values = {k: v.value for k, v in state.sensors.items()}
        self.bridge.send("sensors", rows=sensor_rows(city, values))
        self._pending_sensors.clear()
        self._pending_incidents |= set(state.incidents)
        self._flush()
        box = [d.bbox for d in city.districts]
        self.bridge.send(
            "fitBounds",
            bounds=[
                [min(b.min_lat for b in box), min(b.min_lon for b in box)],
                [max(b.max_lat for b in box), max(b.max_lon for b in box)],
            ],
            animate=False,
            home=True,
        )
        self._camera_batches = list(batches(city.cameras, CAMERA_BATCH))
        self.cameras_sent = 0
        self._send_next_camera_batch()

    def _send_next_camera_batch(self) -> None:
        # One batch per page acknowledgement keeps the page responsive while 29k load.
        if not self._camera_batches:
            return
        cameras = self._camera_batches.pop(0)
        self.cameras_sent += len(cameras)
        last = not self._camera_batches
        self.bridge.send(
            "cameras",
            **camera_columns(cameras),
            append=self.cameras_sent > len(cameras),
            last=last,
            ack="cameras-last" if last else "cameras",
        )

    def _on_bridge_command_applied(self, ack: str, millis: float) -> None:
        if ack == "live":
            self.update_times.append(millis)
        elif ack.startswith("layer:"):
            self.layerShown.emit(ack[6:])
        elif ack == "cameras":
            self._send_next_camera_batch()
        elif ack == "cameras-last":
            self._show_status(None)
            self.camerasLoaded.emit(self.cameras_sent)

    def _on_bridge_page_failed(self, text: str) -> None:
        self._show_status(self.tr("Map error: %1").replace("%1", text.splitlines()[0]), error=True)

    def _show_status(self, text: str | None, error: bool = False) -> None:
        if text is None:
            self.status.hide()
            return
        self.status.setText(text)
        self.status.setProperty("level", "error" if error else "info")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.show()

    # -- live data and replay ---------------------------------------------------------------

    def _on_view_incidents_changed(self, ids: set[str]) -> None:
        self._pending_incidents |= ids

    def _on_view_events_applied(self, records: list[EventRecord]) -> None:
        for record in records:
            if record.type == EventType.SENSOR_READING and record.subject:
                self._pending_sensors.add(record.subject)

    def _on_view_loaded(self) -> None:
        """The whole state was replaced (a seek, or a switch between live and replay): send
        both layers again as they are in it, dropping incidents it does not have (yet)."""
        state = self.context.view.state
        self._pending_incidents |= self._shown_incidents | set(state.incidents)
        self._pending_sensors |= {s.id for s in self.context.city.sensors}
        # At once, not on the next tick: after a seek the map must not show another instant.
        self._flush()

    def _flush(self) -> None:
        """Send what changed since the last flush, as one command per layer."""
        if not self.bridge.is_ready:
            return
        if self._pending_incidents:
            ids, self._pending_incidents = self._pending_incidents, set()
            incidents = self.context.view.state.incidents
            rows, removed = [], []
            for incident_id in sorted(ids):
                incident = incidents.get(incident_id)
                if incident is None or not incident.status.is_open:
                    if incident_id in self._shown_incidents:
                        removed.append(incident_id)
                        self._shown_incidents.discard(incident_id)
                    continue
                entry = incident.incident_type
                name = self.context.pick(entry.name_ko, entry.name_en) if entry else ""
                rows.append(incident_row(incident, name))
                self._shown_incidents.add(incident_id)
            if rows or removed:
                self.bridge.send("incidents", rows=rows, removed=removed, ack="live")
        if self._pending_sensors:
            ids, self._pending_sensors = self._pending_sensors, set()
            sensors = self.context.view.state.sensors
            values = {k: sensors[k].value for k in ids if k in sensors}
            self.bridge.send(
                "sensors", rows=sensor_rows(self.context.city, values, ids), ack="live"
            )

    # -- selection ------------------------------------------------------------------------

    def _on_bridge_item_clicked(self, kind: str, item_id: str) -> None:
        if kind == "incident":
            self.context.selection.select_incident(item_id, origin=self)
        elif kind == "camera":
            self.context.selection.select_camera(item_id, origin=self)

    def _on_selection_incident_selected(self, incident_id: str | None, origin: object) -> None:
        if origin is not self:
            self._flush()  # a just-reported incident must be on the page before we fly to it
            self.bridge.send("select", kind="incident", id=incident_id, fly=True)

    def _on_selection_camera_selected(self, camera_id: str | None, origin: object) -> None:
        index = self._camera_index.get(camera_id or "", -1)
        self.bridge.send(
            "select", kind="camera", id=camera_id, index=index, fly=origin is not self, zoom=17
        )

    # -- tools ----------------------------------------------------------------------------

    def _on_layer_list_item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        layer = item.data(0, Qt.ItemDataRole.UserRole)
        visible = item.checkState(0) == Qt.CheckState.Checked
        if isinstance(layer, str) and layer.startswith("user:"):
            user = self.user_layers.get(layer[5:])
            if user is not None and user.visible != visible:
                user.visible = visible
                self.bridge.send("userVisible", id=user.id, on=visible)
        elif layer:
            self.set_layer_visible(layer, visible)

    # -- GIS tools ------------------------------------------------------------------------

    def _on_tool_changed(self) -> None:
        tool = self.tool.currentData()
        self.tool_size.setVisible(tool in ("nearest", "radius"))
        if tool == "nearest":
            self.tool_size.setSuffix("")
            self.tool_size.setValue(4)
        elif tool == "radius":
            self.tool_size.setSuffix(" m")
            self.tool_size.setValue(150)
        self.bridge.send("tool", mode=tool)
        self.bridge.send("measure", on=tool == "measure")
        self.bridge.send("highlight", cameras=[])

    def _on_bridge_map_clicked_at(self, lat: float, lon: float) -> None:
        tool = self.tool.currentData()
        if tool == "nearest":
            self.show_nearest_cameras(lat, lon, self.tool_size.value())
        elif tool == "radius":
            self.show_cameras_within(lat, lon, float(self.tool_size.value()))

    def show_nearest_cameras(self, lat: float, lon: float, n: int = 4) -> list[CameraHit]:
        """Mark the ``n`` cameras nearest a point, with distance and whether each faces it."""
        hits = nearest_cameras(self.context.city, lat, lon, n)
        self._show_hits(lat, lon, hits, radius=None)
        return hits

    def show_cameras_within(self, lat: float, lon: float, radius_m: float) -> list[CameraHit]:
        """Mark every camera inside a circle (e.g. a telecom fix's accuracy radius)."""
        hits = cameras_within(self.context.city, lat, lon, radius_m)
        self._show_hits(lat, lon, hits, radius=radius_m)
        return hits

    def cameras_near_selected_incident(self) -> list[CameraHit]:
        """The nearest cameras to the selected incident (nothing when none is selected)."""
        incident_id = self.context.selection.incident_id
        incident = self.context.view.state.incidents.get(incident_id or "")
        if incident is None:
            self._show_status(self.tr("Select an incident first."), error=True)
            return []
        return self.show_nearest_cameras(incident.lat, incident.lon, max(4, self._nearest_n()))

    def show_nearest_facilities(
        self, incident_id: str, kind: str, n: int = 3
    ) -> list[tuple[Facility, float]]:
        """Mark the ``n`` facilities of ``kind`` nearest an incident and list them with their
        distances under the toolbar (a procedure step's request)."""
        incident = self.context.view.state.incidents.get(incident_id)
        if incident is None:
            self._show_status(self.tr("Select an incident first."), error=True)
            return []
        pick = self.context.pick
        facility_kind = FacilityKind(kind)
        kind_name = pick(facility_kind.name_ko, facility_kind.name_en)
        found = self.context.city.nearest_facilities(facility_kind, incident.lat, incident.lon, n)
        self.last_facilities = found
        if not found:
            self._show_status(
                self.tr("No %1 in the city data.").replace("%1", kind_name), error=True
            )
            return []
        points = [
            {
                "lat": f.lat,
                "lon": f.lon,
                "faces": True,
                "label": f"{pick(f.name, f.name_en)} · {_distance(d)}",
            }
            for f, d in found
        ]
        self.bridge.send(
            "highlight",
            lat=incident.lat,
            lon=incident.lon,
            radius=None,
            cameras=points,
            lines=True,
            fit=True,
        )
        head = self.tr("Nearest %1 to %2:").replace("%1", kind_name).replace("%2", incident.id)
        listed = ", ".join(f"{pick(f.name, f.name_en)} {_distance(d)}" for f, d in found)
        self._show_status(f"{head} {listed}")
        return found

    def _nearest_n(self) -> int:
        return self.tool_size.value() if self.tool.currentData() == "nearest" else 4

    def _show_hits(
        self, lat: float, lon: float, hits: list[CameraHit], radius: float | None
    ) -> None:
        facing = self.tr("faces it")
        away = self.tr("looks away")
        cameras = [
            {
                "lat": h.lat,
                "lon": h.lon,
                "faces": h.faces,
                "label": f"{h.id} · {h.distance_m:.0f} m · {facing if h.faces else away}",
            }
            for h in hits
        ]
        self.bridge.send(
            "highlight",
            lat=lat,
            lon=lon,
            radius=radius,
            cameras=cameras,
            lines=radius is None,
            fit=True,
        )
        self.last_hits = hits
        if radius is None:
            head = self.tr("Nearest cameras:")
        else:
            head = (
                self.tr("%1 cameras within %2 m:")
                .replace("%1", str(len(hits)))
                .replace("%2", f"{radius:.0f}")
            )
        listed = ", ".join(
            f"{h.id} {h.distance_m:.0f} m{'' if h.faces else ' ↺'}" for h in hits[:8]
        )
        self._show_status(f"{head} {listed}" + (" …" if len(hits) > 8 else ""))

    def _on_bridge_measure_changed(self, length_m: float, area_m2: float, closed: bool) -> None:
        text = self.tr("Distance %1").replace("%1", _distance(length_m))
        if closed:
            text += " · " + self.tr("Area %1").replace("%1", _area(area_m2))
        self.last_measure = (length_m, area_m2)
        self._show_status(text)

    def _on_bridge_view_moved(self, view: dict[str, Any]) -> None:
        self.last_view = view

    def _fill_bookmarks(self) -> None:
        menu = self.bookmarks.menu()
        menu.clear()
        menu.addAction(self.tr("Save this view…"), self._save_bookmark)
        saved = self.context.settings.bookmarks()
        if saved:
            menu.addSeparator()
        for name in saved:
            menu.addAction(name, partial(self.go_to_bookmark, name))
        if saved:
            remove = menu.addMenu(self.tr("Delete"))
            for name in saved:
                remove.addAction(name, partial(self.context.settings.delete_bookmark, name))

    def _save_bookmark(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("Bookmark"), self.tr("Name of this view"))
        if ok and name.strip():
            self.save_bookmark(name.strip())

    def save_bookmark(self, name: str) -> bool:
        """Remember the current view under ``name``."""
        view = getattr(self, "last_view", None)
        if not view:
            return False
        west, south, east, north = view["bounds"]
        self.context.settings.save_bookmark(name, [[south, west], [north, east]])
        return True

    def go_to_bookmark(self, name: str) -> None:
        """Fly to a saved view."""
        bounds = self.context.settings.bookmarks().get(name)
        if bounds:
            self.bridge.send("fitBounds", bounds=bounds, maxZoom=19)

    # -- user layers ----------------------------------------------------------------------

    def _on_open_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Open layer"),
            "",
            self.tr("Layers (*.geojson *.json *.gpkg *.shp *.zip *.kml *.csv *.tif *.tiff)"),
        )
        for path in paths[:1]:  # one load at a time; the rest would be refused while busy
            self.open_layer(path)

    def open_layer(self, path: str | Path, crs: str | None = None) -> None:
        """Load a layer file in the background and add it to the map when read."""
        path = Path(path)
        remembered = crs or self.context.settings.layer_crs(str(path))
        self._pending_path = path
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("Loading %1…").replace("%1", path.name))
        self.progress_box.show()
        self.loader.load(path, remembered)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept files dragged over the map."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Open the first dropped file as a layer."""
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            self.open_layer(urls[0].toLocalFile())

    def _on_loader_progressed(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _on_loader_needs_crs(self, path: Path) -> None:
        self.progress_box.hide()
        crs, ok = QInputDialog.getItem(
            self,
            self.tr("Coordinate system"),
            self.tr("%1 does not say its coordinate system. Which is it?").replace(
                "%1", path.name
            ),
            list(OFFERED_CRS),
            1,
            True,
        )
        if ok and crs.strip():
            self.context.settings.set_layer_crs(str(path), crs.strip())
            self.open_layer(path, crs.strip())
        else:
            self._show_status(
                self.tr("%1 was not opened: no coordinate system chosen.").replace(
                    "%1", path.name
                ),
                error=True,
            )

    def _on_loader_failed(self, text: str) -> None:
        self.progress_box.hide()
        self._show_status(text, error=True)

    def _on_loader_cancelled(self, text: str) -> None:
        self.progress_box.hide()
        self._show_status(self.tr("Loading was cancelled; nothing was added."))

    def _on_loader_loaded(self, layer: UserLayer) -> None:
        self.progress_box.hide()
        self.user_layers[layer.id] = layer
        order = len(self.user_layers)
        if layer.raster:
            self.tiles.add(layer.id, layer.data)
            west, south, east, north = layer.bounds
            self.bridge.send(
                "userRaster",
                id=layer.id,
                url=tile_url(layer.id),
                order=order,
                bounds=[[south, west], [north, east]],
                fit=True,
                ack=f"layer:{layer.id}",
            )
            note = ""
        else:
            self.bridge.send(
                "userLayer",
                id=layer.id,
                name=layer.name,
                raw=dict(
                    zip(("geometries", "properties"), layer.columns or ("[]", "[]"), strict=True)
                ),
                colour=layer.colour,
                order=order,
                fit=True,
                ack=f"layer:{layer.id}",
            )
            note = self._repair_note(layer)
        self._add_user_item(layer)
        self._show_status(self.tr("Opened %1.").replace("%1", layer.name) + note if note else None)

    def _repair_note(self, layer: UserLayer) -> str:
        data = layer.data
        parts = []
        if data.repaired:
            parts.append(
                self.tr("%1 invalid geometries repaired").replace("%1", str(data.repaired))
            )
        if data.skipped:
            parts.append(
                self.tr("%1 features without usable geometry skipped").replace(
                    "%1", str(data.skipped)
                )
            )
        return (" " + "; ".join(parts) + ".") if parts else ""

    def _add_user_item(self, layer: UserLayer) -> None:
        if getattr(self, "_user_root", None) is None:
            self._user_root = QTreeWidgetItem([self.tr("User layers")])
            self.layer_list.insertTopLevelItem(0, self._user_root)
            self._user_root.setExpanded(True)
        item = QTreeWidgetItem([layer.name])
        item.setData(0, Qt.ItemDataRole.UserRole, f"user:{layer.id}")
        item.setCheckState(0, Qt.CheckState.Checked)
        item.setForeground(0, QColor(layer.colour))
        item.setToolTip(0, str(layer.path))
        self._user_root.insertChild(0, item)
        self.layer_items[f"user:{layer.id}"] = item

    def _on_layer_list_context_menu(self, position: Any) -> None:
        item = self.layer_list.itemAt(position)
        key = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if not isinstance(key, str) or not key.startswith("user:"):
            return
        layer = self.user_layers[key[5:]]
        menu = QMenu(self)
        menu.addAction(self.tr("Zoom to layer"), lambda: self.zoom_to_layer(layer.id))
        opacity = menu.addMenu(self.tr("Opacity"))
        for percent in (100, 75, 50, 25):
            opacity.addAction(f"{percent} %", partial(self.set_opacity, layer.id, percent / 100))
        if not layer.raster:
            style = menu.addMenu(self.tr("Colour by attribute"))
            style.addAction(self.tr("One colour"), partial(self.style_by, layer.id, None))
            for name, _type in layer.data.fields[:40]:
                style.addAction(name, partial(self.style_by, layer.id, name))
            menu.addAction(self.tr("Attribute table…"), lambda: self.show_attributes(layer.id))
        menu.addAction(self.tr("Move up"), lambda: self.move_layer(layer.id, -1))
        menu.addAction(self.tr("Move down"), lambda: self.move_layer(layer.id, 1))
        menu.addSeparator()
        menu.addAction(self.tr("Remove"), lambda: self.remove_layer(layer.id))
        menu.popup(self.layer_list.viewport().mapToGlobal(position))

    def zoom_to_layer(self, layer_id: str) -> None:
        """Fit the map to a user layer."""
        west, south, east, north = self.user_layers[layer_id].bounds
        self.bridge.send("fitBounds", bounds=[[south, west], [north, east]])

    def set_opacity(self, layer_id: str, opacity: float) -> None:
        """Change a user layer's opacity (0..1)."""
        self.user_layers[layer_id].opacity = opacity
        self.bridge.send("layerOpacity", id=layer_id, opacity=opacity)

    def style_by(self, layer_id: str, field_name: str | None) -> dict[str, str]:
        """Colour a vector layer by the values of one attribute (up to 10 colours)."""
        layer = self.user_layers[layer_id]
        colours: dict[str, str] = {}
        if field_name is not None:
            values = layer.data.frame[field_name].astype(str).value_counts().index[:10]
            colours = {str(v): PALETTE[i % len(PALETTE)] for i, v in enumerate(values)}
        layer.style_field, layer.categories = field_name, colours
        self.bridge.send(
            "layerStyle", id=layer_id, field=field_name, colours=colours, other="#7f8c9d"
        )
        return colours

    def move_layer(self, layer_id: str, step: int) -> None:
        """Move a user layer up (-1) or down (+1) in drawing order."""
        ids = list(self.user_layers)
        index = ids.index(layer_id)
        # The list shows the top layer first; drawing order is the reverse.
        target = max(0, min(len(ids) - 1, index - step))
        ids.insert(target, ids.pop(index))
        self.user_layers = {i: self.user_layers[i] for i in ids}
        self.bridge.send("layerOrder", ids=ids)
        root = self._user_root
        for i in ids:
            item = self.layer_items[f"user:{i}"]
            root.removeChild(item)
            root.insertChild(0, item)

    def remove_layer(self, layer_id: str) -> None:
        """Take a user layer off the map and out of the list."""
        layer = self.user_layers.pop(layer_id)
        if layer.raster:
            self.tiles.remove(layer_id)
        self.bridge.send("removeLayer", id=layer_id)
        item = self.layer_items.pop(f"user:{layer_id}")
        self._user_root.removeChild(item)

    def show_attributes(self, layer_id: str) -> AttributeTableDialog:
        """Open the attribute table of a vector layer."""
        layer = self.user_layers[layer_id]
        dialog = AttributeTableDialog(layer.name, layer.data.frame, self)
        dialog.show()
        return dialog

    def set_layer_visible(self, layer: str, visible: bool) -> None:
        """Show or hide one layer."""
        self.bridge.send("visible", layer=layer, on=visible)

    def _on_search_return_pressed(self) -> None:
        self.go_to_place(self.search.text())

    def go_to_place(self, text: str) -> bool:
        """Fly to the best district or neighbourhood match; False when nothing matches."""
        found = search_places(self.context.city, text, limit=1)
        if not found:
            self._show_status(
                self.tr("No district or neighbourhood matches “%1”.").replace("%1", text),
                error=True,
            )
            return False
        south, west, north, east = found[0].bounds
        self.bridge.send("fitBounds", bounds=[[south, west], [north, east]])
        self._show_status(None)
        return True

    def _on_bridge_pointer_moved(self, lat: float, lon: float) -> None:
        x, y = to_epsg(lat, lon, 5179)
        self.coords.setText(f"WGS 84 {lat:.5f}, {lon:.5f}   EPSG:5179 {x:,.0f} E {y:,.0f} N")

    def _on_export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the map view"), "cityroom-map.png", "PNG (*.png)"
        )
        if path:
            self.export_png(path)

    def export_png(self, path: str) -> bool:
        """Save what the map shows now as a PNG."""
        return bool(self.view.grab().save(path))

    def showEvent(self, event: QShowEvent) -> None:
        """Tiles are served while a map is on screen."""
        self.tiles.resume()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        """A hidden map renders no tiles: stop their workers (they restart on demand)."""
        self.tiles.shutdown()
        super().hideEvent(event)
