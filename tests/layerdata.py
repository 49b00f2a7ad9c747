"""Layer files the tests make themselves: Korean names, Korean projections, broken geometry."""

from __future__ import annotations

import zipfile
from pathlib import Path

PLACES = [  # name, lon, lat
    ("서울시청", 126.9780, 37.5665),
    ("강남역", 127.0276, 37.4979),
    ("여의도공원", 126.9222, 37.5256),
    ("광화문광장", 126.9769, 37.5720),
]


def korean_shapefile(folder: Path, crs: str = "EPSG:5186", prj: bool = True) -> Path:
    """Points with Korean names, in ``crs``, CP949 text and no .cpg (as Korean data comes)."""
    import geopandas as gpd
    import shapely

    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame(
        {"명칭": [p[0] for p in PLACES], "번호": list(range(1, len(PLACES) + 1))},
        geometry=[shapely.Point(p[1], p[2]) for p in PLACES],
        crs="EPSG:4326",
    ).to_crs(crs)
    path = folder / "장소.shp"
    frame.to_file(path, encoding="cp949")
    (folder / "장소.cpg").unlink(missing_ok=True)
    if not prj:
        (folder / "장소.prj").unlink()
    return path


def zipped(shapefile: Path, target: Path) -> Path:
    """The shapefile's parts in one zip archive."""
    with zipfile.ZipFile(target, "w") as archive:
        for part in shapefile.parent.glob(f"{shapefile.stem}.*"):
            archive.write(part, part.name)
    return target


def broken_geojson(path: Path) -> Path:
    """Three features: a self-crossing polygon, one with no geometry, and a good point."""
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"name":"bowtie"},"geometry":{"type":"Polygon",'
        '"coordinates":[[[126.97,37.56],[126.99,37.58],[126.99,37.56],[126.97,37.58],'
        "[126.97,37.56]]]}},"
        '{"type":"Feature","properties":{"name":"nothing"},"geometry":null},'
        '{"type":"Feature","properties":{"name":"ok"},"geometry":{"type":"Point",'
        '"coordinates":[126.978,37.5665]}}]}',
        encoding="utf-8",
    )
    return path


def points_geopackage(path: Path, count: int, crs: str = "EPSG:5179") -> Path:
    """``count`` points spread over Seoul, in ``crs``."""
    import geopandas as gpd
    import numpy as np

    rng = np.random.default_rng(7)
    lon = rng.uniform(126.80, 127.15, count)
    lat = rng.uniform(37.45, 37.68, count)
    frame = gpd.GeoDataFrame(
        {"id": np.arange(count), "kind": rng.choice(["a", "b", "c"], count)},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    ).to_crs(crs)
    frame.to_file(path, driver="GPKG", layer="points")
    return path


def korean_csv(path: Path) -> Path:
    """A CP949 CSV with 위도/경도 columns."""
    lines = ["명칭,위도,경도"] + [f"{n},{lat},{lon}" for n, lon, lat in PLACES]
    path.write_bytes("\n".join(lines).encode("cp949"))
    return path


def kml(path: Path) -> Path:
    """The places as KML (WGS 84 by definition)."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(
        {"Name": [p[0] for p in PLACES]},
        geometry=[shapely.Point(p[1], p[2]) for p in PLACES],
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="KML")
    return path
