"""The centre's inbound listener: real HTTP posts become incidents, observations and Acks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.clock import SystemClock, iso_ms
from core.dispatch.agencies import Registry
from core.dispatch.formats import build_ack, render
from core.dispatch.inbound import InboundListener
from core.dispatch.model import DistributionKind, DistributionStatus, Format
from core.dispatch.tracking import PacketState
from core.events import EventType, PacketSent
from core.local_backend import LocalBackend
from tests.agency_server import (
    CENTRE,
    make_packet,
    open_incident,
    packet,
    queue_packets,
    registry_text,
)

POLICE = "police-112@police.go.kr"


@pytest.fixture
def backend(log_path: Path) -> Iterator[LocalBackend]:
    opened = LocalBackend.open(log_path)
    opened.ready.result()
    yield opened
    opened.close()


@pytest.fixture
def listener(backend: LocalBackend) -> Iterator[InboundListener]:
    registry = Registry.from_text(registry_text("http://127.0.0.1:9/packets"))
    started = InboundListener(
        backend, registry=registry, max_body=64 * 1024, ack_wait_s=0.2
    ).start()
    yield started
    started.stop()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as opened:
        yield opened


def _report(status: DistributionStatus = DistributionStatus.ACTUAL, **args: Any) -> bytes:
    report = make_packet(
        "112-2026-000123", kind=DistributionKind.REPORT, status=status, sender_id=POLICE, **args
    )
    return render(report, Format.CAP)


def _post(client: httpx.Client, url: str, body: bytes, kind: str) -> httpx.Response:
    return client.post(url, content=body, headers={"Content-Type": kind})


def _events(backend: LocalBackend, type_: str) -> list[Any]:
    stats = backend.stats().result()
    records = backend.events_at(range(1, stats.last_seq + 1)).result()
    return [r for r in records if r.type == type_]


def test_a_cap_report_opens_an_incident_once(
    backend: LocalBackend, listener: InboundListener, client: httpx.Client
) -> None:
    body = _report(distribution_id="112-2026-000123")
    first = _post(client, listener.url("/reports"), body, "application/cap+xml")
    again = _post(client, listener.url("/reports"), body, "application/cap+xml")
    assert first.status_code == again.status_code == 202, first.text
    incident_id = first.json()["incident"]
    assert again.json() == {**again.json(), "incident": incident_id, "duplicate": True}
    state = backend.snapshot().result()
    assert len(state.incidents) == 1
    incident = state.incidents[incident_id]
    assert incident.type_code == "P-ASL" and incident.reference == "112-2026-000123"
    assert incident.reported_by == "agency:police-112" and not incident.exercise
    assert incident.severity == 2  # CAP Severe


def test_an_exercise_report_opens_a_drill_incident(
    backend: LocalBackend, listener: InboundListener, client: httpx.Client
) -> None:
    body = _report(DistributionStatus.EXERCISE)
    answer = _post(client, listener.url("/reports"), body, "application/cap+xml")
    assert answer.status_code == 202
    assert backend.snapshot().result().incidents[answer.json()["incident"]].exercise


def test_malformed_oversized_and_wrongly_typed_bodies_are_refused_and_recorded(
    backend: LocalBackend, listener: InboundListener, client: httpx.Client
) -> None:
    url = listener.url("/reports")
    broken = _post(client, url, b"<alert><identifier>x", "application/xml")
    bad_json = _post(client, url, b'{"kind": "report", "lat": 95}', "application/json")
    wrong_type = _post(client, url, b"hello", "text/plain")
    huge = _post(client, url, b"<a>" + b"x" * 70_000 + b"</a>", "application/xml")
    assert broken.status_code == 400 and broken.json()["reason"]
    assert bad_json.status_code == 400 and "lat" in bad_json.json()["reason"]
    assert wrong_type.status_code == 415 and "application/cap+xml" in wrong_type.json()["reason"]
    assert huge.status_code == 413
    rejected = [r.payload for r in _events(backend, EventType.INBOUND_REJECTED)]
    assert [r["reason"] for r in rejected] == [
        broken.json()["reason"],
        bad_json.json()["reason"],
        wrong_type.json()["reason"],
        huge.json()["reason"],
    ]
    first = rejected[0]
    assert first["remote"] == "127.0.0.1" and first["path"] == "/reports"
    assert first["size"] == len(b"<alert><identifier>x") and len(first["body_sha256"]) == 64
    assert rejected[3]["size"] > 70_000
    assert backend.snapshot().result().incidents == {}


def _fix(reference: str, incident_id: str | None = None) -> bytes:
    fix: dict[str, Any] = {
        "kind": "location_fix",
        "reference": reference,
        "lat": 37.5796,
        "lon": 126.977,
        "accuracy_m": 150,
        "fixed_at": iso_ms(SystemClock().now_ms()),
        "subject": "person-7f3a9c",
        "operator": "SKT",
    }
    if incident_id:
        fix["incident_id"] = incident_id
    return json.dumps(fix).encode()


def test_location_fixes_observe_a_known_incident_or_open_a_missing_person_case(
    backend: LocalBackend, listener: InboundListener, client: httpx.Client
) -> None:
    known = open_incident(backend, reference="GUARD-0042")
    url = listener.url("/reports")
    by_reference = _post(client, url, _fix("GUARD-0042"), "application/json")
    by_id = _post(client, url, _fix("SKT-REQ-9", incident_id=known), "application/json")
    unknown = _post(client, url, _fix("SKT-REQ-10"), "application/json")
    assert by_reference.json()["incident"] == by_id.json()["incident"] == known
    observed = [
        r.payload for r in backend.incident_events(known).result() if r.type == "incident.observed"
    ]
    assert len(observed) == 2
    assert observed[0]["data"]["lat"] == 37.5796 and observed[0]["data"]["accuracy_m"] == 150
    opened = backend.snapshot().result().incidents[unknown.json()["incident"]]
    assert opened.type_code == "V-MISS" and opened.reference == "SKT-REQ-10"
    assert opened.observations == 1 and opened.reported_by == "agency:SKT"


def _ack(distribution_id: str, sent_ms: int) -> bytes:
    now = SystemClock().now_ms()
    return build_ack(
        acked_distribution_id=distribution_id,
        acked_sender_id=CENTRE,
        acked_sent_ms=sent_ms,
        sender_id="police-112@police.go.kr",
        agency_id="police-112",
        sent_ms=now,
        note="접수",
    )


def test_acks_acknowledge_once_and_unknown_ones_harm_nothing(
    backend: LocalBackend, listener: InboundListener, client: httpx.Client
) -> None:
    incident = open_incident(backend)
    (pid,) = queue_packets(backend, incident)
    sent = PacketSent(incident, pid, "police-112", attempt=1, transport="http")
    backend.publish([sent.to_new("dispatch", "outbox")]).result()
    url = listener.url("/acks")
    first = _post(client, url, _ack(pid, SystemClock().now_ms()), "application/xml")
    second = _post(client, url, _ack(pid, SystemClock().now_ms()), "application/xml")
    stranger = _post(client, url, _ack("cityroom-never-sent", 0), "application/xml")
    assert first.status_code == 202 and first.json()["acknowledged"] == [pid]
    assert second.status_code == 202 and second.json()["already"] == [pid]
    assert stranger.status_code == 404 and "never sent from here" in stranger.json()["reason"]
    acked = packet(backend, pid)
    assert acked is not None and acked.state is PacketState.ACKNOWLEDGED
    assert acked.ack_note == "접수"
    assert len(_events(backend, EventType.PACKET_ACKNOWLEDGED)) == 1
    (rejected,) = _events(backend, EventType.INBOUND_REJECTED)
    assert "cityroom-never-sent" in rejected.payload["reason"]
    firsts = backend.snapshot().result().incidents[incident].firsts
    assert firsts["packet.acknowledged"] >= firsts["packet.sent"]
