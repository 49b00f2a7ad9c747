"""The incident detail lists the incident's packets to agencies: one line each with the agency,
the format, the state in its colour with its time, and the tries and last error while it
retries or after it failed; it follows the log live and hides when there are none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextDocumentFragment

from core.clock import SystemClock
from core.dispatch.agencies import Registry
from core.events import PacketAcknowledged, PacketSent
from panels.incident_detail.packets import STATE_COLOURS, PacketsSection
from panels.outbox.panel import OutboxPanel
from tests.agency_server import queue_packets, write_registry
from tests.gui.conftest import Workstation
from tests.gui.test_outbox_panel import POLICE, a_mix, queue, record, report
from ui.dispatch import DispatchService


def lines(section: PacketsSection) -> list[str]:
    """What each line says, as an operator reads it."""
    return [QTextDocumentFragment.fromHtml(label.text()).toPlainText() for label in section.lines]


def test_each_packet_shows_its_agency_format_state_and_time(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    section = ws.detail.packets
    mix = a_mix(ws)
    quiet = ws.report("P-ROB")
    qtbot.waitUntil(lambda: quiet in ws.context.store.state.incidents)
    ws.context.selection.select_incident(quiet)
    assert section.isHidden()  # no packet: no section
    ws.context.selection.select_incident(mix["fire"])
    assert section.isVisible()
    acked, retrying, refused = lines(section)  # in the order they were queued
    assert acked.startswith(f"● {POLICE} · EDXL · acknowledged ")
    assert acked.endswith("(+00:45 after sending)")
    assert retrying.startswith("● ndms · EDXL · retrying ")
    assert "3 tries · next at " in retrying and retrying.endswith("HTTP 503: busy")
    assert refused.startswith("● fire-119 · CAP · failed ")
    assert refused.endswith("refused by the agency: HTTP 400: no area")
    assert section.title.text() == "Packets to agencies (3)"
    assert STATE_COLOURS["acknowledged"] in section.lines[0].text()
    assert STATE_COLOURS["failed"] in section.lines[2].text()
    # Under the facts, above the rules' evidence and the timeline.
    layout = ws.detail.layout()
    assert layout.indexOf(section) < layout.indexOf(ws.detail.situation_area)
    assert layout.indexOf(section) < layout.indexOf(ws.detail.timeline)
    ws.context.selection.select_incident(mix["drill"])
    (exercise,) = lines(section)
    assert exercise.startswith(f"● {POLICE} · EDXL · Exercise · queued ")
    assert section.title.text() == "Packets to agencies"


def test_the_lines_follow_the_delivery_live(qtbot, workstation: Workstation) -> None:
    ws = workstation
    section = ws.detail.packets
    now = SystemClock().now_ms()
    incident = report(ws, "F-FIRE", now - 60_000)
    ws.context.selection.select_incident(incident)
    assert section.isHidden()
    packet = queue(ws, incident, "fire-119", ts_ms=now - 50_000)
    qtbot.waitUntil(lambda: section.isVisible())
    assert " · queued " in lines(section)[0]
    record(ws, PacketSent(incident, packet, "fire-119", detail="HTTP 202"), ts_ms=now - 40_000)
    qtbot.waitUntil(lambda: " · sent " in lines(section)[0])
    record(ws, PacketAcknowledged(incident, packet, "fire-119", ack_id="A1"), ts_ms=now - 9_000)
    qtbot.waitUntil(lambda: "acknowledged" in lines(section)[0])
    assert lines(section)[0].endswith("(+00:31 after sending)")
    second = queue(ws, incident, POLICE)
    qtbot.waitUntil(lambda: len(section.lines) == 2)
    assert second in section.lines[1].toolTip()
    assert section.earlier.isHidden()
    # Many packets: the newest few, and where the others are.
    newest = [queue(ws, incident, POLICE, rendered=False) for _ in range(6)][-1]
    qtbot.waitUntil(lambda: section.title.text() == "Packets to agencies (8)")
    assert len(section.lines) == 6 and newest in section.lines[-1].toolTip()
    assert section.earlier.isVisible()
    assert section.earlier.text() == "2 earlier packets are in the outbox."


def test_agencies_are_named_in_korean(
    qtbot, korean_workstation: Workstation, tmp_path: Path
) -> None:
    ws = korean_workstation
    registry = Registry.load(write_registry(tmp_path, "http://127.0.0.1:9/packets"))
    service = DispatchService(ws.context.invoker, ws.context.notices, path=registry.path)
    service.registry = registry  # the registry read, no delivery worker in this window
    service.problem = ""
    own, ws.context.dispatch = ws.context.dispatch, service
    service.changed.emit()
    incident = ws.report("P-ASL")
    queue(ws, incident, POLICE)
    ws.context.selection.select_incident(incident)
    section = ws.detail.packets
    qtbot.waitUntil(lambda: section.isVisible())
    assert lines(section)[0].startswith("● 112종합상황실 · EDXL · ")
    outbox = ws.window.panels["outbox"]
    assert isinstance(outbox, OutboxPanel)
    qtbot.waitUntil(lambda: outbox.proxy.rowCount() == 1)
    assert outbox.proxy.index(0, 2).data() == "112종합상황실"
    ws.context.dispatch = own


def test_the_timeline_names_a_queued_packet_without_reading_its_body(
    qtbot, workstation: Workstation
) -> None:  # type: ignore[no-untyped-def]
    from core.events import EventType

    ws = workstation
    fire = ws.report("F-FIRE")
    calls: list[object] = []
    real = ws.backend.incident_events

    def watched(incident_id: str, types: object = None) -> object:
        calls.append(types)
        return real(incident_id, types)  # type: ignore[arg-type]

    ws.backend.incident_events = watched  # type: ignore[method-assign]
    try:
        ids = queue_packets(ws.backend, fire, 1)
        qtbot.waitUntil(lambda: ws.context.store.state.packets_of(fire) != [])
        ws.context.selection.select_incident(fire, origin="test")

        def queued_line() -> list[str]:
            timeline = ws.detail.timeline
            rows = (timeline.topLevelItem(i) for i in range(timeline.topLevelItemCount()))
            return [r.text(3) for r in rows if r.text(1) == "Packet queued"]

        qtbot.waitUntil(lambda: len(queued_line()) == 1)
        assert ids[0] in queued_line()[0]
        assert calls and all(
            t is not None and EventType.PACKET_QUEUED.value not in t
            for t in calls  # type: ignore[operator]
        )
    finally:
        ws.backend.incident_events = real  # type: ignore[method-assign]
