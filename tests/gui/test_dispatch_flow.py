"""From the operator's dialog to the agency and back: the workstation's dispatch service
queues a packet, the outbox delivers it to a simulated 119 over HTTP, the agency's Ack comes
in through the listener, and the incident's golden-time firsts record both."""

from __future__ import annotations

import socket
from pathlib import Path

from core.dispatch.agency_sim import AgencySimulator, SimModes, SimSettings
from core.dispatch.tracking import PacketState
from tests.gui.conftest import Workstation
from ui.dispatch import DispatchService


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def registry_file(folder: Path, agency_url: str, inbound_port: int) -> Path:
    path = folder / "agencies.toml"
    path.write_text(
        f"""
[centre]
sender_id = "uoc@seoul.go.kr"
name_ko = "서울특별시 도시통합운영센터"
name_en = "Seoul integrated operations centre"
inbound = {{ host = "127.0.0.1", port = {inbound_port} }}

[[agency]]
id = "fire-119"
name_ko = "119종합상황실"
name_en = "119 situation room"
kind = "fire"
formats = ["edxl", "cap"]
data_classes = ["summary", "route", "facility"]

[agency.endpoint]
transport = "http"
url = "{agency_url}"
timeout_s = 2
""",
        encoding="utf-8",
    )
    return path


def test_a_packet_goes_out_and_its_ack_comes_back(
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ws = workstation
    inbound = free_port()
    sim = AgencySimulator(
        SimSettings(
            agency_id="fire-119",
            ack_to=f"http://127.0.0.1:{inbound}/acks",
            modes=SimModes(ack_delay_s=0.2),
        )
    ).start()
    service = DispatchService(
        ws.context.invoker, ws.context.notices, path=registry_file(tmp_path, sim.url, inbound)
    )
    ws.context.dispatch = service
    try:
        service.start_live(ws.backend)
        qtbot.waitUntil(lambda: service.ready, timeout=10_000)
        assert service.inbound is not None and service.inbound.port == inbound
        fire = ws.report("F-FIRE")
        qtbot.waitUntil(lambda: fire in ws.context.store.state.incidents)
        dialog = service.compose(ws.context, fire, "fire", ws.window)
        assert dialog is not None
        qtbot.waitUntil(dialog.send_button.isEnabled, timeout=10_000)
        dialog.send()
        qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=10_000)

        def state() -> PacketState | None:
            packets = ws.context.store.state.packets_of(fire)
            return packets[0].state if packets else None

        qtbot.waitUntil(lambda: state() is PacketState.ACKNOWLEDGED, timeout=15_000)
        (status,) = ws.context.store.state.packets_of(fire)
        assert sim.received()["received"] == [status.distribution_id]
        incident = ws.context.store.state.incidents[fire]
        sent = incident.firsts["packet.sent"]
        assert incident.firsts["packet.acknowledged"] >= sent >= incident.opened_ms
        assert any("queued" in n.text for n in ws.context.notices.history)
    finally:
        service.stop()
        sim.stop()
