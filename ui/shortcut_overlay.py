"""The keyboard shortcuts overlay (F1): every shortcut the window offers at that moment, grouped
by menu and by panel, with a filter; two actions on one key are flagged.

The list is collected live from the window's actions and buttons each time the overlay opens
(``ui.shortcut_catalogue``), so a panel's shortcuts, a replay's, or a disabled one show as they
are now.
"""

from __future__ import annotations

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
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.shortcut_catalogue import (
    OwnKeys,
    ShortcutEntry,
    Where,
    collect_shortcuts,
    find_clashes,
    own_keys,
    shortcut_clashes,
)

__all__ = [
    "CLASH_COLOUR",
    "OwnKeys",
    "ShortcutEntry",
    "ShortcutOverlay",
    "Where",
    "collect_shortcuts",
    "find_clashes",
    "install_shortcut_overlay",
    "own_keys",
    "shortcut_clashes",
    "shortcut_overlay",
]

OVERLAY_KEY = "F1"
TEXT_FACTOR = 1.6  # the overlay's text against the application font: read across a room
TITLE_FACTOR = 1.3  # the title against the overlay's text
BACKDROP = QColor(0, 0, 0, 190)
CLASH_COLOUR = QColor("#ffd66b")  # 12:1 on the dark theme's base, 15:1 on black
_ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1


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
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([self.tr("Keys"), self.tr("Action"), self.tr("Works")])
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
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
            return entry.place  # each panel's keys under its title
        return self.tr("Window")

    def works_text(self, entry: ShortcutEntry) -> str:
        """When or where the keys of ``entry`` work, if not everywhere in the window."""
        if entry.note:
            return entry.note
        if not entry.focus_only:
            return ""
        if entry.place:
            return self.tr("when the panel has the focus")
        return self.tr("when its control has the focus")

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
        if not entry.enabled:
            name = self.tr("%1 (not available now)").replace("%1", name)
        keys = ", ".join(entry.keys)
        item = QTreeWidgetItem(
            group, [f"⚠ {keys}" if partners else keys, name, self.works_text(entry)]
        )
        item.setData(0, _ENTRY_ROLE, entry)
        flags = Qt.ItemFlag.ItemIsSelectable
        if entry.enabled:
            flags |= Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        if not entry.runnable:
            # Keys that work in another window: listed so the operator learns them.
            item.setToolTip(1, self.tr("Press these keys there; the list cannot run them."))
        if partners:
            tip = self.tr("These keys also run: %1").replace(
                "%1", ", ".join(p.label for p in partners)
            )
            for column in (0, 1, 2):
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
                    (item.text(0), item.text(1), item.text(2), group.text(0), self._portable(item))
                ).casefold()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
                if match and first is None and self._can_run(item):
                    first = item
            group.setHidden(shown == 0)
        if first is not None:
            self.tree.setCurrentItem(first)  # Enter runs the first match
        else:
            self.tree.setCurrentIndex(QModelIndex())

    @staticmethod
    def _can_run(item: QTreeWidgetItem) -> bool:
        entry = item.data(0, _ENTRY_ROLE)
        return isinstance(entry, ShortcutEntry) and entry.enabled and entry.runnable

    @staticmethod
    def _portable(item: QTreeWidgetItem) -> str:
        entry = item.data(0, _ENTRY_ROLE)
        return " ".join(entry.portable) if isinstance(entry, ShortcutEntry) else ""

    def _on_tree_item_clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        entry = item.data(0, _ENTRY_ROLE)
        # Some platforms activate on a single click too: the first of the two signals runs it.
        if not self.isVisible() or not self._can_run(item):
            return
        assert isinstance(entry, ShortcutEntry)
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
