"""Raster tile benchmark: one map viewport's tiles of a 10,000 × 10,000 px GeoTIFF (EPSG:5186)."""

from __future__ import annotations

import math
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import Result, median
from layers.raster import ORIGIN_M, TILE_SIZE, TileSource, make_test_geotiff, raster_info

VIEWPORT_PX = (1280, 800)
SIDE_PX = 10_000
PIXEL_M = 10.0
CENTRE = (37.5665, 126.9780)  # Seoul City Hall
REPEATS = 5
THREADS = 4
TARGET_S = 1.0

Tile = tuple[int, int, int]


def viewport_tiles(
    lat: float, lon: float, z: int, size: tuple[int, int] = VIEWPORT_PX
) -> list[Tile]:
    """The XYZ tiles Leaflet asks for to fill a ``size`` viewport centred on ``lat``, ``lon``."""
    world = TILE_SIZE * 2**z
    cx = (lon + 180.0) / 360.0 * world
    cy = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * world
    left, top = cx - size[0] / 2, cy - size[1] / 2
    xs = range(math.floor(left / TILE_SIZE), math.floor((left + size[0] - 1) / TILE_SIZE) + 1)
    ys = range(math.floor(top / TILE_SIZE), math.floor((top + size[1] - 1) / TILE_SIZE) + 1)
    return [(z, x, y) for y in ys for x in xs]


def whole_raster_zoom(bounds: tuple[float, float, float, float]) -> int:
    """The deepest zoom at which a raster with these WGS 84 bounds fits in the viewport."""
    west, south, east, north = bounds

    def mercator_y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0

    width_m = math.radians(east - west) * 6378137.0
    height_m = mercator_y(north) - mercator_y(south)
    z = 0
    while True:
        pixel = 2 * ORIGIN_M / (TILE_SIZE * 2 ** (z + 1))
        if width_m / pixel > VIEWPORT_PX[0] or height_m / pixel > VIEWPORT_PX[1]:
            return z
        z += 1


def full_resolution_zoom(lat: float, pixel_m: float) -> int:
    """The shallowest zoom whose pixels are no larger on the ground than the raster's."""
    z = 0
    while 2 * ORIGIN_M / (TILE_SIZE * 2**z) * math.cos(math.radians(lat)) > pixel_m:
        z += 1
    return z


def render(source: TileSource, tiles: list[Tile], threads: int = 1) -> tuple[float, int]:
    """Seconds to render ``tiles`` (in sequence, or on a pool of ``threads``) and how many of
    them reach the raster."""
    start = time.perf_counter()
    if threads == 1:
        pngs = [source.tile_png(*tile) for tile in tiles]
    else:
        with ThreadPoolExecutor(threads) as pool:
            pngs = list(pool.map(lambda tile: source.tile_png(*tile), tiles))
    return time.perf_counter() - start, sum(png is not None for png in pngs)


def viewport(path: Path, z: int, label: str, made: str) -> list[Result]:
    """First render and the median of repeats of the viewport's tiles at zoom ``z``."""
    tiles = viewport_tiles(*CENTRE, z)
    with TileSource(path) as source:
        cold, drawn = render(source, tiles)
        warm = median([render(source, tiles)[0] for _ in range(REPEATS)])
    with TileSource(path) as source:
        pooled, _ = render(source, tiles, THREADS)
    note = (
        f"{len(tiles)} tiles at z{z}, {drawn} of them over the raster, rendered one after "
        f"another on one thread; {made}"
    )
    name = f"raster viewport {VIEWPORT_PX[0]}×{VIEWPORT_PX[1]}, {label} (z{z})"
    return [
        Result(
            f"{name}, first render",
            cold,
            "s",
            f"<= {TARGET_S} s",
            cold <= TARGET_S,
            note + "; first = a new TileSource (datasets opened, GDAL cache empty; the file "
            "itself is in the OS cache)",
        ),
        Result(
            f"{name}, median of {REPEATS}",
            warm,
            "s",
            f"<= {TARGET_S} s",
            warm <= TARGET_S,
            note,
        ),
        Result(
            f"{name}, first render on {THREADS} threads (reference, no target)",
            pooled,
            "s",
            "reference",
            True,
            "as the tile handler's worker pool renders them",
        ),
    ]


def run() -> list[Result]:
    """Every raster benchmark."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.tif"
        start = time.perf_counter()
        make_test_geotiff(path, SIDE_PX, SIDE_PX, "EPSG:5186", *CENTRE, pixel_m=PIXEL_M)
        created = time.perf_counter() - start
        info = raster_info(path)
        made = (
            f"file {SIDE_PX:,} × {SIDE_PX:,} px × {info.bands} bands {info.dtype}, "
            f"{info.crs}, {PIXEL_M:g} m pixels, DEFLATE, overviews "
            f"{', '.join(map(str, info.overview_levels))}: {path.stat().st_size / 1e6:.0f} MB "
            f"made in {created:.1f} s"
        )
        results = viewport(path, whole_raster_zoom(info.bounds_wgs84), "whole raster", made)
        results += viewport(
            path, full_resolution_zoom(CENTRE[0], PIXEL_M), "full resolution", made
        )
    return results


if __name__ == "__main__":
    for result in run():
        print(result.line(), f"— {result.note}" if result.note else "", flush=True)
