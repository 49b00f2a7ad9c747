"""GIS questions the room asks of the demo city: nearest cameras, cameras in a radius."""

from __future__ import annotations

from dataclasses import dataclass

from core.city import Camera, City
from layers.camera_view import bearing_deg, faces


@dataclass(frozen=True, slots=True)
class CameraHit:
    """A camera near a point: how far, in which direction, and whether it looks there."""

    id: str
    name: str
    name_en: str
    purpose: str
    district_code: str
    lat: float
    lon: float
    distance_m: float
    bearing_deg: float
    faces: bool

    def to_json(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "purpose": self.purpose,
            "district_code": self.district_code,
            "lat": self.lat,
            "lon": self.lon,
            "distance_m": round(self.distance_m, 1),
            "bearing_deg": round(self.bearing_deg, 1),
            "faces": self.faces,
        }


def _hits(found: list[tuple[Camera, float]], lat: float, lon: float) -> list[CameraHit]:
    hits = []
    for camera, distance in found:
        hits.append(
            CameraHit(
                camera.id,
                camera.name,
                camera.name_en,
                camera.purpose.value,
                camera.district_code,
                camera.lat,
                camera.lon,
                distance,
                bearing_deg(camera.lat, camera.lon, lat, lon),
                faces(camera, lat, lon),
            )
        )
    return hits


def nearest_cameras(city: City, lat: float, lon: float, n: int = 4) -> list[CameraHit]:
    """The ``n`` cameras nearest ``(lat, lon)``, nearest first."""
    if n < 1:
        raise ValueError("ask for at least one camera")
    return _hits(city.nearest_cameras(lat, lon, n), lat, lon)


def cameras_within(city: City, lat: float, lon: float, radius_m: float) -> list[CameraHit]:
    """Every camera within ``radius_m`` of ``(lat, lon)`` (a telecom fix's accuracy circle)."""
    return _hits(city.cameras_within(lat, lon, radius_m), lat, lon)
