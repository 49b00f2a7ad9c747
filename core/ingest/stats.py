"""Why readings were turned away, and the counts an ingest source reports."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class RejectReason(StrEnum):
    """Every reason a message or reading is not turned into an event."""

    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    BAD_TOPIC = "bad_topic"
    MISSING_SENSOR_ID = "missing_sensor_id"
    MISSING_VALUE = "missing_value"
    NOT_NUMERIC = "not_numeric"
    NOT_FINITE = "not_finite"
    WRONG_UNIT = "wrong_unit"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    DUPLICATE = "duplicate"
    OUT_OF_RANGE = "out_of_range"
    QUEUE_FULL = "queue_full"
    SINK_FAILED = "sink_failed"  # validated, then refused by whatever takes the events
    INTERNAL_ERROR = "internal_error"


class Rejected(Exception):
    """A reading or message cannot be accepted, for ``reason``; ``detail`` says what was wrong."""

    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


def _no_rejections() -> Mapping[RejectReason, int]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class IngestStats:
    """Counts of one batch or of a source's whole life.

    ``accepted`` includes the readings from sensors the city does not know, which are also
    counted in ``unknown_sensor``, and readings that passed but that the sink then refused,
    also counted as ``sink_failed``. ``last_error`` names the reason and where the message came
    from (a topic, or a file and line); it never holds a login.
    """

    accepted: int = 0
    unknown_sensor: int = 0
    rejected: Mapping[RejectReason, int] = field(default_factory=_no_rejections)
    last_error: str = ""

    @property
    def rejected_total(self) -> int:
        """How many readings or messages were turned away, whatever the reason."""
        return sum(self.rejected.values())

    def __add__(self, other: IngestStats) -> IngestStats:
        """The counts of both; the other's last error wins when it has one."""
        rejected = dict(self.rejected)
        for reason, count in other.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + count
        return IngestStats(
            self.accepted + other.accepted,
            self.unknown_sensor + other.unknown_sensor,
            MappingProxyType(rejected),
            other.last_error or self.last_error,
        )


class StatsTally:
    """Running counts that one thread adds to and any thread may read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = IngestStats()

    def add(self, stats: IngestStats) -> None:
        """Add a batch's counts."""
        with self._lock:
            self._total = self._total + stats

    def snapshot(self) -> IngestStats:
        """The counts so far."""
        with self._lock:
            return self._total
