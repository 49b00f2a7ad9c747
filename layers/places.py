"""Finding places by name and telling coordinates in the Korean national grid."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.city import City


@dataclass(frozen=True, slots=True)
class Place:
    """A district or neighbourhood that matched a search, with its bounds."""

    kind: str  # "district" or "neighbourhood"
    code: str
    name: str
    name_en: str
    district_name: str
    bounds: tuple[float, float, float, float]  # south, west, north, east


def search_places(city: City, text: str, limit: int = 20) -> list[Place]:
    """Districts and neighbourhoods whose Korean or English name contains ``text``.

    Exact and prefix matches come first, districts before neighbourhoods.
    """
    query = text.strip().casefold()
    if not query:
        return []
    districts = {d.code: d for d in city.districts}
    scored: list[tuple[int, int, str, Place]] = []
    areas: list[tuple[str, Any]] = [("district", d) for d in city.districts]
    areas += [("neighbourhood", n) for n in city.neighbourhoods]
    for kind, area in areas:
        names = (area.name.casefold(), area.name_en.casefold())
        if not any(query in name for name in names):
            continue
        rank = 0 if query in names else 1 if any(n.startswith(query) for n in names) else 2
        parent = districts.get(getattr(area, "district_code", area.code))
        box = area.bbox
        place = Place(
            kind,
            area.code,
            area.name,
            area.name_en,
            parent.name if parent else "",
            (box.min_lat, box.min_lon, box.max_lat, box.max_lon),
        )
        scored.append((rank, 0 if kind == "district" else 1, area.name, place))
    scored.sort(key=lambda item: item[:3])
    return [place for *_, place in scored[:limit]]


@lru_cache(maxsize=4)
def _transformer(epsg: int) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(4326, epsg, always_xy=True)


def to_epsg(lat: float, lon: float, epsg: int = 5179) -> tuple[float, float]:
    """WGS 84 degrees to (x, y) metres in ``epsg`` (Korea 2000 unified, EPSG:5179, default)."""
    x, y = _transformer(epsg).transform(lon, lat)
    return float(x), float(y)
