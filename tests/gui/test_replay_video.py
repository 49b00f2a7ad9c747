"""The video wall in replay (the recording ring at the replayed instant) and in an offline
review (an incident bundle's clips)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt

from core.events import EventType, EvidenceCaptured
from core.replay.session import ReplaySession
from core.state import CityState
from core.video.clips import ClipRecord, export_clip
from core.video.recording import RecordingRing
from panels.video_wall.panel import VideoWallPanel
from panels.video_wall.tile import VideoTile
from tests.gui.conftest import Workstation

REPLAY_TOOLTIP = "Replay shows the past: press F8 to go back to live to act."


def picture(n: int, size: tuple[int, int] = (320, 180)) -> np.ndarray:
    """A gradient whose blue channel is 5 * n everywhere."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    return np.dstack(
        [np.full((height, width), 5 * n), 100 + xx * 100 // width, 100 + yy * 100 // height]
    ).astype(np.uint8)


def number_on(tile: VideoTile) -> int:
    """The n of the picture(n) a tile shows."""
    image = tile.last_image()
    assert image is not None, "the tile shows no picture"
    return round(float(image[..., 0].mean()) / 5)


def record(ring: RecordingRing, camera_id: str, start: int, count: int) -> None:
    """picture(i) at start + 200 i: what the camera recorded then."""
    recorder = ring.recorder(camera_id)
    for i in range(count):
        assert recorder.offer(picture(i), start + 200 * i)
    recorder.close()


def enter_replay(ws: Workstation, at_ms: int) -> None:
    session = ReplaySession(ws.backend.location)
    try:
        ws.context.view.enter_replay(session.state_at(at_ms), at_ms)
    finally:
        session.close()


def viewed(ws: Workstation, camera_id: str) -> list[tuple[str, str]]:
    return [
        (r.payload["action"], r.payload["purpose"])
        for r in ws.backend.incident_events(camera_id).result()
        if r.type == EventType.CAMERA_VIEWED
    ]


def test_replay_shows_the_recorded_frame_at_the_instant_and_follows_seeks(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[2]
    t0 = (time.time_ns() // 1_000_000 // 1000 - 120) * 1000  # two minutes ago, whole second
    record(wall.services.ring, camera.id, t0, 20)  # t0 .. t0 + 3.8 s
    wall_station.report("F-FIRE")
    tile = wall.open_camera(camera.id, 0)
    qtbot.waitUntil(lambda: tile.frames_shown >= 2, timeout=10_000)
    assert wall.still_button.isEnabled()

    enter_replay(wall_station, t0 + 1000)
    assert tile.replay and wall.showing_past
    qtbot.waitUntil(lambda: tile.frame_ms == t0 + 1000, timeout=5_000)
    assert number_on(tile) == 5
    # Live frames keep coming (the ring records the present) but are never painted.
    shown = tile.frames_shown
    qtbot.wait(300)
    assert tile.frames_shown == shown and tile.frame_ms == t0 + 1000

    # A seek: the latest frame at or before the instant, its own time on the tile.
    wall_station.context.view.replace(CityState(), t0 + 2500)
    qtbot.waitUntil(lambda: tile.frame_ms == t0 + 2400, timeout=5_000)
    assert number_on(tile) == 12

    # Before the recording began: said plainly, with the nearest recorded instant.
    wall_station.context.view.replace(CityState(), t0 - 60_000)
    qtbot.waitUntil(lambda: tile.absence != "", timeout=5_000)
    assert tile.last_image() is None and tile.frame_ms == 0
    assert "No recording at" in tile.absence
    assert "Nearest recording" in tile.absence
    assert time.strftime("%H:%M:%S", time.localtime(t0 / 1000)) in tile.absence

    # Live-only controls are off and say why; viewing the recording is logged as such.
    for control in (wall.still_button, wall.tour_button, wall.scrub.slider, wall.scrub.clip):
        assert not control.isEnabled()
        assert control.toolTip() == REPLAY_TOOLTIP
    assert wall.take_still(0) is None and "F8" in wall.notice.text()
    qtbot.waitUntil(lambda: ("open", "replay") in viewed(wall_station, camera.id))

    # Back to live: the live picture again, the controls as they were.
    wall_station.context.view.leave_replay()
    assert not tile.replay and tile.playback_ms is None and not wall.showing_past
    shown = tile.frames_shown
    qtbot.waitUntil(lambda: tile.frames_shown > shown + 2, timeout=5_000)
    assert abs(tile.frame_ms - time.time_ns() // 1_000_000) < 5_000
    assert wall.still_button.isEnabled() and wall.still_button.toolTip() != REPLAY_TOOLTIP
    assert wall.tour_button.isEnabled()
    qtbot.waitUntil(lambda: ("close", "replay") in viewed(wall_station, camera.id))
    wall.close_camera(0)


def test_cameras_opened_in_replay_show_their_recording_and_are_logged_as_replay(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[4]
    t0 = (time.time_ns() // 1_000_000 // 1000 - 90) * 1000
    record(wall.services.ring, camera.id, t0, 10)
    wall_station.report("F-FIRE")
    enter_replay(wall_station, t0 + 600)
    tile = wall.open_camera(camera.id, 1)
    qtbot.waitUntil(lambda: tile.frame_ms == t0 + 600, timeout=5_000)
    assert number_on(tile) == 3
    # A camera that recorded nothing says so, without a nearest instant.
    other = wall.open_camera(wall_station.context.city.cameras[5].id, 2)
    qtbot.waitUntil(lambda: other.absence != "", timeout=5_000)
    assert "No recording at" in other.absence and "Nearest" not in other.absence
    assert viewed(wall_station, camera.id) == [("open", "replay")]
    wall.close_camera(1)
    qtbot.waitUntil(lambda: viewed(wall_station, camera.id)[-1] == ("close", "replay"))
    wall.close_camera(2)
    wall_station.context.view.leave_replay()


def test_at_64x_tiles_skip_instants_instead_of_queueing_them(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    wall.set_layout_size(16)
    cameras = wall_station.context.city.cameras[:16]
    t0 = (time.time_ns() // 1_000_000 // 1000 - 200) * 1000
    ring = wall.services.ring
    for camera in cameras:
        record(ring, camera.id, t0, 50)  # ten seconds each
    wall_station.report("F-FIRE")
    for index, camera in enumerate(cameras):
        wall.open_camera(camera.id, index)
    enter_replay(wall_station, t0)
    # A burst of positions faster than any tile can read: each tile reads at most one frame
    # at a time and keeps only the newest position waiting.
    view = wall_station.context.view
    for step in range(1, 41):
        view.advance([], t0 + step * 200)
    assert wall.recorded.skipped() >= 16 * 30
    qtbot.waitUntil(lambda: all(t.frame_ms == t0 + 8000 for t in wall.tiles), timeout=10_000)
    assert all(number_on(t) == 40 for t in wall.tiles)
    view.leave_replay()
    for index in range(16):
        wall.close_camera(index)


def test_entering_replay_with_the_wall_hidden_reads_nothing_until_it_shows(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[6]
    t0 = (time.time_ns() // 1_000_000 // 1000 - 60) * 1000
    record(wall.services.ring, camera.id, t0, 10)
    wall_station.report("F-FIRE")
    tile = wall.open_camera(camera.id, 0)
    wall.hide()
    enter_replay(wall_station, t0 + 400)
    assert tile.frame_ms == 0 and not wall.recorded.skipped()
    wall.show()
    qtbot.waitUntil(lambda: tile.frame_ms == t0 + 400, timeout=5_000)
    wall_station.context.view.leave_replay()
    wall.close_camera(0)


def test_the_wall_in_replay_looks_right(qtbot, wall_station: Workstation, tmp_path: Path) -> None:
    wall = wall_station.wall
    wall_station.window.resize(1920, 1080)
    city = wall_station.context.city
    t0 = (time.time_ns() // 1_000_000 // 1000 - 100) * 1000
    ring = wall.services.ring
    for camera in city.cameras[:2]:
        record(ring, camera.id, t0, 25)
    record(ring, city.cameras[2].id, t0 - 40_000, 25)  # recorded, but not at the instant
    wall_station.report("F-FIRE")
    for index, camera in enumerate(city.cameras[:4]):
        wall.open_camera(camera.id, index)
    enter_replay(wall_station, t0 + 3000)
    qtbot.waitUntil(lambda: all(t.frame_ms == t0 + 3000 for t in wall.tiles[:2]), timeout=5_000)
    qtbot.waitUntil(lambda: all(t.absence for t in wall.tiles[2:]), timeout=5_000)
    assert "Nearest recording" in wall.tiles[2].absence
    assert "Nearest" not in wall.tiles[3].absence
    wall.grab().save(str(tmp_path / "replay-video.png"))
    wall_station.context.view.leave_replay()
    for index in range(4):
        wall.close_camera(index)


# -- offline review -----------------------------------------------------------------------


def review_clips(folder: Path, cameras: list[str], t0: int) -> list[tuple[str, ClipRecord]]:
    """A clip per camera (from t0, 15 frames at 5 a second) in ``folder``."""
    ring = RecordingRing(folder / "ring", max_bytes=10**8)
    made = []
    for offset, camera_id in enumerate(cameras):
        start = t0 + offset * 10_000
        record(ring, camera_id, start, 15)
        made.append(
            (
                camera_id,
                export_clip(
                    ring,
                    camera_id,
                    start,
                    start + 10_000,
                    folder / "bundle" / "evidence",
                    camera_id=camera_id,
                    lat=None,
                    lon=None,
                    incident_id=None,
                ),
            )
        )
    return made


def test_an_offline_review_shows_each_camera_with_clips_from_the_bundle(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    city = workstation.context.city
    ours, foreign = city.cameras[3].id, "CCTV-ELSEWHERE-9"
    t0 = 1_767_225_600_000
    clips = review_clips(tmp_path, [ours, foreign], t0)
    fire = workstation.report("F-FIRE")
    events = [
        EvidenceCaptured(
            fire,
            camera_id,
            "clip",
            f"C:\\centre\\evidence\\{clip.path.name}",
            clip.sha256,
            clip.start_ms,
            end_ms=clip.end_ms,
            frames=clip.frames,
        ).to_new("video_wall", "operator:kim")
        for camera_id, clip in clips
    ]
    workstation.backend.publish(events).result()
    incidents = workstation.context.store.state.incidents
    qtbot.waitUntil(lambda: fire in incidents and incidents[fire].observations == 2)
    review = dataclasses.replace(workstation.context, review_dir=tmp_path / "bundle")
    wall = VideoWallPanel(review)
    qtbot.addWidget(wall)
    wall.resize(900, 500)
    wall.show()
    qtbot.waitUntil(lambda: wall.review_clips is not None, timeout=5_000)
    assert wall.listed_camera_ids() == sorted([ours, foreign])
    tiles = {t.camera.id: t for t in wall.tiles if t.camera is not None}
    assert set(tiles) == {ours, foreign}
    assert all(t.worker is None and t.replay for t in tiles.values())
    # Live (the wall clock): no clip covers now; each tile names its nearest clip time.
    qtbot.waitUntil(lambda: all(t.absence for t in tiles.values()), timeout=5_000)
    assert "Nearest recording" in tiles[ours].absence
    assert not wall.still_button.isEnabled() and not wall.near_incident.isEnabled()

    # Replaying the bundle: each tile shows its clip's frame at the instant.
    review.view.enter_replay(CityState(), t0 + 1000)
    qtbot.waitUntil(lambda: tiles[ours].frame_ms == t0 + 1000, timeout=5_000)
    qtbot.waitUntil(lambda: "No recording" in tiles[foreign].absence, timeout=5_000)
    review.view.replace(CityState(), t0 + 10_000 + 2200)
    qtbot.waitUntil(lambda: tiles[foreign].frame_ms == t0 + 10_000 + 2200, timeout=5_000)
    image = tiles[foreign].last_image()
    assert image is not None
    top = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)[10:60]
    assert round(float(top[..., 0].mean()) / 5) == 11  # the clip's own frame, not the burn-in
    assert "No recording" in tiles[ours].absence or tiles[ours].frame_ms <= t0 + 3000
    # Nothing was logged: the review is read-only.
    assert viewed(workstation, ours) == []
    # A missing clip file is named on its tile.
    clips[1][1].path.unlink()
    assert wall.review_clips is not None
    wall.review_clips.close()
    review.view.replace(CityState(), t0 + 10_000 + 400)
    qtbot.waitUntil(lambda: "is missing" in tiles[foreign].absence, timeout=5_000)
    review.view.leave_replay()
    # Opening a camera without clips in a review says so and opens nothing.
    wall.open_camera(city.cameras[0].id, 3)
    assert "has no clips" in wall.notice.text()
    qtbot.keyClick(wall, Qt.Key.Key_Delete)
