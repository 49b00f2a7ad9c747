"""How replay writes and reads instants: the workstation's local time, as every other clock
on the screen (the queue, the detail, the tiles) shows it."""

from __future__ import annotations

import re
from datetime import date, datetime, time

_TYPED = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})[ T]+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def local(ms: int) -> datetime:
    """The local wall-clock time of the UTC instant ``ms`` (aware, with its offset)."""
    return datetime.fromtimestamp(ms / 1000).astimezone()


def clock_text(ms: int) -> str:
    """HH:MM:SS in local time."""
    return local(ms).strftime("%H:%M:%S")


def date_time_text(ms: int) -> str:
    """YYYY-MM-DD HH:MM:SS in local time."""
    return local(ms).strftime("%Y-%m-%d %H:%M:%S")


def parse_instant(text: str, reference_ms: int) -> int:
    """The UTC instant of a typed local time: "HH:MM[:SS]" on the day of ``reference_ms``, or
    "YYYY-MM-DD HH:MM[:SS]". Raises ValueError naming the forms it accepts."""
    match = _TYPED.match(text)
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a time: type HH:MM:SS or YYYY-MM-DD HH:MM:SS")
    year, month, day, hour, minute, second = match.groups()
    try:
        on: date = date(int(year), int(month), int(day)) if year else local(reference_ms).date()
        at = time(int(hour), int(minute), int(second or 0))
    except ValueError as error:
        raise ValueError(f"{text.strip()!r} is not a time of day: {error}") from None
    moment = datetime.combine(on, at).astimezone()  # a naive time is taken as local
    return int(moment.timestamp() * 1000)
