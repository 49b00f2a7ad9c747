"""Keep the map page offline: refuse and record any request that would leave the machine."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

# "cityroom" is our own tile scheme, answered in-process (see tiles.py).
LOCAL_SCHEMES = frozenset({"file", "qrc", "data", "blob", "about", "cityroom"})


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks requests for anything but local files and Qt resources, and remembers them.

    A tile server the operator configured is the one allowed exception.
    """

    def __init__(
        self, allowed_prefixes: tuple[str, ...] = (), parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.allowed_prefixes = allowed_prefixes
        self.requested: list[str] = []
        self.blocked: list[str] = []
        self._lock = threading.Lock()  # Qt calls this from its IO thread

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        """Let local requests through; block and record the rest."""
        url = info.requestUrl()
        text = url.toString()
        local = url.scheme() in LOCAL_SCHEMES or text.startswith(self.allowed_prefixes)
        with self._lock:
            self.requested.append(text)
            if not local:
                self.blocked.append(text)
        if not local:
            info.block(True)
