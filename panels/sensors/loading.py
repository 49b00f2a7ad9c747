"""Reading a sensor's earlier readings from the log without blocking anyone."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from core.backend import Backend
from core.events import EventRecord
from panels.sensors.history import LoadedHistory, history_from_records
from ui.bridge import GuiInvoker


def load_history(
    backend: Backend,
    invoker: GuiInvoker,
    sensor_id: str,
    max_points: int,
    on_loaded: Callable[[LoadedHistory], object],
    on_failed: Callable[[BaseException], object],
) -> None:
    """Ask the backend for every event about ``sensor_id`` (a reading's subject is its sensor),
    keep the newest readings, and call ``on_loaded`` or ``on_failed`` on the GUI thread."""
    parsed: Future[LoadedHistory] = Future()

    def parse(done: Future[list[EventRecord]]) -> None:
        # Parsing a day of readings takes a good part of a second: it runs on a thread of its
        # own, neither on the GUI thread nor on the backend's worker.
        def run() -> None:
            try:
                parsed.set_result(history_from_records(done.result(), max_points))
            except BaseException as exc:  # handed to the GUI thread as the failure
                parsed.set_exception(exc)

        threading.Thread(target=run, name="sensor-history", daemon=True).start()

    backend.incident_events(sensor_id).add_done_callback(parse)
    invoker.when_done(parsed, on_loaded, on_failed)
