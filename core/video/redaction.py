"""Blurring faces and licence plates in material that leaves the room, found with the Haar
cascades shipped in ``resources/video/detectors``."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import CityroomError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Image = NDArray[np.uint8]

Box = tuple[int, int, int, int]
"""A detected region as (x, y, width, height) in pixels of the image it was found in."""

DETECTORS_DIR = Path(__file__).resolve().parents[2] / "resources" / "video" / "detectors"
"""The repository's ``resources/video/detectors`` directory."""
FACE_CASCADE = "haarcascade_frontalface_default.xml"
PLATE_CASCADE = "haarcascade_russian_plate_number.xml"


class DetectorFileError(CityroomError):
    """A face or plate detector file shipped with the application is missing or unreadable."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(
            f"Detector file {path}: {problem}. Restore resources/video/detectors from the "
            "installation or version control (see its README.md)."
        )


# -- faces and plates ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedactionCounts:
    """How many faces and plates were blurred in one image."""

    faces: int = 0
    plates: int = 0


@dataclass(frozen=True, slots=True)
class Detections:
    """Faces and plates found in an image, in that image's pixels."""

    faces: tuple[Box, ...] = ()
    plates: tuple[Box, ...] = ()


class Redactor:
    """Finds faces and licence plates and blurs them beyond recognition.

    Safe to share between threads: each thread gets its own classifiers. Detection runs on a
    greyscale copy scaled to at most ``detect_width`` pixels wide, so faces and plates
    smaller than about 24 and 60 pixels at that width are not found.
    """

    FACE_MARGIN = 0.3
    """Each side of a face box is grown by this fraction: hair, ears and chin identify too."""
    PLATE_MARGIN = 0.12
    BLUR_CELLS = 6
    """A blurred region keeps this many cells across its longer side, too few to recognise."""

    def __init__(
        self,
        faces: bool = True,
        plates: bool = True,
        *,
        detectors_dir: Path | None = None,
        detect_width: int = 960,
    ) -> None:
        if detect_width < 64:
            raise ValueError(f"detect_width must be at least 64 pixels, got {detect_width}")
        folder = DETECTORS_DIR if detectors_dir is None else Path(detectors_dir)
        self.faces = faces
        self.plates = plates
        self.detect_width = detect_width
        self._sources: dict[str, tuple[Path, str]] = {}
        if faces:
            self._sources["face"] = _read_cascade_text(folder / FACE_CASCADE)
        if plates:
            self._sources["plate"] = _read_cascade_text(folder / PLATE_CASCADE)
        self._local = threading.local()
        self._classifiers()  # parse now, so a damaged file fails here and not in a worker

    def detect(self, image: Image) -> Detections:
        """Faces and plates in ``image`` (8-bit BGR, BGRA or greyscale)."""
        import cv2

        if not self._sources:
            return Detections()
        height, width = image.shape[:2]
        if not width or not height:
            return Detections()
        grey: Any = image
        if image.ndim == 3:
            code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
            grey = cv2.cvtColor(image, code)
        scale = min(1.0, self.detect_width / width)
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        # No histogram equalisation: Haar windows are already normalised for contrast, and a
        # global stretch over a large flat scene made small faces disappear.
        classifiers = self._classifiers()
        found: dict[str, tuple[Box, ...]] = {}
        for name, classifier in classifiers.items():
            # Recall matters more than precision here: a stray blur costs little.
            if name == "face":
                boxes = classifier.detectMultiScale(grey, 1.1, 4, minSize=(24, 24))
            else:
                boxes = classifier.detectMultiScale(grey, 1.1, 3, minSize=(60, 20))
            found[name] = tuple(_scaled(box, 1.0 / scale) for box in boxes)
        return Detections(found.get("face", ()), found.get("plate", ()))

    def redact(self, image: Image) -> tuple[Image, RedactionCounts]:
        """A copy of ``image`` with every face and plate found blurred, and how many."""
        found = self.detect(image)
        out = image.copy()
        regions = [_grow(box, self.FACE_MARGIN, out.shape) for box in found.faces]
        regions += [_grow(box, self.PLATE_MARGIN, out.shape) for box in found.plates]
        for region in _merge_overlapping(regions):
            _obscure(out, region, self.BLUR_CELLS)
        return out, RedactionCounts(len(found.faces), len(found.plates))

    def blur(self, image: Image) -> Image:
        """``redact`` without the counts: a frame callback for exporters."""
        return self.redact(image)[0]

    def _classifiers(self) -> dict[str, Any]:
        # CascadeClassifier keeps scratch state while detecting: one per thread, not a lock,
        # so exports on several workers run in parallel.
        classifiers: dict[str, Any] | None = getattr(self._local, "classifiers", None)
        if classifiers is None:
            classifiers = {
                name: _parse_cascade(path, text) for name, (path, text) in self._sources.items()
            }
            self._local.classifiers = classifiers
        return classifiers


def _read_cascade_text(path: Path) -> tuple[Path, str]:
    try:
        return path, path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DetectorFileError(path, "is missing") from exc
    except UnicodeDecodeError as exc:
        raise DetectorFileError(path, "is not a text (XML) file") from exc
    except OSError as exc:
        raise DetectorFileError(path, f"cannot be read ({exc.strerror or exc})") from exc


def _parse_cascade(path: Path, text: str) -> Any:
    import cv2

    # Parsed from memory: works whatever characters the installation path contains.
    try:
        storage = cv2.FileStorage(text, cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY)
        classifier = cv2.CascadeClassifier()
        loaded = classifier.read(storage.getFirstTopLevelNode())
    except (cv2.error, SystemError) as exc:
        raise DetectorFileError(path, "is not a readable OpenCV cascade") from exc
    if not loaded or classifier.empty():
        raise DetectorFileError(path, "is not an OpenCV cascade classifier")
    return classifier


def _scaled(box: Any, factor: float) -> Box:
    # Outwards on every side: a box found at a smaller scale must still cover the whole face.
    x, y, w, h = (int(value) for value in box)
    left, top = math.floor(x * factor), math.floor(y * factor)
    right, bottom = math.ceil((x + w) * factor), math.ceil((y + h) * factor)
    return left, top, right - left, bottom - top


def _grow(box: Box, margin: float, shape: tuple[int, ...]) -> Box:
    x, y, w, h = box
    dx, dy = round(w * margin), round(h * margin)
    left, top = max(0, x - dx), max(0, y - dy)
    right, bottom = min(shape[1], x + w + dx), min(shape[0], y + h + dy)
    return left, top, right - left, bottom - top


def _merge_overlapping(boxes: list[Box]) -> list[Box]:
    # Blurring overlapping boxes one by one leaves a sharp seam where one ends inside
    # another; one blur over their common bounding box leaves none.
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(merged)):
            for j in range(i + 1, len(merged)):
                (ax, ay, aw, ah), (bx, by, bw, bh) = merged[i], merged[j]
                if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                    left, top = min(ax, bx), min(ay, by)
                    right, bottom = max(ax + aw, bx + bw), max(ay + ah, by + bh)
                    merged[i] = (left, top, right - left, bottom - top)
                    del merged[j]
                    changed = True
                    break
            if changed:
                break
    return merged


def _obscure(image: Image, box: Box, cells: int) -> None:
    import cv2

    x, y, w, h = box
    if w <= 0 or h <= 0:
        return
    region = image[y : y + h, x : x + w]
    # Averaging down to a few cells destroys the detail for good; the smooth upscale keeps
    # it from looking like a mosaic a person (or a model) could try to read back.
    longer = max(w, h)
    small = (max(1, round(cells * w / longer)), max(1, round(cells * h / longer)))
    tiny = cv2.resize(region, small, interpolation=cv2.INTER_AREA)
    region[...] = cv2.resize(tiny, (w, h), interpolation=cv2.INTER_LINEAR)
