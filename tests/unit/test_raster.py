"""Raster layers: file info, Web Mercator XYZ tiles, nodata, unreadable files, threads."""

from __future__ import annotations

import contextlib
import json
import math
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from numpy.typing import NDArray
from pyproj import Transformer
from rasterio.io import MemoryFile
from rasterio.vrt import WarpedVRT

from core.city import haversine_m
from layers import raster
from layers.errors import LayerReadError
from layers.raster import (
    ORIGIN_M,
    RasterInfo,
    TileSource,
    make_test_geotiff,
    raster_info,
    tile_bounds_3857,
    tile_bounds_wgs84,
)

# Decoded tile PNGs carry no georeferencing, which rasterio warns about on opening them.
pytestmark = pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")

SEOUL_CITY_HALL = (37.5665, 126.9780)
BUSAN = (35.1796, 129.0756)
SIDE_PX = 512
PIXEL_M = 10.0
HALF_M = SIDE_PX * PIXEL_M / 2  # 2,560 m from the centre to each edge


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rasters")


@pytest.fixture(scope="module")
def rgb_5186(folder: Path) -> Path:
    return make_test_geotiff(folder / "seoul_5186.tif")


@pytest.fixture(scope="module")
def rgb_4326(folder: Path) -> Path:
    return make_test_geotiff(folder / "seoul_4326.tif", crs="EPSG:4326")


@pytest.fixture(scope="module")
def heights(folder: Path) -> Path:
    """One float32 band, 100-900 "metres", the north-west quadrant nodata."""
    return make_test_geotiff(folder / "heights.tif", bands=1, dtype="float32", nodata=-9999.0)


def tile_at(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """The XYZ tile holding a point, by the usual slippy-map formula."""
    n = 2**z
    x = math.floor((lon + 180.0) / 360.0 * n)
    y = math.floor((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return z, x, y


def decode(png: bytes | None) -> NDArray[np.uint8]:
    assert png is not None and png[:8] == b"\x89PNG\r\n\x1a\n"
    with MemoryFile(png) as memory, memory.open() as dataset:
        assert (dataset.driver, dataset.count, dataset.dtypes[0]) == ("PNG", 4, "uint8")
        data: NDArray[np.uint8] = dataset.read()
    assert data.shape == (4, 256, 256)
    return data


def source_pixels(
    path: Path, z: int, x: int, y: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fractional (column, row) in the raster under each tile pixel's centre, computed
    independently of the module: slippy-map formulas, then pyproj."""
    n = 2**z
    steps = (np.arange(256) + 0.5) / 256
    lon = (x + steps) / n * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (y + steps) / n))))
    lons, lats = np.meshgrid(lon, lat)
    with rasterio.open(path) as dataset:
        crs, t = dataset.crs, dataset.transform
    xs, ys = Transformer.from_crs("EPSG:4326", crs.to_wkt(), always_xy=True).transform(lons, lats)
    return (xs - t.c) / t.a, (ys - t.f) / t.e  # north-up rasters


def expected_cover(
    cols: NDArray[np.float64], rows: NDArray[np.float64], margin: float, hole: bool = False
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Tile pixels surely drawn and surely transparent; ``margin`` source pixels either side
    of an edge are left undecided (nearest-neighbour ties, overview pixels)."""
    inside = (
        (cols > margin) & (cols < SIDE_PX - margin) & (rows > margin) & (rows < SIDE_PX - margin)
    )
    outside = (
        (cols < -margin) | (cols > SIDE_PX + margin) | (rows < -margin) | (rows > SIDE_PX + margin)
    )
    if hole:  # the north-west quadrant is nodata
        half = SIDE_PX / 2
        in_hole = (cols < half - margin) & (rows < half - margin)
        near_hole = (cols < half + margin) & (rows < half + margin)
        outside |= in_hole
        inside &= ~near_hole
    return inside, outside


def test_tiles_follow_leaflets_xyz_scheme() -> None:
    assert tile_bounds_3857(0, 0, 0) == pytest.approx((-ORIGIN_M, -ORIGIN_M, ORIGIN_M, ORIGIN_M))
    assert tile_bounds_wgs84(0, 0, 0) == pytest.approx((-180, -85.0511288, 180, 85.0511288))
    # x grows eastward and y southward from the north-west corner.
    assert tile_bounds_wgs84(1, 1, 0) == pytest.approx((0, 0, 180, 85.0511288))
    assert tile_bounds_3857(1, 0, 1) == pytest.approx((-ORIGIN_M, -ORIGIN_M, 0, 0), abs=1e-6)
    z, x, y = tile_at(*SEOUL_CITY_HALL, 12)
    west, south, east, north = tile_bounds_wgs84(z, x, y)
    assert west <= SEOUL_CITY_HALL[1] < east and south < SEOUL_CITY_HALL[0] <= north
    assert tile_bounds_wgs84(z, x + 1, y)[0] == pytest.approx(east)
    assert tile_bounds_wgs84(z, x, y + 1)[3] == pytest.approx(south)
    to_wgs84 = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    w, s, e, n = tile_bounds_3857(z, x, y)
    assert (*to_wgs84.transform(w, s), *to_wgs84.transform(e, n)) == pytest.approx(
        (west, south, east, north)
    )
    for bad in ((-1, 0, 0), (2, 4, 0), (2, 0, -1), (31, 0, 0)):
        with pytest.raises(ValueError):
            tile_bounds_3857(*bad)


@pytest.mark.parametrize(
    ("fixture", "crs", "bands", "dtype", "nodata"),
    [
        ("rgb_5186", "EPSG:5186", 3, "uint8", None),
        ("rgb_4326", "EPSG:4326", 3, "uint8", None),
        ("heights", "EPSG:5186", 1, "float32", -9999.0),
    ],
)
def test_raster_info_gives_crs_size_and_wgs84_bounds(
    request: pytest.FixtureRequest,
    fixture: str,
    crs: str,
    bands: int,
    dtype: str,
    nodata: float | None,
) -> None:
    path: Path = request.getfixturevalue(fixture)
    info = raster_info(path)
    assert (info.path, info.crs, info.width, info.height) == (path, crs, SIDE_PX, SIDE_PX)
    assert (info.bands, info.dtype, info.nodata, info.overview_levels) == (
        bands,
        dtype,
        nodata,
        (2,),
    )
    west, south, east, north = info.bounds_wgs84
    lat, lon = SEOUL_CITY_HALL
    assert west < lon < east and south < lat < north
    # Each edge lies 2,560 m from the centre. 1 % (26 m, under 3 pixels) is ample: near its
    # central meridian (127°E) the Korean TM scale error is under 0.01 %, the grid turns less
    # than 0.02° from true north (widening the box by under 1 m), and the geographic raster
    # was laid out with 111,320 m a degree of latitude, which is 0.3 % off at 37.5°N.
    for edge in (haversine_m(lat, lon, lat, west), haversine_m(lat, lon, lat, east)):
        assert edge == pytest.approx(HALF_M, rel=0.01)
    for edge in (haversine_m(lat, lon, south, lon), haversine_m(lat, lon, north, lon)):
        assert edge == pytest.approx(HALF_M, rel=0.01)
    with rasterio.open(path) as dataset:  # as make_test_geotiff promises
        assert dataset.profile["tiled"] and dataset.profile["compress"] == "deflate"


def test_raster_info_is_json_ready() -> None:
    info = RasterInfo(Path("a.tif"), "EPSG:5179", 2, 3, 1, "float32", (1, 2, 3, 4), (2,), None)
    data = json.loads(json.dumps(info.to_json(), allow_nan=False))
    assert data["bounds_wgs84"] == [1, 2, 3, 4] and data["path"] == "a.tif"
    assert data["crs"] == "EPSG:5179" and data["overview_levels"] == [2]
    nan = replace(info, nodata=float("nan")).to_json()
    assert json.dumps(nan, allow_nan=False) and nan["nodata"] == "nan"


@pytest.mark.parametrize("fixture", ["rgb_5186", "rgb_4326"])
@pytest.mark.parametrize(("z", "margin", "tolerance"), [(12, 2.5, 3), (16, 1.0, 1)])
def test_tiles_show_the_raster_where_it_lies(
    request: pytest.FixtureRequest, fixture: str, z: int, margin: float, tolerance: int
) -> None:
    """At z=12 (about 30 m a pixel, read from the 2× overview) the whole 5 km raster sits in
    the tile with map around it; at z=16 (about 1.9 m a pixel) the raster fills the tile.
    Red rises west to east and green north to south, so each pixel's colour says which source
    pixel it came from."""
    path: Path = request.getfixturevalue(fixture)
    tile = tile_at(*SEOUL_CITY_HALL, z)
    with TileSource(path) as source:
        rgba = decode(source.tile_png(*tile))
    cols, rows = source_pixels(path, *tile)
    inside, outside = expected_cover(cols, rows, margin)
    assert inside.any()
    assert (rgba[3][inside] == 255).all() and (rgba[3][outside] == 0).all()
    assert (rgba[:3, outside] == 0).all()
    if z == 12:
        assert outside.any()
    else:
        assert inside.all()
    red = np.rint(255 * np.floor(cols) / (SIDE_PX - 1))
    green = np.rint(255 * np.floor(rows) / (SIDE_PX - 1))
    assert np.abs(rgba[0][inside] - red[inside]).max() <= tolerance
    assert np.abs(rgba[1][inside] - green[inside]).max() <= tolerance


def test_zoomed_out_tiles_are_read_from_overviews(folder: Path) -> None:
    """Full resolution repainted after the overviews were built: a zoomed-out tile still shows
    the pattern (from the overview), a zoomed-in one the new paint."""
    path = make_test_geotiff(folder / "repainted.tif")
    with rasterio.open(path, "r+") as dataset:
        dataset.write(np.full((3, SIDE_PX, SIDE_PX), 200, dtype=np.uint8))
    with TileSource(path) as source:
        near = decode(source.tile_png(*tile_at(*SEOUL_CITY_HALL, 16)))
        far = decode(source.tile_png(*tile_at(*SEOUL_CITY_HALL, 12)))
    assert (near[:3] == 200).all()
    drawn = far[3] == 255
    assert drawn.any() and (far[:3, drawn] != 200).any()


def test_tiles_away_from_the_raster_are_none(rgb_5186: Path) -> None:
    with TileSource(rgb_5186) as source:
        assert source.tile_png(*tile_at(*BUSAN, 12)) is None
        assert source.tile_png(*tile_at(*BUSAN, 16)) is None
        z, x, y = tile_at(*SEOUL_CITY_HALL, 12)
        for bad in ((z, 2**z, y), (z, x, -1), (-1, 0, 0), (40, x, y)):
            assert source.tile_png(*bad) is None


def test_nodata_is_transparent_and_other_types_are_stretched(heights: Path) -> None:
    to_lonlat = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    with rasterio.open(heights) as dataset:
        values = dataset.read(1)
        cx, cy = (dataset.bounds.left + dataset.bounds.right) / 2, dataset.bounds.top - HALF_M
    # z=16 tiles (about 480 m across) in the middle of the nodata and of the data quadrants.
    lon, lat = to_lonlat.transform(cx - HALF_M / 2, cy + HALF_M / 2)
    in_hole = tile_at(lat, lon, 16)
    lon, lat = to_lonlat.transform(cx + HALF_M / 2, cy - HALF_M / 2)
    in_data = tile_at(lat, lon, 16)
    city = tile_at(*SEOUL_CITY_HALL, 12)
    with TileSource(heights) as source:
        hole, data, overview = (decode(source.tile_png(*t)) for t in (in_hole, in_data, city))
    assert (hole == 0).all()
    assert (data[3] == 255).all()
    assert (data[0] == data[1]).all() and (data[1] == data[2]).all()  # one band: grey
    # Grey = 100-900 m stretched between the 2nd and 98th percentiles of the valid values (the
    # 512 px raster is read whole for them), then compared with each pixel's source value.
    # Where a pixel centre lies within 1/4 source pixel of an edge, GDAL's approximate
    # transformer may pick the neighbour: either is right.
    low, high = np.percentile(values[values != -9999.0].astype(np.float64), (2, 98))
    cols, rows = source_pixels(heights, *in_data)
    errors = []
    for dc, dr in ((-0.25, -0.25), (-0.25, 0.25), (0.25, -0.25), (0.25, 0.25)):
        c = np.clip(np.floor(cols + dc).astype(int), 0, SIDE_PX - 1)
        r = np.clip(np.floor(rows + dr).astype(int), 0, SIDE_PX - 1)
        grey = np.clip((values[r, c] - low) / (high - low) * 255, 0, 255)
        errors.append(np.abs(data[0] - grey))
    assert np.min(errors, axis=0).max() <= 0.5 + 1e-6  # rounding only
    assert data[0].min() < 100 < 200 < data[0].max()  # the tile spans much of the ramp
    inside, outside = expected_cover(*source_pixels(heights, *city), margin=2.5, hole=True)
    assert inside.any() and outside.any()
    assert (overview[3][inside] == 255).all() and (overview[3][outside] == 0).all()


def test_unreadable_files_raise_layer_read_error_naming_the_path(
    tmp_path: Path, rgb_5186: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a raster\n", encoding="utf-8")
    missing = tmp_path / "missing.tif"
    no_crs = tmp_path / "no_crs.tif"
    with rasterio.open(rgb_5186) as source:
        profile = {**source.profile, "crs": None}
        with rasterio.open(no_crs, "w", **profile) as target:
            target.write(source.read())
    cases = [(text, "not a raster"), (missing, "no such file"), (no_crs, "coordinate system")]
    cases.append((tmp_path, "folder"))
    for path, reason in cases:
        for reader in (raster_info, TileSource):
            with pytest.raises(LayerReadError) as caught:
                reader(path)
            assert caught.value.path == path
            assert str(path) in str(caught.value) and reason in str(caught.value)


def test_threads_render_the_same_bytes_as_one_thread(rgb_5186: Path) -> None:
    lat, lon = SEOUL_CITY_HALL
    tiles = [
        tile_at(lat + dy, lon + dx, z)
        for z in (12, 14, 15, 16)
        for dx, dy in ((0, 0), (0.004, 0), (0, 0.004), (-0.004, -0.004), (0.008, -0.008))
    ]
    assert len(tiles) == 20
    with TileSource(rgb_5186) as single:
        expected = {tile: single.tile_png(*tile) for tile in tiles}
    assert all(png is not None for png in expected.values())

    source = TileSource(rgb_5186)

    def render_all(seed: int) -> list[tuple[tuple[int, int, int], bytes | None]]:
        order = random.Random(seed).sample(tiles, len(tiles))
        return [(tile, source.tile_png(*tile)) for tile in order]

    with ThreadPoolExecutor(4) as pool:
        results = [pair for batch in pool.map(render_all, range(4)) for pair in batch]
    assert len(results) == 80
    assert all(png == expected[tile] for tile, png in results)
    source.close()
    source.close()  # idempotent
    assert source.tile_png(*tiles[0]) is None


def open_handles(path: Path) -> int:
    """File descriptors of this process open on ``path`` (one per GDAL dataset)."""
    target = str(path.resolve())
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # closed since listed
            count += fd.readlink().as_posix() == target
    return count


def test_no_dataset_is_read_by_two_threads_at_once(
    rgb_5186: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shared dataset seldom shows in the bytes, so watch every warp's source dataset.
    real = WarpedVRT
    guard = threading.Lock()
    # The four render threads meet inside the warp: all are in it at the same moment, so a
    # dataset handed to two of them is seen (a short timeout covers a round with fewer tiles).
    meeting = threading.Barrier(4, timeout=0.05)
    users: dict[int, int] = {}
    overlaps: list[int] = []

    @contextlib.contextmanager
    def watched(dataset: Any, **options: Any) -> Iterator[Any]:
        with guard:
            users[id(dataset)] = users.get(id(dataset), 0) + 1
            if users[id(dataset)] > 1:
                overlaps.append(id(dataset))
        try:
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
            if meeting.broken:
                meeting.reset()
            with real(dataset, **options) as vrt:
                yield vrt
        finally:
            with guard:
                users[id(dataset)] -= 1

    monkeypatch.setattr(raster, "WarpedVRT", watched)
    lat, lon = SEOUL_CITY_HALL
    tiles = [tile_at(lat, lon + dx, z) for z in (12, 16) for dx in (0, 0.004, 0.008, 0.012)]
    with TileSource(rgb_5186) as source, ThreadPoolExecutor(4) as pool:
        assert all(pool.map(lambda tile: source.tile_png(*tile), tiles * 5))
    assert users and not overlaps


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_open_datasets_stay_few_as_threads_come_and_go(rgb_5186: Path) -> None:
    """A Qt thread pool retires idle threads and PySide gives each runnable a fresh Python
    thread state; new threads must reuse the datasets already open, and close() closes them."""
    before = open_handles(rgb_5186)
    lat, lon = SEOUL_CITY_HALL
    tiles = [tile_at(lat, lon + dx, 16) for dx in (0, 0.004, 0.008, 0.012)]  # full resolution
    source = TileSource(rgb_5186)
    for _ in range(5):
        with ThreadPoolExecutor(4) as pool:  # four new threads each time
            assert all(pool.map(lambda tile: source.tile_png(*tile), tiles * 2))
    assert before < open_handles(rgb_5186) <= before + 4  # at most one per concurrent render
    source.close()
    assert open_handles(rgb_5186) == before
