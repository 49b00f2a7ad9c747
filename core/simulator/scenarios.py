"""The worked scenarios of the room, as timed scripts over the demo city.

Each scenario picks its place with the run's random generator (so a seed fixes it) and returns
its steps. Times follow the scenario timelines of the domain brief, in simulated seconds.
Plates, phone numbers and names appear only pseudonymised.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from core.city import City, FacilityKind, SensorKind
from core.errors import UnknownNameError
from core.simulator.steps import Link, Observe, Reading, Report, Step, ramp

MIN = 60.0
SIM = "simulator"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named script: its titles and the function that lays out its steps."""

    name: str
    title_ko: str
    title_en: str
    build: Callable[[City, random.Random], list[Step]]


def _place(city: City, rng: random.Random) -> tuple[float, float, str]:
    district = rng.choice(city.districts)
    lat, lon = city.random_point_in(district.code, rng)
    return lat, lon, district.code


def _cams(city: City, lat: float, lon: float, n: int = 4) -> tuple[str, ...]:
    return tuple(camera.id for camera, _ in city.nearest_cameras(lat, lon, n))


def _nearest(city: City, kind: FacilityKind, lat: float, lon: float) -> str:
    found = city.nearest_facilities(kind, lat, lon, 1)
    return found[0][0].name if found else "-"


_PLATE_HANGUL = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"


def _plate(rng: random.Random) -> str:
    # Pseudonymised on display: the middle digits never leave the generator.
    return f"{rng.randint(10, 399)}{rng.choice(_PLATE_HANGUL)}****"


def _phone(rng: random.Random) -> str:
    return f"010-****-{rng.randint(0, 9999):04d}"


def _case(rng: random.Random, prefix: str) -> str:
    return f"{prefix}-{rng.randint(100000, 999999)}"


def fire_blocked_access(city: City, rng: random.Random) -> list[Step]:
    """119 fire report; the last 300 m of the route is a back street blocked by parked cars."""
    lat, lon, code = _place(city, rng)
    cams = _cams(city, lat, lon)
    station = _nearest(city, FacilityKind.FIRE_STATION, lat, lon)
    hospital = _nearest(city, FacilityKind.HOSPITAL, lat, lon)
    plates = [_plate(rng) for _ in range(4)]
    fire119 = "agency:119"
    return [
        Report(
            0,
            "fire",
            "F-FIRE",
            lat,
            lon,
            code,
            "119 신고: 주택 화재, 연기 다량",
            fire119,
            reference=_case(rng, "119"),
            cameras=cams,
        ),
        Observe(
            0.5 * MIN,
            "fire",
            f"방범 CCTV {cams[0]} 연기 확인",
            f"Camera {cams[0]} shows smoke",
            f"ai-cctv:{cams[0]}",
        ),
        Observe(
            1 * MIN,
            "fire",
            f"{station} 출동 경로 산출: 마지막 300 m 폭 3.5 m 이면도로, 주차차량 4대",
            f"Route from {station}: last 300 m is a 3.5 m back street with four parked cars",
            SIM,
            {"route_last_m": 300, "street_width_m": 3.5, "parked_cars": 4},
        ),
        Report(
            2 * MIN,
            "block",
            "F-BLOCK",
            lat,
            lon,
            code,
            "소방차 진입로 불법주정차 4대: " + ", ".join(plates),
            "lpr",
            cameras=cams[:1],
        ),
        Observe(
            3 * MIN,
            "block",
            "차주 연락: " + ", ".join(_phone(rng) for _ in plates),
            "Owners contacted (pseudonymised numbers)",
            "operator-desk",
        ),
        Observe(
            4 * MIN,
            "block",
            "3대 이동, 1대 미이동",
            "Three cars moved, one not",
            "lpr",
            {"moved": 3, "remaining": 1},
        ),
        Observe(8 * MIN, "fire", "소방차 현장 도착", "Engines on scene", fire119),
        Observe(
            15 * MIN,
            "fire",
            f"부상자 2명: {hospital} 병상 확인",
            f"Two casualties: beds checked at {hospital}",
            fire119,
            {"casualties": 2},
        ),
        Observe(40 * MIN, "fire", "화재 진압 완료", "Fire out", fire119),
    ]


def _sensor_near(city: City, kind: SensorKind, lat: float, lon: float) -> str:
    found = city.nearest_sensors(lat, lon, 1, kind)
    return found[0][0].id if found else "-"


def river_flood(city: City, rng: random.Random) -> list[Step]:
    """Rain, a rising gauge through 주의/경계/심각, cars in the riverside car park."""
    parks = [f for f in city.facilities if f.kind == FacilityKind.RIVERSIDE_PARKING]
    park = rng.choice(parks)
    gauge = _sensor_near(city, SensorKind.RIVER_LEVEL, park.lat, park.lon)
    rain = _sensor_near(city, SensorKind.RAINFALL, park.lat, park.lon)
    cams = _cams(city, park.lat, park.lon)
    code = park.district_code
    # The cloudburst: rain builds for half an hour, then eases while the river still rises.
    steps: list[Step] = [*ramp(rain, 0, 25 * MIN, 70 / 3, 34.0, every_s=5 * MIN)]
    steps += ramp(rain, 30 * MIN, 60 * MIN, 30.0, 12.0, every_s=5 * MIN)
    steps += ramp(gauge, 0, 20 * MIN, 2.2, 3.5)
    steps += ramp(gauge, 21 * MIN, 35 * MIN, 3.6, 4.5)
    steps += ramp(gauge, 36 * MIN, 70 * MIN, 4.55, 5.2, every_s=2 * MIN)
    steps += [
        Report(
            20 * MIN,
            "flood",
            "D-FLOOD",
            park.lat,
            park.lon,
            code,
            f"수위계 {gauge} 주의 단계(3.5 m) 도달",
            f"sensor:{gauge}",
            sensors=(gauge, rain),
        ),
        Report(
            35 * MIN,
            "cars",
            "D-CARFLD",
            park.lat,
            park.lon,
            code,
            f"{park.name} 차량 20대 침수 위험 (경계 4.5 m)",
            "rules",
            cameras=cams,
            sensors=(gauge,),
        ),
        Observe(
            40 * MIN,
            "cars",
            "차주 20명 문자 통보",
            "20 owners notified",
            "operator-desk",
            {"notified": 20},
        ),
    ]
    left = 0
    for minute in range(45, 71, 5):
        left = min(20, left + rng.randint(2, 5))
        steps.append(
            Observe(
                minute * MIN,
                "cars",
                f"LPR 출차 누계 {left}대",
                f"LPR exits so far: {left}",
                "lpr",
                {"exited": left},
            )
        )
    steps.append(
        Report(
            70 * MIN,
            "disaster",
            "D-DIS",
            park.lat,
            park.lon,
            code,
            "심각 단계(5.2 m): 재난관리시스템(NDMS) 전파",
            f"sensor:{gauge}",
            cameras=cams,
            sensors=(gauge,),
        )
    )
    return steps


def assault_fleeing_suspect(city: City, rng: random.Random) -> list[Step]:
    """112 assault; the suspect flees on foot and is arrested."""
    lat, lon, code = _place(city, rng)
    cams = _cams(city, lat, lon)
    police = "agency:112"
    return [
        Report(
            0,
            "assault",
            "P-ASL",
            lat,
            lon,
            code,
            "112 신고: 길거리 폭행",
            police,
            reference=_case(rng, "112"),
        ),
        Link(0.3 * MIN, "assault", SIM, cameras=cams),
        Observe(
            1 * MIN,
            "assault",
            "112 종합상황실 실시간 영상 공유",
            "Live video shared with 112",
            "operator-desk",
        ),
        Report(
            3 * MIN,
            "flee",
            "P-FLEE",
            lat + 0.002,
            lon + 0.002,
            code,
            "용의자 도보 도주: 검정 상의, 북동쪽",
            f"ai-cctv:{cams[-1]}",
            cameras=cams[-2:],
        ),
        Observe(
            3.5 * MIN,
            "flee",
            "도주 경로와 정지영상 순찰차 전송",
            "Stills and escape route sent",
            "operator-desk",
        ),
        Observe(12 * MIN, "flee", "용의자 검거", "Suspect arrested", police),
    ]


def missing_dementia_patient(city: City, rng: random.Random) -> list[Step]:
    """A guardian reports a missing dementia patient; a telecom fix narrows the search."""
    lat, lon, code = _place(city, rng)
    nearby = [c.id for c, _ in city.nearest_cameras(lat, lon, 12, max_m=150)] or list(
        _cams(city, lat, lon)
    )
    return [
        Report(
            0, "missing", "V-MISS", lat, lon, code, "치매 어르신 실종 신고 (보호자)", "guardian"
        ),
        Observe(
            2 * MIN,
            "missing",
            "통신사 위치 측위: 반경 150 m",
            "Telecom fix, 150 m radius",
            "agency:telecom",
            {"radius_m": 150, "lat": lat, "lon": lon},
        ),
        Link(2.2 * MIN, "missing", SIM, cameras=tuple(nearby)),
        Observe(
            15 * MIN,
            "missing",
            f"CCTV {nearby[0]} 에서 인상착의 일치 인물 확인",
            f"Person matching the description seen on {nearby[0]}",
            "operator-desk",
        ),
        Observe(
            30 * MIN, "missing", "경찰 인계, 발견 완료", "Found and handed to police", "agency:112"
        ),
    ]


def gas_leak_near_school(city: City, rng: random.Random) -> list[Step]:
    """A gas detector climbs past its alarm next to a hazardous facility near a school."""
    sites = [f for f in city.facilities if f.kind == FacilityKind.HAZARDOUS]
    site = rng.choice(sites)
    detector = _sensor_near(city, SensorKind.GAS, site.lat, site.lon)
    school = _nearest(city, FacilityKind.SCHOOL, site.lat, site.lon)
    return [
        Reading(0, detector, 12.0),
        Reading(1.5 * MIN, detector, 19.0),
        Reading(3 * MIN, detector, 28.0),
        Report(
            3 * MIN,
            "gas",
            "H-GAS",
            site.lat,
            site.lon,
            site.district_code,
            f"{site.name} 가스 농도 28 %LEL (경보)",
            f"sensor:{detector}",
            sensors=(detector,),
            cameras=_cams(city, site.lat, site.lon),
        ),
        Observe(
            3.5 * MIN,
            "gas",
            f"반경 200 m 내 학교: {school}",
            f"School within 200 m: {school}",
            SIM,
        ),
        Observe(
            6 * MIN, "gas", "구청 안전총괄과 통보", "District office notified", "operator-desk"
        ),
        Reading(20 * MIN, detector, 4.0),
    ]


def _single(
    type_code: str, summary: str, actor: str, follow: tuple[tuple[float, str, str], ...]
) -> Callable[[City, random.Random], list[Step]]:
    def build(city: City, rng: random.Random) -> list[Step]:
        lat, lon, code = _place(city, rng)
        steps: list[Step] = [
            Report(
                0,
                "main",
                type_code,
                lat,
                lon,
                code,
                summary,
                actor,
                cameras=_cams(city, lat, lon, 2),
            )
        ]
        steps += [Observe(at, "main", ko, en, SIM) for at, ko, en in follow]
        return steps

    return build


def earthquake(city: City, rng: random.Random) -> list[Step]:
    """A felt earthquake: seismic sensors across districts, one city-wide incident."""
    seismic = [s for s in city.sensors if s.kind == SensorKind.SEISMIC]
    steps: list[Step] = [
        Reading(rng.uniform(0, 5), s.id, round(rng.uniform(12, 45), 1)) for s in seismic
    ]
    centre = city.districts[len(city.districts) // 2]
    lat, lon = centre.centroid.lat, centre.centroid.lon
    steps.append(
        Report(
            8,
            "quake",
            "D-QUAKE",
            lat,
            lon,
            centre.code,
            "지진 감지: 서울 전역 진도 IV",
            "agency:ndms",
            sensors=tuple(s.id for s in seismic[:6]),
        )
    )
    steps.append(
        Observe(
            5 * MIN,
            "quake",
            "구별 피해 접수 현황 집계",
            "Damage reports by district",
            "operator-desk",
        )
    )
    return steps


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "fire_blocked_access",
            "화재 (진입로 불법주정차)",
            "Fire with a blocked access road",
            fire_blocked_access,
        ),
        Scenario(
            "river_flood", "하천 범람과 주차차량", "River flood and parked cars", river_flood
        ),
        Scenario(
            "assault_fleeing_suspect",
            "112 폭행 (용의자 도주)",
            "112 assault with a fleeing suspect",
            assault_fleeing_suspect,
        ),
        Scenario(
            "missing_dementia_patient",
            "치매 어르신 실종",
            "Missing dementia patient",
            missing_dementia_patient,
        ),
        Scenario(
            "gas_leak_near_school",
            "학교 인근 가스 누출",
            "Gas leak near a school",
            gas_leak_near_school,
        ),
        Scenario(
            "illegal_dumping",
            "쓰레기 불법투기",
            "Illegal dumping",
            _single(
                "E-DUMP",
                "AI CCTV 불법투기 감지",
                "ai-cctv",
                (
                    (1 * MIN, "가장 가까운 수거함 확인", "Nearest bin found"),
                    (2 * MIN, "환경미화원 앱 전송", "Sent to the cleaner's app"),
                ),
            ),
        ),
        Scenario(
            "jaywalking_safe_fence",
            "무단횡단 안전펜스",
            "Jaywalking safe fence",
            _single(
                "T-JAY",
                "횡단보도 무단횡단 감지",
                "ai-cctv",
                ((0.1 * MIN, "안전펜스 음성 경고 송출", "Safe-fence voice warning"),),
            ),
        ),
        Scenario(
            "elderly_no_motion",
            "독거노인 12시간 무동작",
            "Elderly person with no motion for 12 h",
            _single(
                "V-ELDER",
                "독거노인 안심센서 12시간 무동작",
                "sensor",
                (
                    (3 * MIN, "생활관리사 연락 시도", "Care worker called"),
                    (20 * MIN, "방문 확인: 건강 이상 없음", "Visited: well"),
                ),
            ),
        ),
        Scenario("earthquake", "지진 (전역)", "Earthquake across districts", earthquake),
        Scenario(
            "traffic_accident",
            "교통사고 (부상자)",
            "Traffic accident with casualties",
            _single(
                "T-ACC",
                "교차로 차량 추돌, 부상자 발생",
                "agency:119",
                (
                    (2 * MIN, "구급차 출동", "Ambulance dispatched"),
                    (10 * MIN, "견인 완료, 소통 재개", "Towed, traffic flowing"),
                ),
            ),
        ),
        Scenario(
            "store_panic",
            "1인 점포 비상벨",
            "Single-staff store panic",
            _single(
                "S-STORE",
                "편의점 비상벨 작동",
                "panic-button",
                (
                    (0.5 * MIN, "점포 내부 CCTV 확인", "Store camera checked"),
                    (6 * MIN, "순찰차 도착", "Patrol car on scene"),
                ),
            ),
        ),
    )
}


def scenario(name: str) -> Scenario:
    """Look up a scenario by name; an unknown name lists the known ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}"
        ) from None
