"""Replay mode in the window: F8 and the Replay menu, the controller's seeks and playback on a
real log, the banner, the timeline dock, bookmarks and annotations as events, and live
events still reaching the live store while someone replays."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.backend import log_file
from core.clock import FakeClock, SystemClock
from core.commands import Acknowledge, ReportIncident, Resolve
from core.eventlog import EventLog
from core.events import EventRecord, EventType, SensorReading
from core.local_backend import LocalBackend
from core.model import IncidentStatus
from core.replay import MarkKind, ReplaySession
from core.simulator import Simulator, SimulatorConfig
from core.state import CityState, rebuild
from panels.replay.panel import ReplayPanel
from tests.gui.conftest import Workstation, _close, _open_workstation, lite_city
from tests.gui.remote_station import open_remote_workstation, unbound_replica
from tests.logs import fill_replica
from ui.replay import ReplayController
from ui.replay_dialogs import AnnotationDialog, BookmarkDialog
from ui.replay_time import date_time_text, parse_instant
from ui.theme import apply_dark_theme

MINUTE = 60_000
ACTOR = "operator:park"


@dataclass
class History:
    """What the prepared log holds, and when."""

    fire: str
    robbery: str
    reported_ms: int
    acknowledged_ms: int
    resolved_ms: int
    robbery_ms: int
    end_ms: int


def _prepare_log(path: Path, start_ms: int) -> History:
    """A log of one hour: readings every 20 s, a fire reported, acknowledged and resolved,
    then a robbery left open."""
    clock = FakeClock(start_ms)
    backend = LocalBackend.open(path, clock)
    city = lite_city()
    lat, lon = city.district("11230").centroid
    sensor = city.sensors[0].id
    marks: dict[str, int] = {}
    ids: dict[str, str] = {}
    steps = {
        5: ("report", "F-FIRE"),
        8: ("ack", "fire"),
        30: ("resolve", "fire"),
        40: ("report", "P-ROB"),
    }
    for second in range(0, 60 * 60, 20):
        clock.set(start_ms + second * 1000)
        backend.publish(
            [SensorReading(sensor, 20.0 + second % 7).to_new("sensor", f"sensor:{sensor}")]
        ).result()
        minute, rest = divmod(second, 60)
        if rest or minute not in steps:
            continue
        what, arg = steps[minute]
        if what == "report":
            command = ReportIncident(arg, lat, lon, "11230", None)
            records = backend.submit(command, "agency:112").result()
            ids[arg] = str(records[0].subject)
            marks[arg] = records[0].ts_ms
        elif what == "ack":
            marks["ack"] = backend.submit(Acknowledge(ids["F-FIRE"]), ACTOR).result()[0].ts_ms
        else:
            marks["resolve"] = backend.submit(Resolve(ids["F-FIRE"]), ACTOR).result()[0].ts_ms
    end = clock.now_ms()
    backend.close()
    return History(
        ids["F-FIRE"],
        ids["P-ROB"],
        marks["F-FIRE"],
        marks["ack"],
        marks["resolve"],
        marks["P-ROB"],
        end,
    )


@dataclass
class ReplayStation:
    ws: Workstation
    history: History
    path: Path

    @property
    def controller(self) -> ReplayController:
        replay = self.ws.context.replay
        assert isinstance(replay, ReplayController)
        return replay

    @property
    def panel(self) -> ReplayPanel:
        panel = self.ws.window.panels["replay"]
        assert isinstance(panel, ReplayPanel)
        return panel


@pytest.fixture
def station(qtbot, tmp_path: Path) -> Iterator[ReplayStation]:  # type: ignore[no-untyped-def]
    folder = tmp_path / "replay"
    folder.mkdir()
    history = _prepare_log(folder / "events.db", SystemClock().now_ms() - 3 * 60 * MINUTE)
    ws = _open_workstation(qtbot, folder, "en")
    yield ReplayStation(ws, history, folder / "events.db")
    _close(ws)


def _server_log(folder: Path) -> tuple[History, list[EventRecord]]:
    """The prepared hour as a server's log made it: its history and its records."""
    folder.mkdir(parents=True, exist_ok=True)
    history = _prepare_log(folder / "server.db", SystemClock().now_ms() - 3 * 60 * MINUTE)
    log = EventLog.open(folder / "server.db", readonly=True)
    try:
        return history, list(log.read())
    finally:
        log.close()


def test_a_remote_workstation_replays_its_replica_as_the_link_fills_it(
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    history, records = _server_log(tmp_path / "server")
    # The replica holds the server's log up to the fire's end; the rest arrives while replaying.
    split = next(i for i, r in enumerate(records) if r.ts_ms > history.resolved_ms)
    replica = unbound_replica(tmp_path / "station" / "remote")
    fill_replica(replica, records[:split])
    station = open_remote_workstation(qtbot, tmp_path / "station")
    try:
        assert log_file(station.backend) == replica
        controller = station.context.replay
        assert isinstance(controller, ReplayController)
        view, live = station.context.view, station.context.store
        before_ack = history.acknowledged_ms - 30_000
        assert controller.enter(at_ms=before_ack)
        qtbot.waitUntil(lambda: view.is_replay and view.now_ms() == before_ack, timeout=10_000)
        assert view.state.incidents[history.fire].status is IncidentStatus.NEW
        assert live.state.incidents[history.fire].status is IncidentStatus.RESOLVED
        assert controller.window is not None and controller.window[1] < history.robbery_ms
        # The link appends the server's next records to the replica meanwhile.
        fill_replica(replica, records[split:])
        qtbot.waitUntil(lambda: history.robbery in live.state.incidents, timeout=10_000)
        assert history.robbery not in view.state.incidents  # the replay stays in the past
        qtbot.waitUntil(lambda: (controller.window or (0, 0))[1] == history.end_ms, timeout=10_000)
        _wait_index(qtbot, controller)
        controller.seek(history.robbery_ms)
        qtbot.waitUntil(lambda: view.now_ms() == history.robbery_ms, timeout=10_000)
        assert view.state.incidents[history.robbery].status is IncidentStatus.NEW
        # At the end of the window the replay has folded what the live store has.
        qtbot.waitUntil(lambda: live.state.last_seq == records[-1].seq)
        controller.seek(history.end_ms)
        qtbot.waitUntil(lambda: view.now_ms() == history.end_ms, timeout=10_000)
        assert _plain(view.state) == _plain(live.state)
        controller.leave()
        assert not view.is_replay
    finally:
        station.close()


def test_an_empty_replica_says_the_link_has_not_copied_the_log_yet(
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    station = open_remote_workstation(qtbot, tmp_path / "station")
    try:
        controller = station.context.replay
        assert isinstance(controller, ReplayController)
        with qtbot.waitSignal(controller.failed, timeout=10_000) as failed:
            assert controller.enter()
        assert "holds no events yet" in failed.args[0] and "link" in failed.args[0]
        assert not controller.active and not station.context.view.is_replay
    finally:
        station.close()


def _plain(state: CityState) -> object:
    return json.loads(zlib.decompress(state.to_bytes()))


def _enter(qtbot, station: ReplayStation, at_ms: int, **window: int) -> ReplayController:  # type: ignore[no-untyped-def]
    controller = station.controller
    assert controller.enter(at_ms=at_ms, **window)
    view = station.ws.context.view
    qtbot.waitUntil(lambda: view.is_replay and view.now_ms() == at_ms, timeout=10_000)
    return controller


def _wait_index(qtbot, controller: ReplayController) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: controller.index_fraction >= 1.0, timeout=10_000)


def test_replay_shows_the_past_while_the_live_store_stays_live(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    live, view = ws.context.store, ws.context.view
    assert live.state.incidents[history.fire].status is IncidentStatus.RESOLVED
    before_ack = history.acknowledged_ms - 30_000
    controller = _enter(qtbot, station, before_ack)
    assert view.state.incidents[history.fire].status is IncidentStatus.NEW
    assert history.robbery not in view.state.incidents  # not reported yet at that instant
    assert live.state.incidents[history.fire].status is IncidentStatus.RESOLVED
    bar = ws.window.findChild(type(ws.window.alert_bar), "replayBar")
    assert bar is not None and bar.isVisible()
    assert controller.banner is not None
    assert "REPLAY" in controller.banner.title.text()
    assert controller.banner.clock.text() == controller.banner.clock.text()[:8]
    # The dock shows the timeline, the packet action is off while replaying.
    assert station.panel.page.isVisible() and not station.panel.placeholder.isVisible()
    assert not ws.window.packet_action.isEnabled()
    assert "F8" in ws.window.packet_action.toolTip()
    controller.leave()
    assert not view.is_replay and view.state is live.state
    assert not bar.isVisible()
    assert station.panel.placeholder.isVisible() and not station.panel.page.isVisible()
    assert ws.window.packet_action.isEnabled()


def test_a_seek_hands_the_view_the_state_folded_from_scratch(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    history = station.history
    view = station.ws.context.view
    controller = _enter(qtbot, station, history.reported_ms + 1_000)
    log = EventLog.open(station.path, readonly=True)
    try:
        for target in (
            history.resolved_ms + 5_000,
            history.reported_ms - 10_000,
            history.robbery_ms,
        ):
            controller.seek(target)
            qtbot.waitUntil(lambda t=target: view.now_ms() == t, timeout=10_000)
            expected = rebuild(log, log.seq_at(target), use_snapshots=False)
            assert _plain(view.state) == _plain(expected)
        _wait_index(qtbot, controller)  # from checkpoints too
        target = history.acknowledged_ms + 1
        controller.seek(target)
        qtbot.waitUntil(lambda: view.now_ms() == target, timeout=10_000)
        assert _plain(view.state) == _plain(rebuild(log, log.seq_at(target), False))
    finally:
        log.close()


def test_dragging_keeps_only_the_newest_seek(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    history = station.history
    view = station.ws.context.view
    controller = _enter(qtbot, station, history.reported_ms)
    for offset in range(0, 50 * MINUTE, MINUTE):
        controller.seek(history.reported_ms - 4 * MINUTE + offset)
    last = history.reported_ms - 4 * MINUTE + 49 * MINUTE
    qtbot.waitUntil(lambda: view.now_ms() == last, timeout=10_000)
    assert history.robbery in view.state.incidents
    session = ReplaySession(station.path)
    try:
        assert _plain(view.state) == _plain(session.state_at(last))
    finally:
        session.close()


def test_playback_at_64x_folds_in_order_and_stops_at_the_end(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    history = station.history
    view = station.ws.context.view
    start = history.resolved_ms - MINUTE
    controller = _enter(
        qtbot, station, start, start_ms=start, end_ms=history.resolved_ms + 11 * MINUTE
    )
    applied: list[int] = []
    view.eventsApplied.connect(lambda records: applied.extend(r.seq for r in records))
    controller.set_speed(64)
    with qtbot.waitSignal(controller.playingChanged, timeout=5_000):
        controller.play()
    assert controller.playing
    qtbot.waitUntil(lambda: not controller.playing, timeout=60_000)  # 12 min at 64× ≈ 11 s
    window = controller.window
    assert window is not None
    assert controller.position_ms == window[1]
    qtbot.waitUntil(lambda: view.now_ms() == window[1], timeout=5_000)
    assert applied == sorted(applied) and len(applied) == len(set(applied))
    assert history.robbery in view.state.incidents  # reported 10 min after the fire's end
    assert view.state.incidents[history.fire].status is IncidentStatus.RESOLVED
    session = ReplaySession(station.path)
    try:
        assert _plain(view.state) == _plain(session.state_at(window[1]))
    finally:
        session.close()


def test_jumps_steps_speeds_and_shortcuts(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    window, view = ws.window, ws.context.view
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F8)
    controller = station.controller
    qtbot.waitUntil(lambda: view.is_replay, timeout=10_000)
    _wait_index(qtbot, controller)
    controller.seek(history.reported_ms - 2 * MINUTE)
    qtbot.waitUntil(lambda: view.now_ms() == history.reported_ms - 2 * MINUTE)
    # Ctrl+Shift+Right: the next incident event (the fire's report).
    qtbot.keyClick(
        window,
        Qt.Key.Key_Right,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: view.now_ms() == history.reported_ms)
    assert history.fire in view.state.incidents
    assert controller.jump([MarkKind.INCIDENT]) == history.acknowledged_ms
    qtbot.waitUntil(lambda: view.now_ms() == history.acknowledged_ms)
    assert view.state.incidents[history.fire].status is IncidentStatus.ACKNOWLEDGED
    qtbot.keyClick(
        window,
        Qt.Key.Key_Left,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: view.now_ms() == history.reported_ms)
    # Ctrl+Right / Ctrl+Left: ten seconds.
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.now_ms() == history.reported_ms + 10_000)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.now_ms() == history.reported_ms - 10_000)
    assert history.fire not in view.state.incidents
    # Ctrl+Up / Ctrl+Down: speed; F9 plays and pauses.
    assert controller.speed == 1
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert controller.speed == 4
    qtbot.keyClick(window, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
    assert controller.speed == 2
    assert station.panel.transport.speed.currentText() == "×2"
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert controller.playing
    qtbot.waitUntil(lambda: view.now_ms() > history.reported_ms - 10_000)
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert not controller.playing
    # F8 again: back to live; the replay-only shortcuts are off.
    qtbot.keyClick(window, Qt.Key.Key_F8)
    assert not view.is_replay
    actions = controller.actions
    assert actions is not None and not actions.play_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert not controller.active


def test_no_mark_of_the_kind_is_said_not_sought(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    history = station.history
    controller = _enter(qtbot, station, history.robbery_ms + MINUTE)
    _wait_index(qtbot, controller)
    with qtbot.waitSignal(controller.message) as said:
        assert controller.jump([MarkKind.PACKET]) is None
    assert "No later event" in said.args[0]


def test_bookmarks_and_annotations_are_events_shown_on_the_timeline(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    controller = _enter(qtbot, station, history.acknowledged_ms + 5_000)
    ws.context.selection.select_incident(history.fire)
    future = controller.bookmark("first unit on scene")
    assert future is not None
    records = future.result(timeout=10)
    assert records[0].type == EventType.REPLAY_BOOKMARKED
    assert records[0].payload["at_ms"] == history.acknowledged_ms + 5_000
    assert records[0].subject == history.fire
    # Before the robbery was reported, it cannot be what an annotation is about.
    ws.context.selection.select_incident(history.robbery)
    controller.seek(history.reported_ms + MINUTE)
    qtbot.waitUntil(lambda: ws.context.view.now_ms() == history.reported_ms + MINUTE)
    future = controller.annotate("smoke seen on camera 3\nbefore the call")
    assert future is not None
    note = future.result(timeout=10)[0]
    assert note.type == EventType.REPLAY_ANNOTATED and note.subject is None
    # The live store has both; the dock lists them and the timeline draws them.
    live = ws.context.store
    qtbot.waitUntil(lambda: len(live.state.bookmarks) == 2)
    marks = station.panel.marks
    qtbot.waitUntil(lambda: marks.count() == 2)
    assert "first unit on scene" in marks.item(1).text()
    assert "smoke seen" in marks.item(0).text()
    timeline = station.panel.timeline
    timeline.resize(900, 150)
    timeline.grab()  # paints, and so finds where the flags are
    flags = timeline.drawn_bookmarks()
    assert {hit.bookmark.text for hit in flags if hit.bookmark} == {
        "first unit on scene",
        "smoke seen on camera 3\nbefore the call",
    }
    tip = timeline.describe_at(flags[0].rect.center())
    assert ws.context.actor in tip  # who made it
    # Clicking a listed mark goes there.
    marks.itemClicked.emit(marks.item(1))
    qtbot.waitUntil(lambda: ws.context.view.now_ms() == history.acknowledged_ms + 5_000)
    # An empty label is refused by the log, with the reason.
    refused = controller.bookmark("   ")
    assert refused is not None
    with pytest.raises(Exception, match="needs some text"):
        refused.result(timeout=10)


def test_the_bookmark_dialog_is_keyboard_first(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    controller = _enter(qtbot, station, history.resolved_ms)
    actions = controller.actions
    assert actions is not None
    actions.bookmark_action.trigger()
    bookmark = ws.window.findChild(BookmarkDialog)
    assert bookmark is not None and bookmark.isVisible()
    qtbot.keyClicks(bookmark.label, "fire out")
    qtbot.keyClick(bookmark.label, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(b.text == "fire out" for b in ws.context.store.state.bookmarks))
    qtbot.waitUntil(lambda: not shiboken6.isValid(bookmark) or not bookmark.isVisible())
    actions.annotate_action.trigger()
    annotation = ws.window.findChild(AnnotationDialog)
    assert annotation is not None
    qtbot.keyClicks(annotation.note, "water supply")
    qtbot.keyClick(annotation.note, Qt.Key.Key_Return)  # a new line, not a save
    qtbot.keyClicks(annotation.note, "was late")
    qtbot.keyClick(annotation.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: any(b.text == "water supply\nwas late" for b in ws.context.store.state.bookmarks)
    )
    saved = [b for b in ws.context.store.state.bookmarks if b.kind == "annotation"]
    assert saved[0].at_ms == history.resolved_ms


def test_live_events_recorded_while_replaying_reach_the_live_store(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    controller = _enter(qtbot, station, history.reported_ms)
    live_id = ws.report("P-ASL")
    qtbot.waitUntil(lambda: live_id in ws.context.store.state.incidents)
    assert live_id not in ws.context.view.state.incidents
    qtbot.waitUntil(lambda: controller.live_incidents == 1)
    banner = controller.banner
    assert banner is not None
    assert banner.live_count.isVisible() and "1 new live incident" in banner.live_count.text()
    # The replay window follows the growing log.
    qtbot.waitUntil(
        lambda: (controller.window or (0, 0))[1] >= ws.context.store.state.last_ts, timeout=10_000
    )
    banner.live_count.click()
    assert not ws.context.view.is_replay
    assert live_id in ws.context.view.state.incidents


def test_the_selected_incident_is_replayed_from_before_its_report(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    ws.context.selection.select_incident(history.fire)
    assert station.controller.enter_incident()
    view = ws.context.view
    qtbot.waitUntil(lambda: view.is_replay, timeout=10_000)
    controller = station.controller
    # Ten minutes before the report is before the log began: the window starts with the log.
    first = history.reported_ms - 5 * MINUTE
    assert controller.window == (first, history.resolved_ms + 10 * MINUTE)
    assert view.now_ms() == history.reported_ms - MINUTE
    assert history.fire not in view.state.incidents
    # Another window from the menu: the view stays in the past while it opens.
    origins: list[str] = []
    view.originChanged.connect(origins.append)
    actions = controller.actions
    assert actions is not None
    actions.hour_action.trigger()
    # The log holds a little under an hour: its last hour is all of it.
    qtbot.waitUntil(lambda: controller.window == (first, history.end_ms))
    assert view.is_replay and origins == []


def test_clicking_a_span_selects_its_incident_and_seeks(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    ws, history = station.ws, station.history
    controller = _enter(qtbot, station, history.robbery_ms + MINUTE)
    _wait_index(qtbot, controller)
    timeline = station.panel.timeline
    timeline.resize(1000, 150)
    timeline.grab()
    spans = {hit.span.incident_id: hit for hit in timeline.drawn_spans() if hit.span}
    assert set(spans) >= {history.fire, history.robbery}
    assert spans[history.robbery].span is not None and spans[history.robbery].span.end_ms is None
    target = spans[history.fire].rect.center()
    qtbot.mouseClick(
        timeline, Qt.MouseButton.LeftButton, pos=QPoint(int(target.x()), int(target.y()))
    )
    assert ws.context.selection.incident_id == history.fire
    qtbot.waitUntil(lambda: history.reported_ms <= ws.context.view.now_ms() <= history.resolved_ms)
    # The wheel zooms around the pointer; Whole window resets.
    lo, hi = timeline.visible_range()
    timeline.zoom_around((lo + hi) // 2, 0.25)
    zoomed = timeline.visible_range()
    assert zoomed[1] - zoomed[0] < (hi - lo) / 2
    station.panel.transport.whole_button.click()
    assert timeline.visible_range() == (lo, hi)


def test_an_empty_log_says_so_and_stays_live(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = _open_workstation(qtbot, tmp_path / "empty", "en")
    try:
        controller = ws.context.replay
        assert isinstance(controller, ReplayController)
        with qtbot.waitSignal(controller.failed, timeout=10_000) as failed:
            controller.enter()
        assert "holds no events" in failed.args[0]
        assert not controller.active and not ws.context.view.is_replay
        panel = ws.window.panels["replay"]
        assert isinstance(panel, ReplayPanel)
        assert panel.banner.isVisible() and "holds no events" in panel.banner.text()
    finally:
        _close(ws)


def test_screenshot_in_replay(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The window in replay over two hours of the simulated city, in the dark theme."""
    folder = tmp_path / "shot"
    folder.mkdir()
    now = SystemClock().now_ms()
    backend = LocalBackend.open(folder / "events.db")
    config = SimulatorConfig(seed=11, rate=2, scenario_every_s=420, minor_every_s=150)
    Simulator(lite_city(), backend, config, virtual_start_ms=now - 150 * MINUTE).run_for(7200)
    backend.close()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    palette, sheet = app.palette(), app.styleSheet()
    apply_dark_theme(app)
    ws = _open_workstation(qtbot, folder, "en")
    try:
        ws.window.resize(1600, 900)
        controller = ws.context.replay
        assert isinstance(controller, ReplayController)
        assert controller.enter()
        qtbot.waitUntil(lambda: ws.context.view.is_replay, timeout=10_000)
        _wait_index(qtbot, controller)
        spans = controller.index.spans() if controller.index else []
        chosen = spans[len(spans) // 2]
        ws.context.selection.select_incident(chosen.incident_id)
        controller.seek(chosen.start_ms + 4 * MINUTE)
        qtbot.waitUntil(lambda: ws.context.view.now_ms() == chosen.start_ms + 4 * MINUTE)
        controller.bookmark("first unit on scene").result(timeout=10)  # type: ignore[union-attr]
        controller.seek(chosen.start_ms + 9 * MINUTE)
        qtbot.waitUntil(lambda: ws.context.view.now_ms() == chosen.start_ms + 9 * MINUTE)
        controller.annotate("hydrant 2 was dry").result(timeout=10)  # type: ignore[union-attr]
        controller.set_speed(8)
        ws.report("P-ASL")
        qtbot.waitUntil(lambda: controller.live_incidents == 1)
        panel = ws.window.panels["replay"]
        assert isinstance(panel, ReplayPanel)
        qtbot.waitUntil(lambda: panel.marks.count() == 2)
        ws.window.grab().save(str(tmp_path / "replay-shot.png"))
    finally:
        _close(ws)
        app.setStyleSheet(sheet)
        app.setPalette(palette)


def test_typing_a_time_goes_there(qtbot, station) -> None:  # type: ignore[no-untyped-def]
    history = station.history
    view = station.ws.context.view
    _enter(qtbot, station, history.reported_ms)
    field = station.panel.transport.position
    target = (history.resolved_ms // 1000 + 1) * 1000  # typed to the second
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, date_time_text(target))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.now_ms() == target)
    assert view.state.incidents[history.fire].status is IncidentStatus.RESOLVED
    field.selectAll()
    qtbot.keyClicks(field, "half past two")
    with qtbot.waitSignal(station.panel.transport.messageRequested) as said:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "HH:MM:SS" in said.args[0] and view.now_ms() == target  # nothing moved
    assert parse_instant("2026-01-05 14:03", 0) == parse_instant("14:03:00", 1_767_589_200_000)
