"""The window's store takes a state the backend replaced wholesale as it is: the GUI thread
does not fold the events behind it, and the panels show exactly the new state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.clock import FakeClock
from core.commands import Acknowledge, ReportIncident
from core.events import EventRecord, SensorReading
from core.local_backend import LocalBackend
from core.state import CityState
from panels.incidents.model import INCIDENT_ID_ROLE
from tests.gui.conftest import Workstation, lite_city
from tests.logs import records_of
from ui.store import EventStore


def server_log(path: Path, reports: list[tuple[str, str]], readings: int) -> list[EventRecord]:
    """A log as a server made it: ``reports`` (type, district) acknowledged, then readings."""
    origin = LocalBackend.open(path, FakeClock(1_700_000_000_000))
    try:
        for type_code, district in reports:
            lat, lon = lite_city().district(district).centroid
            report = ReportIncident(type_code, lat, lon, district)
            incident_id = origin.submit(report, "agency:112").result()[0].subject
            assert incident_id is not None
            origin.submit(Acknowledge(incident_id), "operator:kim").result()
        batch = [SensorReading("S1", float(i)).to_new("t", "sensor:S1") for i in range(readings)]
        origin.publish(batch).result()
    finally:
        origin.close()
    return records_of(path)


def blob_at(records: list[EventRecord], seq: int) -> bytes:
    state = CityState()
    state.apply_all(r for r in records if r.seq <= seq)
    return state.to_bytes()


def shown_ids(ws: Workstation) -> set[str]:
    proxy = ws.queue.proxy
    return {proxy.index(row, 0).data(INCIDENT_ID_ROLE) for row in range(proxy.rowCount())}


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[LocalBackend]:
    backend = LocalBackend.open(tmp_path / "replica.db")
    yield backend
    backend.close()


def test_a_replaced_state_is_taken_at_once_not_folded_on_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, replica: LocalBackend
) -> None:
    records = server_log(tmp_path / "server.db", [("F-FIRE", "11010"), ("P-ASL", "11230")], 40)
    at = records[-10]  # the server's state as of this event; the replica holds two
    replica.mirror(records[:2]).result()
    store = EventStore(replica)
    applied: list[EventRecord] = []
    loads: list[int] = []
    changes: list[set[str]] = []
    store.eventsApplied.connect(applied.extend)
    store.loaded.connect(lambda: loads.append(store.state.last_seq))
    store.incidentsChanged.connect(changes.append)
    store.start()
    try:
        qtbot.waitUntil(lambda: store.is_loaded)
        assert loads == [2]
        replica.mirror_state(at.seq, at.hash, blob_at(records, at.seq)).result()
        qtbot.waitUntil(lambda: len(loads) == 2)
        assert store.state.last_seq == at.seq
        assert store.state.to_bytes() == CityState.from_bytes(blob_at(records, at.seq)).to_bytes()
        assert changes[-1] == set(store.state.incidents)  # both incidents' rows refreshed
        for start in range(2, len(records), 7):  # the copy fills in, as the link stores it
            replica.mirror(records[start : start + 7]).result()
        qtbot.waitUntil(lambda: store.state.last_seq == records[-1].seq)
    finally:
        store.stop()
    assert applied == records[at.seq :]  # nothing up to the state was folded again here
    assert loads == [2, at.seq]
    assert store.state.to_bytes() == replica.snapshot().result().to_bytes()
    assert replica.notices.history == []


def test_the_queue_shows_only_the_incidents_of_the_state_that_replaced_it(
    qtbot: QtBot, tmp_path: Path, workstation: Workstation
) -> None:
    ws = workstation
    before = {ws.report("F-FIRE", "11010"), ws.report("P-ASL"), ws.report("T-PARK", "11250")}
    qtbot.waitUntil(lambda: shown_ids(ws) == before)
    changes: list[set[str]] = []
    ws.context.store.incidentsChanged.connect(changes.append)
    # Another log (a database restored on the server): one incident, a different one.
    other = server_log(tmp_path / "other.db", [("E-BIN", "11140")], 30)
    last = other[-1]
    ws.backend.mirror_state(last.seq, last.hash, blob_at(other, last.seq)).result()
    qtbot.waitUntil(lambda: ws.context.store.state.last_seq == last.seq)
    (incident_id,) = CityState.from_bytes(blob_at(other, last.seq)).incidents
    qtbot.waitUntil(lambda: shown_ids(ws) == {incident_id})
    assert changes[-1] == before | {incident_id}  # the rows of vanished incidents too
    shown = ws.context.view.state.incidents[incident_id]
    assert shown.type_code == "E-BIN" and shown.status.value == "acknowledged"


def test_in_replay_a_live_reset_shows_once_back_to_live(
    qtbot: QtBot, tmp_path: Path, workstation: Workstation
) -> None:
    ws = workstation
    view = ws.context.view
    fire = ws.report("F-FIRE", "11010")
    qtbot.waitUntil(lambda: shown_ids(ws) == {fire})
    past = ws.context.store.state.copy()
    view.enter_replay(past, past.last_ts)
    replay_loads: list[bool] = []
    view.loaded.connect(lambda: replay_loads.append(view.is_replay))
    other = server_log(tmp_path / "other.db", [("E-BIN", "11140"), ("P-ASL", "11230")], 30)
    last = other[-1]
    ws.backend.mirror_state(last.seq, last.hash, blob_at(other, last.seq)).result()
    qtbot.waitUntil(lambda: ws.context.store.state.last_seq == last.seq)
    assert replay_loads == [] and view.state is past and shown_ids(ws) == {fire}
    view.leave_replay()
    assert replay_loads == [False]
    assert shown_ids(ws) == set(ws.context.store.state.incidents) and len(shown_ids(ws)) == 2
    # Numbers start over in another log: the fire's number is another incident there.
    assert ws.context.view.state.incidents[fire].type_code == "E-BIN"
