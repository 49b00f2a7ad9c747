"""The incident detail shows the evidence of the situation rules: for an incident the rules
raised or joined, each detection's rule, crisis level and time, the readings it used (sensor,
value with unit, time) and the other events it combined, without a click."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import QLabel

from core.clock import SystemClock
from core.commands import ReportIncident
from core.events import SensorReading
from core.rules import RuleEngine, default_rules
from core.rules.runner import RulesRunner
from panels.incident_detail.formatting import clock_time
from panels.incident_detail.situation import SituationSection
from tests.gui.conftest import Workstation, lite_city

RIVER = "SEN-RIVER_LEVEL-11010-001"  # 종로구 청계천 수위계 1: 관심 2.5 / 주의 3.5 / 경계 4.5 m


@contextmanager
def rules_running(ws: Workstation) -> Iterator[RulesRunner]:
    """The real situation rules over the workstation's log, from now on."""
    clock = SystemClock()
    runner = RulesRunner(
        ws.backend, lambda: RuleEngine(default_rules(), lite_city(), clock), clock
    )
    state = ws.context.store.state
    runner.start(state.last_seq, state.open_incident_places())
    try:
        yield runner
    finally:
        runner.stop()


def raise_the_river(ws: Workstation) -> int:
    """Readings that take the gauge from normal to 주의 within a minute; returns the time of
    the reading that crossed."""
    now = SystemClock().now_ms()
    readings = [(1.2, now - 40_000), (1.8, now - 30_000), (3.6, now - 20_000)]
    ws.backend.publish(
        [
            SensorReading(RIVER, value).to_new("test", f"sensor:{RIVER}", ts)
            for value, ts in readings
        ]
    ).result()
    return now - 20_000


def incidents_of_type(ws: Workstation, type_code: str) -> list[str]:
    return [i.id for i in ws.context.store.state.incidents.values() if i.type_code == type_code]


def plain(label: QLabel) -> str:
    return QTextDocumentFragment.fromHtml(label.text()).toPlainText()


def shown_text(section: SituationSection) -> str:
    """Everything the section shows, as an operator reads it."""
    return "\n".join(plain(label) for label in section.findChildren(QLabel) if label.isVisible())


def shown_rules(section: SituationSection) -> list[str]:
    return [b.detection.event.rule_id for b in section.blocks if b.detection.event is not None]


def test_a_flood_the_rules_raised_shows_the_rule_the_gauge_and_its_value(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    with rules_running(ws) as runner:
        crossed_ms = raise_the_river(ws)
        qtbot.waitUntil(lambda: len(incidents_of_type(ws, "D-FLOOD")) == 1, timeout=10_000)
        (flood,) = incidents_of_type(ws, "D-FLOOD")
        ws.context.selection.select_incident(flood)
        detail = ws.detail
        section = detail.situation
        # The level rule opened the flood; the rate rule about the same gauge joined it.
        qtbot.waitUntil(
            lambda: sorted(shown_rules(section)) == ["river-level", "river-rising-fast"],
            timeout=10_000,
        )
        assert runner.incidents == 1
    assert detail.situation_area.isVisible()
    level_block = next(
        b
        for b in section.blocks
        if b.detection.event and b.detection.event.rule_id == "river-level"
    )
    header = plain(level_block.header)
    assert "Caution" in header and "river-level" in header
    # When the log recorded the detection (never before its last event: the 112 report).
    record = level_block.detection.record
    assert record is not None and clock_time(record.ts_ms) in header
    text = shown_text(section)
    # The gauge by its name, id and kind from the city's registry, its value in its unit.
    assert "Jongno-gu Cheonggyecheon water level gauge 1" in text
    assert f"{RIVER} · River water level" in text
    assert "3.60 m" in text
    assert clock_time(crossed_ms) in text
    # The English summary of the detection, not the Korean one.
    assert "reached caution" in plain(level_block.summary)

    # An incident reported by 112, with no rule behind it, has no situation section.
    plain_fire = ws.report("F-FIRE")
    qtbot.waitUntil(lambda: plain_fire in ws.context.store.state.incidents)
    ws.context.selection.select_incident(plain_fire)
    qtbot.waitUntil(lambda: detail.timeline.topLevelItemCount() == 1)
    qtbot.waitUntil(lambda: not detail.situation_area.isVisible())
    assert section.blocks == []


def test_a_complex_event_lists_the_incidents_it_combined(qtbot, workstation: Workstation) -> None:
    ws = workstation
    lat, lon = lite_city().district("11230").centroid
    with rules_running(ws):
        fire = ws.backend.submit(
            ReportIncident("F-FIRE", lat, lon, "11230"), "agency:119"
        ).result()[0]
        parked = ws.backend.submit(
            ReportIncident("T-PARK", lat + 0.0003, lon, "11230"), "operator:lee"
        ).result()[0]
        qtbot.waitUntil(lambda: len(incidents_of_type(ws, "F-BLOCK")) == 1, timeout=10_000)
    (blocked,) = incidents_of_type(ws, "F-BLOCK")
    ws.context.selection.select_incident(blocked)
    section = ws.detail.situation
    qtbot.waitUntil(lambda: shown_rules(section) == ["fire-access-blocked"], timeout=10_000)
    (block,) = section.blocks
    used = plain(block.events)
    assert f"#{fire.seq} Reported {fire.subject} fire" in used
    assert f"#{parked.seq} Reported {parked.subject} illegal parking" in used
    # The fire it combined is one click away.
    block.events.linkActivated.emit(f"incident:{fire.subject}")
    assert ws.context.selection.incident_id == fire.subject
    qtbot.waitUntil(lambda: fire.subject in ws.detail.heading.text())
    qtbot.waitUntil(lambda: not ws.detail.situation_area.isVisible())


def test_the_evidence_reads_in_korean(qtbot, korean_workstation: Workstation) -> None:
    ws = korean_workstation
    with rules_running(ws):
        raise_the_river(ws)
        qtbot.waitUntil(lambda: len(incidents_of_type(ws, "D-FLOOD")) == 1, timeout=10_000)
        (flood,) = incidents_of_type(ws, "D-FLOOD")
        ws.context.selection.select_incident(flood)
        section = ws.detail.situation
        qtbot.waitUntil(lambda: "river-level" in shown_rules(section), timeout=10_000)
    level_block = next(
        b
        for b in section.blocks
        if b.detection.event and b.detection.event.rule_id == "river-level"
    )
    assert "주의" in plain(level_block.header)
    assert "주의 단계 도달" in plain(level_block.summary)
    text = shown_text(section)
    assert "종로구 청계천 수위계 1" in text
    assert f"{RIVER} · 하천 수위" in text
    assert "3.60 m" in text
