"""Reading the demo city from ``resources/city``.

Layout: ``districts.geojson``, ``neighbourhoods.geojson`` (KOSTAT boundaries, copied) and
``agencies.json`` at the root; ``cameras.geojson``, ``sensors.geojson`` and
``facilities.geojson`` under one directory per profile (``lite``, ``full``), written by
``tools/generate_demo_city.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import pathlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import TypeVar

from core.city.city import City
from core.city.geo import BBox, LatLon, Ring, bbox_of, polygons_centroid
from core.city.kinds import SENSOR_KINDS, AgencyKind, CameraPurpose, FacilityKind, SensorKind
from core.city.model import Agency, Camera, District, Facility, Neighbourhood, Sensor
from core.errors import CityroomError

PROFILES: tuple[str, ...] = ("lite", "full")
"""Profiles that can be loaded: ``lite`` (a tenth of the cameras) and ``full``."""

DEFAULT_ROOT = pathlib.Path(__file__).resolve().parents[2] / "resources" / "city"
"""The repository's ``resources/city`` directory."""

REGENERATE_HINT = "run python tools/generate_demo_city.py to regenerate it"
_RESTORE_HINT = "restore it from version control (see resources/city/README.md)"

_GENERATED = frozenset(
    {"cameras.geojson", "sensors.geojson", "facilities.geojson", "agencies.json"}
)
_FACILITY_CORE = frozenset({"id", "kind", "name", "name_en", "district_code"})

_T = TypeVar("_T")


class CityDataError(CityroomError, ValueError):
    """The city data cannot be loaded; the message names the file and the fix."""


class _BadRecord(Exception):
    """A record of a file is malformed; turned into :class:`CityDataError` with the file."""


class _BadDocument(_BadRecord):
    """The file's outer structure is wrong (not a FeatureCollection, no agency list)."""


def load_city(profile: str = "lite", root: pathlib.Path | None = None) -> City:
    """Load one profile of the demo city from ``root`` (default: the repository's
    ``resources/city``). Raises :class:`CityDataError` for an unknown profile or a missing
    or malformed file."""
    if profile not in PROFILES:
        raise CityDataError(
            f"unknown city profile {profile!r}: choose one of {', '.join(PROFILES)}"
        )
    base = DEFAULT_ROOT if root is None else pathlib.Path(root)
    profile_dir = base / profile
    districts = _read(base / "districts.geojson", _features, _district)
    neighbourhoods = _read(base / "neighbourhoods.geojson", _features, _neighbourhood)
    agencies = _read(base / "agencies.json", _agency_records, _agency)
    cameras = _read(profile_dir / "cameras.geojson", _features, _camera)
    sensors = _read(profile_dir / "sensors.geojson", _features, _sensor)
    facilities = _read(profile_dir / "facilities.geojson", _features, _facility)

    neighbourhoods = _placed_in_districts(neighbourhoods, districts)
    district_codes = {district.code for district in districts}
    neighbourhood_codes = {n.code for n in neighbourhoods}
    _check_refs(base / "neighbourhoods.geojson", neighbourhoods, "district_code", district_codes)
    _check_refs(profile_dir / "cameras.geojson", cameras, "district_code", district_codes)
    _check_refs(
        profile_dir / "cameras.geojson", cameras, "neighbourhood_code", neighbourhood_codes
    )
    _check_refs(profile_dir / "sensors.geojson", sensors, "district_code", district_codes)
    _check_refs(profile_dir / "facilities.geojson", facilities, "district_code", district_codes)
    try:
        return City(profile, districts, neighbourhoods, cameras, sensors, facilities, agencies)
    except ValueError as error:
        raise CityDataError(f"{base}: {error}; {REGENERATE_HINT}") from None


def _placed_in_districts(
    neighbourhoods: list[Neighbourhood], districts: list[District]
) -> list[Neighbourhood]:
    """Neighbourhoods whose district is the one their code names, unless their centroid
    lies in another district; then that one (KOSTAT codes nest, so this is a safeguard)."""
    by_code = {district.code: district for district in districts}
    placed: list[Neighbourhood] = []
    for neighbourhood in neighbourhoods:
        lat, lon = neighbourhood.centroid
        named = by_code.get(neighbourhood.district_code)
        if named is None or not named.contains(lat, lon):
            containing = next((d for d in districts if d.contains(lat, lon)), None)
            if containing is not None:
                neighbourhood = dataclasses.replace(neighbourhood, district_code=containing.code)
        placed.append(neighbourhood)
    return placed


# Files ------------------------------------------------------------------------------------


def _read(
    path: pathlib.Path,
    records: Callable[[object], Iterator[Mapping[str, object]]],
    parse: Callable[[Mapping[str, object]], _T],
) -> list[_T]:
    """Parse every record of a JSON file, naming the file and the fix on any failure."""
    hint = REGENERATE_HINT if path.name in _GENERATED else _RESTORE_HINT
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CityDataError(f"{path}: file is missing; {hint}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CityDataError(f"{path}: cannot read it ({error}); {hint}") from None
    parsed: list[_T] = []
    try:
        for record in records(document):
            parsed.append(parse(record))
    except (_BadRecord, KeyError, TypeError, ValueError) as error:
        # Errors of the document's outer shape come before any record is parsed.
        where = f"record {len(parsed)}: " if not isinstance(error, _BadDocument) else ""
        raise CityDataError(f"{path}: {where}{_describe(error)}; {hint}") from None
    return parsed


def _describe(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing property {error.args[0]!r}"
    return str(error)


def _features(document: object) -> Iterator[Mapping[str, object]]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _BadDocument("not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise _BadDocument("'features' is not a list")
    for feature in features:
        if not isinstance(feature, dict):
            raise _BadRecord("feature is not an object")
        yield feature


def _agency_records(document: object) -> Iterator[Mapping[str, object]]:
    if not isinstance(document, dict) or not isinstance(document.get("agencies"), list):
        raise _BadDocument("expected an object with an 'agencies' list")
    for record in document["agencies"]:
        if not isinstance(record, dict):
            raise _BadRecord("agency is not an object")
        yield record


def _check_refs(
    path: pathlib.Path, records: Sequence[object], attribute: str, known: set[str]
) -> None:
    for index, record in enumerate(records):
        value = getattr(record, attribute)
        if value not in known:
            raise CityDataError(
                f"{path}: record {index}: unknown {attribute} {value!r}; {REGENERATE_HINT}"
            )


# Typed property access -----------------------------------------------------------------------


def _props(feature: Mapping[str, object]) -> Mapping[str, object]:
    props = feature["properties"]
    if not isinstance(props, dict):
        raise _BadRecord("'properties' is not an object")
    return props


def _str(props: Mapping[str, object], key: str) -> str:
    value = props[key]
    if not isinstance(value, str) or not value:
        raise _BadRecord(f"property {key!r} is not a non-empty string")
    return value


def _optional_str(props: Mapping[str, object], key: str) -> str | None:
    value = props.get(key)
    if value is None:
        return None
    return _str(props, key)


def _int(props: Mapping[str, object], key: str) -> int:
    value = props[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise _BadRecord(f"property {key!r} is not an integer")
    return value


def _bool(props: Mapping[str, object], key: str) -> bool:
    value = props[key]
    if not isinstance(value, bool):
        raise _BadRecord(f"property {key!r} is not a boolean")
    return value


def _number(value: object, what: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _BadRecord(f"{what} is not a number")
    return float(value)


def _point(feature: Mapping[str, object]) -> LatLon:
    geometry = feature["geometry"]
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise _BadRecord("geometry is not a Point")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise _BadRecord("Point coordinates are not [lon, lat]")
    lon = _number(coordinates[0], "longitude")
    lat = _number(coordinates[1], "latitude")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise _BadRecord(f"position ({lat}, {lon}) is not a WGS 84 position")
    return LatLon(lat, lon)


def _ring(raw: object) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise _BadRecord("polygon ring has fewer than four positions")
    ring: list[tuple[float, float]] = []
    for position in raw:
        if not isinstance(position, list) or len(position) < 2:
            raise _BadRecord("polygon position is not [lon, lat]")
        ring.append((_number(position[0], "longitude"), _number(position[1], "latitude")))
    return tuple(ring)


def _polygons(feature: Mapping[str, object]) -> list[list[Ring]]:
    """The feature's polygons as ``[outer, *holes]`` ring lists (Polygon or MultiPolygon)."""
    geometry = feature["geometry"]
    if not isinstance(geometry, dict):
        raise _BadRecord("geometry is not an object")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise _BadRecord("geometry has no coordinates")
    if kind == "Polygon":
        parts: list[object] = [coordinates]
    elif kind == "MultiPolygon":
        parts = list(coordinates)
    else:
        raise _BadRecord(f"geometry type {kind!r} is not a Polygon or MultiPolygon")
    polygons: list[list[Ring]] = []
    for part in parts:
        if not isinstance(part, list) or not part:
            raise _BadRecord("polygon has no rings")
        polygons.append([_ring(raw) for raw in part])
    return polygons


# Records ----------------------------------------------------------------------------------


def _area(feature: Mapping[str, object]) -> tuple[str, str, str, tuple[Ring, ...], BBox, LatLon]:
    props = _props(feature)
    polygons = _polygons(feature)
    rings = tuple(ring for polygon in polygons for ring in polygon)
    return (
        _str(props, "code"),
        _str(props, "name"),
        _str(props, "name_eng"),
        rings,
        bbox_of(rings),
        polygons_centroid(polygons),
    )


def _district(feature: Mapping[str, object]) -> District:
    code, name, name_en, rings, bbox, centroid = _area(feature)
    if len(code) != 5 or not code.isdigit():
        raise _BadRecord(f"district code {code!r} is not five digits")
    return District(code, name, name_en, rings, bbox, centroid)


def _neighbourhood(feature: Mapping[str, object]) -> Neighbourhood:
    code, name, name_en, rings, bbox, centroid = _area(feature)
    if len(code) != 7 or not code.isdigit():
        raise _BadRecord(f"neighbourhood code {code!r} is not seven digits")
    return Neighbourhood(code, name, name_en, rings, bbox, centroid, district_code=code[:5])


def _camera(feature: Mapping[str, object]) -> Camera:
    props = _props(feature)
    position = _point(feature)
    return Camera(
        id=_str(props, "id"),
        name=_str(props, "name"),
        name_en=_str(props, "name_en"),
        district_code=_str(props, "district_code"),
        neighbourhood_code=_str(props, "neighbourhood_code"),
        purpose=CameraPurpose(_str(props, "purpose")),
        lat=position.lat,
        lon=position.lon,
        heading_deg=_int(props, "heading_deg"),
        fov_deg=_int(props, "fov_deg"),
        ptz=_bool(props, "ptz"),
    )


def _sensor(feature: Mapping[str, object]) -> Sensor:
    props = _props(feature)
    position = _point(feature)
    kind = SensorKind(_str(props, "kind"))
    unit = _str(props, "unit")
    if unit != SENSOR_KINDS[kind].unit:
        raise _BadRecord(f"unit {unit!r} of a {kind} sensor is not {SENSOR_KINDS[kind].unit!r}")
    return Sensor(
        id=_str(props, "id"),
        kind=kind,
        name=_str(props, "name"),
        name_en=_str(props, "name_en"),
        district_code=_str(props, "district_code"),
        lat=position.lat,
        lon=position.lon,
        unit=unit,
        owner_department=_str(props, "owner_department"),
        owner_department_en=_str(props, "owner_department_en"),
        facility_id=_optional_str(props, "facility_id"),
    )


def _facility(feature: Mapping[str, object]) -> Facility:
    props = _props(feature)
    position = _point(feature)
    extra = {key: props[key] for key in sorted(props) if key not in _FACILITY_CORE}
    return Facility(
        id=_str(props, "id"),
        kind=FacilityKind(_str(props, "kind")),
        name=_str(props, "name"),
        name_en=_str(props, "name_en"),
        district_code=_str(props, "district_code"),
        lat=position.lat,
        lon=position.lon,
        extra=MappingProxyType(extra),
    )


def _agency(record: Mapping[str, object]) -> Agency:
    raw_date = _optional_str(record, "legal_basis_date")
    return Agency(
        id=_str(record, "id"),
        name=_str(record, "name"),
        name_en=_str(record, "name_en"),
        kind=AgencyKind(_str(record, "kind")),
        legal_basis=_str(record, "legal_basis"),
        legal_basis_en=_str(record, "legal_basis_en"),
        legal_basis_date=None if raw_date is None else datetime.date.fromisoformat(raw_date),
        district_code=_optional_str(record, "district_code"),
    )
