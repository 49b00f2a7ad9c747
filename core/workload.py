"""Operator workload: how many incidents each operator and each shift worked, and how fast.

Every figure comes from the event log alone, and every measurement is attributed to the actor
of the event that ends it, in the shift (local time) in which that event happened:

- *handled*: distinct incidents on which the operator (the shift) did at least one piece of
  work (``WORK_TYPES``) inside the range;
- *time to acknowledge*: report → the incident's first ``incident.acknowledged``;
- *time to first video*: report → the first ``camera.viewed`` (action "open") naming the
  incident;
- *time to first packet*: report → the first ``incident.dispatched`` or ``packet.sent`` about
  the incident, whichever came first;
- *steps skipped*: ``procedure.step_skipped`` events, and how many of those steps the running
  procedure's ``procedure.started`` listed as mandatory (unknown when that start is not among
  the events given);
- *escalations*: ``incident.escalated`` events; *resolved*: ``incident.resolved`` events.

A time is counted in a range when its ending event lies in the range, even if the incident was
reported before it (the report is looked up in the events before the range). Each time is the
incident's *first* such event, so an incident adds at most one time of each kind, ever.
Incidents merged into another (duplicates) count nowhere. Medians and 90th percentiles
interpolate linearly between the nearest ranks (numpy's default, ``statistics.quantiles``'
"inclusive" method).
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.eventlog import EVENT_COLUMNS, read_only_connection, record_from_row
from core.events import EventRecord, EventType

ET = EventType
# A packet to an agency leaving the room; the dispatch module will log it under this type.
PACKET_SENT = "packet.sent"

WORK_TYPES: frozenset[str] = frozenset(
    {
        ET.INCIDENT_ACKNOWLEDGED,
        ET.INCIDENT_ASSIGNED,
        ET.INCIDENT_STARTED,
        ET.INCIDENT_DISPATCHED,
        ET.INCIDENT_RESOLVED,
        ET.INCIDENT_CLOSED,
        ET.INCIDENT_ESCALATED,
        ET.INCIDENT_REOPENED,
        ET.INCIDENT_NOTE_ADDED,
        ET.CAMERA_VIEWED,  # only "open" views naming an incident
        ET.EVIDENCE_CAPTURED,
        ET.PROCEDURE_STEP_DONE,
        ET.PROCEDURE_STEP_SKIPPED,
        ET.PROCEDURE_TIMER_STARTED,
        PACKET_SENT,
    }
)
"""Event types that count as an operator working an incident."""

RELEVANT_TYPES: frozenset[str] = WORK_TYPES | {
    ET.INCIDENT_REPORTED,
    ET.INCIDENT_MERGED,
    ET.INCIDENT_LINKED,
    ET.INCIDENT_OBSERVED,
    ET.PROCEDURE_STARTED,
}
"""Event types the workload figures look at (others are passed over)."""

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


# -- shifts -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Shift:
    """One shift of the daily plan, starting at ``start`` local time and running until the
    next shift of the plan starts."""

    key: str
    name_ko: str
    name_en: str
    start: time

    def name(self, language: str) -> str:
        """The shift's name in ``language`` ("ko" or "en")."""
        return self.name_ko if language == "ko" else self.name_en


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == "Asia/Seoul":  # no time-zone database (Windows without tzdata)
            return timezone(timedelta(hours=9), "KST")
        raise


@dataclass(frozen=True, slots=True)
class ShiftWindow:
    """One shift on one day: ``start_ms <= t < end_ms``; ``day`` is the local date it starts."""

    shift: Shift
    day: date
    start_ms: int
    end_ms: int

    def label(self, language: str, zone: tzinfo) -> str:
        """E.g. "2026-01-01 주간조 07:00–15:00"."""
        start = datetime.fromtimestamp(self.start_ms / 1000, zone)
        end = datetime.fromtimestamp(self.end_ms / 1000, zone)
        return f"{self.day.isoformat()} {self.shift.name(language)} {start:%H:%M}–{end:%H:%M}"

    def contains(self, ts_ms: int) -> bool:
        """True when ``ts_ms`` falls in this shift."""
        return self.start_ms <= ts_ms < self.end_ms


@dataclass(frozen=True, slots=True)
class ShiftPlan:
    """The room's daily shifts in a time zone (shifts sorted by start time)."""

    shifts: tuple[Shift, ...]
    timezone: str = "Asia/Seoul"

    def __post_init__(self) -> None:
        if not self.shifts:
            raise ValueError("a shift plan needs at least one shift")
        starts = [s.start for s in self.shifts]
        if starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("shifts must be given in order of their start time, each unique")

    @property
    def zone(self) -> tzinfo:
        """The plan's time zone."""
        return _zone(self.timezone)

    def window_at(self, ts_ms: int) -> ShiftWindow:
        """The shift on duty at ``ts_ms``."""
        zone = self.zone
        local_day = datetime.fromtimestamp(ts_ms / 1000, zone).date()
        starts = list(self._starts(local_day - timedelta(days=1), local_day + timedelta(days=1)))
        for (shift, day, start), (_, _, end) in pairwise(starts):
            if start <= ts_ms < end:
                return ShiftWindow(shift, day, start, end)
        raise AssertionError("unreachable: two days of shifts cover every instant")

    def windows(self, start_ms: int, end_ms: int) -> list[ShiftWindow]:
        """Every shift that overlaps ``start_ms <= t < end_ms``, in order."""
        if end_ms <= start_ms:
            return []
        found: list[ShiftWindow] = []
        window = self.window_at(start_ms)
        while window.start_ms < end_ms:
            found.append(window)
            window = self.window_at(window.end_ms)
        return found

    def _starts(self, first: date, last: date) -> Iterator[tuple[Shift, date, int]]:
        zone = self.zone
        day = first
        while day <= last + timedelta(days=1):
            for shift in self.shifts:
                local = datetime.combine(day, shift.start, zone)
                yield shift, day, int(local.timestamp() * 1000)
            day += timedelta(days=1)


THREE_SHIFTS = ShiftPlan(
    (
        Shift("day", "주간조", "day", time(7)),
        Shift("evening", "오후조", "evening", time(15)),
        Shift("night", "야간조", "night", time(23)),
    )
)
"""The Korean control room's three shifts: 07–15, 15–23, 23–07 (Asia/Seoul)."""

DAY_NIGHT = ShiftPlan(
    (Shift("day", "주간조", "day", time(9)), Shift("night", "야간조", "night", time(18)))
)
"""Day and night shifts: 09–18, 18–09 (Asia/Seoul)."""

DEFAULT_PLAN = THREE_SHIFTS


class RangeChoice(StrEnum):
    """The ranges the dashboard offers."""

    THIS_SHIFT = "this_shift"
    LAST_24H = "last_24h"
    LAST_7D = "last_7d"


def range_for(choice: RangeChoice, now_ms: int, plan: ShiftPlan = DEFAULT_PLAN) -> tuple[int, int]:
    """``(start_ms, end_ms)`` of a dashboard range ending at ``now_ms`` (end exclusive)."""
    end = now_ms + 1  # an event stamped exactly now is in range
    if choice is RangeChoice.THIS_SHIFT:
        return plan.window_at(now_ms).start_ms, end
    if choice is RangeChoice.LAST_24H:
        return now_ms - DAY_MS, end
    return now_ms - 7 * DAY_MS, end


# -- figures ------------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-quantile (0..1) of ``values`` by linear interpolation between the nearest
    ranks; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Durations:
    """A set of measured times: how many, their median and 90th percentile (ms)."""

    values_ms: tuple[int, ...] = ()

    @property
    def count(self) -> int:
        """How many times were measured."""
        return len(self.values_ms)

    @property
    def median_ms(self) -> float | None:
        """The median, None when nothing was measured."""
        return percentile(self.values_ms, 0.5)

    @property
    def p90_ms(self) -> float | None:
        """The 90th percentile, None when nothing was measured."""
        return percentile(self.values_ms, 0.9)


@dataclass(frozen=True, slots=True)
class WorkFigures:
    """The figures of one operator, one shift, or the whole range."""

    handled: int = 0
    resolved: int = 0
    to_acknowledge: Durations = field(default_factory=Durations)
    to_video: Durations = field(default_factory=Durations)
    to_packet: Durations = field(default_factory=Durations)
    skipped: int = 0
    skipped_mandatory: int = 0
    skipped_known: int = 0  # skips whose procedure's mandatory list is known
    escalations: int = 0

    @property
    def mandatory_share(self) -> float | None:
        """Share of the skips (of those whose procedure is known) that were mandatory steps."""
        return self.skipped_mandatory / self.skipped_known if self.skipped_known else None


@dataclass(frozen=True, slots=True)
class ShiftFigures:
    """One shift's figures, plus the incidents reported in it and how many of those nobody
    had acknowledged by the time it ended (or the range ended, if sooner)."""

    window: ShiftWindow
    figures: WorkFigures
    reported: int
    unacknowledged: int


@dataclass(frozen=True, slots=True)
class WorkloadReport:
    """Workload over ``start_ms <= t < end_ms`` by operator, by shift, and in total."""

    start_ms: int
    end_ms: int
    plan: ShiftPlan
    operators: dict[str, WorkFigures]
    shifts: tuple[ShiftFigures, ...]
    total: WorkFigures
    reported: int
    unacknowledged: int  # reported in the range, not acknowledged by its end (not merged)
    duplicates: int  # incidents left out as merged into another


class _Kind(StrEnum):
    WORK = "work"
    ACK = "ack"
    VIDEO = "video"
    PACKET = "packet"
    SKIP = "skip"
    ESCALATION = "escalation"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class _Fact:
    kind: _Kind
    incident_id: str
    actor: str
    ts_ms: int
    value: int | None = None  # a duration in ms; for a skip 1/0 mandatory, None unknown


def incident_of(record: EventRecord) -> str | None:
    """The incident an event is about, if any (camera views name it in their payload)."""
    if record.type == ET.CAMERA_VIEWED or record.type == PACKET_SENT:
        payload = record.payload
        if record.type == ET.CAMERA_VIEWED and payload.get("action", "open") != "open":
            return None
        value = payload.get("incident_id")
        if value is None and record.type == PACKET_SENT:
            value = record.subject
        return str(value) if value else None
    return record.subject


class _Collector:
    """One pass over the events, remembering what each incident needs."""

    def __init__(self) -> None:
        self.reported: dict[str, int] = {}
        self.merged: set[str] = set()
        self.facts: list[_Fact] = []
        self.acknowledged: dict[str, int] = {}
        self._first: dict[tuple[_Kind, str], int] = {}
        self._mandatory: dict[str, frozenset[str]] = {}
        self._recorded: dict[str, set[str]] = defaultdict(set)
        self.first_ts: int | None = None
        self.last_ts: int | None = None

    def add(self, record: EventRecord) -> None:
        type_ = record.type
        if type_ not in RELEVANT_TYPES:
            return
        if self.first_ts is None:
            self.first_ts = record.ts_ms
        self.last_ts = record.ts_ms
        incident = incident_of(record)
        if incident is None:
            return
        if type_ == ET.INCIDENT_REPORTED:
            self.reported.setdefault(incident, record.ts_ms)
            return
        if type_ == ET.INCIDENT_MERGED:
            self.merged.add(incident)
            return
        if type_ == ET.PROCEDURE_STARTED:
            self._mandatory[incident] = frozenset(record.payload.get("mandatory", ()))
            self._recorded[incident] = set()
            return
        if type_ not in WORK_TYPES:
            return
        actor, ts = record.actor, record.ts_ms
        self.facts.append(_Fact(_Kind.WORK, incident, actor, ts))
        if type_ == ET.INCIDENT_ACKNOWLEDGED:
            self.acknowledged.setdefault(incident, ts)
            self._first_time(_Kind.ACK, incident, actor, ts)
        elif type_ == ET.CAMERA_VIEWED:
            self._first_time(_Kind.VIDEO, incident, actor, ts)
        elif type_ in (ET.INCIDENT_DISPATCHED, PACKET_SENT):
            self._first_time(_Kind.PACKET, incident, actor, ts)
        elif type_ == ET.INCIDENT_ESCALATED:
            self.facts.append(_Fact(_Kind.ESCALATION, incident, actor, ts))
        elif type_ == ET.INCIDENT_RESOLVED:
            self.facts.append(_Fact(_Kind.RESOLVED, incident, actor, ts))
        elif type_ in (ET.PROCEDURE_STEP_DONE, ET.PROCEDURE_STEP_SKIPPED):
            self._step(record, incident)

    def _first_time(self, kind: _Kind, incident: str, actor: str, ts: int) -> None:
        if (kind, incident) in self._first:
            return
        self._first[kind, incident] = ts
        reported = self.reported.get(incident)
        value = max(0, ts - reported) if reported is not None else None
        self.facts.append(_Fact(kind, incident, actor, ts, value))

    def _step(self, record: EventRecord, incident: str) -> None:
        step_id = str(record.payload.get("step_id", ""))
        recorded = self._recorded[incident]
        if step_id in recorded:
            return  # the run already has this step (as the fold keeps the first record)
        recorded.add(step_id)
        if record.type != ET.PROCEDURE_STEP_SKIPPED:
            return
        mandatory = self._mandatory.get(incident)
        value = None if mandatory is None else int(step_id in mandatory)
        self.facts.append(_Fact(_Kind.SKIP, incident, record.actor, record.ts_ms, value))


def _figures(facts: Iterable[_Fact]) -> WorkFigures:
    handled: set[str] = set()
    times: dict[_Kind, list[int]] = {_Kind.ACK: [], _Kind.VIDEO: [], _Kind.PACKET: []}
    counts: dict[_Kind, int] = defaultdict(int)
    skipped_known = skipped_mandatory = 0
    for fact in facts:
        if fact.kind is _Kind.WORK:
            handled.add(fact.incident_id)
        elif fact.kind in times:
            if fact.value is not None:
                times[fact.kind].append(fact.value)
        else:
            counts[fact.kind] += 1
            if fact.kind is _Kind.SKIP and fact.value is not None:
                skipped_known += 1
                skipped_mandatory += fact.value
    return WorkFigures(
        handled=len(handled),
        resolved=counts[_Kind.RESOLVED],
        to_acknowledge=Durations(tuple(times[_Kind.ACK])),
        to_video=Durations(tuple(times[_Kind.VIDEO])),
        to_packet=Durations(tuple(times[_Kind.PACKET])),
        skipped=counts[_Kind.SKIP],
        skipped_mandatory=skipped_mandatory,
        skipped_known=skipped_known,
        escalations=counts[_Kind.ESCALATION],
    )


def compute_workload(
    events: Iterable[EventRecord],
    start_ms: int | None = None,
    end_ms: int | None = None,
    plan: ShiftPlan = DEFAULT_PLAN,
) -> WorkloadReport:
    """Workload over ``start_ms <= t < end_ms`` from ``events`` in log order.

    Give the whole log (or everything up to the range's end): events before the range tell
    when incidents were reported and which procedure they run, events after it which ones
    turned out to be duplicates. A bound left out is the first (last) event's time.
    """
    collector = _Collector()
    for record in events:
        collector.add(record)
    first = collector.first_ts if collector.first_ts is not None else 0
    last = collector.last_ts if collector.last_ts is not None else first
    start = start_ms if start_ms is not None else first
    end = end_ms if end_ms is not None else last + 1
    merged = collector.merged
    facts = [f for f in collector.facts if start <= f.ts_ms < end and f.incident_id not in merged]
    by_operator: dict[str, list[_Fact]] = defaultdict(list)
    for fact in facts:
        by_operator[fact.actor].append(fact)
    operators = {actor: _figures(found) for actor, found in sorted(by_operator.items())}
    counted = {k: v for k, v in collector.reported.items() if k not in merged}
    shifts = []
    for window in plan.windows(start, end):
        low, high = max(start, window.start_ms), min(end, window.end_ms)
        reported, waiting = _reported(counted, collector.acknowledged, low, high)
        shifts.append(
            ShiftFigures(
                window,
                _figures(f for f in facts if low <= f.ts_ms < high),
                reported,
                waiting,
            )
        )
    reported, waiting = _reported(counted, collector.acknowledged, start, end)
    duplicates = sum(1 for i in collector.reported if i in merged)
    return WorkloadReport(
        start, end, plan, operators, tuple(shifts), _figures(facts), reported, waiting, duplicates
    )


def _reported(
    reported: dict[str, int], acknowledged: dict[str, int], low: int, high: int
) -> tuple[int, int]:
    """How many incidents were reported in ``low <= t < high``, and how many of them had no
    acknowledgement before ``high``."""
    inside = [i for i, ts in reported.items() if low <= ts < high]
    waiting = sum(1 for i in inside if acknowledged.get(i, high) >= high)
    return len(inside), waiting


# -- reading a log ------------------------------------------------------------------------------


def read_work_events(
    path: str | os.PathLike[str], until_ms: int | None = None
) -> list[EventRecord]:
    """Every event but sensor readings (what workload and hand-over fold) from the log at
    ``path``, up to ``until_ms`` inclusive, in log order.

    Read-only through connections of its own, so it never waits for the writer and is safe on
    any thread. Raises the log's ``LogOpenError`` (naming the file and the fix) for a missing,
    foreign or damaged file.
    """
    # The filter runs inside SQLite: a week's log is mostly readings, and building a Python
    # record for each only to drop it costs twenty times more than the query.
    with read_only_connection(path) as db:
        rows = db.execute(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE type != ? AND ts_ms <= ? ORDER BY seq",
            (ET.SENSOR_READING.value, until_ms if until_ms is not None else 1 << 62),
        ).fetchall()
    return [record_from_row(row) for row in rows]


def format_duration(ms: float | None) -> str:
    """Compact duration for reports: "—", "42s", "3m 05s", "2h 07m"."""
    if ms is None:
        return "—"
    s = round(ms / 1000)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def local_time(ts_ms: int, zone: tzinfo, with_date: bool = True) -> str:
    """``ts_ms`` in the plan's local time: "2026-01-01 15:04" (or "15:04")."""
    moment = datetime.fromtimestamp(ts_ms / 1000, UTC).astimezone(zone)
    return f"{moment:%Y-%m-%d %H:%M}" if with_date else f"{moment:%H:%M}"
