"""Turning raw sensor messages into ``SensorReading`` events, and counting what is turned away.

A :class:`Validator` knows the city's sensors. It reads messages of one or more schemes (the
documented one by default), checks each reading (a finite number, a unit that is the sensor
kind's or converts exactly to it, a time neither far in the future nor too old, not a repeat,
inside the kind's possible range when one is given) and returns the accepted events with the
counts of the batch. Readings from sensors the city does not know are accepted and counted.
"""

from __future__ import annotations

import json
import logging
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from core.city.kinds import SensorKind
from core.city.model import Sensor
from core.clock import Clock, SystemClock
from core.events import EventType, NewEvent
from core.ingest.schemes import DOCUMENTED, RawReading, Scheme, TsFormat
from core.ingest.stats import IngestStats, Rejected, RejectReason, StatsTally
from core.ingest.units import Ratio, conversions_to, convert

log = logging.getLogger("cityroom.ingest")

# MQTT payloads are UTF-8: decode them directly rather than through json.loads's sniffing.
_decode = json.JSONDecoder().decode
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_ABSURD_MS = 10**16  # past the year 318,000: no clock means this
_TOPIC_MEMORY = 50_000  # topics remembered with their scheme before the memory starts over


class ValidationPolicy(BaseModel):
    """How strict the checks are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_future_ms: int = Field(
        default=300_000,
        ge=0,
        description="Readings stamped further ahead of the clock are rejected.",
    )
    max_age_ms: int | None = Field(
        default=86_400_000,
        ge=0,
        description="Readings older than this are rejected; None accepts any age (imports).",
    )
    duplicate_memory: int = Field(
        default=20_000,
        ge=0,
        description="How many recent readings are remembered to spot exact repeats.",
    )
    limits: dict[SensorKind, tuple[float, float]] = Field(
        default_factory=dict,
        description="Physically possible (lowest, highest) value per kind, in the kind's unit.",
    )


class Message(NamedTuple):
    """A message as it arrived: topic, payload bytes and when it was received (UTC ms)."""

    topic: str
    payload: bytes | str
    received_ms: int | None = None


@dataclass(frozen=True, slots=True)
class IngestBatch:
    """What one batch of messages gave: the events to publish and the batch's counts."""

    events: list[NewEvent]
    stats: IngestStats


@dataclass(frozen=True, slots=True)
class _Known:
    unit: str
    conversions: Mapping[str, Ratio]
    limits: tuple[float, float] | None
    actor: str


class _BatchTally:
    __slots__ = ("accepted", "last_error", "rejected", "unknown")

    def __init__(self) -> None:
        self.accepted = 0
        self.unknown = 0
        self.rejected: dict[RejectReason, int] = {}
        self.last_error = ""

    def reject(self, reason: RejectReason, detail: str, where: str, count: int = 1) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + count
        self.last_error = f"{reason.value}: {detail} ({where})"

    def stats(self) -> IngestStats:
        return IngestStats(
            self.accepted, self.unknown, MappingProxyType(self.rejected), self.last_error
        )


class Validator:
    """Checks readings against the city's sensors and a policy; keeps running counts.

    One thread validates at a time; :meth:`totals` may be read from any thread.
    """

    def __init__(
        self,
        sensors: Iterable[Sensor],
        *,
        source: str = "ingest:mqtt",
        clock: Clock | None = None,
        policy: ValidationPolicy | None = None,
        schemes: Sequence[Scheme] = (DOCUMENTED,),
    ) -> None:
        self.source = source
        self.policy = policy or ValidationPolicy()
        self.schemes = tuple(schemes)
        # A field network repeats a few thousand topics: match each against the schemes once.
        self._topics: dict[str, tuple[Scheme, str]] = {}
        self._clock = clock or SystemClock()
        limits = self.policy.limits
        self._known = {
            sensor.id: _Known(
                sensor.unit,
                conversions_to(sensor.unit),
                limits.get(sensor.kind),
                f"sensor:{sensor.id}",
            )
            for sensor in sensors
        }
        self._seen: set[tuple[str, int, float]] = set()
        self._seen_order: deque[tuple[str, int, float]] = deque()
        self._totals = StatsTally()

    @property
    def subscriptions(self) -> tuple[str, ...]:
        """The MQTT filters of every scheme, without repeats."""
        return tuple(dict.fromkeys(s for scheme in self.schemes for s in scheme.subscriptions))

    def totals(self) -> IngestStats:
        """Counts since this validator was made."""
        return self._totals.snapshot()

    def validate(self, messages: Iterable[Message]) -> IngestBatch:
        """Validate a batch of messages; the batch's counts are added to :meth:`totals`."""
        tally = _BatchTally()
        events: list[NewEvent] = []
        now_ms = self._clock.now_ms()
        for message in messages:
            topic = message.topic
            try:
                scheme, topic_id = self._scheme_for(topic)
                payload = message.payload
                try:
                    document = _decode(payload if isinstance(payload, str) else payload.decode())
                except (ValueError, UnicodeDecodeError) as exc:
                    raise Rejected(RejectReason.NOT_JSON, f"payload is not JSON ({exc})") from None
                records = scheme.records_of(document)
            except Rejected as rejected:
                tally.reject(rejected.reason, rejected.detail, f"topic {topic}")
                continue
            except Exception as exc:  # a message must never stop the batch
                self._internal_error(tally, exc, f"topic {topic}")
                continue
            received_ms = message.received_ms if message.received_ms is not None else now_ms
            for record in records:
                try:
                    raw = scheme.reading(record, topic_id)
                    events.append(self._check(raw, received_ms, now_ms, tally))
                except Rejected as rejected:
                    tally.reject(rejected.reason, rejected.detail, f"topic {topic}")
                except Exception as exc:
                    self._internal_error(tally, exc, f"topic {topic}")
        return self._finish(events, tally)

    def validate_readings(self, readings: Iterable[tuple[RawReading, str]]) -> IngestBatch:
        """Validate readings already taken apart (file replay); each comes with where it was
        found, for the error text. Readings without a time get the clock's."""
        tally = _BatchTally()
        events: list[NewEvent] = []
        now_ms = self._clock.now_ms()
        for raw, where in readings:
            try:
                events.append(self._check(raw, now_ms, now_ms, tally))
            except Rejected as rejected:
                tally.reject(rejected.reason, rejected.detail, where)
            except Exception as exc:
                self._internal_error(tally, exc, where)
        return self._finish(events, tally)

    def reject(self, reason: RejectReason, detail: str, where: str, count: int = 1) -> IngestStats:
        """Count rejections found outside the validator (an unreadable line, a full queue, a
        sink that failed) in its totals; any thread may call this."""
        tally = _BatchTally()
        tally.reject(reason, detail, where, count)
        return self._finish([], tally).stats

    # -- checks -----------------------------------------------------------------------------

    def _scheme_for(self, topic: str) -> tuple[Scheme, str]:
        known = self._topics.get(topic)
        if known is not None:
            return known
        for scheme in self.schemes:
            topic_id = scheme.match(topic)
            if topic_id is not None:
                if len(self._topics) >= _TOPIC_MEMORY:
                    self._topics.clear()
                self._topics[topic] = (scheme, topic_id)
                return scheme, topic_id
        raise Rejected(RejectReason.BAD_TOPIC, "the topic matches no scheme")

    def _check(
        self, raw: RawReading, received_ms: int, now_ms: int, tally: _BatchTally
    ) -> NewEvent:
        sensor_id = raw.sensor_id
        if isinstance(sensor_id, int) and not isinstance(sensor_id, bool):
            sensor_id = str(sensor_id)
        if not isinstance(sensor_id, str) or not sensor_id:
            raise Rejected(RejectReason.MISSING_SENSOR_ID, "the reading names no sensor")
        value = _number(raw.value, sensor_id)
        if raw.scale != 1.0:
            value = _scaled(value, raw.scale)
        known = self._known.get(sensor_id)
        unit = raw.unit
        if unit is not None and not isinstance(unit, str):
            raise Rejected(
                RejectReason.WRONG_UNIT, f"sensor {sensor_id}: unit {unit!r} is not text"
            )
        if known is not None:
            if unit is not None and unit != known.unit:
                ratio = known.conversions.get(unit.strip())
                if ratio is None:
                    raise Rejected(
                        RejectReason.WRONG_UNIT,
                        f"sensor {sensor_id} reports in {known.unit}, not {unit!r}",
                    )
                value = convert(value, ratio)
            if known.limits is not None and not known.limits[0] <= value <= known.limits[1]:
                low, high = known.limits
                raise Rejected(
                    RejectReason.OUT_OF_RANGE,
                    f"sensor {sensor_id}: {value:g} {known.unit} is outside {low:g}..{high:g}",
                )
        ts_ms = received_ms if raw.ts is None else timestamp_ms(raw.ts, raw.ts_format, sensor_id)
        policy = self.policy
        if ts_ms - now_ms > policy.max_future_ms:
            raise Rejected(
                RejectReason.FUTURE_TIMESTAMP,
                f"sensor {sensor_id}: stamped {(ts_ms - now_ms) / 1000:.0f} s in the future",
            )
        if policy.max_age_ms is not None and now_ms - ts_ms > policy.max_age_ms:
            raise Rejected(
                RejectReason.STALE_TIMESTAMP,
                f"sensor {sensor_id}: stamped {(now_ms - ts_ms) / 3_600_000:.1f} h ago",
            )
        self._remember((sensor_id, ts_ms, value))
        if known is None:
            tally.unknown += 1
        tally.accepted += 1
        return NewEvent(
            EventType.SENSOR_READING,
            self.source,
            known.actor if known is not None else f"sensor:{sensor_id}",
            {"sensor_id": sensor_id, "value": value, "measured_ms": ts_ms},
            sensor_id,
            ts_ms,
        )

    def _remember(self, key: tuple[str, int, float]) -> None:
        memory = self.policy.duplicate_memory
        if memory == 0:
            return
        if key in self._seen:
            raise Rejected(
                RejectReason.DUPLICATE, f"sensor {key[0]}: the same reading arrived again"
            )
        self._seen.add(key)
        self._seen_order.append(key)
        if len(self._seen_order) > memory:
            self._seen.discard(self._seen_order.popleft())

    def _internal_error(self, tally: _BatchTally, exc: Exception, where: str) -> None:
        log.warning("ingest: could not handle a message (%s): %r", where, exc, exc_info=exc)
        tally.reject(RejectReason.INTERNAL_ERROR, f"{type(exc).__name__}: {exc}", where)

    def _finish(self, events: list[NewEvent], tally: _BatchTally) -> IngestBatch:
        stats = tally.stats()
        if tally.accepted or tally.rejected:
            self._totals.add(stats)
        if tally.rejected:
            log.debug(
                "ingest: %d rejected; last: %s", sum(tally.rejected.values()), tally.last_error
            )
        return IngestBatch(events, stats)


def _number(value: Any, sensor_id: str) -> float:
    if type(value) is float and math.isfinite(value):
        return value  # the common case
    if value is None:
        raise Rejected(RejectReason.MISSING_VALUE, f"sensor {sensor_id}: no value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(
            RejectReason.NOT_NUMERIC, f"sensor {sensor_id}: value {value!r:.40} is not a number"
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise Rejected(RejectReason.NOT_FINITE, f"sensor {sensor_id}: value is {number}")
    return number


def _scaled(value: float, scale: float) -> float:
    inverse = 1 / scale
    if abs(inverse) > 1 and inverse == round(inverse):
        # Divide by 100 rather than multiply by 0.01: 342 becomes 3.42, not 3.4200000000000004.
        return value / round(inverse)
    return value * scale


def timestamp_ms(ts: Any, ts_format: TsFormat = TsFormat.AUTO, sensor_id: str = "?") -> int:
    """UTC milliseconds of a timestamp written as ``ts_format`` says; raises ``Rejected``."""
    if type(ts) is int and ts_format is TsFormat.AUTO and -_ABSURD_MS < ts < _ABSURD_MS:
        return ts  # the common case, epoch milliseconds
    if isinstance(ts, str) and (
        ts_format in (TsFormat.EPOCH_MS, TsFormat.EPOCH_S)
        or (ts_format is TsFormat.AUTO and ts.isdigit())
    ):
        try:
            ts = float(ts)
        except ValueError:
            raise Rejected(
                RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: {ts!r:.40} is not an epoch time"
            ) from None
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        if ts_format is TsFormat.ISO:
            raise Rejected(RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: time is not ISO-8601")
        if abs(ts) > _ABSURD_MS or not math.isfinite(ts):
            raise Rejected(
                RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: time {ts!r} is absurd"
            )
        return round(ts * 1000) if ts_format is TsFormat.EPOCH_S else round(ts)
    if not isinstance(ts, str):
        raise Rejected(
            RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: time {ts!r:.40} is not a time"
        )
    try:
        moment = datetime.fromisoformat(ts)
    except ValueError:
        raise Rejected(
            RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: {ts!r:.40} is not an ISO-8601 time"
        ) from None
    if moment.tzinfo is None:
        # A local time without its offset is off by nine hours if taken for UTC: refuse it.
        raise Rejected(
            RejectReason.BAD_TIMESTAMP, f"sensor {sensor_id}: {ts!r:.40} has no UTC offset"
        )
    return (moment - _EPOCH) // _ONE_MS
