"""The incident catalogue: codes, Korean and English names, linked service and default severity.

Severity runs 1 = critical, 2 = major, 3 = minor, 4 = information. Codes are ours (DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from core.errors import UnknownNameError


class Severity(IntEnum):
    """Incident severity; a lower number is more urgent."""

    CRITICAL = 1
    MAJOR = 2
    MINOR = 3
    INFO = 4


class Service(StrEnum):
    """The linked service an incident type belongs to (the queue filters by it)."""

    POLICE_VIDEO = "police_video"  # 112 emergency video
    POLICE_DISPATCH = "police_dispatch"  # 112 emergency dispatch
    FIRE_DISPATCH = "fire_dispatch"  # 119 emergency dispatch
    DISASTER = "disaster"  # disaster situation support
    VULNERABLE = "vulnerable"  # socially vulnerable support
    CARE = "care"  # elderly and daycare care services
    PROTECTION = "protection"  # 2017-18 services: victims, tourists, stores, security
    HAZARD = "hazard"  # hazardous facilities
    TRAFFIC = "traffic"
    ENVIRONMENT = "environment"
    WASTE = "waste"
    UTILITIES = "utilities"
    CIVIC = "civic"  # bicycles, tax-arrears vehicles
    CENTRE = "centre"  # the centre itself (cyber)


SERVICE_NAMES: dict[Service, tuple[str, str]] = {
    Service.POLICE_VIDEO: ("112 긴급영상 지원", "112 emergency video"),
    Service.POLICE_DISPATCH: ("112 긴급출동 지원", "112 emergency dispatch"),
    Service.FIRE_DISPATCH: ("119 긴급출동 지원", "119 emergency dispatch"),
    Service.DISASTER: ("재난안전상황 긴급대응", "disaster situation support"),
    Service.VULNERABLE: ("사회적 약자 지원", "socially vulnerable support"),
    Service.CARE: ("돌봄 서비스", "care services"),
    Service.PROTECTION: ("안전·보호 서비스", "protection services"),
    Service.HAZARD: ("위험시설물", "hazardous facilities"),
    Service.TRAFFIC: ("교통", "traffic"),
    Service.ENVIRONMENT: ("IoT 환경", "IoT environment"),
    Service.WASTE: ("스마트 청소", "smart waste"),
    Service.UTILITIES: ("상하수도·시설", "utilities"),
    Service.CIVIC: ("생활 서비스", "civic services"),
    Service.CENTRE: ("센터 보안", "centre security"),
}


@dataclass(frozen=True, slots=True)
class IncidentType:
    """One entry of the catalogue."""

    code: str
    name_ko: str
    name_en: str
    service: Service
    typical_source: str
    severity: Severity


def _t(code: str, ko: str, en: str, service: Service, source: str, sev: int) -> IncidentType:
    return IncidentType(code, ko, en, service, source, Severity(sev))


S = Service
CATALOGUE: dict[str, IncidentType] = {
    t.code: t
    for t in (
        _t("P-KID", "납치", "kidnapping", S.POLICE_VIDEO, "112 report", 1),
        _t("P-ROB", "강도", "robbery", S.POLICE_VIDEO, "112 report", 1),
        _t("P-ASL", "폭행", "assault", S.POLICE_VIDEO, "112 report", 2),
        _t(
            "P-FLEE", "범인 도주", "suspect fleeing", S.POLICE_DISPATCH, "operator, AI tracking", 1
        ),
        _t("F-FIRE", "화재", "fire", S.FIRE_DISPATCH, "119 report, CCTV", 1),
        _t("F-RESC", "구조", "rescue", S.FIRE_DISPATCH, "119 report", 1),
        _t("F-EMS", "구급", "emergency medical", S.FIRE_DISPATCH, "119 report", 2),
        _t(
            "F-BLOCK",
            "소방차 진입로 불법주정차",
            "illegal parking blocking fire access",
            S.FIRE_DISPATCH,
            "LPR, AI CCTV",
            2,
        ),
        _t("D-DIS", "재난·재해", "large-scale disaster", S.DISASTER, "NDMS, operator", 1),
        _t("D-FLOOD", "하천 수위 상승", "river rising", S.DISASTER, "water-level gauge", 2),
        _t(
            "D-CARFLD",
            "침수 위험 주차차량",
            "parked cars at flood risk",
            S.DISASTER,
            "complex event",
            2,
        ),
        _t("D-QUAKE", "지진", "earthquake", S.DISASTER, "seismic feed", 1),
        _t("D-SLIDE", "산사태 위험", "landslide risk", S.DISASTER, "slope sensors", 2),
        _t("D-GROUND", "지반 변위", "ground displacement", S.DISASTER, "ground sensors", 2),
        _t("V-MISS", "사회적 약자 실종", "missing vulnerable person", S.VULNERABLE, "guardian", 1),
        _t("V-ELDER", "독거노인 이상징후", "elderly alone anomaly", S.CARE, "home sensor", 2),
        _t("V-CHILD", "어린이집 아동 이탈", "daycare child left zone", S.CARE, "geofence tag", 1),
        _t(
            "V-VICTIM",
            "피해자 신변보호 긴급",
            "protected victim emergency",
            S.PROTECTION,
            "panic device",
            1,
        ),
        _t("V-TOUR", "외국인 관광객 도움요청", "tourist help request", S.PROTECTION, "app", 3),
        _t(
            "S-STORE",
            "1인 점포 비상벨",
            "single-staff store panic",
            S.PROTECTION,
            "panic button",
            1,
        ),
        _t(
            "S-SEC", "민간보안 경보", "private security alarm", S.PROTECTION, "security company", 2
        ),
        _t(
            "H-GAS",
            "가스 등 위험시설물 이상",
            "hazardous facility anomaly",
            S.HAZARD,
            "gas detector",
            1,
        ),
        _t("T-ACC", "교통사고", "traffic accident", S.TRAFFIC, "112/119, AI CCTV", 2),
        _t("T-JAY", "무단횡단", "jaywalking (safe fence)", S.TRAFFIC, "AI CCTV", 4),
        _t("T-CONG", "정체", "congestion", S.TRAFFIC, "traffic feed", 4),
        _t("T-PARK", "불법 주정차", "illegal parking", S.TRAFFIC, "LPR", 3),
        _t("E-PM", "미세먼지 고농도", "high particulates", S.ENVIRONMENT, "sensors", 3),
        _t("E-NOISE", "소음 초과", "noise exceedance", S.ENVIRONMENT, "sensors", 4),
        _t("E-DUMP", "쓰레기 불법투기", "illegal dumping", S.WASTE, "AI CCTV", 3),
        _t("E-BIN", "쓰레기통 만적", "bin full", S.WASTE, "fill sensor", 4),
        _t(
            "U-LEAK",
            "상수도 누수 의심",
            "water leak suspected",
            S.UTILITIES,
            "flow and pressure",
            3,
        ),
        _t("U-LIGHT", "가로등 고장", "streetlight fault", S.UTILITIES, "streetlight", 4),
        _t("B-BIKE", "공공자전거 이상", "public bicycle issue", S.CIVIC, "dock, GPS", 4),
        _t(
            "X-TAX",
            "체납차량 발견",
            "tax-arrears vehicle sighted",
            S.CIVIC,
            "LPR (tax office only)",
            4,
        ),
        _t(
            "C-CYBER",
            "사이버 침해 경보",
            "cyber-intrusion alert",
            S.CENTRE,
            "security monitoring",
            2,
        ),
    )
}
del S


def incident_type(code: str) -> IncidentType:
    """Look up a catalogue entry; an unknown code names the known ones."""
    try:
        return CATALOGUE[code]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise UnknownNameError(f"unknown incident type {code!r}; known types: {known}") from None
