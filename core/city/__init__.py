"""The demo city: Seoul's 25 districts and 423 neighbourhoods with generated cameras, sensors,
facilities and the outside agencies, loaded from ``resources/city``.

Pure standard library, so that every layer (simulator, rules, map, tests) can use it.
"""

from core.city.city import City
from core.city.geo import BBox, GridIndex, LatLon, Ring, haversine_m, point_in_rings
from core.city.kinds import (
    SENSOR_KINDS,
    AgencyKind,
    AirQualityGrade,
    CameraPurpose,
    CrisisLevel,
    FacilityKind,
    LevelThresholds,
    SensorKind,
    SensorKindInfo,
    TypicalRange,
    air_quality_grade,
    level_for,
    sensor_kind_info,
)
from core.city.loader import DEFAULT_ROOT, PROFILES, CityDataError, load_city
from core.city.model import Agency, Camera, District, Facility, Neighbourhood, Sensor

__all__ = [
    "DEFAULT_ROOT",
    "PROFILES",
    "SENSOR_KINDS",
    "Agency",
    "AgencyKind",
    "AirQualityGrade",
    "BBox",
    "Camera",
    "CameraPurpose",
    "City",
    "CityDataError",
    "CrisisLevel",
    "District",
    "Facility",
    "FacilityKind",
    "GridIndex",
    "LatLon",
    "LevelThresholds",
    "Neighbourhood",
    "Ring",
    "Sensor",
    "SensorKind",
    "SensorKindInfo",
    "TypicalRange",
    "air_quality_grade",
    "haversine_m",
    "level_for",
    "load_city",
    "point_in_rings",
    "sensor_kind_info",
]
