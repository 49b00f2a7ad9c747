"""RemoteBackend against a real backend server on a real PostgreSQL: live sharing between
workstations, conflicts, offline queueing and its flush, resuming, and refusals."""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import httpx
import pytest
import trustme

from core.commands import Acknowledge, AddNote, ReportIncident
from core.errors import ConflictError, IllegalTransition
from core.eventlog import EventLog
from core.events import CameraViewed, EventRecord, IncidentNoteAdded, NewEvent, SensorReading
from core.local_backend import LocalBackend
from core.notices import NoticeBoard, NoticeLevel
from core.remote import link as link_module
from core.remote.backend import LinkState, LinkStatus, RemoteBackend
from core.remote.errors import AccessDenied, CommandQueued
from core.remote.replica import REPLICA_FILE, ReplicaStore
from core.remote.wire import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    chain_from_json,
    command_to_json,
    new_event_to_json,
)
from core.state import FOLD_VERSION, CityState
from tests.backend_server import (
    BackendServer,
    add_users,
    bearer,
    login,
    served_database,
    wait_until,
)
from tests.pg_cluster import PgCluster

PASSWORD = "correct horse battery"
USERS = [
    ("kim", PASSWORD, "operator", ()),
    ("lee", PASSWORD, "supervisor", ()),
    ("audi", PASSWORD, "auditor", ()),
    ("choi", PASSWORD, "operator", ()),
]


@pytest.fixture(scope="module")
def server(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServer]:
    """One server and database for the module; tests that stop it start it again."""
    folder = tmp_path_factory.mktemp("server")
    database = "cityroom_remote_client"
    with served_database(pg_cluster, pg_template, database, USERS, folder) as served:
        yield served


@pytest.fixture
def running(server: BackendServer) -> BackendServer:
    if not server.running:
        server.start()
    return server


class Station:
    """A workstation: a RemoteBackend with what it received and the statuses it reported."""

    def __init__(self, server: BackendServer, data_dir: Path, user: str = "kim") -> None:
        self.records: list[EventRecord] = []
        self.statuses: list[LinkStatus] = []
        self.notices = NoticeBoard()
        self._lock = threading.Lock()
        self.backend = RemoteBackend(
            server.url,
            username=user,
            password=PASSWORD,
            data_dir=data_dir,
            notices=self.notices,
            on_status=self.statuses.append,
        )
        self.backend.ready.result(10)
        self.backend.subscribe(self._collect)

    def _collect(self, batch: list[EventRecord]) -> None:
        with self._lock:
            self.records.extend(batch)

    def has(self, seq: int) -> bool:
        with self._lock:
            return any(r.seq == seq for r in self.records)

    def wait_state(self, state: LinkState, timeout: float = 10) -> None:
        wait_until(lambda: self.backend.status().state is state, timeout, f"link {state}")

    def tail(self) -> tuple[int, bytes]:
        last = self.backend.stats().result(5).last_seq
        (record,) = self.backend.events_at([last]).result(5)
        return last, record.hash

    def close(self) -> None:
        self.backend.close()


@pytest.fixture
def stations(running: BackendServer, tmp_path: Path) -> Iterator[list[Station]]:
    made = [Station(running, tmp_path / "a"), Station(running, tmp_path / "b", "lee")]
    try:
        for station in made:
            station.wait_state(LinkState.ONLINE)
        yield made
    finally:
        for station in made:
            station.close()


def nearest_camera(url: str) -> str:
    """A camera the server knows."""
    answer = httpx.get(
        f"{url}/v1/cameras/nearest",
        params={"lat": 37.5, "lon": 127.0, "n": 1},
        headers=bearer(login(url, "kim", PASSWORD)),
        timeout=5,
    )
    answer.raise_for_status()
    return str(answer.json()["cameras"][0]["id"])


def report(station: Station) -> EventRecord:
    records = station.backend.submit(
        ReportIncident("P-ASL", 37.5, 127.0, "11230", summary="smoke"), "operator:kim"
    ).result(10)
    return records[0]


def test_two_workstations_see_each_others_commands_within_a_second(
    stations: list[Station],
) -> None:
    a, b = stations
    reported = report(a)
    assert a.has(reported.seq)  # in the replica when the future resolved
    wait_until(lambda: b.has(reported.seq), 1.0, "the other workstation to see the report")
    assert reported.subject is not None
    (ack,) = b.backend.submit(Acknowledge(reported.subject), "operator:lee").result(10)
    wait_until(lambda: a.has(ack.seq), 1.0, "the acknowledgement to come back")
    state = a.backend.snapshot().result(5)
    assert state.incidents[reported.subject].status.value == "acknowledged"
    account = a.backend.status().account
    assert account is not None
    assert (account["username"], account["role"]) == ("kim", "operator")
    camera = nearest_camera(a.backend.location)
    (viewed,) = a.backend.publish(
        [CameraViewed(camera, "incident").to_new("workstation", "kim")]
    ).result(10)
    wait_until(lambda: b.has(viewed.seq), 1.0, "the published fact to arrive")


def test_a_conflict_goes_to_the_slower_workstation(stations: list[Station]) -> None:
    a, b = stations
    reported = report(a)
    incident_id = reported.subject
    assert incident_id is not None
    wait_until(lambda: b.has(reported.seq), 2.0, "b to see the report")
    version = b.backend.snapshot().result(5).incidents[incident_id].version
    a.backend.submit(Acknowledge(incident_id), "operator:kim", expected_version=version).result(10)
    loser = b.backend.submit(AddNote(incident_id, "on my way"), "lee", expected_version=version)
    with pytest.raises(ConflictError) as caught:
        loser.result(10)
    assert caught.value.incident_id == incident_id
    assert caught.value.current_version > version
    assert "acknowledge" in str(caught.value).lower()
    with pytest.raises(IllegalTransition):
        a.backend.submit(Acknowledge(incident_id), "operator:kim").result(10)


def test_an_auditor_may_not_command(running: BackendServer, tmp_path: Path) -> None:
    auditor = Station(running, tmp_path / "audit", "audi")
    try:
        auditor.wait_state(LinkState.ONLINE)
        with pytest.raises(AccessDenied, match=r"(?i)auditor"):
            report(auditor)
    finally:
        auditor.close()


def test_commands_made_offline_are_queued_then_sent_and_replicas_converge(
    stations: list[Station], running: BackendServer
) -> None:
    a, b = stations
    reported = report(a)
    assert reported.subject is not None
    running.stop()
    a.wait_state(LinkState.OFFLINE)
    with pytest.raises(CommandQueued, match=r"cannot be reached.*\(1 waiting\)"):
        a.backend.submit(AddNote(reported.subject, "first"), "kim").result(10)
    with pytest.raises(CommandQueued, match=r"\(2 waiting\)"):
        a.backend.submit(AddNote(reported.subject, "second"), "kim").result(10)
    with pytest.raises(CommandQueued):
        b.backend.submit(AddNote(reported.subject, "third"), "lee").result(10)
    assert a.backend.status().queued == 2
    assert any(s.state is LinkState.OFFLINE and s.queued == 2 for s in a.statuses)

    running.start()
    for station in stations:
        wait_until(lambda s=station: s.backend.status().queued == 0, 15, "the queue to flush")  # type: ignore[misc]
    wait_until(lambda: a.tail() == b.tail(), 5, "both replicas to hold the same log")
    events = a.backend.incident_events(reported.subject, ["incident.note_added"]).result(5)
    notes = [e.payload["comment"] for e in events]
    assert notes.index("first") < notes.index("second")  # sent in the order made
    assert sorted(notes) == ["first", "second", "third"]
    assert a.backend.status().state is LinkState.ONLINE


def test_a_queued_command_that_conflicts_is_reported_refused(
    running: BackendServer, tmp_path: Path
) -> None:
    a = Station(running, tmp_path / "a")
    b = Station(running, tmp_path / "b", "lee")
    try:
        a.wait_state(LinkState.ONLINE)
        b.wait_state(LinkState.ONLINE)
        reported = report(a)
        incident_id = reported.subject
        assert incident_id is not None
        version = a.backend.snapshot().result(5).incidents[incident_id].version
        running.stop()
        a.wait_state(LinkState.OFFLINE)
        with pytest.raises(CommandQueued):
            a.backend.submit(Acknowledge(incident_id), "kim", expected_version=version).result(10)
        a.close()  # the workstation is shut down with the command still waiting

        running.start()
        b.wait_state(LinkState.ONLINE, 15)
        b.backend.submit(Acknowledge(incident_id), "lee").result(10)

        a = Station(running, tmp_path / "a")  # started again: the queue is still there
        # The queue is marked first, then the notice and the status report follow on the
        # link's thread.
        wait_until(lambda: any(s.refused == 1 for s in a.statuses), 15, "the refusal")
        (refused,) = a.backend.refused_commands()
        assert refused.body["command"] == "Acknowledge"
        assert incident_id in refused.outcome
        errors = [n for n in a.notices.history if n.level is NoticeLevel.ERROR]
        assert errors and "Acknowledge on " + incident_id in errors[-1].text
        assert errors[-1].source == "backend"
        a.backend.dismiss_refused(refused.id)
        assert a.backend.refused_commands() == []
    finally:
        a.close()
        b.close()


def test_a_restarted_workstation_resumes_from_its_replica(
    running: BackendServer, tmp_path: Path
) -> None:
    a = Station(running, tmp_path / "a")
    a.wait_state(LinkState.ONLINE)
    reported = report(a)
    wait_until(lambda: a.backend.status().last_seq >= reported.seq, 5, "the report mirrored")
    held = a.backend.status().last_seq
    a.close()

    again = Station(running, tmp_path / "a")
    try:
        again.wait_state(LinkState.ONLINE)
        assert again.backend.stats().result(5).last_seq >= held  # there before the link
        token = login(running.url, "lee", PASSWORD)

        def resumed_at_held() -> bool:
            answer = httpx.get(
                f"{running.url}/v1/audit",
                params={"after": 0, "limit": 10000},
                headers=bearer(token),
                timeout=5,
            ).json()
            afters = [
                json.loads(r["payload"]).get("after")
                for r in answer["records"]
                if r["type"] == "audit.stream" and r["actor"] == "kim"
            ]
            return held in afters

        wait_until(resumed_at_held, 10, f"a stream request resuming after {held}")
    finally:
        again.close()


def test_a_wrong_password_asks_for_a_login(running: BackendServer, tmp_path: Path) -> None:
    statuses: list[LinkStatus] = []
    backend = RemoteBackend(
        running.url,
        username="kim",
        password="not the password",
        data_dir=tmp_path,
        on_status=statuses.append,
    )
    try:
        wait_until(lambda: backend.status().state is LinkState.LOGIN_NEEDED, 10, "a login request")
        assert "wrong user name or password" in backend.status().message
        with pytest.raises(CommandQueued):
            backend.submit(AddNote("X", "x"), "kim").result(5)
        backend.login("kim", PASSWORD)
        wait_until(lambda: backend.status().state is LinkState.ONLINE, 10, "the link")
        wait_until(lambda: backend.status().refused == 1, 10, "the queued note refused")
    finally:
        backend.close()


def test_a_protocol_mismatch_says_to_update(
    running: BackendServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(link_module, "PROTOCOL_VERSION", 99)  # a workstation from the future
    backend = RemoteBackend(
        running.url, username="kim", password=PASSWORD, data_dir=tmp_path, on_status=None
    )
    try:
        wait_until(lambda: backend.status().state is LinkState.REFUSED, 10, "the refusal")
        message = backend.status().message
        assert "Update" in message and running.url in message
    finally:
        backend.close()


def test_a_closed_backend_refuses_new_work(running: BackendServer, tmp_path: Path) -> None:
    backend = RemoteBackend(running.url, username="kim", password=PASSWORD, data_dir=tmp_path)
    backend.close()
    future: Future[list[EventRecord]] = backend.submit(AddNote("X", "x"), "kim")
    with pytest.raises(Exception, match="closed"):
        future.result(5)


def test_the_token_is_renewed_and_the_stream_outlives_it(
    pg_cluster: PgCluster, pg_template: str, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("cityroom_remote_tokens", template=pg_template)
    add_users(url, USERS)
    short = BackendServer(url, tmp_path / "server", token_minutes=0.05).start()  # 3 s tokens
    a = b = None
    try:
        a = Station(short, tmp_path / "a")
        b = Station(short, tmp_path / "b", "lee")
        a.wait_state(LinkState.ONLINE)
        b.wait_state(LinkState.ONLINE)
        came_online = next(i for i, s in enumerate(a.statuses) if s.state is LinkState.ONLINE)
        token = login(short.url, "lee", PASSWORD)

        def renewals() -> int:
            answer = httpx.get(
                f"{short.url}/v1/audit",
                params={"after": 0, "limit": 10000},
                headers=bearer(token),
                timeout=5,
            ).json()
            return sum(
                1
                for r in answer["records"]
                if r["type"] == "audit.request"
                and r["actor"] == "kim"
                and json.loads(r["payload"])["path"] == "/v1/token"
                and json.loads(r["payload"])["status"] == 200
            )

        wait_until(lambda: renewals() >= 2, 15, "two token renewals (past the first expiry)")
        assert {s.state for s in a.statuses[came_online:]} == {LinkState.ONLINE}
        reported = report(b)
        wait_until(lambda: a.has(reported.seq), 1.0, "the stream to still deliver")
    finally:
        for station in (a, b):
            if station is not None:
                station.close()
        short.stop()
        pg_cluster.drop_database("cityroom_remote_tokens")


def test_https_verifies_the_certificate_against_the_given_ca(
    running: BackendServer, tmp_path: Path
) -> None:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    # A second process on the same database, as behind a load balancer.
    secure = BackendServer(running.pg_url, running.directory, name="tls", tls=(cert, key)).start()
    trusted = untrusted = None
    try:
        trusted = RemoteBackend(
            secure.url, username="kim", password=PASSWORD, data_dir=tmp_path / "a", ca_file=ca_file
        )
        untrusted = RemoteBackend(
            secure.url, username="kim", password=PASSWORD, data_dir=tmp_path / "b"
        )
        wait_until(lambda: trusted.status().state is LinkState.ONLINE, 10, "the trusted link")
        wait_until(lambda: untrusted.status().state is LinkState.OFFLINE, 10, "the refusal")
        assert "certificate" in untrusted.status().message
        assert "CA" in untrusted.status().message
    finally:
        for backend in (trusted, untrusted):
            if backend is not None:
                backend.close()
        secure.stop()


def test_another_log_behind_the_url_gets_a_replica_of_its_own(
    running: BackendServer, tmp_path: Path
) -> None:
    import psycopg

    a = Station(running, tmp_path / "a")
    try:
        a.wait_state(LinkState.ONLINE)
        report(a)
        first_log = a.backend.replica_path.parent
        running.stop()
        with psycopg.connect(running.pg_url, autocommit=True) as conn:  # a database restored
            conn.execute("UPDATE meta SET value = gen_random_uuid()::text WHERE key = 'log_id'")
        running.start()
        wait_until(lambda: a.backend.replica_path.parent != first_log, 15, "the new replica")
        a.wait_state(LinkState.ONLINE)
        (notice,) = [n for n in a.notices.history if "another event log" in n.text]
        assert notice.level is NoticeLevel.WARNING and str(first_log) in notice.text
        assert (first_log / "replica.db").exists()  # the old copy is kept
        wait_until(
            lambda: a.backend.stats().result(5).last_seq == a.backend.status().last_seq > 0,
            10,
            "the new log downloaded",
        )
    finally:
        a.close()


class Screen:
    """Follows a backend as the window's store does: seeded from a snapshot, reset when the
    state is replaced, folding the batches that follow."""

    def __init__(self, backend: RemoteBackend) -> None:
        self._lock = threading.Lock()
        self.resets = 0
        self.state = backend.snapshot().result(5)
        backend.subscribe(self._receive, self.state.last_seq, self._reset)

    def _receive(self, batch: list[EventRecord]) -> None:
        with self._lock:
            self.state.apply_all(batch)

    def _reset(self, state: CityState) -> None:
        with self._lock:
            self.resets += 1
            self.state = state

    def shows(self) -> bytes:
        with self._lock:
            return self.state.to_bytes()


def test_a_screen_shows_the_new_log_not_the_old_one_folded_with_its_events(
    running: BackendServer, tmp_path: Path
) -> None:
    data = tmp_path / "a"
    folders = ReplicaStore(data, running.url, source="workstation", notices=NoticeBoard())
    old_id = str(uuid.uuid4())  # a log this workstation copied before (a restored database)
    origin = LocalBackend.open(tmp_path / "old.db")
    try:
        origin.submit(ReportIncident("E-BIN", 37.5, 127.0, "11140"), "agency:120").result(5)
        readings = [SensorReading("S9", float(i)).to_new("t", "sensor:S9") for i in range(500)]
        origin.publish(readings).result(10)
    finally:
        origin.close()
    old_log = EventLog.open(tmp_path / "old.db", readonly=True)
    folders.folder(old_id).mkdir(parents=True)
    copy = EventLog.open(folders.folder(old_id) / REPLICA_FILE)
    try:
        copy.append_records(list(old_log.read()))
    finally:
        old_log.close()
        copy.close()
    folders.remember(old_id)
    notices = NoticeBoard()
    # A wrong password first: signed in only once the screen follows the old copy.
    backend = RemoteBackend(
        running.url, username="kim", password="not yet", data_dir=data, notices=notices
    )
    try:
        wait_until(lambda: backend.status().state is LinkState.LOGIN_NEEDED, 10, "a login")
        screen = Screen(backend)
        assert len(screen.state.incidents) == 1 and screen.state.last_seq == 501
        backend.login("kim", PASSWORD)
        wait_until(lambda: backend.status().state is LinkState.ONLINE, 10, "the link")
        reported = backend.submit(ReportIncident("P-ASL", 37.5, 127.0, "11230"), "kim").result(10)
        wait_until(
            lambda: backend.stats().result(5).last_seq == backend.status().last_seq > 0,
            10,
            "the new log downloaded",
        )
        wait_until(
            lambda: screen.shows() == backend.snapshot().result(5).to_bytes(),
            5,
            "the screen to show the new log's state",
        )
    finally:
        backend.close()
    assert screen.resets >= 1
    assert all(i.type_code != "E-BIN" for i in screen.state.incidents.values())
    assert screen.state.incidents[str(reported[0].subject)].type_code == "P-ASL"
    (notice,) = [n for n in notices.history if "another event log" in n.text]
    assert old_id in notice.text and notice.text.endswith("The screens now show the new log.")


def set_disabled(pg_url: str, username: str, disabled: bool) -> None:
    """Disable or enable an account in the database, as ``main.py users disable`` does."""
    from psycopg_pool import ConnectionPool

    from server.accounts import AccountStore

    with ConnectionPool(pg_url, min_size=1, max_size=1, open=True) as pool:
        store = AccountStore(pool)
        if disabled:
            store.disable(username)
        else:
            store.enable(username)


def test_a_disabled_account_is_signed_out_of_its_open_stream(
    running: BackendServer, tmp_path: Path
) -> None:
    station = Station(running, tmp_path / "choi", "choi")
    try:
        station.wait_state(LinkState.ONLINE)
        set_disabled(running.pg_url, "choi", True)
        # The server re-reads the account every two seconds; the link then signs in anew.
        station.wait_state(LinkState.LOGIN_NEEDED, 10)
        message = station.backend.status().message
        assert "disabled" in message and "users enable choi" in message
    finally:
        station.close()
        set_disabled(running.pg_url, "choi", False)


def test_a_command_made_offline_keeps_the_time_it_was_made(
    stations: list[Station], running: BackendServer
) -> None:
    a, _ = stations
    reported = report(a)
    assert reported.subject is not None
    camera = nearest_camera(a.backend.location)
    running.stop()
    a.wait_state(LinkState.OFFLINE)
    made_from = time.time_ns() // 1_000_000
    with pytest.raises(CommandQueued):
        a.backend.submit(AddNote(reported.subject, "made offline"), "kim").result(10)
    with pytest.raises(CommandQueued):  # a fact (a camera opened) is kept the same way
        a.backend.publish(
            [CameraViewed(camera, "viewed offline").to_new("workstation", "kim")]
        ).result(10)
    made_until = time.time_ns() // 1_000_000
    running.start()  # seconds later
    back_at = time.time_ns() // 1_000_000
    wait_until(lambda: a.backend.status().queued == 0, 15, "the queue to flush")
    (note,) = [
        e
        for e in a.backend.incident_events(reported.subject).result(5)
        if e.type == "incident.note_added" and "made offline" in e.payload_json
    ]
    assert made_from <= note.ts_ms <= made_until < back_at
    last = a.backend.stats().result(5).last_seq
    (viewed,) = [
        e
        for e in a.backend.events_at(list(range(max(1, last - 50), last + 1))).result(5)
        if e.type == "camera.viewed" and "viewed offline" in e.payload_json
    ]
    assert made_from <= viewed.ts_ms <= made_until < back_at


def test_the_server_bounds_a_workstations_time(running: BackendServer) -> None:
    token = login(running.url, "lee", PASSWORD)

    def note_at(ts_ms: int) -> int:
        body = {**command_to_json(AddNote(incident, "timed")), "ts_ms": ts_ms}
        answer = httpx.post(
            f"{running.url}/v1/commands", json=body, headers=bearer(token), timeout=10
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["records"][0]["ts_ms"])

    body = command_to_json(ReportIncident("F-FIRE", 37.5, 127.0, "11230"))
    answer = httpx.post(f"{running.url}/v1/commands", json=body, headers=bearer(token))
    incident, head_ms = (
        answer.json()["records"][0]["subject"],
        answer.json()["records"][0]["ts_ms"],
    )
    before = time.time_ns() // 1_000_000
    assert head_ms - 10 < head_ms  # a time in the past ...
    assert note_at(head_ms - 60_000) == head_ms  # ... never runs the log's time backwards
    future = note_at(before + 3_600_000)  # a clock an hour fast
    assert before <= future <= time.time_ns() // 1_000_000  # the server's clock instead
    camera = nearest_camera(running.url)
    fact = CameraViewed(camera, "fast clock").to_new("workstation", "lee", before + 3_600_000)
    answer = httpx.post(
        f"{running.url}/v1/events",
        json={"events": [new_event_to_json(fact)]},
        headers=bearer(token),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert before <= answer.json()["records"][0]["ts_ms"] <= time.time_ns() // 1_000_000


def fill(pg_url: str, incidents: list[str], count: int) -> int:
    """Append ``count`` notes straight to the server's log (another server's traffic)."""
    from server.pg_log import PgEventLog

    log = PgEventLog.open(pg_url)
    rng = random.Random(3)
    try:
        for start in range(0, count, 10_000):
            batch = [
                IncidentNoteAdded(rng.choice(incidents), f"note {start + i}").to_new(
                    "server", "operator:lee"
                )
                for i in range(min(10_000, count - start))
            ]

            def these(_: list[EventRecord], chosen: list[NewEvent] = batch) -> list[NewEvent]:
                return chosen

            log.append(these, after_seq=log.max_seq())
        return log.max_seq()
    finally:
        log.close()


def test_a_workstation_far_behind_is_current_at_once_and_its_copy_fills_in(
    pg_cluster: PgCluster, pg_template: str, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("cityroom_remote_catch_up", template=pg_template)
    add_users(url, USERS)
    server = BackendServer(url, tmp_path / "server").start()
    station = None
    try:
        station = Station(server, tmp_path / "a")
        station.wait_state(LinkState.ONLINE)
        incidents = [report(station).subject or "" for _ in range(3)]
        held = station.backend.status().last_seq
        station.close()
        last = fill(url, incidents, 25_000)  # more than the stream sends as events alone
        health = f"{server.url}/v1/health"
        wait_until(lambda: httpx.get(health).json()["last_seq"] == last, 10, "the server")

        # What the stream sends a workstation that far behind: the state, then chain pages.
        from websockets.sync.client import connect

        headers = {
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            "Authorization": f"Bearer {login(server.url, 'kim', PASSWORD)}",
        }
        query = f"after={held}&format=chain&fold={FOLD_VERSION}"
        ws_url = server.url.replace("http", "ws", 1) + f"/v1/stream?{query}"
        with connect(ws_url, additional_headers=headers, max_size=None) as ws:
            assert json.loads(ws.recv(10))["kind"] == "hello"
            sent = json.loads(ws.recv(10))
            assert (sent["kind"], sent["seq"]) == ("state", last)
            state = CityState.from_bytes(base64.b64decode(sent["state"]))
            pages: list[EventRecord] = []
            while not pages or pages[-1].seq < last:
                page = json.loads(ws.recv(10))
                assert page["kind"] == "chain"
                pages.extend(chain_from_json(page))
        assert [r.seq for r in pages] == list(range(held + 1, last + 1))
        assert pages[-1].hash.hex() == sent["hash"]
        assert state.last_seq == last

        station = Station(server, tmp_path / "a")  # back: it subscribes from its old state
        wait_until(lambda: station.backend.snapshot().result(5).last_seq == last, 10, "the state")
        wait_until(lambda: station.backend.status().last_seq == last, 30, "the copy")
        wait_until(lambda: station.has(last), 10, "every event handed to the subscriber")
        assert [r.seq for r in station.records] == list(range(1, last + 1))  # each once
        mine = station.backend.snapshot().result(5)
        assert {i: v.version for i, v in mine.incidents.items()} == {
            i: v.version for i, v in state.incidents.items()
        }
        replica = station.backend.replica_path
        station.close()
        log = EventLog.open(replica, readonly=True)
        try:
            assert log.verify().ok and log.last_seq == last
        finally:
            log.close()
    finally:
        if station is not None:
            station.close()
        server.stop()
        pg_cluster.drop_database("cityroom_remote_catch_up")
