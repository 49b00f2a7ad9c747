"""Where the wall's recorded pictures come from: the recording ring (replay on a workstation)
or an incident bundle's clips (offline review), behind one small protocol so the tiles do not
care which. Everything here runs on reader threads, never on the GUI thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import CityroomError
from core.video.clip_library import ClipLibrary
from core.video.recording import RecordingRing

# A recorded frame stands for the instants after it until the next one; further than this
# from the instant asked for, the camera was not recording then (the ring records five
# frames a second, so a longer gap means it was closed, offline or stalled).
MAX_GAP_MS = 2_000
# How far ahead of an unrecorded instant the ring is searched for the next recorded frame.
LOOKAHEAD_MS = 5 * 60_000
# How long an answer "nothing recorded from A to B" is trusted before the ring is read again
# (the ring grows at its live end and loses its oldest segments as it goes).
GAP_TRUST_S = 2.0
NEVER = -(2**62)


@dataclass(frozen=True, slots=True)
class RecordedLook:
    """What a camera's recording shows at ``at_ms``.

    ``image`` (BGRA, at most the tile's size) taken at ``frame_ms``; or no image and
    ``unchanged`` when it is the frame already shown; or no image, the nearest recorded
    instant (if any) and, when a file could not be read, the ``problem``.
    """

    at_ms: int
    image: Any = None
    frame_ms: int = 0
    nearest_ms: int | None = None
    unchanged: bool = False
    problem: str = ""


class RecordedVideo(Protocol):
    """Recorded pictures by camera (a tile's recording key) and instant."""

    def look(
        self, key: str, at_ms: int, size: tuple[int, int] | None, shown_ms: int
    ) -> RecordedLook:
        """The picture recorded at ``at_ms``, fitted into ``size``; ``unchanged`` when its
        frame is the one taken at ``shown_ms`` (already on screen). Runs on a reader thread."""
        ...

    def span(self, key: str) -> tuple[int, int] | None:
        """The first and last recorded instant of a camera, or None (cheap)."""
        ...


def to_display(image: Any, size: tuple[int, int] | None) -> Any:
    """A BGR picture as the tile paints it: BGRA, shrunk to fit ``size`` keeping its shape."""
    import cv2

    height, width = image.shape[:2]
    if size is not None:
        scale = min(size[0] / width, size[1] / height)
        if scale < 1.0:
            fitted = (max(1, round(width * scale)), max(1, round(height * scale)))
            image = cv2.resize(image, fitted, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)


def _closest(at_ms: int, *candidates: int | None) -> int | None:
    found = [c for c in candidates if c is not None]
    return min(found, key=lambda c: (abs(c - at_ms), c)) if found else None


class RingVideo:
    """The recording ring's pictures. ``ring`` gives the ring, waiting for its start-up scan
    (so it is called on reader threads only) and None when there is no ring."""

    def __init__(self, ring: Callable[[], RecordingRing | None]) -> None:
        self._ring = ring
        self._gaps: dict[str, tuple[int, int, int | None, int | None, float]] = {}
        self._lock = threading.Lock()

    def look(
        self, key: str, at_ms: int, size: tuple[int, int] | None, shown_ms: int
    ) -> RecordedLook:
        """See ``RecordedVideo.look``."""
        known = self._known_gap(key, at_ms)
        if known is not None:
            return known
        ring = self._ring()
        if ring is None:
            return RecordedLook(at_ms)
        frame = ring.frame_at(key, at_ms)
        if frame is not None and at_ms - frame.wall_ms <= MAX_GAP_MS:
            if frame.wall_ms == shown_ms:
                return RecordedLook(at_ms, frame_ms=frame.wall_ms, unchanged=True)
            try:
                image = frame.decode()
            except ValueError as error:
                return RecordedLook(at_ms, problem=str(error))
            return RecordedLook(at_ms, to_display(image, size), frame.wall_ms)
        before = frame.wall_ms if frame is not None else None
        after = next(iter(ring.timestamps(key, at_ms, at_ms + LOOKAHEAD_MS)), None)
        until = after if after is not None else at_ms + LOOKAHEAD_MS
        if after is None:
            span = ring.span(key)
            if span is not None and span[0] > at_ms:
                after = until = span[0]
        # Nothing before ``at_ms`` at all: every earlier instant is unrecorded too.
        low = before + MAX_GAP_MS if before is not None else NEVER
        with self._lock:
            self._gaps[key] = (low, until, before, after, time.monotonic())
        return RecordedLook(at_ms, nearest_ms=_closest(at_ms, before, after))

    def span(self, key: str) -> tuple[int, int] | None:
        """See ``RecordedVideo.span``."""
        ring = self._ring()
        return ring.span(key) if ring is not None else None

    def _known_gap(self, key: str, at_ms: int) -> RecordedLook | None:
        # At 64x a tile crosses hours without recordings: answer those from the last look
        # instead of reading index files ten times a second.
        with self._lock:
            gap = self._gaps.get(key)
        if gap is None:
            return None
        low, high, before, after, when = gap
        if not low < at_ms < high or time.monotonic() - when > GAP_TRUST_S:
            return None
        return RecordedLook(at_ms, nearest_ms=_closest(at_ms, before, after))


class ClipVideo:
    """An incident bundle's clips (offline review)."""

    def __init__(self, library: ClipLibrary) -> None:
        self.library = library

    def look(
        self, key: str, at_ms: int, size: tuple[int, int] | None, shown_ms: int
    ) -> RecordedLook:
        """See ``RecordedVideo.look``."""
        frame_ms = self.library.frame_time(key, at_ms)
        if frame_ms is None:
            return RecordedLook(at_ms, nearest_ms=self.library.nearest(key, at_ms))
        if frame_ms == shown_ms:
            return RecordedLook(at_ms, frame_ms=frame_ms, unchanged=True)
        try:
            found = self.library.frame_at(key, at_ms)
        except CityroomError as error:
            return RecordedLook(at_ms, problem=str(error))
        if found is None:
            return RecordedLook(at_ms, nearest_ms=self.library.nearest(key, at_ms))
        image, frame_ms = found
        return RecordedLook(at_ms, to_display(image, size), frame_ms)

    def span(self, key: str) -> tuple[int, int] | None:
        """See ``RecordedVideo.span``."""
        return self.library.span(key)
