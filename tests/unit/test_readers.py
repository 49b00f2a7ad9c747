"""Reading user layers: Korean encodings and projections, repairs, chunks, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import LayerReadError, LoadCancelled, MissingCrsError
from layers.info import describe
from layers.readers import detect_dbf_encoding, read_vector
from tests import layerdata

SEOUL = (126.7, 37.4, 127.2, 37.7)


def inside_seoul(bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bounds
    return SEOUL[0] < west < east < SEOUL[2] and SEOUL[1] < south < north < SEOUL[3]


def test_a_cp949_shapefile_in_a_korean_projection(tmp_path: Path) -> None:
    shp = layerdata.korean_shapefile(tmp_path / "shp", "EPSG:5186")
    assert not shp.with_suffix(".cpg").exists()
    layer = read_vector(shp)
    assert layer.encoding == "CP949"
    assert layer.crs == "EPSG:5186"
    assert [r["명칭"] for r in layer.sample] == ["서울시청", "강남역", "여의도공원"]
    assert ("명칭", "str") in layer.fields
    assert inside_seoul(layer.bounds_wgs84)
    x, y = layer.frame.geometry.iloc[0].x, layer.frame.geometry.iloc[0].y
    assert (x, y) == pytest.approx((126.9780, 37.5665), abs=1e-6)


@pytest.mark.parametrize("crs", ["EPSG:5179", "EPSG:5174"])
def test_other_korean_projections_land_in_seoul(tmp_path: Path, crs: str) -> None:
    layer = read_vector(layerdata.korean_shapefile(tmp_path, crs))
    assert layer.crs == crs and inside_seoul(layer.bounds_wgs84)


def test_a_folder_and_a_zip_open_like_the_shapefile(tmp_path: Path) -> None:
    shp = layerdata.korean_shapefile(tmp_path / "data")
    by_folder = read_vector(tmp_path / "data")
    by_zip = read_vector(layerdata.zipped(shp, tmp_path / "places.zip"))
    assert by_folder.sample == by_zip.sample == read_vector(shp).sample
    assert by_zip.encoding == "CP949"


def test_a_missing_prj_asks_for_the_crs(tmp_path: Path) -> None:
    shp = layerdata.korean_shapefile(tmp_path, "EPSG:5186", prj=False)
    with pytest.raises(MissingCrsError, match="EPSG:5179"):
        read_vector(shp)
    layer = read_vector(shp, crs="EPSG:5186")
    assert layer.crs == "EPSG:5186" and inside_seoul(layer.bounds_wgs84)


def test_invalid_geometries_are_repaired_and_empty_ones_skipped(tmp_path: Path) -> None:
    layer = read_vector(layerdata.broken_geojson(tmp_path / "broken.geojson"))
    assert layer.repaired == 1 and layer.skipped == 1
    assert layer.feature_count == 2
    assert bool(layer.frame.geometry.is_valid.all())


def test_large_geopackages_load_in_chunks_with_progress_and_cancel(tmp_path: Path) -> None:
    path = layerdata.points_geopackage(tmp_path / "many.gpkg", 45_000)
    seen: list[tuple[int, int]] = []
    layer = read_vector(path, progress=lambda done, total: seen.append((done, total)))
    assert layer.feature_count == 45_000 and layer.crs == "EPSG:5179"
    assert seen[-1] == (45_000, 45_000) and len(seen) == 3
    with pytest.raises(LoadCancelled):
        read_vector(path, cancelled=lambda: True)


def test_csv_with_korean_columns_and_kml(tmp_path: Path) -> None:
    table = read_vector(layerdata.korean_csv(tmp_path / "places.csv"))
    assert table.encoding == "CP949" and table.feature_count == 4
    assert table.sample[0]["명칭"] == "서울시청"
    kml = read_vector(layerdata.kml(tmp_path / "places.kml"))
    assert kml.feature_count == 4 and inside_seoul(kml.bounds_wgs84)
    xy = tmp_path / "xy.csv"
    xy.write_text("name,x,y\nhall,953901,1952032\n", encoding="utf-8")
    with pytest.raises(MissingCrsError):
        read_vector(xy)
    assert read_vector(xy, crs="EPSG:5179").bounds_wgs84[0] == pytest.approx(126.978, abs=1e-4)


def test_unreadable_files_are_named_with_the_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"not a geopackage" * 100)
    with pytest.raises(LayerReadError) as err:
        read_vector(junk)
    assert str(junk) in str(err.value)
    with pytest.raises(LayerReadError, match="no such file"):
        read_vector(tmp_path / "absent.shp")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayerReadError, match="no shapefile"):
        read_vector(tmp_path / "empty")
    nocoords = tmp_path / "plain.csv"
    nocoords.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LayerReadError, match="no coordinate columns"):
        read_vector(nocoords)
    with pytest.raises(LayerReadError, match="not a layer file"):
        describe(tmp_path / "notes.txt")


def test_dbf_encoding_detection() -> None:
    header = bytearray(32)
    header[8:10] = (32).to_bytes(2, "little")
    assert detect_dbf_encoding(bytes(header) + "서울".encode("cp949")) == "CP949"
    assert detect_dbf_encoding(bytes(header) + "서울".encode()) == "UTF-8"
    assert detect_dbf_encoding(bytes(header) + b"plain") == "UTF-8"
