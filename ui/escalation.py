"""Automatic escalation on the workstation: a critical incident nobody acknowledges in time is
escalated to the supervisor, shown in a red banner at the top of the window and sounded; a
procedure step past its reminder time is told once as a notice.

The check runs on the GUI thread once a second, because the replica it reads is GUI-thread
state; it only reads and submits (submitting queues the command and returns at once).

A workstation connected to the centre's server (``BackendMode.REMOTE``) submits no
escalation: the server escalates once for all workstations (``server/automation.py``), and
the banner and the sound follow its escalation as it arrives in the replica.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.backend import BackendMode
from core.clock import Clock, SystemClock
from core.commands import Escalate
from core.errors import CommandRejected
from core.model import Incident, IncidentStatus
from core.notices import NoticeLevel
from core.sop.escalation import (
    ACTOR,
    DueEscalation,
    EscalationCheck,
    OverdueStep,
    awaiting_supervisor,
    escalation_comment,
)
from ui.context import AppContext
from ui.sound import AlertSound

MAX_ROWS = 3  # more would push the docks down; the rest are counted
_STYLE = """
#escalationAlert, #escalationAlert QLabel { background: #9b1c1c; color: #ffffff; }
#escalationAlert QLabel { font-weight: bold; }
#escalationAlert QLabel#escalationWhat { font-weight: normal; color: #ffd7d7; padding-left: 8px; }
#escalationAlert QPushButton {
    background: #6e1414; border: 1px solid #e8a0a0; color: #ffffff; padding: 3px 12px;
}
#escalationAlert QPushButton:hover { background: #7f1d1d; }
#escalationMore { color: #ffb4b4; padding: 0 8px; }
"""


def format_waited(ms: int) -> str:
    """How long, as a clock reads: 1:05, or 1:02:03 past an hour."""
    seconds = max(0, ms // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class _AlertRow(QFrame):
    """One escalated incident: what it is, for how long, and Select / Dismiss."""

    def __init__(self, incident_id: str, banner: EscalationBanner) -> None:
        super().__init__(banner)
        self.setObjectName("escalationAlert")
        self.incident_id = incident_id
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        self.label = QLabel()
        layout.addWidget(self.label)
        self.what = QLabel()  # the incident's type, to tell one alert from another
        self.what.setObjectName("escalationWhat")
        layout.addWidget(self.what, 1)
        self.select_button = QPushButton(QCoreApplication.translate("EscalationBanner", "Select"))
        self.select_button.setToolTip(
            QCoreApplication.translate("EscalationBanner", "Select the incident in the queue")
        )
        self.select_button.clicked.connect(lambda: banner.selectRequested.emit(incident_id))
        self.dismiss_button = QPushButton(
            QCoreApplication.translate("EscalationBanner", "Dismiss")
        )
        self.dismiss_button.setToolTip(
            QCoreApplication.translate("EscalationBanner", "Hide this alert on this workstation")
        )
        self.dismiss_button.clicked.connect(lambda: banner.dismiss(incident_id))
        layout.addWidget(self.select_button)
        layout.addWidget(self.dismiss_button)


class EscalationBanner(QFrame):
    """Red alert rows for escalated critical incidents still unacknowledged; the window shows
    it while ``activeChanged`` says it has rows."""

    activeChanged = Signal(bool)
    selectRequested = Signal(str)  # incident id

    def __init__(self, korean: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("escalationBanner")
        self._korean = korean
        self.setStyleSheet(_STYLE)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self.rows: dict[str, _AlertRow] = {}
        self.dismissed: set[str] = set()
        self.more = QLabel()
        self.more.setObjectName("escalationMore")
        self._layout.addWidget(self.more)
        self.more.hide()
        self._active = False
        self._known: set[str] = set()  # the alerts last shown, rows or counted
        self._last: list[tuple[Incident, int]] = []

    def show_alerts(self, alerts: list[tuple[Incident, int]]) -> list[str]:
        """Show ``alerts`` (incident, milliseconds unacknowledged), oldest first, but the
        dismissed ones; return the ids that were not among the alerts before."""
        self._last = alerts
        alerts = [(i, ms) for i, ms in alerts if i.id not in self.dismissed]
        shown = alerts[:MAX_ROWS]
        order = [i.id for i, _ in shown]
        if order != list(self.rows):
            for row in self.rows.values():
                self._layout.removeWidget(row)
            kept = {i: self.rows.pop(i) for i in order if i in self.rows}
            for row in self.rows.values():
                row.deleteLater()
            self.rows = {i: kept.get(i) or _AlertRow(i, self) for i in order}
            for index, row in enumerate(self.rows.values()):
                self._layout.insertWidget(index, row)
        for incident, waited_ms in shown:
            row = self.rows[incident.id]
            row.label.setText(
                self.tr("Supervisor: %1 critical, not acknowledged for %2")
                .replace("%1", incident.id)
                .replace("%2", format_waited(waited_ms))
            )
            kind = incident.incident_type
            name = (kind.name_ko if self._korean else kind.name_en) if kind else incident.type_code
            row.what.setText(f"· {name}")
        hidden = len(alerts) - len(shown)
        self.more.setText(self.tr("%1 more escalated incidents").replace("%1", str(hidden)))
        self.more.setVisible(hidden > 0)
        new = [i.id for i, _ in alerts if i.id not in self._known]
        self._known = {i.id for i, _ in alerts}
        self._set_active(bool(alerts))
        return new

    def dismiss(self, incident_id: str) -> None:
        """Hide the alert of ``incident_id`` on this workstation."""
        self.dismissed.add(incident_id)
        self.show_alerts(self._last)

    def _set_active(self, active: bool) -> None:
        if active != self._active:
            self._active = active
            self.activeChanged.emit(active)

    @property
    def active(self) -> bool:
        """Whether there is an alert to show."""
        return self._active


class EscalationWatcher(QObject):
    """Once a second: escalates critical incidents left unacknowledged past the setting
    ``escalate_after_s`` (as ``system:escalation``; on a server's backend the server does),
    reminds of overdue procedure steps, and keeps the banner showing the escalated incidents
    still unacknowledged."""

    def __init__(
        self,
        context: AppContext,
        banner: EscalationBanner,
        clock: Clock | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._clock = clock or SystemClock()
        self.banner = banner
        self.sound = AlertSound(self)
        self._check = EscalationCheck(
            context.procedures.library, context.settings.escalate_after_s
        )
        self._failed: set[str] = set()  # escalations that failed once: told once
        self.escalates = context.backend.mode is not BackendMode.REMOTE
        self._live: set[str] = set()  # incidents neither closed nor merged
        self._timer = QTimer(self)
        self._timer.setObjectName("escalationTick")
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        banner.selectRequested.connect(self._on_banner_select_requested)
        if context.backend.mode is BackendMode.REPLAY:
            return  # the past is watched, not acted on
        store = context.store
        store.incidentsChanged.connect(self._on_store_incidents_changed)
        if store.is_loaded:
            self._on_store_incidents_changed(set(store.state.incidents))
            self._timer.start()
        else:
            store.loaded.connect(self._timer.start, Qt.ConnectionType.SingleShotConnection)

    def stop(self) -> None:
        """Stop checking."""
        self._timer.stop()

    def _open_incidents(self) -> list[Incident]:
        incidents = self._context.store.state.incidents
        return [incidents[i] for i in sorted(self._live) if i in incidents]

    def tick(self) -> None:
        """Check once now (the timer calls it every second)."""
        context = self._context
        now = self._clock.now_ms()
        # Read each time: a change in the settings dialog applies at once.
        self._check.after_s = context.settings.escalate_after_s
        incidents = self._open_incidents()
        findings = self._check.check(incidents, now)
        for due in findings.escalate if self.escalates else ():
            self._escalate(due)
        for overdue in findings.overdue:
            self._remind(overdue)
        self._show(incidents, now)

    def _escalate(self, due: DueEscalation) -> None:
        command = Escalate(
            due.incident_id, escalation_comment(self._check.after_s), only_if_unattended=True
        )
        future = self._context.backend.submit(command, ACTOR)

        def failed(error: BaseException) -> None:
            if isinstance(error, CommandRejected):
                return  # acknowledged, merged or escalated meanwhile: nothing to do
            self._check.forget(due.incident_id)  # try again on the next tick
            if due.incident_id not in self._failed:
                self._failed.add(due.incident_id)
                text = self.tr("Could not escalate %1: %2")
                self._notify(
                    NoticeLevel.ERROR,
                    text.replace("%1", due.incident_id).replace("%2", str(error)),
                )

        # Nothing to do on success: the banner follows the replica, which has the event
        # once the feed brings it back (on every workstation alike).
        self._context.invoker.when_done(future, lambda _records: None, failed)

    def _remind(self, overdue: OverdueStep) -> None:
        korean = self._context.language == "ko"
        text = (
            self.tr("%1: step '%2' overdue")
            .replace("%1", overdue.incident_id)
            .replace("%2", overdue.step.title(korean))
        )
        self._notify(NoticeLevel.WARNING, text)

    def _show(self, incidents: list[Incident], now_ms: int) -> None:
        alerts = [(i, now_ms - i.opened_ms) for i in awaiting_supervisor(incidents)]
        new = self.banner.show_alerts(alerts)
        if new and self._context.settings.alert_sound:
            self.sound.play()

    def _notify(self, level: NoticeLevel, text: str) -> None:
        self._context.notices.post(level, self.tr("Escalation"), text)

    def _on_store_incidents_changed(self, changed: set[str]) -> None:
        incidents = self._context.store.state.incidents
        done = {IncidentStatus.CLOSED, IncidentStatus.MERGED}
        finished = []
        for incident_id in changed:
            incident = incidents.get(incident_id)
            if incident is None or incident.status in done:
                self._live.discard(incident_id)
                finished.append(incident_id)
            else:
                self._live.add(incident_id)
        if finished:
            self._check.drop(finished)
        if self._timer.isActive():
            # Acknowledged or escalated just now: the banner follows at once, not next tick.
            self._show(self._open_incidents(), self._clock.now_ms())

    def _on_banner_select_requested(self, incident_id: str) -> None:
        self._context.selection.select_incident(incident_id, self.banner)
