"""Pure GIS: bearings, fields of view, nearest cameras, place search, map rows."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest

from core.city import City, haversine_m, load_city
from layers.camera_view import angle_between, bearing_deg, destination, faces, view_cone
from layers.city_layers import batches, camera_columns, sensor_rows
from layers.places import search_places, to_epsg
from layers.queries import cameras_within, nearest_cameras


@lru_cache(maxsize=1)
def city() -> City:
    return load_city("lite")


def test_bearings_and_destinations() -> None:
    lat, lon = 37.5, 127.0
    assert bearing_deg(lat, lon, lat + 0.01, lon) == pytest.approx(0.0, abs=0.01)
    assert bearing_deg(lat, lon, lat, lon + 0.01) == pytest.approx(90.0, abs=0.1)
    assert bearing_deg(lat, lon, lat - 0.01, lon) == pytest.approx(180.0, abs=0.01)
    far = destination(lat, lon, 45.0, 1000.0)
    assert haversine_m(lat, lon, *far) == pytest.approx(1000.0, rel=1e-3)
    assert bearing_deg(lat, lon, *far) == pytest.approx(45.0, abs=0.1)
    assert angle_between(350, 10) == 20 and angle_between(10, 350) == 20


def test_a_camera_faces_what_is_inside_its_field_of_view() -> None:
    camera = replace(city().cameras[0], heading_deg=90, fov_deg=60, ptz=False)
    east = destination(camera.lat, camera.lon, 100, 50)  # 10 degrees off the axis
    north = destination(camera.lat, camera.lon, 0, 50)
    assert faces(camera, *east)
    assert not faces(camera, *north)
    assert not faces(camera, *east, range_m=20)
    assert faces(replace(camera, ptz=True), *north)  # a PTZ camera can turn
    cone = view_cone(camera, 80)
    assert cone[0] == cone[-1] == (camera.lat, camera.lon) and len(cone) == 11


def test_nearest_cameras_are_sorted_and_truly_nearest() -> None:
    lat, lon = 37.4979, 127.0276  # Gangnam station
    hits = nearest_cameras(city(), lat, lon, 6)
    distances = [h.distance_m for h in hits]
    assert distances == sorted(distances) and len(hits) == 6
    brute = sorted(haversine_m(lat, lon, c.lat, c.lon) for c in city().cameras)[:6]
    assert distances == pytest.approx(brute)
    inside = cameras_within(city(), lat, lon, 300)
    assert all(h.distance_m <= 300 for h in inside)
    assert {h.id for h in hits if h.distance_m <= 300} <= {h.id for h in inside}
    with pytest.raises(ValueError):
        nearest_cameras(city(), lat, lon, 0)


def test_places_are_found_in_korean_and_english() -> None:
    first = search_places(city(), "강남구")[0]
    assert first.kind == "district" and first.name_en == "Gangnam-gu"
    assert search_places(city(), "gangnam")[0].code == first.code
    yeoksam = search_places(city(), "역삼1동")[0]
    assert yeoksam.kind == "neighbourhood" and yeoksam.district_name == "강남구"
    south, west, north, east = yeoksam.bounds
    assert south < north and west < east
    assert search_places(city(), "atlantis") == []


def test_korea_2000_coordinates() -> None:
    # Seoul City Hall in EPSG:5179 (Korea 2000 / Unified CS), about (953,900 E, 1,952,030 N).
    x, y = to_epsg(37.5665, 126.9780, 5179)
    assert x == pytest.approx(953_901, abs=5) and y == pytest.approx(1_952_032, abs=5)


def test_map_rows_are_compact_and_complete() -> None:
    cameras = city().cameras
    columns = camera_columns(cameras[:3])
    assert columns["lat"] == [round(c.lat, 6) for c in cameras[:3]]
    assert columns["text"].split("\n")[:3] == [f"{c.id}\t{c.name}" for c in cameras[:3]]
    assert sum(len(b) for b in batches(cameras, 1000)) == len(cameras)
    gauge = next(s for s in city().sensors if s.kind.value == "river_level")
    (row,) = sensor_rows(city(), {gauge.id: 4.6}, [gauge.id])
    assert row[0] == gauge.id and row[4] == 3  # 경계 (alert) at 4.6 m
