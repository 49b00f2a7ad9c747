"""One description of any layer file, vector or raster (``python main.py layers info``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layers.errors import LayerReadError
from layers.readers import RASTER_SUFFIXES, VECTOR_SUFFIXES, read_vector


def is_raster(path: Path) -> bool:
    """Whether the file is opened as a raster (GeoTIFF)."""
    return path.suffix.lower() in RASTER_SUFFIXES


def describe(path: str | Path, crs: str | None = None) -> dict[str, Any]:
    """CRS as given, feature count or raster size, WGS 84 bounds, fields, encoding, sample."""
    path = Path(path)
    if is_raster(path):
        from layers.raster import raster_info

        info = raster_info(path)
        return {"path": str(path), "kind": "raster", **info.to_json()}
    if path.is_dir() or path.suffix.lower() in VECTOR_SUFFIXES:
        return read_vector(path, crs).info_json()
    raise LayerReadError(
        path,
        "not a layer file Cityroom reads (GeoJSON, GeoPackage, Shapefile or a folder/zip of "
        "one, KML, CSV with coordinates, GeoTIFF)",
    )
