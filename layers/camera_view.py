"""Where a camera looks: bearings, whether it faces a point, and its field-of-view cone."""

from __future__ import annotations

import math

from core.city import Camera, haversine_m

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_RANGE_M = 80.0  # how far a street camera usefully sees, for faces() and cones


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    y = math.sin(dlon) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon)
    return math.degrees(math.atan2(y, x)) % 360.0


def angle_between(a: float, b: float) -> float:
    """Smallest absolute difference between two bearings, 0..180 degrees."""
    diff = abs(a - b) % 360.0
    return 360.0 - diff if diff > 180.0 else diff


def faces(camera: Camera, lat: float, lon: float, range_m: float | None = None) -> bool:
    """Whether ``(lat, lon)`` lies inside the camera's field of view (and range, if given).

    A PTZ camera can turn to anything in range, so it always faces a point it can reach.
    """
    distance = haversine_m(camera.lat, camera.lon, lat, lon)
    if range_m is not None and distance > range_m:
        return False
    if camera.ptz or distance < 1.0:
        return True
    bearing = bearing_deg(camera.lat, camera.lon, lat, lon)
    return angle_between(bearing, camera.heading_deg) <= camera.fov_deg / 2


def destination(lat: float, lon: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """The point ``distance_m`` away from ``(lat, lon)`` along ``bearing`` (degrees)."""
    delta = distance_m / EARTH_RADIUS_M
    theta = math.radians(bearing)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lambda2) + 540.0) % 360.0 - 180.0


def view_cone(
    camera: Camera, range_m: float = DEFAULT_RANGE_M, steps: int = 8
) -> list[tuple[float, float]]:
    """The field of view as a polygon ring of (lat, lon): apex, arc, back to the apex."""
    half = camera.fov_deg / 2
    ring = [(camera.lat, camera.lon)]
    for i in range(steps + 1):
        bearing = camera.heading_deg - half + camera.fov_deg * i / steps
        ring.append(destination(camera.lat, camera.lon, bearing, range_m))
    ring.append((camera.lat, camera.lon))
    return ring
