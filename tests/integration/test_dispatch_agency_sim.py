"""The agency simulator and the transports against it: HTTP and HTTPS on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from core.dispatch.ack_poll import AckPoller
from core.dispatch.agencies import Registry
from core.dispatch.agency_sim import SimModes, simulators_for
from core.dispatch.drop_folder import FolderTransport
from core.dispatch.formats import render
from core.dispatch.inbound import InboundListener
from core.dispatch.model import Format
from core.dispatch.outbox import Outbox
from core.dispatch.tracking import PacketState
from core.dispatch.transports import (
    EndpointSettings,
    HttpsTransport,
    Outcome,
    TransportConfigError,
)
from core.local_backend import LocalBackend
from tests.agency_server import (
    endpoints,
    http_endpoint,
    make_packet,
    open_incident,
    queue_packets,
    registry_text,
    running,
    simulator,
    wait_state,
)
from tests.video_servers import wait_for

REPO = Path(__file__).resolve().parents[2]


def _body(fmt: Format = Format.EDXL) -> tuple[str, bytes]:
    packet = make_packet("INC-000001")
    return packet.distribution_id, render(packet, fmt)


def _send(transport: HttpsTransport, fmt: Format = Format.EDXL):  # type: ignore[no-untyped-def]
    distribution_id, body = _body(fmt)
    content_type = "application/xml" if fmt is not Format.JSON else "application/json"
    return transport.send(distribution_id, body, content_type, fmt.value)


def test_a_resent_packet_gets_the_same_receipt_and_counts_as_a_duplicate() -> None:
    with simulator() as sim:
        transport = HttpsTransport(http_endpoint(sim))
        distribution_id, body = _body()
        first = transport.send(distribution_id, body, "application/xml", "edxl")
        again = transport.send(distribution_id, body, "application/xml", "edxl")
        transport.close()
        received = sim.received()
    assert first.outcome is again.outcome is Outcome.DELIVERED
    assert first.receipt == again.receipt == "police-112-1"
    assert received["received"] == [distribution_id]
    assert received["duplicates"] == {distribution_id: 1}


def test_bodies_are_checked_and_cursor_on_target_is_taken() -> None:
    with simulator() as sim:
        transport = HttpsTransport(http_endpoint(sim))
        broken = transport.send("cityroom-broken-01", b"<alert", "application/xml", "cap")
        cot = _send(transport, Format.COT)
        as_json = _send(transport, Format.JSON)
        transport.close()
    assert broken.outcome is Outcome.PERMANENT and broken.detail.startswith("HTTP 400: ")
    assert cot.outcome is Outcome.DELIVERED and as_json.outcome is Outcome.DELIVERED


def test_failure_modes_change_at_run_time_through_control() -> None:
    with simulator() as sim, httpx.Client(trust_env=False) as client:
        control = sim.url.replace("/packets", "/control")
        transport = HttpsTransport(http_endpoint(sim, connect_timeout_s=0.5))
        assert client.post(control, json={"fail_rate": 1.0}).json()["fail_rate"] == 1.0
        failed = _send(transport)
        refused = client.post(control, json={"fail_rate": 0, "explode": True})
        nonsense = client.post(control, json={"fail_rate": "lots"})
        client.post(control, json={"fail_rate": 0.0, "down": 0.5})
        wait_for(lambda: _send(transport).outcome is Outcome.RETRYABLE, timeout=5)
        down = _send(transport)
        wait_for(lambda: _send(transport).outcome is Outcome.DELIVERED, timeout=5)
        transport.close()
    assert failed.outcome is Outcome.RETRYABLE and "HTTP 500" in failed.detail
    assert refused.status_code == 400 and "unknown control explode" in refused.json()["reason"]
    assert nonsense.status_code == 400 and "from 0 to 1" in nonsense.json()["reason"]
    assert down.outcome is Outcome.RETRYABLE and "cannot reach" in down.detail


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA, client_ca: trustme.CA | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(context)
    return context


def test_https_verifies_the_agency_against_its_ca_file(ca: trustme.CA, tmp_path: Path) -> None:
    right, wrong = tmp_path / "agency-ca.pem", tmp_path / "other-ca.pem"
    ca.cert_pem.write_to_path(str(right))
    trustme.CA().cert_pem.write_to_path(str(wrong))
    with simulator(tls=_tls_server(ca)) as sim:
        assert sim.url.startswith("https://127.0.0.1:")
        good = HttpsTransport(EndpointSettings("police-112", "https", sim.url, ca_file=right))
        bad = HttpsTransport(EndpointSettings("police-112", "https", sim.url, ca_file=wrong))
        system = HttpsTransport(EndpointSettings("police-112", "https", sim.url))
        results = [_send(t) for t in (good, bad, system)]
        for t in (good, bad, system):
            t.close()
    assert results[0].outcome is Outcome.DELIVERED
    for failed in results[1:]:
        assert failed.outcome is Outcome.RETRYABLE
        assert failed.detail.startswith("certificate verify failed for 127.0.0.1: ")
        assert failed.detail.endswith("check the agency's ca_file")
    assert str(wrong) in results[1].detail and "the system store" in results[2].detail


def test_https_with_a_client_certificate(ca: trustme.CA, tmp_path: Path) -> None:
    clients = trustme.CA()
    agency_ca, pair = tmp_path / "ca.pem", tmp_path / "centre.pem"
    ca.cert_pem.write_to_path(str(agency_ca))
    clients.issue_cert("uoc.seoul.go.kr").private_key_and_cert_chain_pem.write_to_path(str(pair))
    with simulator(tls=_tls_server(ca, client_ca=clients)) as sim:
        url = sim.url
        anonymous = HttpsTransport(EndpointSettings("police-112", "https", url, ca_file=agency_ca))
        known = HttpsTransport(
            EndpointSettings("police-112", "https", url, ca_file=agency_ca, client_cert=pair)
        )
        without, with_cert = _send(anonymous), _send(known)
        anonymous.close()
        known.close()
    assert without.outcome is Outcome.RETRYABLE
    assert with_cert.outcome is Outcome.DELIVERED


def test_endpoint_settings_that_cannot_work_are_named(tmp_path: Path) -> None:
    with pytest.raises(TransportConfigError, match=r"plain http to agency\.example\.kr"):
        HttpsTransport(EndpointSettings("police-112", "http", "http://agency.example.kr/in"))
    with pytest.raises(TransportConfigError, match="not an http"):
        HttpsTransport(EndpointSettings("police-112", "https", "ftp://127.0.0.1/in"))
    with pytest.raises(TransportConfigError, match="check ca_file"):
        HttpsTransport(
            EndpointSettings("police-112", "https", "https://x.kr/", ca_file=tmp_path / "no.pem")
        )


def test_the_drop_folder_is_idempotent(tmp_path: Path) -> None:
    folder = FolderTransport(EndpointSettings("police-112", "folder", folder=tmp_path))
    first = folder.send("cityroom:a/b-0001", b"<alert/>", "application/xml", "cap")
    same = folder.send("cityroom:a/b-0001", b"<alert/>", "application/xml", "cap")
    other = folder.send("cityroom:a/b-0001", b"<changed/>", "application/xml", "cap")
    missing = FolderTransport(EndpointSettings("x", "folder", folder=tmp_path / "gone"))
    assert first.outcome is same.outcome is Outcome.SENT
    assert (tmp_path / "cityroom%3Aa%2Fb-0001.cap").read_bytes() == b"<alert/>"
    assert same.detail.endswith("(already there)")
    assert other.outcome is Outcome.PERMANENT and "different packet" in other.detail
    assert "is not there" in missing.send("x-00000001", b"x", "text/xml", "cap").detail


@pytest.fixture
def backend(log_path: Path) -> Iterator[LocalBackend]:
    opened = LocalBackend.open(log_path)
    opened.ready.result()
    yield opened
    opened.close()


def test_acks_kept_for_polling_are_fetched_and_recorded(backend: LocalBackend) -> None:
    incident = open_incident(backend)
    with simulator(modes=SimModes(ack_delay_s=0.0)) as sim:
        text = registry_text(sim.url).replace(
            "timeout_s = 2", f'ack = "poll"\npoll_url = "{sim.url.replace("/packets", "/acks")}"'
        )
        listener = InboundListener(backend).start()
        poller = AckPoller(listener, Registry.from_text(text), interval_s=0.05)
        try:
            poller.start()
            with running(Outbox(backend, endpoints(police_112=http_endpoint(sim)))):
                (pid,) = queue_packets(backend, incident)
                acked = wait_state(backend, pid, PacketState.ACKNOWLEDGED)
        finally:
            poller.stop()
            listener.stop()
    assert acked.ack_id and sim.received()["acks"] == 1  # fetched: the sim pushed nothing


def test_simulators_play_the_registrys_local_agencies() -> None:
    text = (
        registry_text("http://127.0.0.1:18111/packets", inbound_port=18100)
        + """
[[agency]]
id = "ndms"
name_ko = "재난관리"
name_en = "NDMS"
kind = "disaster"
formats = ["edxl"]
data_classes = ["summary"]

[agency.endpoint]
transport = "http"
url = "http://127.0.0.1:18113/packets"
ack = "poll"
poll_url = "http://127.0.0.1:18113/acks"

[[agency]]
id = "district"
name_ko = "구청"
name_en = "District office"
kind = "district_office"
formats = ["json"]
data_classes = ["summary"]

[agency.endpoint]
transport = "folder"
folder = "/tmp"
"""
    )
    sims = simulators_for(Registry.from_text(text), modes=SimModes(fail_rate=0.3))
    played = {s.settings.agency_id: s.settings for s in sims}
    assert set(played) == {"police-112", "ndms"}
    assert played["police-112"].port == 18111 and played["ndms"].port == 18113
    assert played["police-112"].ack_to == "http://127.0.0.1:18100/acks"
    assert played["ndms"].ack_to is None  # its Acks are fetched from GET /acks
    assert all(s.modes.fail_rate == 0.3 for s in sims)


def test_the_agency_sim_command_listens_logs_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SIM_KEY": "k"}
    child = subprocess.Popen(
        [sys.executable, "-m", "core.dispatch.outbox_cli", "agency-sim", "--port", "0",
         "--agency", "fire-119", "--ack-delay", "-1", "--hmac-key-env", "SIM_KEY"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env,
    )  # fmt: skip
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert "agency-sim fire-119 listening on http://127.0.0.1:" in first, first
        url = first.split(" on ", 1)[1].split(" ", 1)[0]
        transport = HttpsTransport(EndpointSettings("fire-119", "http", url, hmac_key=b"k"))
        assert _send(transport).outcome is Outcome.DELIVERED
        transport.close()
        assert "received cityroom-" in child.stdout.readline()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert "agency-sim stopped" in out
