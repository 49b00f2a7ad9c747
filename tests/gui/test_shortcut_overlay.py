"""The keyboard shortcuts overlay (F1) on the real main window: what it lists, the filter,
running an entry, closing, duplicate keys flagged, and its size on a wall screen."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QTreeWidgetItem, QWidget

from tests.gui.conftest import Workstation
from ui.shortcut_overlay import (
    CLASH_COLOUR,
    ShortcutOverlay,
    collect_shortcuts,
    install_shortcut_overlay,
    shortcut_clashes,
    shortcut_overlay,
)
from ui.theme import apply_dark_theme, apply_theme, contrast_ratio

NATIVE = QKeySequence.SequenceFormat.NativeText


def native(keys: str) -> str:
    return QKeySequence(keys).toString(NATIVE)


@pytest.fixture
def overlay(qtbot, workstation: Workstation) -> Iterator[ShortcutOverlay]:  # type: ignore[no-untyped-def]
    """The overlay on the real window, which is active (so its keys reach it)."""
    window = workstation.window
    action = install_shortcut_overlay(window)
    assert install_shortcut_overlay(window) is action  # once per window
    found = shortcut_overlay(window)
    assert found is not None
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
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
    # A panel's own keys, with the panel named; the overlay's own key in the Help menu.
    assert ("Panels", "A", "Acknowledge — Incident queue (not available now)") in rows
    assert ("Help", native("F1"), "Keyboard shortcuts") in rows
    headings = [heading for heading, _, _ in rows]
    assert headings.index("File") < headings.index("Help") < headings.index("Panels")
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


def test_collecting_leaves_every_action_usable(overlay: ShortcutOverlay) -> None:
    window = overlay.main_window
    actions = window.findChildren(QAction)
    for _ in range(2):
        collect_shortcuts(window)
        gc.collect()
    assert all(shiboken6.isValid(action) for action in actions)
    for action in actions:
        action.shortcuts()  # the Python side still reaches each one


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
