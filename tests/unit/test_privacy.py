"""Privacy masks, the mask file, and face and plate blurring on real and drawn pictures."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from core.clock import FakeClock
from core.errors import CityroomError
from core.video import redaction
from core.video.masks import (
    MASK_GREY,
    CorruptMaskFileError,
    MaskError,
    MaskFileError,
    MaskStore,
    apply_masks,
)
from core.video.redaction import FACE_CASCADE, PLATE_CASCADE, DetectorFileError, Redactor

ASTRONAUT = Path(__file__).resolve().parent.parent / "data" / "astronaut-256.jpg"
# Where the face is in the test photograph (x, y, width, height), checked by eye.
ASTRONAUT_FACE = (86, 31, 52, 52)

SQUARE = ((0.25, 0.25), (0.5, 0.25), (0.5, 0.5), (0.25, 0.5))
TRIANGLE = ((0.75, 0.5), (1.0, 1.0), (0.5, 1.0))


# -- masks ----------------------------------------------------------------------------------


def _masked(image: Any) -> Any:
    return np.all(image[:, :, :3] == MASK_GREY, axis=2)


@pytest.mark.parametrize(("width", "height"), [(320, 180), (1920, 1080)])
def test_a_mask_covers_the_same_part_of_the_picture_at_any_size(width: int, height: int) -> None:
    image = np.full((height, width, 3), 200, np.uint8)

    returned = apply_masks(image, (SQUARE, TRIANGLE))

    assert returned is image  # in place
    masked = _masked(image)
    # The square: every pixel inside is dark, nothing more than a pixel beyond it is.
    top, bottom, left, right = height // 4, height // 2, width // 4, width // 2
    assert masked[top + 1 : bottom - 1, left + 1 : right - 1].all()
    outside = masked.copy()
    outside[top - 1 : bottom + 2, left - 1 : right + 2] = False
    outside[height // 2 - 1 :, width // 2 - 1 :] = False  # the triangle's bounding box
    assert not outside.any()
    # The triangle: its centroid is masked, a point left of its slanted edge is not.
    assert masked[int(height * 0.83), int(width * 0.75)]
    assert not masked[int(height * 0.6), int(width * 0.6)]
    # Same share of the picture at both sizes: 1/16 for the square plus 1/8 for the triangle.
    assert masked.mean() == pytest.approx(3 / 16, abs=0.005)


def test_masks_on_bgra_frames_are_opaque_dark() -> None:
    image = np.full((360, 640, 4), 200, np.uint8)
    image[:, :, 3] = 128

    apply_masks(image, (SQUARE,))

    assert tuple(image[135, 240]) == (MASK_GREY, MASK_GREY, MASK_GREY, 255)
    assert tuple(image[10, 10]) == (200, 200, 200, 128)


def test_masks_reach_a_strided_view_of_a_bigger_frame() -> None:
    # OpenCV would silently draw into a copy of a non-contiguous view; the mask must land.
    frame = np.full((360, 1280, 3), 200, np.uint8)
    view = frame[:, ::2]

    apply_masks(view, (SQUARE,))

    assert _masked(frame)[135, 480]
    assert not _masked(frame)[135, 481]  # odd columns are not part of the view


def test_no_masks_leaves_the_frame_alone() -> None:
    image = np.full((36, 64, 3), 200, np.uint8)
    apply_masks(image, ())
    assert (image == 200).all()


# -- mask file ----------------------------------------------------------------------------


def test_a_missing_mask_file_means_no_masks(tmp_path: Path) -> None:
    store = MaskStore(tmp_path / "masks.json")
    assert store.masks("CAM-1") == ()
    assert store.cameras() == ()


def test_masks_survive_save_and_reload(tmp_path: Path) -> None:
    path = tmp_path / "config" / "masks.json"
    store = MaskStore(path)
    store.set_masks("CAM-1", [SQUARE, [[0.1, 0.2], [0.3, 0.2], [0.2, 1 / 3]]])
    store.set_masks("강남-07", [TRIANGLE])
    store.set_masks("CAM-gone", [SQUARE])
    store.set_masks("CAM-gone", [])

    store.save()
    reloaded = MaskStore(path)

    assert reloaded.cameras() == ("CAM-1", "강남-07")
    assert reloaded.masks("CAM-1") == (SQUARE, ((0.1, 0.2), (0.3, 0.2), (0.2, 1 / 3)))
    assert reloaded.masks("강남-07") == (TRIANGLE,)
    assert reloaded.masks("CAM-gone") == ()
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
    assert [p.name for p in path.parent.iterdir()] == ["masks.json"]  # no temporary left


def test_a_failed_save_leaves_the_previous_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "masks.json"
    first = MaskStore(path)
    first.set_masks("CAM-1", [SQUARE])
    first.save()
    before = path.read_bytes()

    def disk_fails(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_fails)
    store = MaskStore(path)
    store.set_masks("CAM-1", [TRIANGLE])
    store.set_masks("CAM-2", [SQUARE])
    with pytest.raises(MaskFileError) as caught:
        store.save()

    assert str(path) in str(caught.value)
    assert "Input/output error" in str(caught.value)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["masks.json"]


def test_set_masks_rejects_a_polygon_it_could_not_draw(tmp_path: Path) -> None:
    store = MaskStore(tmp_path / "masks.json")
    with pytest.raises(MaskError, match=r"'CAM-3', mask 1: .*at least 3 points"):
        store.set_masks("CAM-3", [SQUARE, [(0.1, 0.1), (0.2, 0.2)]])
    with pytest.raises(MaskError, match=r"mask 0, point 2: y = 1.5 is outside 0..1"):
        store.set_masks("CAM-3", [[(0.1, 0.1), (0.2, 0.2), (0.3, 1.5)]])
    assert store.masks("CAM-3") == ()


def _document(cameras: object, **extra: object) -> str:
    return json.dumps({"version": 1, "cameras": cameras, **extra})


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"version": 1, "cameras": {', ["not valid JSON", "line 1"]),
        (b"\xff\xfe\x00garbage", ["not UTF-8"]),
        (
            _document({"CAM-7": [SQUARE, [[0.1, 0.1], [1.25, 0.2], [0.3, 0.3]]]}),
            ["'CAM-7', mask 1, point 1", "x = 1.25 is outside 0..1"],
        ),
        (
            _document({"CAM-7": [[[0.1, 0.1], [0.2, 0.2]]]}),
            ["'CAM-7', mask 0", "at least 3 points, this one has 2"],
        ),
        (_document({"CAM-7": [[[0.1, 0.1], [0.2, True], [0.3, 0.3]]]}), ["y = True"]),
        (json.dumps({"version": 2, "cameras": {}}), ["newer Cityroom"]),
        (_document({}, colour="red"), ["unknown key 'colour'"]),
        (b"[]", ['"version" and "cameras"']),
    ],
)
def test_a_damaged_mask_file_is_reported_and_left_untouched(
    tmp_path: Path, content: str | bytes, expected: list[str]
) -> None:
    path = tmp_path / "masks.json"
    data = content.encode() if isinstance(content, str) else content
    path.write_bytes(data)

    with pytest.raises(CorruptMaskFileError) as caught:
        MaskStore(path)

    message = str(caught.value)
    assert isinstance(caught.value, CityroomError)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message
    assert "set it aside" in message  # the fix
    assert path.read_bytes() == data


def test_a_damaged_mask_file_is_set_aside_with_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "masks.json"
    damaged = b'{"version": 1, "cameras": {"CAM-1": [[[0.1, 0.1]'
    path.write_bytes(damaged)
    clock = FakeClock()

    store, error = MaskStore.open_or_set_aside(path, clock)

    assert error is not None and error.moved_to is not None
    assert re.fullmatch(r"masks\.json\.corrupt-\d{8}-\d{6}", error.moved_to.name)
    assert error.moved_to.read_bytes() == damaged
    assert not path.exists()
    assert store.masks("CAM-1") == ()
    # The store goes on working, and a second broken file the same second keeps both.
    store.set_masks("CAM-1", [SQUARE])
    store.save()
    assert MaskStore(path).masks("CAM-1") == (SQUARE,)
    path.write_bytes(b"again broken")
    _, second = MaskStore.open_or_set_aside(path, clock)
    assert second is not None and second.moved_to == Path(f"{error.moved_to}-2")
    assert second.moved_to.read_bytes() == b"again broken"
    assert error.moved_to.read_bytes() == damaged


def test_an_unreadable_mask_file_is_reported_not_set_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "masks.json"
    path.write_text(_document({"CAM-1": [SQUARE]}), encoding="utf-8")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(MaskFileError, match="Permission denied") as caught:
        MaskStore.open_or_set_aside(path)

    assert not isinstance(caught.value, CorruptMaskFileError)
    assert "Check its permissions" in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["masks.json"]


def test_a_good_mask_file_is_not_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "masks.json"
    path.write_text(_document({"CAM-1": [SQUARE]}), encoding="utf-8")

    store, error = MaskStore.open_or_set_aside(path)

    assert error is None
    assert store.masks("CAM-1") == (SQUARE,)
    assert [p.name for p in tmp_path.iterdir()] == ["masks.json"]


# -- faces --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.fixture(scope="module")
def astronaut() -> Any:
    image = cv2.imread(str(ASTRONAUT))
    assert image is not None, f"cannot read {ASTRONAUT}"
    return image


def _detail(image: Any, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    region = image[y : y + h, x : x + w]
    if region.ndim == 3:
        region = cv2.cvtColor(
            region, cv2.COLOR_BGRA2GRAY if region.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        )
    return float(cv2.Laplacian(region, cv2.CV_64F).var())


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller box's area."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / min(a[2] * a[3], b[2] * b[3])


def _lenient_faces(image: Any) -> Any:
    # A more eager search than the redactor's own: a trace of a face must not survive it.
    face = cv2.CascadeClassifier(str(redaction.DETECTORS_DIR / FACE_CASCADE))
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return face.detectMultiScale(grey, 1.05, 2, minSize=(20, 20))


def test_a_real_face_is_found_and_blurred_beyond_recognition(
    redactor: Redactor, astronaut: Any
) -> None:
    original = astronaut.copy()
    found = redactor.detect(astronaut)
    assert len(found.faces) == 1
    assert _overlap(found.faces[0], ASTRONAUT_FACE) > 0.8

    redacted, counts = redactor.redact(astronaut)

    assert counts.faces == 1 and counts.plates == 0
    assert (astronaut == original).all()  # a copy, not in place
    assert _detail(redacted, ASTRONAUT_FACE) < 0.05 * _detail(original, ASTRONAUT_FACE)
    assert redactor.detect(redacted).faces == ()
    assert not any(_overlap(tuple(box), ASTRONAUT_FACE) > 0.3 for box in _lenient_faces(redacted))
    # Away from the face (the flag, the lower body) the picture is untouched.
    assert (redacted[170:, :] == original[170:, :]).all()
    assert (redacted[:, :40] == original[:, :40]).all()


def test_a_face_in_a_full_hd_frame_is_blurred_where_it_is(
    redactor: Redactor, astronaut: Any
) -> None:
    # Detection runs on a smaller copy; boxes must land back on the full-size frame.
    frame = np.full((1080, 1920, 3), 90, np.uint8)
    frame[300:812, 700:1212] = cv2.resize(astronaut, (512, 512), interpolation=cv2.INTER_LINEAR)
    x, y, w, h = ASTRONAUT_FACE
    face = (700 + 2 * x, 300 + 2 * y, 2 * w, 2 * h)

    found = redactor.detect(frame)
    redacted, counts = redactor.redact(frame)

    # The upscaled photograph also yields a stray box by the shoulder; blurring it costs little.
    assert counts.faces >= 1
    assert any(_overlap(box, face) > 0.8 for box in found.faces), found.faces
    assert _detail(redacted, face) < 0.05 * _detail(frame, face)


def test_bgra_frames_are_redacted_in_their_own_layout(redactor: Redactor, astronaut: Any) -> None:
    frame = cv2.cvtColor(astronaut, cv2.COLOR_BGR2BGRA)

    redacted, counts = redactor.redact(frame)

    assert counts.faces == 1
    assert redacted.shape == frame.shape
    assert (redacted[:, :, 3] == 255).all()
    assert _detail(redacted, ASTRONAUT_FACE) < 0.05 * _detail(frame, ASTRONAUT_FACE)


def test_blur_is_a_plain_frame_callback_safe_on_worker_threads(
    redactor: Redactor, astronaut: Any
) -> None:
    callback: Callable[[Any], Any] = redactor.blur
    expected = redactor.redact(astronaut)[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(callback, [astronaut] * 12))

    for result in results:
        assert (result == expected).all()


# -- plates -------------------------------------------------------------------------------


def _car(width: int, height: int, plate_width: int, text: str | None) -> tuple[Any, Any]:
    """A plain car-coloured body with a bumper and, unless ``text`` is None, a plate:
    white, dark rim, dark characters, in proportion 4.6:1 like Korean and Russian plates."""
    image = np.full((height, width, 3), (70, 70, 75), np.uint8)
    cx, cy, p = width // 2, height // 2, plate_width
    cv2.rectangle(image, (cx - int(p * 1.6), cy - int(p * 0.9)), (cx + int(p * 1.6), cy + p // 2),
                  (40, 40, 140), -1)  # fmt: skip
    cv2.rectangle(image, (cx - int(p * 1.7), cy + p // 5), (cx + int(p * 1.7), cy + p * 9 // 20),
                  (30, 30, 30), -1)  # fmt: skip
    plate_height = round(p / 4.6)
    x0, y0 = cx - p // 2, cy - plate_height // 2
    box = (x0, y0, p, plate_height)
    if text is None:
        return image, box
    cv2.rectangle(image, (x0, y0), (x0 + p, y0 + plate_height), (245, 245, 245), -1)
    cv2.rectangle(image, (x0, y0), (x0 + p, y0 + plate_height), (20, 20, 20), max(2, p // 50))
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), _ = cv2.getTextSize(text, font, 1.0, 2)
    scale = min(p * 0.9 / tw, plate_height * 0.7 / th)
    thickness = max(1, round(scale * 2.2))
    (tw, th), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = (x0 + (p - tw) // 2, y0 + (plate_height + th) // 2)
    cv2.putText(image, text, origin, font, scale, (20, 20, 20), thickness, cv2.LINE_AA)
    return image, box


@pytest.mark.parametrize(
    ("width", "height", "plate_width", "text"),
    [
        (640, 360, 80, "12A3456"),
        (640, 360, 130, "12A3456"),
        (640, 360, 200, "A123BC 77"),
        (640, 360, 320, "12A3456"),
        (1920, 1080, 400, "12A3456"),
    ],
)
def test_a_drawn_licence_plate_is_found_and_blurred(
    redactor: Redactor, width: int, height: int, plate_width: int, text: str
) -> None:
    scene, plate = _car(width, height, plate_width, text)

    found = redactor.detect(scene)
    redacted, counts = redactor.redact(scene)

    assert any(_overlap(box, plate) > 0.8 for box in found.plates), found.plates
    assert counts.plates >= 1 and counts.faces == 0
    assert _detail(redacted, plate) < 0.05 * _detail(scene, plate)
    x, y, w, h = plate
    assert (redacted[y : y + h, x : x + w] < 60).mean() < 0.01  # no dark character strokes


@pytest.mark.parametrize("which", ["car without plate", "photograph"])
def test_no_plate_is_found_where_there_is_none(
    redactor: Redactor, astronaut: Any, which: str
) -> None:
    image = _car(640, 360, 130, None)[0] if which == "car without plate" else astronaut
    assert redactor.detect(image).plates == ()


# -- detector files -----------------------------------------------------------------------


def test_a_missing_detector_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DetectorFileError) as caught:
        Redactor(detectors_dir=tmp_path)
    assert str(tmp_path / FACE_CASCADE) in str(caught.value)
    assert "is missing" in str(caught.value)
    assert "resources/video/detectors" in str(caught.value)  # the fix

    with pytest.raises(DetectorFileError, match=re.escape(str(tmp_path / PLATE_CASCADE))):
        Redactor(faces=False, detectors_dir=tmp_path)


@pytest.mark.parametrize(
    "content",
    [b"", b"not xml at all", b'<?xml version="1.0"?>\n<opencv_storage><a>1</a></opencv_storage>'],
)
def test_a_damaged_detector_file_is_named(tmp_path: Path, content: bytes) -> None:
    (tmp_path / PLATE_CASCADE).write_bytes(content)
    with pytest.raises(DetectorFileError) as caught:
        Redactor(faces=False, detectors_dir=tmp_path)
    assert str(tmp_path / PLATE_CASCADE) in str(caught.value)
    assert "cascade" in str(caught.value)


def test_a_redactor_with_nothing_to_find_returns_an_unchanged_copy(
    tmp_path: Path, astronaut: Any
) -> None:
    redactor = Redactor(faces=False, plates=False, detectors_dir=tmp_path)
    redacted, counts = redactor.redact(astronaut)
    assert counts == redaction.RedactionCounts(0, 0)
    assert redacted is not astronaut and (redacted == astronaut).all()
