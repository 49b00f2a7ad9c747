"""Injected time sources: the system clock, a fake clock for tests, and a virtual clock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time in integer milliseconds since the epoch."""

    def now_ms(self) -> int:
        """Current time, UTC milliseconds since 1970-01-01."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now_ms(self) -> int:
        """Current wall-clock time in UTC milliseconds."""
        return time.time_ns() // 1_000_000


class FakeClock:
    """A clock that only moves when told to; thread-safe so workers can read it."""

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self._now = start_ms
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """The clock's current value."""
        with self._lock:
            return self._now

    def advance(self, delta_ms: int) -> int:
        """Move the clock forward by ``delta_ms`` and return the new time."""
        if delta_ms < 0:
            raise ValueError("a clock never runs backwards")
        with self._lock:
            self._now += delta_ms
            return self._now

    def set(self, now_ms: int) -> None:
        """Jump to ``now_ms`` (never backwards)."""
        with self._lock:
            if now_ms < self._now:
                raise ValueError("a clock never runs backwards")
            self._now = now_ms


def iso_ms(ts_ms: int) -> str:
    """Format UTC milliseconds as ISO-8601 with millisecond precision and a Z suffix."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


def parse_iso_ms(text: str) -> int:
    """Parse an ISO-8601 timestamp (with offset or Z) to UTC milliseconds."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)
