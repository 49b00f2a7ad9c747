"""Fixed per-camera privacy masks: polygons in normalised coordinates (0..1 of width and
height), so a mask drawn on a small tile covers the same place on the full-resolution frame;
filled on every frame before it is shown, recorded or saved. Kept in one JSON file."""

from __future__ import annotations

import datetime
import functools
import json
import math
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.clock import Clock, SystemClock
from core.errors import CityroomError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Image = NDArray[np.uint8]

Point = tuple[float, float]
"""A point as (x, y), each a fraction 0..1 of the frame's width and height."""
Polygon = tuple[Point, ...]
"""A closed polygon of at least three points."""

MASK_GREY = 16
"""Grey level masks are filled with: dark, but distinguishable from a black picture."""

MASK_FILE_VERSION = 1


class MaskError(CityroomError, ValueError):
    """A mask polygon is not usable (too few points, a coordinate outside 0..1)."""


class MaskFileError(CityroomError):
    """The privacy mask file cannot be read, is damaged, or cannot be written.

    ``moved_to`` is set once the broken file has been set aside.
    """

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        self.moved_to: Path | None = None
        super().__init__(f"Privacy mask file {path}: {problem}. {fix}")


class CorruptMaskFileError(MaskFileError):
    """The mask file was read but its contents are damaged or invalid; it can be set aside."""


# -- masks ----------------------------------------------------------------------------------


def _coordinate(value: object, axis: str, where: str) -> float:
    # bool is an int to Python, but true/false in a mask file is a mistake, not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MaskError(f"{where}: {axis} = {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise MaskError(f"{where}: {axis} = {value!r} is outside 0..1")
    return number


def make_polygon(points: Iterable[Sequence[float]], where: str = "mask") -> Polygon:
    """A validated polygon from (x, y) pairs in 0..1; :class:`MaskError` says what is wrong."""
    result: list[Point] = []
    for index, point in enumerate(points):
        at = f"{where}, point {index}"
        if isinstance(point, str | bytes) or not isinstance(point, Sequence) or len(point) != 2:
            raise MaskError(f"{at}: {point!r} is not an [x, y] pair")
        result.append((_coordinate(point[0], "x", at), _coordinate(point[1], "y", at)))
    if len(result) < 3:
        raise MaskError(f"{where}: a polygon needs at least 3 points, this one has {len(result)}")
    return tuple(result)


@functools.lru_cache(maxsize=512)
def _pixel_polygons(polygons: tuple[Polygon, ...], width: int, height: int) -> list[Any]:
    import numpy as np

    # Rounded to the nearest pixel; the filled outline includes its edge pixels, so a mask
    # errs on covering a pixel more, never less.
    return [
        np.array([(round(x * width), round(y * height)) for x, y in polygon], dtype=np.int32)
        for polygon in polygons
    ]


def apply_masks(image: Image, polygons: Sequence[Polygon]) -> Image:
    """Fill ``polygons`` (normalised) solid dark in ``image`` in place and return it.

    ``image`` is an 8-bit BGR, BGRA or greyscale array; BGRA masks are opaque.
    """
    if not polygons:
        return image
    import cv2
    import numpy as np

    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected an 8-bit image, got {image.dtype} with shape {image.shape}")
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    colour = (MASK_GREY,) * min(channels, 3) + (255,) * (channels - 3)
    key = polygons if isinstance(polygons, tuple) else tuple(polygons)
    points = _pixel_polygons(key, width, height)
    if image.flags.c_contiguous and image.flags.writeable:
        cv2.fillPoly(image, points, colour)
    else:
        # OpenCV would draw into a temporary copy of a strided view; draw a stencil instead.
        stencil = np.zeros((height, width), dtype=np.uint8)
        cv2.fillPoly(stencil, points, 255)
        image[stencil.astype(bool)] = colour
    return image


def set_aside(path: Path, clock: Clock | None = None) -> Path:
    """Rename a broken file to ``<name>.corrupt-YYYYmmdd-HHMMSS`` (local time) and return
    the new path. Nothing is deleted; a name already taken gets a ``-2``, ``-3``… suffix."""
    now_ms = (clock or SystemClock()).now_ms()
    stamp = datetime.datetime.fromtimestamp(now_ms / 1000).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 2
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    path.rename(target)
    return target


_DAMAGED_FIX = (
    "Correct the file, or set it aside (it is renamed to *.corrupt-<date>-<time>, "
    "nothing is deleted) and draw the masks again"
)


class MaskStore:
    """The privacy masks of every camera, kept in one JSON file.

    Reads are safe from any thread (capture workers); changes come from one place (the GUI)
    and reach the file on :meth:`save`. Construction reads the file: a missing file means no
    masks; a damaged one raises :class:`MaskFileError` (see :meth:`open_or_set_aside`).
    """

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._save_lock = threading.Lock()
        self._masks: dict[str, tuple[Polygon, ...]] = self._load()

    @classmethod
    def open_or_set_aside(
        cls, path: Path, clock: Clock | None = None
    ) -> tuple[MaskStore, MaskFileError | None]:
        """Open the store; if its file is damaged, set the file aside and open empty.

        Returns the store and the error that was handled (with ``moved_to`` set), so the
        caller can tell the operator that masks are missing until redrawn. A file that cannot
        be read at all (permissions) is not a damaged one: that error is raised.
        """
        try:
            return cls(path), None
        except CorruptMaskFileError as error:
            try:
                error.moved_to = set_aside(error.path, clock)
            except OSError as exc:
                raise MaskFileError(
                    error.path,
                    f"{error.problem}, and it cannot be set aside ({exc.strerror or exc})",
                    "Move or correct the file by hand",
                ) from exc
            return cls(path), error

    @property
    def path(self) -> Path:
        """The mask file."""
        return self._path

    def masks(self, camera_id: str) -> tuple[Polygon, ...]:
        """The masks of ``camera_id`` (empty if it has none)."""
        with self._lock:
            return self._masks.get(camera_id, ())

    def cameras(self) -> tuple[str, ...]:
        """Ids of the cameras that have masks, sorted."""
        with self._lock:
            return tuple(sorted(self._masks))

    def set_masks(self, camera_id: str, polygons: Iterable[Iterable[Sequence[float]]]) -> None:
        """Replace the masks of ``camera_id`` (none removes them); call :meth:`save` after."""
        if not camera_id:
            raise MaskError("a camera id is needed to store masks")
        checked = tuple(
            make_polygon(points, f"camera {camera_id!r}, mask {index}")
            for index, points in enumerate(polygons)
        )
        with self._lock:
            if checked:
                self._masks[camera_id] = checked
            else:
                self._masks.pop(camera_id, None)

    def save(self) -> None:
        """Write all masks atomically: a temporary file, flushed to disk, then renamed."""
        with self._lock:
            snapshot = dict(self._masks)
        text = _to_json(snapshot)
        with self._save_lock:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                _write_atomically(self._path, text.encode("utf-8"))
            except OSError as exc:
                raise MaskFileError(
                    self._path,
                    f"cannot be written ({exc.strerror or exc}); the previous file is unchanged",
                    "Check that the folder exists, is writable and has free space",
                ) from exc

    def _load(self) -> dict[str, tuple[Polygon, ...]]:
        path = self._path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise MaskFileError(
                path, f"cannot be read ({exc.strerror or exc})", "Check its permissions"
            ) from exc
        try:
            document = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CorruptMaskFileError(path, "is not UTF-8 text", _DAMAGED_FIX) from exc
        except json.JSONDecodeError as exc:
            problem = f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            raise CorruptMaskFileError(path, problem, _DAMAGED_FIX) from exc
        try:
            return _from_document(document)
        except MaskError as exc:
            raise CorruptMaskFileError(path, str(exc), _DAMAGED_FIX) from exc


def _from_document(document: object) -> dict[str, tuple[Polygon, ...]]:
    if not isinstance(document, dict):
        raise MaskError('the top level is not an object with "version" and "cameras"')
    unknown = sorted(set(document) - {"version", "cameras"})
    if unknown:
        raise MaskError(f"unknown key {unknown[0]!r} at the top level")
    version = document.get("version")
    if version != MASK_FILE_VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > 1:
            raise MaskError(f"version {version} was written by a newer Cityroom")
        raise MaskError(f"version is {version!r}, expected {MASK_FILE_VERSION}")
    cameras = document.get("cameras")
    if not isinstance(cameras, dict):
        raise MaskError('"cameras" is missing or not an object of camera id to mask list')
    result: dict[str, tuple[Polygon, ...]] = {}
    for camera_id, polygons in cameras.items():
        if not camera_id:
            raise MaskError("a camera id is empty")
        if not isinstance(polygons, list):
            raise MaskError(f"camera {camera_id!r}: the masks are not a list of polygons")
        checked = []
        for index, points in enumerate(polygons):
            where = f"camera {camera_id!r}, mask {index}"
            if not isinstance(points, list):
                raise MaskError(f"{where}: not a list of [x, y] points")
            checked.append(make_polygon(points, where))
        if checked:
            result[camera_id] = tuple(checked)
    return result


def _to_json(masks: Mapping[str, tuple[Polygon, ...]]) -> str:
    # One polygon per line: small diffs, and readable by a person fixing the file by hand.
    lines = ["{", f'  "version": {MASK_FILE_VERSION},', '  "cameras": {']
    cameras = sorted(masks)
    for c, camera_id in enumerate(cameras):
        lines.append(f"    {json.dumps(camera_id, ensure_ascii=False)}: [")
        polygons = masks[camera_id]
        for p, polygon in enumerate(polygons):
            comma = "," if p < len(polygons) - 1 else ""
            lines.append(f"      {json.dumps([list(point) for point in polygon])}{comma}")
        lines.append("    ]" + ("," if c < len(cameras) - 1 else ""))
    lines += ["  }", "}", ""]
    return "\n".join(lines)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if os.name == "posix":
        # The rename itself survives a power cut only once the directory is on disk too.
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
