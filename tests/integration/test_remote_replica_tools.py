"""Replay, incident bundles and the hand-over on a remote workstation, against a real backend
server on a real PostgreSQL: they read the workstation's replica of the server's log, the
replica keeps following the server while they do, and an export's record goes to the server
(never straight into the replica, whose chain takes only the server's records)."""

from __future__ import annotations

import hashlib
import json
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from pytestqt.qtbot import QtBot

from core.backend import log_file
from core.bundle.export import export_incident
from core.bundle.verify import check_bundle
from core.clock import SystemClock
from core.commands import Acknowledge, AddNote, ReportIncident, Resolve
from core.eventlog import EventLog
from core.events import EventRecord, EventType, NewEvent
from core.handover import handover_from_log
from core.local_backend import LocalBackend
from core.remote.backend import LinkState, RemoteBackend
from core.remote.errors import AccessDenied, CommandQueued
from core.remote.replica import UNBOUND
from core.remote.wire import record_from_json
from core.replay import ReplaySession
from core.state import CityState
from tests.backend_server import BackendServer, add_users, bearer, login, wait_until
from tests.gui.remote_station import open_remote_workstation, unbound_replica
from tests.logs import fill_replica
from tests.pg_cluster import PgCluster

PASSWORD = "correct horse battery"
DATABASE = "cityroom_replica_tools"
KIM = "operator:kim"


@pytest.fixture(scope="module")
def server(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServer]:
    """One server and database for the module, with an operator and an auditor."""
    url = pg_cluster.create_database(DATABASE, template=pg_template)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = gen_random_uuid()::text WHERE key = 'log_id'")
    add_users(url, [("kim", PASSWORD, "operator", ()), ("audi", PASSWORD, "auditor", ())])
    backend_server = BackendServer(url, tmp_path_factory.mktemp("server")).start()
    yield backend_server
    backend_server.stop()
    pg_cluster.drop_database(DATABASE)


@pytest.fixture
def backend(server: BackendServer, tmp_path: Path) -> Iterator[RemoteBackend]:
    """A workstation's remote backend, online, its replica in the test's folder."""
    remote = RemoteBackend(server.url, username="kim", password=PASSWORD, data_dir=tmp_path)
    try:
        remote.ready.result(10)
        wait_until(lambda: remote.status().state is LinkState.ONLINE, 10, "the link")
        yield remote
    finally:
        remote.close()


def work(backend: RemoteBackend) -> dict[str, str]:
    """Incidents reported and handled through the server: a fire left open, an assault
    resolved."""

    def do(command: object) -> EventRecord:
        return backend.submit(command, KIM).result(10)[0]  # type: ignore[arg-type]

    fire = str(do(ReportIncident("F-FIRE", 37.5729, 126.9794, "11010", summary="smoke")).subject)
    do(Acknowledge(fire))
    do(AddNote(fire, "ladder truck on scene"))
    assault = str(do(ReportIncident("P-ASL", 37.4979, 127.0276, "11230")).subject)
    do(Acknowledge(assault))
    do(Resolve(assault))
    return {"fire": fire, "assault": assault}


def plain(state: CityState) -> object:
    return json.loads(zlib.decompress(state.to_bytes()))


def replica_tail(path: Path) -> tuple[int, bytes]:
    log = EventLog.open(path, readonly=True)
    try:
        return log.last_seq, log.last_hash
    finally:
        log.close()


def server_events(server: BackendServer, incident_id: str, kind: str) -> list[EventRecord]:
    answer = httpx.get(
        f"{server.url}/v1/incidents/{incident_id}/events",
        params={"type": kind},
        headers=bearer(login(server.url, "kim", PASSWORD)),
        timeout=10,
    )
    answer.raise_for_status()
    return [record_from_json(r) for r in answer.json()["records"]]


def test_replay_of_the_replica_reaches_the_live_state_while_the_link_appends(
    backend: RemoteBackend, tmp_path: Path
) -> None:
    ids = work(backend)
    path = log_file(backend)
    # Bound to the server's log now: no longer the folder used before it was reached.
    assert path == backend.replica_path and path.parent.name != UNBOUND
    assert path.is_relative_to(tmp_path)
    session = ReplaySession(path)
    try:
        assert plain(session.state_at(session.end_ms)) == plain(backend.snapshot().result(5))
        # The link keeps appending the server's records while the replay indexes the copy.
        indexing = threading.Thread(target=session.build_index, name="index under appends")
        indexing.start()
        for n in range(20):
            backend.submit(AddNote(ids["fire"], f"update {n}"), KIM).result(10)
        indexing.join(30)
        assert not indexing.is_alive()
        end = session.refresh()
        index = session.build_index()  # takes in what was appended meanwhile
        assert index.complete
        live = backend.snapshot().result(5)
        assert end == live.last_ts
        assert plain(session.state_at(end)) == plain(live)
        assert {ids["fire"], ids["assault"]} <= {s.incident_id for s in index.spans()}
    finally:
        session.close()


def test_a_bundle_from_the_replica_is_recorded_on_the_server_and_the_chain_holds(
    backend: RemoteBackend, server: BackendServer, tmp_path: Path
) -> None:
    ids = work(backend)
    path = log_file(backend)
    assert path is not None
    before = replica_tail(path)
    published: list[object] = []

    def record(event: NewEvent) -> None:
        published.append(backend.publish([event]))

    result = export_incident(
        path,
        ids["fire"],
        tmp_path / "fire.zip",
        created_by=KIM,
        purpose="after-action review",
        record=record,
    )
    check = check_bundle(result.path)
    assert check.ok, [p.line() for p in check.problems]
    assert check.incident_id == ids["fire"]
    (future,) = published
    (recorded,) = future.result(10)  # type: ignore[attr-defined]
    # The export wrote nothing into the replica itself: what may be new there already is the
    # server's record of it, taken as the server stored it (it can arrive before this read).
    assert replica_tail(path) in (before, (recorded.seq, recorded.hash))
    (on_server,) = server_events(server, ids["fire"], EventType.BUNDLE_EXPORTED)
    assert (on_server.seq, on_server.hash) == (recorded.seq, recorded.hash)
    assert on_server.actor == KIM
    assert on_server.payload["sha256"] == hashlib.sha256(result.path.read_bytes()).hexdigest()
    assert on_server.payload["purpose"] == "after-action review"
    # The replica took the server's record verbatim, and its chain still verifies.
    wait_until(lambda: replica_tail(path)[0] >= on_server.seq, 5, "the record in the replica")
    log = EventLog.open(path, readonly=True)
    try:
        (copied,) = log.by_subject(ids["fire"], [EventType.BUNDLE_EXPORTED])
        assert copied == on_server
        report = log.verify()
        assert report.ok, report
    finally:
        log.close()


def test_the_hand_over_from_the_replica_names_the_open_incidents(
    backend: RemoteBackend,
) -> None:
    ids = work(backend)
    path = log_file(backend)
    assert path is not None
    report = handover_from_log(path, SystemClock().now_ms())
    named = [i.id for i in report.incidents]
    assert ids["fire"] in named and ids["assault"] not in named  # resolved: not handed over
    (fire,) = [i for i in report.incidents if i.id == ids["fire"]]
    assert fire.last_note is not None and fire.last_note.text == "ladder truck on scene"


# -- the File menu's export on a remote workstation -------------------------------------------


def test_the_export_action_publishes_its_record_to_the_server(
    qtbot: QtBot,
    server: BackendServer,
    tmp_path: Path,
) -> None:
    station = open_remote_workstation(qtbot, tmp_path / "station", server.url, ("kim", PASSWORD))
    try:
        ids = work(station.backend)
        actions = station.window.bundles
        assert not actions.export_action.isEnabled()
        station.context.selection.select_incident(ids["fire"])
        assert actions.export_action.isEnabled()  # in REMOTE mode too
        out = tmp_path / "fire.zip"
        with qtbot.waitSignal(actions.recorded, timeout=30_000) as recorded:
            actions.export(ids["fire"], out, "investigation request 12")
        assert recorded.args == [None]
        assert check_bundle(out).ok
        box = actions.message_box
        assert box is not None and "fire.zip written" in box.text()
        assert "not on record" not in box.text()
        box.close()
        (on_server,) = server_events(server, ids["fire"], EventType.BUNDLE_EXPORTED)
        assert on_server.payload["purpose"] == "investigation request 12"
        assert on_server.payload["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    finally:
        station.close()


def test_an_export_the_server_refuses_to_record_is_kept_and_the_operator_told(
    qtbot: QtBot, server: BackendServer, backend: RemoteBackend, tmp_path: Path
) -> None:
    fire = work(backend)["fire"]
    # Auditors read the log; they may not add facts to it, an export's record included.
    station = open_remote_workstation(qtbot, tmp_path / "audit", server.url, ("audi", PASSWORD))
    try:
        qtbot.waitUntil(lambda: fire in station.context.store.state.incidents, timeout=10_000)
        actions = station.window.bundles
        out = tmp_path / "fire.zip"
        with qtbot.waitSignal(actions.recorded, timeout=30_000) as recorded:
            actions.export(fire, out, "audit sample")
        (error,) = recorded.args
        assert isinstance(error, AccessDenied)
        assert check_bundle(out).ok
        box = actions.message_box
        assert box is not None
        assert "could not be recorded" in box.text() and "auditor" in box.text()
        assert "delete the bundle" in box.text()
        box.close()
        assert server_events(server, fire, EventType.BUNDLE_EXPORTED) == []
    finally:
        station.close()


def test_an_export_made_offline_is_written_and_its_record_queued(
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    # What a server once sent: a log with a fire, copied into the replica.
    origin = LocalBackend.open(tmp_path / "origin.db")
    try:
        report = ReportIncident("F-FIRE", 37.5729, 126.9794, "11010")
        fire = str(origin.submit(report, "agency:119").result()[0].subject)
        origin.submit(Acknowledge(fire), KIM).result()
    finally:
        origin.close()
    log = EventLog.open(tmp_path / "origin.db", readonly=True)
    try:
        replica = unbound_replica(tmp_path / "station" / "remote")
        fill_replica(replica, list(log.read()))
    finally:
        log.close()
    station = open_remote_workstation(qtbot, tmp_path / "station")  # nobody answers
    try:
        before = replica_tail(replica)
        actions = station.window.bundles
        station.context.selection.select_incident(fire)
        assert actions.export_action.isEnabled()
        out = tmp_path / "fire.zip"
        with qtbot.waitSignal(actions.recorded, timeout=30_000) as recorded:
            actions.export(fire, out, "after-action review")
        (error,) = recorded.args
        assert isinstance(error, CommandQueued)
        assert check_bundle(out).ok  # the bundle is written all the same
        box = actions.message_box
        assert box is not None
        assert "fire.zip written" in box.text() and "not on record yet" in box.text()
        assert "queued" in box.text()
        box.close()
        assert station.backend.status().queued == 1  # sent when the link is back
        assert replica_tail(replica) == before
    finally:
        station.close()
