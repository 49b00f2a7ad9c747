"""The demo city's layers as compact, JSON-ready data for the map page.

Point layers are rows or columns (not GeoJSON) so that 29,477 cameras cross the web channel in a
few hundred kilobytes per batch; the page knows each layer's layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from core.city import DEFAULT_ROOT, Camera, City, CrisisLevel, level_for
from core.model import Incident

CAMERA_PURPOSES = ("crime_prevention", "traffic", "disaster", "parking_lpr")
T = TypeVar("T")


def boundaries(name: str) -> dict[str, Any]:
    """A shipped boundary layer ("districts" or "neighbourhoods") as GeoJSON."""
    path = DEFAULT_ROOT / f"{name}.geojson"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def camera_columns(cameras: Sequence[Camera]) -> dict[str, Any]:
    """Cameras as columns: numbers in lists, and ids and names in one text ("id\tname\n").

    The page keeps the numbers in typed arrays and the text as one string, so tens of
    thousands of cameras cost it almost nothing to hold.
    """
    return {
        "lat": [round(c.lat, 6) for c in cameras],
        "lon": [round(c.lon, 6) for c in cameras],
        "purpose": [CAMERA_PURPOSES.index(c.purpose.value) for c in cameras],
        "heading": [c.heading_deg for c in cameras],
        "fov": [c.fov_deg for c in cameras],
        "ptz": [1 if c.ptz else 0 for c in cameras],
        "text": "".join(f"{c.id}\t{c.name}\n" for c in cameras),
    }


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Split a sequence into consecutive batches of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def facility_rows(city: City) -> list[list[Any]]:
    """[id, lat, lon, kind, name] per facility."""
    return [[f.id, f.lat, f.lon, f.kind.value, f.name] for f in city.facilities]


def sensor_rows(
    city: City, values: dict[str, float], only: Iterable[str] | None = None
) -> list[list[Any]]:
    """[id, lat, lon, kind, crisis level 0-4, value or None, unit, name] per sensor."""
    wanted = None if only is None else set(only)
    rows = []
    for s in city.sensors:
        if wanted is not None and s.id not in wanted:
            continue
        value = values.get(s.id)
        level = int(level_for(s.kind, value)) if value is not None else int(CrisisLevel.NORMAL)
        rows.append([s.id, s.lat, s.lon, s.kind.value, level, value, s.unit, s.name])
    return rows


def incident_row(incident: Incident, name: str) -> list[Any]:
    """[id, lat, lon, severity, status, open, name] for one incident."""
    return [
        incident.id,
        incident.lat,
        incident.lon,
        incident.severity,
        incident.status.value,
        1 if incident.status.is_open else 0,
        name,
    ]
