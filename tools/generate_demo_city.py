"""Generate the demo city's cameras, sensors, facilities and agencies.

Usage::

    python tools/generate_demo_city.py [--profile lite|full|all] [--seed N] [--out DIR]

Reads the KOSTAT district and neighbourhood boundaries and the 2016 per-district CCTV counts
from ``resources/city`` and writes, deterministically for a given seed:

* ``DIR/agencies.json``: the outside agencies and the legal basis of sharing with each;
* ``DIR/<profile>/cameras.geojson``: the full profile has exactly the 2016 count of each
  district (29,477 in all), lite ``round(count / 10)``;
* ``DIR/<profile>/sensors.geojson``: about 300 sensors (lite) or 930 (full);
* ``DIR/<profile>/facilities.geojson``: the same facilities in both profiles, so scenarios
  may name them by id.

Output is byte-stable: seeded ``random.Random`` streams per profile and layer, sorted
iteration, sorted JSON keys, coordinates rounded to 6 decimals and no timestamps. Positions
are synthetic: real district shapes, made-up sites. Needs shapely (a development dependency);
the app itself reads the output with the standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import pathlib
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points, substring, unary_union

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make the repository's packages importable
    sys.path.insert(0, str(REPO))

from core.city.kinds import (  # noqa: E402
    SENSOR_KINDS,
    AgencyKind,
    CameraPurpose,
    FacilityKind,
    SensorKind,
)

SOURCE_DIR = REPO / "resources" / "city"
DEFAULT_SEED = 20161
PROFILES = ("lite", "full")
GENERATOR = "tools/generate_demo_city.py"

# Local equirectangular projection in metres around central Seoul: accurate to well under
# 0.1 % across the city, which is all that buffers and distances here need.
_LAT0, _LON0 = 37.55, 127.0
_M_PER_DEG = math.pi * 6_371_008.8 / 180.0
_KX = _M_PER_DEG * math.cos(math.radians(_LAT0))
_KY = _M_PER_DEG

# Keep generated sites this far inside their district, so that no point-in-polygon test,
# exact or after rounding to 6 decimals (about 0.1 m), can place them elsewhere.
EDGE_MARGIN_M = 5.0
# The Han is 700 m to 1.2 km wide in Seoul; land sites keep this far from its centreline.
RIVER_HALF_WIDTH_M = 450.0
# Riverside parks lie on the banks, between the water and the riverside expressway.
BANK_STRIP_M = (470.0, 700.0)

CAMERA_PURPOSE_WEIGHTS: tuple[tuple[CameraPurpose, float], ...] = (
    (CameraPurpose.CRIME_PREVENTION, 0.70),
    (CameraPurpose.TRAFFIC, 0.15),
    (CameraPurpose.DISASTER, 0.07),
    (CameraPurpose.PARKING_LPR, 0.08),
)
# Share of PTZ cameras per purpose; gives about 20 % overall. LPR cameras are fixed.
CAMERA_PTZ_SHARE = {
    CameraPurpose.CRIME_PREVENTION: 0.25,
    CameraPurpose.TRAFFIC: 0.10,
    CameraPurpose.DISASTER: 0.30,
    CameraPurpose.PARKING_LPR: 0.0,
}
# Crime-prevention cameras often share a pole (2–4 per pole at an alley junction).
CAMERA_SAME_POLE_SHARE = 0.2


# Geometry helpers ----------------------------------------------------------------------------


def to_metres(geometry: BaseGeometry) -> BaseGeometry:
    """Project a WGS 84 geometry to the local metric plane."""
    return shapely.transform(
        geometry,
        lambda c: np.column_stack(((c[:, 0] - _LON0) * _KX, (c[:, 1] - _LAT0) * _KY)),
    )


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    """Inverse of :func:`to_metres` for one point, rounded to 6 decimals."""
    return round(_LON0 + x / _KX, 6), round(_LAT0 + y / _KY, 6)


def from_lonlat(lon: float, lat: float) -> tuple[float, float]:
    """Project one WGS 84 position to the local metric plane."""
    return (lon - _LON0) * _KX, (lat - _LAT0) * _KY


def anchor_of(geometry: BaseGeometry) -> Point:
    """The centroid if it lies inside, else a point guaranteed inside."""
    centroid = geometry.centroid
    return centroid if geometry.contains(centroid) else geometry.representative_point()


def longest_line(geometry: BaseGeometry) -> LineString | None:
    """The longest line of a (multi)line geometry after merging touching parts."""
    lines = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "LineString"]
    if not lines:
        lines = [
            part
            for g in getattr(geometry, "geoms", [geometry])
            for part in getattr(g, "geoms", [g])
            if part.geom_type == "LineString"
        ]
    if not lines:
        return None
    merged = linemerge(lines)
    parts = list(getattr(merged, "geoms", [merged]))
    return max(parts, key=lambda g: g.length)


# Names --------------------------------------------------------------------------------------


def english_dong(name_eng: str) -> str:
    """Tidy KOSTAT romanisation: 'Yeoksam 1(il)-dong' → 'Yeoksam 1-dong', 'Pildong' →
    'Pil-dong', 'Geumho2·3Gadong' → 'Geumho 2·3-ga-dong'."""
    name = re.sub(r"\((?:[a-z]+\.)*[a-z]+\)", "", name_eng)
    name = re.sub(r"(\d)Gadong$", r"\1-ga-dong", name)
    name = re.sub(r"(?<=[a-z])dong$", "-dong", name)
    name = re.sub(r"(?<=[a-z])(?=\d)", " ", name)
    return re.sub(r"(?<=\d)-ga(?=\d)", "-ga ", name)


def _bare_stem(name: str) -> str:
    stem = re.sub(r"동$", "", name)
    stem = re.sub(r"[\d·]+가[\d·]*$|[\d·]+$", "", stem)
    return re.sub(r"(?<=..)본$", "", stem)


def korean_stem(name: str) -> str:
    """Stem used in facility names: '역삼1동' → '역삼', '잠실본동' → '잠실', '창1동' → '창동'."""
    stem = _bare_stem(name)
    return stem + "동" if len(stem) == 1 else stem


def english_stem(name: str, name_eng: str) -> str:
    """English counterpart of :func:`korean_stem`: 'Jamsilbon-dong' → 'Jamsil', 'Chang
    1-dong' → 'Changdong'."""
    stem = re.split(r" \d|-ga\b|-dong$", english_dong(name_eng), maxsplit=1)[0]
    if name.endswith("본동"):
        stem = stem.removesuffix("bon")
    if len(_bare_stem(name)) == 1:  # a one-syllable stem keeps its 동, as in 창동
        stem += "dong"
    return stem


def district_stem(district_name: str) -> str:
    """'강남구' → '강남'; Jung-gu's police and fire stations are called 중부 (central)."""
    return "중부" if district_name == "중구" else district_name.removesuffix("구")


def district_stem_en(name_en: str) -> str:
    """'Gangnam-gu' → 'Gangnam'; 'Jung-gu' → 'Jungbu'."""
    return "Jungbu" if name_en == "Jung-gu" else name_en.removesuffix("-gu")


# Areas --------------------------------------------------------------------------------------


@dataclass
class Neighbourhood:
    """A neighbourhood with its projected geometry and names for generated labels."""

    code: str
    name: str
    name_en: str
    stem: str
    stem_en: str
    geometry: BaseGeometry
    land: BaseGeometry
    anchor: tuple[float, float]
    sigma_m: float


@dataclass
class District:
    """A district, its projected geometry, the land available for sites and its counts."""

    code: str
    name: str
    name_en: str
    geometry: BaseGeometry
    land: BaseGeometry
    cctv_2016: int
    neighbourhoods: list[Neighbourhood] = field(default_factory=list)

    @property
    def populated(self) -> list[Neighbourhood]:
        """Neighbourhoods with some land left for sites."""
        return [n for n in self.neighbourhoods if not n.land.is_empty]

    def sample(self, rng: random.Random) -> tuple[float, float]:
        """A random land site, biased towards neighbourhood centres.

        Choosing a neighbourhood first (not by area) crowds sites in small dense
        neighbourhoods, as real cameras are, and keeps large mountain ones sparse.
        """
        choice = rng.random()
        if choice < 0.15 or not self.populated:
            return uniform_in(self.land, rng)
        neighbourhood = rng.choice(self.populated)
        if choice < 0.6:
            for _ in range(30):
                x = rng.gauss(neighbourhood.anchor[0], neighbourhood.sigma_m)
                y = rng.gauss(neighbourhood.anchor[1], neighbourhood.sigma_m)
                if shapely.contains_xy(self.land, x, y):
                    return x, y
        return uniform_in(neighbourhood.land, rng)

    def neighbourhood_at(self, x: float, y: float) -> Neighbourhood:
        """The district's neighbourhood containing the site, else the nearest one.

        District and neighbourhood outlines were simplified separately and leave slivers.
        """
        for neighbourhood in self.neighbourhoods:
            if shapely.contains_xy(neighbourhood.geometry, x, y):
                return neighbourhood
        point = Point(x, y)
        return min(self.neighbourhoods, key=lambda n: (n.geometry.distance(point), n.code))


def uniform_in(area: BaseGeometry, rng: random.Random) -> tuple[float, float]:
    """A uniformly random point of an area, by rejection in its bounding box."""
    min_x, min_y, max_x, max_y = area.bounds
    for _ in range(100_000):
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(area, x, y):
            return x, y
    raise RuntimeError("area too thin to sample")


def han_centreline(districts: dict[str, District]) -> LineString:
    """The Han's centreline in Seoul, west to east.

    In the middle it is where the north-bank and south-bank districts meet. Upstream and
    downstream only one bank is in Seoul, and the river is the city limit: there the line
    follows the end districts' outer edge (Gangseo's and Gangdong's northern boundary) to
    their northernmost corner, where the city limit leaves the river.
    """
    north = unary_union([districts[c].geometry for c in HAN_NORTH_BANK])
    south = unary_union([districts[c].geometry for c in HAN_SOUTH_BANK])
    shared = longest_line(north.boundary.intersection(south.boundary))
    if shared is None:
        raise RuntimeError("north and south bank districts share no boundary")
    coords = list(shared.coords)
    if coords[0][0] > coords[-1][0]:
        coords.reverse()  # west to east
    west = _edge_to_north_corner(districts[HAN_WEST_END].geometry, Point(coords[0]), shared)
    east = _edge_to_north_corner(districts[HAN_EAST_END].geometry, Point(coords[-1]), shared)
    return LineString([*reversed(west.coords), *coords[1:-1], *east.coords])


def _edge_to_north_corner(area: BaseGeometry, start: Point, avoid: LineString) -> LineString:
    """The part of the area's outline from ``start`` to its northernmost vertex that does
    not run along ``avoid``, oriented from ``start``."""
    outline = LineString(area.exterior.coords)
    corner = Point(max(outline.coords, key=lambda c: (c[1], c[0])))
    a, b = outline.project(start), outline.project(corner)
    low, high = min(a, b), max(a, b)
    inner = substring(outline, low, high)
    outer = LineString(
        [*substring(outline, high, outline.length).coords, *substring(outline, 0.0, low).coords]
    )
    near_avoid = avoid.buffer(1.0)
    arc = min((inner, outer), key=lambda line: line.intersection(near_avoid).length)
    if Point(arc.coords[0]).distance(start) > Point(arc.coords[-1]).distance(start):
        arc = LineString(list(reversed(arc.coords)))
    return arc


def load_areas(source: pathlib.Path) -> tuple[list[District], LineString]:
    """Districts with their neighbourhoods, land and 2016 camera counts; the Han centreline."""
    district_doc = json.loads((source / "districts.geojson").read_text(encoding="utf-8"))
    nbh_doc = json.loads((source / "neighbourhoods.geojson").read_text(encoding="utf-8"))
    with (source / "cctv_by_district_2016.csv").open(encoding="utf-8", newline="") as handle:
        counts = {row["district"]: int(row["cctv_total"]) for row in csv.DictReader(handle)}

    districts: dict[str, District] = {}
    for feature in district_doc["features"]:
        props = feature["properties"]
        geometry = to_metres(shape(feature["geometry"]))
        districts[props["code"]] = District(
            code=props["code"],
            name=props["name"],
            name_en=props["name_eng"],
            geometry=geometry,
            land=geometry,
            cctv_2016=counts.pop(props["name"]),
        )
    if counts:
        raise RuntimeError(f"CCTV counts for unknown districts: {sorted(counts)}")

    river = han_centreline(districts)
    river_band = river.buffer(RIVER_HALF_WIDTH_M)
    for district in districts.values():
        district.land = district.geometry.buffer(-EDGE_MARGIN_M).difference(river_band)
        shapely.prepare(district.land)

    for feature in sorted(nbh_doc["features"], key=lambda f: f["properties"]["code"]):
        props = feature["properties"]
        district = districts[props["code"][:5]]
        geometry = to_metres(shape(feature["geometry"]))
        land = geometry.intersection(district.land)
        shapely.prepare(geometry)
        shapely.prepare(land)
        anchor = anchor_of(land if not land.is_empty else geometry)
        district.neighbourhoods.append(
            Neighbourhood(
                code=props["code"],
                name=props["name"],
                name_en=english_dong(props["name_eng"]),
                stem=korean_stem(props["name"]),
                stem_en=english_stem(props["name"], props["name_eng"]),
                geometry=geometry,
                land=land,
                anchor=(anchor.x, anchor.y),
                # Spread of the pull towards the centre: a third of the neighbourhood's size.
                sigma_m=math.sqrt(max(land.area, 1.0)) / 3.0,
            )
        )
    return [districts[code] for code in sorted(districts)], river


# Reference tables of places -------------------------------------------------------------------

HAN_NORTH_BANK = ("11030", "11040", "11050", "11140")  # Yongsan, Seongdong, Gwangjin, Mapo
HAN_SOUTH_BANK = ("11160", "11190", "11200", "11220", "11230", "11240", "11250")
HAN_WEST_END, HAN_EAST_END = "11160", "11250"  # Gangseo and Gangdong

# Tributary gauges: (stream, stream in English, district, approximate lat, lon). The sites
# are rough; each is snapped into its district.
TRIBUTARY_GAUGES: tuple[tuple[str, str, str, float, float], ...] = (
    ("중랑천", "Jungnangcheon", "11100", 37.690, 127.047),
    ("중랑천", "Jungnangcheon", "11110", 37.625, 127.064),
    ("중랑천", "Jungnangcheon", "11070", 37.585, 127.072),
    ("중랑천", "Jungnangcheon", "11040", 37.555, 127.045),
    ("청계천", "Cheonggyecheon", "11010", 37.570, 126.995),
    ("안양천", "Anyangcheon", "11180", 37.460, 126.882),
    ("안양천", "Anyangcheon", "11170", 37.495, 126.880),
    ("안양천", "Anyangcheon", "11150", 37.525, 126.878),
    ("안양천", "Anyangcheon", "11160", 37.553, 126.868),
    ("탄천", "Tancheon", "11230", 37.505, 127.070),
    ("탄천", "Tancheon", "11240", 37.480, 127.100),
    ("양재천", "Yangjaecheon", "11220", 37.475, 127.040),
    ("홍제천", "Hongjecheon", "11130", 37.580, 126.935),
    ("홍제천", "Hongjecheon", "11140", 37.560, 126.905),
    ("불광천", "Bulgwangcheon", "11120", 37.595, 126.915),
    ("우이천", "Uicheon", "11090", 37.640, 127.022),
    ("우이천", "Uicheon", "11080", 37.615, 127.045),
    ("도림천", "Dorimcheon", "11210", 37.478, 126.945),
    ("도림천", "Dorimcheon", "11190", 37.500, 126.900),
    ("성내천", "Seongnaecheon", "11240", 37.515, 127.115),
    ("고덕천", "Godeokcheon", "11250", 37.565, 127.160),
)

# The eleven Hangang parks: (park, park in English, district, approximate lat, lon).
HANGANG_PARKS: tuple[tuple[str, str, str, float, float], ...] = (
    ("강서한강공원", "Gangseo Hangang Park", "11160", 37.586, 126.818),
    ("난지한강공원", "Nanji Hangang Park", "11140", 37.567, 126.875),
    ("망원한강공원", "Mangwon Hangang Park", "11140", 37.555, 126.896),
    ("양화한강공원", "Yanghwa Hangang Park", "11190", 37.540, 126.899),
    ("여의도한강공원", "Yeouido Hangang Park", "11190", 37.528, 126.934),
    ("이촌한강공원", "Ichon Hangang Park", "11030", 37.517, 126.971),
    ("반포한강공원", "Banpo Hangang Park", "11220", 37.511, 126.996),
    ("잠원한강공원", "Jamwon Hangang Park", "11220", 37.523, 127.012),
    ("뚝섬한강공원", "Ttukseom Hangang Park", "11050", 37.530, 127.070),
    ("잠실한강공원", "Jamsil Hangang Park", "11240", 37.519, 127.086),
    ("광나루한강공원", "Gwangnaru Hangang Park", "11250", 37.547, 127.123),
)
PARKING_LOTS_PER_PARK = 2


def snap_into(area: BaseGeometry, x: float, y: float) -> tuple[float, float]:
    """The point itself if inside the area, else the nearest point a little inside it."""
    if shapely.contains_xy(area, x, y):
        return x, y
    inner = area.buffer(-20.0)
    target = inner if not inner.is_empty else area
    snapped = nearest_points(target, Point(x, y))[0]
    if not shapely.contains_xy(area, snapped.x, snapped.y):
        snapped = target.representative_point()
    return snapped.x, snapped.y


# Output records --------------------------------------------------------------------------------


def point_feature(x: float, y: float, properties: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Point feature at a projected site."""
    lon, lat = to_lonlat(x, y)
    return {
        "geometry": {"coordinates": [lon, lat], "type": "Point"},
        "properties": properties,
        "type": "Feature",
    }


def dumps(value: object) -> str:
    """Compact, key-sorted JSON with Korean kept readable."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_collection(
    path: pathlib.Path, features: Sequence[dict[str, Any]], members: dict[str, object]
) -> None:
    """Write a FeatureCollection, one feature per line so that diffs stay readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ",\n".join(dumps(feature) for feature in features)
    tail = ",".join(f"{dumps(key)}:{dumps(members[key])}" for key in sorted(members))
    path.write_text(
        '{"features":[\n' + body + "\n]," + tail + ',"type":"FeatureCollection"}\n',
        encoding="utf-8",
    )


def check_inside(features: Iterable[dict[str, Any]], districts: Sequence[District]) -> None:
    """Fail if any written (rounded) position is outside the district it claims."""
    by_code = {district.code: district for district in districts}
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        x, y = from_lonlat(lon, lat)
        district = by_code[feature["properties"]["district_code"]]
        if not shapely.contains_xy(district.geometry, x, y):
            raise RuntimeError(f"{feature['properties']['id']} lies outside its district")


# Cameras ---------------------------------------------------------------------------------------


def camera_count(district: District, profile: str) -> int:
    """Cameras of a district in a profile: the 2016 count, or a tenth of it (Python round)."""
    return district.cctv_2016 if profile == "full" else round(district.cctv_2016 / 10)


def generate_cameras(
    districts: Sequence[District], profile: str, seed: int
) -> list[dict[str, Any]]:
    """Camera features of every district, by id."""
    purposes = [purpose for purpose, _ in CAMERA_PURPOSE_WEIGHTS]
    weights = [weight for _, weight in CAMERA_PURPOSE_WEIGHTS]
    features: list[dict[str, Any]] = []
    for district in districts:
        rng = random.Random(f"{seed}:{profile}:cameras:{district.code}")
        sites: list[tuple[float, float]] = []
        while len(sites) < camera_count(district, profile):
            if sites and rng.random() < CAMERA_SAME_POLE_SHARE:
                pole_x, pole_y = sites[-1]
                x, y = pole_x + rng.uniform(-4.0, 4.0), pole_y + rng.uniform(-4.0, 4.0)
                if shapely.contains_xy(district.land, x, y):
                    sites.append((x, y))
                    continue
            sites.append(district.sample(rng))
        for serial, (x, y) in enumerate(sites, start=1):
            purpose = rng.choices(purposes, weights)[0]
            if purpose is CameraPurpose.PARKING_LPR:
                fov = rng.randint(30, 45)  # plate readers look down one lane
            else:
                fov = round(rng.triangular(50, 110, 80))
            neighbourhood = district.neighbourhood_at(x, y)
            properties = {
                "id": f"CAM-{district.code}-{serial:05d}",
                "name": f"{district.name} {neighbourhood.name} {purpose.name_ko} {serial}",
                "name_en": (
                    f"{district.name_en} {neighbourhood.name_en} {purpose.name_en} {serial}"
                ),
                "district_code": district.code,
                "neighbourhood_code": neighbourhood.code,
                "purpose": purpose.value,
                "heading_deg": rng.randrange(360),
                "fov_deg": fov,
                "ptz": rng.random() < CAMERA_PTZ_SHARE[purpose],
            }
            features.append(point_feature(x, y, properties))
    return features


# Facilities ------------------------------------------------------------------------------------


@dataclass
class Site:
    """A generated facility or sensor before it is written: projected site and properties."""

    x: float
    y: float
    properties: dict[str, Any]

    @property
    def id(self) -> str:
        """The record's id."""
        return str(self.properties["id"])

    def feature(self) -> dict[str, Any]:
        """As a GeoJSON feature."""
        return point_feature(self.x, self.y, self.properties)


class FacilityMaker:
    """Generates the facilities of one district with distinct, plausible names."""

    def __init__(self, district: District, rng: random.Random) -> None:
        """Facilities of ``district`` drawn from ``rng``."""
        self.district = district
        self.rng = rng
        self.sites: list[Site] = []
        self._serials: dict[FacilityKind, int] = {}
        self._used_labels: dict[str, set[str]] = {}

    def add(
        self,
        kind: FacilityKind,
        name: str,
        name_en: str,
        x: float,
        y: float,
        **extra: object,
    ) -> Site:
        """Record one facility and return it."""
        serial = self._serials.get(kind, 0) + 1
        self._serials[kind] = serial
        properties: dict[str, Any] = {
            "id": f"FAC-{kind.value.upper()}-{self.district.code}-{serial:02d}",
            "kind": kind.value,
            "name": name,
            "name_en": name_en,
            "district_code": self.district.code,
            **extra,
        }
        site = Site(x, y, properties)
        self.sites.append(site)
        return site

    def neighbourhood(self, group: str) -> tuple[Neighbourhood, str, str]:
        """A random neighbourhood and a label for a facility of ``group`` there, unique in
        the group: the stem ('신월') while unused, else the full name ('신월3동')."""
        used = self._used_labels.setdefault(group, set())
        populated = self.district.populated
        fresh = [n for n in populated if n.stem not in used]
        if fresh:
            chosen = self.rng.choice(fresh)
            label, label_en = chosen.stem, chosen.stem_en
        else:
            unused = [n for n in populated if n.name not in used] or populated
            chosen = self.rng.choice(unused)
            label, label_en = chosen.name, chosen.name_en
        used.add(label)
        return chosen, label, label_en

    def site_in(self, neighbourhood: Neighbourhood) -> tuple[float, float]:
        """A site in the neighbourhood's land, near its centre."""
        for _ in range(50):
            x = self.rng.gauss(neighbourhood.anchor[0], neighbourhood.sigma_m)
            y = self.rng.gauss(neighbourhood.anchor[1], neighbourhood.sigma_m)
            if shapely.contains_xy(neighbourhood.land, x, y):
                return x, y
        return uniform_in(neighbourhood.land, self.rng)


HAZARDS = {
    "gas_station": (
        "주유소",
        "Gas Station",
        "휘발유·경유 지하저장탱크 (위험물 제4류)",
        "petrol and diesel underground tanks (class 4 dangerous goods)",
    ),
    "lpg_station": (
        "LPG충전소",
        "LPG Filling Station",
        "LPG 저장탱크 (고압가스)",
        "LPG storage tank (high-pressure gas)",
    ),
    "chemical_storage": (
        "화학물질 저장소",
        "Chemical Storage",
        "유해화학물질 저장 (염산·황산·수산화나트륨)",
        "hazardous chemicals (hydrochloric acid, sulphuric acid, caustic soda)",
    ),
}
SCHOOL_LEVELS = (
    ("elementary", "초등학교", "Elementary School", 3),
    ("middle", "중학교", "Middle School", 2),
    ("high", "고등학교", "High School", 2),
)


def generate_facilities(districts: Sequence[District], river: LineString, seed: int) -> list[Site]:
    """Facilities of every district plus the Hangang park car parks, by id."""
    rng = random.Random(f"{seed}:facilities")
    sites: list[Site] = []
    for district in districts:
        make = FacilityMaker(district, rng)
        stem, stem_en = district_stem(district.name), district_stem_en(district.name_en)

        office, _, _ = make.neighbourhood("office")
        make.add(
            FacilityKind.DISTRICT_OFFICE,
            f"{district.name}청",
            f"{district.name_en} Office",
            *make.site_in(office),
        )
        station = make.add(
            FacilityKind.POLICE_STATION,
            f"{stem}경찰서",
            f"{stem_en} Police Station",
            *make.site_in(make.neighbourhood("police")[0]),
        )
        for index in range(rng.randint(3, 5)):
            place, label, label_en = make.neighbourhood("police")
            patrol_division = index % 2 == 0
            make.add(
                FacilityKind.POLICE_BOX,
                f"{label}{'지구대' if patrol_division else '파출소'}",
                f"{label_en} {'Patrol Division' if patrol_division else 'Police Box'}",
                *make.site_in(place),
                box_type="지구대" if patrol_division else "파출소",
                station_id=station.id,
            )
        fire = make.add(
            FacilityKind.FIRE_STATION,
            f"{stem}소방서",
            f"{stem_en} Fire Station",
            *make.site_in(make.neighbourhood("fire")[0]),
        )
        for _ in range(rng.randint(2, 4)):
            place, label, label_en = make.neighbourhood("fire")
            make.add(
                FacilityKind.SAFETY_CENTRE,
                f"{label}119안전센터",
                f"{label_en} 119 Safety Centre",
                *make.site_in(place),
                station_id=fire.id,
            )
        for index in range(rng.randint(2, 4)):
            place, label, label_en = make.neighbourhood("hospital")
            emergency = index == 0 or (index == 1 and rng.random() < 0.4)
            beds = rng.randrange(300, 1201, 10) if emergency else rng.randrange(30, 301, 5)
            make.add(
                FacilityKind.HOSPITAL,
                f"{label}{'종합병원' if emergency else '병원'}",
                f"{label_en} {'General Hospital' if emergency else 'Hospital'}",
                *make.site_in(place),
                emergency_room=emergency,
                beds=beds,
            )
        for index in range(rng.randint(2, 4)):
            hazard_type = (
                "gas_station"
                if index == 0
                else rng.choices(list(HAZARDS), weights=(0.4, 0.3, 0.3))[0]
            )
            suffix, suffix_en, hazard, hazard_en = HAZARDS[hazard_type]
            place, label, label_en = make.neighbourhood(f"hazard:{hazard_type}")
            make.add(
                FacilityKind.HAZARDOUS,
                f"{label}{suffix}" if hazard_type != "chemical_storage" else f"{label} {suffix}",
                f"{label_en} {suffix_en}",
                *make.site_in(place),
                hazard=hazard,
                hazard_en=hazard_en,
                hazard_type=hazard_type,
            )
        for level, suffix, suffix_en, count in SCHOOL_LEVELS:
            for _ in range(count):
                place, label, label_en = make.neighbourhood(f"school:{level}")
                make.add(
                    FacilityKind.SCHOOL,
                    f"{label}{suffix}",
                    f"{label_en} {suffix_en}",
                    *make.site_in(place),
                    school_level=level,
                    students=rng.randrange(300, 1501, 10),
                )
        for index in range(rng.randint(3, 5)):
            place, label, label_en = make.neighbourhood("daycare")
            public = index % 2 == 0
            make.add(
                FacilityKind.DAYCARE,
                f"{'구립 ' if public else ''}{label}어린이집",
                f"{label_en} {'Public ' if public else ''}Daycare Centre",
                *make.site_in(place),
                capacity=rng.randrange(20, 100),
            )
        for park, park_en, code, lat, lon in HANGANG_PARKS:
            if code != district.code:
                continue
            bank = (
                river.buffer(BANK_STRIP_M[1])
                .difference(river.buffer(BANK_STRIP_M[0]))
                .intersection(district.land)
            )
            shapely.prepare(bank)
            x, y = snap_into(bank, *from_lonlat(lon, lat))
            for lot in range(1, PARKING_LOTS_PER_PARK + 1):
                # Lots of one park lie a few hundred metres apart along the bank.
                lot_x, lot_y = snap_into(
                    bank, x + rng.uniform(-400.0, 400.0), y + rng.uniform(-150.0, 150.0)
                )
                make.add(
                    FacilityKind.RIVERSIDE_PARKING,
                    f"{park} 제{lot}주차장",
                    f"{park_en} car park {lot}",
                    lot_x,
                    lot_y,
                    capacity=rng.randrange(80, 601, 10),
                    park=park,
                    park_en=park_en,
                )
        sites.extend(make.sites)
    return sorted(sites, key=lambda site: site.id)


# Sensors ---------------------------------------------------------------------------------------

# Device nouns used in sensor names.
SENSOR_DEVICES: dict[SensorKind, tuple[str, str]] = {
    SensorKind.RIVER_LEVEL: ("수위계", "water level gauge"),
    SensorKind.RAINFALL: ("강우량계", "rain gauge"),
    SensorKind.PM10: ("미세먼지 측정기", "PM10 monitor"),
    SensorKind.PM25: ("초미세먼지 측정기", "PM2.5 monitor"),
    SensorKind.NOISE: ("소음 측정기", "noise monitor"),
    SensorKind.TEMPERATURE: ("기온계", "temperature sensor"),
    SensorKind.WASTE_BIN_FILL: ("스마트 쓰레기통", "smart waste bin"),
    SensorKind.PARKING_OCCUPANCY: ("주차 점유 센서", "occupancy counter"),
    SensorKind.STREETLIGHT: ("가로등 원격감시기", "streetlight controller"),
    SensorKind.WATER_FLOW: ("유량계", "flow meter"),
    SensorKind.WATER_PRESSURE: ("수압계", "pressure gauge"),
    SensorKind.WATER_QUALITY: ("수질 측정기", "water quality monitor"),
    SensorKind.GAS: ("가스 감지기", "gas detector"),
    SensorKind.GROUND_DISPLACEMENT: ("지반 변위계", "ground displacement sensor"),
    SensorKind.SEISMIC: ("지진가속도계", "seismic accelerometer"),
    SensorKind.TRAFFIC_SPEED: ("교통 검지기", "traffic detector"),
    SensorKind.ELDERLY_HOME: ("독거노인 안심센서", "elderly home sensor"),
    SensorKind.CHILD_TAG: ("아동 위치 태그", "child location tag"),
}

_FLOOD = ("치수과", "Flood Control Division")
_ENVIRONMENT = ("환경과", "Environment Division")
_SAFETY = ("안전재난과", "Safety and Disaster Division")
_WATERWORKS = ("상수도사업본부", "Seoul Waterworks Headquarters")
# Who maintains each kind: district divisions, except the city's waterworks and the Hangang
# park headquarters, which run the water network and the riverside car parks.
SENSOR_OWNERS: dict[SensorKind, tuple[str, str]] = {
    SensorKind.RIVER_LEVEL: _FLOOD,
    SensorKind.RAINFALL: _FLOOD,
    SensorKind.PM10: _ENVIRONMENT,
    SensorKind.PM25: _ENVIRONMENT,
    SensorKind.NOISE: _ENVIRONMENT,
    SensorKind.TEMPERATURE: _SAFETY,
    SensorKind.WASTE_BIN_FILL: ("청소행정과", "Cleaning Administration Division"),
    SensorKind.PARKING_OCCUPANCY: ("한강사업본부", "Hangang Park Headquarters"),
    SensorKind.STREETLIGHT: ("도로과", "Roads Division"),
    SensorKind.WATER_FLOW: _WATERWORKS,
    SensorKind.WATER_PRESSURE: _WATERWORKS,
    SensorKind.WATER_QUALITY: _WATERWORKS,
    SensorKind.GAS: _SAFETY,
    SensorKind.GROUND_DISPLACEMENT: _SAFETY,
    SensorKind.SEISMIC: _SAFETY,
    SensorKind.TRAFFIC_SPEED: ("교통정책과", "Transport Policy Division"),
    SensorKind.ELDERLY_HOME: ("어르신복지과", "Senior Welfare Division"),
    SensorKind.CHILD_TAG: ("보육지원과", "Childcare Support Division"),
}

# City-wide totals of the freely placed kinds: (lite, full). Stations measuring two kinds at
# once (weather: rain and temperature; air: PM10 and PM2.5; water mains: flow and
# pressure) count once here. Gauges, car-park counters, gas detectors and child tags follow
# the river, the car parks, the hazardous facilities and the daycare centres instead.
SCATTERED_TOTALS: dict[str, tuple[int, int]] = {
    "weather": (25, 50),
    "air": (25, 50),
    "water_main": (8, 40),
    SensorKind.NOISE: (12, 50),
    SensorKind.WASTE_BIN_FILL: (25, 90),
    SensorKind.STREETLIGHT: (12, 60),
    SensorKind.WATER_QUALITY: (6, 25),
    SensorKind.GROUND_DISPLACEMENT: (8, 40),
    SensorKind.SEISMIC: (5, 25),
    SensorKind.TRAFFIC_SPEED: (20, 90),
    SensorKind.ELDERLY_HOME: (12, 50),
}
STATION_KINDS: dict[str, tuple[SensorKind, ...]] = {
    "weather": (SensorKind.RAINFALL, SensorKind.TEMPERATURE),
    "air": (SensorKind.PM10, SensorKind.PM25),
    "water_main": (SensorKind.WATER_FLOW, SensorKind.WATER_PRESSURE),
}
HAN_GAUGES_PER_DISTRICT = {"lite": 1, "full": 3}
# Child tags: (daycare centres with tags, tags per centre).
CHILD_TAGS = {"lite": (10, 1), "full": (25, 2)}


class SensorMaker:
    """Numbers and names the sensors of one profile."""

    def __init__(self, districts: Sequence[District]) -> None:
        """Sensors of ``districts``."""
        self.by_code = {district.code: district for district in districts}
        self.sites: list[Site] = []
        self._serials: dict[tuple[SensorKind, str], int] = {}

    def add(
        self,
        kind: SensorKind,
        district: District,
        x: float,
        y: float,
        where: tuple[str, str] | None = None,
        facility_id: str | None = None,
    ) -> None:
        """Record one sensor; ``where`` names its place, by default its neighbourhood."""
        key = (kind, district.code)
        serial = self._serials.get(key, 0) + 1
        self._serials[key] = serial
        if where is None:
            neighbourhood = district.neighbourhood_at(x, y)
            where = (
                f"{district.name} {neighbourhood.name}",
                f"{district.name_en} {neighbourhood.name_en}",
            )
        device, device_en = SENSOR_DEVICES[kind]
        owner, owner_en = SENSOR_OWNERS[kind]
        properties: dict[str, Any] = {
            "id": f"SEN-{kind.value.upper()}-{district.code}-{serial:03d}",
            "kind": kind.value,
            "name": f"{where[0]} {device} {serial}",
            "name_en": f"{where[1]} {device_en} {serial}",
            "district_code": district.code,
            "unit": SENSOR_KINDS[kind].unit,
            "owner_department": owner,
            "owner_department_en": owner_en,
        }
        if facility_id is not None:
            properties["facility_id"] = facility_id
        self.sites.append(Site(x, y, properties))


def spread(total: int, districts: Sequence[District], rng: random.Random) -> list[int]:
    """Split a total over districts as evenly as possible, the remainder at random."""
    base, remainder = divmod(total, len(districts))
    lucky = set(rng.sample(range(len(districts)), remainder))
    return [base + (1 if index in lucky else 0) for index in range(len(districts))]


def generate_sensors(
    districts: Sequence[District],
    river: LineString,
    facilities: Sequence[Site],
    profile: str,
    seed: int,
) -> list[Site]:
    """Sensors of one profile, by id."""
    rng = random.Random(f"{seed}:{profile}:sensors")
    maker = SensorMaker(districts)
    by_code = maker.by_code
    column = PROFILES.index(profile)

    # Han gauges: spaced along the stretch of centreline each riverside district borders,
    # 150 m towards its own bank (gauges stand in the water, on bridge piers or revetments).
    for district in districts:
        if district.code not in HAN_NORTH_BANK + HAN_SOUTH_BANK:
            continue
        stretch = longest_line(river.intersection(district.geometry.boundary.buffer(1.0)))
        if stretch is None:
            raise RuntimeError(f"{district.code} does not border the Han centreline")
        inner = district.geometry.buffer(-150.0)
        count = HAN_GAUGES_PER_DISTRICT[profile]
        for index in range(count):
            on_line = stretch.interpolate((index + 1) / (count + 1), normalized=True)
            site = nearest_points(inner, on_line)[0]
            maker.add(
                SensorKind.RIVER_LEVEL,
                district,
                site.x,
                site.y,
                where=(f"{district.name} 한강", f"{district.name_en} Han River"),
            )
    for stream, stream_en, code, lat, lon in TRIBUTARY_GAUGES:
        district = by_code[code]
        x, y = snap_into(district.geometry.buffer(-EDGE_MARGIN_M), *from_lonlat(lon, lat))
        maker.add(
            SensorKind.RIVER_LEVEL,
            district,
            x,
            y,
            where=(f"{district.name} {stream}", f"{district.name_en} {stream_en}"),
        )

    for group in sorted(SCATTERED_TOTALS, key=str):
        kinds = STATION_KINDS[group] if group in STATION_KINDS else (SensorKind(group),)
        counts = spread(SCATTERED_TOTALS[group][column], districts, rng)
        for district, count in zip(districts, counts, strict=True):
            for _ in range(count):
                x, y = district.sample(rng)
                for kind in kinds:
                    maker.add(kind, district, x, y)

    hazardous = [f for f in facilities if f.properties["kind"] == FacilityKind.HAZARDOUS]
    for facility in hazardous:
        hazard_type = facility.properties["hazard_type"]
        # Lite watches the gas and chemical sites only; full adds petrol stations and a
        # second detector where the stakes are highest.
        if profile == "lite":
            detectors = 0 if hazard_type == "gas_station" else 1
        else:
            detectors = 1 if hazard_type == "gas_station" else 2
        for _ in range(detectors):
            x, y = jitter_in(by_code[facility.properties["district_code"]], facility, 15.0, rng)
            maker.add(
                SensorKind.GAS,
                by_code[facility.properties["district_code"]],
                x,
                y,
                where=(facility.properties["name"], facility.properties["name_en"]),
                facility_id=facility.id,
            )

    for facility in facilities:
        if facility.properties["kind"] == FacilityKind.RIVERSIDE_PARKING:
            maker.add(
                SensorKind.PARKING_OCCUPANCY,
                by_code[facility.properties["district_code"]],
                facility.x,
                facility.y,
                where=(facility.properties["name"], facility.properties["name_en"]),
                facility_id=facility.id,
            )

    daycares = [f for f in facilities if f.properties["kind"] == FacilityKind.DAYCARE]
    centres, tags = CHILD_TAGS[profile]
    for facility in sorted(rng.sample(daycares, centres), key=lambda site: site.id):
        district = by_code[facility.properties["district_code"]]
        for _ in range(tags):
            x, y = jitter_in(district, facility, 25.0, rng)
            maker.add(
                SensorKind.CHILD_TAG,
                district,
                x,
                y,
                where=(facility.properties["name"], facility.properties["name_en"]),
                facility_id=facility.id,
            )
    return sorted(maker.sites, key=lambda site: site.id)


def jitter_in(
    district: District, facility: Site, radius_m: float, rng: random.Random
) -> tuple[float, float]:
    """A site within ``radius_m`` of a facility, still on the district's land."""
    for _ in range(50):
        x = facility.x + rng.uniform(-radius_m, radius_m)
        y = facility.y + rng.uniform(-radius_m, radius_m)
        if shapely.contains_xy(district.land, x, y):
            return x, y
    return facility.x, facility.y


# Agencies --------------------------------------------------------------------------------------

_POLICE_MOU = (
    "국토교통부·경찰청 스마트시티 통합플랫폼 연계 업무협약 (2015년 7월): "
    "112 긴급영상·긴급출동 지원",
    "MOLIT and Korean National Police Agency smart-city platform MOU (July 2015): "
    "112 emergency video and dispatch support",
    "2015-07-01",
)
_SAFETY_MOU = (
    "국토교통부·국민안전처 스마트시티 통합플랫폼 연계 업무협약 (2015년 9월): 119 긴급출동 및 "
    "재난안전상황 긴급대응 지원",
    "MOLIT and Ministry of Public Safety and Security smart-city platform MOU (September 2015): "
    "119 dispatch and disaster response support",
    "2015-09-01",
)
_TELECOM_MOU = (
    "국토교통부·이동통신 3사 사회적 약자 지원 업무협약 (2016년 7월): 위치정보 연계",
    "MOLIT and the three mobile operators' socially vulnerable support MOU (July 2016): "
    "location fixes",
    "2016-07-01",
)
_INTERNAL = (
    "서울특별시 내부 기관 (별도 협약 불요)",
    "internal body of the Seoul Metropolitan Government (no agreement needed)",
    None,
)
_TAX = (
    "서울특별시 내부 기관: 지방세 체납차량 번호판 영치 업무에 한정",
    "internal body of the Seoul Metropolitan Government; limited to local-tax arrears vehicles",
    None,
)


def agency(
    identifier: str,
    names: tuple[str, str],
    kind: AgencyKind,
    basis: tuple[str, str, str | None],
    district_code: str | None = None,
) -> dict[str, Any]:
    """One agency record."""
    return {
        "id": identifier,
        "name": names[0],
        "name_en": names[1],
        "kind": kind.value,
        "legal_basis": basis[0],
        "legal_basis_en": basis[1],
        "legal_basis_date": basis[2],
        "district_code": district_code,
    }


def generate_agencies(districts: Sequence[District]) -> list[dict[str, Any]]:
    """The outside agencies of the domain brief, by id."""
    records = [
        agency(
            "AG-POLICE-112",
            (
                "서울특별시경찰청 112종합상황실",
                "Seoul Metropolitan Police Agency 112 Situation Room",
            ),
            AgencyKind.POLICE,
            _POLICE_MOU,
        ),
        agency(
            "AG-FIRE-119",
            ("서울종합방재센터 119종합상황실", "Seoul 119 Comprehensive Situation Room"),
            AgencyKind.FIRE,
            _SAFETY_MOU,
        ),
        agency(
            "AG-DISASTER-NDMS",
            (
                "행정안전부 국가재난관리정보시스템(NDMS)",
                "Ministry of the Interior and Safety, National Disaster Management System (NDMS)",
            ),
            AgencyKind.DISASTER,
            _SAFETY_MOU,
        ),
        agency("AG-TELECOM-SKT", ("SK텔레콤", "SK Telecom"), AgencyKind.TELECOM, _TELECOM_MOU),
        agency("AG-TELECOM-KT", ("KT", "KT"), AgencyKind.TELECOM, _TELECOM_MOU),
        agency("AG-TELECOM-LGU", ("LG유플러스", "LG Uplus"), AgencyKind.TELECOM, _TELECOM_MOU),
        agency(
            "AG-DEPT-WATER",
            ("서울특별시 상수도사업본부", "Seoul Waterworks Headquarters"),
            AgencyKind.DEPARTMENT,
            _INTERNAL,
        ),
        agency(
            "AG-DEPT-ENVIRONMENT",
            ("서울특별시 기후환경본부", "Seoul Climate and Environment Headquarters"),
            AgencyKind.DEPARTMENT,
            _INTERNAL,
        ),
        agency(
            "AG-DEPT-TRANSPORT",
            ("서울특별시 도시교통실", "Seoul Urban Transportation Office"),
            AgencyKind.DEPARTMENT,
            _INTERNAL,
        ),
        agency(
            "AG-DEPT-CLEANING",
            ("서울특별시 자원순환과", "Seoul Resource Circulation Division"),
            AgencyKind.DEPARTMENT,
            _INTERNAL,
        ),
        agency(
            "AG-TAX-38",
            ("서울특별시 38세금징수과", "Seoul 38 Tax Collection Division"),
            AgencyKind.TAX,
            _TAX,
        ),
    ]
    records += [
        agency(
            f"AG-DISTRICT-{district.code}",
            (f"{district.name}청", f"{district.name_en} Office"),
            AgencyKind.DISTRICT_OFFICE,
            _INTERNAL,
            district_code=district.code,
        )
        for district in districts
    ]
    return sorted(records, key=lambda record: record["id"])


# Main -----------------------------------------------------------------------------------------


def generate(profiles: Sequence[str], seed: int, out: pathlib.Path) -> list[pathlib.Path]:
    """Write the agencies and the given profiles under ``out``; return the files written."""
    districts, river = load_areas(SOURCE_DIR)
    written: list[pathlib.Path] = []

    agencies_path = out / "agencies.json"
    out.mkdir(parents=True, exist_ok=True)
    document = {"agencies": generate_agencies(districts), "generator": GENERATOR}
    agencies_path.write_text(
        json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
        encoding="utf-8",
    )
    written.append(agencies_path)

    facilities = generate_facilities(districts, river, seed)
    for profile in profiles:
        members: dict[str, object] = {"generator": GENERATOR, "profile": profile, "seed": seed}
        sensors = generate_sensors(districts, river, facilities, profile, seed)
        layers = {
            "cameras.geojson": generate_cameras(districts, profile, seed),
            "sensors.geojson": [site.feature() for site in sensors],
            "facilities.geojson": [site.feature() for site in facilities],
        }
        for filename, features in layers.items():
            check_inside(features, districts)
            path = out / profile / filename
            write_collection(path, features, members)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=(*PROFILES, "all"), default="all")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--out",
        type=pathlib.Path,
        default=SOURCE_DIR,
        help="directory to write into (default: resources/city)",
    )
    args = parser.parse_args(argv)
    profiles = PROFILES if args.profile == "all" else (args.profile,)
    for path in generate(profiles, args.seed, args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
