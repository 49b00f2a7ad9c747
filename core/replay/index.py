"""The replay index: dense checkpoints of folded state, the timeline's marks, reading density
and incident spans, made in one pass over a window of the log.

One thread fills it (``ReplaySession.build_index``) while others read it; every access takes
the lock for the few list operations it needs, never for a fold.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Collection
from dataclasses import dataclass

from core.events import EventRecord, EventType
from core.model import Incident
from core.replay.marks import Mark, MarkKind, kind_of
from core.state import CityState

ET = EventType
MINUTE_MS = 60_000
_ENDS = frozenset({ET.INCIDENT_RESOLVED, ET.INCIDENT_CLOSED, ET.INCIDENT_MERGED})


@dataclass(slots=True)
class IncidentSpan:
    """An incident's life on the timeline: from its report to its resolution (or still
    open: ``end_ms`` None)."""

    incident_id: str
    type_code: str
    severity: int
    start_ms: int
    end_ms: int | None
    exercise: bool = False


def _span_of(incident: Incident) -> IncidentSpan:
    """A span for ``incident`` from its report, still open."""
    return IncidentSpan(
        incident.id,
        incident.type_code,
        incident.severity,
        incident.opened_ms,
        None,
        incident.exercise,
    )


class ReplayIndex:
    """Checkpoints every ``every`` events, marks, reading counts per minute and spans."""

    def __init__(self, every: int = 5_000) -> None:
        if every < 1:
            raise ValueError(f"checkpoints need at least 1 event between them, not {every}")
        self.every = every
        self._lock = threading.Lock()
        self._checkpoint_seqs: list[int] = []
        self._checkpoints: list[bytes] = []
        self._mark_ts: list[int] = []
        self._marks: list[Mark] = []
        self._reading_minutes: dict[int, int] = {}
        self._spans: dict[str, IncidentSpan] = {}
        self.indexed_seq = 0  # the newest event the index has seen
        self.indexed_ts = 0
        self.complete = False  # the pass reached the log's tail (it may grow since)
        self._since_checkpoint = 0

    # -- filling (one thread) ---------------------------------------------------------------

    def start_from(self, state: CityState) -> None:
        """Begin at ``state`` (the city just before the window): the first checkpoint and the
        spans of incidents already open."""
        with self._lock:
            for incident in state.incidents.values():
                if incident.status.is_open:
                    self._spans[incident.id] = _span_of(incident)
            self.indexed_seq, self.indexed_ts = state.last_seq, state.last_ts
        self.checkpoint(state)

    def checkpoint(self, state: CityState) -> None:
        """Keep ``state`` as a checkpoint (serialised: later folds must not change it)."""
        blob = state.to_bytes()
        with self._lock:
            if self._checkpoint_seqs and self._checkpoint_seqs[-1] >= state.last_seq:
                return
            self._checkpoint_seqs.append(state.last_seq)
            self._checkpoints.append(blob)
            self._since_checkpoint = 0

    def add(self, record: EventRecord, state: CityState) -> None:
        """Note ``record``, just folded into ``state``; checkpoint when one is due."""
        kind = kind_of(record.type)
        with self._lock:
            self.indexed_seq, self.indexed_ts = record.seq, record.ts_ms
            if kind is None:
                minute = record.ts_ms // MINUTE_MS
                self._reading_minutes[minute] = self._reading_minutes.get(minute, 0) + 1
            else:
                self._mark_ts.append(record.ts_ms)
                self._marks.append(
                    Mark(record.seq, record.ts_ms, kind, record.type, record.subject)
                )
                self._span(record, state)
            self._since_checkpoint += 1
            due = self._since_checkpoint >= self.every
        if due:
            self.checkpoint(state)

    def _span(self, record: EventRecord, state: CityState) -> None:
        incident = state.incidents.get(record.subject or "")
        if incident is None:
            return
        span = self._spans.get(incident.id)
        if span is None:
            span = self._spans[incident.id] = _span_of(incident)
        span.severity = incident.severity
        if record.type in _ENDS:
            span.end_ms = record.ts_ms
        elif record.type == ET.INCIDENT_REOPENED:
            span.end_ms = None

    # -- reading (any thread) ---------------------------------------------------------------

    def checkpoint_before(self, seq: int) -> tuple[int, bytes] | None:
        """The newest checkpoint at or before ``seq``: its sequence number and state."""
        with self._lock:
            i = bisect.bisect_right(self._checkpoint_seqs, seq)
            if i == 0:
                return None
            return self._checkpoint_seqs[i - 1], self._checkpoints[i - 1]

    @property
    def checkpoint_count(self) -> int:
        """How many checkpoints are kept."""
        with self._lock:
            return len(self._checkpoints)

    @property
    def checkpoint_bytes(self) -> int:
        """Memory the checkpoints take."""
        with self._lock:
            return sum(len(c) for c in self._checkpoints)

    def marks_between(
        self, start_ms: int, end_ms: int, kinds: Collection[MarkKind] | None = None
    ) -> list[Mark]:
        """The marks with ``start_ms <= ts <= end_ms`` (of ``kinds`` when given), in order."""
        with self._lock:
            lo = bisect.bisect_left(self._mark_ts, start_ms)
            hi = bisect.bisect_right(self._mark_ts, end_ms)
            chosen = self._marks[lo:hi]
        if kinds is None:
            return chosen
        return [m for m in chosen if m.kind in kinds]

    def next_mark(
        self, after_ms: int, kinds: Collection[MarkKind] | None = None, forward: bool = True
    ) -> Mark | None:
        """The first mark strictly after ``after_ms`` (before it when not ``forward``) of
        ``kinds`` (any kind when None)."""
        with self._lock:
            if forward:
                i = bisect.bisect_right(self._mark_ts, after_ms)
                candidates = self._marks[i:]
            else:
                i = bisect.bisect_left(self._mark_ts, after_ms)
                candidates = self._marks[:i][::-1]
        for mark in candidates:
            if kinds is None or mark.kind in kinds:
                return mark
        return None

    def reading_density(self, start_ms: int, end_ms: int, bins: int) -> list[int]:
        """Readings per bin over ``bins`` equal bins of ``[start_ms, end_ms]`` (by minute)."""
        counts = [0] * max(bins, 1)
        if end_ms <= start_ms:
            return counts
        width = (end_ms - start_ms) / len(counts)
        with self._lock:
            minutes = list(self._reading_minutes.items())
        for minute, n in minutes:
            ms = minute * MINUTE_MS + MINUTE_MS // 2
            if start_ms <= ms <= end_ms:
                counts[min(int((ms - start_ms) / width), len(counts) - 1)] += n
        return counts

    def spans(self) -> list[IncidentSpan]:
        """Every incident's span seen in the window, by start."""
        with self._lock:
            spans = [
                IncidentSpan(
                    s.incident_id, s.type_code, s.severity, s.start_ms, s.end_ms, s.exercise
                )
                for s in self._spans.values()
            ]
        return sorted(spans, key=lambda s: (s.start_ms, s.incident_id))
