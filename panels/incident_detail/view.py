"""The selected incident: its facts, the situation rules' evidence behind it, and its own
timeline of events, with the bookmarks and annotations made about it.

It shows ``context.view``: the live city, or the incident as it was at a replay instant (the
events fetched from the log are filtered to those that had happened by then)."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.catalogue import SERVICE_NAMES
from core.events import EventRecord, EventType
from core.model import STATUS_NAMES, Bookmark, Incident
from panels.incident_detail.formatting import clock_time, local_time
from panels.incident_detail.packets import PacketsSection
from panels.incident_detail.situation import SituationArea, SituationSection
from ui.context import AppContext
from ui.table_sizing import TextSizing
from ui.theme import EXERCISE_COLOUR, REPLAY_MARK

_PROCEDURE_STEPS = frozenset(
    {
        EventType.PROCEDURE_STEP_DONE.value,
        EventType.PROCEDURE_STEP_SKIPPED.value,
        EventType.PROCEDURE_TIMER_STARTED.value,
    }
)


# Every kind of event about an incident but the queued packets (see _load_timeline) and the
# timeline marks, which come from the live fold (see _bookmark_lines).
_TIMELINE_TYPES = frozenset(
    t.value
    for t in EventType
    if t
    not in (
        EventType.PACKET_QUEUED,
        EventType.SENSOR_READING,
        EventType.REPLAY_BOOKMARKED,
        EventType.REPLAY_ANNOTATED,
    )
)
_MARK_TYPES = frozenset({EventType.REPLAY_BOOKMARKED.value, EventType.REPLAY_ANNOTATED.value})
MARK_COLOUR = QColor("#ffd66b")  # bookmarks and annotations stand apart from the events
# While a replay plays, what depends on its instant is repainted at most this often.
REPAINT_EVERY_S = 0.25

# A line of the timeline: where it goes (time, then sequence number) and the row itself.
Line = tuple[tuple[int, int], QTreeWidgetItem]


class IncidentDetailView(QWidget):
    """Facts of one incident and every event about it, refreshed as new ones arrive."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.incident_id: str | None = None
        self._request = 0
        self._records: list[EventRecord] = []  # the incident's events last read from the log
        self._marks_shown: tuple[int, ...] = ()  # sequence numbers of the marks in the timeline
        self._painted_at = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        # A small mark of the instant shown; the window's banner says replay loudly.
        self.replay_mark = QLabel()
        self.replay_mark.setObjectName(REPLAY_MARK)  # the theme's small amber print
        self.replay_mark.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.replay_mark.hide()
        layout.addWidget(self.replay_mark)
        self.heading = QLabel(self.tr("Select an incident to see its details."))
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        facts = QWidget()
        self.form = QFormLayout(facts)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QLabel] = {}
        for key, label in (
            ("status", self.tr("Status")),
            ("district", self.tr("District")),
            ("location", self.tr("Location")),
            ("reported", self.tr("Reported")),
            ("assignee", self.tr("Assignee")),
            ("service", self.tr("Service")),
            ("summary", self.tr("Summary")),
            ("linked", self.tr("Linked")),
        ):
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            self.form.addRow(label, value)
        layout.addWidget(facts)
        self.timeline = QTreeWidget()
        self.timeline.setRootIsDecorated(False)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setHeaderLabels(
            [self.tr("Time"), self.tr("Event"), self.tr("By"), self.tr("Details")]
        )
        # Details wrap in their column; the full event is also in each row's tooltip.
        self.timeline.setWordWrap(True)
        self.timeline.setUniformRowHeights(False)
        self.timeline.header().setStretchLastSection(True)
        # Widths in characters: they grow with the text size, live (rows fit their text).
        self.timeline_sizing = TextSizing(self.timeline, {0: 10, 1: 11.5, 2: 16})
        self.timeline.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.timeline, 1)
        self._event_names = {
            EventType.INCIDENT_REPORTED: self.tr("Reported"),
            EventType.INCIDENT_ACKNOWLEDGED: self.tr("Acknowledged"),
            EventType.INCIDENT_ASSIGNED: self.tr("Assigned"),
            EventType.INCIDENT_STARTED: self.tr("Work started"),
            EventType.INCIDENT_DISPATCHED: self.tr("Dispatched"),
            EventType.INCIDENT_RESOLVED: self.tr("Resolved"),
            EventType.INCIDENT_CLOSED: self.tr("Closed"),
            EventType.INCIDENT_ESCALATED: self.tr("Escalated"),
            EventType.INCIDENT_REOPENED: self.tr("Reopened"),
            EventType.INCIDENT_MERGED: self.tr("Merged"),
            EventType.INCIDENT_NOTE_ADDED: self.tr("Note"),
            EventType.INCIDENT_OBSERVED: self.tr("Observation"),
            EventType.INCIDENT_LINKED: self.tr("Linked"),
            EventType.EVIDENCE_CAPTURED: self.tr("Evidence"),
            EventType.PROCEDURE_STARTED: self.tr("Procedure"),
            EventType.PROCEDURE_STEP_DONE: self.tr("Step done"),
            EventType.PROCEDURE_STEP_SKIPPED: self.tr("Step skipped"),
            EventType.PROCEDURE_TIMER_STARTED: self.tr("Timer started"),
            EventType.PACKET_REFUSED: self.tr("Packet refused"),
            EventType.PACKET_QUEUED: self.tr("Packet queued"),
            EventType.PACKET_ATTEMPT_FAILED: self.tr("Packet attempt failed"),
            EventType.PACKET_SENT: self.tr("Packet sent"),
            EventType.PACKET_DELIVERED: self.tr("Packet delivered"),
            EventType.PACKET_ACKNOWLEDGED: self.tr("Packet acknowledged"),
            EventType.PACKET_FAILED: self.tr("Packet failed"),
            EventType.REPLAY_BOOKMARKED: self.tr("Bookmark"),
            EventType.REPLAY_ANNOTATED: self.tr("Annotation"),
        }
        # The rules' evidence sits between the facts and the timeline, open without a click.
        self.situation = SituationSection(context, self._event_names)
        self.situation_area = SituationArea(self.situation)
        layout.insertWidget(layout.indexOf(self.timeline), self.situation_area)
        self.packets = PacketsSection(context)  # under the facts; hidden while there are none
        layout.insertWidget(layout.indexOf(self.situation_area), self.packets)
        view = context.view
        view.incidentsChanged.connect(self._on_view_incidents_changed)
        view.loaded.connect(self._on_view_loaded)
        view.originChanged.connect(self._on_view_origin_changed)
        view.positionChanged.connect(self._on_view_position_changed)
        # Marks are recorded live while someone replays: the replay's state does not get them.
        context.store.eventsApplied.connect(self._on_store_events_applied)
        context.selection.incidentSelected.connect(self._on_selection_incident_selected)

    def show_incident(self, incident_id: str | None) -> None:
        """Show ``incident_id`` (None clears the view) and load its timeline."""
        self.incident_id = incident_id
        self._request += 1  # an answer still on its way is for what was shown before
        self._records = []
        self._marks_shown = ()
        self.timeline.clear()
        self.situation.clear()
        self.packets.show_incident(incident_id)
        self._refresh_facts()
        if incident_id is not None:
            self._load_timeline()

    def _on_selection_incident_selected(self, incident_id: str | None, _origin: object) -> None:
        self.show_incident(incident_id)

    def _on_view_incidents_changed(self, ids: set[str]) -> None:
        if self.incident_id in ids:
            self._refresh_facts()
            self._load_timeline()

    def _on_view_loaded(self) -> None:
        """The whole state was replaced (a seek, live to replay and back): read it all again."""
        self._show_instant()
        self.show_incident(self.incident_id)

    def _on_view_origin_changed(self, _origin: str) -> None:
        self._show_instant()

    def _on_view_position_changed(self, _position_ms: int) -> None:
        now = time.monotonic()
        if not self.isVisible() or now - self._painted_at < REPAINT_EVERY_S:
            return
        self._painted_at = now
        self._show_instant()
        if self.incident_id is None:
            return
        if self._shown_incident() is None:
            self._refresh_facts()  # "not reported yet at" the new instant
        elif self._visible_marks() != self._marks_shown:
            self._fill_timeline()  # playback reached an instant someone marked

    def _on_store_events_applied(self, records: list[EventRecord]) -> None:
        # Live, the view relays the change (the mark's incident changed); in replay only
        # the live store knows of a mark made meanwhile.
        if not self._context.view.is_replay or self.incident_id is None:
            return
        if any(r.type in _MARK_TYPES and r.subject == self.incident_id for r in records):
            self._fill_timeline()

    def _show_instant(self) -> None:
        """The replay mark: the instant shown (hidden live)."""
        view = self._context.view
        self.replay_mark.setVisible(view.is_replay)
        if view.is_replay:
            self.replay_mark.setText(self.tr("Replay %1").replace("%1", clock_time(view.now_ms())))

    def _shown_incident(self) -> Incident | None:
        """The selected incident as the view has it (None: none, or not reported yet)."""
        if self.incident_id is None:
            return None
        return self._context.view.state.incidents.get(self.incident_id)

    def _load_timeline(self) -> None:
        assert self.incident_id is not None
        self._request += 1
        request, incident_id = self._request, self.incident_id
        view = self._context.view
        if view.is_replay and self._shown_incident() is None:
            # Not reported yet at the instant shown: nothing of it to read.
            self._records = []
            self._fill_timeline()
            self.situation.clear()
            return
        # A queued packet's event holds its whole body (pictures included): the timeline
        # takes its line from the packet book instead of reading it from the log.
        future = self._context.backend.incident_events(incident_id, _TIMELINE_TYPES)

        def show(records: list[EventRecord]) -> None:
            if not shiboken6.isValid(self.timeline):
                return  # the panel was closed while the log answered
            if request == self._request:  # a newer selection or refresh supersedes this one
                # In replay only what had happened by the instant shown.
                self._records = [r for r in records if view.includes(r)]
                self._fill_timeline()
                self.situation.show_evidence(self._records)

        self._context.invoker.when_done(future, show)

    def _fill_timeline(self) -> None:
        """Rewrite the timeline: the events read, the queued packets and the marks."""
        self.timeline.clear()
        if self.incident_id is None:
            return
        lines = [((r.ts_ms, r.seq), self._timeline_item(r)) for r in self._records]
        lines += self._queued_lines(self.incident_id)
        marks = self._visible_marks_of(self.incident_id)
        lines += [((m.at_ms, m.seq), self._mark_item(m)) for m in marks]
        self._marks_shown = tuple(m.seq for m in marks)
        items = [item for _key, item in sorted(lines, key=lambda line: line[0])]
        self.timeline.addTopLevelItems(items)
        if items:
            self.timeline.scrollToItem(items[-1])

    def _visible_marks(self) -> tuple[int, ...]:
        if self.incident_id is None:
            return ()
        return tuple(m.seq for m in self._visible_marks_of(self.incident_id))

    def _visible_marks_of(self, incident_id: str) -> list[Bookmark]:
        """The bookmarks and annotations about ``incident_id``; in replay those that mark
        an instant up to the one shown (they are kept wherever they were made: a mark made
        while replaying is recorded live, after the instants it marks)."""
        view = self._context.view
        if view.is_replay and self._shown_incident() is None:
            return []
        until = view.now_ms() if view.is_replay else None
        return [
            m
            for m in self._context.store.state.bookmarks
            if m.incident_id == incident_id and (until is None or m.at_ms <= until)
        ]

    def _mark_item(self, mark: Bookmark) -> QTreeWidgetItem:
        annotation = mark.kind == "annotation"
        kind = EventType.REPLAY_ANNOTATED if annotation else EventType.REPLAY_BOOKMARKED
        name = self._event_names[kind]
        item = QTreeWidgetItem([clock_time(mark.at_ms), name, mark.actor, mark.text])
        recorded = self.tr("marks %1; recorded %2").replace("%1", local_time(mark.at_ms))
        tooltip = (
            f"{recorded.replace('%2', local_time(mark.ts_ms))} · #{mark.seq}\n"
            f"{name} · {mark.actor}\n{mark.text}"
        )
        for column in range(4):
            item.setToolTip(column, tooltip)
        item.setForeground(1, MARK_COLOUR)
        return item

    def _queued_lines(self, incident_id: str) -> list[Line]:
        """A "Packet queued" line for each of the incident's packets, from the fold."""
        lines: list[Line] = []
        name = self._event_names[EventType.PACKET_QUEUED]
        for packet in self._context.view.state.packets_of(incident_id):
            details = self._packet_details(
                {
                    "agency_id": packet.agency_id,
                    "distribution_id": packet.distribution_id,
                    "format": packet.format,
                }
            )
            when, who = packet.queued_ms, packet.queued_by
            item = QTreeWidgetItem([clock_time(when), name, who, details])
            tooltip = f"{local_time(when)} · #{packet.queued_seq}\n{name} · {who}\n{details}"
            for column in range(4):
                item.setToolTip(column, tooltip)
            lines.append(((packet.queued_ms, packet.queued_seq), item))
        return lines

    def _timeline_item(self, record: EventRecord) -> QTreeWidgetItem:
        name = self._event_names.get(record.type, record.type)  # type: ignore[call-overload]
        details = self._details(record)
        item = QTreeWidgetItem([clock_time(record.ts_ms), name, record.actor, details])
        tooltip = f"{local_time(record.ts_ms)} · #{record.seq}\n{name} · {record.actor}\n{details}"
        for column in range(4):
            item.setToolTip(column, tooltip)
        return item

    def _details(self, record: EventRecord) -> str:
        payload = record.payload
        pick = self._context.pick
        if record.type == EventType.INCIDENT_OBSERVED:
            return pick(payload.get("text_ko", ""), payload.get("text_en", ""))
        if record.type == EventType.EVIDENCE_CAPTURED:
            what = self.tr("Clip") if payload.get("kind") == "clip" else self.tr("Still")
            span = local_time(int(payload.get("taken_ms") or record.ts_ms))
            if payload.get("end_ms"):
                span += "–" + local_time(int(payload["end_ms"]))
            blurred = (
                " · " + self.tr("blurred: %1").replace("%1", str(payload["redacted"]))
                if payload.get("redacted")
                else ""
            )
            return (
                f"{what} {span} · {payload.get('camera_id')}{blurred} · {payload.get('path')} · "
                f"SHA-256 {str(payload.get('sha256'))[:16]}…"
            )
        if record.type == EventType.PROCEDURE_STARTED:
            title = pick(payload.get("title_ko", ""), payload.get("title_en", ""))
            version = self.tr("version %1").replace("%1", str(payload.get("version")))
            reason = f" · {payload['reason']}" if payload.get("reason") else ""
            return f"{title} ({version}){reason}"
        if record.type.startswith("packet."):
            return self._packet_details(payload)
        parts = []
        for key in ("step_id", "answer", "note", "reason", "timer_id"):
            if payload.get(key) and record.type in _PROCEDURE_STEPS:
                parts.append(str(payload[key]))
        for key in ("summary", "assignee", "into_id", "comment"):
            if payload.get(key):
                parts.append(str(payload[key]))
        if payload.get("severity") and record.type == EventType.INCIDENT_ESCALATED:
            parts.insert(0, self.tr("severity %1").replace("%1", str(payload["severity"])))
        for key in ("cameras", "sensors", "agencies"):
            if payload.get(key):
                parts.append(", ".join(payload[key]))
        return " · ".join(parts)

    def _packet_details(self, payload: dict[str, object]) -> str:
        """Which agency, and what happened to the packet (never its body)."""
        agency = str(payload.get("agency_id", ""))
        service = self._context.dispatch
        if service is not None:
            agency = service.agency_name(agency, self._context.language == "ko")
        parts = [agency, str(payload.get("distribution_id", ""))]
        if payload.get("format"):
            parts.append(str(payload["format"]).upper())
        for key in ("transport", "detail", "receipt", "note", "code", "reason"):
            if payload.get(key):
                parts.append(str(payload[key]))
        reasons = payload.get("reasons")
        if isinstance(reasons, list):
            parts.extend(str(r) for r in reasons)
        return " · ".join(p for p in parts if p)

    def _refresh_facts(self) -> None:
        incident = self._shown_incident()
        if incident is None:
            view = self._context.view
            if self.incident_id is not None and view.is_replay:
                # Selected at another instant; it comes back when playback reaches its report.
                text = (
                    self.tr("%1 was not reported yet at %2.")
                    .replace("%1", self.incident_id)
                    .replace("%2", clock_time(view.now_ms()))
                )
            else:
                text = self.tr("Select an incident to see its details.")
            self.heading.setText(text)
            self.heading.setStyleSheet("")
            for value in self.fields.values():
                value.clear()
            return
        self._fill_facts(incident)

    def _fill_facts(self, incident: Incident) -> None:
        pick = self._context.pick
        entry = incident.incident_type
        name = pick(entry.name_ko, entry.name_en) if entry else incident.type_code
        severity = self.tr("severity %1").replace("%1", str(incident.severity))
        heading = f"{incident.id} · {name} · {severity}"
        if incident.exercise:
            heading = self.tr("EXERCISE (drill)") + f" · {heading}"
        self.heading.setText(heading)
        self.heading.setStyleSheet(f"color: {EXERCISE_COLOUR.name()}" if incident.exercise else "")
        district = next(
            (d for d in self._context.city.districts if d.code == incident.district_code), None
        )
        status = pick(*STATUS_NAMES[incident.status])
        if incident.merged_into:
            status += f" → {incident.merged_into}"
        self.fields["status"].setText(status)
        self.fields["district"].setText(pick(district.name, district.name_en) if district else "—")
        self.fields["location"].setText(f"{incident.lat:.5f}, {incident.lon:.5f}")
        self.fields["reported"].setText(
            f"{local_time(incident.opened_ms)} · {incident.reported_by}"
        )
        self.fields["assignee"].setText((incident.assignee or "—").removeprefix("operator:"))
        self.fields["service"].setText(pick(*SERVICE_NAMES[entry.service]) if entry else "—")
        self.fields["summary"].setText(incident.summary or "—")
        linked = [*incident.cameras, *incident.sensors, *incident.duplicates]
        self.fields["linked"].setText(", ".join(linked) if linked else "—")
