"""The workstation's link with outside agencies: the agency registry, the delivery worker
(the outbox), the listener for agencies' reports and acknowledgements, the live links to
cameras shared in packets and, in the standalone demo, the simulated agencies they talk to.
Everything starts and stops off the GUI thread.

A workstation connected to the centre's server (``BackendMode.REMOTE``) reads the registry
(composing needs the agencies) and records packets and cancellations in the log, but sends
nothing and listens for nothing: the server delivers every packet once for all workstations
(``server/automation.py``)."""

from __future__ import annotations

import weakref
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QWidget

from core.backend import Backend, BackendMode
from core.clock import SystemClock
from core.dispatch.agencies import DEMO_REGISTRY, Agency, Registry, registry_path
from core.errors import CityroomError
from core.notices import NoticeBoard, NoticeLevel
from core.sop.definitions import ActionKind, Recipient
from ui.bridge import GuiInvoker
from ui.settings import Settings
from ui.workers import run_in_thread

# The delivery side (httpx, lxml, the HTTP servers) loads on the worker thread that starts
# it, not with the window: it would add about a second to the start-up.
if TYPE_CHECKING:
    from core.dispatch.ack_poll import AckPoller
    from core.dispatch.agency_sim import AgencySimulator
    from core.dispatch.inbound import InboundListener
    from core.dispatch.live_share import LiveShare
    from core.dispatch.outbox import Outbox
    from core.dispatch.status import OutboxStatus
    from ui.context import AppContext
    from ui.packet_dialog import PacketDialog

SOURCE = "dispatch"


@dataclass
class _Links:
    """What a start made (handed from the worker thread to the GUI thread)."""

    registry: Registry
    outbox: Outbox | None  # None: the centre's server delivers the packets
    inbound: InboundListener | None = None
    poller: AckPoller | None = None  # fetches Acks of agencies that do not push them
    simulators: list[AgencySimulator] = field(default_factory=list)
    live_share: LiveShare | None = None
    live_share_problem: str = ""  # why there is no live share
    problems: list[str] = field(default_factory=list)


class DispatchService(QObject):
    """Owns the dispatch workers for the window. ``registry`` is None (and ``problem`` says
    why) until the registry has been read; packets can be queued once it is there. Cameras
    can be shared live while ``live_share`` is there (else ``live_share_problem`` says why);
    ``settings`` (default: the user's) say where cameras stream from and their masks.
    ``delivered_by_server`` once started on a server's backend: then there is no outbox."""

    changed = Signal()  # the registry was read, or the links started or stopped

    def __init__(
        self,
        invoker: GuiInvoker,
        notices: NoticeBoard,
        *,
        path: Path | None = None,
        simulate_agencies: bool = False,
        settings: Settings | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._invoker = invoker
        self._notices = notices
        self.path = path or registry_path()
        # Only the demo's agencies are played here: a site's registry names real ones.
        self.simulate_agencies = (
            simulate_agencies and self.path.resolve() == DEMO_REGISTRY.resolve()
        )
        self.registry: Registry | None = None
        self.problem = self.tr("The agency registry is being read.")
        self.outbox: Outbox | None = None
        self.inbound: InboundListener | None = None
        self.simulators: list[AgencySimulator] = []
        self.live_share: LiveShare | None = None
        self.live_share_problem = self.tr("The agency link has not started yet.")
        self._settings = settings
        self._links: _Links | None = None
        self._stopped = False
        self._backend: Backend | None = None
        self.delivered_by_server = False

    # -- life -----------------------------------------------------------------------------

    def start_live(self, backend: Backend) -> Future[_Links]:
        """Read the registry, then start the simulated agencies (demo), the listener, the
        live links and the delivery worker, on a worker thread; on a server's backend only
        read the registry (the server delivers)."""
        path, simulate, notices = self.path, self.simulate_agencies, self._notices
        settings = self._settings or Settings()
        streams, masks = settings.stream_registry, settings.mask_file
        self._backend = backend
        self.delivered_by_server = backend.mode is BackendMode.REMOTE

        def read_only() -> _Links:
            links = _Links(Registry.load(path), None)
            links.live_share_problem = QCoreApplication.translate(
                "DispatchService",
                "Live video is not shared from workstations connected to the centre's server.",
            )
            return links

        def start() -> _Links:
            from core.dispatch.ack_poll import AckPoller
            from core.dispatch.agency_sim import simulators_for
            from core.dispatch.inbound import InboundListener
            from core.dispatch.outbox import Outbox

            registry = Registry.load(path)
            outbox = Outbox(backend, registry, notices=notices)
            links = _Links(registry, outbox)
            if simulate:
                try:
                    links.simulators = [s.start() for s in simulators_for(registry)]
                except (OSError, CityroomError) as error:
                    text = QCoreApplication.translate(
                        "DispatchService", "The simulated agencies did not start: %1"
                    )
                    links.problems.append(text.replace("%1", str(error)))
            inbound = registry.centre.inbound
            try:
                links.inbound = InboundListener(
                    backend, host=inbound.host, port=inbound.port, registry=registry
                ).start()
            except OSError as error:
                text = QCoreApplication.translate(
                    "DispatchService",
                    "Reports and acknowledgements from agencies cannot be received: %1",
                )
                links.problems.append(text.replace("%1", str(error)))
            else:
                links.poller = AckPoller(links.inbound, registry, notices=notices)
                links.poller.start()
            _start_live_share(links, backend, streams, masks)
            outbox.start()
            return links

        future = run_in_thread(read_only if self.delivered_by_server else start, "dispatch start")
        this = weakref.ref(self)  # the worker must not be the last holder of a QObject

        def started(links: _Links) -> None:
            service = this()
            if service is None or service._stopped:
                _stop_links(links)
                return
            service._on_started(links)

        def failed(error: BaseException) -> None:
            service = this()
            if service is not None:
                service._on_failed(error)

        self._invoker.when_done(future, started, failed)
        return future

    def _on_started(self, links: _Links) -> None:
        self._links = links
        self.registry, self.outbox = links.registry, links.outbox
        self.inbound, self.simulators = links.inbound, links.simulators
        self.live_share, self.live_share_problem = links.live_share, links.live_share_problem
        # Said wherever this window would say why it does not send (the outbox's header and
        # its "Retry now"): here nothing is wrong, the server sends.
        self.problem = self.delivery_note
        for warning in links.registry.warnings:
            self._notices.post(NoticeLevel.WARNING, SOURCE, warning)
        for problem in links.problems:
            self._notices.post(NoticeLevel.ERROR, SOURCE, problem)
        self.changed.emit()

    def _on_failed(self, error: BaseException) -> None:
        self.problem = self.tr("Packets cannot be sent: %1").replace("%1", str(error))
        self._notices.post(NoticeLevel.ERROR, SOURCE, self.problem)
        self.changed.emit()

    def stop(self) -> None:
        """Stop delivering (sends under way finish and are logged), listening and simulating."""
        self._stopped = True
        links, self._links = self._links, None
        self.outbox, self.inbound, self.simulators = None, None, []
        self.live_share = None
        self.live_share_problem = self.tr("The agency link has stopped.")
        if links is not None:
            _stop_links(links)

    # -- what the dialogs and panels ask --------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether packets can be composed and queued now."""
        return self.registry is not None and (self.outbox is not None or self.delivered_by_server)

    @property
    def delivery_note(self) -> str:
        """Who sends the packets when it is not this window ("" when it is)."""
        if not self.delivered_by_server:
            return ""
        return self.tr("The centre's server delivers the packets and retries them itself.")

    def agency(self, agency_id: str) -> Agency | None:
        """An agency of the registry, or None."""
        if self.registry is None:
            return None
        return next((a for a in self.registry.agencies if a.id == agency_id), None)

    def agency_name(self, agency_id: str, korean: bool) -> str:
        """An agency's name in the interface language (its id when unknown)."""
        agency = self.agency(agency_id)
        return agency.name(korean) if agency is not None else agency_id

    def status(self) -> OutboxStatus | None:
        """The delivery worker's latest picture of itself (None when it is not running)."""
        return self.outbox.status() if self.outbox is not None else None

    def retry_now(self, distribution_id: str) -> Future[bool] | None:
        """Send a waiting packet now (None when the worker is not running, as on a server's
        backend: the server retries)."""
        return self.outbox.retry_now(distribution_id) if self.outbox is not None else None

    def compose(
        self,
        context: AppContext,
        incident_id: str | None,
        recipient: str | None = None,
        parent: QWidget | None = None,
    ) -> PacketDialog | None:
        """Open the compose dialog for ``incident_id`` (the selected incident when None),
        with the first agency of kind ``recipient`` chosen; None (and a notice saying why)
        when there is nothing to compose for or no registry."""
        from ui.packet_dialog import PacketDialog

        incident_id = incident_id or context.selection.incident_id
        incident = context.store.state.incidents.get(incident_id or "")
        if incident is None:
            text = self.tr("Select an incident first: a packet is always about one incident.")
            self._notices.post(NoticeLevel.WARNING, SOURCE, text)
            return None
        if self.registry is None:
            self._notices.post(NoticeLevel.WARNING, SOURCE, self.problem)
            return None
        kind = Recipient(recipient) if recipient in {r.value for r in Recipient} else None
        dialog = PacketDialog(context, self.registry, incident, kind, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        notices, korean = self._notices, context.language == "ko"

        def queued() -> None:
            prepared = dialog.prepared
            if prepared is None:
                return
            text = (
                self.tr("Packet %1 to %2 queued; its delivery shows in the outbox.")
                .replace("%1", prepared.packet.distribution_id)
                .replace("%2", prepared.agency.name(korean))
            )
            notices.post(NoticeLevel.INFO, SOURCE, text)

        dialog.accepted.connect(queued)
        dialog.open()
        return dialog

    def cancel(
        self, distribution_id: str, reason: str, actor: str = "outbox"
    ) -> Future[bool] | None:
        """Give up a packet not yet sent, recorded as ``actor`` (None when the worker is not
        running). On a server's backend the cancellation is recorded in the log, as the
        worker records it; a packet the server has on the wire by then still counts as sent.
        """
        backend = None if self._stopped else self._backend
        if self.delivered_by_server and backend is not None and self.registry is not None:
            return _cancel_in_log(backend, distribution_id, reason, actor)
        if self.outbox is None:
            return None
        return self.outbox.cancel(distribution_id, reason, actor)


def _cancel_in_log(
    backend: Backend, distribution_id: str, reason: str, actor: str
) -> Future[bool]:
    """Record the delivery worker's cancellation of a packet still waiting in the log (on a
    worker thread); False when it is no longer waiting."""

    def work() -> bool:
        from core.dispatch.retry import DeliverySchedule

        # The worker's own schedule decides whether it may be cancelled and writes the fact.
        schedule = DeliverySchedule()
        schedule.load(backend.snapshot().result(timeout=30).packets)
        events = schedule.cancel(distribution_id, reason)
        if not events:
            return False
        backend.publish([e.to_new(SOURCE, actor) for e in events]).result(timeout=30)
        return True

    return run_in_thread(work, "packet cancel")


def _start_live_share(links: _Links, backend: Backend, streams: Path | None, masks: Path) -> None:
    """Serve live links when the registry gives the centre a live-share address, granting
    again the links of packets already sent (worker thread)."""
    address = links.registry.centre.live_share
    if address is None:
        links.live_share_problem = QCoreApplication.translate(
            "DispatchService",
            "The agency registry shares no live video: its [centre] has no live_share address.",
        )
        return
    from core.dispatch.live_share import (
        LiveShare,
        MaskFile,
        grants_from_records,
        live_share_key,
        recent_packet_records,
        registry_frames,
    )
    from core.video.redaction import Redactor
    from core.video.registry import StreamRegistry, load_stream_registry

    try:
        share = LiveShare(
            registry_frames(load_stream_registry(streams) if streams else StreamRegistry()),
            address.host,
            address.port,
            secret=live_share_key(),
            record=backend.publish,
            masks=MaskFile(masks),
            redactor=Redactor(),  # faces and plates blurred in what leaves the room
            public_url=address.public_url,
        )
        share.admit(grants_from_records(recent_packet_records(backend, SystemClock().now_ms())))
        links.live_share = share.start()
    except (OSError, CityroomError) as error:
        text = QCoreApplication.translate("DispatchService", "Live video cannot be shared: %1")
        links.live_share_problem = text.replace("%1", str(error))
        links.problems.append(links.live_share_problem)


def _stop_links(links: _Links) -> None:
    if links.poller is not None:
        links.poller.stop()
    if links.outbox is not None:
        links.outbox.stop(5.0)
    if links.live_share is not None:
        links.live_share.stop()
    if links.inbound is not None:
        links.inbound.stop()
    for simulator in links.simulators:
        simulator.stop()


def install_dispatch_actions(window: QMainWindow, menu: QMenu, context: AppContext) -> QAction:
    """Add "Packet to an agency…" (Ctrl+Shift+S) to ``menu`` and let procedure steps ask for
    packets; without a dispatch service in ``context`` the item is there but disabled."""
    action = QAction(
        QCoreApplication.translate("DispatchService", "&Packet to an agency…"), window
    )
    action.setShortcut(QKeySequence("Ctrl+Shift+S"))
    menu.addAction(action)
    service = context.dispatch
    if service is None:
        action.setEnabled(False)
        return action

    def follow_origin(_origin: str = "") -> None:
        # Replay shows the past: packets are sent from the live city only.
        replay = context.view.is_replay
        action.setEnabled(not replay)
        tip = QCoreApplication.translate(
            "DispatchService", "Replay shows the past: press F8 to go back to live to act."
        )
        action.setToolTip(tip if replay else action.text().replace("&", ""))
        action.setStatusTip(tip if replay else "")

    context.view.originChanged.connect(follow_origin)
    follow_origin()
    action.triggered.connect(lambda: service.compose(context, None, None, window))
    context.actions.offer(ActionKind.DRAFT_PACKET)
    context.actions.packetRequested.connect(
        lambda incident_id, recipient: service.compose(context, incident_id, recipient, window)
    )
    return action
