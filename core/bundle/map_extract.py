"""``map/extract.geojson``: the incident's place, its cameras and sensors, its district and the
areas its packets named, as one FeatureCollection (WGS 84, ``[lon, lat]``).

Each feature's ``role`` property says what it is. Cameras and sensors come from the demo city's
records (the small profile first, the full one for ids it lacks); ids the city does not know
are listed under the collection's ``not_in_city``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from core.city import City, CityDataError, load_city
from core.dispatch.tracking import PacketBook
from core.events import EventRecord, EventType
from core.model import Incident


def load_city_for(ids: Iterable[str]) -> City | None:
    """The demo city with as many of ``ids`` (cameras, sensors) as possible: the small
    profile, or the full one when the small one lacks some; None when it cannot be read."""
    wanted = set(ids)
    city: City | None = None
    for profile in ("lite", "full"):
        try:
            city = load_city(profile)
        except CityDataError:
            return city
        sensors = {s.id for s in city.sensors}
        if all(city.has_camera(i) or i in sensors for i in wanted):
            break
    return city


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def map_extract(
    incident: Incident,
    cameras: Sequence[str],
    sensors: Sequence[str],
    city: City | None,
    records: Iterable[EventRecord],
    book: PacketBook,
) -> dict[str, Any]:
    """The FeatureCollection of the bundle's map."""
    features = [
        _feature(
            _point(incident.lon, incident.lat),
            role="incident",
            id=incident.id,
            type_code=incident.type_code,
            severity=incident.severity,
            status=incident.status.value,
            summary=incident.summary,
            exercise=incident.exercise,
        )
    ]
    unknown: list[str] = []
    sensor_records = {s.id: s for s in city.sensors} if city is not None else {}
    for camera_id in cameras:
        if city is None or not city.has_camera(camera_id):
            unknown.append(camera_id)
            continue
        camera = city.camera(camera_id)
        features.append(
            _feature(
                _point(camera.lon, camera.lat),
                role="camera",
                id=camera.id,
                name=camera.name,
                name_en=camera.name_en,
                purpose=camera.purpose.value,
                heading_deg=camera.heading_deg,
                fov_deg=camera.fov_deg,
            )
        )
    for sensor_id in sensors:
        sensor = sensor_records.get(sensor_id)
        if sensor is None:
            unknown.append(sensor_id)
            continue
        features.append(
            _feature(
                _point(sensor.lon, sensor.lat),
                role="sensor",
                id=sensor.id,
                kind=sensor.kind.value,
                name=sensor.name,
                name_en=sensor.name_en,
                unit=sensor.unit,
            )
        )
    district = _district(city, incident.district_code)
    if district is not None:
        features.append(district)
    features.extend(_packet_areas(records, book))
    return {"type": "FeatureCollection", "features": features, "not_in_city": unknown}


def _district(city: City | None, code: str | None) -> dict[str, Any] | None:
    if city is None or not code:
        return None
    try:
        district = city.district(code)
    except KeyError:
        return None
    rings = [[[lon, lat] for lon, lat in ring] for ring in district.rings]
    return _feature(
        {"type": "Polygon", "coordinates": rings},
        role="district",
        code=district.code,
        name=district.name,
        name_en=district.name_en,
    )


def _packet_areas(records: Iterable[EventRecord], book: PacketBook) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    for record in records:
        if record.type != EventType.PACKET_QUEUED:
            continue
        payload = record.payload
        packet = payload.get("packet")
        area = packet.get("area") if isinstance(packet, dict) else None
        if not isinstance(area, dict):
            continue
        distribution_id = str(payload.get("distribution_id", ""))
        status = book.get(distribution_id)
        properties: dict[str, Any] = {
            "role": "packet_area",
            "distribution_id": distribution_id,
            "agency_id": str(payload.get("agency_id", "")),
            "shape": area.get("shape"),
            "state": status.state.value if status is not None else None,
        }
        geometry = _area_geometry(area, properties)
        if geometry is not None:
            features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def _area_geometry(area: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any] | None:
    """GeoJSON for a packet's area; a circle is its centre with ``radius_m`` beside it."""
    try:
        shape = area.get("shape")
        if shape == "point":
            return _point(float(area["at"]["lon"]), float(area["at"]["lat"]))
        if shape == "circle":
            properties["radius_m"] = float(area["radius_m"])
            return _point(float(area["centre"]["lon"]), float(area["centre"]["lat"]))
        if shape == "polygon":
            ring = [[float(p["lon"]), float(p["lat"])] for p in area["points"]]
            return {"type": "Polygon", "coordinates": [ring]}
    except (KeyError, TypeError, ValueError):
        return None
    return None
