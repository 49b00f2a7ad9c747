"""The delivery worker against the agency simulator: real HTTP on 127.0.0.1, a real SQLite log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.dispatch.agency_sim import SimModes
from core.dispatch.breaker import BreakerState
from core.dispatch.drop_folder import RECEIPTS_FOLDER
from core.dispatch.inbound import InboundListener
from core.dispatch.outbox import Outbox
from core.dispatch.retry import Backoff
from core.dispatch.tracking import PacketState
from core.dispatch.transports import EndpointSettings
from core.events import EventType, PacketQueued
from core.local_backend import LocalBackend
from tests.agency_server import (
    FAST,
    endpoints,
    http_endpoint,
    open_incident,
    packet,
    packet_events,
    queue_packets,
    running,
    simulator,
    wait_state,
)
from tests.video_servers import wait_for

S = PacketState
KEY = b"police-112 shared secret"


@pytest.fixture
def backend(log_path: Path) -> Iterator[LocalBackend]:
    opened = LocalBackend.open(log_path)
    opened.ready.result()
    yield opened
    opened.close()


def test_packets_are_sent_delivered_and_acknowledged(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    listener = InboundListener(backend).start()
    try:
        with simulator(
            hmac_key=KEY,
            ack_to=listener.url("/acks"),
            modes=SimModes(ack_delay_s=0.05),
        ) as sim:
            outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim, hmac_key=KEY)))
            with running(outbox):
                ids = queue_packets(backend, incident, 3)
                done = [wait_state(backend, i, S.ACKNOWLEDGED) for i in ids]
            received = sim.received()
    finally:
        listener.stop()
    assert received["received"] == ids  # each once, in queue order
    assert all(p.receipt.startswith("police-112-") for p in done)
    assert all(p.sent_ms and p.delivered_ms and p.acknowledged_ms for p in done)
    assert all(p.ack_id and p.attempts == 1 for p in done)
    state = backend.snapshot().result()
    firsts = state.incidents[incident].firsts
    assert firsts["packet.sent"] <= firsts["packet.acknowledged"]
    assert [p.distribution_id for p in state.packets_of(incident)] == ids
    sent = packet_events(backend, incident, EventType.PACKET_SENT)
    assert {e["transport"] for e in sent} == {"http"} and sent[0]["detail"] == "HTTP 202"


def test_server_errors_are_retried_with_back_off_until_it_recovers(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(modes=SimModes(fail_rate=1.0, ack_delay_s=None), seed=3) as sim:
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)), backoff=FAST, seed=1)
        with running(outbox):
            (pid,) = queue_packets(backend, incident)
            wait_for(lambda: len(packet_events(backend, incident, "packet.attempt_failed")) >= 3)
            sim.set_modes(fail_rate=0.0)
            delivered = wait_state(backend, pid, S.DELIVERED)
    failures = packet_events(backend, incident, EventType.PACKET_ATTEMPT_FAILED)
    assert [f["attempt"] for f in failures[:3]] == [1, 2, 3]
    assert "HTTP 500" in failures[0]["reason"] and "simulated failure" in failures[0]["reason"]
    assert all(f["retry_at_ms"] is not None for f in failures)
    assert delivered.attempts == len(failures) + 1
    assert sim.received()["received"] == [pid]


def test_a_refusal_fails_the_packet_with_the_receivers_reason(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(modes=SimModes(reject=True, ack_delay_s=None)) as sim:
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)), backoff=FAST)
        with running(outbox):
            (pid,) = queue_packets(backend, incident)
            failed = wait_state(backend, pid, S.FAILED)
    assert failed.failure_code == "rejected"
    assert "HTTP 400" in failed.last_error and "simulated refusal" in failed.last_error
    assert failed.sent_ms is None and sim.received()["received"] == []


def test_a_wrong_hmac_key_is_refused_and_fails(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(hmac_key=KEY) as sim:
        wrong = http_endpoint(sim, hmac_key=b"not the key")
        outbox = Outbox(backend, endpoints(police_112=wrong), backoff=FAST)
        with running(outbox):
            (pid,) = queue_packets(backend, incident)
            failed = wait_state(backend, pid, S.FAILED)
    assert failed.failure_code == "rejected"
    assert "HTTP 401" in failed.last_error and "signature does not match" in failed.last_error
    assert sim.received()["received"] == []


def test_a_hanging_agency_times_out_and_is_retried(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(modes=SimModes(hang=True, ack_delay_s=None)) as sim:
        hasty = http_endpoint(sim, read_timeout_s=0.3)
        outbox = Outbox(backend, endpoints(police_112=hasty), backoff=FAST, seed=2)
        with running(outbox):
            (pid,) = queue_packets(backend, incident)
            wait_for(lambda: packet_events(backend, incident, "packet.attempt_failed"))
            sim.set_modes(hang=False)
            wait_state(backend, pid, S.DELIVERED)
    failure = packet_events(backend, incident, EventType.PACKET_ATTEMPT_FAILED)[0]
    assert "no answer from" in failure["reason"] and "within 0.3 s" in failure["reason"]


def test_a_garbage_answer_is_retried_and_the_receiver_dedupes(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(modes=SimModes(garbage=True, ack_delay_s=None)) as sim:
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)), backoff=FAST, seed=4)
        with running(outbox):
            (pid,) = queue_packets(backend, incident)
            wait_for(lambda: len(packet_events(backend, incident, "packet.attempt_failed")) >= 2)
            sim.set_modes(garbage=False)
            wait_state(backend, pid, S.DELIVERED)
    failure = packet_events(backend, incident, EventType.PACKET_ATTEMPT_FAILED)[0]
    assert "without a receipt" in failure["reason"] and "please log in" in failure["reason"]
    received = sim.received()
    assert received["received"] == [pid] and received["duplicates"][pid] >= 2


def test_the_breaker_opens_while_an_agency_is_down_and_closes_after(
    backend: LocalBackend,
) -> None:
    incident = open_incident(backend)
    with simulator() as sim:
        sim.go_down()
        outbox = Outbox(
            backend,
            endpoints(police_112=http_endpoint(sim)),
            backoff=FAST,
            breaker_threshold=3,
            breaker_open_ms=400,
            seed=5,
        )
        with running(outbox):
            (pid,) = queue_packets(backend, incident)

            def link_state() -> str:
                links = outbox.status().agencies
                return links[0].breaker if links else ""

            wait_for(lambda: link_state() == BreakerState.OPEN)
            attempts = len(packet_events(backend, incident, "packet.attempt_failed"))
            assert attempts == 3
            assert packet(backend, pid).state is S.QUEUED  # waiting, not failed
            assert "cannot reach" in packet(backend, pid).last_error
            sim.come_up()
            wait_state(backend, pid, S.DELIVERED)
            wait_for(lambda: link_state() == BreakerState.CLOSED)
    assert any("failed 3 times in a row" in n.text for n in outbox.notices.history)


def test_a_packet_not_sent_before_it_expires_fails_as_expired(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator() as sim:
        sim.go_down()
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)), backoff=FAST)
        with running(outbox):
            (pid,) = queue_packets(backend, incident, expires_in_ms=400)
            failed = wait_state(backend, pid, S.FAILED)
    assert failed.failure_code == "expired"
    assert "expired at" in failed.last_error and "cannot reach" in failed.last_error


def test_cancel_and_retry_now(backend: LocalBackend) -> None:
    incident, other = open_incident(backend), open_incident(backend)
    with simulator() as sim:
        sim.go_down()
        slow = Backoff(base_ms=60_000, cap_ms=60_000)
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)), backoff=slow, seed=9)
        with running(outbox):
            (first,) = queue_packets(backend, incident)
            (second,) = queue_packets(backend, other)
            wait_for(lambda: packet(backend, second).attempts == 1)
            wait_for(lambda: packet(backend, first).attempts == 1)
            assert outbox.cancel(first, "operator:kim cancelled it").result(5)
            wait_state(backend, first, S.FAILED)
            assert not outbox.cancel(first).result(5)  # too late: already failed
            sim.come_up()
            assert outbox.retry_now(second).result(5)
            wait_state(backend, second, S.DELIVERED)
    cancelled = packet(backend, first)
    assert cancelled.failure_code == "cancelled" and "operator:kim" in cancelled.last_error
    assert sim.received()["received"] == [second]


def test_a_body_that_no_longer_matches_its_digest_is_not_sent(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator() as sim:
        outbox = Outbox(backend, endpoints(police_112=http_endpoint(sim)))
        with running(outbox):
            tampered = PacketQueued(
                incident,
                "cityroom-tampered-0001",
                "police-112",
                format="json",
                content_type="application/json",
                body='{"changed": true}',
                body_sha256=hashlib.sha256(b"the original").hexdigest(),
                expires_ms=2**50,
            )
            backend.publish([tampered.to_new("dispatch", "op")]).result()
            failed = wait_state(backend, "cityroom-tampered-0001", S.FAILED)
    assert failed.failure_code == "body_lost" and "SHA-256" in failed.last_error
    assert sim.received()["requests"] == 0


def test_the_drop_folder_gets_the_file_and_its_receipt_delivers(
    backend: LocalBackend, tmp_path: Path
) -> None:
    incident = open_incident(backend)
    drop = tmp_path / "drop"
    (drop / RECEIPTS_FOLDER).mkdir(parents=True)
    folder = EndpointSettings("police-112", "folder", folder=drop)
    outbox = Outbox(backend, endpoints(police_112=folder), receipt_poll_ms=50)
    with running(outbox):
        (pid,) = queue_packets(backend, incident)
        sent = wait_state(backend, pid, S.SENT)
        written = drop / f"{pid}.xml"
        queued = packet_events(backend, incident, EventType.PACKET_QUEUED)[0]
        assert written.read_bytes() == queued["body"].encode("utf-8")
        assert sent.transport == "folder" and sent.detail == str(written)
        assert not list(drop.glob(".*.part"))  # no temporary file left behind
        (drop / RECEIPTS_FOLDER / f"{pid}.receipt").write_text(f"ok {pid}", encoding="utf-8")
        delivered = wait_state(backend, pid, S.DELIVERED)
    assert delivered.receipt == f"ok {pid}"
