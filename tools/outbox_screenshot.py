"""A screenshot of the outbox for the docs (``python tools/outbox_screenshot.py``).

Tells a quarter of an hour of packets into a fresh log, as the compose dialog and the delivery
worker record them: a fire whose packet 119 acknowledged 45 s after it was sent and whose
packet to 112 was delivered, a packet refused by a district office, a drill's packet
acknowledged as an exercise, and a river flood whose packets to NDMS cannot get through. The
last part is live: a real delivery worker tries NDMS at an address where nothing listens until
its breaker opens, so the header shows the link down. Then the outbox panel is shown over that
log with the flood's waiting update selected and saved (and, with ``--detail``, the incident
detail of the fire).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.city import load_city  # noqa: E402
from core.clock import SystemClock  # noqa: E402
from core.commands import ReportIncident  # noqa: E402
from core.dispatch.agencies import DEMO_REGISTRY, Registry  # noqa: E402
from core.dispatch.breaker import BreakerState  # noqa: E402
from core.dispatch.compose import draft_packet  # noqa: E402
from core.dispatch.formats import render  # noqa: E402
from core.dispatch.model import DistributionKind, Format  # noqa: E402
from core.dispatch.outbox import Outbox  # noqa: E402
from core.dispatch.queueing import queued_event  # noqa: E402
from core.dispatch.retry import Backoff  # noqa: E402
from core.dispatch.transports import EndpointSettings  # noqa: E402
from core.events import (  # noqa: E402
    DomainEvent,
    PacketAcknowledged,
    PacketDelivered,
    PacketFailed,
    PacketSent,
)
from core.local_backend import LocalBackend  # noqa: E402
from core.notices import NoticeBoard  # noqa: E402
from panels.incident_detail.view import IncidentDetailView  # noqa: E402
from panels.outbox.panel import OutboxPanel  # noqa: E402
from ui.app import build_context, prepare_qt  # noqa: E402
from ui.dispatch import DispatchService  # noqa: E402
from ui.i18n import install_translators  # noqa: E402
from ui.settings import Settings  # noqa: E402
from ui.theme import apply_dark_theme  # noqa: E402

MINUTE = 60_000
OPERATOR = "operator:kim.minji"


@dataclass
class Story:
    """The log's incidents and the packet to select (the flood's update, waiting behind its
    first packet)."""

    fire: str
    flood: str
    update: str


class _Teller:
    """Appends a back-dated story in time order (the log's clock only moves forward)."""

    def __init__(self, backend: LocalBackend, registry: Registry, now_ms: int) -> None:
        self.backend = backend
        self.registry = registry
        self.now_ms = now_ms
        self.districts = {d.code: d for d in load_city("lite").districts}

    def report(
        self, type_code: str, district: str, summary: str, ago_ms: int, exercise: bool = False
    ) -> str:
        lat, lon = self.districts[district].centroid
        command = ReportIncident(type_code, lat, lon, district, summary=summary, exercise=exercise)
        records = self.backend.submit(command, "agency:119", self.now_ms - ago_ms).result()
        return str(records[0].subject)

    def queue(
        self,
        incident_id: str,
        agency_id: str,
        fmt: Format,
        ago_ms: int,
        *,
        action: str = "",
        kind: DistributionKind = DistributionKind.DISPATCH,
    ) -> str:
        incident = self.backend.snapshot().result().incidents[incident_id]
        agency = next(a for a in self.registry.agencies if a.id == agency_id)
        district = self.districts.get(incident.district_code or "")
        at = self.now_ms - ago_ms
        draft = draft_packet(
            incident,
            agency,
            centre=self.registry.centre,
            entry=incident.incident_type,
            now_ms=at,
            district_ko=district.name if district else None,
            operator=OPERATOR,
            requested_action_ko=action,
            kind=kind,
        )
        body = render(draft.packet, fmt)
        event = queued_event(draft.packet, fmt, body).to_new("dispatch", OPERATOR, at)
        self.backend.publish([event]).result()
        return draft.packet.distribution_id

    def record(self, ago_ms: int, *events: DomainEvent) -> None:
        at = self.now_ms - ago_ms
        self.backend.publish([e.to_new("dispatch", "outbox", at) for e in events]).result()


def prepare_log(path: Path, registry: Registry) -> Story:
    """The packets of the last quarter of an hour, settled except the flood's."""
    backend = LocalBackend.open(path)
    tell = _Teller(backend, registry, SystemClock().now_ms())
    fire = tell.report("F-FIRE", "11010", "청계천로 상가 2층 화재, 연기 다량", 16 * MINUTE)
    to_119 = tell.queue(fire, "fire-119", Format.EDXL, 15 * MINUTE + 20_000, action="출동 요청")
    ids = (fire, to_119, "fire-119")
    tell.record(15 * MINUTE + 19_000, PacketSent(*ids, transport="http", detail="HTTP 202"))
    tell.record(15 * MINUTE + 19_000, PacketDelivered(*ids, receipt="fire-119-000318"))
    to_112 = tell.queue(fire, "police-112", Format.EDXL, 15 * MINUTE, action="교통 통제 요청")
    police = (fire, to_112, "police-112")
    tell.record(14 * MINUTE + 59_000, PacketSent(*police, transport="http", detail="HTTP 202"))
    tell.record(14 * MINUTE + 59_000, PacketDelivered(*police, receipt="police-112-004211"))
    tell.record(
        14 * MINUTE + 34_000,
        PacketAcknowledged(*ids, ack_id="119-ACK-0318", note="펌프차 2대·구급차 1대 출동"),
    )
    parking = tell.report("F-BLOCK", "11010", "소방차 진입로 불법주정차 3대", 12 * MINUTE)
    refused = tell.queue(parking, "district-jongno", Format.JSON, 11 * MINUTE + 30_000)
    tell.record(
        11 * MINUTE + 29_000,
        PacketFailed(
            parking,
            refused,
            "district-jongno",
            code="rejected",
            reason="HTTP 422: the request names no parking enforcement team on duty",
        ),
    )
    drill = tell.report(
        "F-FIRE", "11020", "[훈련] 남대문시장 화재 대응 훈련", 8 * MINUTE, exercise=True
    )
    exercise = tell.queue(drill, "fire-119", Format.EDXL, 7 * MINUTE + 40_000)
    drill_ids = (drill, exercise, "fire-119")
    tell.record(7 * MINUTE + 39_000, PacketSent(*drill_ids, transport="http", detail="HTTP 202"))
    tell.record(7 * MINUTE + 39_000, PacketDelivered(*drill_ids, receipt="fire-119-T00027"))
    tell.record(
        7 * MINUTE + 10_000, PacketAcknowledged(*drill_ids, ack_id="119-ACK-T27", note="훈련 접수")
    )
    flood = tell.report("D-FLOOD", "11010", "청계천 수위 3.6 m, 주의 단계", 3 * MINUTE)
    tell.queue(flood, "ndms", Format.CAP, 2 * MINUTE + 30_000)
    update = tell.queue(flood, "ndms", Format.CAP, 40_000, kind=DistributionKind.UPDATE)
    backend.close()
    return Story(fire, flood, update)


def _closed_port() -> int:
    """A port on this machine where nothing listens (the NDMS link that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def shoot(out: Path, language: str, detail: Path | None) -> None:
    """Write the log, run the delivery worker against the dead NDMS link, save the panel."""
    prepare_qt()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    translators = install_translators(app, language)
    apply_dark_theme(app)
    registry = Registry.load(DEMO_REGISTRY)
    dead = f"http://127.0.0.1:{_closed_port()}/ndms/cap"
    with tempfile.TemporaryDirectory() as folder:
        story = prepare_log(Path(folder) / "events.db", registry)
        settings = Settings(QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        backend = LocalBackend.open(Path(folder) / "events.db")
        notices = NoticeBoard()
        context = build_context(backend, load_city("lite"), notices, settings, language)
        service = DispatchService(context.invoker, notices, path=DEMO_REGISTRY)
        outbox = Outbox(
            backend,
            lambda agency_id, _status: EndpointSettings(
                agency_id, "http", url=dead, connect_timeout_s=1.0
            ),
            backoff=Backoff(base_ms=200, factor=2.0, cap_ms=800),
            breaker_threshold=3,
            breaker_open_ms=90_000,
            notices=notices,
        )
        service.registry, service.outbox, service.problem = registry, outbox, ""
        context.dispatch = service
        panel = OutboxPanel(context)
        panel.setWindowTitle("Outbox")
        panel.resize(1480, 330)
        view = IncidentDetailView(context) if detail is not None else None
        outbox.start()
        context.store.start()
        panel.show()

        def link_down() -> bool:
            return any(link.breaker == BreakerState.OPEN for link in outbox.status().agencies)

        def wait() -> None:
            if not (context.store.is_loaded and link_down()):
                QTimer.singleShot(100, wait)
                return
            panel.refresh_header()
            panel.select_packet(story.update)
            QTimer.singleShot(400, grab)

        def grab() -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            panel.grab().save(str(out))
            if view is not None and detail is not None:
                view.resize(520, 720)
                view.show()
                view.show_incident(story.fire)
                QTimer.singleShot(600, lambda: finish(view, detail))
            else:
                finish(None, None)

        def finish(view: IncidentDetailView | None, where: Path | None) -> None:
            if view is not None and where is not None:
                view.grab().save(str(where))
                view.close()
            panel.close()
            app.quit()

        QTimer.singleShot(0, wait)
        app.exec()
        outbox.stop(5.0)
        context.store.stop()
        backend.close()
    for translator in translators:
        app.removeTranslator(translator)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots" / "outbox.png")
    parser.add_argument("--language", choices=("en", "ko"), default="en")
    parser.add_argument("--detail", type=Path, help="also save the fire's incident detail here")
    args = parser.parse_args()
    shoot(args.out, args.language, args.detail)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
