"""Rasters (GeoTIFF or any file GDAL reads, in any CRS) as 256×256 Web Mercator XYZ tiles.

A ``TileSource`` renders the PNG tiles that the map's URL scheme handler serves to Leaflet:
x runs east and y runs south from the north-west corner of the Web Mercator square, as in
Leaflet's default ``L.tileLayer``. Korean data usually comes in EPSG:5186, 5179 or 5174; each
tile is reprojected from the file's own CRS to EPSG:3857 by GDAL's warper.

This module is loaded only when a raster layer is added, so rasterio is imported at its top.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from numpy.typing import NDArray
from rasterio._err import CPLE_BaseError
from rasterio.crs import CRS
from rasterio.enums import ColorInterp, Resampling
from rasterio.errors import RasterioError
from rasterio.io import MemoryFile
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform, transform_bounds
from rasterio.windows import Window

from layers.errors import LayerReadError

TILE_SIZE = 256
WEB_MERCATOR = "EPSG:3857"
WGS84 = "EPSG:4326"
# Half the width of the Web Mercator square, in metres (π × the WGS 84 semi-major axis).
ORIGIN_M = math.pi * 6378137.0
# Metres in a degree of latitude (and of longitude at the equator), near enough for choosing
# an overview and for laying out test rasters.
METRES_PER_DEGREE = 111_320.0
# Latitude of the square's north and south edges.
MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))
# Deeper zooms than this are beyond any map (Leaflet's maxZoom here is 19) and beyond doubles'
# precision for tile edges.
MAX_ZOOM = 30
# The longest side of the decimated read that the display stretch is computed from.
STRETCH_SAMPLE_PX = 1024
STRETCH_PERCENTILES = (2.0, 98.0)
# zlib level of the tiles: they go through memory to the web view, never over a network, so
# encoding time counts more than size (level 1: ~3 ms and ~25 kB a tile; level 6: ~8 ms, ~16 kB).
PNG_ZLEVEL = 1

# What a failed open, read or warp raises: rasterio's own errors, and GDAL's errors passed on
# by rasterio's Cython layer (CPLE_*, which rasterio.errors does not re-export).
_GDAL_ERRORS: tuple[type[Exception], ...] = (RasterioError, CPLE_BaseError, OSError)


@dataclass(frozen=True, slots=True)
class RasterInfo:
    """What a raster file holds and where it lies."""

    path: Path
    crs: str  # "EPSG:5186" when the file's CRS is identified as an EPSG code, else its WKT
    width: int
    height: int
    bands: int
    dtype: str  # of band 1
    bounds_wgs84: tuple[float, float, float, float]  # west, south, east, north in degrees
    overview_levels: tuple[int, ...]  # decimation factors of band 1's overviews, e.g. (2, 4, 8)
    nodata: float | None

    def to_json(self) -> dict[str, object]:
        """A dict ready for ``json.dumps`` (strict JSON: a NaN nodata is given as "nan")."""
        nodata: float | str | None = self.nodata
        if self.nodata is not None and not math.isfinite(self.nodata):
            nodata = str(self.nodata)
        return {
            "path": str(self.path),
            "crs": self.crs,
            "width": self.width,
            "height": self.height,
            "bands": self.bands,
            "dtype": self.dtype,
            "bounds_wgs84": list(self.bounds_wgs84),
            "overview_levels": list(self.overview_levels),
            "nodata": nodata,
        }


# --- Web Mercator XYZ tiles -------------------------------------------------------------------


def _check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise ValueError(f"zoom {z} is outside 0..{MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ValueError(f"tile {z}/{x}/{y} is outside the {2**z}×{2**z} tiles of zoom {z}")


def tile_bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north of XYZ tile ``z/x/y`` in Web Mercator metres (EPSG:3857).

    Raises ``ValueError`` for a tile that does not exist at that zoom.
    """
    _check_tile(z, x, y)
    size = 2 * ORIGIN_M / 2**z
    west = -ORIGIN_M + x * size
    north = ORIGIN_M - y * size
    return west, north - size, west + size, north


def tile_bounds_wgs84(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north of XYZ tile ``z/x/y`` in degrees (WGS 84).

    Raises ``ValueError`` for a tile that does not exist at that zoom.
    """
    _check_tile(z, x, y)
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def _lonlat_to_3857(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = math.radians(lon) * 6378137.0
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0
    return x, y


# --- reading files ----------------------------------------------------------------------------


def _open(path: Path, overview_level: int | None = None) -> Any:
    """``rasterio.open`` with every failure turned into a ``LayerReadError`` naming ``path``."""
    if not path.exists():
        raise LayerReadError(path, "no such file")
    if path.is_dir():
        raise LayerReadError(path, "this is a folder, not a raster file")
    options = {} if overview_level is None else {"overview_level": overview_level}
    try:
        return rasterio.open(path, **options)
    except _GDAL_ERRORS as error:
        raise LayerReadError(
            path, f"not a raster file that GDAL can read (GeoTIFF expected): {error}"
        ) from error


def _crs_name(crs: Any) -> str:
    authority = crs.to_authority()
    if authority and authority[0] == "EPSG":
        return f"EPSG:{authority[1]}"
    return str(crs.to_wkt())


def _read_info(path: Path, dataset: Any) -> RasterInfo:
    if dataset.count < 1:
        raise LayerReadError(path, "the file has no raster bands")
    if dataset.crs is None:
        raise LayerReadError(
            path,
            "the raster does not say its coordinate system; assign one (e.g. EPSG:5186) "
            "with GDAL before loading it",
        )
    if dataset.transform.is_identity:
        raise LayerReadError(path, "the raster is not georeferenced (it has no geotransform)")
    # All four corners, not rasterio's bounds, so that a rotated geotransform is covered too.
    width, height = dataset.width, dataset.height
    corners = [dataset.transform @ xy for xy in ((0, 0), (width, 0), (0, height), (width, height))]
    xs = [float(c[0]) for c in corners]
    ys = [float(c[1]) for c in corners]
    try:
        west, south, east, north = transform_bounds(
            dataset.crs, WGS84, min(xs), min(ys), max(xs), max(ys), densify_pts=21
        )
    except _GDAL_ERRORS as error:
        raise LayerReadError(
            path, f"its coordinates cannot be converted to WGS 84: {error}"
        ) from error
    bounds = (float(west), float(south), float(east), float(north))
    if not all(math.isfinite(b) for b in bounds):
        raise LayerReadError(path, "its coordinates cannot be converted to WGS 84")
    nodata = dataset.nodata
    return RasterInfo(
        path=path,
        crs=_crs_name(dataset.crs),
        width=int(dataset.width),
        height=int(dataset.height),
        bands=int(dataset.count),
        dtype=str(dataset.dtypes[0]),
        bounds_wgs84=bounds,
        overview_levels=tuple(int(f) for f in dataset.overviews(1)),
        nodata=None if nodata is None else float(nodata),
    )


def raster_info(path: str | Path) -> RasterInfo:
    """Size, bands, CRS, WGS 84 bounds and overviews of the raster at ``path``.

    Raises ``LayerReadError`` for a missing or unreadable file, one that is not a raster, and a
    raster that does not say its coordinate system.
    """
    source = Path(path)
    with _open(source) as dataset:
        return _read_info(source, dataset)


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Look:
    """How the file's bands become RGBA: which bands, which alpha, which stretch."""

    bands: tuple[int, ...]  # 1 band (grey) or 3 (red, green, blue)
    alpha_band: int  # 0 when the file has no alpha band
    stretch: tuple[tuple[float, float], ...] | None  # (low, high) per band; None for uint8


def _choose_look(dataset: Any) -> _Look:
    interps = list(dataset.colorinterp)
    alpha = next((i + 1 for i, c in enumerate(interps) if c == ColorInterp.alpha), 0)
    data = [b for b in range(1, dataset.count + 1) if b != alpha]
    bands = tuple(data[:3]) if len(data) >= 3 else tuple(data[:1])
    if dataset.dtypes[0] == "uint8":
        return _Look(bands, alpha, None)
    # A decimated read (GDAL takes it from an overview when there is one) is enough for
    # percentiles and keeps opening a 10,000 px raster quick.
    scale = min(1.0, STRETCH_SAMPLE_PX / max(dataset.width, dataset.height))
    shape = (
        len(bands),
        max(1, round(dataset.height * scale)),
        max(1, round(dataset.width * scale)),
    )
    sample = dataset.read(bands, out_shape=shape, masked=True, resampling=Resampling.nearest)
    stretch = []
    for band in sample:
        values = np.asarray(band.compressed(), dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            stretch.append((0.0, 1.0))
            continue
        low, high = (float(v) for v in np.percentile(values, STRETCH_PERCENTILES))
        if high <= low:  # a constant band: shown mid-grey rather than black
            low, high = low - 0.5, low + 0.5
        stretch.append((low, high))
    return _Look(bands, alpha, tuple(stretch))


def _to_rgba(data: NDArray[Any], valid: NDArray[np.bool_], look: _Look) -> NDArray[np.uint8]:
    if look.stretch is None:
        channels = data.astype(np.uint8)
    else:
        channels = np.empty(data.shape, dtype=np.uint8)
        for i, (low, high) in enumerate(look.stretch):
            scaled = (data[i].astype(np.float64) - low) * (255.0 / (high - low))
            np.clip(np.nan_to_num(scaled), 0.0, 255.0, out=scaled)
            channels[i] = np.rint(scaled)
    rgba = np.zeros((4, TILE_SIZE, TILE_SIZE), dtype=np.uint8)
    rgba[:3] = channels if channels.shape[0] == 3 else channels[0]
    rgba[:3, ~valid] = 0  # clean transparent pixels compress better
    rgba[3] = np.where(valid, 255, 0)
    return rgba


def _encode_png(rgba: NDArray[np.uint8], tile_transform: Affine) -> bytes:
    # The tile's transform is given only so that rasterio does not warn about an
    # ungeoreferenced dataset; the PNG driver keeps it out of the PNG bytes.
    with MemoryFile() as memory:
        # The PNG driver cannot write in place: rasterio buffers the bands and writes the PNG
        # when this dataset closes, so the bytes are read after the inner block.
        with memory.open(
            driver="PNG",
            width=TILE_SIZE,
            height=TILE_SIZE,
            count=4,
            dtype="uint8",
            transform=tile_transform,
            zlevel=PNG_ZLEVEL,
        ) as png:
            png.write(rgba)
        return bytes(memory.read())


class TileSource:
    """Renders XYZ tiles of one raster. Thread-safe: the tile handler calls it from a pool of
    worker threads, and a rasterio dataset handle must never be used by two threads at once.

    Each render borrows an open dataset that no other render is using and gives it back after
    reading; datasets are opened as needed, so there are as many per overview level as renders
    ever ran at once. Not threading.local: on a QThreadPool, PySide gives every runnable a
    fresh Python thread state, so thread-local data does not outlive one tile and each tile
    would open the file again.

    Display: one band (or two) as a grey ramp, three or more as RGB from bands 1-3; uint8 data
    as is, other types stretched between the 2nd and 98th percentiles of the whole raster.
    Pixels outside the raster, equal to nodata, masked by an alpha band or NaN are transparent.
    Resampling is nearest-neighbour, so zoomed in the file's own pixels are shown.
    """

    def __init__(self, path: str | Path) -> None:
        """Read the raster's description and its display stretch; ``LayerReadError`` if it
        cannot be read."""
        self._path = Path(path)
        with _open(self._path) as dataset:
            self.info = _read_info(self._path, dataset)
            if np.dtype(dataset.dtypes[0]).kind == "c":
                raise LayerReadError(self._path, "complex-valued rasters cannot be shown")
            try:
                self._look = _choose_look(dataset)
            except _GDAL_ERRORS as error:
                raise LayerReadError(self._path, f"reading its values failed: {error}") from error
            self._pixel_size = (abs(float(dataset.res[0])), abs(float(dataset.res[1])))
            self._geographic = bool(dataset.crs.is_geographic)
            self._metres_per_unit = _metres_per_unit(dataset.crs)
            # (factor, index for rasterio's overview_level), coarsest first.
            factors = dataset.overviews(1)
            self._overviews = sorted(((int(f), i) for i, f in enumerate(factors)), reverse=True)
        west, south, east, north = self.info.bounds_wgs84
        self._bounds_3857 = (*_lonlat_to_3857(west, south), *_lonlat_to_3857(east, north))
        self._state = threading.Condition()  # guards everything below
        self._idle: dict[int, list[Any]] = {}  # by overview index (-1: full resolution)
        self._opened: list[Any] = []
        self._busy = 0  # renders in progress, so close() can wait for them
        self._closed = False

    def __enter__(self) -> TileSource:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def tile_png(self, z: int, x: int, y: int) -> bytes | None:
        """PNG bytes of the RGBA 256×256 tile ``z/x/y``; None when the tile does not reach the
        raster's bounds, does not exist, or the source is closed.

        Raises ``LayerReadError`` when reading the file fails (a damaged block, a vanished
        file).
        """
        try:
            west, south, east, north = tile_bounds_3857(z, x, y)
        except ValueError:
            return None
        r_west, r_south, r_east, r_north = self._bounds_3857
        if west >= r_east or east <= r_west or south >= r_north or north <= r_south:
            return None
        with self._state:
            if self._closed:
                return None
            self._busy += 1
        try:
            return self._render((west, south, east, north))
        except _GDAL_ERRORS as error:
            raise LayerReadError(
                self._path, f"reading tile {z}/{x}/{y} failed: {error}"
            ) from error
        finally:
            with self._state:
                self._busy -= 1
                self._state.notify_all()

    def close(self) -> None:
        """Close every dataset opened, once renders in progress have finished. Idempotent;
        tiles asked for afterwards are None."""
        with self._state:
            self._closed = True
            self._state.wait_for(lambda: self._busy == 0)
            opened, self._opened, self._idle = self._opened, [], {}
        for dataset in opened:
            dataset.close()

    def _render(self, bounds: tuple[float, float, float, float]) -> bytes:
        west, _, east, north = bounds
        pixel = (east - west) / TILE_SIZE
        tile_transform = Affine(pixel, 0.0, west, 0.0, -pixel, north)
        overview = self._overview_for(bounds, pixel)
        look = self._look
        # A warped VRT exactly the size of the tile: GDAL's warper reads only the source window
        # under it. Its alpha band marks every pixel the warper filled, so pixels outside the
        # raster, nodata and the file's own alpha-0 pixels come out 0. A file with an alpha band
        # keeps it as the VRT's alpha (rasterio cannot add a second one).
        # (rasterio.warp.reproject into an array would do the same but builds an in-memory
        # dataset per call, which emits spurious NotGeoreferencedWarnings under threads.)
        options: dict[str, Any] = {"src_alpha": look.alpha_band} if look.alpha_band else {}
        dataset = self._borrow(overview)
        try:
            with WarpedVRT(
                dataset,
                crs=WEB_MERCATOR,
                transform=tile_transform,
                width=TILE_SIZE,
                height=TILE_SIZE,
                resampling=Resampling.nearest,
                add_alpha=not look.alpha_band,
                **options,
            ) as vrt:
                alpha = look.alpha_band or int(vrt.count)
                out = vrt.read([*look.bands, alpha])
        except BaseException:
            self._discard(dataset)  # a dataset that failed mid-read is not trusted again
            raise
        self._give_back(overview, dataset)
        data = out[:-1]
        valid = out[-1] > 0
        if look.stretch is not None:
            valid &= np.isfinite(data).all(axis=0)
        return _encode_png(_to_rgba(data, valid, look), tile_transform)

    def _overview_for(self, bounds: tuple[float, float, float, float], pixel: float) -> int:
        """The overview to read a tile from: the coarsest one still at least as fine as the
        tile's pixels, or -1 for full resolution.

        This is how overviews get used: GDAL's warper reads whichever dataset it is given at
        that dataset's resolution, so each overview is opened as a dataset of its own
        (rasterio's ``overview_level``, GDAL's OVERVIEW_LEVEL open option) and a zoomed-out
        tile is warped from a small overview instead of from thousands of full-size pixels.
        """
        if not self._overviews:
            return -1
        # Both pixel sizes as metres on the ground, at the latitude of the part of the tile
        # that overlaps the raster. Web Mercator stretches the ground by 1/cos(latitude); a
        # projected CRS's own scale error (under 0.1 % for Korea's TM grids) is ignored, which
        # is far finer than the factor of 2 between overviews. No PROJ call per tile.
        south = max(bounds[1], self._bounds_3857[1])
        north = min(bounds[3], self._bounds_3857[3])
        lat = math.atan(math.sinh((south + north) / 2 / 6378137.0))
        tile_m = pixel * math.cos(lat)
        if self._geographic:
            source_m = min(
                self._pixel_size[0] * METRES_PER_DEGREE * math.cos(lat),
                self._pixel_size[1] * METRES_PER_DEGREE,
            )
        else:
            source_m = min(self._pixel_size) * self._metres_per_unit
        wanted = tile_m / source_m
        for factor, index in self._overviews:
            if factor <= wanted:
                return index
        return -1

    def _borrow(self, overview: int) -> Any:
        """An open dataset of ``overview`` (-1: full resolution) that no render is using."""
        with self._state:
            idle = self._idle.get(overview)
            if idle:
                return idle.pop()  # the last one given back: its block cache is the warmest
        dataset = _open(self._path, None if overview < 0 else overview)
        with self._state:
            self._opened.append(dataset)
        return dataset

    def _give_back(self, overview: int, dataset: Any) -> None:
        with self._state:
            self._idle.setdefault(overview, []).append(dataset)

    def _discard(self, dataset: Any) -> None:
        with self._state:
            if dataset in self._opened:
                self._opened.remove(dataset)
        dataset.close()


def _metres_per_unit(crs: Any) -> float:
    """Metres in one unit of a projected CRS's axes (1.0 when the CRS does not say)."""
    try:
        return float(crs.linear_units_factor[1])
    except ValueError:  # rasterio's CRSError: no linear units
        return 1.0


# --- synthetic test rasters -------------------------------------------------------------------


def _pattern(
    rows: NDArray[np.float64], cols: NDArray[np.float64], width: int, height: int, band: int
) -> NDArray[np.float64]:
    """Band ``band`` (0-based) of the test pattern, in 0..1: red rises to the east, green to
    the south, blue is rings around the centre, further bands mix the gradients."""
    u = cols / max(width - 1, 1)
    v = rows / max(height - 1, 1)
    if band == 0:
        return u
    if band == 1:
        return v
    if band == 2:
        radius = np.hypot(cols - (width - 1) / 2, rows - (height - 1) / 2)
        period = max(width, height) / 8
        result: NDArray[np.float64] = 0.5 + 0.5 * np.cos(2 * np.pi * radius / period)
        return result
    return (u + v) / 2 if band % 2 else (1 + u - v) / 2


def _single_band_pattern(
    rows: NDArray[np.float64], cols: NDArray[np.float64], width: int, height: int
) -> NDArray[np.float64]:
    """The one-band pattern: rings that brighten towards the east."""
    rings = _pattern(rows, cols, width, height, 2)
    return 0.5 * _pattern(rows, cols, width, height, 0) + 0.5 * rings


def make_test_geotiff(
    path: str | Path,
    width: int = 512,
    height: int = 512,
    crs: str = "EPSG:5186",
    centre_lat: float = 37.5665,
    centre_lon: float = 126.9780,
    pixel_m: float = 10.0,
    bands: int = 3,
    overviews: bool = True,
    *,
    dtype: str = "uint8",
    nodata: float | None = None,
) -> Path:
    """Write a tiled, DEFLATE-compressed GeoTIFF with a synthetic pattern centred on a point.

    Three or more bands: red rises from west to east, green from north to south, blue is rings
    around the centre (one ring every 1/8 of the longer side). One or two bands: rings that
    brighten towards the east. uint8 spans 0-255, floats 100-900 (like heights in metres),
    other integers 0-4095. With ``nodata`` the north-west quadrant (rows < height/2, columns <
    width/2) is nodata. Pixels are ``pixel_m`` metres on the ground (converted to degrees at
    the centre for a geographic CRS). Overviews (2, 4, … until one fits a 256 px block) are
    built inside the file, by averaging, when ``overviews`` is true. Returns the path.
    """
    target = Path(path)
    crs_obj = CRS.from_user_input(crs)
    xs, ys = transform(WGS84, crs_obj, [centre_lon], [centre_lat])
    if crs_obj.is_geographic:
        res_y = pixel_m / METRES_PER_DEGREE
        res_x = res_y / math.cos(math.radians(centre_lat))
    else:
        res_x = res_y = pixel_m / float(crs_obj.linear_units_factor[1])
    west = xs[0] - width / 2 * res_x
    north = ys[0] + height / 2 * res_y
    kind = np.dtype(dtype)
    predictor = 3 if kind.kind == "f" else 2
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": bands,
        "dtype": dtype,
        "crs": crs_obj,
        "transform": Affine(res_x, 0.0, west, 0.0, -res_y, north),
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": predictor,
        "interleave": "pixel",
    }
    if kind.kind == "f":
        low, span = 100.0, 800.0
    elif kind == np.uint8:
        low, span = 0.0, 255.0
    else:
        low, span = 0.0, 4095.0
    strip = 512  # rows at a time, so a 10,000 px wide file needs tens of MB, not gigabytes
    with rasterio.open(target, "w", **profile) as dst:
        if bands >= 3:
            # Only red, green and blue: a fourth uint8 band would otherwise be taken as alpha.
            dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue] + [
                ColorInterp.undefined
            ] * (bands - 3)
        cols = np.arange(width, dtype=np.float64)[np.newaxis, :]
        for top in range(0, height, strip):
            rows = np.arange(top, min(top + strip, height), dtype=np.float64)[:, np.newaxis]
            block = np.empty((bands, rows.shape[0], width), dtype=kind)
            for band in range(bands):
                if bands >= 3:
                    values = _pattern(rows, cols, width, height, band)
                else:
                    values = _single_band_pattern(rows, cols, width, height)
                values = low + span * values
                if kind.kind != "f":
                    values = np.rint(values)
                block[band] = values
            if nodata is not None:
                hole = (rows < height // 2) & (cols < width // 2)
                # A valid pixel that happens to equal nodata would read as a hole.
                clash = (block == nodata) & ~hole
                block[clash] = nodata + 1 if nodata < low + span else nodata - 1
                block[:, hole] = nodata
            window = Window(0, top, width, rows.shape[0])
            dst.write(block, window=window)
        if overviews:
            factors = []
            factor = 2
            while max(width, height) / (factor / 2) > 256:
                factors.append(factor)
                factor *= 2
            if factors:
                dst.build_overviews(factors, Resampling.average)
                dst.update_tags(ns="rio_overview", resampling="average")
    return target
