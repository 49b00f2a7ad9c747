"""Small pure-Python geometry for the demo city: distances, polygons and a grid index.

Coordinates are WGS 84 degrees. Polygon rings are sequences of ``(lon, lat)`` pairs as in
GeoJSON; function arguments and results use ``(lat, lon)`` order, as map users say them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, NamedTuple, TypeVar

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG) used for haversine distances."""

_METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180.0

Ring = tuple[tuple[float, float], ...]
"""A closed polygon ring of ``(lon, lat)`` pairs."""


class LatLon(NamedTuple):
    """A WGS 84 position in degrees."""

    lat: float
    lon: float


class BBox(NamedTuple):
    """A bounding box in degrees, GeoJSON order."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the position lies in the box or on its edge."""
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two positions."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = math.radians(lon2 - lon1) / 2.0
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2.0 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def point_in_rings(lat: float, lon: float, rings: Sequence[Ring]) -> bool:
    """Even-odd test of a position against polygon rings (outer rings and holes alike).

    Points exactly on an edge may go either way; callers needing a clear answer keep away
    from boundaries.
    """
    inside = False
    for ring in rings:
        prev_lon, prev_lat = ring[-1]
        for cur_lon, cur_lat in ring:
            if (cur_lat > lat) != (prev_lat > lat):
                crossing_lon = cur_lon + (lat - cur_lat) * (prev_lon - cur_lon) / (
                    prev_lat - cur_lat
                )
                if lon < crossing_lon:
                    inside = not inside
            prev_lon, prev_lat = cur_lon, cur_lat
    return inside


def bbox_of(rings: Sequence[Ring]) -> BBox:
    """Bounding box of polygon rings."""
    lons = [lon for ring in rings for lon, _ in ring]
    lats = [lat for ring in rings for _, lat in ring]
    return BBox(min(lons), min(lats), max(lons), max(lats))


def ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Unsigned planar area (square degrees) and centroid ``(lat, lon)`` of one ring."""
    twice_area = 0.0
    sum_lon = 0.0
    sum_lat = 0.0
    # Offsetting by the first vertex keeps the shoelace sums well conditioned.
    lon0, lat0 = ring[0]
    prev_x, prev_y = ring[-1][0] - lon0, ring[-1][1] - lat0
    for lon, lat in ring:
        x, y = lon - lon0, lat - lat0
        cross = prev_x * y - x * prev_y
        twice_area += cross
        sum_lon += (prev_x + x) * cross
        sum_lat += (prev_y + y) * cross
        prev_x, prev_y = x, y
    if twice_area == 0.0:
        return 0.0, lat0, lon0
    return (
        abs(twice_area) / 2.0,
        lat0 + sum_lat / (3.0 * twice_area),
        lon0 + sum_lon / (3.0 * twice_area),
    )


def polygons_centroid(polygons: Sequence[Sequence[Ring]]) -> LatLon:
    """Area-weighted centroid of polygons given as ``[outer, *holes]`` ring lists."""
    total = 0.0
    sum_lat = 0.0
    sum_lon = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, lat, lon = ring_area_centroid(ring)
            weight = area if index == 0 else -area
            total += weight
            sum_lat += weight * lat
            sum_lon += weight * lon
    if total <= 0.0:
        raise ValueError("polygon has no area")
    return LatLon(sum_lat / total, sum_lon / total)


T = TypeVar("T")


class GridIndex(Generic[T]):
    """Nearest-neighbour and radius queries over fixed items on a regular lat/lon grid.

    Cells are about ``cell_m`` metres square at the items' mean latitude. Queries search
    square rings of cells outwards and stop once no unsearched cell can hold anything
    closer, so results equal a brute-force scan.
    """

    def __init__(
        self,
        items: Sequence[T],
        position: Callable[[T], tuple[float, float]],
        cell_m: float = 300.0,
    ) -> None:
        """Index ``items`` at the ``(lat, lon)`` that ``position`` returns for each."""
        positions = [position(item) for item in items]
        lats = [lat for lat, _ in positions] or [0.0]
        mean_lat = sum(lats) / len(lats)
        self._dlat = cell_m / _METRES_PER_DEGREE
        self._dlon = cell_m / (_METRES_PER_DEGREE * math.cos(math.radians(mean_lat)))
        # A distance floor per ring of cells, valid over the whole indexed latitude band;
        # the 1 % margin covers the flat-earth approximation within a city.
        widest_lat = min(89.0, max(abs(lat) for lat in lats) + 1.0)
        cell_width_m = self._dlon * _METRES_PER_DEGREE * math.cos(math.radians(widest_lat))
        self._ring_floor_m = 0.99 * min(cell_m, cell_width_m)
        self._cells: dict[tuple[int, int], list[tuple[float, float, int, T]]] = {}
        for order, (item, (lat, lon)) in enumerate(zip(items, positions, strict=True)):
            self._cells.setdefault(self._cell(lat, lon), []).append((lat, lon, order, item))
        rows = [row for row, _ in self._cells] or [0]
        cols = [col for _, col in self._cells] or [0]
        self._rows = (min(rows), max(rows))
        self._cols = (min(cols), max(cols))
        self._size = len(positions)

    def __len__(self) -> int:
        """Number of indexed items."""
        return self._size

    def nearest(
        self, lat: float, lon: float, n: int = 1, max_m: float | None = None
    ) -> list[tuple[T, float]]:
        """Up to ``n`` items nearest the position with their distances, nearest first.

        Ties keep the order the items were indexed in; ``max_m`` drops items farther away.
        """
        if n <= 0 or self._size == 0:
            return []
        row, col = self._cell(lat, lon)
        found: list[tuple[float, int, T]] = []
        for radius in range(self._first_ring(row, col), self._last_ring(row, col) + 1):
            for item_lat, item_lon, order, item in self._ring_items(row, col, radius):
                distance = haversine_m(lat, lon, item_lat, item_lon)
                if max_m is None or distance <= max_m:
                    found.append((distance, order, item))
            floor_m = radius * self._ring_floor_m
            if len(found) >= n and heapq.nsmallest(n, found)[-1][0] <= floor_m:
                break
            if max_m is not None and floor_m > max_m:
                break
        return [(item, distance) for distance, _, item in heapq.nsmallest(n, found)]

    def within(self, lat: float, lon: float, radius_m: float) -> list[tuple[T, float]]:
        """All items within ``radius_m`` metres of the position, nearest first."""
        if radius_m < 0 or self._size == 0:
            return []
        row, col = self._cell(lat, lon)
        found: list[tuple[float, int, T]] = []
        for radius in range(self._first_ring(row, col), self._last_ring(row, col) + 1):
            if radius > 0 and (radius - 1) * self._ring_floor_m > radius_m:
                break
            for item_lat, item_lon, order, item in self._ring_items(row, col, radius):
                distance = haversine_m(lat, lon, item_lat, item_lon)
                if distance <= radius_m:
                    found.append((distance, order, item))
        found.sort(key=lambda entry: (entry[0], entry[1]))
        return [(item, distance) for distance, _, item in found]

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self._dlat), math.floor(lon / self._dlon)

    def _first_ring(self, row: int, col: int) -> int:
        # Rings nearer than the occupied block of cells are empty: skip them.
        return max(
            0,
            self._rows[0] - row,
            row - self._rows[1],
            self._cols[0] - col,
            col - self._cols[1],
        )

    def _last_ring(self, row: int, col: int) -> int:
        return max(
            abs(row - self._rows[0]),
            abs(row - self._rows[1]),
            abs(col - self._cols[0]),
            abs(col - self._cols[1]),
        )

    def _ring_items(
        self, row: int, col: int, radius: int
    ) -> Iterator[tuple[float, float, int, T]]:
        """Items in the cells at Chebyshev distance ``radius``, clipped to occupied cells."""
        low_row = max(row - radius, self._rows[0])
        high_row = min(row + radius, self._rows[1])
        for cell_row in range(low_row, high_row + 1):
            if abs(cell_row - row) == radius:
                # Top or bottom edge of the ring: the whole clipped row of cells.
                cols: Sequence[int] = range(
                    max(col - radius, self._cols[0]), min(col + radius, self._cols[1]) + 1
                )
            else:
                cols = [
                    c for c in (col - radius, col + radius) if self._cols[0] <= c <= self._cols[1]
                ]
            for cell_col in cols:
                yield from self._cells.get((cell_row, cell_col), ())
