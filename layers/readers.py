"""Reading user layers: GeoJSON, GeoPackage, Shapefile (file, folder or zip), KML and CSV.

Everything is reprojected to WGS 84 for the map. Korean shapefiles often carry CP949 text with
no ``.cpg`` file; the encoding is detected from the attribute bytes. Invalid geometries are
repaired (or skipped when they cannot be), and both counts are reported. Large GeoPackages and
shapefiles are read in chunks so a load can report progress and be cancelled.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layers.errors import LayerReadError, LoadCancelled, MissingCrsError

VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".kml", ".csv", ".zip"}
RASTER_SUFFIXES = {".tif", ".tiff"}
CHUNK = 20_000
LAT_NAMES = ("lat", "latitude", "위도", "y_wgs84")
LON_NAMES = ("lon", "lng", "long", "longitude", "경도", "x_wgs84")
XY_NAMES = (("x", "y"), ("x좌표", "y좌표"), ("easting", "northing"))

Progress = Callable[[int, int], None]  # done, total
Cancelled = Callable[[], bool]


@dataclass
class VectorLayer:
    """A vector file read and reprojected to WGS 84."""

    path: Path
    name: str
    crs: str  # as the file gives it (or as the operator chose)
    encoding: str | None
    feature_count: int
    geometry_type: str
    bounds_wgs84: tuple[float, float, float, float]  # west, south, east, north
    fields: list[tuple[str, str]]
    sample: list[dict[str, Any]]
    repaired: int = 0
    skipped: int = 0
    frame: Any = field(default=None, repr=False)  # the GeoDataFrame, in WGS 84

    def info_json(self) -> dict[str, Any]:
        """What ``layers info`` prints."""
        return {
            "path": str(self.path),
            "kind": "vector",
            "crs": self.crs,
            "feature_count": self.feature_count,
            "geometry_type": self.geometry_type,
            "bounds_wgs84": list(self.bounds_wgs84),
            "fields": [{"name": n, "type": t} for n, t in self.fields],
            "encoding": self.encoding,
            "sample": self.sample,
            "repaired": self.repaired,
            "skipped": self.skipped,
        }

    def columns_json(self) -> tuple[str, str]:
        """Geometries and properties as two JSON array texts, in feature order.

        Made by vectorised code (shapely and pandas), several times faster than a GeoJSON
        FeatureCollection for large layers; the page zips them back into features.
        """
        import shapely

        geometry = self.frame.geometry
        geometries = "[" + ",".join(shapely.to_geojson(geometry.values, indent=None)) + "]"
        properties = self.frame.drop(columns=geometry.name).to_json(
            orient="records", force_ascii=False, date_format="iso"
        )
        return geometries, properties


def detect_dbf_encoding(raw: bytes) -> str:
    """The text encoding of a dBASE attribute file's records: UTF-8, CP949 or Latin-1.

    Korean shapefiles without a .cpg are usually CP949 (EUC-KR); bytes that are valid UTF-8
    are taken as UTF-8 first, because CP949 would also accept many of them.
    """
    if len(raw) < 32:
        return "UTF-8"
    header_length = int.from_bytes(raw[8:10], "little")
    records = raw[header_length : header_length + 262_144]
    for encoding in ("utf-8", "cp949"):
        try:
            records.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "UTF-8" if encoding == "utf-8" else "CP949"
    return "ISO-8859-1"


def _shapefile_encoding(path: Path, dbf: bytes | None, cpg: str | None) -> str | None:
    if cpg:
        return cpg.strip() or None
    return detect_dbf_encoding(dbf) if dbf is not None else None


def resolve_source(path: Path) -> tuple[str, str | None]:
    """The path GDAL should open and the attribute encoding (for shapefiles)."""
    if not path.exists():
        raise LayerReadError(path, "no such file or folder")
    if path.is_dir():
        found = sorted(path.glob("*.shp"))
        if not found:
            raise LayerReadError(path, "the folder holds no shapefile (.shp)")
        if len(found) > 1:
            names = ", ".join(s.name for s in found[:5])
            raise LayerReadError(path, f"the folder holds several shapefiles ({names}); open one")
        path = found[0]
    suffix = path.suffix.lower()
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = archive.namelist()
                shp_names = [n for n in members if n.lower().endswith(".shp")]
                if not shp_names:
                    raise LayerReadError(path, "the zip archive holds no shapefile (.shp)")
                stem = shp_names[0][:-4].lower()
                dbf_name = next((n for n in members if n.lower() == f"{stem}.dbf"), None)
                cpg_name = next((n for n in members if n.lower() == f"{stem}.cpg"), None)
                encoding = _shapefile_encoding(
                    path,
                    archive.read(dbf_name) if dbf_name else None,
                    archive.read(cpg_name).decode("ascii", "replace") if cpg_name else None,
                )
        except zipfile.BadZipFile as exc:
            raise LayerReadError(path, f"not a readable zip archive ({exc})") from exc
        return f"/vsizip/{path}/{shp_names[0]}", encoding
    if suffix == ".shp":
        dbf = next(iter(path.parent.glob(f"{path.stem}.[dD][bB][fF]")), None)
        cpg = next(iter(path.parent.glob(f"{path.stem}.[cC][pP][gG]")), None)
        encoding = _shapefile_encoding(
            path,
            dbf.read_bytes() if dbf else None,
            cpg.read_text(encoding="ascii", errors="replace") if cpg else None,
        )
        return str(path), encoding
    return str(path), None


def read_vector(
    path: str | Path,
    crs: str | None = None,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> VectorLayer:
    """Read a vector file and reproject it to WGS 84.

    ``crs`` is used when the file does not name its coordinate system (the operator's answer
    to ``MissingCrsError``). Raises ``LayerReadError`` naming the file and the reason, and
    ``LoadCancelled`` when ``cancelled()`` turns true between chunks.
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        frame, source_crs, encoding = _read_csv(path, crs)
    else:
        frame, source_crs, encoding = _read_ogr(path, crs, progress, cancelled)
    return _finish(path, frame, source_crs, encoding)


def _read_ogr(
    path: Path, crs: str | None, progress: Progress | None, cancelled: Cancelled | None
) -> tuple[Any, str, str | None]:
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    source, encoding = resolve_source(path)
    try:
        info = pyogrio.read_info(source, encoding=encoding)
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(path, f"not a readable layer file ({_first_line(exc)})") from exc
    total = int(info.get("features") or 0)
    chunked = (total > CHUNK and path.suffix.lower() in {".gpkg", ".shp", ".zip"}) or (
        path.is_dir() and total > CHUNK
    )
    try:
        if chunked:
            parts = []
            for start in range(0, total, CHUNK):
                if cancelled is not None and cancelled():
                    raise LoadCancelled(f"loading {path} was cancelled")
                parts.append(
                    pyogrio.read_dataframe(
                        source, encoding=encoding, skip_features=start, max_features=CHUNK
                    )
                )
                if progress is not None:
                    progress(min(total, start + CHUNK), total)
            frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
        else:
            frame = pyogrio.read_dataframe(source, encoding=encoding)
            if progress is not None:
                progress(len(frame), len(frame))
    except (DataSourceError, DataLayerError) as exc:
        raise LayerReadError(path, f"not a readable layer file ({_first_line(exc)})") from exc
    if frame.crs is None:
        if crs is None:
            raise MissingCrsError(path)
        frame = frame.set_crs(crs)
        given = crs
    else:
        given = _crs_name(frame.crs)
    return frame, given, encoding


def _read_csv(path: Path, crs: str | None) -> tuple[Any, str, str | None]:
    import geopandas as gpd
    import pandas as pd

    encoding = "UTF-8"
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        encoding = "CP949"
    try:
        table = pd.read_csv(path, encoding=encoding.lower())
    except (ValueError, pd.errors.ParserError) as exc:
        raise LayerReadError(path, f"not a readable CSV table ({_first_line(exc)})") from exc
    columns = {str(c).strip().casefold(): c for c in table.columns}
    lat = next((columns[n] for n in LAT_NAMES if n in columns), None)
    lon = next((columns[n] for n in LON_NAMES if n in columns), None)
    if lat is not None and lon is not None:
        x, y, given = table[lon], table[lat], crs or "EPSG:4326"
    else:
        pair = next(
            ((columns[a], columns[b]) for a, b in XY_NAMES if a in columns and b in columns), None
        )
        if pair is None:
            raise LayerReadError(
                path,
                "no coordinate columns found; name them lat/lon (위도/경도) or x/y",
            )
        if crs is None:
            raise MissingCrsError(path)
        x, y, given = table[pair[0]], table[pair[1]], crs
    x = pd.to_numeric(x, errors="coerce")
    y = pd.to_numeric(y, errors="coerce")
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(x, y), crs=given)
    return frame, given, encoding


def _finish(path: Path, frame: Any, source_crs: str, encoding: str | None) -> VectorLayer:
    import shapely

    geometry = frame.geometry
    missing = geometry.isna() | geometry.is_empty
    coordinates_bad = ~missing & ~shapely.is_valid_input(geometry.values)
    skipped_mask = missing | coordinates_bad
    frame = frame[~skipped_mask].copy()
    invalid = ~frame.geometry.is_valid
    repaired = int(invalid.sum())
    if repaired:
        frame.loc[invalid, frame.geometry.name] = shapely.make_valid(
            frame.geometry[invalid].values
        )
    try:
        frame = frame.to_crs("EPSG:4326")
    except Exception as exc:
        raise LayerReadError(path, f"cannot reproject from {source_crs} ({exc})") from exc
    nan_xy = frame.geometry.isna() | frame.geometry.is_empty
    skipped = int(skipped_mask.sum()) + int(nan_xy.sum())
    frame = frame[~nan_xy]
    if len(frame) == 0:
        raise LayerReadError(path, "it holds no features with usable geometry")
    west, south, east, north = (float(v) for v in frame.total_bounds)
    fields = [(str(c), str(t)) for c, t in frame.dtypes.items() if c != frame.geometry.name]
    sample_frame = frame.drop(columns=frame.geometry.name).head(3)
    sample = json.loads(
        sample_frame.to_json(orient="records", force_ascii=False, date_format="iso")
    )
    types = sorted(set(frame.geom_type.dropna()))
    return VectorLayer(
        path=path,
        name=path.stem,
        crs=source_crs,
        encoding=encoding,
        feature_count=len(frame),
        geometry_type="/".join(types),
        bounds_wgs84=(west, south, east, north),
        fields=fields,
        sample=sample,
        repaired=repaired,
        skipped=skipped,
        frame=frame,
    )


def _crs_name(crs: Any) -> str:
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else str(crs.to_string())


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
