"""The shift hand-over report: what is open at an instant, procedure state, notes, figures, and
an HTML page that shows user text as text."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from core.clock import FakeClock
from core.errors import ForeignLogError
from core.eventlog import EventLog
from core.events import NewEvent
from core.handover import (
    HandoverReport,
    handover_from_log,
    handover_html_cli,
    outgoing_shift,
    parse_at,
    render_html,
)
from core.model import IncidentStatus
from core.sop.library import ProcedureLibrary
from core.sop.progress import TimerLevel
from core.workload import read_work_events

KST = timezone(timedelta(hours=9))
MIN = 60_000

PROCEDURE = """\
id = "handover-test"
version = 1
title_ko = "화재 대응"
title_en = "Fire response"
service = "fire_dispatch"
incident_types = ["F-FIRE"]

[[timer]]
id = "first-video"
label_ko = "첫 영상"
label_en = "First video"
target_s = 60
stop = ["camera.viewed"]

[[timer]]
id = "acknowledged"
label_ko = "접수 확인"
label_en = "Acknowledged"
target_s = 120
stop = ["incident.acknowledged"]

[[step]]
id = "look"
title_ko = "현장 확인"
title_en = "See the scene"
mandatory = true
due_s = 60

[[step]]
id = "route"
title_ko = "경로 확인"
title_en = "Check the route"
due_s = 120

[[step]]
id = "packet"
title_ko = "119 전파"
title_en = "Packet to 119"
"""

SUMMARY = "<script>alert('x')</script> & 화재"
NOTE = 'Smoke <b>thick</b> & "spreading"\nsecond line'
ASSIGNEE = "<img src=x onerror=alert(1)>"


def kst(hour: int, minute: int = 0, second: int = 0) -> int:
    """UTC ms of a local time on 5 January 2026 (Asia/Seoul)."""
    moment = datetime(2026, 1, 5, hour, minute, second, tzinfo=KST)
    return int(moment.timestamp() * 1000)


AT = kst(14, 50)


class Writer:
    """Appends events to a real log with chosen timestamps."""

    def __init__(self, path: Path) -> None:
        self.log = EventLog.open(path, FakeClock(kst(0)))

    def add(self, ts: int, type_: str, actor: str, subject: str, **payload: Any) -> None:
        self.log.append([NewEvent(type_, "test", actor, payload, subject, ts)])  # type: ignore[arg-type]

    def report(
        self, ts: int, incident: str, type_code: str, severity: int, summary: str = ""
    ) -> None:
        self.add(
            ts,
            "incident.reported",
            "agency:119",
            incident,
            incident_id=incident,
            type_code=type_code,
            severity=severity,
            lat=37.5,
            lon=127.0,
            district_code="11230",
            summary=summary,
        )

    def on(self, ts: int, type_: str, actor: str, incident: str, **payload: Any) -> None:
        self.add(ts, type_, actor, incident, incident_id=incident, **payload)

    def procedure(self, ts: int, incident: str, version: int) -> None:
        self.on(
            ts,
            "procedure.started",
            "system:procedures",
            incident,
            procedure_id="handover-test",
            version=version,
            digest="not-the-file",
            title_ko="화재 대응",
            title_en="Fire response",
            steps=["look", "route", "packet"],
            mandatory=["look"],
        )


@pytest.fixture
def library(tmp_path: Path) -> ProcedureLibrary:
    folder = tmp_path / "sop"
    folder.mkdir()
    (folder / "handover-test.toml").write_text(PROCEDURE, encoding="utf-8")
    library = ProcedureLibrary([folder])
    assert library.load().loaded == 1
    return library


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "events.db"
    w = Writer(path)
    w.report(kst(14, 0), "INC-1", "F-FIRE", 1, SUMMARY)
    w.procedure(kst(14, 0, 10), "INC-1", version=1)
    w.on(kst(14, 1), "incident.acknowledged", "operator:kim", "INC-1")
    w.on(kst(14, 2), "incident.assigned", "operator:kim", "INC-1", assignee="operator:kim")
    w.on(kst(14, 3), "procedure.step_done", "operator:kim", "INC-1", step_id="look")
    w.on(kst(14, 5), "incident.note_added", "operator:kim", "INC-1", comment="첫 메모")
    w.on(kst(14, 10), "incident.note_added", "operator:lee", "INC-1", comment=NOTE)
    w.report(kst(14, 20), "INC-2", "T-ACC", 2)
    w.procedure(kst(14, 20, 5), "INC-2", version=2)  # a version this installation lacks
    w.on(kst(14, 21), "incident.acknowledged", "operator:lee", "INC-2")
    w.on(kst(14, 22), "incident.assigned", "operator:lee", "INC-2", assignee=ASSIGNEE)
    w.report(kst(14, 30), "INC-3", "T-PARK", 3)
    w.on(kst(14, 32), "incident.acknowledged", "operator:lee", "INC-3")
    w.on(kst(14, 40), "incident.resolved", "operator:lee", "INC-3")
    w.report(kst(14, 31), "INC-4", "F-FIRE", 1)
    w.on(kst(14, 33), "incident.merged", "operator:kim", "INC-4", into_id="INC-1")
    w.report(kst(14, 45), "INC-5", "E-BIN", 4)
    w.add(kst(14, 46), "sensor.reading", "sensor:W-1", "W-1", sensor_id="W-1", value=2.5)
    w.report(kst(14, 55), "INC-6", "F-FIRE", 1)  # after the report's instant
    w.log.close()
    return path


@pytest.fixture
def report(db: Path, library: ProcedureLibrary) -> HandoverReport:
    return handover_from_log(db, AT, library)


def test_the_open_incidents_at_the_instant_most_severe_first(report: HandoverReport) -> None:
    assert [i.id for i in report.incidents] == ["INC-1", "INC-2", "INC-5"]
    fire, crash, bin_ = report.incidents
    assert fire.status is IncidentStatus.ASSIGNED
    assert fire.assignee == "operator:kim"
    assert fire.age_ms == 50 * MIN
    assert fire.type_name("ko") == "화재" and fire.type_name("en") == "fire"
    assert fire.last_note is not None
    assert (fire.last_note.actor, fire.last_note.text) == ("operator:lee", NOTE)
    assert crash.severity == 2 and crash.assignee == ASSIGNEE
    assert bin_.procedure is None and bin_.last_note is None and bin_.assignee is None


def test_the_procedure_shows_its_current_and_overdue_steps_and_timers(
    report: HandoverReport,
) -> None:
    line = report.incidents[0].procedure
    assert line is not None and line.available
    assert line.current == ("경로 확인", "Check the route")
    assert line.overdue == (("경로 확인", "Check the route"),)
    assert (line.steps_settled, line.steps_total) == (1, 3)
    first_video, acknowledged = line.timers
    assert (first_video.level, first_video.elapsed_ms) == (TimerLevel.OVER, 50 * MIN)
    assert (acknowledged.level, acknowledged.elapsed_ms) == (TimerLevel.MET, 1 * MIN)
    missing = report.incidents[1].procedure
    assert missing is not None and not missing.available and missing.version == 2


def test_the_figures_are_the_outgoing_shifts(report: HandoverReport) -> None:
    assert report.shift.label("en", report.plan.zone) == "2026-01-05 day 07:00–15:00"
    workload = report.workload
    assert (workload.start_ms, workload.end_ms) == (kst(7), AT + 1)
    assert workload.operators["operator:kim"].to_acknowledge.values_ms == (1 * MIN,)
    assert workload.operators["operator:lee"].to_acknowledge.values_ms == (1 * MIN, 2 * MIN)
    assert workload.operators["operator:lee"].resolved == 1
    assert (workload.reported, workload.unacknowledged, workload.duplicates) == (4, 1, 1)


def test_a_report_just_after_the_change_covers_the_shift_that_ended() -> None:
    assert outgoing_shift(kst(15, 10)).shift.key == "day"
    assert outgoing_shift(kst(15, 31)).shift.key == "evening"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_page_in_english_escapes_every_user_text(report: HandoverReport) -> None:
    page = render_html(report, "en", prepared_by="operator:<kim>")
    assert "Shift hand-over report" in page
    assert "2026-01-05 day 07:00–15:00" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; 화재" in page
    assert "Smoke &lt;b&gt;thick&lt;/b&gt; &amp; &quot;spreading&quot;<br>second line" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "operator:&lt;kim&gt;" in page
    assert "procedure version not available" in page
    assert "Check the route" in page and "First video 50m 00s/1m 00s" in page
    parser = _Tags()
    parser.feed(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "span"}
    allowed |= {"table", "thead", "tbody", "tr", "th", "td", "b", "br"}
    assert parser.tags <= allowed  # nothing a note or summary said became markup
    text = "".join(parser.text)
    assert SUMMARY in text and "<img src=x onerror=alert(1)>" in text


def test_the_page_in_korean(report: HandoverReport) -> None:
    page = render_html(report, "ko")
    assert "근무 인수인계 보고서" in page
    assert "2026-01-05 주간조 07:00–15:00" in page
    assert "미결 사건 (3)" in page
    assert "절차 버전을 사용할 수 없음" in page
    assert "현재 단계:</span> 경로 확인" in page
    assert "쓰레기통 만적" in page  # E-BIN by its catalogue name
    assert "대응 절차 없음" in page and "메모 없음" in page


def test_the_command_line_writes_the_page(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "handover.html"
    assert handover_html_cli(db, out, "en", at_ms=AT) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "INC-1" in page and "INC-6" not in page
    assert handover_html_cli(db, tmp_path / "missing" / "x.html", "en", at_ms=AT) == 1


def test_the_log_is_read_without_readings_and_up_to_the_instant(db: Path, tmp_path: Path) -> None:
    records = read_work_events(db, until_ms=AT)
    assert [r.seq for r in records] == sorted(r.seq for r in records)
    assert "sensor.reading" not in {r.type for r in records}
    assert max(r.ts_ms for r in records) <= AT
    assert "INC-6" not in {r.subject for r in records}
    assert len(read_work_events(db)) == len(records) + 1  # INC-6's report
    other = tmp_path / "other.db"
    foreign = sqlite3.connect(other)
    foreign.execute("CREATE TABLE t (x)")
    foreign.commit()
    foreign.close()
    with pytest.raises(ForeignLogError, match=r"other\.db"):
        read_work_events(other)


def test_the_instant_without_an_offset_is_seoul_time() -> None:
    assert parse_at("2026-01-05T14:50") == AT
    assert parse_at("2026-01-05T05:50:00Z") == AT
    assert parse_at("2026-01-05 14:50:00+09:00") == AT
    with pytest.raises(ValueError):
        parse_at("yesterday")
