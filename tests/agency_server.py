"""Helpers for the dispatch delivery tests: real packets in a real log, simulated agencies."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.clock import SystemClock
from core.commands import ReportIncident
from core.dispatch.agency_sim import AgencySimulator, SimModes, SimSettings
from core.dispatch.formats import render
from core.dispatch.model import (
    CapCategory,
    CapSeverity,
    DistributionKind,
    DistributionStatus,
    Format,
    Packet,
    Point,
    PointArea,
)
from core.dispatch.outbox import Outbox
from core.dispatch.queueing import queued_event
from core.dispatch.retry import Backoff
from core.dispatch.tracking import PacketState, PacketStatus
from core.dispatch.transports import EndpointSettings
from core.local_backend import LocalBackend
from core.sop.definitions import Recipient
from tests.video_servers import wait_for

CENTRE = "uoc@seoul.go.kr"
FAST = Backoff(base_ms=20, factor=2.0, cap_ms=200)


def make_packet(
    incident_id: str,
    agency_id: str = "police-112",
    *,
    expires_in_ms: int = 600_000,
    status: DistributionStatus = DistributionStatus.ACTUAL,
    kind: DistributionKind = DistributionKind.DISPATCH,
    event_code: str = "P-ASL",
    distribution_id: str | None = None,
    lat: float = 37.5665,
    lon: float = 126.978,
    sender_id: str = CENTRE,
) -> Packet:
    """A small, valid packet (summary only) as the compose step would make it."""
    now = SystemClock().now_ms()
    return Packet(
        distribution_id=distribution_id or f"cityroom-{uuid.uuid4()}",
        incident_id=incident_id,
        agency_id=agency_id,
        recipient=Recipient.POLICE,
        kind=kind,
        status=status,
        sender_id=sender_id,
        sent_ms=now,
        expires_ms=now + expires_in_ms,
        event_code=event_code,
        event_ko="폭행",
        event_en="Assault",
        category=CapCategory.SECURITY,
        severity=CapSeverity.SEVERE,
        headline_ko="[폭행] 중구 세종대로 폭행 신고",
        summary_ko="세종대로 110 앞 폭행 신고, 용의자 도주 중",
        area=PointArea(at=Point(lat=lat, lon=lon)),
        area_desc_ko="서울 중구 세종대로 110",
        exercise=status is DistributionStatus.EXERCISE,
    )


def open_incident(backend: LocalBackend, reference: str | None = None) -> str:
    """Report an incident through the command path; its id."""
    records = backend.submit(
        ReportIncident("P-ASL", 37.5665, 126.978, "11140", reference=reference), "operator:kim"
    ).result()
    return str(records[0].subject)


def queue_packets(
    backend: LocalBackend,
    incident_id: str,
    count: int = 1,
    *,
    agency_id: str = "police-112",
    fmt: Format = Format.EDXL,
    **packet_args: Any,
) -> list[str]:
    """Queue ``count`` rendered packets in the log (as ``dispatch send`` does); their ids."""
    events = []
    for _ in range(count):
        packet = make_packet(incident_id, agency_id, **packet_args)
        events.append(queued_event(packet, fmt, render(packet, fmt)).to_new("dispatch", "op"))
    backend.publish(events).result()
    return [e.payload["distribution_id"] for e in events]


def endpoints(**by_agency: EndpointSettings) -> Callable[[str, str], EndpointSettings]:
    """An endpoint lookup over fixed settings (agency ids with '-' written as '_')."""
    table = {k.replace("_", "-"): v for k, v in by_agency.items()}
    return lambda agency_id, status: table[agency_id]


def http_endpoint(
    sim: AgencySimulator, agency_id: str = "police-112", **settings: Any
) -> EndpointSettings:
    """The endpoint settings that reach ``sim``."""
    values: dict[str, Any] = {"connect_timeout_s": 1.0, "read_timeout_s": 2.0, **settings}
    return EndpointSettings(agency_id, "http", url=sim.url, **values)


@contextmanager
def simulator(
    agency_id: str = "police-112", *, modes: SimModes | None = None, **settings: Any
) -> Iterator[AgencySimulator]:
    """A running simulated agency, stopped afterwards."""
    modes = modes or SimModes(ack_delay_s=None)
    sim = AgencySimulator(SimSettings(agency_id=agency_id, modes=modes, **settings)).start()
    try:
        yield sim
    finally:
        sim.stop()


@contextmanager
def running(outbox: Outbox) -> Iterator[Outbox]:
    """A started outbox, stopped (and checked to stop) afterwards."""
    outbox.start()
    try:
        yield outbox
    finally:
        assert outbox.stop(10.0)


def packet(backend: LocalBackend, distribution_id: str) -> PacketStatus | None:
    """A packet's status as the backend's folded state has it."""
    return backend.snapshot().result().packets.get(distribution_id)


def wait_state(
    backend: LocalBackend, distribution_id: str, *states: PacketState, timeout: float = 10.0
) -> PacketStatus:
    """Wait until the packet reaches one of ``states``; its status."""
    found: list[PacketStatus] = []

    def reached() -> bool:
        status = packet(backend, distribution_id)
        if status is not None and status.state in states:
            found.append(status)
            return True
        return False

    wait_for(reached, timeout)
    return found[-1]


def packet_events(backend: LocalBackend, incident_id: str, type_: str) -> list[dict[str, Any]]:
    """The payloads of one type of event about an incident."""
    return [r.payload for r in backend.incident_events(incident_id).result() if r.type == type_]


def registry_text(url: str, inbound_port: int = 18100, agency_id: str = "police-112") -> str:
    """A one-agency registry file's text."""
    return f"""
[centre]
sender_id = "{CENTRE}"
name_ko = "도시통합운영센터"
name_en = "Operations centre"
inbound = {{ host = "127.0.0.1", port = {inbound_port} }}

[[agency]]
id = "{agency_id}"
name_ko = "112종합상황실"
name_en = "112 situation room"
kind = "police"
formats = ["edxl"]
data_classes = ["summary"]

[agency.endpoint]
transport = "http"
url = "{url}"
timeout_s = 2
"""


def write_registry(folder: Path, url: str) -> Path:
    """A registry file for one agency at ``url``."""
    path = folder / "agencies.toml"
    path.write_text(registry_text(url), encoding="utf-8")
    return path


REPO = Path(__file__).resolve().parents[1]


def outbox_worker(db: Path, registry: Path) -> subprocess.Popen[str]:
    """``outbox run`` in a child process, as a user would start it (fast retries)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "core.dispatch.outbox_cli",
            "outbox",
            "run",
            "--db",
            str(db),
            "--registry",
            str(registry),
            "--until-empty",
            "--retry-base-ms",
            "10",
            "--quiet",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
