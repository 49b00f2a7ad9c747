"""How panels write times for operators."""

from __future__ import annotations


def format_age(seconds: float) -> str:
    """Compact age: 42s, 5m 03s, 2h 07m, 3d 04h."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600:02d}h"
