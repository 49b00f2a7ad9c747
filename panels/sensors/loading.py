"""Reading a sensor's earlier readings from the backend without blocking anyone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from core.backend import Backend
from core.readings import SensorHistory
from panels.sensors.history import FloatArray, LoadedHistory, envelope_arrays, loaded_from
from ui.bridge import GuiInvoker

T = TypeVar("T")
DrawnEnvelope = tuple[SensorHistory, tuple[FloatArray, FloatArray]]


def load_history(
    backend: Backend,
    invoker: GuiInvoker,
    sensor_id: str,
    span_ms: tuple[int, int],
    max_points: int,
    on_loaded: Callable[[LoadedHistory], object],
    on_failed: Callable[[BaseException], object],
) -> None:
    """Ask the backend for ``sensor_id``'s readings in ``span_ms`` (raw, or an envelope when
    there are more than ``max_points``) and call ``on_loaded`` or ``on_failed`` on the GUI
    thread with them as plot arrays."""
    _converted(backend, invoker, sensor_id, span_ms, max_points, loaded_from, on_loaded, on_failed)


def load_envelope(
    backend: Backend,
    invoker: GuiInvoker,
    sensor_id: str,
    span_ms: tuple[int, int],
    buckets: int,
    on_loaded: Callable[[DrawnEnvelope], object],
    on_failed: Callable[[BaseException], object],
) -> None:
    """Like :func:`load_history` for a long range: the answer and its drawing arrays."""
    _converted(
        backend,
        invoker,
        sensor_id,
        span_ms,
        buckets,
        lambda history: (history, envelope_arrays(history)),
        on_loaded,
        on_failed,
    )


def _converted(
    backend: Backend,
    invoker: GuiInvoker,
    sensor_id: str,
    span_ms: tuple[int, int],
    max_points: int,
    convert: Callable[[SensorHistory], T],
    on_loaded: Callable[[T], object],
    on_failed: Callable[[BaseException], object],
) -> None:
    converted: Future[T] = Future()

    def run(done: Future[SensorHistory]) -> None:
        # On the backend's query thread: the arrays are made there, not on the GUI thread.
        try:
            converted.set_result(convert(done.result()))
        except BaseException as exc:  # handed to the GUI thread as the failure
            converted.set_exception(exc)

    start_ms, end_ms = span_ms
    backend.sensor_history(sensor_id, start_ms, end_ms, max_points).add_done_callback(run)
    invoker.when_done(converted, on_loaded, on_failed)
