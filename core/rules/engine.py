"""The situation-control engine: turns readings and reports into detections, once per episode.

``feed`` takes event records in batches (sensor readings and incident reports; other types
are passed over) and ``tick`` drives the rules that fire on silence or on time passing. A
detection is a plain value: mapping it to an event or a command is the caller's business.

Every rule fires once per episode: it stays quiet while its condition holds and re-arms only
after the condition has cleared past its hysteresis band. Readings are judged by their event
time, so a replayed log gives the same detections as the live feed did.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from core.catalogue import CATALOGUE
from core.city import City, CrisisLevel, Facility, GridIndex, Sensor, haversine_m
from core.clock import Clock
from core.events import EventRecord, EventType
from core.rules.definitions import (
    AnyRule,
    Condition,
    CorrelationRule,
    DurationRule,
    RateRule,
    RuleFileError,
    RuleKind,
    StaleRule,
    ThresholdRule,
    ValueTest,
    condition_test,
    level_steps,
    level_test,
    rate_change,
    value_test,
)

_READING = EventType.SENSOR_READING.value
_REPORTED = EventType.INCIDENT_REPORTED.value
_NEVER = -(1 << 62)
_MINUTE_MS = 60_000
LATE_TOLERANCE_MS = 5_000
"""A reading this much older than the sensor's last one is still judged; older ones are not."""
# Differences of decimal readings are inexact in binary (2.4 - 2.2 < 0.2); forgive that much.
_EPSILON = 1e-9
# Names listed in a complex event's summary; the evidence keeps them all.
_NAMES_SHOWN = 5
# Low points a rate rule keeps per window, whatever the reading rate.
_RATE_BUCKETS = 120


@dataclass(frozen=True, slots=True)
class ReadingEvidence:
    """One reading a detection rests on."""

    sensor_id: str
    value: float
    ts_ms: int
    seq: int


@dataclass(frozen=True, slots=True)
class Detection:
    """A rule became true: what it produces, where, and the evidence it used.

    ``incident_type`` is None only for a device fault from a stale rule that names no type.
    ``subject`` is the sensor or incident the episode belongs to; ``ts_ms`` is the moment the
    rule became true (event time).
    """

    rule_id: str
    rule_kind: RuleKind
    incident_type: str | None
    severity: int
    ts_ms: int
    lat: float
    lon: float
    district_code: str | None
    summary_ko: str
    summary_en: str
    subject: str
    level: CrisisLevel | None = None
    readings: tuple[ReadingEvidence, ...] = ()
    event_seqs: tuple[int, ...] = ()
    incident_ids: tuple[str, ...] = ()
    facility_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class EngineStats:
    """Counters of what the engine was fed and what it passed over."""

    readings: int = 0
    incidents: int = 0
    unknown_sensors: int = 0
    out_of_order: int = 0
    invalid: int = 0
    detections: int = 0


class _Slot:
    """One sensor's latest reading and the watches its readings go to."""

    __slots__ = ("sensor", "seq", "stale", "ts", "value", "watches")

    def __init__(self, sensor: Sensor) -> None:
        self.sensor = sensor
        self.ts = _NEVER
        self.value = math.nan
        self.seq = 0
        self.watches: list[_Watch] = []
        self.stale: set[str] | None = None  # stale rules that fired and wait for data

    def evidence(self) -> ReadingEvidence:
        return ReadingEvidence(self.sensor.id, self.value, self.ts, self.seq)


@dataclass(slots=True)
class _Incident:
    id: str
    type_code: str
    lat: float
    lon: float
    district_code: str | None
    ts: int
    seq: int
    fired: bool = False


class _Watch:
    """Something a sensor's readings are handed to."""

    __slots__ = ()

    def reading(self, slot: _Slot, out: list[Detection]) -> None:
        raise NotImplementedError


# -- wording ---------------------------------------------------------------------------------


class _Wording:
    """Builds a rule's detections: severity, summaries in both languages, evidence."""

    def __init__(self, rule: AnyRule, city: City) -> None:
        self.rule = rule
        self.city = city

    def district(self, code: str | None) -> tuple[str, str]:
        if code is None:
            return "", ""
        try:
            district = self.city.district(code)
        except KeyError:
            return code, code
        return district.name, district.name_en

    def mount(self, sensor: Sensor) -> Facility | None:
        """The facility a sensor is mounted at, if the city knows it."""
        if sensor.facility_id is None:
            return None
        try:
            return self.city.facility(sensor.facility_id)
        except KeyError:
            return None

    def sensor_context(self, sensor: Sensor) -> tuple[dict[str, object], dict[str, object]]:
        info = sensor.kind.info
        district_ko, district_en = self.district(sensor.district_code)
        common: dict[str, object] = {"sensor_id": sensor.id, "unit": sensor.unit}
        ko = {**common, "name": sensor.name, "kind": info.name_ko, "district": district_ko}
        en = {**common, "name": sensor.name_en, "kind": info.name_en, "district": district_en}
        return ko, en

    def detection(
        self,
        *,
        ts: int,
        lat: float,
        lon: float,
        district_code: str | None,
        subject: str,
        ko: dict[str, object],
        en: dict[str, object],
        level: CrisisLevel | None = None,
        readings: Iterable[ReadingEvidence] = (),
        incidents: Iterable[_Incident] = (),
        facilities: Iterable[Facility] = (),
    ) -> Detection:
        produces = self.rule.produces
        readings = tuple(readings)
        incidents = tuple(incidents)
        seqs = {r.seq for r in readings if r.seq} | {i.seq for i in incidents}
        return Detection(
            rule_id=self.rule.id,
            rule_kind=RuleKind(self.rule.kind),
            incident_type=produces.incident_type,
            severity=produces.severity_for(level),
            ts_ms=ts,
            lat=lat,
            lon=lon,
            district_code=district_code,
            summary_ko=produces.summary_ko.format_map(ko),
            summary_en=produces.summary_en.format_map(en),
            subject=subject,
            level=level,
            readings=readings,
            event_seqs=tuple(sorted(seqs)),
            incident_ids=tuple(i.id for i in incidents),
            facility_ids=tuple(f.id for f in facilities),
        )

    def sensor_detection(
        self,
        slot: _Slot,
        readings: Iterable[ReadingEvidence],
        extra: Mapping[str, object],
        level: CrisisLevel | None = None,
        ts: int | None = None,
    ) -> Detection:
        sensor = slot.sensor
        ko, en = self.sensor_context(sensor)
        values: dict[str, object] = {"value": slot.value, **extra}
        if level is not None:
            ko["level"], en["level"] = level.name_ko, level.name_en
        return self.detection(
            ts=slot.ts if ts is None else ts,
            lat=sensor.lat,
            lon=sensor.lon,
            district_code=sensor.district_code,
            subject=sensor.id,
            ko={**ko, **values},
            en={**en, **values},
            level=level,
            readings=readings,
        )


# -- single-sensor rules ---------------------------------------------------------------------


class _ThresholdWatch(_Watch):
    """Crisis level of one sensor with hysteresis; reports each level once per episode."""

    __slots__ = ("level", "marks", "min_level", "reported", "sign", "steps", "wording")

    def __init__(self, wording: _Wording, rule: ThresholdRule, sensor: Sensor) -> None:
        self.wording = wording
        self.sign, steps = level_steps(sensor.kind, rule.direction, rule.levels, rule.hysteresis)
        self.steps = tuple((int(s.level), s.enter, s.strict, s.stay, s.stay_strict) for s in steps)
        self.marks = {int(s.level): s.enter * self.sign for s in steps}
        self.min_level = int(rule.min_level)
        self.level = 0
        self.reported = 0

    def reading(self, slot: _Slot, out: list[Detection]) -> None:
        x = slot.value * self.sign
        level = 0
        for step, enter, strict, _stay, _stay_strict in self.steps:
            if not (x > enter if strict else x >= enter):
                break
            level = step
        current = self.level
        if level < current:
            # Hysteresis: a level is kept until the value falls back past its stay mark.
            for step, _enter, _strict, stay, stay_strict in self.steps:
                if level < step <= current and (x > stay if stay_strict else x >= stay):
                    level = step
        self.level = level
        if level < self.min_level:
            self.reported = 0
        elif level > self.reported:
            self.reported = level
            crisis = CrisisLevel(level)
            out.append(
                self.wording.sensor_detection(
                    slot, (slot.evidence(),), {"threshold": self.marks[level]}, crisis
                )
            )


class _RateWatch(_Watch):
    """Change of one sensor's value over a sliding window (a monotonic deque of extremes)."""

    __slots__ = (
        "active",
        "bucket_ms",
        "change",
        "clear_at",
        "gate",
        "sign",
        "window",
        "window_ms",
        "wording",
    )

    def __init__(self, wording: _Wording, rule: RateRule, sensor: Sensor) -> None:
        self.wording = wording
        self.sign, self.change, self.clear_at = rate_change(rule)
        # A rise counts only where it matters: at the rule's crisis level or worse.
        self.gate: ValueTest | None = None
        if rule.min_level is not None:
            self.gate = level_test(sensor.kind, rule.direction, rule.min_level, 0.0)
        self.window_ms = round(rule.window_min * _MINUTE_MS)
        # A steady rise keeps every reading in a monotonic deque; keeping one low point per
        # bucket bounds it, at the cost of a bucket's blur at the window's old edge.
        self.bucket_ms = max(1, self.window_ms // _RATE_BUCKETS)
        # (ts, signed value, value, seq), signed values increasing from the oldest: the
        # front is the window's lowest point.
        self.window: deque[tuple[int, float, float, int]] = deque()
        self.active = False

    def reading(self, slot: _Slot, out: list[Detection]) -> None:
        ts = slot.ts
        x = slot.value * self.sign
        window = self.window
        while window and window[-1][1] >= x:
            window.pop()
        if not window or window[-1][0] // self.bucket_ms != ts // self.bucket_ms:
            window.append((ts, x, slot.value, slot.seq))
        horizon = ts - self.window_ms
        while window[0][0] < horizon:
            window.popleft()
        start = window[0]
        change = x - start[1]
        if self.active:
            if change < self.clear_at - _EPSILON:
                self.active = False
        elif change >= self.change - _EPSILON and (
            self.gate is None or self.gate.enters(slot.value)
        ):
            self.active = True
            first = ReadingEvidence(slot.sensor.id, start[2], start[0], start[3])
            extra = {
                "change": slot.value - start[2],
                "start_value": start[2],
                "window_min": self.window_ms / _MINUTE_MS,
            }
            out.append(self.wording.sensor_detection(slot, (first, slot.evidence()), extra))


class _DurationWatch(_Watch):
    """How long one sensor's value has stayed past a mark without a dip or a long silence."""

    __slots__ = (
        "duration_ms",
        "fired",
        "first",
        "gap_ms",
        "last",
        "pending",
        "since",
        "slot",
        "test",
        "wording",
    )

    def __init__(
        self, wording: _Wording, rule: DurationRule, slot: _Slot, pending: set[_DurationWatch]
    ) -> None:
        self.wording = wording
        test = value_test(rule, rule.hysteresis)
        assert test is not None
        self.test: ValueTest = test
        self.duration_ms = round(rule.minutes * _MINUTE_MS)
        self.gap_ms = round(rule.max_gap_min * _MINUTE_MS)
        self.slot = slot
        self.pending = pending  # the rule's runs that may still fire on a tick
        self.since: int | None = None
        self.last = _NEVER
        self.first: ReadingEvidence | None = None
        self.fired = False

    def reading(self, slot: _Slot, out: list[Detection]) -> None:
        ts = slot.ts
        value = slot.value
        if self.since is None:
            if not self.test.enters(value):
                return
            self.since, self.first = ts, slot.evidence()
        elif self.test.leaves(value):
            # A dip ends the run and the episode.
            self.since, self.first, self.fired = None, None, False
            self.pending.discard(self)
            return
        elif ts - self.last > self.gap_ms:
            # A long silence breaks the run; the episode goes on (it never cleared).
            self.since, self.first = ts, slot.evidence()
        self.last = ts
        if self.fired:
            return
        if ts - self.since >= self.duration_ms:
            self._fire(ts, out)
        else:
            self.pending.add(self)

    def tick(self, now: int, out: list[Detection]) -> None:
        if self.since is None or self.fired:
            self.pending.discard(self)
        elif now - self.since >= self.duration_ms and now - self.last <= self.gap_ms:
            self._fire(self.since + self.duration_ms, out)

    def _fire(self, ts: int, out: list[Detection]) -> None:
        self.fired = True
        self.pending.discard(self)
        assert self.first is not None and self.since is not None
        extra = {"threshold": self.test.mark, "minutes": self.duration_ms / _MINUTE_MS}
        last = self.slot.evidence()
        evidence = (self.first,) if self.first == last else (self.first, last)
        out.append(self.wording.sensor_detection(self.slot, evidence, extra, ts=ts))


# -- correlation -----------------------------------------------------------------------------


class _Hit:
    """A sensor's standing against one condition and its last passing reading."""

    __slots__ = ("active", "fired", "sensor", "seq", "ts", "value")

    def __init__(self, sensor: Sensor) -> None:
        self.sensor = sensor
        self.active = False
        self.fired = False  # anchors only: fired in the current episode
        self.ts = _NEVER
        self.value = math.nan
        self.seq = 0

    def evidence(self) -> ReadingEvidence:
        return ReadingEvidence(self.sensor.id, self.value, self.ts, self.seq)


def _position(sensor: Sensor) -> tuple[float, float]:
    return sensor.lat, sensor.lon


@dataclass
class _Matches:
    hits: list[_Hit] = field(default_factory=list)
    incidents: list[_Incident] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)


class _Part:
    """One condition of a complex event, compiled against the city."""

    def __init__(self, condition: Condition, radius_m: float, window_ms: int, city: City):
        self.condition = condition
        self.city = city
        self.radius = condition.within_m or radius_m
        self.window_ms = window_ms
        self.test = condition_test(condition)
        self.incident_type = condition.incident_type
        self.facility_kind = condition.facility_kind
        self.incidents: deque[_Incident] = deque()
        sensors = [s for s in city.sensors if self._watches(s)]
        self.hits = {s.id: _Hit(s) for s in sensors}
        self.grid = GridIndex(sensors, _position, cell_m=max(200.0, self.radius))

    def _watches(self, sensor: Sensor) -> bool:
        condition = self.condition
        if condition.sensor_kind is None or sensor.kind is not condition.sensor_kind:
            return False
        if condition.at_facility is None:
            return True
        try:
            return self.city.facility(sensor.facility_id or "").kind is condition.at_facility
        except KeyError:
            return False

    def hits_near(self, lat: float, lon: float, radius: float | None = None) -> tuple[_Hit, ...]:
        found = self.grid.within(lat, lon, self.radius if radius is None else radius)
        return tuple(self.hits[sensor.id] for sensor, _ in found)

    def facilities_near(self, lat: float, lon: float) -> tuple[Facility, ...]:
        found = self.city.facilities_within(lat, lon, self.radius, self.facility_kind)
        return tuple(facility for facility, _ in found)

    def add(self, incident: _Incident) -> None:
        self.incidents.append(incident)
        self.prune(incident.ts)

    def prune(self, now: int) -> None:
        horizon = now - self.window_ms
        while self.incidents and self.incidents[0].ts < horizon:
            self.incidents.popleft()

    def incidents_near(self, lat: float, lon: float, t: int, exclude: str) -> list[_Incident]:
        return [
            incident
            for incident in self.incidents
            if incident.id != exclude
            and abs(incident.ts - t) <= self.window_ms
            and haversine_m(lat, lon, incident.lat, incident.lon) <= self.radius
        ]


class _PartWatch(_Watch):
    """Keeps one sensor's standing against one condition and tells the rule of each pass."""

    __slots__ = ("hit", "owner", "part", "test")

    def __init__(self, owner: _Correlation, part: _Part, hit: _Hit) -> None:
        self.owner = owner
        self.part = part
        self.hit = hit
        assert part.test is not None
        self.test = part.test

    def reading(self, slot: _Slot, out: list[Detection]) -> None:
        hit = self.hit
        value = slot.value
        if hit.active:
            if self.test.leaves(value):
                hit.active = hit.fired = False
                return
        elif self.test.enters(value):
            hit.active = True
        else:
            return
        hit.ts, hit.value, hit.seq = slot.ts, value, slot.seq
        self.owner.on_hit(self.part, hit, out)


_Neighbours = tuple[_Hit, ...] | tuple[Facility, ...] | None


class _Correlation:
    """A complex event: the anchor and every near condition, within radius and window.

    The anchor's episode is the rule's: it fires once while the anchor holds (a sensor until
    it clears past its band, an incident for good), however the other conditions come and go.
    """

    def __init__(self, wording: _Wording, rule: CorrelationRule, city: City) -> None:
        self.wording = wording
        self.rule = rule
        self.window_ms = round(rule.window_min * _MINUTE_MS)
        self.anchor = _Part(rule.anchor, rule.radius_m, self.window_ms, city)
        self.near = [_Part(c, rule.radius_m, self.window_ms, city) for c in rule.near]
        # Sensor anchors: what each near condition can match around it, fixed at load time
        # (None: incidents, looked up when needed). Anchors that no sensor or facility of some
        # condition is near enough to complete can never fire, and drop out.
        self.neighbours: dict[str, tuple[_Neighbours, ...]] = {}
        for hit in self.anchor.hits.values():
            around = tuple(self._around(part, hit.sensor) for part in self.near)
            if all(n is None or n for n in around):
                self.neighbours[hit.sensor.id] = around
        # Reverse: for each near sensor, the anchors that have it as a neighbour.
        self.reverse: list[dict[str, list[_Hit]]] = [{} for _ in self.near]
        for anchor_id, around in self.neighbours.items():
            for index, found in enumerate(around):
                if self.near[index].hits and found:
                    for partner in found:
                        assert isinstance(partner, _Hit)
                        self.reverse[index].setdefault(partner.sensor.id, []).append(
                            self.anchor.hits[anchor_id]
                        )

    def _around(self, part: _Part, sensor: Sensor) -> _Neighbours:
        if part.incident_type is not None:
            return None
        if part.facility_kind is not None:
            return part.facilities_near(sensor.lat, sensor.lon)
        return tuple(h for h in part.hits_near(sensor.lat, sensor.lon) if h.sensor is not sensor)

    def watches(self) -> list[tuple[str, _Watch]]:
        """The watches to hand each sensor's readings to."""
        found: list[tuple[str, _Watch]] = [
            (sensor_id, _PartWatch(self, self.anchor, self.anchor.hits[sensor_id]))
            for sensor_id in self.neighbours
        ]
        for index, part in enumerate(self.near):
            for sensor_id, hit in part.hits.items():
                if sensor_id in self.reverse[index] or self.anchor.incident_type is not None:
                    found.append((sensor_id, _PartWatch(self, part, hit)))
        return found

    def incident_types(self) -> set[str]:
        """The incident types this rule listens for."""
        parts = [self.anchor, *self.near]
        return {p.incident_type for p in parts if p.incident_type is not None}

    # -- triggers ------------------------------------------------------------------------------

    def on_hit(self, part: _Part, hit: _Hit, out: list[Detection]) -> None:
        """A sensor passed its condition: try the anchors it could complete."""
        window = self.window_ms
        if part is self.anchor:
            if not hit.fired:
                self._try_sensor(hit, hit.ts, out)
            return
        index = self.near.index(part)
        for anchor in self.reverse[index].get(hit.sensor.id, ()):
            if anchor.active and not anchor.fired and abs(hit.ts - anchor.ts) <= window:
                self._try_sensor(anchor, hit.ts, out)
        sensor = hit.sensor
        for incident in self.anchor.incidents:
            if (
                not incident.fired
                and abs(hit.ts - incident.ts) <= window
                and haversine_m(incident.lat, incident.lon, sensor.lat, sensor.lon) <= part.radius
            ):
                self._try_incident(incident, hit.ts, out)

    def on_incident(self, incident: _Incident, out: list[Detection]) -> None:
        """An incident was reported: as an anchor, or completing anchors near it."""
        window = self.window_ms
        if incident.type_code == self.anchor.incident_type:
            self.anchor.add(incident)
            self._try_incident(incident, incident.ts, out)
        for part in self.near:
            if incident.type_code != part.incident_type:
                continue
            part.add(incident)
            for anchor in self.anchor.hits_near(incident.lat, incident.lon, part.radius):
                if anchor.active and not anchor.fired and abs(incident.ts - anchor.ts) <= window:
                    self._try_sensor(anchor, incident.ts, out)
            for other in self.anchor.incidents:
                if (
                    other is not incident
                    and not other.fired
                    and abs(incident.ts - other.ts) <= window
                ):
                    self._try_incident(other, incident.ts, out)

    def prune(self, now: int) -> None:
        """Forget incidents older than the window."""
        for part in (self.anchor, *self.near):
            part.prune(now)

    # -- evaluation ----------------------------------------------------------------------------

    def _match(
        self, part: _Part, around: _Neighbours, lat: float, lon: float, t: int, exclude: str
    ) -> _Matches:
        found = _Matches()
        if part.incident_type is not None:
            found.incidents = part.incidents_near(lat, lon, t, exclude)
        elif part.facility_kind is not None:
            facilities = around if around is not None else part.facilities_near(lat, lon)
            found.facilities = [f for f in facilities if isinstance(f, Facility)]
        else:
            hits = around if around is not None else part.hits_near(lat, lon)
            found.hits = [
                h
                for h in hits
                if isinstance(h, _Hit)
                and h.active
                and abs(h.ts - t) <= self.window_ms
                and h.sensor.id != exclude
            ]
        return found

    def _all(
        self, around: tuple[_Neighbours, ...], lat: float, lon: float, t: int, exclude: str
    ) -> list[_Matches] | None:
        found = []
        for part, near in zip(self.near, around, strict=True):
            matches = self._match(part, near, lat, lon, t, exclude)
            if not (matches.hits or matches.incidents or matches.facilities):
                return None
            found.append(matches)
        return found

    def _try_sensor(self, anchor: _Hit, t: int, out: list[Detection]) -> None:
        sensor = anchor.sensor
        around = self.neighbours.get(sensor.id)
        if around is None:
            return
        found = self._all(around, sensor.lat, sensor.lon, t, sensor.id)
        if found is None:
            return
        anchor.fired = True
        ko, en = self.wording.sensor_context(sensor)
        level = sensor.kind.info.level_for(anchor.value)
        ko.update(value=anchor.value, level=level.name_ko)
        en.update(value=anchor.value, level=level.name_en)
        out.append(
            self._detection(
                found,
                ts=max(t, anchor.ts),
                where=(sensor.lat, sensor.lon, sensor.district_code),
                subject=sensor.id,
                context=(ko, en),
                readings=(anchor.evidence(),),
                level=level,
            )
        )

    def _try_incident(self, anchor: _Incident, t: int, out: list[Detection]) -> None:
        around: tuple[_Neighbours, ...] = tuple(None for _ in self.near)
        found = self._all(around, anchor.lat, anchor.lon, t, anchor.id)
        if found is None:
            return
        anchor.fired = True
        entry = CATALOGUE.get(anchor.type_code)
        district_ko, district_en = self.wording.district(anchor.district_code)
        common: dict[str, object] = {"incident_id": anchor.id, "type": anchor.type_code}
        ko = {**common, "name": entry.name_ko if entry else anchor.type_code}
        en = {**common, "name": entry.name_en if entry else anchor.type_code}
        ko["district"], en["district"] = district_ko, district_en
        out.append(
            self._detection(
                found,
                ts=max(t, anchor.ts),
                where=(anchor.lat, anchor.lon, anchor.district_code),
                subject=anchor.id,
                context=(ko, en),
                incidents=(anchor,),
            )
        )

    def _detection(
        self,
        found: list[_Matches],
        *,
        ts: int,
        where: tuple[float, float, str | None],
        subject: str,
        context: tuple[dict[str, object], dict[str, object]],
        readings: tuple[ReadingEvidence, ...] = (),
        incidents: tuple[_Incident, ...] = (),
        level: CrisisLevel | None = None,
    ) -> Detection:
        lat, lon, district_code = where
        ko, en = context
        hits = [h for m in found for h in m.hits]
        partners = [i for m in found for i in m.incidents]
        # A sensor mounted at a facility stands for it (the car park, not its counter).
        mounts = [self.wording.mount(h.sensor) for h in hits]
        facilities = [f for m in found for f in m.facilities]
        facilities += [f for f in dict.fromkeys(mounts) if f is not None]
        names_ko = [f.name for f in facilities]
        names_en = [f.name_en for f in facilities]
        names_ko += [h.sensor.name for h, f in zip(hits, mounts, strict=True) if f is None]
        names_en += [h.sensor.name_en for h, f in zip(hits, mounts, strict=True) if f is None]
        for incident in partners:
            entry = CATALOGUE.get(incident.type_code)
            names_ko.append(f"{entry.name_ko if entry else incident.type_code} {incident.id}")
            names_en.append(f"{entry.name_en if entry else incident.type_code} {incident.id}")
        shared = {
            "count": len(names_ko),
            "radius_m": self.rule.radius_m,
            "window_min": self.rule.window_min,
        }
        return self.wording.detection(
            ts=ts,
            lat=lat,
            lon=lon,
            district_code=district_code,
            subject=subject,
            ko={**ko, **shared, "near": _listing(names_ko, "외 {}건")},
            en={**en, **shared, "near": _listing(names_en, "and {} more")},
            level=level,
            readings=readings + tuple(h.evidence() for h in hits),
            incidents=incidents + tuple(partners),
            facilities=facilities,
        )


def _listing(names: list[str], more: str) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += " " + more.format(len(names) - _NAMES_SHOWN)
    return shown


# -- the engine ------------------------------------------------------------------------------


class RuleEngine:
    """Runs rule definitions over one city's readings and incident reports.

    Rules may come from several files, but their ids must differ. Sensor ids a rule names must
    exist in the city (else :class:`RuleFileError` naming the rule's line); readings of sensors
    the city does not have are counted and passed over. A sensor never heard from counts as
    silent from the moment the engine was built.
    """

    def __init__(self, rules: Iterable[AnyRule], city: City, clock: Clock) -> None:
        """Compile the enabled rules against the city: watches per sensor, neighbours."""
        self.city = city
        self.clock = clock
        self.rules: tuple[AnyRule, ...] = tuple(rule for rule in rules if rule.enabled)
        self.stats = EngineStats()
        self._started = clock.now_ms()
        self._slots = {sensor.id: _Slot(sensor) for sensor in city.sensors}
        self._stale: list[tuple[_Wording, int, tuple[_Slot, ...]]] = []
        self._durations: list[set[_DurationWatch]] = []
        self._correlations: list[_Correlation] = []
        self._by_incident_type: dict[str, list[_Correlation]] = {}
        seen: dict[str, AnyRule] = {}
        for rule in self.rules:
            if rule.id in seen:
                first = seen[rule.id].origin
                raise RuleFileError(
                    rule.origin.path,
                    f"the id {rule.id!r} is also used in {first.path} (line {first.line})",
                    "Give every rule its own id across all rule files",
                    line=rule.line_of("id"),
                    key="id",
                    rule_id=rule.id,
                )
            seen[rule.id] = rule
            self._compile(rule)

    def _compile(self, rule: AnyRule) -> None:
        wording = _Wording(rule, self.city)
        if isinstance(rule, CorrelationRule):
            correlation = _Correlation(wording, rule, self.city)
            self._correlations.append(correlation)
            for sensor_id, watch in correlation.watches():
                self._slots[sensor_id].watches.append(watch)
            for type_code in correlation.incident_types():
                self._by_incident_type.setdefault(type_code, []).append(correlation)
            return
        slots = self._select(rule)
        if isinstance(rule, StaleRule):
            self._stale.append((wording, round(rule.minutes * _MINUTE_MS), slots))
            return
        pending: set[_DurationWatch] = set()
        if isinstance(rule, DurationRule):
            self._durations.append(pending)
        for slot in slots:
            slot.watches.append(self._watch(rule, wording, slot, pending))

    @staticmethod
    def _watch(
        rule: ThresholdRule | RateRule | DurationRule,
        wording: _Wording,
        slot: _Slot,
        pending: set[_DurationWatch],
    ) -> _Watch:
        try:
            if isinstance(rule, RateRule):
                return _RateWatch(wording, rule, slot.sensor)
            if isinstance(rule, DurationRule):
                return _DurationWatch(wording, rule, slot, pending)
            return _ThresholdWatch(wording, rule, slot.sensor)
        except ValueError as exc:
            raise RuleFileError(
                rule.origin.path,
                f"sensor {slot.sensor.id}: {exc}",
                "Choose sensors of a kind that has these levels, or set the direction",
                line=rule.line_of("sensors"),
                key="sensors",
                rule_id=rule.id,
            ) from None

    def _select(
        self, rule: ThresholdRule | RateRule | DurationRule | StaleRule
    ) -> tuple[_Slot, ...]:
        if not rule.sensors:
            kind = rule.sensor_kind
            return tuple(s for s in self._slots.values() if kind is None or s.sensor.kind is kind)
        chosen = []
        for sensor_id in rule.sensors:
            slot = self._slots.get(sensor_id)
            if slot is None:
                problem = f"there is no sensor {sensor_id!r} in the {self.city.profile} city"
            elif rule.sensor_kind is not None and slot.sensor.kind is not rule.sensor_kind:
                problem = f"sensor {sensor_id!r} is a {slot.sensor.kind.value} sensor"
            else:
                chosen.append(slot)
                continue
            raise RuleFileError(
                rule.origin.path,
                problem,
                "Use ids of the city's sensors (of sensor_kind, when given), or leave sensors out",
                line=rule.line_of("sensors"),
                key="sensors",
                rule_id=rule.id,
            )
        return tuple(chosen)

    # -- input ---------------------------------------------------------------------------------

    def feed(self, records: Iterable[EventRecord]) -> list[Detection]:
        """Judge a batch of records in order; returns the detections they caused, in order."""
        out: list[Detection] = []
        slots = self._slots
        stats = self.stats
        loads = json.loads
        isfinite = math.isfinite
        for record in records:
            kind = record.type
            if kind == _READING:
                stats.readings += 1
                try:
                    payload = loads(record.payload_json)
                    sensor_id = payload["sensor_id"]
                    value = float(payload["value"])
                except (ValueError, KeyError, TypeError):
                    stats.invalid += 1
                    continue
                slot = slots.get(sensor_id)
                if slot is None:
                    stats.unknown_sensors += 1
                    continue
                # Judged at the device's time: a reading that arrived late is not a fresh one.
                ts = payload.get("measured_ms") or record.ts_ms
                if ts < slot.ts:
                    if slot.ts - ts > LATE_TOLERANCE_MS:
                        stats.out_of_order += 1
                        continue
                    # A moment late (two routes, two clocks): judged, at the newest time.
                    ts = slot.ts
                if not isfinite(value):
                    stats.invalid += 1
                    continue
                slot.ts = ts
                slot.value = value
                slot.seq = record.seq
                if slot.stale is not None:
                    slot.stale = None  # data is back: the stale rules re-arm
                for watch in slot.watches:
                    watch.reading(slot, out)
            elif kind == _REPORTED:
                stats.incidents += 1
                self._incident(record, out)
        stats.detections += len(out)
        return out

    def _incident(self, record: EventRecord, out: list[Detection]) -> None:
        try:
            payload = record.payload
            correlations = self._by_incident_type.get(str(payload["type_code"]))
            if not correlations:
                return
            incident = _Incident(
                str(payload["incident_id"]),
                str(payload["type_code"]),
                float(payload["lat"]),
                float(payload["lon"]),
                payload.get("district_code"),
                record.ts_ms,
                record.seq,
            )
        except (ValueError, KeyError, TypeError):
            self.stats.invalid += 1
            return
        for correlation in correlations:
            # Each rule keeps its own record: one rule firing must not silence another.
            correlation.on_incident(replace(incident), out)

    def tick(self, now_ms: int | None = None) -> list[Detection]:
        """Run the time-driven rules (silence, duration) up to ``now_ms`` (default: the clock)."""
        now = self.clock.now_ms() if now_ms is None else now_ms
        out: list[Detection] = []
        for pending in self._durations:
            for watch in list(pending):
                watch.tick(now, out)
        for wording, limit, slots in self._stale:
            rule_id = wording.rule.id
            for slot in slots:
                if slot.stale is not None and rule_id in slot.stale:
                    continue
                last = slot.ts if slot.ts != _NEVER else self._started
                if now - last < limit:
                    continue
                if slot.stale is None:
                    slot.stale = set()
                slot.stale.add(rule_id)
                heard = slot.ts != _NEVER
                extra = {"minutes": limit / _MINUTE_MS, "silent_min": (now - last) // _MINUTE_MS}
                readings = (slot.evidence(),) if heard else ()
                out.append(wording.sensor_detection(slot, readings, extra, ts=last + limit))
        for correlation in self._correlations:
            correlation.prune(now)
        self.stats.detections += len(out)
        return out
