"""Layers the operator opens: loaded off the GUI thread, with progress, cancel and a CRS prompt."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from layers.errors import LayerReadError, LoadCancelled, MissingCrsError
from layers.info import is_raster
from ui.bridge import GuiInvoker

PALETTE = (
    "#ffb454",
    "#5fe0c1",
    "#ff6f91",
    "#9ad0ff",
    "#c3e88d",
    "#f78c6c",
    "#c792ea",
    "#ffcb6b",
    "#89ddff",
    "#f07178",
)


@dataclass
class UserLayer:
    """One opened layer as the map and the layer list know it."""

    id: str
    name: str
    path: Path
    raster: bool
    colour: str
    data: Any  # layers.readers.VectorLayer or layers.raster.TileSource
    visible: bool = True
    opacity: float = 1.0
    columns: tuple[str, str] | None = None  # geometry and property JSON, made by the worker
    style_field: str | None = None
    categories: dict[str, str] = field(default_factory=dict)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in WGS 84."""
        box = self.data.info.bounds_wgs84 if self.raster else self.data.bounds_wgs84
        return tuple(float(v) for v in box)  # type: ignore[return-value]


# Layer ids are unique in the process: tiles of every map share one URL space.
_LAYER_NUMBERS = itertools.count(1)


class UserLayerLoader(QObject):
    """Reads layer files in a worker thread; one load at a time, cancellable."""

    progressed = Signal(int, int)  # done, total (total 0: unknown)
    loaded = Signal(object)  # UserLayer
    needsCrs = Signal(object)  # Path
    failed = Signal(str)
    cancelled = Signal(str)

    def __init__(self, invoker: GuiInvoker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._invoker = invoker
        self._numbers = _LAYER_NUMBERS
        self._cancel = threading.Event()
        self.busy = False

    def load(self, path: Path, crs: str | None = None) -> None:
        """Start reading ``path`` (``crs`` for files that name none)."""
        if self.busy:
            self.failed.emit(f"{path}: another layer is still loading; wait or cancel it")
            return
        self.busy = True
        self._cancel.clear()
        number = next(self._numbers)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="layer-load")
        future: Future[UserLayer] = executor.submit(self._read, path, crs, number)
        executor.shutdown(wait=False)
        self._invoker.when_done(future, self._on_done, self._on_error)

    def cancel(self) -> None:
        """Ask the running load to stop at its next chunk."""
        self._cancel.set()

    def _read(self, path: Path, crs: str | None, number: int) -> UserLayer:
        colour = PALETTE[(number - 1) % len(PALETTE)]
        layer_id = f"L{number}"
        if is_raster(path):
            from layers.raster import TileSource

            self._invoker.post(lambda: self.progressed.emit(0, 0))
            return UserLayer(layer_id, path.name, path, True, colour, TileSource(path))
        from layers.readers import read_vector

        def progress(done: int, total: int) -> None:
            self._invoker.post(lambda: self.progressed.emit(done, total))

        vector = read_vector(path, crs, progress=progress, cancelled=self._cancel.is_set)
        # Serialised here too: for a large layer this is no work for the GUI thread.
        return UserLayer(
            layer_id, vector.name, path, False, colour, vector, columns=vector.columns_json()
        )

    def _on_done(self, layer: UserLayer) -> None:
        self.busy = False
        self.loaded.emit(layer)

    def _on_error(self, error: BaseException) -> None:
        self.busy = False
        if isinstance(error, MissingCrsError):
            self.needsCrs.emit(error.path)
        elif isinstance(error, LoadCancelled):
            self.cancelled.emit(str(error))
        elif isinstance(error, LayerReadError):
            self.failed.emit(str(error))
        else:
            self.failed.emit(f"{type(error).__name__}: {error}")
