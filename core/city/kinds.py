"""Enumerations and reference tables of the demo city.

Camera purposes, sensor kinds (unit, typical background range, crisis thresholds), facility
kinds, agency kinds, the Korean four-step crisis scale and the Korean air-quality grades.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


class CrisisLevel(enum.IntEnum):
    """The Korean four-step crisis scale (관심/주의/경계/심각) below which lies NORMAL.

    An ``IntEnum`` so that levels compare and ``max()`` picks the worst one.
    """

    NORMAL = 0
    ATTENTION = 1
    CAUTION = 2
    ALERT = 3
    SEVERE = 4

    @property
    def name_ko(self) -> str:
        """Korean name of the level (정상, 관심, 주의, 경계, 심각)."""
        return _CRISIS_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """English name of the level."""
        return _CRISIS_NAMES[self][1]


_CRISIS_NAMES: dict[CrisisLevel, tuple[str, str]] = {
    CrisisLevel.NORMAL: ("정상", "normal"),
    CrisisLevel.ATTENTION: ("관심", "attention"),
    CrisisLevel.CAUTION: ("주의", "caution"),
    CrisisLevel.ALERT: ("경계", "alert"),
    CrisisLevel.SEVERE: ("심각", "severe"),
}


class AirQualityGrade(enum.IntEnum):
    """Korean particulate-matter grades (좋음/보통/나쁨/매우나쁨), best first."""

    GOOD = 0
    MODERATE = 1
    BAD = 2
    VERY_BAD = 3

    @property
    def name_ko(self) -> str:
        """Korean name of the grade."""
        return _GRADE_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """English name of the grade."""
        return _GRADE_NAMES[self][1]


_GRADE_NAMES: dict[AirQualityGrade, tuple[str, str]] = {
    AirQualityGrade.GOOD: ("좋음", "good"),
    AirQualityGrade.MODERATE: ("보통", "moderate"),
    AirQualityGrade.BAD: ("나쁨", "bad"),
    AirQualityGrade.VERY_BAD: ("매우나쁨", "very bad"),
}


class CameraPurpose(enum.StrEnum):
    """What a public CCTV camera was installed for."""

    CRIME_PREVENTION = "crime_prevention"
    TRAFFIC = "traffic"
    DISASTER = "disaster"
    PARKING_LPR = "parking_lpr"

    @property
    def name_ko(self) -> str:
        """Korean label as used in camera names (방범, 교통, 재난, 주정차단속)."""
        return _PURPOSE_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """English label as used in camera names."""
        return _PURPOSE_NAMES[self][1]


_PURPOSE_NAMES: dict[CameraPurpose, tuple[str, str]] = {
    CameraPurpose.CRIME_PREVENTION: ("방범", "crime prevention"),
    CameraPurpose.TRAFFIC: ("교통", "traffic"),
    CameraPurpose.DISASTER: ("재난", "disaster"),
    CameraPurpose.PARKING_LPR: ("주정차단속", "parking LPR"),
}


class SensorKind(enum.StrEnum):
    """Kinds of field sensor the city feeds into the centre."""

    RIVER_LEVEL = "river_level"
    RAINFALL = "rainfall"
    PM10 = "pm10"
    PM25 = "pm25"
    NOISE = "noise"
    TEMPERATURE = "temperature"
    WASTE_BIN_FILL = "waste_bin_fill"
    PARKING_OCCUPANCY = "parking_occupancy"
    STREETLIGHT = "streetlight"
    WATER_FLOW = "water_flow"
    WATER_PRESSURE = "water_pressure"
    WATER_QUALITY = "water_quality"
    GAS = "gas"
    GROUND_DISPLACEMENT = "ground_displacement"
    SEISMIC = "seismic"
    TRAFFIC_SPEED = "traffic_speed"
    ELDERLY_HOME = "elderly_home"
    CHILD_TAG = "child_tag"

    @property
    def info(self) -> SensorKindInfo:
        """The reference entry of this kind in :data:`SENSOR_KINDS`."""
        return SENSOR_KINDS[self]


class FacilityKind(enum.StrEnum):
    """Kinds of facility shown on the situation map and used by dispatch."""

    POLICE_STATION = "police_station"
    POLICE_BOX = "police_box"
    FIRE_STATION = "fire_station"
    SAFETY_CENTRE = "safety_centre"
    HOSPITAL = "hospital"
    RIVERSIDE_PARKING = "riverside_parking"
    HAZARDOUS = "hazardous"
    SCHOOL = "school"
    DAYCARE = "daycare"
    DISTRICT_OFFICE = "district_office"

    @property
    def name_ko(self) -> str:
        """Korean name of the kind."""
        return _FACILITY_NAMES[self][0]

    @property
    def name_en(self) -> str:
        """English name of the kind."""
        return _FACILITY_NAMES[self][1]


_FACILITY_NAMES: dict[FacilityKind, tuple[str, str]] = {
    FacilityKind.POLICE_STATION: ("경찰서", "police station"),
    FacilityKind.POLICE_BOX: ("지구대·파출소", "police box"),
    FacilityKind.FIRE_STATION: ("소방서", "fire station"),
    FacilityKind.SAFETY_CENTRE: ("119안전센터", "119 safety centre"),
    FacilityKind.HOSPITAL: ("병원", "hospital"),
    FacilityKind.RIVERSIDE_PARKING: ("한강공원 주차장", "riverside car park"),
    FacilityKind.HAZARDOUS: ("위험시설물", "hazardous facility"),
    FacilityKind.SCHOOL: ("학교", "school"),
    FacilityKind.DAYCARE: ("어린이집", "daycare centre"),
    FacilityKind.DISTRICT_OFFICE: ("구청", "district office"),
}


class AgencyKind(enum.StrEnum):
    """Kinds of outside agency the centre shares information with."""

    POLICE = "police"
    FIRE = "fire"
    DISASTER = "disaster"
    TELECOM = "telecom"
    DISTRICT_OFFICE = "district_office"
    DEPARTMENT = "department"
    TAX = "tax"


@dataclass(frozen=True, slots=True)
class LevelThresholds:
    """Values at which each crisis step begins, for one direction of change.

    A step set to ``None`` is not used by the kind. Without ``strict`` a step begins when the
    value reaches its threshold; with ``strict`` only when it goes beyond it (needed where
    Korean bands include their bound, e.g. PM10 80 µg/m³ is still 보통).
    """

    attention: float | None
    caution: float | None
    alert: float | None
    severe: float | None
    strict: bool = False

    def steps(self) -> tuple[tuple[CrisisLevel, float], ...]:
        """The used steps as ``(level, threshold)`` pairs, mildest first."""
        pairs = (
            (CrisisLevel.ATTENTION, self.attention),
            (CrisisLevel.CAUTION, self.caution),
            (CrisisLevel.ALERT, self.alert),
            (CrisisLevel.SEVERE, self.severe),
        )
        return tuple((level, value) for level, value in pairs if value is not None)


@dataclass(frozen=True, slots=True)
class TypicalRange:
    """Background readings a simulator may draw from: never a crisis level."""

    minimum: float
    maximum: float
    mean: float


@dataclass(frozen=True, slots=True)
class SensorKindInfo:
    """Reference entry of one sensor kind: names, unit, what is measured and the thresholds.

    ``rising`` holds the steps reached as the value goes up, ``falling`` those reached as it
    goes down (low water pressure, slow traffic, cold); a kind may use both.
    """

    kind: SensorKind
    name_ko: str
    name_en: str
    unit: str
    quantity_ko: str
    quantity_en: str
    typical: TypicalRange
    rising: LevelThresholds | None = None
    falling: LevelThresholds | None = None

    def __post_init__(self) -> None:
        """Reject thresholds out of order, so a table typo cannot invert the scale."""
        for thresholds, ascending in ((self.rising, True), (self.falling, False)):
            if thresholds is None:
                continue
            values = [value for _, value in thresholds.steps()]
            ordered = sorted(values) if ascending else sorted(values, reverse=True)
            if values != ordered:
                raise ValueError(f"{self.kind}: thresholds out of order: {values}")

    def level_for(self, value: float) -> CrisisLevel:
        """Crisis level of one reading of this kind; NaN raises ``ValueError``."""
        if math.isnan(value):
            raise ValueError(f"{self.kind}: reading is not a number")
        level = CrisisLevel.NORMAL
        if self.rising is not None:
            for step, threshold in self.rising.steps():
                reached = value > threshold if self.rising.strict else value >= threshold
                if reached:
                    level = max(level, step)
        if self.falling is not None:
            for step, threshold in self.falling.steps():
                reached = value < threshold if self.falling.strict else value <= threshold
                if reached:
                    level = max(level, step)
        return level


def _info(
    kind: SensorKind,
    names: tuple[str, str],
    unit: str,
    quantity: tuple[str, str],
    typical: tuple[float, float, float],
    rising: LevelThresholds | None = None,
    falling: LevelThresholds | None = None,
) -> SensorKindInfo:
    return SensorKindInfo(
        kind=kind,
        name_ko=names[0],
        name_en=names[1],
        unit=unit,
        quantity_ko=quantity[0],
        quantity_en=quantity[1],
        typical=TypicalRange(*typical),
        rising=rising,
        falling=falling,
    )


_Step = LevelThresholds

# River level, PM and gas thresholds are the demo values of the domain brief. The others are
# ours, anchored where possible on Korean public criteria: KMA heavy-rain and heat/cold-wave
# advisories, the PM 주의보/경보 levels, the 0.5 NTU tap-water turbidity limit, the Seoul
# TOPIS congestion bands (정체 under 15 km/h) and the MMI-to-PGA table for seismic intensity.
# fmt: off
_TABLE: tuple[SensorKindInfo, ...] = (
    _info(
        SensorKind.RIVER_LEVEL, ("하천 수위", "River water level"), "m",
        ("수위", "water level above gauge datum"), (0.3, 2.2, 1.0),
        rising=_Step(2.5, 3.5, 4.5, 5.2),
    ),
    _info(
        SensorKind.RAINFALL, ("강우량", "Rainfall"), "mm/h",
        ("시간당 강우량", "rainfall intensity"), (0.0, 9.0, 0.3),
        rising=_Step(10.0, 20.0, 30.0, 50.0),
    ),
    _info(
        SensorKind.PM10, ("미세먼지(PM10)", "Particulate matter PM10"), "µg/m³",
        ("PM10 농도", "PM10 concentration"), (5.0, 80.0, 38.0),
        rising=_Step(80.0, 150.0, 300.0, 600.0, strict=True),
    ),
    _info(
        SensorKind.PM25, ("초미세먼지(PM2.5)", "Fine particulate matter PM2.5"), "µg/m³",
        ("PM2.5 농도", "PM2.5 concentration"), (3.0, 35.0, 18.0),
        rising=_Step(35.0, 75.0, 150.0, 300.0, strict=True),
    ),
    _info(
        SensorKind.NOISE, ("소음", "Noise"), "dB(A)",
        ("등가소음도", "equivalent sound level"), (35.0, 64.0, 55.0),
        rising=_Step(65.0, 70.0, 80.0, 90.0),
    ),
    _info(
        SensorKind.TEMPERATURE, ("기온", "Air temperature"), "°C",
        ("기온", "air temperature"), (-8.0, 30.0, 13.0),
        rising=_Step(31.0, 33.0, 35.0, 38.0),
        falling=_Step(-10.0, -12.0, -15.0, -18.0),
    ),
    _info(
        SensorKind.WASTE_BIN_FILL, ("쓰레기통 적재량", "Waste-bin fill"), "%",
        ("적재율", "fill level"), (0.0, 75.0, 40.0),
        rising=_Step(80.0, 90.0, 100.0, None),
    ),
    _info(
        SensorKind.PARKING_OCCUPANCY, ("주차 점유율", "Parking occupancy"), "%",
        ("점유율", "occupied spaces"), (0.0, 85.0, 50.0),
        rising=_Step(90.0, 98.0, None, None),
    ),
    _info(
        SensorKind.STREETLIGHT, ("가로등 상태", "Streetlight status"), "%",
        ("회로 내 소등 비율", "lamps out on the circuit"), (0.0, 5.0, 0.5),
        rising=_Step(10.0, 30.0, 60.0, None),
    ),
    _info(
        SensorKind.WATER_FLOW, ("상수도 유량", "Water flow"), "m³/h",
        ("블록 유입 유량", "district metered area inflow"), (20.0, 250.0, 120.0),
        rising=_Step(260.0, 300.0, 350.0, 400.0),
    ),
    _info(
        SensorKind.WATER_PRESSURE, ("상수도 수압", "Water pressure"), "kPa",
        ("관로 수압", "main pressure"), (250.0, 550.0, 400.0),
        falling=_Step(200.0, 170.0, 140.0, 100.0),
    ),
    _info(
        SensorKind.WATER_QUALITY, ("수질", "Water quality"), "NTU",
        ("탁도", "turbidity"), (0.02, 0.25, 0.07),
        rising=_Step(0.3, 0.5, 1.0, 2.0),
    ),
    _info(
        SensorKind.GAS, ("가스 누출", "Gas detector"), "%LEL",
        ("가연성 가스 농도", "flammable gas, share of the lower explosive limit"),
        (0.0, 3.0, 0.2),
        # The detector's 10 % LEL warning is 주의 and its 25 % LEL alarm 경계.
        rising=_Step(5.0, 10.0, 25.0, 50.0),
    ),
    _info(
        SensorKind.GROUND_DISPLACEMENT, ("지반 변위", "Ground displacement"), "mm",
        ("누적 변위", "cumulative displacement"), (0.0, 5.0, 1.0),
        rising=_Step(10.0, 20.0, 30.0, 50.0),
    ),
    _info(
        SensorKind.SEISMIC, ("지진가속도", "Seismic acceleration"), "gal",
        ("최대지반가속도", "peak ground acceleration"), (0.0, 0.5, 0.05),
        # Roughly MMI III, IV, V and VI.
        rising=_Step(2.0, 14.0, 38.0, 90.0),
    ),
    _info(
        SensorKind.TRAFFIC_SPEED, ("도로 소통 속도", "Traffic link speed"), "km/h",
        ("구간 평균 속도", "mean link speed"), (16.0, 65.0, 26.0),
        falling=_Step(15.0, 10.0, 5.0, None, strict=True),
    ),
    _info(
        SensorKind.ELDERLY_HOME, ("독거노인 안심센서", "Elderly home sensor"), "h",
        ("마지막 움직임 이후 경과 시간", "hours since the last motion"), (0.0, 5.0, 1.0),
        rising=_Step(6.0, 12.0, 18.0, 24.0),
    ),
    _info(
        SensorKind.CHILD_TAG, ("어린이집 아동 태그", "Daycare child tag"), "m",
        ("어린이집으로부터 거리", "distance from the daycare centre"), (0.0, 80.0, 20.0),
        rising=_Step(100.0, 200.0, 400.0, 800.0),
    ),
)
# fmt: on

SENSOR_KINDS: Mapping[SensorKind, SensorKindInfo] = MappingProxyType(
    {info.kind: info for info in _TABLE}
)
"""Reference entry of every sensor kind, in :class:`SensorKind` order."""

# Korean grade bands include their upper bound: PM10 0–30 좋음, 31–80 보통, 81–150 나쁨.
_GRADE_BOUNDS: dict[SensorKind, tuple[float, float, float]] = {
    SensorKind.PM10: (30.0, 80.0, 150.0),
    SensorKind.PM25: (15.0, 35.0, 75.0),
}


def sensor_kind_info(kind: SensorKind | str) -> SensorKindInfo:
    """Reference entry of a sensor kind given as enum or value; unknown kinds raise ValueError."""
    return SENSOR_KINDS[SensorKind(kind)]


def level_for(kind: SensorKind | str, value: float) -> CrisisLevel:
    """Crisis level of one reading of a sensor kind (see :meth:`SensorKindInfo.level_for`)."""
    return sensor_kind_info(kind).level_for(value)


def air_quality_grade(kind: SensorKind | str, value: float) -> AirQualityGrade:
    """Korean air-quality grade of a PM10 or PM2.5 reading; other kinds raise ValueError."""
    bounds = _GRADE_BOUNDS.get(SensorKind(kind))
    if bounds is None:
        raise ValueError(f"{kind}: air-quality grades exist only for pm10 and pm25")
    if math.isnan(value):
        raise ValueError(f"{kind}: reading is not a number")
    good, moderate, bad = bounds
    if value <= good:
        return AirQualityGrade.GOOD
    if value <= moderate:
        return AirQualityGrade.MODERATE
    if value <= bad:
        return AirQualityGrade.BAD
    return AirQualityGrade.VERY_BAD
