"""Every shortcut a main window offers at one moment, where it works, and which keys two of
them share: the part of the keyboard shortcuts overlay (F1) that only reads the window.

A widget that handles keys itself instead of through a QAction (a key handler, or a window
of its own it opens) declares them with ``own_keys(widget).add(...)`` so they are listed too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QMainWindow, QMenu, QWidget

_NATIVE = QKeySequence.SequenceFormat.NativeText
_PORTABLE = QKeySequence.SequenceFormat.PortableText


class Where(enum.Enum):
    """Where a shortcut lives when no menu offers it."""

    MENU = "menu"
    PANEL = "panel"
    WINDOW = "window"


@dataclass(frozen=True)
class OwnKey:
    """Keys a widget handles itself: what they do and where they work."""

    keys: tuple[str, ...]  # in portable text ("F11", "Ctrl+W")
    name: str
    note: str  # where or when they work, as the overlay shows it ("in a camera's own window")
    in_widget: bool  # they work where the widget has the focus (else in a window of its own)
    run: Callable[[], object] | None = None  # what the overlay runs; None: listed only


class OwnKeys(QObject):
    """The keys a widget handles itself, for the shortcuts overlay; made by ``own_keys``.

    The overlay lists them under the widget's panel; those that work in the widget take part
    in the check for keys given twice.
    """

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.keys: list[OwnKey] = []

    def widget(self) -> QWidget | None:
        """The widget whose keys these are."""
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def add(
        self,
        keys: Sequence[str],
        name: str,
        note: str,
        *,
        in_widget: bool = True,
        run: Callable[[], object] | None = None,
    ) -> OwnKey:
        """Declare ``keys`` (portable text) as doing ``name``, working where ``note`` says."""
        key = OwnKey(tuple(keys), name, note, in_widget, run)
        self.keys.append(key)
        return key


def own_keys(widget: QWidget) -> OwnKeys:
    """The registry of the keys ``widget`` handles itself (made on first use)."""
    for child in widget.children():
        if isinstance(child, OwnKeys):
            return child
    return OwnKeys(widget)


@dataclass(frozen=True, eq=False)
class ShortcutEntry:
    """One shortcut the window offers: its keys (as this platform writes them), what it is
    called, where it lives, and what runs it."""

    keys: tuple[str, ...]
    portable: tuple[str, ...]  # the keys in portable text: the same on every platform
    name: str  # "" when the action has no text
    where: Where
    menu: str  # "File", "Simulator › Speed" for Where.MENU; "" otherwise
    menu_order: int  # the menu's place in the menu bar (sub-menus after their menu)
    place: str  # the panel's title for a panel's shortcut; "" otherwise
    enabled: bool
    source: QAction | QAbstractButton | QShortcut | OwnKeys
    scopes: tuple[QWidget, ...]  # where the keys work: the window, or widgets of a panel
    focus_only: bool = False  # the keys work only where their widget has the focus
    note: str = ""  # where a widget's own keys work, as it declared
    own: OwnKey | None = None  # the declared keys, for a widget's own keys

    @property
    def label(self) -> str:
        """The name with the panel's title, as a list of clashes shows it."""
        name = self.name or "?"
        return f"{name} ({self.place})" if self.place else name

    @property
    def runnable(self) -> bool:
        """Whether the overlay can do what the keys do (a widget's own keys may only be
        listed)."""
        return self.own is None or self.own.run is not None

    def run(self) -> None:
        """Do what the keys do."""
        if self.own is not None:
            if self.own.run is not None:
                self.own.run()
        elif isinstance(self.source, QAction):
            self.source.trigger()
        elif isinstance(self.source, QAbstractButton):
            self.source.click()
        elif isinstance(self.source, QShortcut):
            self.source.activated.emit()


def plain(text: str) -> str:
    """A menu text without its mnemonic marks ("&Quit" → "Quit", "A && B" → "A & B")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _inside(widget: QWidget, window: QMainWindow) -> bool:
    """Whether ``widget`` is part of ``window`` (a floating dock of it too; a dialog not)."""
    current: QWidget | None = widget
    while current is not None:
        if current is window:
            return True
        if current.isWindow() and not isinstance(current, QDockWidget):
            return False
        current = current.parentWidget()
    return False


def menu_paths(window: QMainWindow) -> dict[int, tuple[int, str]]:
    """The path of each menu of the window's menu bar ("File", "Simulator › Speed") with
    its place in the bar's order, by the menu's address."""
    # Walked down from the menu bar: asking a menu for its own action (QMenu.menuAction)
    # would tie that action's Python wrapper to a passing wrapper of the menu, and the
    # action's wrapper would die with it.
    paths: dict[int, tuple[int, str]] = {}

    def walk(widget: QWidget, path: str) -> None:
        for action in widget.actions():
            menu = action.menu()
            if isinstance(menu, QMenu):
                address = shiboken6.getCppPointer(menu)[0]
                if address not in paths:
                    title = plain(menu.title())
                    paths[address] = (len(paths), f"{path} › {title}" if path else title)
                    walk(menu, paths[address][1])

    walk(window.menuBar(), "")
    return paths


def panel_title(widget: QWidget) -> str:
    """The title of the panel (dock) ``widget`` is in, or "" outside every panel."""
    current: QWidget | None = widget
    while current is not None:
        if isinstance(current, QDockWidget):
            return plain(current.windowTitle())
        current = current.parentWidget()
    return ""


def _entry(
    source: QAction | QAbstractButton | QShortcut,
    sequences: Iterable[QKeySequence],
    name: str,
    owners: list[QWidget],
    window: QMainWindow,
    window_wide: bool,
    paths: dict[int, tuple[int, str]],
) -> ShortcutEntry | None:
    """The entry for ``source`` if its keys work in ``window`` now, else None."""
    keys = [s for s in sequences if not s.isEmpty()]
    if not keys:
        return None
    order, menu = next(
        (
            paths[address]
            for o in owners
            if isinstance(o, QMenu) and (address := shiboken6.getCppPointer(o)[0]) in paths
        ),
        (0, ""),
    )
    widgets = [w for w in owners if not isinstance(w, QMenu) and _inside(w, window)]
    if not menu and not any(w.isVisible() for w in widgets):
        return None  # not in this window, or its panel is closed: the keys do nothing now
    scopes: tuple[QWidget, ...] = (window,) if window_wide else tuple(widgets)
    place = panel_title(widgets[0]) if widgets and not menu else ""
    where = Where.MENU if menu else (Where.PANEL if place else Where.WINDOW)
    return ShortcutEntry(
        keys=tuple(k.toString(_NATIVE) for k in keys),
        portable=tuple(k.toString(_PORTABLE) for k in keys),
        name=plain(name).strip(),
        where=where,
        menu=menu,
        menu_order=order,
        place=place,
        enabled=source.isEnabled(),
        source=source,
        scopes=scopes if scopes else (window,),
        focus_only=not window_wide and not menu,
    )


def _own_entries(registry: OwnKeys, window: QMainWindow) -> list[ShortcutEntry]:
    """The entries of the keys a widget of ``window`` declared, while it is shown."""
    widget = registry.widget()
    if widget is None or not _inside(widget, window) or not widget.isVisible():
        return []
    place = panel_title(widget)
    entries = []
    for own in registry.keys:
        sequences = [QKeySequence(k) for k in own.keys]
        entries.append(
            ShortcutEntry(
                keys=tuple(s.toString(_NATIVE) for s in sequences),
                portable=tuple(s.toString(_PORTABLE) for s in sequences),
                name=own.name,
                where=Where.PANEL if place else Where.WINDOW,
                menu="",
                menu_order=0,
                place=place,
                enabled=True,
                source=registry,
                # Keys that work in a window of their own share no focus with this one's.
                scopes=(widget,) if own.in_widget else (),
                focus_only=own.in_widget,
                note=own.note,
                own=own,
            )
        )
    return entries


def collect_shortcuts(window: QMainWindow) -> list[ShortcutEntry]:
    """Every shortcut ``window`` offers at this moment: its visible actions with keys (the
    menus', the panels'), buttons with keys, shortcut objects in it, and the keys its
    widgets declared they handle themselves."""
    entries: list[ShortcutEntry] = []
    paths = menu_paths(window)
    wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    for action in window.findChildren(QAction):
        if not action.isVisible() or action.isSeparator():
            continue
        owners = [o for o in action.associatedObjects() if isinstance(o, QWidget)]
        entry = _entry(
            action,
            action.shortcuts(),
            action.text() or action.toolTip(),
            owners,
            window,
            action.shortcutContext() in wide,
            paths,
        )
        if entry is not None:
            entries.append(entry)
    for button in window.findChildren(QAbstractButton):
        # A button's keys work across its window while it is shown.
        entry = _entry(button, [button.shortcut()], button.text(), [button], window, True, paths)
        if entry is not None:
            entries.append(entry)
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if not isinstance(parent, QWidget):
            continue
        entry = _entry(
            shortcut,
            shortcut.keys(),
            shortcut.whatsThis(),
            [parent],
            window,
            shortcut.context() in wide,
            paths,
        )
        if entry is not None:
            entries.append(entry)
    for registry in window.findChildren(OwnKeys):
        entries.extend(_own_entries(registry, window))
    return entries


def _within(widget: QWidget, scope: QWidget) -> bool:
    """Whether ``widget`` is ``scope`` or inside it (a floating dock inside its window too,
    as Qt counts it for the window's shortcuts)."""
    current: QWidget | None = widget
    while current is not None:
        if current is scope:
            return True
        current = current.parentWidget()
    return False


def _overlap(first: ShortcutEntry, second: ShortcutEntry) -> bool:
    """Whether there is a focus at which the keys of both work."""
    return any(_within(a, b) or _within(b, a) for a in first.scopes for b in second.scopes)


def find_clashes(entries: list[ShortcutEntry]) -> list[tuple[str, list[ShortcutEntry]]]:
    """Keys that two enabled shortcuts working at the same focus share (Qt then runs
    neither), with those shortcuts, by key."""
    by_key: dict[str, list[tuple[str, ShortcutEntry]]] = {}
    for entry in entries:
        if entry.enabled:
            for native, portable in zip(entry.keys, entry.portable, strict=True):
                by_key.setdefault(portable, []).append((native, entry))
    clashes: list[tuple[str, list[ShortcutEntry]]] = []
    for _portable, shared in sorted(by_key.items()):
        involved = [
            entry
            for entry in dict.fromkeys(e for _, e in shared)
            if any(other is not entry and _overlap(entry, other) for _, other in shared)
        ]
        if len(involved) > 1:
            clashes.append((shared[0][0], involved))
    return clashes


def shortcut_clashes(window: QMainWindow) -> list[tuple[str, list[str]]]:
    """Keys ``window`` gives to two enabled actions at once, each with the actions' names."""
    return [
        (key, [entry.label for entry in entries])
        for key, entries in find_clashes(collect_shortcuts(window))
    ]
