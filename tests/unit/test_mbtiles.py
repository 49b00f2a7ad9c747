"""MBTiles basemaps: XYZ addressing over TMS rows, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.errors import LayerReadError
from layers.mbtiles import MBTilesSource, write_test_mbtiles


def test_tiles_are_found_by_xyz_address(tmp_path: Path) -> None:
    path = write_test_mbtiles(
        tmp_path / "seoul.mbtiles",
        {(12, 3492, 1585): b"\x89PNG-a", (12, 3493, 1585): b"\x89PNG-b"},
    )
    source = MBTilesSource(path)
    assert source.tile_png(12, 3492, 1585) == b"\x89PNG-a"
    assert source.tile_png(12, 3493, 1585) == b"\x89PNG-b"
    assert source.tile_png(12, 3492, 1586) is None
    assert source.metadata["format"] == "png"
    source.close()


def test_bad_mbtiles_are_named(tmp_path: Path) -> None:
    with pytest.raises(LayerReadError, match="no such MBTiles"):
        MBTilesSource(tmp_path / "absent.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"junk" * 100)
    with pytest.raises(LayerReadError, match="not a readable MBTiles"):
        MBTilesSource(junk)
