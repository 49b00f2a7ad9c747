"""Small geometry for areas on the wire: a polygon's centre and reach, a packet area's centre."""

from __future__ import annotations

import math

from core.dispatch.model import CircleArea, Packet, PointArea

METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Approximate ground distance in metres (equirectangular; fine within a city)."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(lat2 - lat1, dx) * METRES_PER_DEGREE


def polygon_centre(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """(lat, lon, reach_m) of a ring of (lat, lon) points: the area centroid (the vertices'
    mean for a degenerate ring) and the distance from it to the farthest vertex."""
    ring = points[:-1] if len(points) > 1 and points[0] == points[-1] else points
    twice_area = cx = cy = 0.0
    for (lat1, lon1), (lat2, lon2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = lon1 * lat2 - lon2 * lat1
        twice_area += cross
        cx += (lon1 + lon2) * cross
        cy += (lat1 + lat2) * cross
    if abs(twice_area) > 1e-12:
        lat, lon = cy / (3 * twice_area), cx / (3 * twice_area)
    else:
        lat = sum(p[0] for p in ring) / len(ring)
        lon = sum(p[1] for p in ring) / len(ring)
    reach = max(distance_m(lat, lon, p[0], p[1]) for p in ring)
    return lat, lon, reach


def area_centre(packet: Packet) -> tuple[float, float, float | None]:
    """(lat, lon, reach_m) of a packet's area; the reach of a bare point is unknown (None)."""
    shape = packet.area
    if isinstance(shape, PointArea):
        return shape.at.lat, shape.at.lon, None
    if isinstance(shape, CircleArea):
        return shape.centre.lat, shape.centre.lon, shape.radius_m
    return polygon_centre([(p.lat, p.lon) for p in shape.points])
