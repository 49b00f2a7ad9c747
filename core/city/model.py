"""Immutable records of the demo city: areas, cameras, sensors, facilities and agencies."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from core.city.geo import BBox, LatLon, Ring, point_in_rings
from core.city.kinds import AgencyKind, CameraPurpose, FacilityKind, SensorKind


@dataclass(frozen=True, slots=True)
class District:
    """A district (자치구) with its KOSTAT five-digit code and boundary.

    ``rings`` holds every ring of the boundary (outer rings and holes) as ``(lon, lat)``
    tuples; the even-odd rule decides what is inside.
    """

    code: str
    name: str
    name_en: str
    rings: tuple[Ring, ...]
    bbox: BBox
    centroid: LatLon

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the position lies inside the boundary."""
        return self.bbox.contains(lat, lon) and point_in_rings(lat, lon, self.rings)


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """An administrative neighbourhood (행정동) with its seven-digit KOSTAT code.

    ``district_code`` is the first five digits of ``code``, which the data confirms: each
    neighbourhood's centroid lies in the district so named.
    """

    code: str
    name: str
    name_en: str
    rings: tuple[Ring, ...]
    bbox: BBox
    centroid: LatLon
    district_code: str

    def contains(self, lat: float, lon: float) -> bool:
        """Whether the position lies inside the boundary."""
        return self.bbox.contains(lat, lon) and point_in_rings(lat, lon, self.rings)


@dataclass(frozen=True, slots=True)
class Camera:
    """A public CCTV camera; ``heading_deg`` is clockwise from north, ``fov_deg`` its width."""

    id: str
    name: str
    name_en: str
    district_code: str
    neighbourhood_code: str
    purpose: CameraPurpose
    lat: float
    lon: float
    heading_deg: int
    fov_deg: int
    ptz: bool


@dataclass(frozen=True, slots=True)
class Sensor:
    """A field sensor and the department that owns it.

    ``facility_id`` names the facility the sensor is mounted at (gas detectors at hazardous
    facilities, occupancy counters at car parks, child tags at daycare centres), else None.
    """

    id: str
    kind: SensorKind
    name: str
    name_en: str
    district_code: str
    lat: float
    lon: float
    unit: str
    owner_department: str
    owner_department_en: str
    facility_id: str | None = None


def _frozen_mapping() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Facility:
    """A facility on the map; kind-specific properties (beds, capacity, hazard …) in ``extra``.

    ``extra`` is read-only; it takes part in equality but not in the hash.
    """

    id: str
    kind: FacilityKind
    name: str
    name_en: str
    district_code: str
    lat: float
    lon: float
    extra: Mapping[str, object] = field(default_factory=_frozen_mapping, hash=False)


@dataclass(frozen=True, slots=True)
class Agency:
    """An outside agency the centre may share with, and the legal basis for sharing.

    ``legal_basis_date`` is the date the basis took effect; the MOUs are known to the month
    only, so their day is the first. None for internal bodies of the city government.
    ``district_code`` is set for district offices only.
    """

    id: str
    name: str
    name_en: str
    kind: AgencyKind
    legal_basis: str
    legal_basis_en: str
    legal_basis_date: datetime.date | None
    district_code: str | None = None
