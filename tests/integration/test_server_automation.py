"""The centre's automations run once, on the server: two server processes on one database,
configured with an agency registry whose agency is a real HTTP receiver, escalation and the
procedure starter. Exactly one process (the leader) delivers packets, escalates and starts
procedures; kill -9 it and the other takes over without losing or repeating a packet.
Workstations on the server (RemoteBackend, the real Qt services) queue and cancel packets but
send nothing, show the server's escalation and start no procedure themselves."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from PySide6.QtCore import QSettings

from core.city import City, load_city
from core.clock import SystemClock
from core.commands import ReportIncident
from core.dispatch.agencies import Registry
from core.dispatch.agency_sim import AgencySimulator, SimModes, SimSettings
from core.dispatch.formats import render
from core.dispatch.model import Format
from core.dispatch.queueing import queued_event
from core.dispatch.tracking import PacketState, PacketStatus
from core.events import EventRecord, EventType
from core.notices import NoticeBoard
from core.remote.backend import LinkState, RemoteBackend
from core.sop.escalation import ACTOR as ESCALATION_ACTOR
from core.sop.starter import ACTOR as PROCEDURES_ACTOR
from server.automation import AgencyInbound, automation_duties
from server.config import server_config_from_text
from server.field import LEADER_QUERY, LOCK_KEY, LeaderService, leader_application_name
from server.pg_backend import PgBackend
from server.pg_log import PgEventLog
from tests.agency_server import make_packet, registry_text
from tests.backend_server import BackendServer, add_users, free_port, wait_until
from tests.pg_cluster import PgCluster
from ui.app import build_context
from ui.context import AppContext
from ui.escalation import EscalationBanner, EscalationWatcher
from ui.settings import Settings

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
AGENCY = "police-112"
ESCALATE_AFTER_S = 10  # the shortest the configuration allows


class GatedAgency(AgencySimulator):
    """The agency's receiver, able to hold packets on the wire as a slow agency would (the
    request is read, the answer waits for the gate)."""

    def __init__(self, settings: SimSettings) -> None:
        super().__init__(settings)
        self.gate = threading.Event()
        self.gate.set()
        self.held: list[str] = []
        self._held_lock = threading.Lock()

    def take(self, headers: dict[str, str], body: bytes) -> Any:
        if not self.gate.is_set():
            with self._held_lock:
                self.held.append(headers.get("idempotency-key", ""))
            self.gate.wait(30)
        return super().take(headers, body)

    def held_now(self) -> list[str]:
        with self._held_lock:
            return list(self.held)


@dataclass
class Centre:
    pg_url: str
    servers: list[BackendServer]
    registry: Path
    agency_port: int
    inbound_port: int
    agency: GatedAgency | None = None  # the running receiver (one per test)

    def leader(self, timeout: float = 30) -> BackendServer:
        """The server process holding the leader's lock (waits until one does)."""
        found: list[BackendServer] = []

        def one_leads() -> bool:
            with psycopg.connect(self.pg_url, autocommit=True) as conn:
                names = [r[0] for r in conn.execute(LEADER_QUERY, (LOCK_KEY,)).fetchall()]
            found[:] = [
                s for s in self.servers if leader_application_name(f"test-{s.name}") in names
            ]
            return len(names) == 1 and len(found) == 1 and found[0].running

        wait_until(one_leads, timeout, "exactly one server process to lead")
        return found[0]

    def follower(self) -> BackendServer:
        leader = self.leader()
        return next(s for s in self.servers if s is not leader)


@pytest.fixture(scope="module")
def centre(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Centre]:
    """Two server processes on one database, sharing the registry of one agency."""
    name = "cityroom_automation"
    pg_url = pg_cluster.create_database(name, template=pg_template)
    add_users(pg_url, [("kim", PASSWORD, "operator", ())])
    folder = tmp_path_factory.mktemp("automation")
    agency_port, inbound_port = free_port(), free_port()
    registry = folder / "agencies.toml"
    url = f"http://127.0.0.1:{agency_port}/packets"
    registry.write_text(registry_text(url, inbound_port, AGENCY), encoding="utf-8")
    extra = (
        f'[dispatch]\nregistry = "{registry}"\n'
        f"[automation]\nescalation = true\nescalate_after_s = {ESCALATE_AFTER_S}\n"
        "procedures = true\n"
    )
    servers = [BackendServer(pg_url, folder, name=n, extra_toml=extra) for n in "ab"]
    try:
        with ThreadPoolExecutor(2) as pool:  # each start takes seconds: start them together
            list(pool.map(lambda s: s.start(), servers))
        yield Centre(pg_url, servers, registry, agency_port, inbound_port)
    finally:
        for server in servers:
            server.stop()
        pg_cluster.drop_database(name)


@pytest.fixture
def running(centre: Centre) -> Iterator[Centre]:
    """The centre with both processes up (a test before may have killed one) and the agency
    listening on its port (started per test: it must end its connections with the test)."""
    for server in centre.servers:
        if not server.running:
            server.start()
    settings = SimSettings(
        agency_id=AGENCY,
        port=centre.agency_port,
        ack_to=f"http://127.0.0.1:{centre.inbound_port}/acks",
        modes=SimModes(ack_delay_s=0.05),
    )
    agency = GatedAgency(settings)
    agency.start()
    centre.agency = agency
    try:
        yield centre
    finally:
        agency.gate.set()
        agency.stop()
        centre.agency = None


def agency_of(centre: Centre) -> GatedAgency:
    assert centre.agency is not None
    return centre.agency


@lru_cache(maxsize=1)
def lite_city() -> City:
    return load_city("lite")


@dataclass
class Desk:
    """A workstation on the server: its RemoteBackend and the app's context around it."""

    backend: RemoteBackend
    context: AppContext
    watcher: EscalationWatcher

    def state_of_packet(self, distribution_id: str) -> PacketStatus | None:
        return self.backend.snapshot().result(10).packets.get(distribution_id)

    def events(self, incident_id: str, type_: EventType) -> list[EventRecord]:
        records = self.backend.incident_events(incident_id).result(10)
        return [r for r in records if r.type == type_]

    def report(self, type_code: str) -> str:
        lat, lon = lite_city().district("11140").centroid
        command = ReportIncident(type_code, lat, lon, "11140", summary="test")
        records = self.backend.submit(command, "operator:kim").result(10)
        return str(records[0].subject)

    def queue_packet(self, incident_id: str, agency_id: str = AGENCY) -> str:
        """Queue a packet in the log as the compose dialog does (workflow.send publishes)."""
        packet = make_packet(incident_id, agency_id)
        event = queued_event(packet, Format.EDXL, render(packet, Format.EDXL))
        self.backend.publish([event.to_new("dispatch", "operator:kim")]).result(10)
        return packet.distribution_id


@pytest.fixture
def open_desk(qtbot: Any, tmp_path: Path, running: Centre) -> Iterator[Callable[..., Desk]]:
    """Opens workstations on a server as the app does in remote mode; closes them after."""
    opened: list[Desk] = []

    def open_(server: BackendServer) -> Desk:
        folder = tmp_path / f"desk{len(opened)}"
        folder.mkdir()
        settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        settings.alert_sound = False
        settings.dispatch_registry = running.registry
        settings.escalate_after_s = ESCALATE_AFTER_S  # its own check finds it due as well
        backend = RemoteBackend(
            server.url, username="kim", password=PASSWORD, data_dir=folder / "data"
        )
        context = build_context(backend, lite_city(), NoticeBoard(), settings, "en")
        context.store.start()
        context.procedures.start_live(backend, context.store)
        assert context.dispatch is not None
        context.dispatch.start_live(backend)
        watcher = EscalationWatcher(context, EscalationBanner())
        desk = Desk(backend, context, watcher)
        opened.append(desk)
        wait_until(lambda: backend.status().state is LinkState.ONLINE, 10, "the desk online")
        qtbot.waitUntil(lambda: context.store.is_loaded and context.dispatch.ready, timeout=10000)
        qtbot.waitUntil(lambda: context.procedures.loaded, timeout=10000)
        return desk

    yield open_
    for desk in opened:
        desk.watcher.stop()
        desk.context.procedures.stop()
        assert desk.context.dispatch is not None
        desk.context.dispatch.stop()
        desk.context.store.stop()
        desk.backend.close()


def test_a_packet_queued_at_a_workstation_is_delivered_once_by_the_leader(
    running: Centre, open_desk: Callable[..., Desk]
) -> None:
    leader = running.leader()
    desk = open_desk(running.follower())  # the packet travels through the log, not a process
    service = desk.context.dispatch
    assert service is not None
    # The workstation reads the registry but runs no delivery of its own.
    assert service.delivered_by_server and service.ready and service.registry is not None
    assert service.outbox is None and service.inbound is None and service.live_share is None
    assert service.status() is None and service.retry_now("any") is None
    assert "server delivers" in service.delivery_note

    incident = desk.report("P-ASL")
    distribution_id = desk.queue_packet(incident)

    def acknowledged() -> bool:
        packet = desk.state_of_packet(distribution_id)
        return packet is not None and packet.state is PacketState.ACKNOWLEDGED

    wait_until(acknowledged, 20, "the agency's Ack to come back to the workstation")
    received = agency_of(running).received()
    assert received["received"].count(distribution_id) == 1
    assert distribution_id not in received["duplicates"]
    for type_ in (EventType.PACKET_SENT, EventType.PACKET_DELIVERED):
        (record,) = [
            r
            for r in desk.events(incident, type_)
            if r.payload["distribution_id"] == distribution_id
        ]
        assert record.actor == "outbox"
    (ack,) = desk.events(incident, EventType.PACKET_ACKNOWLEDGED)
    assert ack.actor == f"agency:{AGENCY}"
    # The one process holding the lock (running.leader checks there is one) says what it
    # runs; the other only contends.
    assert "packet delivery: this process now delivers" in leader.log_text()
    assert "agency inbound: this process now listens" in leader.log_text()
    assert "contends for the centre's lock" in running.follower().log_text()
    # Each process's health answer says which one leads.
    healths = [
        httpx.get(f"{server.url}/v1/health", timeout=5).json()
        for server in (leader, running.follower())
    ]
    assert [h["leader"] for h in healths] == [True, False]


def test_a_packet_cancelled_at_a_workstation_is_given_up_by_the_server(
    running: Centre, open_desk: Callable[..., Desk]
) -> None:
    desk = open_desk(running.follower())
    service = desk.context.dispatch
    assert service is not None
    incident = desk.report("P-ASL")
    # An agency the registry lacks: the server keeps retrying it, so it stays queued.
    distribution_id = desk.queue_packet(incident, agency_id="fire-119")

    def tried() -> bool:
        packet = desk.state_of_packet(distribution_id)
        return packet is not None and packet.attempts >= 1 and packet.pending

    wait_until(tried, 20, "the server to try the packet")
    answer = service.cancel(distribution_id, "sent by phone instead", "operator:kim")
    assert answer is not None and answer.result(15) is True

    def cancelled() -> bool:
        packet = desk.state_of_packet(distribution_id)
        return packet is not None and packet.state is PacketState.FAILED

    wait_until(cancelled, 10, "the cancellation in the workstation's replica")
    packet = desk.state_of_packet(distribution_id)
    assert packet is not None and packet.failure_code == "cancelled"
    (failed,) = desk.events(incident, EventType.PACKET_FAILED)
    assert failed.payload["reason"] == "sent by phone instead"
    assert failed.actor == "operator:kim"  # the server records who cancelled it
    again = service.cancel(distribution_id, "again", "operator:kim")
    assert again is not None and again.result(15) is False


def test_an_unacknowledged_critical_incident_is_escalated_once_by_the_server(
    running: Centre, open_desk: Callable[..., Desk], qtbot: Any
) -> None:
    desk = open_desk(running.follower())
    watcher = desk.watcher
    assert not watcher.escalates  # the workstation leaves escalating to the server
    reported = SystemClock().now_ms()
    incident = desk.report("F-FIRE")
    # The log keeps time in order, so an incident cannot be reported as older than the
    # log's last event: the test waits the shortest limit the configuration allows out.
    qtbot.waitUntil(
        lambda: incident in watcher.banner.rows, timeout=(ESCALATE_AFTER_S + 15) * 1000
    )
    assert SystemClock().now_ms() - reported >= ESCALATE_AFTER_S * 1000
    (escalated,) = desk.events(incident, EventType.INCIDENT_ESCALATED)
    # A workstation's escalation through the server would be recorded as its user.
    assert escalated.actor == ESCALATION_ACTOR
    leader = running.leader()
    lines = [line for s in running.servers for line in s.log_text().splitlines()]
    assert len([line for line in lines if f"escalation: {incident} escalated" in line]) == 1
    assert f"escalation: {incident} escalated" in leader.log_text()


def test_a_new_incident_gets_its_procedure_started_once_by_the_server(
    running: Centre, open_desk: Callable[..., Desk]
) -> None:
    desk = open_desk(running.follower())
    assert desk.context.procedures.starter is None  # only the library, for the panels
    incident = desk.report("P-ASL")

    def started() -> bool:
        found = desk.backend.snapshot().result(10).incidents.get(incident)
        return found is not None and found.procedure is not None

    wait_until(started, 15, "the server to start the incident's procedure")
    (start,) = desk.events(incident, EventType.PROCEDURE_STARTED)
    assert start.actor == PROCEDURES_ACTOR
    assert start.payload["procedure_id"] == "police-video-assault"


def test_a_stopping_leader_finishes_its_sends_before_the_other_takes_over(
    running: Centre, open_desk: Callable[..., Desk]
) -> None:
    leader = running.leader()
    survivor = running.follower()
    desk = open_desk(survivor)
    agency = agency_of(running)
    agency.gate.clear()
    distribution_id = desk.queue_packet(desk.report("P-ASL"))
    wait_until(lambda: distribution_id in agency.held_now(), 20, "the packet on the wire")
    stopping = threading.Thread(target=leader.stop)  # SIGTERM, as a service manager stops it
    stopping.start()
    try:
        wait_until(
            lambda: "stopping packet delivery" in leader.log_text(), 15, "the delivery to stop"
        )
        agency.gate.set()  # the agency answers while the worker is stopping
    finally:
        agency.gate.set()
        stopping.join(30)
    assert "packet delivery: stopped" in leader.log_text()
    assert running.leader() is survivor

    def recorded() -> bool:
        packet = desk.state_of_packet(distribution_id)
        return packet is not None and not packet.pending

    wait_until(recorded, 20, "the send's outcome in the log")
    # The stopping leader recorded its send before it let go of the lock: nothing is sent
    # again, so the agency saw the packet once.
    received = agency.received()
    assert received["received"].count(distribution_id) == 1
    assert distribution_id not in received["duplicates"]


def test_the_other_process_takes_over_when_the_leader_dies_and_no_packet_is_lost(
    running: Centre, open_desk: Callable[..., Desk]
) -> None:
    leader = running.leader()
    survivor = running.follower()
    desk = open_desk(survivor)
    agency = agency_of(running)
    incidents = [desk.report("P-ASL") for _ in range(3)]
    first = [desk.queue_packet(incidents[n % 3]) for n in range(4)]

    def sent(ids: list[str]) -> Callable[[], bool]:
        def check() -> bool:
            book = desk.backend.snapshot().result(10).packets
            return all((p := book.get(i)) is not None and not p.pending for i in ids)

        return check

    wait_until(sent(first), 20, "the first packets to be sent")
    agency.gate.clear()  # the agency slows down: the next packets stay on the wire
    held_before = len(agency.held_now())
    later = [desk.queue_packet(incidents[n % 3]) for n in range(12)]
    wait_until(lambda: len(agency.held_now()) > held_before, 20, "a packet on the wire")
    leader.kill()  # kill -9 with sends under way
    on_the_wire = set(agency.held_now()[held_before:])
    agency.gate.set()
    assert running.leader(timeout=30) is survivor
    ids = first + later
    wait_until(sent(ids), 30, "every packet to be sent after the hand-over")
    received = agency.received()
    mine = [i for i in received["received"] if i in set(ids)]
    assert sorted(mine) == sorted(ids)  # every packet arrived, each once by id
    # Resent only what was on the wire when the leader died (the agency dedupes by id).
    assert set(received["duplicates"]) & set(ids) <= on_the_wire
    book = desk.backend.snapshot().result(10).packets
    assert {book.packets[i].state for i in ids} <= {
        PacketState.SENT,
        PacketState.DELIVERED,
        PacketState.ACKNOWLEDGED,
    }
    sent_events = [
        r.payload["distribution_id"]
        for incident in incidents
        for r in desk.events(incident, EventType.PACKET_SENT)
    ]
    assert sorted(sent_events) == sorted(ids)  # recorded once each, by one leader or the other
    assert "packet delivery: this process now delivers" in survivor.log_text()


@pytest.fixture
def pg_backend(pg_url: str) -> Iterator[PgBackend]:
    """The server's backend in this process, on a database of the test's own."""
    backend = PgBackend(PgEventLog.open(pg_url), url=pg_url, listen=False)
    backend.ready.result(30)
    yield backend
    backend.close()


def test_the_configuration_says_which_duties_the_leader_runs(
    pg_backend: PgBackend, tmp_path: Path
) -> None:
    agency_port = free_port()
    registry_path = tmp_path / "agencies.toml"
    url = f"http://127.0.0.1:{agency_port}/packets"
    registry_path.write_text(registry_text(url, free_port(), AGENCY), encoding="utf-8")
    registry = Registry.load(registry_path)
    config = server_config_from_text(
        f'[dispatch]\nregistry = "{registry_path}"\nsimulate_agencies = true\n'
    )
    duties = automation_duties(config, pg_backend, registry)
    assert [d.name for d in duties] == ["agency simulators", "agency inbound", "packet delivery"]
    everything = server_config_from_text(
        "[automation]\nescalation = true\nprocedures = true\n", tmp_path / "server.toml"
    )
    names = [d.name for d in automation_duties(everything, pg_backend, None)]
    assert names == ["procedure starter", "escalation"]
    # The demo's agencies are played on the registry's own ports.
    simulators = duties[0]
    simulators.start()
    try:
        answer = httpx.get(f"http://127.0.0.1:{agency_port}/health", timeout=5)
        assert answer.status_code == 200 and answer.json()["agency"] == AGENCY
    finally:
        simulators.stop()


def test_a_duty_that_cannot_start_is_tried_again_until_it_can(
    pg_backend: PgBackend, pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    inbound_port = taken.getsockname()[1]
    registry_path = tmp_path / "agencies.toml"
    registry_path.write_text(
        registry_text(f"http://127.0.0.1:{free_port()}/packets", inbound_port, AGENCY),
        encoding="utf-8",
    )
    inbound = AgencyInbound(pg_backend, Registry.load(registry_path), NoticeBoard())
    leader = LeaderService(pg_url, [inbound], instance="test-retry", check_s=0.05)
    caplog.set_level(logging.INFO, logger="cityroom.server")
    leader.start()
    try:
        wait_until(lambda: "agency inbound: cannot start" in caplog.text, 15, "the refusal")
        assert not leader.running and leader.leading
        taken.close()  # whoever had the port lets it go
        wait_until(lambda: inbound in leader.running, 15, "the listener to start")
        answer = httpx.get(f"http://127.0.0.1:{inbound_port}/health", timeout=5)
        assert answer.status_code == 200
        # The problem was told once, not at every try.
        assert caplog.text.count("agency inbound: cannot start") == 1
    finally:
        taken.close()
        leader.stop()
    assert not leader.leading and not leader.running
