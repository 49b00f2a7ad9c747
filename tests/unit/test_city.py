"""Tests of the demo city: generated data, loader, geometry and crisis levels."""

from __future__ import annotations

import csv
import datetime
import filecmp
import math
import pathlib
import random
import shutil
import subprocess
import sys
import time

import pytest

from core.city import (
    DEFAULT_ROOT,
    SENSOR_KINDS,
    AgencyKind,
    AirQualityGrade,
    Camera,
    City,
    CityDataError,
    CrisisLevel,
    Facility,
    FacilityKind,
    LevelThresholds,
    Sensor,
    SensorKind,
    SensorKindInfo,
    TypicalRange,
    air_quality_grade,
    haversine_m,
    level_for,
    load_city,
)

REPO = pathlib.Path(__file__).resolve().parents[2]
GENERATOR = REPO / "tools" / "generate_demo_city.py"
GENERATED = ("cameras.geojson", "sensors.geojson", "facilities.geojson")


@pytest.fixture(scope="module")
def lite() -> City:
    return load_city("lite")


@pytest.fixture(scope="module")
def full() -> City:
    return load_city("full")


@pytest.fixture(scope="module")
def cctv_counts(lite: City) -> dict[str, int]:
    """2016 camera count per district code, from the CSV (keyed by Korean name there)."""
    code_of = {district.name: district.code for district in lite.districts}
    with (DEFAULT_ROOT / "cctv_by_district_2016.csv").open(encoding="utf-8") as handle:
        return {code_of[row["district"]]: int(row["cctv_total"]) for row in csv.DictReader(handle)}


def cameras_per_district(city: City) -> dict[str, int]:
    counts = {district.code: 0 for district in city.districts}
    for camera in city.cameras:
        counts[camera.district_code] += 1
    return counts


# Generated data ------------------------------------------------------------------------------


def test_full_profile_has_the_2016_count_of_every_district(
    full: City, cctv_counts: dict[str, int]
) -> None:
    assert cameras_per_district(full) == cctv_counts
    assert len(full.cameras) == 29_477


def test_lite_profile_has_a_tenth_of_every_district(
    lite: City, cctv_counts: dict[str, int]
) -> None:
    expected = {code: round(count / 10) for code, count in cctv_counts.items()}
    assert cameras_per_district(lite) == expected
    assert 2_900 <= len(lite.cameras) <= 3_000


@pytest.mark.parametrize("profile", ["lite", "full"])
def test_every_site_lies_in_its_own_district(profile: str, lite: City, full: City) -> None:
    city = lite if profile == "lite" else full
    records: list[Camera | Sensor | Facility] = [*city.cameras, *city.sensors, *city.facilities]
    for record in records:
        found = city.district_at(record.lat, record.lon)
        assert found is not None and found.code == record.district_code, record.id


@pytest.mark.parametrize("profile", ["lite", "full"])
def test_ids_are_unique_and_well_formed(profile: str, lite: City, full: City) -> None:
    city = lite if profile == "lite" else full
    ids = [camera.id for camera in city.cameras] + [sensor.id for sensor in city.sensors]
    ids += [facility.id for facility in city.facilities] + [a.id for a in city.agencies]
    assert len(ids) == len(set(ids))
    for camera in city.cameras:
        assert camera.id.startswith(f"CAM-{camera.district_code}-") and len(camera.id) == 15
        assert camera.neighbourhood_code.startswith(camera.district_code)
        assert 0 <= camera.heading_deg <= 359 and 20 <= camera.fov_deg <= 120
    for sensor in city.sensors:
        assert sensor.id.startswith(f"SEN-{sensor.kind.value.upper()}-{sensor.district_code}-")
        assert sensor.unit == SENSOR_KINDS[sensor.kind].unit


def test_camera_mix_is_roughly_as_specified(full: City) -> None:
    purposes = [camera.purpose.value for camera in full.cameras]
    share = {p: purposes.count(p) / len(purposes) for p in set(purposes)}
    assert share["crime_prevention"] == pytest.approx(0.70, abs=0.03)
    assert share["traffic"] == pytest.approx(0.15, abs=0.03)
    assert sum(camera.ptz for camera in full.cameras) / len(full.cameras) == pytest.approx(
        0.2, abs=0.03
    )


def test_sensor_profiles_cover_every_kind_at_the_intended_scale(lite: City, full: City) -> None:
    for city in (lite, full):
        assert {sensor.kind for sensor in city.sensors} == set(SensorKind)
    assert 270 <= len(lite.sensors) <= 330
    assert 2.7 <= len(full.sensors) / len(lite.sensors) <= 3.3


def test_facilities_are_shared_by_both_profiles(lite: City, full: City) -> None:
    assert lite.facilities == full.facilities
    kinds = {facility.kind for facility in lite.facilities}
    assert kinds == set(FacilityKind)
    for facility in lite.facilities:
        if facility.kind is FacilityKind.HOSPITAL:
            assert isinstance(facility.extra["emergency_room"], bool)
            assert isinstance(facility.extra["beds"], int)
        if facility.kind is FacilityKind.RIVERSIDE_PARKING:
            assert isinstance(facility.extra["capacity"], int)
        if facility.kind is FacilityKind.HAZARDOUS:
            assert facility.extra["hazard"]
    with pytest.raises(TypeError):
        lite.facilities[0].extra["beds"] = 1  # type: ignore[index]


def test_sensors_mounted_at_facilities_point_to_existing_ones(lite: City) -> None:
    mounted = [sensor for sensor in lite.sensors if sensor.facility_id is not None]
    assert {sensor.kind for sensor in mounted} == {
        SensorKind.GAS,
        SensorKind.PARKING_OCCUPANCY,
        SensorKind.CHILD_TAG,
    }
    for sensor in mounted:
        assert sensor.facility_id is not None
        facility = lite.facility(sensor.facility_id)
        assert haversine_m(sensor.lat, sensor.lon, facility.lat, facility.lon) < 50


def test_agencies_carry_their_legal_basis(lite: City) -> None:
    assert lite.agency("AG-POLICE-112").legal_basis_date == _date(2015, 7)
    assert lite.agency("AG-FIRE-119").legal_basis_date == _date(2015, 9)
    assert lite.agency("AG-DISASTER-NDMS").legal_basis_date == _date(2015, 9)
    telecom = [a for a in lite.agencies if a.kind is AgencyKind.TELECOM]
    assert len(telecom) == 3 and all(a.legal_basis_date == _date(2016, 7) for a in telecom)
    offices = [a for a in lite.agencies if a.kind is AgencyKind.DISTRICT_OFFICE]
    assert sorted(str(a.district_code) for a in offices) == [d.code for d in lite.districts]
    assert all(a.legal_basis_date is None for a in offices)


def _date(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, 1)


def test_neighbourhoods_nest_in_the_district_their_code_names(lite: City) -> None:
    assert len(lite.neighbourhoods) == 423
    for neighbourhood in lite.neighbourhoods:
        assert neighbourhood.district_code == neighbourhood.code[:5]
        lat, lon = neighbourhood.centroid
        assert lite.district(neighbourhood.district_code).contains(lat, lon)


def test_generator_is_deterministic_and_matches_the_committed_files(
    tmp_path: pathlib.Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    run = [sys.executable, str(GENERATOR)]
    subprocess.run([*run, "--out", str(first)], check=True, capture_output=True)
    subprocess.run(
        [*run, "--profile", "lite", "--out", str(second)], check=True, capture_output=True
    )
    assert filecmp.cmp(first / "agencies.json", second / "agencies.json", shallow=False)
    assert filecmp.cmp(first / "agencies.json", DEFAULT_ROOT / "agencies.json", shallow=False)
    for name in GENERATED:
        assert filecmp.cmp(first / "lite" / name, second / "lite" / name, shallow=False), name
        for profile in ("lite", "full"):
            committed = DEFAULT_ROOT / profile / name
            assert filecmp.cmp(first / profile / name, committed, shallow=False), (
                f"{committed} differs from a fresh run: regenerate and commit it"
            )


# Crisis levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "level"),
    [
        (SensorKind.RIVER_LEVEL, 2.49, CrisisLevel.NORMAL),
        (SensorKind.RIVER_LEVEL, 2.5, CrisisLevel.ATTENTION),
        (SensorKind.RIVER_LEVEL, 3.5, CrisisLevel.CAUTION),
        (SensorKind.RIVER_LEVEL, 4.49, CrisisLevel.CAUTION),
        (SensorKind.RIVER_LEVEL, 4.5, CrisisLevel.ALERT),
        (SensorKind.RIVER_LEVEL, 5.2, CrisisLevel.SEVERE),
        (SensorKind.PM10, 80.0, CrisisLevel.NORMAL),
        (SensorKind.PM10, 80.5, CrisisLevel.ATTENTION),
        (SensorKind.PM10, 150.0, CrisisLevel.ATTENTION),
        (SensorKind.PM10, 151.0, CrisisLevel.CAUTION),
        (SensorKind.PM25, 35.0, CrisisLevel.NORMAL),
        (SensorKind.PM25, 36.0, CrisisLevel.ATTENTION),
        (SensorKind.PM25, 76.0, CrisisLevel.CAUTION),
        (SensorKind.GAS, 9.9, CrisisLevel.ATTENTION),
        (SensorKind.GAS, 10.0, CrisisLevel.CAUTION),
        (SensorKind.GAS, 12.0, CrisisLevel.CAUTION),
        (SensorKind.GAS, 25.0, CrisisLevel.ALERT),
        (SensorKind.GAS, 28.0, CrisisLevel.ALERT),
        (SensorKind.TEMPERATURE, 20.0, CrisisLevel.NORMAL),
        (SensorKind.TEMPERATURE, 35.0, CrisisLevel.ALERT),
        (SensorKind.TEMPERATURE, -12.0, CrisisLevel.CAUTION),
        (SensorKind.TRAFFIC_SPEED, 15.0, CrisisLevel.NORMAL),
        (SensorKind.TRAFFIC_SPEED, 14.9, CrisisLevel.ATTENTION),
        (SensorKind.WATER_PRESSURE, 100.0, CrisisLevel.SEVERE),
        (SensorKind.ELDERLY_HOME, 12.0, CrisisLevel.CAUTION),
    ],
)
def test_level_for_boundaries(kind: SensorKind, value: float, level: CrisisLevel) -> None:
    assert level_for(kind, value) is level
    assert level_for(kind.value, value) is level


def test_crisis_levels_are_ordered_and_named() -> None:
    assert max(CrisisLevel.ATTENTION, CrisisLevel.ALERT) is CrisisLevel.ALERT
    assert [level.name_ko for level in CrisisLevel] == ["정상", "관심", "주의", "경계", "심각"]
    assert CrisisLevel.SEVERE.name_en == "severe"


def test_every_kind_is_described_and_its_typical_range_is_normal() -> None:
    assert set(SENSOR_KINDS) == set(SensorKind)
    for kind, info in SENSOR_KINDS.items():
        typical = info.typical
        assert typical.minimum <= typical.mean <= typical.maximum, kind
        for value in (typical.minimum, typical.mean, typical.maximum):
            assert info.level_for(value) is CrisisLevel.NORMAL, (kind, value)
        assert info.rising is not None or info.falling is not None


def test_level_for_rejects_nan_and_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="not a number"):
        level_for(SensorKind.GAS, math.nan)
    with pytest.raises(ValueError):
        level_for("plutonium", 1.0)


def test_thresholds_out_of_order_are_rejected() -> None:
    with pytest.raises(ValueError, match="out of order"):
        SensorKindInfo(
            SensorKind.NOISE,
            "소음",
            "Noise",
            "dB(A)",
            "등가소음도",
            "sound level",
            TypicalRange(30.0, 60.0, 50.0),
            rising=LevelThresholds(70.0, 65.0, None, None),
        )


@pytest.mark.parametrize(
    ("kind", "value", "grade"),
    [
        (SensorKind.PM10, 30.0, AirQualityGrade.GOOD),
        (SensorKind.PM10, 31.0, AirQualityGrade.MODERATE),
        (SensorKind.PM10, 80.0, AirQualityGrade.MODERATE),
        (SensorKind.PM10, 150.0, AirQualityGrade.BAD),
        (SensorKind.PM10, 151.0, AirQualityGrade.VERY_BAD),
        (SensorKind.PM25, 15.0, AirQualityGrade.GOOD),
        (SensorKind.PM25, 75.0, AirQualityGrade.BAD),
        (SensorKind.PM25, 76.0, AirQualityGrade.VERY_BAD),
    ],
)
def test_air_quality_grades(kind: SensorKind, value: float, grade: AirQualityGrade) -> None:
    assert air_quality_grade(kind, value) is grade


def test_air_quality_grade_only_for_particulates() -> None:
    with pytest.raises(ValueError):
        air_quality_grade(SensorKind.NOISE, 50.0)


# Geometry ---------------------------------------------------------------------------------------


def _random_positions(count: int, seed: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(37.42, 37.71), rng.uniform(126.76, 127.19)) for _ in range(count)]


@pytest.mark.parametrize("profile", ["lite", "full"])
def test_nearest_cameras_match_brute_force(profile: str, lite: City, full: City) -> None:
    city = lite if profile == "lite" else full
    positions = [*_random_positions(25, seed=7), (37.5665, 126.9780), (38.5, 128.0)]
    for lat, lon in positions:
        found = city.nearest_cameras(lat, lon, n=6)
        distances = [distance for _, distance in found]
        assert distances == sorted(distances)
        brute = sorted(haversine_m(lat, lon, c.lat, c.lon) for c in city.cameras)[:6]
        assert distances == pytest.approx(brute)
        assert found[0][1] == pytest.approx(
            haversine_m(lat, lon, found[0][0].lat, found[0][0].lon)
        )


def test_nearest_cameras_respects_max_m(lite: City) -> None:
    lat, lon = 37.5665, 126.9780
    limited = lite.nearest_cameras(lat, lon, n=50, max_m=300.0)
    assert all(distance <= 300.0 for _, distance in limited)
    brute = sum(haversine_m(lat, lon, c.lat, c.lon) <= 300.0 for c in lite.cameras)
    assert len(limited) == min(50, brute)
    assert lite.nearest_cameras(38.5, 128.0, max_m=1000.0) == []


def test_cameras_within_match_brute_force(full: City) -> None:
    for lat, lon in _random_positions(10, seed=11):
        found = full.cameras_within(lat, lon, 150.0)
        brute = {c.id for c in full.cameras if haversine_m(lat, lon, c.lat, c.lon) <= 150.0}
        assert {camera.id for camera, _ in found} == brute
        distances = [distance for _, distance in found]
        assert distances == sorted(distances)


def test_nearest_facilities_of_a_kind_match_brute_force(lite: City) -> None:
    stations = [f for f in lite.facilities if f.kind is FacilityKind.FIRE_STATION]
    for lat, lon in _random_positions(20, seed=3):
        (nearest, distance), *_ = lite.nearest_facilities(FacilityKind.FIRE_STATION, lat, lon)
        best = min(stations, key=lambda f: haversine_m(lat, lon, f.lat, f.lon))
        assert nearest == best
        assert distance == pytest.approx(haversine_m(lat, lon, best.lat, best.lon))
    assert len(lite.nearest_facilities("school", 37.55, 127.0, n=3)) == 3


def test_nearest_cameras_is_fast_on_the_full_profile(full: City) -> None:
    full.nearest_cameras(37.5, 127.0)  # builds the index
    positions = _random_positions(300, seed=5)
    start = time.perf_counter()
    for lat, lon in positions:
        full.nearest_cameras(lat, lon)
    assert (time.perf_counter() - start) / len(positions) < 0.005


def test_district_at_and_random_point_in(lite: City) -> None:
    landmarks = {
        (37.5759, 126.9769): "종로구",  # Gwanghwamun
        (37.5250, 126.9250): "영등포구",  # Yeouido
        (37.5126, 127.1025): "송파구",  # Lotte World Tower
        (37.6550, 127.0615): "노원구",  # Nowon station
    }
    for (lat, lon), name in landmarks.items():
        found = lite.district_at(lat, lon)
        assert found is not None and found.name == name
    assert lite.district_at(35.1796, 129.0756) is None  # Busan
    rng = random.Random(1)
    for district in lite.districts:
        for _ in range(20):
            lat, lon = lite.random_point_in(district.code, rng)
            assert lite.district_at(lat, lon) == district
    with pytest.raises(KeyError):
        lite.random_point_in("99999", rng)


def test_lookups_find_records_and_reject_unknown_ids(lite: City) -> None:
    camera = lite.cameras[0]
    assert lite.camera(camera.id) is camera
    assert lite.district("11230").name_en == "Gangnam-gu"
    assert lite.sensor(lite.sensors[0].id) is lite.sensors[0]
    with pytest.raises(KeyError, match="CAM-00000-00000"):
        lite.camera("CAM-00000-00000")


# Loader errors ---------------------------------------------------------------------------------


@pytest.fixture
def lite_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the resources with the lite profile only."""
    root = tmp_path / "city"
    root.mkdir()
    for name in ("districts.geojson", "neighbourhoods.geojson", "agencies.json"):
        shutil.copy(DEFAULT_ROOT / name, root / name)
    shutil.copytree(DEFAULT_ROOT / "lite", root / "lite")
    return root


def test_city_data_error_is_a_value_error() -> None:
    assert issubclass(CityDataError, ValueError)


def test_bad_profile_is_rejected() -> None:
    with pytest.raises(CityDataError, match=r"'huge'.*lite, full"):
        load_city("huge")


def test_a_copy_loads(lite_copy: pathlib.Path) -> None:
    assert len(load_city("lite", root=lite_copy).cameras) == len(load_city("lite").cameras)


def test_missing_profile_file_is_named(lite_copy: pathlib.Path) -> None:
    (lite_copy / "lite" / "sensors.geojson").unlink()
    with pytest.raises(CityDataError, match=r"sensors\.geojson: file is missing.*generate_demo"):
        load_city("lite", root=lite_copy)
    with pytest.raises(CityDataError, match=r"full.cameras\.geojson: file is missing"):
        load_city("full", root=lite_copy)


def test_corrupt_file_is_named(lite_copy: pathlib.Path) -> None:
    path = lite_copy / "lite" / "cameras.geojson"
    path.write_text(path.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(CityDataError, match=r"cameras\.geojson: cannot read it.*generate_demo"):
        load_city("lite", root=lite_copy)


def test_malformed_record_is_named(lite_copy: pathlib.Path) -> None:
    path = lite_copy / "lite" / "facilities.geojson"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"kind":"hospital"', '"kind":"castle"', 1), encoding="utf-8")
    with pytest.raises(CityDataError, match=r"facilities\.geojson: record \d+: 'castle'"):
        load_city("lite", root=lite_copy)


def test_broken_boundary_file_points_to_version_control(lite_copy: pathlib.Path) -> None:
    (lite_copy / "districts.geojson").write_text("[]", encoding="utf-8")
    with pytest.raises(CityDataError, match=r"districts\.geojson: not a GeoJSON.*version control"):
        load_city("lite", root=lite_copy)
