"""Basemap tiles from an MBTiles file (SQLite), for sites that ship their own tile set."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from layers.errors import LayerReadError


class MBTilesSource:
    """Serves the tiles of one MBTiles file by XYZ address (MBTiles rows are TMS: y flipped)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise LayerReadError(self.path, "no such MBTiles file")
        try:
            self._db = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode=ro", uri=True, check_same_thread=False
            )
            rows = self._db.execute("SELECT name, value FROM metadata").fetchall()
            self._db.execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise LayerReadError(self.path, f"not a readable MBTiles file ({exc})") from exc
        self.metadata = {str(name): str(value) for name, value in rows}
        self.format = self.metadata.get("format", "png")
        self._lock = threading.Lock()  # one connection shared by the tile workers

    def tile_png(self, z: int, x: int, y: int) -> bytes | None:
        """The stored tile image at XYZ ``z/x/y`` (PNG or JPEG bytes), or None if absent."""
        tms_y = (1 << z) - 1 - y
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, tms_y),
            ).fetchone()
        return bytes(row[0]) if row else None

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def write_test_mbtiles(path: str | Path, tiles: dict[tuple[int, int, int], bytes]) -> Path:
    """An MBTiles file holding ``tiles`` keyed by XYZ address (for tests and demos)."""
    path = Path(path)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
        "tile_data BLOB)"
    )
    db.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", path.stem), ("format", "png")])
    db.executemany(
        "INSERT INTO tiles VALUES (?, ?, ?, ?)",
        [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
    )
    db.commit()
    db.close()
    return path
