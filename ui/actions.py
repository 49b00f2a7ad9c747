"""One-click requests that cross panels (a procedure step asks the video wall to open cameras,
the map to find facilities). The requester emits; whichever panel can carry it out listens and
says so with ``offer``; a request no panel can carry out is shown as unavailable, never lost."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from core.sop.definitions import ActionKind


class ActionRequests(QObject):
    """Requests from procedures and shortcuts to the panels that can carry them out."""

    openCamerasRequested = Signal(str, int, object)  # incident id, count, radius in m or None
    stillRequested = Signal(str)  # incident id: a still of the highlighted camera
    facilitiesRequested = Signal(str, str, int)  # incident id, facility kind, count
    packetRequested = Signal(str, str)  # incident id, recipient kind

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._offered: set[ActionKind] = set()

    def offer(self, *kinds: ActionKind) -> None:
        """A panel says it carries out these kinds of request."""
        self._offered.update(kinds)

    def available(self, kind: ActionKind) -> bool:
        """Whether some panel carries out ``kind`` (notify and start_timer need none)."""
        return kind in (ActionKind.NOTIFY, ActionKind.START_TIMER) or kind in self._offered
