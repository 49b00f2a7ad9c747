"""The keyboard shortcuts overlay (F1) on the real main window: what it lists, the filter,
running an entry, closing, duplicate keys flagged, and its size on a wall screen."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QTreeWidgetItem, QWidget

from panels.video_wall.panel import VideoWallPanel
from tests.gui.conftest import Workstation
from ui.shortcut_overlay import (
    CLASH_COLOUR,
    ShortcutOverlay,
    collect_shortcuts,
    install_shortcut_overlay,
    own_keys,
    shortcut_clashes,
    shortcut_overlay,
)
from ui.theme import apply_dark_theme, apply_theme, contrast_ratio

NATIVE = QKeySequence.SequenceFormat.NativeText


def native(keys: str) -> str:
    return QKeySequence(keys).toString(NATIVE)


def _active_overlay(qtbot, window: QMainWindow) -> ShortcutOverlay:  # type: ignore[no-untyped-def]
    action = install_shortcut_overlay(window)
    assert install_shortcut_overlay(window) is action  # once per window
    found = shortcut_overlay(window)
    assert found is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return found


@pytest.fixture
def overlay(qtbot, workstation: Workstation) -> Iterator[ShortcutOverlay]:  # type: ignore[no-untyped-def]
    """The overlay on the real window, which is active (so its keys reach it)."""
    found = _active_overlay(qtbot, workstation.window)
    yield found
    if found.isVisible():
        found.close_overlay()


@pytest.fixture
def wall_overlay(qtbot, wall_station: Workstation) -> Iterator[ShortcutOverlay]:  # type: ignore[no-untyped-def]
    """The overlay on the real window with the video wall, which is active."""
    found = _active_overlay(qtbot, wall_station.window)
    yield found
    if found.isVisible():
        found.close_overlay()


def shown_rows(overlay: ShortcutOverlay) -> list[tuple[str, str, str]]:
    """(heading, keys, action) of each row the overlay shows."""
    rows = []
    for item in overlay.entry_items():
        parent = item.parent()
        if not item.isHidden() and parent is not None and not parent.isHidden():
            rows.append((parent.text(0), item.text(0), item.text(1)))
    return rows


def open_with_f1(qtbot, overlay: ShortcutOverlay) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(overlay.main_window, Qt.Key.Key_F1)
    qtbot.waitUntil(overlay.isVisible)


def test_f1_lists_the_windows_shortcuts_by_menu(qtbot, overlay: ShortcutOverlay) -> None:  # type: ignore[no-untyped-def]
    open_with_f1(qtbot, overlay)
    rows = shown_rows(overlay)
    assert ("File", native("Ctrl+,"), "Settings…") in rows
    assert ("File", native("Ctrl+Q"), "Quit") in rows
    assert ("Replay", native("F8"), "Enter replay") in rows
    # Actions live now but not usable yet are listed and say so.
    assert ("Replay", native("Ctrl+Left"), "Step back 10 s (not available now)") in rows
    # A panel's own keys under the panel's title; the overlay's own key in the Help menu.
    assert ("Incident queue", "A", "Acknowledge (not available now)") in rows
    assert ("Help", native("F1"), "Keyboard shortcuts") in rows
    headings = [heading for heading, _, _ in rows]
    assert headings.index("File") < headings.index("Help") < headings.index("Incident queue")
    # Where each works: a panel's keys only when it has the focus, a menu's anywhere.
    works = {(i.text(0), i.text(1)): i.text(2) for i in overlay.entry_items()}
    assert works[("A", "Acknowledge (not available now)")] == "when the panel has the focus"
    assert works[(native("Ctrl+Q"), "Quit")] == ""
    assert overlay.geometry() == overlay.main_window.rect()  # over the whole window
    assert not overlay.clash_note.isVisible()  # the real window gives no key twice


def test_typing_filters_at_once_and_esc_closes(  # type: ignore[no-untyped-def]
    qtbot, overlay: ShortcutOverlay, workstation: Workstation
) -> None:
    before = workstation.queue.table
    before.setFocus()
    qtbot.waitUntil(before.hasFocus)
    open_with_f1(qtbot, overlay)
    assert QApplication.focusWidget() is overlay.filter  # typing goes to the filter at once
    qtbot.keyClicks(QApplication.focusWidget(), "quit")
    assert shown_rows(overlay) == [("File", native("Ctrl+Q"), "Quit")]
    qtbot.keyClicks(overlay.filter, "x")
    assert shown_rows(overlay) == []
    overlay.filter.clear()
    # Headings match too.
    qtbot.keyClicks(overlay.filter, "tools")
    assert {heading for heading, _, _ in shown_rows(overlay)} == {"Tools"}
    qtbot.keyClick(overlay.filter, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    assert QApplication.focusWidget() is before  # the focus back where it was


def test_f1_again_closes_and_a_reopened_list_starts_unfiltered(  # type: ignore[no-untyped-def]
    qtbot, overlay: ShortcutOverlay
) -> None:
    open_with_f1(qtbot, overlay)
    qtbot.keyClicks(overlay.filter, "settings")
    qtbot.keyClick(overlay.filter, Qt.Key.Key_F1)
    assert not overlay.isVisible()
    open_with_f1(qtbot, overlay)
    assert overlay.filter.text() == ""
    assert len(shown_rows(overlay)) > 20


def _item(overlay: ShortcutOverlay, name: str) -> QTreeWidgetItem:
    return next(i for i in overlay.entry_items() if i.text(1) == name)


def test_clicking_an_entry_runs_it_and_closes(qtbot, overlay: ShortcutOverlay) -> None:  # type: ignore[no-untyped-def]
    window = overlay.main_window
    open_with_f1(qtbot, overlay)
    item = _item(overlay, "Procedure library…")
    overlay.tree.scrollToItem(item)
    where = overlay.tree.visualItemRect(item).center()
    qtbot.mouseClick(overlay.tree.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert not overlay.isVisible()
    library = window.procedure_library  # type: ignore[attr-defined]
    assert library is not None and library.isVisible()
    library.close()


def test_enter_runs_the_first_match_and_arrows_choose_another(  # type: ignore[no-untyped-def]
    qtbot, overlay: ShortcutOverlay
) -> None:
    window = overlay.main_window
    ran: list[str] = []
    for name in ("Zoom map in", "Zoom map out"):
        action = QAction(name, window)
        action.setShortcut(QKeySequence("Ctrl+Alt+Z" if name.endswith("in") else "Ctrl+Alt+X"))
        action.triggered.connect(lambda _=False, n=name: ran.append(n))
        window.addAction(action)
    open_with_f1(qtbot, overlay)
    qtbot.keyClicks(overlay.filter, "zoom map")
    assert [name for _, _, name in shown_rows(overlay)] == ["Zoom map in", "Zoom map out"]
    qtbot.keyClick(overlay.filter, Qt.Key.Key_Down)
    qtbot.keyClick(overlay.filter, Qt.Key.Key_Return)
    assert ran == ["Zoom map out"]
    assert not overlay.isVisible()
    open_with_f1(qtbot, overlay)
    qtbot.keyClicks(overlay.filter, "zoom")
    qtbot.keyClick(overlay.filter, Qt.Key.Key_Enter)
    assert ran == ["Zoom map out", "Zoom map in"]


def test_a_disabled_entry_does_not_run(qtbot, overlay: ShortcutOverlay) -> None:  # type: ignore[no-untyped-def]
    window = overlay.main_window
    ran: list[bool] = []
    action = QAction("Disabled thing", window)
    action.setShortcut(QKeySequence("Ctrl+Alt+D"))
    action.setEnabled(False)
    action.triggered.connect(lambda: ran.append(True))
    window.addAction(action)
    open_with_f1(qtbot, overlay)
    overlay.filter.setText("disabled thing")
    item = _item(overlay, "Disabled thing (not available now)")
    assert item.isDisabled()
    qtbot.keyClick(overlay.filter, Qt.Key.Key_Return)  # no match to run: nothing happens
    where = overlay.tree.visualItemRect(item).center()
    qtbot.mouseClick(overlay.tree.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert ran == []
    assert overlay.isVisible()


# -- duplicate keys ---------------------------------------------------------------------------


def test_the_real_window_gives_no_key_to_two_actions_live_or_in_replay(  # type: ignore[no-untyped-def]
    qtbot, overlay: ShortcutOverlay, workstation: Workstation
) -> None:
    window = workstation.window
    assert shortcut_clashes(window) == []
    workstation.report("F-FIRE")  # something to replay
    qtbot.waitUntil(lambda: workstation.queue.model.row_total() == 1)
    # In replay the replay keys (Ctrl+Left, Ctrl+Right …) come alive: still no clash.
    replay = window.replay.actions
    assert replay is not None
    replay.toggle_action.trigger()
    qtbot.waitUntil(lambda: workstation.context.view.is_replay, timeout=10_000)
    entries = collect_shortcuts(window)
    assert any(e.enabled and native("Ctrl+Left") in e.keys for e in entries)
    assert shortcut_clashes(window) == []
    workstation.context.view.leave_replay()


def test_a_key_given_twice_is_flagged_and_returned(qtbot, overlay: ShortcutOverlay) -> None:  # type: ignore[no-untyped-def]
    window = overlay.main_window
    twin = QAction("&Quick note", window)
    twin.setShortcut(QKeySequence("Ctrl+Q"))
    window.addAction(twin)
    assert shortcut_clashes(window) == [(native("Ctrl+Q"), ["Quit", "Quick note"])]
    open_with_f1(qtbot, overlay)
    assert overlay.clash_note.isVisible()
    assert native("Ctrl+Q") in overlay.clash_note.text()
    flagged = [i for i in overlay.entry_items() if i.text(0).startswith("⚠")]
    assert sorted(i.text(1) for i in flagged) == ["Quick note", "Quit"]
    for item in flagged:
        assert item.foreground(0).color() == CLASH_COLOUR
        assert "Quick note" in item.toolTip(0) or "Quit" in item.toolTip(0)
    twin.setEnabled(False)  # a disabled twin takes nothing away
    assert shortcut_clashes(window) == []


def test_keys_clash_only_where_both_work(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    panels = []
    for title in ("Left", "Right"):
        dock = QDockWidget(title, window)
        panel = QWidget()
        dock.setWidget(panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        panels.append(panel)

    def panel_key(panel: QWidget, name: str, keys: str) -> QAction:
        action = QAction(name, panel)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        panel.addAction(action)
        return action

    panel_key(panels[0], "Resolve", "R")
    panel_key(panels[1], "Retry", "R")
    window.show()
    qtbot.waitExposed(window)
    assert shortcut_clashes(window) == []  # two panels, one key each: the focus decides
    whole = QAction("Refresh", window)
    whole.setShortcut(QKeySequence("R"))
    window.addAction(whole)
    assert shortcut_clashes(window) == [("R", ["Resolve (Left)", "Retry (Right)", "Refresh"])]
    panels[1].parentWidget().hide()  # type: ignore[union-attr]
    names = [e.label for e in collect_shortcuts(window)]
    assert "Retry (Right)" not in names  # a closed panel's keys do nothing now
    assert shortcut_clashes(window) == [("R", ["Resolve (Left)", "Refresh"])]
    whole.setEnabled(False)
    # Keys a widget handles itself clash where they work; keys of a window it opens not.
    own_keys(panels[0]).add(["F5"], "Redraw", "while drawing")
    own_keys(panels[0]).add(["Ctrl+R"], "Reload the window", "in its window", in_widget=False)
    assert own_keys(panels[0]) is own_keys(panels[0])
    assert shortcut_clashes(window) == []
    for name, keys in (("Refresh all", "F5"), ("Reload", "Ctrl+R")):
        action = QAction(name, window)
        action.setShortcut(QKeySequence(keys))
        window.addAction(action)
    assert shortcut_clashes(window) == [("F5", ["Refresh all", "Redraw (Left)"])]


def test_collecting_leaves_every_action_usable(overlay: ShortcutOverlay) -> None:
    window = overlay.main_window
    actions = window.findChildren(QAction)
    for _ in range(2):
        collect_shortcuts(window)
        gc.collect()
    assert all(shiboken6.isValid(action) for action in actions)
    for action in actions:
        action.shortcuts()  # the Python side still reaches each one


# -- the video wall's keys ------------------------------------------------------------------

FOCUS = "when the panel has the focus"
CAMERA_WINDOW = "in a camera's own window"


def wall_rows(overlay: ShortcutOverlay) -> set[tuple[str, str, str]]:
    """(keys, action, where it works) of each row under the video wall's heading."""
    return {
        (i.text(0), i.text(1), i.text(2))
        for i in overlay.entry_items()
        if (group := i.parent()) is not None and group.text(0) == "Video wall"
    }


def focus_wall(qtbot, wall: VideoWallPanel, index: int = 0) -> None:  # type: ignore[no-untyped-def]
    wall.highlight_tile(index)
    qtbot.waitUntil(wall.hasFocus)


def test_f1_lists_the_video_walls_keys_under_the_wall_and_flags_a_key_given_twice(  # type: ignore[no-untyped-def]
    qtbot, wall_overlay: ShortcutOverlay, wall_station: Workstation
) -> None:
    window, wall = wall_station.window, wall_station.wall
    focus_wall(qtbot, wall)
    open_with_f1(qtbot, wall_overlay)
    close_keys = ", ".join(
        k.toString(NATIVE) for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Close)
    )
    assert {
        (native("Left"), "Highlight the tile to the left", FOCUS),
        (native("Right"), "Highlight the tile to the right", FOCUS),
        (native("Up"), "Highlight the tile above", FOCUS),
        (native("Down"), "Highlight the tile below", FOCUS),
        (
            f"{native('Return')}, {native('Enter')}",
            "Enlarge the highlighted tile, or back to the whole wall",
            FOCUS,
        ),
        # Esc only restores an enlarged tile: nothing to do on the whole wall.
        (native("Esc"), "Back to the whole wall (not available now)", FOCUS),
        (native("Del"), "Close the highlighted tile", FOCUS),
        (native("F11"), "Highlighted camera full screen", FOCUS),
        (native("Ctrl+Left"), "Back 10 s in the highlighted camera's recording", FOCUS),
        (native("Ctrl+Right"), "Forward 10 s in the highlighted camera's recording", FOCUS),
        (native("Space"), "Play or pause the highlighted camera's recording", FOCUS),
        (native("End"), "Back to the live picture", FOCUS),
        ("I", "Clip starts here (in)", FOCUS),
        ("O", "Clip ends here (out)", FOCUS),
        (native("Ctrl+T"), "Still", ""),  # a button's key works across the window
        (native("F11"), "Full screen, or back to a window", CAMERA_WINDOW),
        (native("Esc"), "Leave full screen", CAMERA_WINDOW),
        (close_keys, "Close the camera window", CAMERA_WINDOW),
    } <= wall_rows(wall_overlay)
    assert not wall_overlay.clash_note.isVisible()
    # A camera window's keys are listed to be learnt, not run from here.
    item = _item(wall_overlay, "Leave full screen")
    wall_overlay.tree.scrollToItem(item)
    where = wall_overlay.tree.visualItemRect(item).center()
    qtbot.mouseClick(wall_overlay.tree.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert wall_overlay.isVisible()
    qtbot.keyClick(wall_overlay.filter, Qt.Key.Key_Escape)
    assert QApplication.focusWidget() is wall
    # Space given to the window too: both work at the wall's focus, so Qt runs neither.
    ran: list[bool] = []
    twin = QAction("Quick pause", window)
    twin.setShortcut(QKeySequence("Space"))
    twin.triggered.connect(lambda: ran.append(True))
    window.addAction(twin)
    wall_play = "Play or pause the highlighted camera's recording (Video wall)"
    assert shortcut_clashes(window) == [(native("Space"), [wall_play, "Quick pause"])]
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert ran == [] and not wall.scrub.play.isChecked()
    open_with_f1(qtbot, wall_overlay)
    flagged = {i.text(1) for i in wall_overlay.entry_items() if i.text(0).startswith("⚠")}
    assert flagged == {"Play or pause the highlighted camera's recording", "Quick pause"}
    wall_overlay.close_overlay()
    # The same key in another panel's focus takes nothing from the wall.
    twin.setEnabled(False)
    queue = wall_station.queue
    elsewhere = QAction("Mark", queue)
    elsewhere.setShortcut(QKeySequence("Space"))
    elsewhere.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    queue.addAction(elsewhere)
    assert shortcut_clashes(window) == []


def test_play_chosen_in_the_overlay_pauses_the_highlighted_camera_as_space_does(  # type: ignore[no-untyped-def]
    qtbot, wall_overlay: ShortcutOverlay, wall_station: Workstation
) -> None:
    wall = wall_station.wall
    camera = wall_station.context.city.cameras[2]
    start = time.time_ns() // 1_000_000 - 8_000
    recorder = wall.services.ring.recorder(camera.id)
    for i in range(20):  # what the camera recorded eight seconds ago
        assert recorder.offer(np.full((90, 160, 3), 5 * i, np.uint8), start + 200 * i)
    recorder.close()
    tile = wall.open_camera(camera.id, 0)
    qtbot.waitUntil(lambda: wall.services.ready_ring() is not None)
    focus_wall(qtbot, wall)
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert wall.scrub.play.isChecked()  # plays the recording, from ten seconds back at most
    assert tile.playback_ms is not None
    open_with_f1(qtbot, wall_overlay)
    qtbot.keyClicks(wall_overlay.filter, "play or pause")
    chosen = wall_overlay.tree.currentItem()
    group = chosen.parent() if chosen is not None else None
    assert group is not None and group.text(0) == "Video wall"
    qtbot.keyClick(wall_overlay.filter, Qt.Key.Key_Return)
    assert not wall_overlay.isVisible()
    assert not wall.scrub.play.isChecked()  # paused, on the recorded picture
    assert tile.playback_ms is not None
    # And Space plays on again from there: the overlay ran the key's own action.
    assert QApplication.focusWidget() is wall
    qtbot.keyClick(wall, Qt.Key.Key_Space)
    assert wall.scrub.play.isChecked()
    wall.scrub.play.setChecked(False)
    wall.close_camera(0)


def test_the_walls_recording_keys_give_way_to_replays_and_no_key_is_given_twice(  # type: ignore[no-untyped-def]
    qtbot, wall_overlay: ShortcutOverlay, wall_station: Workstation
) -> None:
    window, wall = wall_station.window, wall_station.wall
    assert shortcut_clashes(window) == []
    wall_station.report("F-FIRE")  # something to replay
    qtbot.waitUntil(lambda: wall_station.queue.model.row_total() == 1)
    replay = window.replay.actions
    assert replay is not None
    stepped: list[bool] = []
    replay.back_action.triggered.connect(lambda: stepped.append(True))
    replay.toggle_action.trigger()
    qtbot.waitUntil(lambda: wall_station.context.view.is_replay, timeout=10_000)
    assert wall.showing_past
    # Ctrl+Left is replay's now (a step back through the log), the wall's is off.
    assert shortcut_clashes(window) == []
    focus_wall(qtbot, wall)
    qtbot.keyClick(wall, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert stepped == [True]
    open_with_f1(qtbot, wall_overlay)
    rows = wall_rows(wall_overlay)
    assert (native("Space"), "Play or pause the highlighted camera's recording", FOCUS) not in rows
    assert (
        native("Space"),
        "Play or pause the highlighted camera's recording (not available now)",
        FOCUS,
    ) in rows
    wall_overlay.close_overlay()
    replay.toggle_action.trigger()  # back to live
    qtbot.waitUntil(lambda: not wall.showing_past)
    assert wall.keys.step_back.isEnabled()
    assert shortcut_clashes(window) == []


# -- how it looks -----------------------------------------------------------------------------


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[QApplication]:
    """The application in the operators' theme, given back plain afterwards."""
    style, colours, sheet, font = (
        qapp.style().name(),
        qapp.palette(),
        qapp.styleSheet(),
        qapp.font(),
    )
    yield qapp
    apply_dark_theme(qapp)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(colours)
    qapp.setFont(font)
    qapp.setStyle(style)


def test_big_text_that_follows_the_font_scale_and_screenshots(  # type: ignore[no-untyped-def]
    qtbot, overlay: ShortcutOverlay, themed: QApplication, tmp_path: Path
) -> None:
    window = overlay.main_window
    window.resize(1600, 900)
    sizes = {}
    for theme, scale in (("dark", 1.0), ("high-contrast", 1.0), ("high-contrast", 1.5)):
        apply_theme(themed, theme, scale)
        open_with_f1(qtbot, overlay)
        QApplication.processEvents()
        sizes[(theme, scale)] = overlay.tree.font().pointSizeF()
        assert overlay.tree.font().pointSizeF() >= 1.5 * themed.font().pointSizeF()
        assert overlay.title.font().pointSizeF() > overlay.tree.font().pointSizeF()
        window.grab().save(str(tmp_path / f"overlay-{theme}-{scale:g}.png"))
        overlay.close_overlay()
    assert sizes[("high-contrast", 1.5)] == pytest.approx(1.5 * sizes[("dark", 1.0)], abs=0.2)
    for ground in ("#0f1318", "#000000"):  # the flag reads on both themes' lists
        assert contrast_ratio(CLASH_COLOUR, QColor(ground)) >= 7
