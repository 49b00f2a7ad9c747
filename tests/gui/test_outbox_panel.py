"""The outbox panel over a real log: packets newest first with their state, status and details,
the filters, live updates that keep the operator's place, retry and cancel reaching a real
delivery worker that talks to the agency simulator, and the exact body of a packet."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QMenu

from core.clock import SystemClock
from core.commands import ReportIncident
from core.dispatch.agencies import Registry
from core.dispatch.agency_sim import SimModes
from core.dispatch.formats import render
from core.dispatch.model import DistributionStatus, Format
from core.dispatch.outbox import Outbox
from core.dispatch.queueing import queued_event
from core.dispatch.retry import Backoff
from core.events import (
    DomainEvent,
    PacketAcknowledged,
    PacketAttemptFailed,
    PacketDelivered,
    PacketFailed,
    PacketSent,
)
from panels.outbox.model import Column, PacketFilterProxy
from panels.outbox.panel import OutboxPanel
from panels.outbox.words import STATE_COLOURS
from tests.agency_server import make_packet, simulator, write_registry
from tests.gui.conftest import Workstation, lite_city
from ui.dispatch import DispatchService
from ui.theme import EXERCISE_COLOUR

POLICE = "police-112"


def outbox(ws: Workstation) -> OutboxPanel:
    panel = ws.window.panels["outbox"]
    assert isinstance(panel, OutboxPanel)
    return panel


def queue(
    ws: Workstation,
    incident_id: str,
    agency_id: str = POLICE,
    *,
    status: DistributionStatus = DistributionStatus.ACTUAL,
    fmt: Format = Format.EDXL,
    ts_ms: int | None = None,
    rendered: bool = True,
) -> str:
    """Queue one packet in the log as the compose dialog does; its distribution id."""
    packet = make_packet(incident_id, agency_id, status=status)
    body = render(packet, fmt) if rendered else b'{"small": true}'
    event = queued_event(packet, fmt, body)
    ws.backend.publish([event.to_new("dispatch", "operator:kim", ts_ms)]).result()
    return packet.distribution_id


def record(ws: Workstation, *events: DomainEvent, ts_ms: int | None = None) -> None:
    """What the delivery worker or the inbound listener would log."""
    ws.backend.publish([e.to_new("dispatch", "outbox", ts_ms) for e in events]).result()


def column(panel: OutboxPanel, col: Column, role: int = Qt.ItemDataRole.DisplayRole) -> list:
    proxy = panel.proxy
    return [proxy.index(row, col).data(role) for row in range(proxy.rowCount())]


def row_of(panel: OutboxPanel, distribution_id: str) -> int:
    ids = [
        panel.proxy.index(r, 0).data(Qt.ItemDataRole.UserRole + 1)
        for r in range(panel.proxy.rowCount())
    ]
    return ids.index(distribution_id)


def cell(panel: OutboxPanel, distribution_id: str, col: Column, role: int = 0) -> object:
    return panel.proxy.index(row_of(panel, distribution_id), col).data(role)


def report(ws: Workstation, type_code: str, ts_ms: int | None = None) -> str:
    """Report an incident through the command path (at ``ts_ms``: the log's times only
    move forward, so a back-dated story is told in order); its id."""
    lat, lon = lite_city().district("11140").centroid
    command = ReportIncident(type_code, lat, lon, "11140")
    records = ws.backend.submit(command, "agency:119", ts_ms).result()
    return str(records[0].subject)


def a_mix(ws: Workstation) -> dict[str, str]:
    """A fire with a packet acknowledged by police 45 s after it was sent, one retrying to
    NDMS, one refused by 119, and a packet of a drill; the ids by what happened to them."""
    now = SystemClock().now_ms()
    fire = report(ws, "F-FIRE", now - 180_000)
    acked = queue(ws, fire, ts_ms=now - 120_000)
    ids = (fire, acked, POLICE)
    record(ws, PacketSent(*ids, transport="http", detail="HTTP 202"), ts_ms=now - 119_000)
    record(ws, PacketDelivered(*ids, receipt="police-112-0042"), ts_ms=now - 119_000)
    retrying = queue(ws, fire, "ndms", ts_ms=now - 90_000)
    record(ws, PacketAcknowledged(*ids, ack_id="ACK-7", note="출동 중"), ts_ms=now - 74_000)
    refused = queue(ws, fire, "fire-119", fmt=Format.CAP, ts_ms=now - 60_000)
    failure = PacketFailed(fire, refused, "fire-119", code="rejected", reason="HTTP 400: no area")
    record(ws, failure, ts_ms=now - 59_000)
    drill = report(ws, "P-ASL", now - 50_000)
    exercise = queue(ws, drill, status=DistributionStatus.EXERCISE, ts_ms=now - 30_000)
    attempt = PacketAttemptFailed(
        fire, retrying, "ndms", attempt=3, reason="HTTP 503: busy", retry_at_ms=now + 40_000
    )
    record(ws, attempt, ts_ms=now - 20_000)
    return {
        "fire": fire,
        "drill": drill,
        "acked": acked,
        "retrying": retrying,
        "refused": refused,
        "exercise": exercise,
    }


def test_packets_are_listed_newest_first_with_state_status_and_details(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = outbox(ws)
    assert not panel.empty.isHidden() and "No packet" in panel.empty.text()
    mix = a_mix(ws)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 4)
    order = [mix["exercise"], mix["refused"], mix["retrying"], mix["acked"]]
    assert column(panel, Column.INCIDENT) == [mix["drill"], mix["fire"], mix["fire"], mix["fire"]]
    assert [row_of(panel, d) for d in order] == [0, 1, 2, 3]
    assert column(panel, Column.STATE) == ["queued", "failed", "retrying", "acknowledged"]
    assert column(panel, Column.FORMAT) == ["EDXL", "CAP", "EDXL", "EDXL"]
    assert column(panel, Column.STATUS) == ["Exercise", "Actual", "Actual", "Actual"]
    assert column(panel, Column.ATTEMPTS)[2] == "3"
    colours = column(panel, Column.STATE, Qt.ItemDataRole.ForegroundRole)
    assert [c.name() for c in colours] == [
        STATE_COLOURS[s].name() for s in ("queued", "failed", "retrying", "acknowledged")
    ]
    assert cell(panel, mix["exercise"], Column.STATUS, Qt.ItemDataRole.ForegroundRole) == (
        EXERCISE_COLOUR
    )
    details = dict(zip(order, column(panel, Column.DETAILS), strict=True))
    assert details[mix["retrying"]].startswith("next try in ")
    assert "HTTP 503: busy" in details[mix["retrying"]]
    assert details[mix["refused"]] == "refused by the agency: HTTP 400: no area"
    assert "(+00:45 after sending)" in details[mix["acked"]]
    assert "출동 중" in details[mix["acked"]]
    assert details[mix["exercise"]] == "waiting to be sent"
    tooltip = cell(panel, mix["acked"], Column.AGENCY, Qt.ItemDataRole.ToolTipRole)
    assert "Receipt: police-112-0042" in str(tooltip) and "Ack: ACK-7" in str(tooltip)
    assert panel.empty.isHidden()
    # The header counts the log, and says why nothing is sent: the window's service has not
    # been started (it reads the registry first) ...
    service = ws.context.dispatch
    assert service is not None and not service.ready
    panel.refresh_header()
    assert panel.header.plain.startswith(f"Delivery worker not running: {service.problem}")
    assert "2 waiting" in panel.header.plain and "1 retrying" in panel.header.plain
    assert "1 failed" in panel.header.plain and "4 in all" in panel.header.plain
    # ... or a window without one.
    ws.context.dispatch = None
    panel.refresh_header()
    assert panel.header.plain.startswith("Packets are not sent from this window")
    ws.context.dispatch = service


def test_the_retry_countdown_ticks_once_a_second(qtbot, workstation: Workstation) -> None:
    ws = workstation
    panel = outbox(ws)
    mix = a_mix(ws)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 4)
    base = SystemClock().now_ms()
    panel.model.now_ms = lambda: base
    panel.model.tick()
    before = cell(panel, mix["retrying"], Column.DETAILS)
    panel.model.now_ms = lambda: base + 10_000
    qtbot.waitUntil(lambda: cell(panel, mix["retrying"], Column.DETAILS) != before, timeout=2500)
    assert panel._tick_timer.isActive()
    panel.hide()  # a hidden outbox does no work
    assert not panel._tick_timer.isActive()


def test_filters_show_one_incident_or_what_needs_attention(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = outbox(ws)
    mix = a_mix(ws)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 4)
    panel.set_mode(PacketFilterProxy.ATTENTION)
    assert set(column(panel, Column.STATE)) == {"failed", "retrying"}
    panel.set_mode(PacketFilterProxy.INCIDENT)
    ws.context.selection.select_incident(None)
    assert panel.proxy.rowCount() == 0 and "Select an incident" in panel.empty.text()
    ws.context.selection.select_incident(mix["drill"])
    assert column(panel, Column.INCIDENT) == [mix["drill"]]
    ws.context.selection.select_incident(mix["fire"])  # the queue, the map: any panel
    assert column(panel, Column.INCIDENT) == [mix["fire"]] * 3
    assert panel.count_label.text() == "3 of 4"
    panel.set_mode(PacketFilterProxy.ALL)
    panel.text_filter.setText("503")
    assert [row_of(panel, mix["retrying"])] == [0] and panel.proxy.rowCount() == 1
    panel.text_filter.setText("fire-119")
    assert column(panel, Column.STATE) == ["failed"]
    panel.text_filter.setText("nothing like this")
    assert panel.proxy.rowCount() == 0 and "matches" in panel.empty.text()
    # A retrying packet that goes through leaves the attention list by itself.
    panel.text_filter.clear()
    panel.set_mode(PacketFilterProxy.ATTENTION)
    record(ws, PacketSent(mix["fire"], mix["retrying"], "ndms", attempt=4))
    qtbot.waitUntil(lambda: column(panel, Column.STATE) == ["failed"])


def test_selecting_a_packet_selects_its_incident(qtbot, workstation: Workstation) -> None:
    ws = workstation
    panel = outbox(ws)
    mix = a_mix(ws)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 4)
    assert panel.select_packet(mix["exercise"])
    assert ws.context.selection.incident_id == mix["drill"]
    assert ws.detail.incident_id == mix["drill"]
    assert not panel.retry_action.isEnabled()  # no delivery worker in this window
    assert panel.show_action.isEnabled() and panel.goto_action.isEnabled()
    row = panel.table.visualRect(panel.proxy.index(0, Column.STATE))
    panel.table.customContextMenuRequested.emit(row.center())
    menu = panel.findChildren(QMenu)[-1]
    assert [a.text() for a in menu.actions()] == [
        "Retry now",
        "Cancel…",
        "Show packet",
        "Go to incident",
    ]
    menu.close()
    assert ws.queue.select_incident(mix["fire"])  # the operator turns to the fire in the queue
    assert ws.context.selection.incident_id == mix["fire"]
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_G)
    assert ws.context.selection.incident_id == mix["drill"]
    assert [i.id for i in ws.queue.selected_incidents()] == [mix["drill"]]


def test_live_updates_are_incremental_and_keep_the_operators_place(
    qtbot, workstation: Workstation
) -> None:
    ws = workstation
    panel = outbox(ws)
    incident = ws.report("P-ASL")
    events = []
    ids = []
    for _ in range(1000):
        packet = make_packet(incident, POLICE)
        ids.append(packet.distribution_id)
        event = queued_event(packet, Format.JSON, b'{"small": true}')
        events.append(event.to_new("dispatch", "operator:kim"))
    ws.backend.publish(events).result()
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1000, timeout=5000)
    assert panel.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole + 1) == ids[-1]
    panel.table.scrollTo(panel.proxy.index(500, 0), panel.table.ScrollHint.PositionAtTop)
    assert panel.select_packet(ids[499])  # row 500
    panel.table.scrollTo(panel.proxy.index(500, 0), panel.table.ScrollHint.PositionAtTop)
    top = panel.table.rowAt(0)
    top_id = panel.proxy.index(top, 0).data(Qt.ItemDataRole.UserRole + 1)
    resets, inserted, changed = [], [], []
    panel.model.modelReset.connect(lambda: resets.append(1))
    panel.model.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    panel.model.dataChanged.connect(
        lambda a, b, *_: changed.append((a.row(), b.row(), a.column(), b.column()))
    )
    newest = queue(ws, incident, rendered=False)
    record(ws, PacketSent(incident, ids[10], POLICE, transport="http", detail="HTTP 202"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1001)
    qtbot.waitUntil(lambda: cell(panel, ids[10], Column.STATE) == "sent")
    assert resets == [] and inserted == [(0, 0)]
    row = panel.model.row_of(ids[10])
    assert (row, row, 0, len(Column) - 1) in changed
    assert all(first == last for first, last, *_ in changed)  # one row, not the whole table
    assert panel.proxy.index(0, 0).data(Qt.ItemDataRole.UserRole + 1) == newest
    assert panel.selected_packet() is not None
    assert panel.selected_packet().distribution_id == ids[499]  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: (
            panel.proxy.index(panel.table.rowAt(0), 0).data(Qt.ItemDataRole.UserRole + 1) == top_id
        )
    )


# -- with a real delivery worker ----------------------------------------------------------


def _slow_seed() -> int:
    """A seed whose first jittered waits are all long: the worker's own retry cannot come
    before the operator's."""
    for seed in range(1000):
        rng = random.Random(seed)
        if all(rng.random() > 0.5 for _ in range(4)):
            return seed
    raise AssertionError("no seed")


@contextmanager
def delivering(ws: Workstation, folder: Path, sim_url: str) -> Iterator[DispatchService]:
    """The window's dispatch service with a real delivery worker over the test log, sending
    to the simulator at ``sim_url`` (retries a minute apart, the breaker opens after two
    failures)."""
    registry = Registry.load(write_registry(folder, sim_url))
    service = DispatchService(ws.context.invoker, ws.context.notices, path=registry.path)
    service.registry = registry
    service.outbox = outbox = Outbox(
        ws.backend,
        registry,
        backoff=Backoff(base_ms=60_000, factor=1.0, cap_ms=60_000),
        breaker_threshold=2,
        seed=_slow_seed(),
        notices=ws.context.notices,
    )
    outbox.start()
    service.problem = ""
    own, ws.context.dispatch = ws.context.dispatch, service
    service.changed.emit()
    try:
        yield service
    finally:
        service.stop()
        assert outbox.stop(5.0)  # the service stops only the links it started itself
        ws.context.dispatch = own


def test_retry_now_and_cancel_reach_the_delivery_worker(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    ws = workstation
    panel = outbox(ws)
    # Two incidents: one incident's packets reach an agency one after the other.
    incidents = [ws.report("P-ASL"), ws.report("P-ROB")]
    failing = SimModes(fail_rate=1.0, ack_delay_s=None)
    with simulator(modes=failing) as sim, delivering(ws, tmp_path, sim.url):
        panel.refresh_header()
        qtbot.waitUntil(lambda: "Delivery worker running" in panel.header.plain)
        first, second = (queue(ws, incident) for incident in incidents)
        qtbot.waitUntil(
            lambda: column(panel, Column.STATE) == ["retrying", "retrying"], timeout=5000
        )
        # Two failures in a row: the header says the link is down and until when.
        qtbot.waitUntil(lambda: "link down, retrying at" in panel.header.plain)
        assert "112 situation room: link down" in panel.header.plain
        assert "2 failures in a row" in panel.header.plain
        assert "simulated failure" in str(cell(panel, first, Column.DETAILS))
        assert column(panel, Column.AGENCY) == ["112 situation room"] * 2

        sim.set_modes(fail_rate=0.0)
        assert panel.select_packet(first)
        assert panel.retry_action.isEnabled() and panel.cancel_action.isEnabled()
        panel.table.setFocus()
        qtbot.keyClick(panel.table, Qt.Key.Key_R)
        qtbot.waitUntil(lambda: cell(panel, first, Column.STATE) in ("sent", "delivered"))
        qtbot.waitUntil(lambda: panel.banner.text() == f"Sending {first} now.")
        assert not panel.retry_action.isEnabled()  # it left: nothing to retry

        assert panel.select_packet(second)
        panel.table.setFocus()
        qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
        dialog = panel.cancel_dialog
        assert dialog is not None and dialog.isVisible()
        assert not dialog.ok_button.isEnabled()  # a reason first
        qtbot.keyClicks(dialog.reason, "the caller withdrew the report")
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: cell(panel, second, Column.STATE) == "failed")
        assert cell(panel, second, Column.DETAILS) == ("cancelled: the caller withdrew the report")
        qtbot.waitUntil(lambda: panel.banner.text() == f"{second} is cancelled.")
        failed = ws.context.store.state.packets.get(second)
        assert failed is not None and failed.failure_code == "cancelled"
        assert sim.received()["received"] == [first]
    panel.refresh_header()  # the window's own service again, never started here
    assert panel.header.plain.startswith("Delivery worker not running")


def test_show_packet_opens_the_exact_body_and_copies_it(qtbot, workstation: Workstation) -> None:
    ws = workstation
    panel = outbox(ws)
    incident = ws.report("F-FIRE")
    distribution_id = queue(ws, incident, "fire-119", fmt=Format.CAP)
    qtbot.waitUntil(lambda: panel.proxy.rowCount() == 1)
    stored = ws.context.store.state.packets.get(distribution_id)
    assert stored is not None
    (queued,) = ws.backend.events_at([stored.queued_seq]).result()
    body = queued.payload["body"]
    assert "<alert" in body
    assert panel.select_packet(distribution_id)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    dialog = panel.packet_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.body is not None)
    assert dialog.text.toPlainText() == body
    assert dialog.text.isReadOnly()
    metrics = QFontMetrics(dialog.text.font())  # monospaced: an i as wide as a W
    assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("WWWW")
    assert "exactly as queued" in dialog.check.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == body
    dialog.close()


def test_colours_are_distinct_and_readable_on_the_dark_theme() -> None:
    base = QColor("#0f1318")
    names = {c.name() for c in STATE_COLOURS.values()}
    assert len(names) == len(STATE_COLOURS)
    for colour in STATE_COLOURS.values():
        assert colour.lightness() - base.lightness() > 100, colour.name()
