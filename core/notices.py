"""One place where workers report problems and state changes for a person to see."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from core.clock import Clock, SystemClock

log = logging.getLogger("cityroom")


class NoticeLevel(StrEnum):
    """How loudly a notice should be shown."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    """A message for the operator: what happened, where, and what to do."""

    level: NoticeLevel
    source: str
    text: str
    ts_ms: int


NoticeListener = Callable[[Notice], None]


class NoticeBoard:
    """Thread-safe fan-out of notices; listeners run on the posting thread."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._listeners: list[NoticeListener] = []
        self._lock = threading.Lock()
        self.history: list[Notice] = []

    def listen(self, listener: NoticeListener) -> Callable[[], None]:
        """Add a listener; call the returned function to remove it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def post(self, level: NoticeLevel, source: str, text: str) -> Notice:
        """Record a notice, log it and tell every listener."""
        notice = Notice(level, source, text, self._clock.now_ms())
        log.log(
            logging.ERROR if level is NoticeLevel.ERROR else logging.INFO, "%s: %s", source, text
        )
        with self._lock:
            self.history.append(notice)
            del self.history[:-500]
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(notice)
            except Exception:  # a broken listener must not silence the others
                log.exception("notice listener failed")
        return notice
