"""Clips: a stretch of a camera's recording saved as an MJPEG AVI with its facts burned in."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from core.errors import CityroomError
from core.video.evidence import burn_in, evidence_lines
from core.video.recording import RecordingRing

log = logging.getLogger("cityroom.video.clips")

MIN_FPS = 0.1
MAX_FPS = 60.0
PROGRESS_STEP = 0.01
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class ClipError(CityroomError):
    """A clip cannot be made: a bad time range, no recording in it, or an unwritable folder."""


class ClipCancelled(ClipError):
    """The export was cancelled; no file was kept."""


@dataclass(frozen=True, slots=True)
class ClipRecord:
    """Where a clip was written, the digest that proves it unchanged, and what it holds.

    ``start_ms`` and ``end_ms`` are the wall times of its first and last frame.
    """

    path: Path
    sha256: str
    frames: int
    start_ms: int
    end_ms: int
    width: int
    height: int


@dataclass(slots=True)
class _Written:
    """What has been written so far."""

    frames: int = 0
    first_ms: int = 0
    last_ms: int = 0
    size: tuple[int, int] = (0, 0)


def export_clip(
    ring: RecordingRing,
    key: str,
    start_ms: int,
    end_ms: int,
    folder: Path,
    *,
    camera_id: str,
    lat: float | None,
    lon: float | None,
    incident_id: str | None,
    redact: Callable[[Any], Any] | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[float], None] | None = None,
) -> ClipRecord:
    """Write the frames recorded from ``start_ms`` to ``end_ms`` as an MJPEG AVI.

    Every frame gets its own time, the camera id and the place burned in, after ``redact``
    (if given) was applied to it. The clip plays at the rate the frames were recorded at.
    The file appears under its final name only when complete. Raises ClipError (ClipCancelled
    when ``cancel`` is set) and then leaves no file behind.
    """
    if end_ms < start_ms:
        raise ClipError(
            f"The clip of {camera_id} would end ({_when(end_ms)}) before it starts "
            f"({_when(start_ms)}). Choose an end after the start."
        )
    times = ring.timestamps(key, start_ms, end_ms)
    if not times:
        raise ClipError(_no_recording(ring, camera_id, start_ms, end_ms))
    _make_folder(folder)
    # Unique, so two exports of the same moment never write into one file.
    partial = folder / f".{_stamp(times[0])}-{_safe(camera_id)}-{secrets.token_hex(4)}.partial.avi"
    stamp = _Stamp(camera_id, lat, lon, incident_id)
    try:
        done = _write(
            ring, key, (start_ms, end_ms), partial, times, stamp, redact, cancel, progress
        )
        if done.frames == 0:
            raise ClipError(_no_recording(ring, camera_id, start_ms, end_ms))
        _check_complete(partial, done.frames)
        digest = _sha256(partial)
        path = folder / f"{_stamp(done.first_ms)}-{_safe(camera_id)}-{digest[:12]}.avi"
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ClipError(
            f"Cannot write the clip of {camera_id} to {folder} ({exc.strerror or exc}). "
            "Choose a folder you can write to, on a disk with free space."
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(1.0)
    width, height = done.size
    return ClipRecord(path, digest, done.frames, done.first_ms, done.last_ms, width, height)


def estimate_fps(times: Sequence[int]) -> float:
    """Frames per second of frames recorded at ``times``: the median gap, so that a pause of
    the camera does not slow the whole clip down."""
    gaps = sorted(b - a for a, b in pairwise(times) if b > a)
    if not gaps:
        return 1.0
    return min(MAX_FPS, max(MIN_FPS, 1000.0 / gaps[len(gaps) // 2]))


@dataclass(frozen=True, slots=True)
class _Stamp:
    """The facts burned into every frame."""

    camera_id: str
    lat: float | None
    lon: float | None
    incident_id: str | None

    def lines(self, wall_ms: int) -> list[str]:
        """The burned-in lines for a frame taken at ``wall_ms``."""
        return evidence_lines(self.camera_id, wall_ms, self.lat, self.lon, self.incident_id)


def _write(
    ring: RecordingRing,
    key: str,
    span: tuple[int, int],
    path: Path,
    times: list[int],
    stamp: _Stamp,
    redact: Callable[[Any], Any] | None,
    cancel: threading.Event | None,
    progress: Callable[[float], None] | None,
) -> _Written:
    done = _Written()
    writer: Any = None
    reported = 0.0
    try:
        for frame in ring.frames(key, *span):
            if cancel is not None and cancel.is_set():
                raise ClipCancelled(
                    f"Export of the clip of {stamp.camera_id} was cancelled; no file was kept."
                )
            try:
                image = frame.decode()
            except ValueError as exc:
                log.warning("clip of %s: %s; frame left out", stamp.camera_id, exc)
                continue
            if redact is not None:
                image = redact(image)
            if writer is None:
                done.size = (image.shape[1], image.shape[0])
                done.first_ms = frame.wall_ms
                writer = _open_writer(path, estimate_fps(times), done.size)
            writer.write(burn_in(_fit(image, done.size), stamp.lines(frame.wall_ms)))
            done.frames += 1
            done.last_ms = frame.wall_ms
            fraction = min(1.0, done.frames / len(times))
            # A progress bar needs about a hundred updates, not one per frame.
            if progress is not None and fraction - reported >= PROGRESS_STEP and fraction < 1:
                progress(fraction)
                reported = fraction
    finally:
        if writer is not None:
            writer.release()
    return done


def _open_writer(path: Path, fps: float, size: tuple[int, int]) -> Any:
    import cv2

    fourcc = cv2.VideoWriter.fourcc(*"MJPG")
    # FFmpeg's writer first: OpenCV's own MJPEG writer rounds the rate to whole frames/s.
    for api in (cv2.CAP_FFMPEG, cv2.CAP_OPENCV_MJPEG):
        writer = cv2.VideoWriter(str(path), api, fourcc, fps, size)
        if writer.isOpened():
            return writer
        writer.release()
    raise ClipError(
        f"No MJPEG video writer could open {path}. This OpenCV build cannot write AVI files; "
        "reinstall the project's OpenCV package."
    )


def _fit(image: Any, size: tuple[int, int]) -> Any:
    """The image at the clip's size (a camera may change resolution mid-clip)."""
    import cv2

    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _check_complete(path: Path, frames: int) -> None:
    """Raise if the written file does not hold every frame (the writer reports no errors)."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        found = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    if found != frames:
        raise ClipError(
            f"The clip file {path} holds {found} of {frames} frames; the disk may be full. "
            "Free some space and export again."
        )


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClipError(
            f"Cannot create the clip folder {folder} ({exc.strerror or exc}). "
            "Choose a folder you can write to."
        ) from exc


def _no_recording(ring: RecordingRing, camera_id: str, start_ms: int, end_ms: int) -> str:
    minutes = ring.keep_s / 60
    return (
        f"There is no recording of {camera_id} between {_when(start_ms)} and {_when(end_ms)}. "
        f"The recording keeps only the last {minutes:g} minutes of each camera, and only while "
        "its video is open; the camera may also have been offline then."
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _when(wall_ms: int) -> str:
    return f"{datetime.fromtimestamp(wall_ms / 1000).astimezone():%Y-%m-%d %H:%M:%S %z}"


def _stamp(wall_ms: int) -> str:
    return f"{datetime.fromtimestamp(wall_ms / 1000).astimezone():%Y%m%d-%H%M%S-%f}"


def _safe(camera_id: str) -> str:
    return _UNSAFE_IN_NAME.sub("_", camera_id) or "camera"
