"""The loaded demo city: its records, lookups by id and spatial queries."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from core.city.geo import GridIndex, LatLon
from core.city.kinds import FacilityKind, SensorKind
from core.city.model import Agency, Camera, District, Facility, Neighbourhood, Sensor

_Record = TypeVar("_Record", Camera, Sensor, Facility, Agency, District)

# Rejection sampling in a district's bounding box succeeds about half the time; this many
# failures in a row means the polygon is degenerate.
_MAX_SAMPLING_ATTEMPTS = 10_000


def _by_id(records: Iterable[_Record], key: str) -> dict[str, _Record]:
    table: dict[str, _Record] = {}
    for record in records:
        identifier = getattr(record, key)
        if identifier in table:
            raise ValueError(f"duplicate {key} {identifier!r}")
        table[identifier] = record
    return table


def _position(record: Camera | Sensor | Facility) -> tuple[float, float]:
    return record.lat, record.lon


class City:
    """Districts, neighbourhoods, cameras, sensors, facilities and agencies of one profile.

    Records are immutable; the spatial indices are built on first use. Lookups by id raise
    ``KeyError`` for unknown ids.
    """

    def __init__(
        self,
        profile: str,
        districts: Sequence[District],
        neighbourhoods: Sequence[Neighbourhood],
        cameras: Sequence[Camera],
        sensors: Sequence[Sensor],
        facilities: Sequence[Facility],
        agencies: Sequence[Agency],
    ) -> None:
        """Assemble a city; duplicate ids raise ``ValueError``."""
        self.profile = profile
        self.districts: tuple[District, ...] = tuple(sorted(districts, key=lambda d: d.code))
        self.neighbourhoods: tuple[Neighbourhood, ...] = tuple(
            sorted(neighbourhoods, key=lambda n: n.code)
        )
        self.cameras: tuple[Camera, ...] = tuple(cameras)
        self.sensors: tuple[Sensor, ...] = tuple(sensors)
        self.facilities: tuple[Facility, ...] = tuple(facilities)
        self.agencies: tuple[Agency, ...] = tuple(agencies)
        self._districts = _by_id(self.districts, "code")
        self._cameras = _by_id(self.cameras, "id")
        self._sensors = _by_id(self.sensors, "id")
        self._facilities = _by_id(self.facilities, "id")
        self._agencies = _by_id(self.agencies, "id")
        self._camera_index: GridIndex[Camera] | None = None
        self._sensor_index: dict[SensorKind | None, GridIndex[Sensor]] = {}
        self._facility_index: dict[FacilityKind | None, GridIndex[Facility]] = {}

    def __repr__(self) -> str:
        """Profile and record counts."""
        return (
            f"City(profile={self.profile!r}, districts={len(self.districts)}, "
            f"neighbourhoods={len(self.neighbourhoods)}, cameras={len(self.cameras)}, "
            f"sensors={len(self.sensors)}, facilities={len(self.facilities)}, "
            f"agencies={len(self.agencies)})"
        )

    # Lookups -----------------------------------------------------------------------------

    def district(self, code: str) -> District:
        """The district with this KOSTAT code."""
        return self._lookup(self._districts, code, "district")

    def camera(self, camera_id: str) -> Camera:
        """The camera with this id."""
        return self._lookup(self._cameras, camera_id, "camera")

    def has_camera(self, camera_id: str) -> bool:
        """Whether the city has a camera with this id."""
        return camera_id in self._cameras

    def sensor(self, sensor_id: str) -> Sensor:
        """The sensor with this id."""
        return self._lookup(self._sensors, sensor_id, "sensor")

    def facility(self, facility_id: str) -> Facility:
        """The facility with this id."""
        return self._lookup(self._facilities, facility_id, "facility")

    def agency(self, agency_id: str) -> Agency:
        """The agency with this id."""
        return self._lookup(self._agencies, agency_id, "agency")

    @staticmethod
    def _lookup(table: Mapping[str, _Record], key: str, what: str) -> _Record:
        try:
            return table[key]
        except KeyError:
            raise KeyError(f"no {what} with id {key!r}") from None

    # Areas -------------------------------------------------------------------------------

    def district_at(self, lat: float, lon: float) -> District | None:
        """The district containing the position, or None outside the city."""
        for district in self.districts:
            if district.contains(lat, lon):
                return district
        return None

    def neighbourhood_at(self, lat: float, lon: float) -> Neighbourhood | None:
        """The neighbourhood containing the position, or None outside every neighbourhood.

        Neighbourhood and district boundaries were simplified separately, so near a
        district edge the two may disagree by a few tens of metres.
        """
        for neighbourhood in self.neighbourhoods:
            if neighbourhood.contains(lat, lon):
                return neighbourhood
        return None

    def random_point_in(self, district_code: str, rng: random.Random) -> tuple[float, float]:
        """A uniformly random ``(lat, lon)`` strictly inside the district, drawn from ``rng``."""
        district = self.district(district_code)
        box = district.bbox
        for _ in range(_MAX_SAMPLING_ATTEMPTS):
            lat = rng.uniform(box.min_lat, box.max_lat)
            lon = rng.uniform(box.min_lon, box.max_lon)
            if district.contains(lat, lon):
                return LatLon(lat, lon)
        raise RuntimeError(f"could not sample a point inside district {district_code}")

    # Nearest and radius queries ------------------------------------------------------------

    def nearest_cameras(
        self, lat: float, lon: float, n: int = 4, max_m: float | None = None
    ) -> list[tuple[Camera, float]]:
        """Up to ``n`` cameras nearest the position with their distances in metres, nearest
        first; ``max_m`` leaves out cameras farther away."""
        return self._cameras_grid().nearest(lat, lon, n, max_m)

    def cameras_within(
        self, lat: float, lon: float, radius_m: float
    ) -> list[tuple[Camera, float]]:
        """Cameras within ``radius_m`` metres of the position with their distances, nearest
        first (e.g. inside a telecom location fix's accuracy radius)."""
        return self._cameras_grid().within(lat, lon, radius_m)

    def nearest_facilities(
        self, kind: FacilityKind | str | None, lat: float, lon: float, n: int = 1
    ) -> list[tuple[Facility, float]]:
        """Up to ``n`` facilities of a kind (any kind if None) nearest the position, with
        their distances in metres, nearest first."""
        return self._facilities_grid(kind).nearest(lat, lon, n)

    def facilities_within(
        self, lat: float, lon: float, radius_m: float, kind: FacilityKind | str | None = None
    ) -> list[tuple[Facility, float]]:
        """Facilities (of a kind, or all) within ``radius_m`` metres, nearest first."""
        return self._facilities_grid(kind).within(lat, lon, radius_m)

    def nearest_sensors(
        self, lat: float, lon: float, n: int = 1, kind: SensorKind | str | None = None
    ) -> list[tuple[Sensor, float]]:
        """Up to ``n`` sensors (of a kind, or all) nearest the position, nearest first."""
        return self._sensors_grid(kind).nearest(lat, lon, n)

    def _cameras_grid(self) -> GridIndex[Camera]:
        if self._camera_index is None:
            self._camera_index = GridIndex(self.cameras, _position)
        return self._camera_index

    def _facilities_grid(self, kind: FacilityKind | str | None) -> GridIndex[Facility]:
        key = None if kind is None else FacilityKind(kind)
        index = self._facility_index.get(key)
        if index is None:
            chosen = [f for f in self.facilities if key is None or f.kind is key]
            index = GridIndex(chosen, _position, cell_m=1000.0)
            self._facility_index[key] = index
        return index

    def _sensors_grid(self, kind: SensorKind | str | None) -> GridIndex[Sensor]:
        key = None if kind is None else SensorKind(kind)
        index = self._sensor_index.get(key)
        if index is None:
            chosen = [s for s in self.sensors if key is None or s.kind is key]
            index = GridIndex(chosen, _position, cell_m=1000.0)
            self._sensor_index[key] = index
        return index
