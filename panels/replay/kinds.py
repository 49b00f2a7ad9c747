"""How the timeline shows each kind of mark: its colour and its name."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from core.replay import MarkKind

# Apart from the severity colours of the incident spans drawn under them.
KIND_COLOURS: dict[MarkKind, QColor] = {
    MarkKind.INCIDENT: QColor("#ff7a7a"),
    MarkKind.NOTE: QColor("#8ec5ff"),
    MarkKind.PROCEDURE: QColor("#c3a3ff"),
    MarkKind.PACKET: QColor("#ffb347"),
    MarkKind.CAMERA: QColor("#5fd3a5"),
    MarkKind.EVIDENCE: QColor("#f2e86d"),
    MarkKind.SITUATION: QColor("#ff8fd1"),
    MarkKind.BOOKMARK: QColor("#ffffff"),
    MarkKind.SYSTEM: QColor("#7f8c9d"),
}
# Drawn last on top: what an operator looks for first.
DRAW_ORDER = (
    MarkKind.SYSTEM,
    MarkKind.CAMERA,
    MarkKind.EVIDENCE,
    MarkKind.NOTE,
    MarkKind.PROCEDURE,
    MarkKind.PACKET,
    MarkKind.SITUATION,
    MarkKind.BOOKMARK,
    MarkKind.INCIDENT,
)


def kind_name(kind: MarkKind) -> str:
    """The kind's name in the interface language."""
    names = {
        MarkKind.INCIDENT: QCoreApplication.translate("ReplayKinds", "Incidents"),
        MarkKind.NOTE: QCoreApplication.translate("ReplayKinds", "Notes"),
        MarkKind.PROCEDURE: QCoreApplication.translate("ReplayKinds", "Procedures"),
        MarkKind.PACKET: QCoreApplication.translate("ReplayKinds", "Packets"),
        MarkKind.CAMERA: QCoreApplication.translate("ReplayKinds", "Cameras"),
        MarkKind.EVIDENCE: QCoreApplication.translate("ReplayKinds", "Evidence"),
        MarkKind.SITUATION: QCoreApplication.translate("ReplayKinds", "Situations"),
        MarkKind.BOOKMARK: QCoreApplication.translate("ReplayKinds", "Bookmarks"),
        MarkKind.SYSTEM: QCoreApplication.translate("ReplayKinds", "System"),
    }
    return names[kind]
