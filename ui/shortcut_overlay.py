"""The keyboard shortcuts overlay (F1): every shortcut the window offers at that moment, grouped
by menu, with a filter; two actions on one key are flagged.

The list is collected live from the window's actions and buttons each time the overlay opens,
so a panel's shortcuts, a replay's, or a disabled one show as they are now.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

OVERLAY_KEY = "F1"
TEXT_FACTOR = 1.6  # the overlay's text against the application font: read across a room
TITLE_FACTOR = 1.3  # the title against the overlay's text
BACKDROP = QColor(0, 0, 0, 190)
CLASH_COLOUR = QColor("#ffd66b")  # 12:1 on the dark theme's base, 15:1 on black
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_NATIVE = QKeySequence.SequenceFormat.NativeText


class Where(enum.Enum):
    """Where a shortcut lives when no menu offers it."""

    MENU = "menu"
    PANEL = "panel"
    WINDOW = "window"


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
    source: QAction | QAbstractButton | QShortcut
    scopes: tuple[QWidget, ...]  # where the keys work: the window, or widgets of a panel

    @property
    def label(self) -> str:
        """The name with the panel's title, as a list of clashes shows it."""
        name = self.name or "?"
        return f"{name} ({self.place})" if self.place else name

    def run(self) -> None:
        """Do what the keys do."""
        if isinstance(self.source, QAction):
            self.source.trigger()
        elif isinstance(self.source, QAbstractButton):
            self.source.click()
        else:
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


def _menu_paths(window: QMainWindow) -> dict[int, tuple[int, str]]:
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


def _panel_title(widget: QWidget) -> str:
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
    menu_paths: dict[int, tuple[int, str]],
) -> ShortcutEntry | None:
    """The entry for ``source`` if its keys work in ``window`` now, else None."""
    keys = [s for s in sequences if not s.isEmpty()]
    if not keys:
        return None
    order, menu = next(
        (
            menu_paths[address]
            for o in owners
            if isinstance(o, QMenu) and (address := shiboken6.getCppPointer(o)[0]) in menu_paths
        ),
        (0, ""),
    )
    widgets = [w for w in owners if not isinstance(w, QMenu) and _inside(w, window)]
    if not menu and not any(w.isVisible() for w in widgets):
        return None  # not in this window, or its panel is closed: the keys do nothing now
    scopes: tuple[QWidget, ...] = (window,) if window_wide else tuple(widgets)
    place = _panel_title(widgets[0]) if widgets and not menu else ""
    where = Where.MENU if menu else (Where.PANEL if place else Where.WINDOW)
    return ShortcutEntry(
        keys=tuple(k.toString(_NATIVE) for k in keys),
        portable=tuple(k.toString(QKeySequence.SequenceFormat.PortableText) for k in keys),
        name=plain(name).strip(),
        where=where,
        menu=menu,
        menu_order=order,
        place=place,
        enabled=source.isEnabled(),
        source=source,
        scopes=scopes if scopes else (window,),
    )


def collect_shortcuts(window: QMainWindow) -> list[ShortcutEntry]:
    """Every shortcut ``window`` offers at this moment: its visible actions with keys (the
    menus', the panels'), buttons with keys and shortcut objects in it."""
    entries: list[ShortcutEntry] = []
    paths = _menu_paths(window)
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


class ShortcutOverlay(QWidget):
    """A panel over the whole window listing its shortcuts; typing filters, Enter or a click
    runs the chosen one, Esc or F1 closes."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("shortcutOverlay")
        self.main_window = window
        self.entries: list[ShortcutEntry] = []
        self._groups: list[tuple[QTreeWidgetItem, list[QTreeWidgetItem]]] = []
        self._focus_before: QWidget | None = None
        self._text_size = 0.0
        self.card = QFrame(self)
        self.card.setObjectName("shortcutCard")
        self.title = QLabel(self.tr("Keyboard shortcuts"))
        self.title.setObjectName("shortcutTitle")
        self.hint = QLabel(
            self.tr("Type to filter. Enter or a click runs the shortcut; Esc or F1 closes.")
        )
        self.hint.setObjectName("shortcutHint")
        self.hint.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Filter by action, menu or key"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.filter.installEventFilter(self)
        self.clash_note = QLabel()
        self.clash_note.setObjectName("shortcutClash")
        self.clash_note.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemClicked.connect(self._on_tree_item_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_clicked)
        layout = QVBoxLayout(self.card)
        for widget in (self.title, self.hint, self.filter, self.clash_note):
            layout.addWidget(widget)
        layout.addWidget(self.tree, 1)
        self.action = QAction(self.tr("&Keyboard shortcuts"), window)
        self.action.setShortcut(QKeySequence(OVERLAY_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.toggle)
        window.addAction(self.action)
        self.hide()

    # -- opening and closing --------------------------------------------------------------

    def toggle(self) -> None:
        """Open the overlay, or close it when open."""
        if self.isVisible():
            self.close_overlay()
        else:
            self.open_overlay()

    def open_overlay(self) -> None:
        """Collect the window's shortcuts as they are now and show them over the window."""
        self._focus_before = QApplication.focusWidget()
        self._fit_text()
        self.entries = sorted(collect_shortcuts(self.main_window), key=self._order)
        self._fill()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.blockSignals(False)
        self._on_filter_text_changed("")
        self.setGeometry(self.main_window.rect())
        self.main_window.installEventFilter(self)
        self.show()
        self.raise_()
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def close_overlay(self) -> None:
        """Hide the overlay and give the focus back to where it was."""
        self.main_window.removeEventFilter(self)
        self.hide()
        before = self._focus_before
        self._focus_before = None
        if before is not None and shiboken6.isValid(before) and before.isVisible():
            before.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit_text(self) -> None:
        """Big text that follows the application font (the theme's font scale)."""
        font = QApplication.font()
        base = font.pointSizeF() if font.pointSizeF() > 0 else font.pixelSize() * 0.75
        size = round(base * TEXT_FACTOR, 1)
        if size == self._text_size:
            return
        self._text_size = size
        title = round(size * TITLE_FACTOR, 1)
        # The card's own sheet: it wins over the application's fixed text size.
        self.card.setStyleSheet(
            f"QFrame#shortcutCard QWidget {{ font-size: {size:g}pt; }}"
            f" QFrame#shortcutCard QHeaderView::section {{ font-size: {size:g}pt; }}"
            f" QFrame#shortcutCard QLabel#shortcutTitle {{ font-size: {title:g}pt; }}"
        )

    # -- the list -------------------------------------------------------------------------

    def group_title(self, entry: ShortcutEntry) -> str:
        """The heading ``entry`` is listed under."""
        if entry.where is Where.MENU:
            return entry.menu
        if entry.where is Where.PANEL:
            return self.tr("Panels")
        return self.tr("Window")

    def _order(self, entry: ShortcutEntry) -> tuple[int, int, str]:
        rank = {Where.MENU: 0, Where.PANEL: 1, Where.WINDOW: 2}[entry.where]
        return rank, entry.menu_order, entry.place

    def _fill(self) -> None:
        self.tree.clear()
        clashes = find_clashes(self.entries)
        partners = {
            id(e): [o for o in shared if o is not e] for _, shared in clashes for e in shared
        }
        bold = QFont(self.tree.font())
        bold.setBold(True)
        groups: dict[str, tuple[QTreeWidgetItem, list[QTreeWidgetItem]]] = {}
        for entry in self.entries:
            heading = self.group_title(entry)
            if heading not in groups:
                group = QTreeWidgetItem(self.tree, [heading])
                group.setFirstColumnSpanned(True)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setFont(0, bold)
                groups[heading] = (group, [])
            group, rows = groups[heading]
            rows.append(self._add_row(group, entry, partners.get(id(entry), []), bold))
        self._groups = list(groups.values())
        self.tree.expandAll()
        self.clash_note.setVisible(bool(clashes))
        if clashes:
            text = self.tr("⚠ Keys given to two actions at once (neither runs): %1")
            self.clash_note.setText(
                text.replace(
                    "%1",
                    "; ".join(
                        f"{key}: {', '.join(e.label for e in shared)}" for key, shared in clashes
                    ),
                )
            )

    def _add_row(
        self,
        group: QTreeWidgetItem,
        entry: ShortcutEntry,
        partners: list[ShortcutEntry],
        bold: QFont,
    ) -> QTreeWidgetItem:
        name = entry.name or self.tr("(no description)")
        if entry.place:
            name = f"{name} — {entry.place}"
        if not entry.enabled:
            name = self.tr("%1 (not available now)").replace("%1", name)
        keys = ", ".join(entry.keys)
        item = QTreeWidgetItem(group, [f"⚠ {keys}" if partners else keys, name])
        item.setData(0, _ENTRY_ROLE, entry)
        flags = Qt.ItemFlag.ItemIsSelectable
        if entry.enabled:
            flags |= Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        if partners:
            tip = self.tr("These keys also run: %1").replace(
                "%1", ", ".join(p.label for p in partners)
            )
            for column in (0, 1):
                item.setForeground(column, CLASH_COLOUR)
                item.setFont(column, bold)
                item.setToolTip(column, tip)
        return item

    def entry_items(self) -> list[QTreeWidgetItem]:
        """The rows of shortcuts (not the headings), shown or filtered out."""
        return [row for _group, rows in self._groups for row in rows]

    def _on_filter_text_changed(self, text: str) -> None:
        words = text.casefold().split()
        first: QTreeWidgetItem | None = None
        for group, rows in self._groups:
            shown = 0
            for item in rows:
                haystack = " ".join(
                    (item.text(0), item.text(1), group.text(0), self._portable(item))
                ).casefold()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
                if match and first is None and not item.isDisabled():
                    first = item
            group.setHidden(shown == 0)
        if first is not None:
            self.tree.setCurrentItem(first)  # Enter runs the first match
        else:
            self.tree.setCurrentIndex(QModelIndex())

    @staticmethod
    def _portable(item: QTreeWidgetItem) -> str:
        entry = item.data(0, _ENTRY_ROLE)
        return " ".join(entry.portable) if isinstance(entry, ShortcutEntry) else ""

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        entry = item.data(0, _ENTRY_ROLE)
        # Some platforms activate on a single click too: the first of the two signals runs it.
        if not self.isVisible() or not isinstance(entry, ShortcutEntry) or not entry.enabled:
            return
        self.close_overlay()
        if shiboken6.isValid(entry.source):
            entry.run()

    def _move_current(self, step: int) -> None:
        """Up and Down in the filter box move through the rows shown."""
        rows = [i for i in self.entry_items() if not i.isHidden() and not i.isDisabled()]
        if not rows:
            return
        current = self.tree.currentItem()
        at = next((i for i, row in enumerate(rows) if row is current), None)
        index = 0 if at is None else at + step
        self.tree.setCurrentItem(rows[max(0, min(index, len(rows) - 1))])

    # -- events ---------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Follow the window's size; arrows and Enter in the filter box work the list."""
        if watched is self.main_window and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.main_window.rect())
        elif watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self._move_current(1 if key == Qt.Key.Key_Down else -1)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                current = self.tree.currentItem()
                if current is not None and not current.isHidden():
                    self._on_tree_item_clicked(current)
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc closes."""
        if event.key() == Qt.Key.Key_Escape:
            self.close_overlay()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click beside the card closes."""
        if not self.card.geometry().contains(event.position().toPoint()):
            self.close_overlay()
        else:
            super().mousePressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """The card takes most of the window, centred."""
        super().resizeEvent(event)
        rect = self.rect()
        margin_x = max(16, rect.width() // 10)
        margin_y = max(16, rect.height() // 14)
        self.card.setGeometry(QRect(rect).adjusted(margin_x, margin_y, -margin_x, -margin_y))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Dim the window behind the card."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKDROP)
        painter.end()


def install_shortcut_overlay(window: QMainWindow) -> QAction:
    """Give ``window`` the keyboard shortcuts overlay on F1; return its action (for a menu)."""
    existing = shortcut_overlay(window)
    if existing is not None:
        return existing.action
    return ShortcutOverlay(window).action


def shortcut_overlay(window: QMainWindow) -> ShortcutOverlay | None:
    """The overlay installed on ``window``, if any."""
    return window.findChild(ShortcutOverlay)
