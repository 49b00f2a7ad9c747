"""Kill -9 mid-delivery: after a restart every packet arrives, each exactly once by id."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from core.dispatch import outbox_cli
from core.dispatch.agency_sim import SimModes
from core.dispatch.tracking import PacketState
from core.eventlog import EventLog
from core.local_backend import LocalBackend
from core.state import rebuild
from tests.agency_server import (
    open_incident,
    outbox_worker,
    queue_packets,
    simulator,
    write_registry,
)
from tests.video_servers import wait_for

PACKETS = 200


def test_a_killed_worker_restarts_from_the_log_and_loses_nothing(
    log_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = LocalBackend.open(log_path)
    try:
        backend.ready.result()
        incidents = [open_incident(backend) for _ in range(8)]
        ids = [
            pid
            for n in range(PACKETS)
            for pid in queue_packets(backend, incidents[n % len(incidents)])
        ]
    finally:
        backend.close()
    with simulator(modes=SimModes(fail_rate=0.3, ack_delay_s=None), seed=7) as sim:
        registry = write_registry(tmp_path, sim.url)
        first = outbox_worker(log_path, registry)
        try:
            wait_for(lambda: len(sim.received()["received"]) >= PACKETS // 4, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
        assert first.returncode == -signal.SIGKILL
        at_kill = len(sim.received()["received"])
        assert at_kill < PACKETS, "the worker finished before it could be killed"
        second = outbox_worker(log_path, registry)
        try:
            out, err = second.communicate(timeout=60)
        finally:
            second.kill()
        assert second.returncode == 0, err
        received = sim.received()
    assert sorted(received["received"]) == sorted(ids)  # every packet, each once by id
    assert len(received["received"]) == len(set(received["received"]))
    log = EventLog.open(log_path, readonly=True)
    try:
        packets = rebuild(log).packets
    finally:
        log.close()
    states = {packets.packets[i].state for i in ids}
    assert states <= {PacketState.SENT, PacketState.DELIVERED}, states
    assert f"{PACKETS} delivered" in out
    # Failures were retried: the simulator answered 500 to about 30 % of the requests.
    assert received["requests"] > PACKETS
    # What "outbox --json" lists for the operator.
    assert outbox_cli.main(["outbox", "--db", str(log_path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["distribution_id"] for p in listed} == set(ids)
    assert all(p["attempts"] >= 1 and p["state"] == "delivered" for p in listed)
