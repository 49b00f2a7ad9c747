"""The wall showing the past: every open tile on its camera's recorded picture at the instant
the view shows (replay), or at the instant an offline review shows, from the bundle's clips."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from itertools import chain
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from core.backend import Backend
from core.city import Camera, City
from core.city.kinds import CameraPurpose
from core.events import EventRecord, EventType
from core.video.clip_library import ClipLibrary
from panels.video_wall.frames import FramePool, NewestOnly
from panels.video_wall.playback import recording_key
from panels.video_wall.recorded import RecordedLook, RecordedVideo
from panels.video_wall.tile import VideoTile
from ui.bridge import GuiInvoker
from ui.workers import run_in_thread

# While the wall shows the past its live streams still run, so the recording ring keeps
# recording the present (nothing that happens while someone replays is lost); they are only
# decoded at a rate the five-frames-a-second recorder needs, and never painted.
REPLAY_DECODE_FPS = 8.0


class RecordedTiles:
    """Keeps tiles on their cameras' recorded pictures at one instant.

    Each tile reads and decodes at most one frame at a time on the wall's reader threads; an
    instant asked for while one is being read replaces any instant waiting, so at 64x the
    tiles skip frames instead of queueing them, and the GUI thread only hands over pictures.
    """

    def __init__(
        self,
        invoker: GuiInvoker,
        pool: FramePool,
        size_of: Callable[[VideoTile], tuple[int, int]],
    ) -> None:
        self.source: RecordedVideo | None = None
        self._invoker = invoker
        self._pool = pool
        self._size_of = size_of
        self._lanes: dict[int, NewestOnly] = {}

    def show(self, tiles: Iterable[VideoTile], at_ms: int) -> None:
        """Ask every tile in replay with a camera for its picture at ``at_ms``."""
        for tile in tiles:
            self.show_tile(tile, at_ms)

    def show_tile(self, tile: VideoTile, at_ms: int) -> None:
        """Ask for the tile's recorded picture at ``at_ms`` (nothing when it is not in replay,
        has no camera, or there is no source of recordings yet)."""
        key = recording_key(tile)
        source = self.source
        if not tile.replay or key is None or source is None:
            return
        tile.playback_ms = at_ms
        size = self._size_of(tile)
        # A picture smaller than the tile (it was enlarged) is read again even when it is
        # the same frame.
        shown = tile.frame_ms if tile.picture_fills(size) else 0

        def landed(look: RecordedLook) -> None:
            if not tile.replay or recording_key(tile) != key:
                return  # the tile moved on (another camera, or back to live)
            # A later instant may be waiting already: this picture is shown all the same, as
            # the newest there is (else a tile slower than the ticks would never change).
            if look.unchanged:
                if look.frame_ms != tile.frame_ms:  # the tile changed while this was read
                    self.show_tile(tile, tile.playback_ms or at_ms)
                return
            if look.image is not None:
                tile.show_recorded(look.image, look.frame_ms)
            else:
                tile.show_absence(look.at_ms, look.nearest_ms, look.problem)

        self._lane(tile).request(lambda: source.look(key, at_ms, size, shown), landed)

    def forget(self) -> None:
        """Drop every waiting request (the wall hides or goes back to live)."""
        for lane in self._lanes.values():
            lane.forget()

    def skipped(self) -> int:
        """How many asked-for instants were skipped because a tile was still reading."""
        return sum(lane.skipped for lane in self._lanes.values())

    def _lane(self, tile: VideoTile) -> NewestOnly:
        lane = self._lanes.get(tile.index)
        if lane is None:
            lane = self._lanes[tile.index] = NewestOnly(self._invoker, self._pool)
        return lane


class PastControls:
    """Widgets and actions that act on the live city or record evidence: off while the wall
    shows the past, each saying why; back as they were afterwards."""

    def __init__(self, *items: QWidget | QAction) -> None:
        self._items = items
        self._tooltips: dict[QWidget | QAction, str] | None = None

    def set_off(self, reason: str | None) -> None:
        """Off with ``reason`` as their tooltip, or back on with None."""
        if reason is not None:
            if self._tooltips is None:
                self._tooltips = {item: item.toolTip() for item in self._items}
            for item in self._items:
                item.setEnabled(False)
                item.setToolTip(reason)
            return
        if self._tooltips is None:
            return
        for item, tooltip in self._tooltips.items():
            item.setEnabled(True)
            item.setToolTip(tooltip)
        self._tooltips = None


def review_camera(city: City, camera_id: str) -> Camera:
    """The city's camera, or a stand-in named after the id for a camera this city does not
    have (a bundle made by another centre)."""
    if city.has_camera(camera_id):
        return city.camera(camera_id)
    purpose = CameraPurpose.CRIME_PREVENTION
    return Camera(camera_id, camera_id, camera_id, "", "", purpose, 0.0, 0.0, 0, 0, False)


def load_review_clips(
    backend: Backend, incident_ids: Iterable[str], evidence_dir: Path
) -> Future[ClipLibrary]:
    """The clips of an offline review: those the evidence events of its incidents name, found
    in the bundle's evidence folder (read off the GUI thread)."""
    asked = [
        backend.incident_events(incident_id, [EventType.EVIDENCE_CAPTURED.value])
        for incident_id in incident_ids
    ]

    def build() -> ClipLibrary:
        records: Iterable[EventRecord] = chain.from_iterable(f.result() for f in asked)
        return ClipLibrary.from_events(records, evidence_dir)

    return run_in_thread(build, "review clips")
