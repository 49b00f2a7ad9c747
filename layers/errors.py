"""Errors about layer files, each naming the file, the reason and what to do."""

from __future__ import annotations

from pathlib import Path

from core.errors import CityroomError

# Coordinate systems offered when a file does not say its own (Korean data first).
OFFERED_CRS = ("EPSG:4326", "EPSG:5179", "EPSG:5186", "EPSG:5174")


class LayerReadError(CityroomError):
    """A layer file cannot be read; nothing was loaded from it."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class MissingCrsError(LayerReadError):
    """The file has coordinates but does not say in which system (a shapefile without .prj)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            path,
            "the file does not say its coordinate system (no .prj); choose one of "
            + ", ".join(OFFERED_CRS),
        )


class LoadCancelled(CityroomError):
    """The operator cancelled a load; nothing was loaded."""
