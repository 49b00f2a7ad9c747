"""The video wall with real streams: live tiles, stalls shown, views logged, layouts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, Qt

from core.events import EventType
from panels.video_wall.panel import VideoWallPanel
from tests.gui.conftest import Workstation, _close, _open_workstation
from tests.video_servers import MjpegServer


def test_a_live_http_mjpeg_stream_paints_and_a_lost_one_says_so(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    server = MjpegServer().start()
    try:
        tile = wall.open_url(server.url, 0)
        qtbot.waitUntil(lambda: tile.painted >= 5, timeout=10_000)
        assert tile.worker is not None and tile.worker.stats().state.value == "live"
        server.stop()
        qtbot.waitUntil(
            lambda: tile.worker.stats().state.value in ("stalled", "reconnecting"), timeout=5_000
        )
        tile.refresh_state()
        assert "fps" in tile._state_text
    finally:
        server.stop()
        wall.close_camera(0)


def test_a_camera_from_the_map_opens_and_the_view_is_logged(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[5]
    wall_station.context.selection.select_camera(camera.id, origin="map")
    tile = wall.tiles[0]
    assert tile.camera is not None and tile.camera.id == camera.id
    qtbot.waitUntil(lambda: tile.painted >= 3, timeout=10_000)
    wall.close_camera(0)
    records = wall_station.backend.incident_events(camera.id).result()
    views = [r for r in records if r.type == EventType.CAMERA_VIEWED]
    assert [r.payload["action"] for r in views] == ["open", "close"]
    assert views[0].actor == wall_station.context.actor
    assert views[0].payload["purpose"] == "monitoring"


def test_layouts_and_the_incident_popup(qtbot, wall_station: Workstation) -> None:
    wall = wall_station.wall
    for size in (1, 9, 16, 4):
        wall.set_layout_size(size)
        assert len(wall.tiles) == size
    fire = wall_station.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in wall_station.context.store.state.incidents)
    wall_station.context.selection.select_incident(fire)
    opened = wall.open_nearest_to_selected_incident()
    assert len(opened) == 4 and all(t.note.endswith("m") or "↺" in t.note for t in opened)
    records = wall_station.backend.incident_events(opened[0].camera.id).result()
    assert records[-1].payload["incident_id"] == fire
    for index in range(4):
        wall.close_camera(index)


def test_a_still_is_saved_with_its_digest_and_linked_to_the_incident(
    qtbot, wall_station: Workstation, tmp_path: Path
) -> None:
    import hashlib

    wall = wall_station.wall
    wall_station.context.settings.evidence_dir = tmp_path / "evidence"
    fire = wall_station.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in wall_station.context.store.state.incidents)
    wall_station.context.selection.select_incident(fire)
    assert wall.take_still(0) is None  # nothing on the tile yet
    camera = wall_station.context.city.cameras[0]
    tile = wall.open_camera(camera.id, 0)
    qtbot.waitUntil(lambda: tile.last_image() is not None, timeout=10_000)
    future = wall.take_still(0)
    assert future is not None
    record = future.result(timeout=10)
    qtbot.waitUntil(lambda: "Still saved" in wall.notice.text())
    assert record.path.parent == tmp_path / "evidence"
    assert hashlib.sha256(record.path.read_bytes()).hexdigest() == record.sha256
    qtbot.waitUntil(
        lambda: any(
            r.type == EventType.EVIDENCE_CAPTURED
            for r in wall_station.backend.incident_events(fire).result()
        )
    )
    timeline = wall_station.backend.incident_events(fire).result()
    evidence = next(r for r in timeline if r.type == EventType.EVIDENCE_CAPTURED)
    assert evidence.payload["sha256"] == record.sha256
    assert evidence.payload["camera_id"] == camera.id
    wall.close_camera(0)


def test_a_camera_dragged_from_the_list_opens_in_the_tile_it_is_dropped_on(
    qtbot, wall_station: Workstation
) -> None:
    from PySide6.QtCore import QCoreApplication, QPoint, QPointF, Qt
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    wall = wall_station.wall
    item = wall.camera_list.item(2)
    camera_id = item.data(Qt.ItemDataRole.UserRole)
    data = wall.camera_list.mimeData([item])
    target = wall.tiles[3]
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QCoreApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QCoreApplication.sendEvent(target, drop)
    assert target.camera is not None and target.camera.id == camera_id
    assert wall.tiles[0].camera is None
    qtbot.waitUntil(lambda: target.painted >= 2, timeout=10_000)
    wall.close_camera(3)


def test_a_critical_incident_offers_or_opens_its_nearest_cameras(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    wall_station.report("E-BIN")
    kidnap = wall_station.report("P-KID")
    qtbot.waitUntil(lambda: wall.offer.isVisible())
    assert kidnap in wall.offer.text()
    assert all(t.camera is None for t in wall.tiles)
    wall.offer.click()
    assert all(t.camera is not None for t in wall.tiles) and not wall.offer.isVisible()
    for index in range(len(wall.tiles)):
        wall.close_camera(index)
    wall_station.context.settings.video_auto_open = True
    fire = wall_station.report("F-FIRE")
    qtbot.waitUntil(lambda: all(t.camera is not None for t in wall.tiles))
    records = wall_station.backend.incident_events(wall.tiles[0].camera.id).result()
    assert records[-1].payload["incident_id"] == fire
    for index in range(len(wall.tiles)):
        wall.close_camera(index)


def test_a_saved_layout_comes_back_with_its_cameras(qtbot, wall_station: Workstation) -> None:
    wall = wall_station.wall
    cameras = wall_station.context.city.cameras
    wall.set_layout_size(9)
    wall.open_camera(cameras[1].id, 0)
    wall.open_camera(cameras[7].id, 4)
    wall.save_layout("야간 강남")
    wall.set_layout_size(4)
    for index in range(4):
        wall.close_camera(index)
    wall.restore_layout("야간 강남")
    assert len(wall.tiles) == 9
    assert wall.tiles[0].camera is not None and wall.tiles[0].camera.id == cameras[1].id
    assert wall.tiles[4].camera is not None and wall.tiles[4].camera.id == cameras[7].id
    assert all(wall.tiles[i].camera is None for i in (1, 2, 3, 5, 6, 7, 8))
    # Layouts are the operator's own: another operator on this desk does not see them.
    settings = wall_station.context.settings
    assert "야간 강남" in settings.video_layouts(wall_station.context.actor)
    assert settings.video_layouts("operator:someone-else") == {}
    wall.restore_layout("no such layout")
    assert "no saved layout" in wall.notice.text()
    for index in range(9):
        wall.close_camera(index)


def test_a_tour_cycles_the_listed_cameras_page_by_page(qtbot, wall_station: Workstation) -> None:
    wall = wall_station.wall
    wall.set_layout_size(4)
    listed = wall.listed_camera_ids()
    assert len(listed) > 4
    wall.tour.start(listed[:6], len(wall.tiles), 0.2)
    first = [t.camera.id for t in wall.tiles if t.camera is not None]
    assert first == listed[:4]
    qtbot.waitUntil(lambda: wall.tour.page == 1, timeout=5_000)
    second = [t.camera.id if t.camera is not None else None for t in wall.tiles]
    assert second == [listed[4], listed[5], None, None]
    qtbot.waitUntil(lambda: wall.tour.page == 0, timeout=5_000)
    wall.tour.stop()
    views = [
        r
        for r in wall_station.backend.incident_events(listed[4]).result()
        if r.type == EventType.CAMERA_VIEWED and r.payload["action"] == "open"
    ]
    assert views and views[0].payload["purpose"] == "tour"
    for index in range(4):
        wall.close_camera(index)


def focused_wall(qtbot, station: Workstation, index: int = 0) -> VideoWallPanel:  # type: ignore[no-untyped-def]
    """The wall with the focus in an active window, tile ``index`` highlighted: as the
    operator has it after clicking a tile."""
    window, wall = station.window, station.wall
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    wall.highlight_tile(index)
    qtbot.waitUntil(wall.hasFocus)
    return wall


def test_keys_move_the_highlight_enlarge_and_close(qtbot, wall_station: Workstation) -> None:  # type: ignore[no-untyped-def]
    wall = wall_station.wall
    wall.set_layout_size(9)
    camera = wall_station.context.city.cameras[0]
    tile = wall.open_camera(camera.id, 4)
    focused_wall(qtbot, wall_station, 0)
    qtbot.keyClick(wall, Qt.Key.Key_Right)
    qtbot.keyClick(wall, Qt.Key.Key_Down)
    assert wall.active_index == 4
    qtbot.keyClick(wall, Qt.Key.Key_Left)
    qtbot.keyClick(wall, Qt.Key.Key_Left)  # from a row's first tile: the row above's last
    assert wall.active_index == 2
    qtbot.keyClick(wall, Qt.Key.Key_Up)  # past the top: stays
    assert wall.active_index == 2
    wall.highlight_tile(4)
    qtbot.keyClick(wall, Qt.Key.Key_Escape)  # nothing enlarged: nothing to restore
    assert wall.full_index is None
    qtbot.keyClick(wall, Qt.Key.Key_Return)
    assert wall.full_index == 4
    qtbot.keyClick(wall, Qt.Key.Key_Right)  # an enlarged tile keeps the highlight
    assert wall.active_index == 4
    qtbot.keyClick(wall, Qt.Key.Key_Escape)
    assert wall.full_index is None
    qtbot.keyClick(wall, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert wall.full_index == 4
    qtbot.keyClick(wall, Qt.Key.Key_Return)
    assert wall.full_index is None
    # I and O mark the highlighted camera's clip where it is; End goes back to live.
    qtbot.keyClick(wall, Qt.Key.Key_I)
    assert wall.notice.text().startswith("Clip: in ")
    qtbot.keyClick(wall, Qt.Key.Key_O)
    assert " · out " in wall.notice.text()
    tile.playback_ms = tile.frame_ms or 1
    qtbot.keyClick(wall, Qt.Key.Key_End)
    assert tile.playback_ms is None
    # F11: the highlighted camera full screen in a window of its own.
    qtbot.keyClick(wall, Qt.Key.Key_F11)
    assert len(wall.popouts) == 1 and wall.popouts[0].isFullScreen()
    wall.popouts[0].close()
    qtbot.keyClick(wall, Qt.Key.Key_Delete)
    assert wall.tiles[4].camera is None


def test_the_walls_parts_keep_their_own_keys(qtbot, wall_station: Workstation) -> None:  # type: ignore[no-untyped-def]
    wall = wall_station.wall
    wall.open_camera(wall_station.context.city.cameras[0].id, 1)
    focused_wall(qtbot, wall_station, 1)
    # The camera list's arrows move through the list, not the wall's highlight.
    wall.camera_list.setFocus()
    wall.camera_list.setCurrentRow(0)
    qtbot.waitUntil(wall.camera_list.hasFocus)
    qtbot.keyClick(wall.camera_list, Qt.Key.Key_Down)
    assert wall.camera_list.currentRow() == 1 and wall.active_index == 1
    # Typing in the filter types ("i" and "o" are no clip marks there).
    wall.filter.setFocus()
    qtbot.waitUntil(wall.filter.hasFocus)
    qtbot.keyClicks(wall.filter, "io")
    assert wall.filter.text() == "io" and not wall.notice.text().startswith("Clip")
    wall.filter.clear()
    # Space on a focused button presses it.
    played = wall.scrub.play.isChecked()
    wall.close_tile.setFocus()
    qtbot.waitUntil(wall.close_tile.hasFocus)
    qtbot.keyClick(wall.close_tile, Qt.Key.Key_Space)
    assert wall.tiles[1].camera is None and wall.scrub.play.isChecked() == played
    # A key the list lets through does what it does on the wall: Del closes the tile.
    wall.open_camera(wall_station.context.city.cameras[0].id, 1)
    wall.highlight_tile(1)
    wall.camera_list.setFocus()
    qtbot.waitUntil(wall.camera_list.hasFocus)
    qtbot.keyClick(wall.camera_list, Qt.Key.Key_Delete)
    assert wall.tiles[1].camera is None


def test_a_tile_pops_out_to_its_own_window_and_closing_it_is_logged(
    qtbot, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[3]
    wall.open_camera(camera.id, 0)
    window = wall.pop_out(0)
    assert window is not None and window.isWindow() and window.isVisible()
    qtbot.waitUntil(lambda: window.tile.painted >= 3, timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    # Its keys: F11 full screen and back, Esc out of full screen, Ctrl+W closes.
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert window.isFullScreen()
    qtbot.keyClick(window, Qt.Key.Key_F11)
    assert not window.isFullScreen()
    window.toggle_full_screen()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isFullScreen()
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert wall.popouts == []
    purposes = [
        (r.payload["action"], r.payload["purpose"])
        for r in wall_station.backend.incident_events(camera.id).result()
        if r.type == EventType.CAMERA_VIEWED
    ]
    assert ("open", "monitoring (separate window)") in purposes
    assert ("close", "monitoring (separate window)") in purposes
    # A window left open goes when the workstation closes (the fixture closes it).
    assert wall.pop_out(0) is not None
    wall.close_camera(0)


def test_scrubbing_back_shows_the_recording_and_a_clip_is_saved_and_linked(
    qtbot, wall_station: Workstation
) -> None:
    import hashlib

    wall = wall_station.wall
    fire = wall_station.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in wall_station.context.store.state.incidents)
    wall_station.context.selection.select_incident(fire)
    camera = wall_station.context.city.cameras[2]
    tile = wall.open_camera(camera.id, 0)
    wall.active_index = 0
    ring = wall.services.ring

    def recorded_s() -> float:
        span = ring.span(camera.id)
        return 0.0 if span is None else (span[1] - span[0]) / 1000

    qtbot.waitUntil(lambda: recorded_s() >= 3.0, timeout=15_000)
    first, last = ring.span(camera.id) or (0, 0)
    assert last - first >= 3000
    # Back to one second after the recording began: the tile shows that moment, marked.
    target = first + 1000
    wall.scrubber.seek(target)
    assert tile.playback_ms == target
    qtbot.waitUntil(lambda: target - 400 <= tile.frame_ms <= target, timeout=5_000)
    wall._refresh_states()
    assert wall.scrub.slider.value() < wall.scrub.slider.maximum()
    wall.mark_clip("in")
    wall.scrubber.seek(first + 2600)
    wall.mark_clip("out")
    future = wall.save_clip()
    assert future is not None
    record = future.result(timeout=20)
    assert 6 <= record.frames <= 12  # 1.6 s at five recorded frames a second
    assert hashlib.sha256(record.path.read_bytes()).hexdigest() == record.sha256
    assert record.path.parent == wall_station.context.settings.evidence_dir

    def clip_events() -> list:  # type: ignore[type-arg]
        return [
            r
            for r in wall_station.backend.incident_events(fire).result()
            if r.type == EventType.EVIDENCE_CAPTURED and r.payload["kind"] == "clip"
        ]

    qtbot.waitUntil(lambda: bool(clip_events()))
    payload = clip_events()[0].payload
    assert payload["sha256"] == record.sha256 and payload["frames"] == record.frames
    assert payload["taken_ms"] >= first + 1000 - 400 and payload["end_ms"] <= first + 2600
    # End goes back to the live picture.
    qtbot.keyClick(wall, Qt.Key.Key_End)
    assert tile.playback_ms is None
    shown = tile.frames_shown
    qtbot.waitUntil(lambda: tile.frames_shown > shown + 2, timeout=5_000)
    wall.close_camera(0)


def test_a_clip_needs_its_in_and_out_points(qtbot, wall_station: Workstation) -> None:
    wall = wall_station.wall
    wall.open_camera(wall_station.context.city.cameras[2].id, 0)
    wall.active_index = 0
    assert wall.save_clip() is None
    assert "in and out points" in wall.notice.text()
    wall.close_camera(0)


def test_a_privacy_mask_drawn_on_a_tile_blacks_out_that_part_of_the_camera(
    qtbot, wall_station: Workstation
) -> None:
    from core.video.masks import MASK_GREY

    wall = wall_station.wall
    wall.set_layout_size(1)
    camera = wall_station.context.city.cameras[4]
    tile = wall.open_camera(camera.id, 0)
    qtbot.waitUntil(lambda: tile.last_image() is not None, timeout=10_000)
    wall.draw_mask(0)
    assert tile.drawing_mask
    picture = tile._fit(tile._image.width(), tile._image.height())
    start = picture.topLeft() + QPoint(picture.width() // 4, picture.height() // 4)
    end = picture.topLeft() + QPoint(picture.width() * 3 // 4, picture.height() * 3 // 4)
    qtbot.mousePress(tile, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(tile, end)
    qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton, pos=end)
    assert not tile.drawing_mask
    masks = wall.services.masks_of(camera.id)
    assert len(masks) == 1
    (left, top), _, (right, bottom), _ = masks[0]
    assert abs(left - 0.25) < 0.03 and abs(top - 0.25) < 0.03
    assert abs(right - 0.75) < 0.03 and abs(bottom - 0.75) < 0.03
    # Frames decoded from now on are masked before they are shown (or recorded).
    shown = tile.frames_shown
    qtbot.waitUntil(lambda: tile.frames_shown > shown + 2, timeout=5_000)
    image = tile.last_image()
    height, width = image.shape[:2]
    inside = image[int(height * 0.35) : int(height * 0.65), int(width * 0.35) : int(width * 0.65)]
    assert (inside[:, :, :3] == MASK_GREY).all()
    assert not (image[: height // 5, :, :3] == MASK_GREY).all()
    saved = wall_station.context.settings.mask_file.read_text()
    assert camera.id in saved
    changes = [
        r
        for r in wall_station.backend.incident_events(camera.id).result()
        if r.type == EventType.CAMERA_MASKS_CHANGED
    ]
    assert changes and changes[-1].payload["masks"] == 1
    assert changes[-1].actor == wall_station.context.actor
    wall.clear_masks(0)
    assert wall.services.masks_of(camera.id) == ()
    wall.close_camera(0)


def test_a_blurred_still_says_so_in_its_evidence_event(qtbot, wall_station: Workstation) -> None:
    wall = wall_station.wall
    wall.scrub.blur.setChecked(True)
    assert wall_station.context.settings.blur_evidence
    fire = wall_station.report("F-FIRE")
    qtbot.waitUntil(lambda: fire in wall_station.context.store.state.incidents)
    wall_station.context.selection.select_incident(fire)
    tile = wall.open_camera(wall_station.context.city.cameras[0].id, 0)
    qtbot.waitUntil(lambda: tile.last_image() is not None, timeout=10_000)
    future = wall.take_still(0)
    assert future is not None
    future.result(timeout=10)
    qtbot.waitUntil(
        lambda: any(
            r.type == EventType.EVIDENCE_CAPTURED
            for r in wall_station.backend.incident_events(fire).result()
        )
    )
    event = next(
        r
        for r in wall_station.backend.incident_events(fire).result()
        if r.type == EventType.EVIDENCE_CAPTURED
    )
    assert event.payload["redacted"] == "faces,plates"
    wall.scrub.blur.setChecked(False)
    wall.close_camera(0)


def test_cameras_stream_from_the_registry_and_small_tiles_use_the_sub_stream(
    qtbot, tmp_path: Path
) -> None:
    from tests.gui.conftest import lite_city

    main = MjpegServer(size=(320, 180)).start()
    sub = MjpegServer(size=(160, 90)).start()
    camera = lite_city().cameras[6]
    registry = tmp_path / "streams.toml"
    registry.write_text(
        f'[defaults]\nurl = "synthetic://{{id}}"\n\n[[camera]]\nid = "{camera.id}"\n'
        f'url = "{main.url}"\nsub_url = "{sub.url}"\n',
        encoding="utf-8",
    )
    station = _open_workstation(qtbot, tmp_path / "ws", "en", with_wall=True, streams=registry)
    try:
        wall = station.wall
        tile = wall.open_camera(camera.id, 0)
        assert tile.url == main.url
        qtbot.waitUntil(lambda: tile.worker.stats().width == 320, timeout=10_000)
        wall.set_layout_size(9)
        assert wall.tiles[0].url == sub.url
        qtbot.waitUntil(lambda: wall.tiles[0].worker.stats().width == 160, timeout=10_000)
        other = wall.open_camera(lite_city().cameras[7].id, 1)
        assert other.url.startswith("synthetic://")  # not listed: the default pattern
        wall.close_camera(0)
        wall.close_camera(1)
    finally:
        _close(station)
        main.stop()
        sub.stop()


def test_a_broken_stream_registry_is_named_and_its_cameras_say_why(qtbot, tmp_path: Path) -> None:
    registry = tmp_path / "streams.toml"
    registry.write_text('[defaults]\nurl = "synthetic://{id}"\ntransprot = "tcp"\n')
    station = _open_workstation(qtbot, tmp_path / "ws", "en", with_wall=True, streams=registry)
    try:
        notices = station.context.notices.history
        assert any("streams.toml" in n.text and "line 3" in n.text for n in notices)
        wall = station.wall
        tile = wall.open_camera(station.context.city.cameras[0].id, 0)
        assert tile.worker is None
        tile.refresh_state()
        assert "streams.toml" in tile._state_text
        wall.close_camera(0)
    finally:
        _close(station)
