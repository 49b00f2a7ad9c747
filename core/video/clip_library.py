"""Recorded video of an offline review: the clips an incident bundle carries, by camera and time.

A bundle has no cameras and no recording ring; what it has are the clips saved as evidence,
each named by an ``evidence.captured`` event (camera, file, digest, first and last frame's
time, frame count). The library answers "what did camera X show at instant T" from them: the
frame of the clip covering T, its time interpolated between the clip's first and last frame.
Each clip keeps one open decoder, guarded by its own lock, so several threads can read
different clips at once.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from core.errors import CityroomError
from core.events import EventRecord, EventType

CLIP = "clip"
# A clip's last frame stays on screen this long after its time when the clip does not say
# how far apart its frames are (a single frame): the recording ring's rate is five a second.
SINGLE_FRAME_HOLD_MS = 200


class ClipUnreadable(CityroomError):
    """A clip the bundle names cannot be read: its file is missing, damaged or not a video."""


@dataclass(frozen=True, slots=True)
class LibraryClip:
    """One clip: the camera, the file, and the wall times of its first and last frame."""

    camera_id: str
    path: Path
    sha256: str
    start_ms: int
    end_ms: int
    frames: int
    seq: int  # the evidence event that named it

    @property
    def step_ms(self) -> float:
        """Time between two frames (the clip's frames are spread evenly over its span)."""
        if self.frames <= 1:
            return 0.0
        return (self.end_ms - self.start_ms) / (self.frames - 1)

    @property
    def shown_until_ms(self) -> int:
        """The last instant the clip has a picture for (its last frame, held one frame long)."""
        hold = self.step_ms if self.frames > 1 else SINGLE_FRAME_HOLD_MS
        return self.end_ms + max(1, round(hold)) - 1

    def covers(self, at_ms: int) -> bool:
        """Whether the clip has a picture for ``at_ms``."""
        return self.start_ms <= at_ms <= self.shown_until_ms

    def index_at(self, at_ms: int) -> int:
        """The frame shown at ``at_ms`` (the latest at or before it); ``covers`` must hold."""
        step = self.step_ms
        if step <= 0:
            return 0
        # A hair of tolerance: the time of frame i, computed back, must give i again.
        return min(self.frames - 1, int((at_ms - self.start_ms) / step + 1e-6))

    def time_of(self, index: int) -> int:
        """The wall time of frame ``index``."""
        return round(self.start_ms + index * self.step_ms)


@dataclass(eq=False)
class _Decoder:
    """One clip's open capture and the last frame read from it; used under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    capture: Any = None
    count: int = 0  # frames the file really holds
    next_index: int = 0  # the frame a plain read returns next
    last: tuple[int, Any] | None = None  # (index, image) of the last frame read


class ClipLibrary:
    """The clips of a review by camera, and the frame each camera shows at an instant.

    Thread-safe. Reading needs OpenCV; nothing is opened until a frame is asked for.
    """

    def __init__(self, clips: Iterable[LibraryClip]) -> None:
        by_camera: dict[str, list[LibraryClip]] = {}
        for clip in clips:
            by_camera.setdefault(clip.camera_id, []).append(clip)
        for found in by_camera.values():
            found.sort(key=lambda c: (c.start_ms, c.seq))
        self._by_camera = by_camera
        self._decoders = {id(c): _Decoder() for found in by_camera.values() for c in found}

    @classmethod
    def from_events(cls, records: Iterable[EventRecord], evidence_dir: Path) -> ClipLibrary:
        """The clips named by the ``evidence.captured`` events (kind "clip") among
        ``records``; each file is looked for by its name in ``evidence_dir``. A clip named
        twice (the same file) is kept once."""
        clips: list[LibraryClip] = []
        seen: set[tuple[str, str]] = set()
        for record in records:
            if record.type != EventType.EVIDENCE_CAPTURED:
                continue
            payload = record.payload
            if payload.get("kind") != CLIP:
                continue
            camera_id = str(payload.get("camera_id") or "")
            recorded = str(payload.get("path") or "")
            sha256 = str(payload.get("sha256") or "").lower()
            if not camera_id or not recorded or (camera_id, sha256 or recorded) in seen:
                continue
            seen.add((camera_id, sha256 or recorded))
            start = int(payload.get("taken_ms") or record.ts_ms)
            end = payload.get("end_ms")
            frames = payload.get("frames")
            clips.append(
                LibraryClip(
                    camera_id,
                    evidence_dir / _base_name(recorded),
                    sha256,
                    start,
                    max(start, int(end)) if end is not None else start,
                    max(1, int(frames)) if frames is not None else 1,
                    record.seq,
                )
            )
        return cls(clips)

    # -- what there is ----------------------------------------------------------------------

    def cameras(self) -> list[str]:
        """The cameras that have clips, sorted."""
        return sorted(self._by_camera)

    def clips(self, camera_id: str) -> list[LibraryClip]:
        """A camera's clips, earliest first (none for an unknown camera)."""
        return list(self._by_camera.get(camera_id, ()))

    def span(self, camera_id: str) -> tuple[int, int] | None:
        """The first and the last frame time of a camera's clips, or None."""
        found = self._by_camera.get(camera_id)
        if not found:
            return None
        return found[0].start_ms, max(c.end_ms for c in found)

    def clip_at(self, camera_id: str, at_ms: int) -> LibraryClip | None:
        """The clip showing ``at_ms`` (of overlapping clips, the one that began last)."""
        found = self._by_camera.get(camera_id, [])
        before = bisect.bisect_right(found, at_ms, key=lambda c: c.start_ms)
        for clip in reversed(found[:before]):
            if clip.covers(at_ms):
                return clip
        return None

    def frame_time(self, camera_id: str, at_ms: int) -> int | None:
        """The time of the frame shown at ``at_ms`` without reading it, or None."""
        clip = self.clip_at(camera_id, at_ms)
        return None if clip is None else clip.time_of(clip.index_at(at_ms))

    def nearest(self, camera_id: str, at_ms: int) -> int | None:
        """The recorded instant nearest ``at_ms`` (a clip's first or last frame, or ``at_ms``
        itself when a clip covers it), or None for a camera without clips."""
        found = self._by_camera.get(camera_id)
        if not found:
            return None
        if self.clip_at(camera_id, at_ms) is not None:
            return at_ms
        ends = [t for c in found for t in (c.start_ms, c.end_ms)]
        return min(ends, key=lambda t: (abs(t - at_ms), t))

    # -- reading ------------------------------------------------------------------------------

    def frame_at(self, camera_id: str, at_ms: int) -> tuple[Any, int] | None:
        """The picture (a BGR array; do not modify it) the camera's clips show at ``at_ms``
        and its time, or None when no clip covers that instant or the camera has none.

        Raises ClipUnreadable naming the file and the fix when the clip's file is missing,
        damaged or not a video.
        """
        clip = self.clip_at(camera_id, at_ms)
        if clip is None:
            return None
        index = clip.index_at(at_ms)
        return self._read(clip, index), clip.time_of(index)

    def close(self) -> None:
        """Let go of every open file (a later read opens it again)."""
        for decoder in self._decoders.values():
            with decoder.lock:
                _release(decoder)

    def _read(self, clip: LibraryClip, index: int) -> Any:
        import cv2

        decoder = self._decoders[id(clip)]
        with decoder.lock:
            if decoder.last is not None and decoder.last[0] == index:
                return decoder.last[1]
            if decoder.capture is None:
                self._open(clip, decoder)
            # The file may hold fewer frames than the event says; its last one stands in.
            index = min(index, decoder.count - 1)
            if index != decoder.next_index:
                decoder.capture.set(cv2.CAP_PROP_POS_FRAMES, index)
            ok, image = decoder.capture.read()
            if not ok or image is None:
                _release(decoder)
                raise ClipUnreadable(
                    f"Frame {index + 1} of {clip.frames} of the clip {clip.path} "
                    f"({clip.camera_id}) cannot be decoded: the file is damaged. Export the "
                    "incident bundle again from the centre's copy of the clip."
                )
            decoder.next_index = index + 1
            decoder.last = (index, image)
            return image

    @staticmethod
    def _open(clip: LibraryClip, decoder: _Decoder) -> None:
        import cv2

        if not clip.path.is_file():
            raise ClipUnreadable(
                f"The clip {clip.path} of {clip.camera_id} is missing. Open the incident "
                "bundle again, or put the clip file back in its evidence folder."
            )
        capture = cv2.VideoCapture(str(clip.path), cv2.CAP_FFMPEG)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
        if count <= 0:
            capture.release()
            raise ClipUnreadable(
                f"The clip {clip.path} of {clip.camera_id} is not a readable video (damaged "
                "or cut short). Export the incident bundle again from the centre's copy."
            )
        decoder.capture, decoder.count, decoder.next_index, decoder.last = capture, count, 0, None


def _release(decoder: _Decoder) -> None:
    if decoder.capture is not None:
        decoder.capture.release()
    decoder.capture, decoder.count, decoder.next_index, decoder.last = None, 0, 0, None


def _base_name(recorded: str) -> str:
    """The file name of a path recorded on any system."""
    return PureWindowsPath(PurePosixPath(recorded).name).name
