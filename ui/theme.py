"""The dark control-room theme and the severity colours every panel shares."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

STYLESHEET = Path(__file__).resolve().parent.parent / "resources" / "theme" / "dark.qss"

# Severity 1..4: critical red, major orange, minor amber, information slate.
SEVERITY_COLOURS = {
    1: QColor("#e5484d"),
    2: QColor("#f76b15"),
    3: QColor("#d6a700"),
    4: QColor("#6b7f99"),
}
SEVERITY_ROW_TINT = {1: QColor(229, 72, 77, 60), 2: QColor(247, 107, 21, 38)}
# A critical incident nobody has acknowledged yet must stand out from across the room.
UNACKNOWLEDGED_CRITICAL = QColor(190, 30, 45, 170)
# Drills (훈련) in teal: never mistaken for a real incident's colours.
EXERCISE_COLOUR = QColor(94, 196, 214)


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style, a dark palette, and the stylesheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#14181f",
        QPalette.ColorRole.WindowText: "#d8dee9",
        QPalette.ColorRole.Base: "#0f1318",
        QPalette.ColorRole.AlternateBase: "#141a21",
        QPalette.ColorRole.Text: "#d8dee9",
        QPalette.ColorRole.Button: "#233041",
        QPalette.ColorRole.ButtonText: "#e5ecf4",
        QPalette.ColorRole.Highlight: "#2d4a6b",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#1c232d",
        QPalette.ColorRole.ToolTipText: "#e5ecf4",
        QPalette.ColorRole.PlaceholderText: "#5d6b7c",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
