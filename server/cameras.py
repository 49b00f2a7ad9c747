"""The city's cameras in PostGIS: which cameras are nearest to a place, or within a radius,
limited to the districts an operator may see."""

from __future__ import annotations

import json
from collections.abc import Collection
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from core.city import City
from server.pg_log import pooled_connection

# Distances on the sphere (use_spheroid false): the same figure the workstation's haversine
# gives, and the one the KNN operator <-> orders geography by.
_POINT = "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography"
_HIT_COLUMNS = (
    f"id, name, district_code, purpose, lat, lon, ST_Distance(geom, {_POINT}, false) AS distance"
)
_DISTRICTS = "(%(all)s OR district_code = ANY(%(districts)s))"
_UPSERT = """INSERT INTO cameras
    (id, name, district_code, purpose, lon, lat, geom, heading, extra)
    VALUES (%(id)s, %(name)s, %(district_code)s, %(purpose)s, %(lon)s, %(lat)s,
            ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography, %(heading)s,
            %(extra)s::jsonb)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name,
        district_code = excluded.district_code, purpose = excluded.purpose,
        lon = excluded.lon, lat = excluded.lat, geom = excluded.geom,
        heading = excluded.heading, extra = excluded.extra"""
# The KNN index scan orders by the sphere distance too; a few spare candidates absorb ties.
_KNN_SPARE = 8


@dataclass(frozen=True, slots=True)
class CameraHit:
    """A camera found near a place, with its distance in metres."""

    id: str
    name: str
    district_code: str | None
    purpose: str
    lat: float
    lon: float
    distance_m: float

    def to_json(self) -> dict[str, Any]:
        """The API's JSON object for the camera."""
        return {
            "id": self.id,
            "name": self.name,
            "district_code": self.district_code,
            "purpose": self.purpose,
            "lat": self.lat,
            "lon": self.lon,
            "distance_m": self.distance_m,
        }


class CameraRegistry:
    """The cameras table over a connection pool (the event log's)."""

    def __init__(self, pool: ConnectionPool, database: str = "the server's database") -> None:
        self._pool = pool
        self._database = database

    def sync(self, city: City) -> int:
        """Insert or update every camera of ``city``; returns how many there are."""
        rows = [
            {
                "id": cam.id,
                "name": cam.name,
                "district_code": cam.district_code,
                "purpose": str(cam.purpose),
                "lon": cam.lon,
                "lat": cam.lat,
                "heading": float(cam.heading_deg),
                "extra": json.dumps(
                    {
                        "name_en": cam.name_en,
                        "neighbourhood_code": cam.neighbourhood_code,
                        "fov_deg": cam.fov_deg,
                        "ptz": cam.ptz,
                    },
                    ensure_ascii=False,
                ),
            }
            for cam in city.cameras
        ]
        with self._connection() as conn, conn.cursor() as cur:
            cur.executemany(_UPSERT, rows)
        return len(rows)

    def nearest(
        self, lat: float, lon: float, n: int, districts: Collection[str] | None
    ) -> list[CameraHit]:
        """The ``n`` cameras nearest to the place, nearest first (``districts`` None: all)."""
        if n <= 0:
            return []
        params = self._params(lat, lon, districts)
        params["limit"] = n + _KNN_SPARE
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {_HIT_COLUMNS} FROM cameras WHERE {_DISTRICTS} "
                f"ORDER BY geom <-> {_POINT} LIMIT %(limit)s",
                params,
            ).fetchall()
        return sorted((_hit(r) for r in rows), key=lambda h: (h.distance_m, h.id))[:n]

    def within(
        self, lat: float, lon: float, radius_m: float, districts: Collection[str] | None
    ) -> list[CameraHit]:
        """Every camera within ``radius_m`` metres of the place, nearest first."""
        params = self._params(lat, lon, districts)
        params["radius"] = radius_m
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT {_HIT_COLUMNS} FROM cameras WHERE {_DISTRICTS} "
                f"AND ST_DWithin(geom, {_POINT}, %(radius)s, false) ORDER BY distance, id",
                params,
            ).fetchall()
        return [_hit(r) for r in rows]

    def district_of(self, camera_id: str) -> str | None:
        """The district of a camera (None: unknown camera, or one without a district)."""
        with self._connection() as conn:
            row = conn.execute(
                "SELECT district_code FROM cameras WHERE id = %s", (camera_id,)
            ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def _params(self, lat: float, lon: float, districts: Collection[str] | None) -> dict[str, Any]:
        return {
            "lat": float(lat),
            "lon": float(lon),
            "all": districts is None,
            "districts": sorted(districts) if districts is not None else [],
        }

    def _connection(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return pooled_connection(self._pool, self._database)


def _hit(row: tuple[Any, ...]) -> CameraHit:
    return CameraHit(
        str(row[0]),
        str(row[1]),
        None if row[2] is None else str(row[2]),
        str(row[3]),
        float(row[4]),
        float(row[5]),
        float(row[6]),
    )
