"""Scrubbing back over the highlighted tile's recording: frames are read and decoded off the
GUI thread, one request at a time, the newest position winning."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from core.video.recording import RecordingRing
from panels.video_wall.frames import NewestOnly
from panels.video_wall.recorded import to_display
from panels.video_wall.scrub import ScrubBar
from panels.video_wall.tile import VideoTile

PLAY_STEP_MS = 200


def recording_key(tile: VideoTile) -> str | None:
    """The name a tile's camera records under (its id, or its address for other streams)."""
    if tile.camera is not None:
        return tile.camera.id
    return tile.url


def _read_frame(ring: RecordingRing, key: str, wall_ms: int) -> tuple[Any, int] | None:
    frame = ring.frame_at(key, wall_ms)
    if frame is None:
        return None
    return to_display(frame.decode(), None), frame.wall_ms


class ScrubController(QObject):
    """Connects the scrub bar to the highlighted tile and the recording ring."""

    def __init__(
        self,
        bar: ScrubBar,
        ring: Callable[[], RecordingRing | None],
        reader: NewestOnly,
        active_tile: Callable[[], VideoTile],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bar = bar
        self._ring = ring  # None while the ring is still being scanned
        self._reader = reader
        self._active_tile = active_tile
        self.marks: dict[str, tuple[int | None, int | None]] = {}  # key -> (in, out)
        self._player = QTimer(self)
        self._player.setObjectName("scrub player")
        self._player.setInterval(PLAY_STEP_MS)
        self._player.timeout.connect(self._play_step)
        bar.positionChosen.connect(self.seek)
        bar.playToggled.connect(self._on_play_toggled)

    def refresh(self) -> None:
        """Bring the bar up to date with the highlighted tile (called twice a second)."""
        tile = self._active_tile()
        key = recording_key(tile)
        span = self._span(key)
        self.bar.set_span(span, tile.playback_ms)
        marks = self.marks.get(key or "", (None, None))
        self.bar.clip.setEnabled(span is not None and None not in marks)

    def seek(self, wall_ms: int | None) -> None:
        """Show the highlighted tile's recording at ``wall_ms`` (None: back to live)."""
        tile = self._active_tile()
        key = recording_key(tile)
        if wall_ms is None or key is None:
            self.bar.play.setChecked(False)
            tile.go_live()
        else:
            span = self._span(key)
            if span is not None:
                wall_ms = max(span[0], wall_ms)  # before the recording began: its first frame
            tile.playback_ms = wall_ms
            self._request(tile, key, wall_ms)
        self.refresh()

    def step(self, delta_ms: int) -> None:
        """Move back (negative) or forward in the highlighted tile's recording."""
        tile = self._active_tile()
        now_ms = time.time_ns() // 1_000_000
        start = tile.playback_ms if tile.playback_ms is not None else now_ms
        target = start + delta_ms
        span = self._span(recording_key(tile))
        if span is None:
            return
        self.seek(None if target >= span[1] else max(span[0], target))

    def position(self) -> int:
        """Where the highlighted tile is: its recorded instant, or now when live."""
        tile = self._active_tile()
        return tile.playback_ms if tile.playback_ms is not None else time.time_ns() // 1_000_000

    def mark(self, which: str) -> tuple[int | None, int | None]:
        """Set the clip's in or out point at the current position; returns (in, out)."""
        key = recording_key(self._active_tile())
        if key is None:
            return (None, None)
        start, end = self.marks.get(key, (None, None))
        if which == "in":
            start = self.position()
        else:
            end = self.position()
        self.marks[key] = (start, end)
        self.refresh()
        return (start, end)

    def stop(self) -> None:
        """Stop playing (the wall is going away)."""
        self._player.stop()

    def forget(self) -> None:
        """Drop the position waiting to be read, if any (the wall hides)."""
        self._reader.forget()

    def _on_play_toggled(self, playing: bool) -> None:
        if playing and self._active_tile().playback_ms is None:
            self.step(-10_000)  # playing from live starts ten seconds back
        if playing:
            self._player.start()
        else:
            self._player.stop()

    def _play_step(self) -> None:
        tile = self._active_tile()
        if tile.playback_ms is None:
            self.bar.play.setChecked(False)
            return
        self.step(PLAY_STEP_MS)

    def _span(self, key: str | None) -> tuple[int, int] | None:
        ring = self._ring()
        return ring.span(key) if ring is not None and key else None

    def _request(self, tile: VideoTile, key: str, wall_ms: int) -> None:
        ring = self._ring()
        if ring is None:
            return  # nothing can be shown before the ring is scanned

        def shown(result: tuple[Any, int] | None) -> None:
            if result is not None:
                tile.show_recorded(*result)

        # One read at a time, the newest position winning.
        self._reader.request(lambda: _read_frame(ring, key, wall_ms), shown)
