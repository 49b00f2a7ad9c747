"""The camera registry in PostGIS: nearest and within-radius searches agree with a
brute-force great-circle search over the lite city, and districts limit what is found."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator

import psycopg
import pytest

from core.city import City, haversine_m, load_city
from server.cameras import CameraHit, CameraRegistry
from server.pg_log import PgEventLog
from tests.pg_cluster import PgCluster

PLACES = [(37.5665, 126.9780), (37.5172, 127.0473), (37.6543, 127.0568), (37.48, 126.90)]


@pytest.fixture(scope="module")
def city() -> City:
    return load_city("lite")


@pytest.fixture(scope="module")
def camera_db(pg_cluster: PgCluster, pg_template: str) -> Iterator[str]:
    """One database for the module: the searches only read, and syncing takes a moment."""
    name = f"cameras_{uuid.uuid4().hex[:8]}"
    yield pg_cluster.create_database(name, template=pg_template)
    if pg_cluster.is_running:
        pg_cluster.drop_database(name)


@pytest.fixture(scope="module")
def registry(camera_db: str, city: City) -> Iterator[CameraRegistry]:
    log = PgEventLog.open(camera_db)
    registry = CameraRegistry(log.pool, log.database)
    registry.sync(city)
    yield registry
    log.close()


def brute_force(
    city: City, lat: float, lon: float, districts: Collection[str] | None = None
) -> list[tuple[float, str]]:
    return sorted(
        (haversine_m(lat, lon, cam.lat, cam.lon), cam.id)
        for cam in city.cameras
        if districts is None or cam.district_code in districts
    )


def test_sync_stores_every_camera_once_and_again_updates(
    registry: CameraRegistry, city: City, camera_db: str
) -> None:
    assert registry.sync(city) == len(city.cameras)
    camera = city.cameras[0]
    with psycopg.connect(camera_db) as conn:
        count = conn.execute("SELECT COUNT(*) FROM cameras").fetchone()
        row = conn.execute(
            "SELECT name, purpose, heading, extra->>'neighbourhood_code' FROM cameras "
            "WHERE id = %s",
            (camera.id,),
        ).fetchone()
    assert count == (len(city.cameras),)
    assert row == (camera.name, str(camera.purpose), camera.heading_deg, camera.neighbourhood_code)
    assert registry.district_of(camera.id) == camera.district_code
    assert registry.district_of("no-such-camera") is None


@pytest.mark.parametrize("n", [1, 7, 40])
def test_nearest_matches_a_brute_force_search(
    registry: CameraRegistry, city: City, n: int
) -> None:
    for lat, lon in PLACES:
        want = brute_force(city, lat, lon)[:n]
        got = registry.nearest(lat, lon, n, None)
        assert len(got) == n
        assert [h.distance_m for h in got] == sorted(h.distance_m for h in got)
        assert len({h.id for h in got}) == n
        for hit, (distance, _) in zip(got, want, strict=True):
            # Cameras at equal distances may come in either order: compare distances, and
            # check that each hit really lies at the distance it gives.
            assert hit.distance_m == pytest.approx(distance, abs=1.0)
            assert haversine_m(lat, lon, hit.lat, hit.lon) == pytest.approx(
                hit.distance_m, abs=1.0
            )


def test_within_matches_a_brute_force_search(registry: CameraRegistry, city: City) -> None:
    for lat, lon in PLACES:
        for radius in (300.0, 1500.0):
            want = {cid for d, cid in brute_force(city, lat, lon) if d <= radius - 1.0}
            maybe = {cid for d, cid in brute_force(city, lat, lon) if d <= radius + 1.0}
            got = registry.within(lat, lon, radius, None)
            ids = {h.id for h in got}
            assert want <= ids <= maybe, (lat, lon, radius)
            assert [h.distance_m for h in got] == sorted(h.distance_m for h in got)
            for hit in got:
                exact = haversine_m(lat, lon, hit.lat, hit.lon)
                assert hit.distance_m == pytest.approx(exact, abs=1.0)
    assert registry.within(*PLACES[0], 1500.0, None)  # the checks above were not vacuous


def test_districts_limit_what_is_found(registry: CameraRegistry, city: City) -> None:
    lat, lon = PLACES[0]
    mine = {city.cameras[0].district_code, city.cameras[-1].district_code}
    got = registry.nearest(lat, lon, 5, mine)
    assert [h.id for h in got] == [cid for _, cid in brute_force(city, lat, lon, mine)[:5]]
    assert {h.district_code for h in got} <= mine
    inside = registry.within(lat, lon, 20_000.0, mine)
    assert inside and {h.district_code for h in inside} <= mine
    assert registry.nearest(lat, lon, 5, set()) == []
    assert registry.within(lat, lon, 20_000.0, []) == []
    assert registry.nearest(lat, lon, 0, None) == []


def test_a_hit_is_the_api_json(registry: CameraRegistry) -> None:
    hit = registry.nearest(*PLACES[1], 1, None)[0]
    assert isinstance(hit, CameraHit)
    assert hit.to_json() == {
        "id": hit.id,
        "name": hit.name,
        "district_code": hit.district_code,
        "purpose": hit.purpose,
        "lat": hit.lat,
        "lon": hit.lon,
        "distance_m": hit.distance_m,
    }
