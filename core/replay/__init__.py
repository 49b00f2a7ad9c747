"""Replay: the city as it was at any instant of the log, rebuilt from checkpoints and events.

``ReplaySession`` answers "what was the state at T" from its own read-only connections; its
``ReplayIndex`` (built once per session on a worker) holds dense checkpoints of the folded
state, the marks the timeline draws and the incidents' spans. ``ReplayClock`` is the pure
play/pause/speed logic the workstation's replay controller ticks.
"""

from core.replay.clock import SPEEDS, ReplayClock
from core.replay.index import IncidentSpan, ReplayIndex
from core.replay.marks import Mark, MarkKind, kind_of
from core.replay.session import ReplaySession

__all__ = [
    "SPEEDS",
    "IncidentSpan",
    "Mark",
    "MarkKind",
    "ReplayClock",
    "ReplayIndex",
    "ReplaySession",
    "kind_of",
]
