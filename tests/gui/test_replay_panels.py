"""The incident queue, the incident detail, the procedure and the outbox in replay: over a real
log, each shows the city as it was at the replay instant (statuses, ages, steps, packets), a
seek backwards drops what was not reported yet, the commands are off with a reason, and
leaving the replay brings the live city and the commands back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget

from core.clock import SystemClock
from core.commands import Acknowledge, MarkTimeline, ReportIncident, Resolve
from core.events import (
    EventRecord,
    PacketAcknowledged,
    PacketAttemptFailed,
    PacketDelivered,
    PacketSent,
)
from core.replay.session import ReplaySession
from core.sop.commands import CompleteStep
from core.sop.progress import StepStatus
from core.sop.starter import start_command
from core.state import CityState
from panels.incident_detail.formatting import clock_time
from panels.incidents.actions import ACTIONS
from panels.incidents.model import Column as QueueColumn
from panels.outbox.model import Column as OutboxColumn
from panels.outbox.panel import OutboxPanel
from panels.procedure.lookup import Showing
from panels.procedure.panel import ProcedurePanel
from tests.gui.conftest import Workstation, lite_city
from tests.gui.test_incident_queue import cell as queue_cell
from tests.gui.test_incident_queue import shown_ids
from tests.gui.test_outbox_panel import POLICE, queue, record
from tests.gui.test_outbox_panel import cell as outbox_cell
from ui.theme import apply_dark_theme

REPLAY_TIP = "Replay shows the past: press F8 to go back to live to act."
FIRE_SOP = "fire-blocked-access"
ACTION = {a.key: a for a in ACTIONS}


@dataclass(frozen=True)
class Story:
    """What happened, and the instants to replay: ``before`` the first report, ``reported``
    (the fire is new, its checklist untouched), ``acknowledged`` (the fire acknowledged, a
    step done, its packet retrying, the assault acknowledged) and ``later`` (a second step
    done, the packet delivered, the assault resolved). Live, one more step is done and the
    packet acknowledged."""

    fire: str
    assault: str
    packet: str
    t0: int
    before: int
    reported: int
    acknowledged: int
    later: int


def tell(qtbot, ws: Workstation) -> Story:  # type: ignore[no-untyped-def]
    """Write the story into the log, back-dated an hour (the log's times only move forward,
    so it is told in order), then the live part; wait until the live store has it all."""
    qtbot.waitUntil(lambda: ws.context.procedures.loaded, timeout=10_000)
    loaded = ws.context.procedures.library.get(FIRE_SOP)
    assert loaded is not None
    t0 = SystemClock().now_ms() - 3_600_000
    submit = ws.backend.submit
    fire = _report(ws, "F-FIRE", t0)
    submit(start_command(fire, loaded), "system:procedures", t0 + 5_000).result()
    assault = _report(ws, "P-ASL", t0 + 100_000)
    submit(Acknowledge(assault), "operator:lee", t0 + 110_000).result()
    submit(Acknowledge(fire, "smoke on CAM-3"), ws.context.actor, t0 + 120_000).result()
    submit(CompleteStep(fire, "cameras"), ws.context.actor, t0 + 150_000).result()
    packet = queue(ws, fire, ts_ms=t0 + 170_000)
    ids = (fire, packet, POLICE)
    failed = PacketAttemptFailed(*ids, attempt=1, reason="HTTP 503", retry_at_ms=t0 + 240_000)
    record(ws, failed, ts_ms=t0 + 180_000)
    record(ws, PacketSent(*ids, transport="http", detail="HTTP 202"), ts_ms=t0 + 250_000)
    record(ws, PacketDelivered(*ids, receipt="police-112-0042"), ts_ms=t0 + 251_000)
    submit(CompleteStep(fire, "still"), ws.context.actor, t0 + 260_000).result()
    submit(Resolve(assault, "arrested"), "operator:lee", t0 + 300_000).result()
    # Live: now.
    submit(CompleteStep(fire, "route"), ws.context.actor).result()
    record(ws, PacketAcknowledged(*ids, ack_id="ACK-1"))
    incidents = ws.context.store.state.incidents
    qtbot.waitUntil(
        lambda: (
            fire in incidents
            and incidents[fire].procedure is not None
            and "route" in incidents[fire].procedure.records
            and ws.context.store.state.packets.packets[packet].acknowledged_ms is not None
        )
    )
    return Story(
        fire,
        assault,
        packet,
        t0,
        before=t0 - 10_000,
        reported=t0 + 60_000,
        acknowledged=t0 + 200_000,
        later=t0 + 400_000,
    )


def _report(ws: Workstation, type_code: str, ts_ms: int) -> str:
    lat, lon = lite_city().district("11230").centroid
    command = ReportIncident(type_code, lat, lon, "11230")
    return str(ws.backend.submit(command, "agency:112", ts_ms).result()[0].subject)


def state_at(ws: Workstation, ts_ms: int) -> CityState:
    """The city at ``ts_ms``, as the replay controller would seek to it."""
    session = ReplaySession(ws.backend.location)
    try:
        return session.state_at(ts_ms)
    finally:
        session.close()


def replay_at(ws: Workstation, ts_ms: int) -> None:
    """Enter the replay at ``ts_ms``, or seek there when already replaying."""
    view = ws.context.view
    if view.is_replay:
        view.replace(state_at(ws, ts_ms), ts_ms)
    else:
        view.enter_replay(state_at(ws, ts_ms), ts_ms)


def play(ws: Workstation, until_ms: int) -> None:
    """Play from the instant shown to ``until_ms`` in one step, as the controller does."""
    view = ws.context.view
    session = ReplaySession(ws.backend.location)
    try:
        records = session.read_forward(view.state.last_seq, until_ms, 10_000)
    finally:
        session.close()
    view.advance(records, until_ms)


def procedure(ws: Workstation) -> ProcedurePanel:
    panel = ws.window.panels["procedure"]
    assert isinstance(panel, ProcedurePanel)
    return panel


def outbox(ws: Workstation) -> OutboxPanel:
    panel = ws.window.panels["outbox"]
    assert isinstance(panel, OutboxPanel)
    return panel


def timeline(ws: Workstation) -> list[tuple[str, str, str, str]]:
    tree = ws.detail.timeline
    items = [tree.topLevelItem(n) for n in range(tree.topLevelItemCount())]
    return [(i.text(0), i.text(1), i.text(2), i.text(3)) for i in items]


def events_of(ws: Workstation, incident_id: str) -> list[EventRecord]:
    return ws.backend.incident_events(incident_id).result()


def enabled_actions(ws: Workstation) -> set[str]:
    return {key for key, action in ws.queue.actions_by_key.items() if action.isEnabled()}


# -- the incident queue -----------------------------------------------------------------------


def test_the_queue_shows_statuses_and_ages_at_the_instant(qtbot, workstation: Workstation) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    queue_panel = ws.queue
    queue_panel.status_filter.setCurrentIndex(queue_panel.status_filter.findData(None))
    qtbot.waitUntil(lambda: {story.fire, story.assault} <= set(shown_ids(ws)))
    assert queue_cell(ws, story.assault, QueueColumn.STATUS) == "resolved"
    assert queue_panel.replay_mark.isHidden()

    replay_at(ws, story.reported)
    assert shown_ids(ws) == [story.fire]  # the assault was reported later
    assert queue_cell(ws, story.fire, QueueColumn.STATUS) == "new"
    assert queue_cell(ws, story.fire, QueueColumn.AGE) == "1m 00s"  # from the instant
    assert queue_panel.replay_mark.isVisible()
    assert clock_time(story.reported) in queue_panel.replay_mark.text()
    assert "1 critical not acknowledged" in queue_panel.count_label.text()

    replay_at(ws, story.acknowledged)
    assert shown_ids(ws) == [story.fire, story.assault]  # the most severe first
    assert queue_cell(ws, story.fire, QueueColumn.STATUS) == "acknowledged"
    assert queue_cell(ws, story.fire, QueueColumn.AGE) == "3m 20s"
    assert queue_cell(ws, story.assault, QueueColumn.STATUS) == "acknowledged"
    assert queue_cell(ws, story.assault, QueueColumn.AGE) == "1m 40s"
    assert "critical" not in queue_panel.count_label.text()

    # Playing on: the assault is resolved at +300 s, the ages follow the instant.
    play(ws, story.later)
    assert queue_cell(ws, story.assault, QueueColumn.STATUS) == "resolved"
    # Repainted at once, or by the second's tick when a repaint was just done.
    qtbot.waitUntil(lambda: queue_cell(ws, story.fire, QueueColumn.AGE) == "6m 40s")

    # A seek back before the first report: nothing was reported yet.
    replay_at(ws, story.before)
    assert shown_ids(ws) == []
    assert "0 shown of 0" in queue_panel.count_label.text()

    ws.context.view.leave_replay()
    assert set(shown_ids(ws)) == {story.fire, story.assault}
    assert queue_cell(ws, story.assault, QueueColumn.STATUS) == "resolved"
    assert queue_cell(ws, story.fire, QueueColumn.AGE).startswith("1h 0")
    assert queue_panel.replay_mark.isHidden()


def test_the_queue_commands_are_off_in_replay_and_back_live(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    queue_panel = ws.queue
    qtbot.waitUntil(lambda: story.fire in shown_ids(ws))
    assert queue_panel.select_incident(story.fire)
    assert "escalate" in enabled_actions(ws)

    replay_at(ws, story.reported)
    assert queue_panel.selected_incidents()[0].id == story.fire  # kept across the seek
    assert enabled_actions(ws) == set()
    for action in queue_panel.actions_by_key.values():
        assert action.toolTip() == REPLAY_TIP
    before = len(events_of(ws, story.fire))
    queue_panel.run_action(ACTION["escalate"], {"comment": "from the past"})
    assert queue_panel.banner.text() == REPLAY_TIP
    assert len(events_of(ws, story.fire)) == before  # nothing was sent

    ws.context.view.leave_replay()
    assert {"escalate", "note"} <= enabled_actions(ws)
    assert queue_panel.actions_by_key["escalate"].toolTip() == "Escalate (E)"
    queue_panel.run_action(ACTION["escalate"], {"comment": "now"})
    qtbot.waitUntil(lambda: ws.context.store.state.incidents[story.fire].escalations == 1)


# -- the incident detail ----------------------------------------------------------------------


def test_the_detail_shows_the_incident_and_its_timeline_at_the_instant(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    # Marks made about the fire (recorded now, about instants of the story).
    ws.backend.submit(
        MarkTimeline(story.t0 + 130_000, "smoke seen on CAM-3", incident_id=story.fire),
        "operator:kim",
    ).result()
    ws.backend.submit(
        MarkTimeline(story.t0 + 280_000, "crew on scene", True, story.fire), "operator:lee"
    ).result()
    qtbot.waitUntil(lambda: len(ws.context.store.state.bookmarks) == 2)
    detail = ws.detail
    ws.context.selection.select_incident(story.fire)
    qtbot.waitUntil(lambda: any(line[1] == "Annotation" for line in timeline(ws)))
    live_lines = timeline(ws)

    replay_at(ws, story.acknowledged)
    qtbot.waitUntil(lambda: timeline(ws) != live_lines and len(timeline(ws)) > 0)
    assert detail.fields["status"].text() == "acknowledged"
    assert detail.replay_mark.isVisible()
    names = [line[1] for line in timeline(ws)]
    assert names == [
        "Reported",
        "Procedure",
        "Acknowledged",
        "Bookmark",
        "Step done",
        "Packet queued",
        "Packet attempt failed",
    ]
    bookmark = timeline(ws)[3]
    assert bookmark == (
        clock_time(story.t0 + 130_000),
        "Bookmark",
        "operator:kim",
        "smoke seen on CAM-3",
    )
    # Its packet as it stood: retrying, not yet sent.
    (line,) = [label.text() for label in detail.packets.lines]
    assert "retrying" in line and "1 tries" in line

    replay_at(ws, story.later)
    qtbot.waitUntil(lambda: "Packet delivered" in [line[1] for line in timeline(ws)])
    annotation = next(line for line in timeline(ws) if line[1] == "Annotation")
    assert annotation[2:] == ("operator:lee", "crew on scene")
    assert annotation[0] == clock_time(story.t0 + 280_000)
    assert "Packet acknowledged" not in [line[1] for line in timeline(ws)]

    # Before the report: the incident did not exist yet, and says so.
    replay_at(ws, story.before)
    qtbot.waitUntil(lambda: timeline(ws) == [])
    expected = f"{story.fire} was not reported yet at {clock_time(story.before)}."
    assert detail.heading.text() == expected
    assert detail.fields["status"].text() == ""
    # Playing on to after the report brings it back.
    play(ws, story.reported)
    qtbot.waitUntil(lambda: [line[1] for line in timeline(ws)] == ["Reported", "Procedure"])
    assert detail.fields["status"].text() == "new"
    assert detail.heading.text().startswith(story.fire)
    assert ws.queue.selected_incidents()[0].id == story.fire  # the queue selects it again

    ws.context.view.leave_replay()
    qtbot.waitUntil(lambda: timeline(ws) == live_lines)
    assert detail.replay_mark.isHidden()
    assert detail.fields["status"].text() == "acknowledged"


def test_a_mark_made_during_the_replay_shows_in_the_detail(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    ws.context.selection.select_incident(story.fire)
    replay_at(ws, story.acknowledged)
    qtbot.waitUntil(lambda: len(timeline(ws)) == 6)
    # Annotating the instant shown is allowed in replay: it records, it changes nothing.
    ws.backend.submit(
        MarkTimeline(story.acknowledged, "packet retry looked slow", True, story.fire),
        ws.context.actor,
    ).result()
    qtbot.waitUntil(lambda: len(timeline(ws)) == 7)
    assert timeline(ws)[-1][1:] == ("Annotation", ws.context.actor, "packet retry looked slow")
    assert ws.detail.fields["status"].text() == "acknowledged"  # still the past
    ws.context.view.leave_replay()


# -- the procedure ----------------------------------------------------------------------------


def test_the_procedure_shows_the_steps_done_at_the_instant(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    panel = procedure(ws)
    ws.context.selection.select_incident(story.fire)
    ws.window.docks["procedure"].raise_()
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.READY and panel.isVisible())
    assert "3 of" in panel.meta.text()

    def status(step: str) -> StepStatus:
        return panel.rows[step].view.status

    replay_at(ws, story.reported)
    assert status("cameras") is StepStatus.CURRENT and "0 of" in panel.meta.text()
    # The golden time of the first video runs from the report to the instant shown.
    assert panel.chips[0].text().endswith("First video 01:00 / 01:00")
    assert not panel.header.replay_mark.isHidden()
    assert clock_time(story.reported) in panel.header.replay_mark.text()

    replay_at(ws, story.acknowledged)
    assert status("cameras") is StepStatus.DONE and status("still") is StepStatus.CURRENT
    assert "1 of" in panel.meta.text()

    replay_at(ws, story.later)
    assert status("still") is StepStatus.DONE and status("route") is StepStatus.CURRENT
    assert "2 of" in panel.meta.text()

    replay_at(ws, story.before)
    assert panel.lookup.showing is Showing.NO_INCIDENT
    assert panel.message.text() == (
        f"{story.fire} was not reported yet at {clock_time(story.before)}."
    )
    play(ws, story.reported)
    assert panel.lookup.showing is Showing.READY and status("cameras") is StepStatus.CURRENT

    ws.context.view.leave_replay()
    assert status("route") is StepStatus.DONE and "3 of" in panel.meta.text()
    assert panel.header.replay_mark.isHidden()


def test_the_procedure_cannot_be_worked_in_replay(qtbot, workstation: Workstation) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    panel = procedure(ws)
    ws.context.selection.select_incident(story.fire)
    qtbot.waitUntil(lambda: panel.lookup.showing is Showing.READY)

    replay_at(ws, story.acknowledged)
    still = panel.rows["still"]
    assert still.buttons and not any(b.isEnabled() for b in still.buttons.values())
    assert still.buttons["done"].toolTip() == REPLAY_TIP
    assert not panel.start_button.isEnabled()
    assert panel.start_button.toolTip() == REPLAY_TIP
    before = len(events_of(ws, story.fire))
    assert not panel.complete("still")
    panel.skip("still")
    panel.setFocus()
    qtbot.keyClick(panel, Qt.Key.Key_Return)
    assert panel.banner.text() == REPLAY_TIP
    assert panel.open_start_dialog() is None
    assert len(events_of(ws, story.fire)) == before  # nothing was sent

    ws.context.view.leave_replay()
    current = panel.rows["access-blocked"]  # the question after "route", done live
    assert current.view.status is StepStatus.CURRENT
    assert all(b.isEnabled() for b in current.buttons.values())
    assert current.buttons["answer:no"].toolTip() == ""
    assert panel.start_button.isEnabled()
    assert panel.complete("access-blocked", "no")
    qtbot.waitUntil(lambda: panel.rows["access-blocked"].view.status is StepStatus.DONE)


# -- the outbox -------------------------------------------------------------------------------


def test_the_outbox_shows_each_packet_as_it_stood(qtbot, workstation: Workstation) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    panel = outbox(ws)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1)
    assert outbox_cell(panel, story.packet, OutboxColumn.STATE) == "acknowledged"

    replay_at(ws, story.reported)
    assert panel.proxy.rowCount() == 0
    assert "No packet has been queued" in panel.empty.text()
    assert panel.header.plain.startswith(f"Replay {clock_time(story.reported)}")
    assert "0 in all" in panel.header.plain

    replay_at(ws, story.acknowledged)
    assert outbox_cell(panel, story.packet, OutboxColumn.STATE) == "retrying"
    details = str(outbox_cell(panel, story.packet, OutboxColumn.DETAILS))
    assert details.startswith("next try in 40s")  # from the instant, not the wall clock
    assert "1 retrying" in panel.header.plain and "1 in all" in panel.header.plain
    assert "Delivery worker" not in panel.header.plain  # live-only

    play(ws, story.t0 + 230_000)
    # Repainted at once, or by the second's tick when a repaint was just done.
    qtbot.waitUntil(
        lambda: str(outbox_cell(panel, story.packet, OutboxColumn.DETAILS)).startswith(
            "next try in 10s"
        )
    )

    replay_at(ws, story.later)
    assert outbox_cell(panel, story.packet, OutboxColumn.STATE) == "delivered"

    ws.context.view.leave_replay()
    assert outbox_cell(panel, story.packet, OutboxColumn.STATE) == "acknowledged"
    assert not panel.header.plain.startswith("Replay")


def test_retry_and_cancel_are_off_in_replay(qtbot, workstation: Workstation) -> None:
    ws = workstation
    story = tell(qtbot, ws)
    panel = outbox(ws)
    replay_at(ws, story.acknowledged)
    assert panel.select_packet(story.packet)
    assert panel.selected_packet() is not None and panel.selected_packet().pending
    for action in (panel.retry_action, panel.cancel_action):
        assert not action.isEnabled() and action.toolTip() == REPLAY_TIP
    assert panel.show_action.isEnabled()  # looking at what was sent stays possible
    assert panel.open_cancel_dialog() is None
    assert panel.banner.text() == REPLAY_TIP

    ws.context.view.leave_replay()
    assert panel.retry_action.toolTip() == "Retry now (R)"
    assert panel.cancel_dialog is None


# -- how it looks -----------------------------------------------------------------------------


def test_a_screenshot_of_the_queue_detail_and_procedure_in_replay(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    screenshot = tmp_path / "replay-panels.png"
    story = tell(qtbot, ws)
    ws.backend.submit(
        MarkTimeline(story.t0 + 130_000, "smoke seen on CAM-3", incident_id=story.fire),
        "operator:kim",
    ).result()
    qtbot.waitUntil(lambda: len(ws.context.store.state.bookmarks) == 1)
    window = ws.window
    with dark_theme():
        window.resize(1600, 900)
        # The procedure beside the detail rather than behind it, to see all three at once.
        queue_dock = window.docks["incidents"]
        detail_dock, procedure_dock = window.docks["incident_detail"], window.docks["procedure"]
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, procedure_dock)
        window.splitDockWidget(detail_dock, procedure_dock, Qt.Orientation.Horizontal)
        for dock in window.findChildren(QDockWidget):
            if dock not in (queue_dock, detail_dock, procedure_dock):
                dock.hide()
        window.resizeDocks(
            [queue_dock, detail_dock, procedure_dock], [520, 500, 580], Qt.Orientation.Horizontal
        )
        ws.queue.status_filter.setCurrentIndex(ws.queue.status_filter.findData(None))
        ws.context.selection.select_incident(story.fire)
        replay_at(ws, story.acknowledged)
        qtbot.waitUntil(lambda: len(timeline(ws)) == 7)
        qtbot.waitUntil(lambda: procedure(ws).isVisible() and ws.detail.isVisible())
        qtbot.waitExposed(window)
        QApplication.processEvents()  # the theme's sizes laid out before the picture
        window.grab().save(str(screenshot))
    assert screenshot.stat().st_size > 10_000
    ws.context.view.leave_replay()


@contextmanager
def dark_theme() -> Iterator[None]:
    """The operators' theme for a picture, then the tests' plain look again."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette, sheet = app.style().name(), app.palette(), app.styleSheet()
    apply_dark_theme(app)
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setPalette(palette)
        app.setStyle(style)
