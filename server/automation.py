"""The centre's automations as the leader's duties (see ``server/field.py``): packet delivery
to agencies, the agencies' inbound listener with the Ack poller, the simulated agencies of a
demo, automatic escalation and the procedure starter.

Each resumes from the log when a new leader takes over, as the standalone workstation does
after a restart: the delivery worker folds the packets queued and not yet sent (a packet the
old leader had on the wire when it died is sent again with the same distribution id, which
receivers dedupe: at least once on the wire, once per agency by id); the escalation escalates
critical incidents still new and never escalated; the starter gives open incidents without a
procedure theirs. Escalating and starting a procedure are decided against the log's state in
the database, so even two processes doing the same would record each once.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.clock import Clock, SystemClock
from core.commands import Escalate
from core.dispatch.agencies import Registry
from core.errors import CommandRejected
from core.events import EventRecord
from core.model import IncidentStatus
from core.notices import NoticeBoard
from core.sop.definitions import SOP_DIR
from core.sop.escalation import ACTOR as ESCALATION_ACTOR
from core.sop.escalation import EscalationCheck, escalation_comment
from server.config import ServerConfig
from server.field import Duty

if TYPE_CHECKING:
    from core.dispatch.ack_poll import AckPoller
    from core.dispatch.agency_sim import AgencySimulator
    from core.dispatch.inbound import InboundListener
    from core.dispatch.outbox import Outbox
    from core.sop.starter import ProcedureStarter
    from server.pg_backend import PgBackend

log = logging.getLogger("cityroom.server.automation")


def automation_duties(
    config: ServerConfig, backend: PgBackend, registry: Registry | None
) -> list[Duty]:
    """The duties ``config`` switches on, in the order they start (``registry``: the one
    ``[dispatch] registry`` names, already read)."""
    notices = backend.notices
    duties: list[Duty] = []
    if registry is not None:
        if config.dispatch.simulate_agencies:
            duties.append(AgencySimulators(registry))
        duties.append(AgencyInbound(backend, registry, notices))
        duties.append(PacketDelivery(backend, registry, notices))
    automation = config.automation
    if automation.procedures:
        folders = [SOP_DIR]
        if automation.procedures_dir is not None:
            folders.append(automation.procedures_dir)
        duties.append(ProcedureStarting(backend, folders, notices))
    if automation.escalation:
        duties.append(Escalation(backend, automation.escalate_after_s))
    return duties


class AgencySimulators:
    """Duty (demo): play the registry's agencies whose endpoints are plain http here."""

    name = "agency simulators"

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._running: list[AgencySimulator] = []

    def start(self) -> None:
        """Start one simulator per agency on its port (all or none)."""
        from core.dispatch.agency_sim import simulators_for

        try:
            for simulator in simulators_for(self._registry):
                self._running.append(simulator.start())
        except BaseException:
            self.stop()
            raise
        urls = ", ".join(s.url for s in self._running) or "none (no local http agency)"
        log.info("agency simulators: this process now plays %s", urls)

    def stop(self) -> None:
        """Stop every simulator."""
        running, self._running = self._running, []
        for simulator in running:
            simulator.stop()


class AgencyInbound:
    """Duty: listen for agencies' reports and Acks at the registry's ``[centre] inbound``,
    and fetch the Acks of agencies that do not post them."""

    name = "agency inbound"

    def __init__(self, backend: PgBackend, registry: Registry, notices: NoticeBoard) -> None:
        self._backend = backend
        self._registry = registry
        self._notices = notices
        self._listener: InboundListener | None = None
        self._poller: AckPoller | None = None

    def start(self) -> None:
        """Bind the listener (``OSError`` when its port is taken) and start polling."""
        from core.dispatch.ack_poll import AckPoller
        from core.dispatch.inbound import InboundListener

        inbound = self._registry.centre.inbound
        self._listener = InboundListener(
            self._backend, host=inbound.host, port=inbound.port, registry=self._registry
        ).start()
        self._poller = AckPoller(self._listener, self._registry, notices=self._notices)
        self._poller.start()
        log.info(
            "agency inbound: this process now listens on %s and polls %d agencies",
            self._listener.url("/"),
            len(self._poller.urls),
        )

    def stop(self) -> None:
        """Stop polling, then listening (messages being handled are recorded first)."""
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


class PacketDelivery:
    """Duty: the delivery worker, sending the packets workstations queue in the log."""

    name = "packet delivery"

    def __init__(
        self, backend: PgBackend, registry: Registry, notices: NoticeBoard, **outbox: Any
    ) -> None:
        self._backend = backend
        self._registry = registry
        self._notices = notices
        self._options = outbox
        self.outbox: Outbox | None = None

    def start(self) -> None:
        """Fold the log's packets and start sending."""
        from core.dispatch.outbox import Outbox

        self.outbox = Outbox(self._backend, self._registry, notices=self._notices, **self._options)
        self.outbox.start()
        agencies = ", ".join(a.id for a in self._registry.agencies if a.enabled)
        log.info("packet delivery: this process now delivers packets to %s", agencies)

    def stop(self) -> None:
        """Let the sends under way finish and be recorded, then stop."""
        outbox, self.outbox = self.outbox, None
        if outbox is None:
            return
        if outbox.stop(10.0):
            log.info("packet delivery: stopped (%d packets waiting)", outbox.status().pending)
        else:
            log.warning(
                "packet delivery: sends still under way after 10 s; the next leader sends "
                "those packets again (receivers dedupe them by distribution id)"
            )


class ProcedureStarting:
    """Duty: give each new incident its type's default procedure, and catch up on the open
    incidents that have none."""

    name = "procedure starter"

    def __init__(self, backend: PgBackend, folders: Sequence[Path], notices: NoticeBoard) -> None:
        self._backend = backend
        self._folders = tuple(folders)
        self._notices = notices
        self.starter: ProcedureStarter | None = None

    def start(self) -> None:
        """Read the procedures (refused files are logged) and follow the log."""
        from core.sop.library import ProcedureLibrary
        from core.sop.starter import ProcedureStarter

        library = ProcedureLibrary(self._folders)
        report = library.load()
        for refused in report.refused:
            log.error("procedure starter: %s", refused)
        state = self._backend.snapshot().result()
        waiting = [
            (i.id, i.type_code)
            for i in state.incidents.values()
            if i.status.is_open and i.procedure is None and library.for_type(i.type_code)
        ]
        self.starter = ProcedureStarter(self._backend, library, self._notices)
        self.starter.start(state.last_seq, waiting)
        log.info(
            "procedure starter: this process now starts procedures (%d in force from %s; "
            "%d open incidents caught up)",
            report.loaded,
            ", ".join(str(f) for f in self._folders),
            len(waiting),
        )

    def stop(self) -> None:
        """Stop following the log."""
        if self.starter is not None:
            self.starter.stop()
            self.starter = None


class Escalation:
    """Duty: once a second, escalate critical incidents nobody acknowledged within
    ``after_s`` seconds (as ``system:escalation``, once each)."""

    name = "escalation"

    def __init__(
        self,
        backend: PgBackend,
        after_s: float,
        *,
        clock: Clock | None = None,
        interval_s: float = 1.0,
    ) -> None:
        self._backend = backend
        self._after_s = after_s
        self._clock = clock or SystemClock()
        self._interval_s = interval_s
        self._check = EscalationCheck(None, after_s)  # no library: reminders are the desk's
        self._asked: set[str] = set()
        self._lock = threading.Lock()  # outcomes come back on the database writer's thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.escalated = 0

    def start(self) -> None:
        """Start checking on a thread of its own."""
        self._check = EscalationCheck(None, self._after_s)
        self._asked = set()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="escalation", daemon=True)
        self._thread.start()
        log.info(
            "escalation: this process now escalates critical incidents not acknowledged "
            "within %g s",
            self._after_s,
        )

    def stop(self) -> None:
        """Stop checking."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.tick()
            except Exception:  # a bad tick must not end the escalation for good
                log.exception("escalation: the check failed")

    def tick(self) -> None:
        """Check once now."""
        # The writer thread folds into this state; list() copies the values in one step,
        # and each incident's fields are read once.
        incidents = list(self._backend.state_now().incidents.values())
        fresh = [i for i in incidents if i.status is IncidentStatus.NEW and i.escalations == 0]
        # Forget what no longer waits (acknowledged, escalated, closed): the memory stays small.
        waiting = {i.id for i in fresh}
        with self._lock:
            self._check.drop(self._asked - waiting)
            self._asked &= waiting
            findings = self._check.check(fresh, self._clock.now_ms())
            self._asked.update(d.incident_id for d in findings.escalate)
        for due in findings.escalate:
            command = Escalate(
                due.incident_id, escalation_comment(self._after_s), only_if_unattended=True
            )
            future = self._backend.submit(command, ESCALATION_ACTOR)
            future.add_done_callback(functools.partial(self._done, incident_id=due.incident_id))

    def _done(self, done: Future[list[EventRecord]], incident_id: str) -> None:
        error = done.exception()
        if error is None:
            self.escalated += 1
            log.info(
                "escalation: %s escalated (critical, not acknowledged within %g s)",
                incident_id,
                self._after_s,
            )
        elif isinstance(error, CommandRejected):
            log.debug("escalation: %s not escalated: %s", incident_id, error)
        else:
            with self._lock:
                self._check.forget(incident_id)  # tried again at the next tick
            log.error("escalation: could not escalate %s (%s); trying again", incident_id, error)
