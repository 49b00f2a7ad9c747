"""Packets to agencies: building, validating and persisting one; delivery to a healthy local
receiver; and 1,000 packets to a receiver failing 30 % of requests, with the sender killed
(SIGKILL) mid-run and restarted, each packet arriving exactly once."""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import time
from pathlib import Path

from bench.common import Result, median, percentile
from core.commands import ReportIncident
from core.dispatch.agencies import DEMO_REGISTRY, Registry
from core.dispatch.agency_sim import AgencySimulator, SimModes, SimSettings
from core.dispatch.formats import render, warm_schemas
from core.dispatch.model import (
    CapCategory,
    CapSeverity,
    DistributionStatus,
    Format,
    Packet,
    Point,
    PointArea,
)
from core.dispatch.outbox import Outbox
from core.dispatch.queueing import queued_event
from core.dispatch.tracking import PacketState
from core.dispatch.transports import EndpointSettings
from core.dispatch.workflow import ComposeRequest, prepare, send
from core.eventlog import EventLog
from core.events import EvidenceCaptured
from core.local_backend import LocalBackend
from core.sop.definitions import Recipient
from core.sop.library import ProcedureLibrary
from core.state import rebuild
from tests.agency_server import outbox_worker, write_registry

REPO = Path(__file__).resolve().parent.parent
BUILD_TARGET_MS = 20.0
BUILDS = 200
RATE_TARGET = 200.0
HEALTHY_PACKETS = 1_000
FAILING_PACKETS = 1_000
FAIL_RATE = 0.3
CENTRE = "uoc@seoul.go.kr"


def _jpeg(path: Path) -> None:
    import cv2
    import numpy as np

    # Texture like a street scene's, so the JPEG is as large as a real still (tens of KB).
    noise = np.random.default_rng(3).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    ok, data = cv2.imencode(".jpg", cv2.GaussianBlur(noise, (5, 5), 0))
    assert ok
    path.write_bytes(data.tobytes())


def _build_and_persist(folder: Path) -> Result:
    """A fire incident with a blurred still; each packet drafted from the log, gated,
    rendered as EDXL-DE with the still embedded, validated and appended."""
    warm_schemas()
    backend = LocalBackend.open(folder / "build.db")
    try:
        registry = Registry.load(DEMO_REGISTRY)
        records = backend.submit(
            ReportIncident("F-FIRE", 37.5729, 126.9794, "11010", summary="주택 화재"),
            "agency:119",
        ).result()
        fire = str(records[0].subject)
        evidence = folder / "evidence"
        evidence.mkdir()
        still = evidence / "still.jpg"
        _jpeg(still)
        digest = hashlib.sha256(still.read_bytes()).hexdigest()
        captured = EvidenceCaptured(
            fire, "CAM-11010-001", "still", str(still), digest, 1, redacted="faces,plates"
        )
        backend.publish([captured.to_new("wall", "operator:kim")]).result()
        library = ProcedureLibrary([REPO / "resources" / "sop"])
        library.load()
        loaded = library.for_type("F-FIRE")
        shares = loaded.procedure.share if loaded is not None else ()
        incident = backend.snapshot().result().incidents[fire]
        times: list[float] = []
        size = 0
        for _ in range(BUILDS):
            start = time.perf_counter()
            request = ComposeRequest(
                fire, "fire-119", Format.EDXL, purpose_confirmed=True, operator="operator:kim"
            )
            prepared = prepare(
                backend,
                registry,
                request,
                now_ms=time.time_ns() // 1_000_000,
                evidence_dir=evidence,
                procedure_shares=shares,
                district_ko="종로구",
                incident=incident,
            )
            outcome = send(backend, prepared, "operator:kim")
            times.append((time.perf_counter() - start) * 1000)
            assert outcome.queued, outcome.reasons
            size = len(prepared.rendered.body)
    finally:
        backend.close()
    p99 = percentile(times, 99)
    return Result(
        "packet drafted, gated, rendered, validated and persisted, 99th percentile",
        p99,
        "ms",
        f"<= {BUILD_TARGET_MS:.0f} ms",
        p99 <= BUILD_TARGET_MS,
        f"{BUILDS} EDXL-DE packets of {size:,} bytes (a 640×480 still embedded) for a fire "
        f"in a real log; median {median(times):.1f} ms; includes reading the incident's "
        "events, the gate, both schemas and the append",
    )


def _packet(incident_id: str, agency_id: str) -> Packet:
    now = time.time_ns() // 1_000_000
    return Packet(
        distribution_id=f"cityroom-bench-{os.urandom(8).hex()}",
        incident_id=incident_id,
        agency_id=agency_id,
        recipient=Recipient.POLICE,
        status=DistributionStatus.ACTUAL,
        sender_id=CENTRE,
        sent_ms=now,
        expires_ms=now + 3_600_000,
        event_code="P-ASL",
        event_ko="폭행",
        event_en="Assault",
        category=CapCategory.SECURITY,
        severity=CapSeverity.SEVERE,
        headline_ko="[폭행] 중구 세종대로 폭행 신고",
        summary_ko="세종대로 110 앞 폭행 신고, 용의자 도주 중",
        area=PointArea(at=Point(lat=37.5665, lon=126.978)),
        area_desc_ko="서울 중구 세종대로 110",
    )


def _queue(db: Path, count: int, agency_id: str) -> list[str]:
    backend = LocalBackend.open(db)
    try:
        incidents = [
            str(
                backend.submit(ReportIncident("P-ASL", 37.5665, 126.978, "11020"), "agency:112")
                .result()[0]
                .subject
            )
            for _ in range(20)
        ]
        events = []
        for n in range(count):
            packet = _packet(incidents[n % len(incidents)], agency_id)
            body = render(packet, Format.EDXL)
            events.append(queued_event(packet, Format.EDXL, body).to_new("dispatch", "op"))
        backend.publish(events).result()
        return [str(e.payload["distribution_id"]) for e in events]
    finally:
        backend.close()


def _healthy(folder: Path) -> Result:
    """Delivery of 1,000 queued packets to one healthy simulated agency."""
    db = folder / "healthy.db"
    ids = _queue(db, HEALTHY_PACKETS, "police-112")
    sim = AgencySimulator(
        SimSettings(agency_id="police-112", modes=SimModes(ack_delay_s=None))
    ).start()
    backend = LocalBackend.open(db)
    try:
        settings = EndpointSettings("police-112", "http", url=sim.url)
        outbox = Outbox(backend, lambda agency, status: settings)
        start = time.perf_counter()
        outbox.start()
        assert outbox.wait_until_idle(120), "the outbox did not finish"
        elapsed = time.perf_counter() - start
        outbox.stop(10)
        received = sim.received()
        packets = backend.snapshot().result().packets
    finally:
        backend.close()
        sim.stop()
    arrived = received["received"]
    delivered = sum(packets.packets[i].state is PacketState.DELIVERED for i in ids)
    rate = len(ids) / elapsed
    exact = sorted(arrived) == sorted(ids) and delivered == len(ids)
    return Result(
        "packets delivered to a healthy local receiver",
        rate,
        "packets/s",
        f">= {RATE_TARGET:.0f} packets/s",
        rate >= RATE_TARGET and exact,
        f"{len(ids)} EDXL-DE packets over HTTP to the agency simulator (validating each), "
        f"sent, receipted and logged in {elapsed:.2f} s; {delivered} delivered, "
        f"{len(arrived)} received",
    )


def _failing_with_kill(folder: Path) -> Result:
    """1,000 packets, 30 % of requests answered 500, the worker killed mid-run."""
    db = folder / "failing.db"
    ids = _queue(db, FAILING_PACKETS, "police-112")
    sim = AgencySimulator(
        SimSettings(
            agency_id="police-112", seed=11, modes=SimModes(fail_rate=FAIL_RATE, ack_delay_s=None)
        )
    ).start()
    start = time.perf_counter()
    try:
        registry = write_registry(folder, sim.url)
        first = outbox_worker(db, registry)
        try:
            until = time.monotonic() + 120
            while len(sim.received()["received"]) < FAILING_PACKETS // 3:
                if time.monotonic() > until or first.poll() is not None:
                    raise RuntimeError("the worker did not get a third of the way")
                time.sleep(0.01)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
        at_kill = len(sim.received()["received"])
        second = outbox_worker(db, registry)
        try:
            _out, err = second.communicate(timeout=300)
        finally:
            second.kill()
        elapsed = time.perf_counter() - start
        received = sim.received()
    finally:
        sim.stop()
    log = EventLog.open(db, readonly=True)
    try:
        packets = rebuild(log).packets
    finally:
        log.close()
    arrived = received["received"]
    once = sorted(arrived) == sorted(ids)
    in_log = sum(packets.packets[i].state is PacketState.DELIVERED for i in ids)
    duplicates = sum(received.get("duplicates", {}).values())
    passed = once and in_log == len(ids) and second.returncode == 0
    return Result(
        "packets arriving exactly once through 30 % failures and a kill -9 of the sender",
        len(set(arrived)),
        "packets",
        f"= {FAILING_PACKETS} (each once)",
        passed,
        f"{received['requests']:,} requests for {len(ids)} packets; the sender was killed "
        f"after {at_kill} had arrived and restarted from the log; {in_log} delivered in the "
        f"log; {duplicates} resends after the kill answered from the receiver's idempotency "
        f"record; {elapsed:.1f} s in all" + ("" if second.returncode == 0 else f"; {err}"),
    )


def run() -> list[Result]:
    """The three dispatch figures."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        return [_build_and_persist(folder), _healthy(folder), _failing_with_kill(folder)]


if __name__ == "__main__":
    for result in run():
        print(result.line(), "—", result.note)
