"""The situation map in the real web engine: offline, live layers, selection both ways."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from panels.situation_map.panel import MapPanel
from tests.gui.conftest import Workstation


def run_js(qtbot, panel: MapPanel, script: str) -> Any:  # type: ignore[no-untyped-def]
    """Evaluate JavaScript in the map page and wait for its result."""
    box: list[Any] = []
    panel.page.runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


@pytest.fixture
def mapped(qtbot, map_workstation: Workstation) -> Workstation:  # type: ignore[no-untyped-def]
    panel = map_workstation.window.panels["map"]
    assert isinstance(panel, MapPanel)
    with qtbot.waitSignal(panel.camerasLoaded, timeout=60_000):
        pass
    return map_workstation


def map_of(ws: Workstation) -> MapPanel:
    panel = ws.window.panels["map"]
    assert isinstance(panel, MapPanel)
    return panel


def test_the_page_loads_every_layer_without_the_network(qtbot, mapped: Workstation) -> None:
    panel = map_of(mapped)
    assert panel.interceptor.blocked == []
    requested = panel.interceptor.requested
    assert any(url.endswith("vendor/leaflet/dist/leaflet.js") for url in requested)
    assert all(url.split(":", 1)[0] in {"file", "qrc", "data"} for url in requested)
    count = run_js(qtbot, panel, "cityroom.cameras.count")
    assert count == len(mapped.context.city.cameras)
    assert run_js(qtbot, panel, "cityroom.layers.districts.getLayers().length") == 1
    sensors = run_js(qtbot, panel, "cityroom.layers.sensors.getLayers().length")
    assert sensors == len(mapped.context.city.sensors)


def test_incidents_appear_and_selection_follows_both_ways(qtbot, mapped: Workstation) -> None:
    ws, panel = mapped, map_of(mapped)
    fire = ws.report("F-FIRE")
    bins = ws.report("E-BIN", district="11010")
    qtbot.waitUntil(
        lambda: run_js(qtbot, panel, "cityroom.layers.incidents.getLayers().length") == 2,
        timeout=10_000,
    )
    # Queue -> map: selecting in the queue selects (and flies to) it on the map.
    assert ws.queue.select_incident(fire)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "cityroom.selected") == f"incident:{fire}")
    # Map -> queue: a click on the map marker selects it in the queue.
    run_js(qtbot, panel, f"cityroom.index['incident:{bins}'].fire('click'); true")
    qtbot.waitUntil(lambda: ws.context.selection.incident_id == bins)
    qtbot.waitUntil(lambda: [i.id for i in ws.queue.selected_incidents()] == [bins])


def test_a_camera_click_selects_the_camera(qtbot, mapped: Workstation) -> None:
    panel = map_of(mapped)
    city = mapped.context.city
    # A camera with no other within 20 m, zoomed in so nothing else is within a click's reach.
    camera = next(c for c in city.cameras if city.nearest_cameras(c.lat, c.lon, 2)[1][1] > 20)
    run_js(
        qtbot,
        panel,
        f"cityroom.map.setView([{camera.lat}, {camera.lon}], 19, "
        "{animate: false}); cityroom.cameras.redraw(); 1",
    )
    run_js(
        qtbot,
        panel,
        f"cityroom.map.fire('click', {{latlng: L.latLng({camera.lat}, {camera.lon})}}); 1",
    )
    qtbot.waitUntil(lambda: mapped.context.selection.camera_id == camera.id)
    # A click 30 m away, on empty map, selects no other camera.
    run_js(
        qtbot,
        panel,
        f"cityroom.map.fire('click', {{latlng: L.latLng({camera.lat + 0.0003}, "
        f"{camera.lon})}}); 1",
    )
    assert mapped.context.selection.camera_id == camera.id


def test_layers_can_be_hidden_and_places_found(qtbot, mapped: Workstation) -> None:
    panel = map_of(mapped)
    item = panel.layer_items["cameras.traffic"]
    item.setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "cityroom.cameras.visible[1]") is False)
    assert panel.go_to_place("역삼1동")
    assert not panel.go_to_place("atlantis")
    assert "atlantis" in panel.status.text()


def test_the_view_exports_to_png(qtbot, mapped: Workstation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QImage

    target = tmp_path / "view.png"
    assert map_of(mapped).export_png(str(target))
    assert QImage(str(target)).width() > 100


def test_a_korean_shapefile_opens_as_a_layer_with_its_names(
    qtbot, mapped: Workstation, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests import layerdata

    panel = map_of(mapped)
    shp = layerdata.korean_shapefile(tmp_path / "shp", "EPSG:5186")
    with qtbot.waitSignal(panel.loader.loaded, timeout=30_000):
        panel.open_layer(shp)
    (layer,) = panel.user_layers.values()
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "Object.keys(cityroom.userLayers).length") == 1)
    count = run_js(qtbot, panel, f"cityroom.userLayers['{layer.id}'].layer.getLayers().length")
    assert count == 4
    names = run_js(
        qtbot,
        panel,
        f"cityroom.userLayers['{layer.id}'].layer.getLayers()"
        ".map(function (l) {{ return l.feature.properties['명칭']; }}).join(',')",
    )
    assert names == "서울시청,강남역,여의도공원,광화문광장"
    table = panel.show_attributes(layer.id)
    assert table.model.rowCount() == 4 and table.model.index(0, 0).data() == "서울시청"
    table.close()
    colours = panel.style_by(layer.id, "명칭")
    assert len(colours) == 4
    panel.set_opacity(layer.id, 0.5)
    panel.remove_layer(layer.id)
    qtbot.waitUntil(lambda: run_js(qtbot, panel, "Object.keys(cityroom.userLayers).length") == 0)


def test_a_file_without_crs_asks_and_remembers(qtbot, mapped: Workstation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    from tests import layerdata

    panel = map_of(mapped)
    shp = layerdata.korean_shapefile(tmp_path / "noprj", "EPSG:5186", prj=False)
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        asked.append(dialog.labelText())
        dialog.setTextValue("EPSG:5186")
        dialog.accept()

    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(panel.loader.loaded, timeout=30_000):
        panel.open_layer(shp)
    assert "장소.shp" in asked[0]
    assert mapped.context.settings.layer_crs(str(shp)) == "EPSG:5186"
    (layer,) = panel.user_layers.values()
    assert layer.data.crs == "EPSG:5186"


def test_an_unreadable_file_is_named_and_the_map_stays(
    qtbot, mapped: Workstation, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    panel = map_of(mapped)
    junk = tmp_path / "broken.gpkg"
    junk.write_bytes(b"garbage" * 100)
    with qtbot.waitSignal(panel.loader.failed, timeout=30_000):
        panel.open_layer(junk)
    assert str(junk) in panel.status.text()
    assert panel.user_layers == {}
    assert run_js(qtbot, panel, "cityroom.cameras.count") > 0


def test_gis_tools_nearest_radius_measure_and_bookmarks(qtbot, mapped: Workstation) -> None:
    panel = map_of(mapped)
    lat, lon = 37.4979, 127.0276
    panel.tool.setCurrentIndex(panel.tool.findData("nearest"))
    panel.tool_size.setValue(5)
    run_js(qtbot, panel, f"cityroom.map.fire('click', {{latlng: L.latLng({lat}, {lon})}}); 1")
    qtbot.waitUntil(lambda: len(getattr(panel, "last_hits", [])) == 5)
    assert "Nearest cameras:" in panel.status.text()
    lines = run_js(qtbot, panel, "cityroom.toolLayer.getLayers().length")
    assert lines == 1 + 5 * 2  # the point, then a line and a ring per camera
    hits = panel.show_cameras_within(lat, lon, 150)
    assert all(h.distance_m <= 150 for h in hits)
    fire = mapped.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in mapped.context.store.state.incidents)
    mapped.context.selection.select_incident(fire)
    near = panel.cameras_near_selected_incident()
    incident = mapped.context.store.state.incidents[fire]
    assert near and near[0].distance_m == min(
        h.distance_m for h in panel.show_nearest_cameras(incident.lat, incident.lon, 4)
    )
    panel.tool.setCurrentIndex(panel.tool.findData("measure"))
    for point in ((37.50, 127.00), (37.50, 127.01), (37.51, 127.01), (37.50, 127.00)):
        run_js(
            qtbot,
            panel,
            f"cityroom.map.fire('click', {{latlng: L.latLng({point[0]}, {point[1]})}}); 1",
        )
    qtbot.waitUntil(lambda: getattr(panel, "last_measure", (0, 0))[1] > 0)
    length, area = panel.last_measure
    # A right triangle with legs of 0.88 km (east) and 1.11 km (north): 0.49 km².
    assert 3300 < length < 3500 and 470_000 < area < 510_000
    qtbot.waitUntil(lambda: getattr(panel, "last_view", None) is not None)
    assert panel.save_bookmark("강남역 주변")
    assert "강남역 주변" in mapped.context.settings.bookmarks()
    panel.go_to_bookmark("강남역 주변")


def test_a_geotiff_in_a_korean_projection_is_served_as_tiles(
    qtbot, mapped: Workstation, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from layers.raster import make_test_geotiff

    panel = map_of(mapped)
    tif = make_test_geotiff(tmp_path / "ortho.tif", 1024, 1024, crs="EPSG:5186")
    served_before = panel.tiles.served
    with qtbot.waitSignal(panel.layerShown, timeout=30_000):
        panel.open_layer(tif)
    (layer,) = panel.user_layers.values()
    assert layer.raster and layer.data.info.crs == "EPSG:5186"
    qtbot.waitUntil(lambda: panel.tiles.served > served_before, timeout=15_000)
    assert panel.interceptor.blocked == []
    assert any(url.startswith("cityroom://tiles/") for url in panel.interceptor.requested)
    panel.remove_layer(layer.id)


def test_an_mbtiles_basemap_is_served_under_the_map(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from layers.mbtiles import write_test_mbtiles
    from layers.raster import TileSource, make_test_geotiff
    from tests.gui.conftest import _close, _open_workstation

    # Real PNG tiles, rendered from a generated GeoTIFF over Seoul at the opening zooms.
    source = TileSource(make_test_geotiff(tmp_path / "base.tif", 2048, 2048, pixel_m=20.0))
    tiles = {}
    for z in (10, 11, 12):
        shift = 12 - z
        for x in range(3480 >> shift, (3500 >> shift) + 1):
            for y in range(1575 >> shift, (1595 >> shift) + 1):
                png = source.tile_png(z, x, y)
                if png is not None:
                    tiles[(z, x, y)] = png
    source.close()
    mbtiles = write_test_mbtiles(tmp_path / "seoul.mbtiles", tiles)
    station = _open_workstation(qtbot, tmp_path / "ws", "en", with_map=True, tile_url=str(mbtiles))
    try:
        panel = map_of(station)
        served_before = panel.tiles.served
        qtbot.waitUntil(lambda: panel.tiles.served > served_before, timeout=20_000)
        assert panel.interceptor.blocked == []
    finally:
        _close(station)
