"""Raster tiles for the map page through the ``cityroom://`` URL scheme (no HTTP server).

Requests arrive on the GUI thread; rendering runs on a small worker pool and the reply is
posted back, so a slow raster never stalls the window.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QObject
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineUrlRequestJob,
    QWebEngineUrlSchemeHandler,
)

from ui.bridge import GuiInvoker

TILE_SCHEME = b"cityroom"
_TILE_PATH = re.compile(r"^/([A-Za-z0-9_-]+)/(\d+)/(\d+)/(\d+)\.png$")


def tile_url(layer_id: str) -> str:
    """The Leaflet URL template of one raster layer."""
    return f"cityroom://tiles/{layer_id}/{{z}}/{{x}}/{{y}}.png"


def shared_tile_handler(profile: QWebEngineProfile) -> TileSchemeHandler:
    """The one tile handler of a web profile, installed on first use.

    A profile keeps one handler per scheme for its whole life, so every map in the process
    shares it (layer ids are unique per process).
    """
    handler = profile.findChild(TileSchemeHandler, "cityroom-tiles")
    if handler is None:
        handler = TileSchemeHandler(GuiInvoker(), profile)
        handler.setObjectName("cityroom-tiles")
        profile.installUrlSchemeHandler(TILE_SCHEME, handler)
    return handler


class TileSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves ``cityroom://tiles/<layer>/<z>/<x>/<y>.png`` from registered tile sources."""

    def __init__(self, invoker: GuiInvoker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._invoker = invoker
        invoker.setParent(self)
        self.sources: dict[str, Any] = {}  # layer id -> layers.raster.TileSource
        self._pool: ThreadPoolExecutor | None = None
        self.served = 0
        self.active = True

    def add(self, layer_id: str, source: Any) -> None:
        """Serve tiles of ``source`` under ``layer_id``."""
        self.sources[layer_id] = source

    def remove(self, layer_id: str) -> None:
        """Stop serving a layer and close its files."""
        source = self.sources.pop(layer_id, None)
        if source is not None:
            source.close()

    def resume(self) -> None:
        """Serve tiles again (a map is on screen)."""
        self.active = True

    def shutdown(self) -> None:
        """Stop the render workers and refuse tiles until :meth:`resume` (no map is shown)."""
        self.active = False
        if self._pool is not None:
            # Never wait on the GUI thread: a render in flight finishes on its own and its
            # reply finds the job gone.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        """Render the tile off the GUI thread and reply when it is ready."""
        url = job.requestUrl()
        match = _TILE_PATH.match(url.path()) if url.host() == "tiles" else None
        source = self.sources.get(match.group(1)) if match else None
        if match is None or source is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if not self.active:
            job.fail(QWebEngineUrlRequestJob.Error.RequestAborted)
            return
        z, x, y = (int(match.group(i)) for i in (2, 3, 4))
        alive = [True]
        job.destroyed.connect(lambda: alive.__setitem__(0, False))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="map-tiles")
        future = self._pool.submit(source.tile_png, z, x, y)

        def reply(png: bytes | None) -> None:
            if not alive[0]:
                return  # the page moved on and cancelled this tile
            if png is None:
                job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
                return
            buffer = QBuffer(job)
            buffer.setData(QByteArray(png))
            self.served += 1
            job.reply(b"image/png", buffer)

        def failed(_error: BaseException) -> None:
            if alive[0]:
                job.fail(QWebEngineUrlRequestJob.Error.RequestFailed)

        self._invoker.when_done(future, reply, failed)
