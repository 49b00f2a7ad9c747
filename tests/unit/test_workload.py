"""Workload figures from a hand-built event list: exact counts, medians and percentiles."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest

from core.events import EventRecord, canonical_json
from core.workload import (
    DAY_NIGHT,
    THREE_SHIFTS,
    RangeChoice,
    Shift,
    ShiftPlan,
    compute_workload,
    format_duration,
    percentile,
    range_for,
)

KST = timezone(timedelta(hours=9))
S = 1000
MIN = 60 * S


def kst(day: int, hour: int, minute: int = 0, second: int = 0) -> int:
    """UTC ms of a local (Asia/Seoul) time in January 2026."""
    return int(datetime(2026, 1, day, hour, minute, second, tzinfo=KST).timestamp() * 1000)


class Log:
    """Builds EventRecords in order, as the event log would store them."""

    def __init__(self) -> None:
        self.records: list[EventRecord] = []

    def add(
        self, ts: int, type_: str, actor: str, subject: str | None, **payload: Any
    ) -> EventRecord:
        record = EventRecord(
            len(self.records) + 1,
            ts,
            type_,
            "test",
            actor,
            subject,
            canonical_json(payload),
            b"",
            b"",
        )
        self.records.append(record)
        return record

    def report(self, ts: int, incident: str, type_code: str = "F-FIRE", **extra: Any) -> None:
        self.add(
            ts,
            "incident.reported",
            "agency:119",
            incident,
            incident_id=incident,
            type_code=type_code,
            severity=1,
            lat=37.5,
            lon=127.0,
            district_code="11230",
            **extra,
        )

    def step(self, ts: int, type_: str, actor: str, incident: str, **payload: Any) -> None:
        self.add(ts, type_, actor, incident, incident_id=incident, **payload)

    def view(self, ts: int, actor: str, incident: str, action: str = "open") -> None:
        self.add(
            ts,
            "camera.viewed",
            actor,
            "CAM-0001",
            camera_id="CAM-0001",
            purpose="incident",
            action=action,
            incident_id=incident,
        )


def shift_log() -> Log:
    """A night, a day and an evening of work (see the figures the tests expect)."""
    log = Log()
    # Night shift of 4 January (23:00-07:00): INC-0, acknowledged by park.
    log.report(kst(5, 5, 0), "INC-0")
    log.step(kst(5, 5, 1), "incident.acknowledged", "operator:park", "INC-0")
    # INC-1 reported before the day shift, with its procedure started.
    log.report(kst(5, 6, 50), "INC-1")
    log.step(
        kst(5, 6, 52),
        "procedure.started",
        "system:procedures",
        "INC-1",
        procedure_id="fire-blocked-access",
        version=1,
        digest="d",
        title_ko="화재",
        title_en="Fire",
        steps=["cameras", "still", "route"],
        mandatory=["cameras", "route"],
    )
    # Day shift of 5 January (07:00-15:00).
    log.step(kst(5, 7, 1), "incident.acknowledged", "operator:kim", "INC-1")  # 11 min
    log.view(kst(5, 7, 2), "operator:kim", "INC-1")  # first video: 12 min
    log.step(kst(5, 7, 3), "procedure.step_skipped", "operator:kim", "INC-1", step_id="cameras")
    log.step(kst(5, 7, 4), "procedure.step_skipped", "operator:kim", "INC-1", step_id="still")
    log.report(kst(5, 7, 10), "INC-2", "P-ASL")
    log.step(kst(5, 7, 10, 30), "incident.acknowledged", "operator:lee", "INC-2")  # 30 s
    log.view(kst(5, 7, 11), "operator:lee", "INC-1", action="close")  # not work, not video
    log.view(kst(5, 7, 12), "operator:kim", "INC-2")  # first video: 2 min
    log.step(kst(5, 7, 20), "incident.dispatched", "operator:kim", "INC-1", agencies=["119"])
    log.report(kst(5, 7, 30), "INC-3", "P-ASL")
    log.step(kst(5, 7, 31), "incident.acknowledged", "operator:lee", "INC-3")
    log.step(kst(5, 7, 35), "incident.merged", "operator:lee", "INC-3", into_id="INC-2")
    log.step(kst(5, 7, 40), "incident.note_added", "operator:kim", "INC-0", comment="ok")
    log.step(kst(5, 8, 0), "incident.escalated", "operator:lee", "INC-2", severity=1)
    log.add(kst(5, 8, 5), "packet.sent", "operator:lee", "PKT-1", incident_id="INC-2")  # 55 min
    log.view(kst(5, 8, 30), "operator:lee", "INC-1")  # a second view: work, not a first video
    log.step(kst(5, 9, 0), "incident.resolved", "operator:lee", "INC-2")
    log.add(kst(5, 9, 30), "sensor.reading", "sensor:W-1", "W-1", sensor_id="W-1", value=1.0)
    log.report(kst(5, 10, 0), "INC-4", "T-ACC")
    # Evening shift: INC-4 acknowledged only now.
    log.step(kst(5, 15, 30), "incident.acknowledged", "operator:park", "INC-4")  # 5 h 30 min
    return log


def test_the_day_shift_counts_each_operator_exactly() -> None:
    report = compute_workload(shift_log().records, kst(5, 7), kst(5, 15))
    assert list(report.operators) == ["operator:kim", "operator:lee"]
    kim = report.operators["operator:kim"]
    assert kim.handled == 3  # INC-1 and INC-2 worked, a note on INC-0 from the night
    assert kim.resolved == 0
    assert kim.to_acknowledge.values_ms == (11 * MIN,)
    assert kim.to_acknowledge.median_ms == kim.to_acknowledge.p90_ms == 11 * MIN
    assert kim.to_video.values_ms == (12 * MIN, 2 * MIN)
    assert kim.to_video.median_ms == 7 * MIN
    assert kim.to_video.p90_ms == 2 * MIN + 0.9 * 10 * MIN  # 11 min
    assert kim.to_packet.values_ms == (30 * MIN,)
    assert (kim.skipped, kim.skipped_mandatory, kim.skipped_known) == (2, 1, 2)
    assert kim.mandatory_share == 0.5
    assert kim.escalations == 0
    lee = report.operators["operator:lee"]
    # INC-2, and INC-1 by the second view; the merged duplicate INC-3 counts nowhere.
    assert lee.handled == 2
    assert lee.resolved == 1
    assert lee.to_acknowledge.values_ms == (30 * S,)
    assert lee.to_video.count == 0 and lee.to_video.median_ms is None
    assert lee.to_packet.values_ms == (55 * MIN,)  # packet.sent counts as the first packet
    assert lee.escalations == 1
    assert lee.skipped == 0 and lee.mandatory_share is None


def test_the_day_shift_total_and_its_reports() -> None:
    report = compute_workload(shift_log().records, kst(5, 7), kst(5, 15))
    total = report.total
    assert total.handled == 3  # INC-0, INC-1, INC-2
    assert total.to_acknowledge.median_ms == (11 * MIN + 30 * S) / 2
    assert total.to_acknowledge.p90_ms == 30 * S + 0.9 * (11 * MIN - 30 * S)
    assert total.to_packet.median_ms == (30 * MIN + 55 * MIN) / 2
    assert total.to_packet.p90_ms == 30 * MIN + 0.9 * 25 * MIN
    assert (total.skipped, total.escalations, total.resolved) == (2, 1, 1)
    # Reported in the shift: INC-2 and INC-4 (INC-3 was a duplicate). INC-4 waited past 15:00.
    assert (report.reported, report.unacknowledged, report.duplicates) == (2, 1, 1)
    assert len(report.shifts) == 1
    day = report.shifts[0]
    assert day.window.shift.key == "day"
    assert day.window.label("ko", THREE_SHIFTS.zone) == "2026-01-05 주간조 07:00–15:00"
    assert day.figures == total


def test_the_whole_log_splits_into_the_three_shifts() -> None:
    report = compute_workload(shift_log().records)
    assert [s.window.label("en", THREE_SHIFTS.zone) for s in report.shifts] == [
        "2026-01-04 night 23:00–07:00",
        "2026-01-05 day 07:00–15:00",
        "2026-01-05 evening 15:00–23:00",
    ]
    night, day, evening = report.shifts
    assert night.figures.handled == 1
    assert night.figures.to_acknowledge.values_ms == (1 * MIN,)
    # INC-0 and INC-1 reported at night; INC-1 was first acknowledged at 07:01, by the day.
    assert (night.reported, night.unacknowledged) == (2, 1)
    assert (day.reported, day.unacknowledged) == (2, 1)
    assert evening.figures.to_acknowledge.values_ms == (5 * 60 * MIN + 30 * MIN,)
    assert (evening.reported, evening.unacknowledged) == (0, 0)
    park = report.operators["operator:park"]
    assert park.handled == 2
    assert park.to_acknowledge.median_ms == (1 * MIN + 330 * MIN) / 2
    assert report.unacknowledged == 0  # INC-4 was acknowledged before the log's end


def test_an_incident_reported_before_the_range_has_its_times_counted_in_it() -> None:
    # Only the day's acknowledgement is in range; the report at 06:50 is before it.
    report = compute_workload(shift_log().records, kst(5, 7), kst(5, 7, 1, 1))
    assert report.operators["operator:kim"].to_acknowledge.values_ms == (11 * MIN,)
    assert report.reported == 0


def test_a_slice_without_the_report_counts_the_work_but_no_times() -> None:
    records = [r for r in shift_log().records if r.ts_ms >= kst(5, 7)]  # night events gone
    report = compute_workload(records, kst(5, 7), kst(5, 15))
    kim = report.operators["operator:kim"]
    assert kim.handled == 3
    assert kim.to_acknowledge.count == 0  # INC-1's report is not in the slice
    assert kim.to_video.values_ms == (2 * MIN,)
    # The procedure's start is not in the slice either: the skips' kind is unknown.
    assert (kim.skipped, kim.skipped_known, kim.mandatory_share) == (2, 0, None)


def test_a_step_recorded_twice_counts_once() -> None:
    log = shift_log()
    log.step(kst(5, 7, 5), "procedure.step_skipped", "operator:kim", "INC-1", step_id="cameras")
    report = compute_workload(log.records, kst(5, 7), kst(5, 15))
    assert report.operators["operator:kim"].skipped == 2


def test_day_and_night_plan_and_the_dashboard_ranges() -> None:
    window = DAY_NIGHT.window_at(kst(5, 8, 59))
    assert window.label("ko", DAY_NIGHT.zone) == "2026-01-04 야간조 18:00–09:00"
    assert (window.start_ms, window.end_ms) == (kst(4, 18), kst(5, 9))
    assert DAY_NIGHT.window_at(kst(5, 9)).shift.key == "day"
    now = kst(5, 16, 30)
    assert range_for(RangeChoice.THIS_SHIFT, now) == (kst(5, 15), now + 1)
    assert range_for(RangeChoice.LAST_24H, now) == (kst(4, 16, 30), now + 1)
    assert range_for(RangeChoice.LAST_7D, now)[0] == kst(5, 16, 30) - 7 * 24 * 60 * MIN
    assert len(THREE_SHIFTS.windows(kst(5, 7), kst(6, 7))) == 3
    with pytest.raises(ValueError, match="order"):
        ShiftPlan((Shift("b", "b", "b", time(15)), Shift("a", "a", "a", time(7))))


def test_percentiles_and_durations_are_exact() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7], 0.9) == 7
    assert percentile([40, 10, 30, 20], 0.5) == 25
    assert percentile([10, 20, 30, 40], 0.9) == pytest.approx(37)
    assert [format_duration(v) for v in (None, 42_000, 185_000, 7_620_000)] == [
        "—",
        "42s",
        "3m 05s",
        "2h 07m",
    ]
