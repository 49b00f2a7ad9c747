"""The web channel object the map page talks to: commands out, clicks and positions in."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot


class MapBridge(QObject):
    """Registered on the page's QWebChannel as ``bridge``."""

    # To the page: one JSON command per emit (batches, never one per entity).
    command = Signal(str)
    # To Python.
    pageReady = Signal()
    itemClicked = Signal(str, str)  # kind, id
    mapClickedAt = Signal(float, float)
    pointerMoved = Signal(float, float)
    viewMoved = Signal(object)  # {"zoom": int, "bounds": [w, s, e, n]}
    pageFailed = Signal(str)
    commandApplied = Signal(str, float)  # ack id, milliseconds the page spent
    measureChanged = Signal(float, float, bool)  # length m, area m², closed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_ready = False
        self.sent = 0

    def send(self, op: str, raw: dict[str, str] | None = None, **fields: Any) -> None:
        """Send one command to the page.

        ``raw`` holds fields already serialised to JSON text (large arrays made by vectorised
        code), spliced in as they are rather than parsed and serialised again.
        """
        self.sent += 1
        text = json.dumps({"op": op, **fields}, ensure_ascii=False)
        if raw:
            spliced = ",".join(f"{json.dumps(key)}:{value}" for key, value in raw.items())
            text = f"{text[:-1]},{spliced}}}"
        self.command.emit(text)

    @Slot()
    def ready(self) -> None:
        """The page has connected."""
        self.is_ready = True
        self.pageReady.emit()

    @Slot(str, str)
    def clicked(self, kind: str, item_id: str) -> None:
        """A camera, incident, sensor or facility was clicked on the map."""
        self.itemClicked.emit(kind, item_id)

    @Slot(float, float)
    def mapClicked(self, lat: float, lon: float) -> None:
        """The map itself was clicked (not a feature)."""
        self.mapClickedAt.emit(lat, lon)

    @Slot(float, float)
    def pointer(self, lat: float, lon: float) -> None:
        """The mouse moved over the map (throttled by the page)."""
        self.pointerMoved.emit(lat, lon)

    @Slot(str)
    def viewChanged(self, text: str) -> None:
        """The view moved or zoomed."""
        self.viewMoved.emit(json.loads(text))

    @Slot(str)
    def pageError(self, text: str) -> None:
        """A command failed inside the page."""
        self.pageFailed.emit(text)

    @Slot(float, float, bool)
    def measured(self, length_m: float, area_m2: float, closed: bool) -> None:
        """The measuring line or area changed."""
        self.measureChanged.emit(length_m, area_m2, closed)

    @Slot(str, float)
    def applied(self, ack: str, millis: float) -> None:
        """The page finished a command that asked for an acknowledgement."""
        self.commandApplied.emit(ack, millis)
