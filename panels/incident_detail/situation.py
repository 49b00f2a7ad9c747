"""The evidence behind an incident the situation rules raised or joined: each detection's rule,
crisis level and time, the readings it used and the other events it combined.

A rule's detection is stored as a ``situation.detected`` event about the rule (its subject is
the rule id), not about the incident. The incident points at it: the report the rules filed
carries ``reference = "situation:SEQ"``, and each detection that joined the incident later
added an observation whose data holds ``situation_seq``. Those events are read by number.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.catalogue import CATALOGUE
from core.city.kinds import CrisisLevel
from core.city.model import Sensor
from core.events import EventRecord, EventType, SituationDetected, decode
from panels.incident_detail.formatting import (
    DIM_TEXT,
    LEVEL_COLOURS,
    clock_time,
    format_value,
    local_time,
)
from panels.incident_detail.lookup import read_events
from ui.context import AppContext
from ui.theme import CAPTION

SITUATION_REFERENCE = "situation"  # ReportIncident.reference = "situation:SEQ" (rules runner)
LINK_COLOUR = "#8fb8ff"
BADGE_TEXT = "#10151b"
_CACHE_LIMIT = 5_000  # events read by number that are kept (they never change)
# The evidence takes at most this share of the view's height; the timeline keeps the rest.
MAX_HEIGHT_SHARE = 0.6


def situation_seqs(records: list[EventRecord]) -> list[int]:
    """Sequence numbers of the ``situation.detected`` events an incident's own events point
    at, in the order the incident got them."""
    seqs: list[int] = []
    for record in records:
        seq: object = None
        payload = record.payload
        if record.type == EventType.INCIDENT_REPORTED:
            kind, _, number = str(payload.get("reference") or "").partition(":")
            if kind == SITUATION_REFERENCE and number.isdigit():
                seq = int(number)
        elif record.type == EventType.INCIDENT_OBSERVED:
            data = payload.get("data")
            seq = data.get("situation_seq") if isinstance(data, dict) else None
        if (
            isinstance(seq, int)
            and not isinstance(seq, bool)
            and 0 < seq < record.seq
            and seq not in seqs
        ):
            seqs.append(seq)
    return seqs


def crisis_level(text: str | None) -> CrisisLevel | None:
    """The crisis level a detection names ("caution", as the runner writes it, or 주의)."""
    if not text:
        return None
    for level in CrisisLevel:
        if text.lower() in (level.name.lower(), level.name_en, level.name_ko):
            return level if level is not CrisisLevel.NORMAL else None
    return None


def _situation(record: EventRecord | None) -> SituationDetected | None:
    """The detection a record holds, or None (no record, another type, unreadable)."""
    if record is None or record.type != EventType.SITUATION_DETECTED:
        return None
    try:
        event = decode(record)
    except (TypeError, ValueError):  # a record this version cannot read
        return None
    return event if isinstance(event, SituationDetected) else None


@dataclass(frozen=True, slots=True)
class Detection:
    """One detection as shown: its event (None when the log did not give it) and the events
    it used that could be read."""

    seq: int
    record: EventRecord | None
    event: SituationDetected | None
    used: Mapping[int, EventRecord]


class SituationSection(QWidget):
    """Every detection behind the shown incident, newest first (the level reached now, then
    how it got there), each with its readings."""

    shown = Signal(bool)  # whether there is anything to show (the view hides the section)

    def __init__(
        self,
        context: AppContext,
        event_names: Mapping[EventType, str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._event_names = {str(kind): name for kind, name in event_names.items()}
        self._cache: dict[int, EventRecord] = {}
        self._request = 0
        self._sensors = {sensor.id: sensor for sensor in context.city.sensors}
        self.detections: list[Detection] = []
        self.blocks: list[DetectionBlock] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(4)
        self.title = QLabel(self.tr("Situation"))
        self.title.setStyleSheet(f"font-weight: bold; color: {DIM_TEXT};")
        layout.addWidget(self.title)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self._blocks = QVBoxLayout()
        self._blocks.setSpacing(6)
        layout.addLayout(self._blocks)
        layout.addStretch(1)

    # -- loading --------------------------------------------------------------------------

    def clear(self) -> None:
        """Show nothing (another incident is being loaded, or none is selected)."""
        self._request += 1
        self._render([])

    def show_evidence(self, records: list[EventRecord]) -> None:
        """Show the detections an incident's ``records`` point at (hidden when there are none).

        Reads the detections, then the events they used, without blocking the GUI thread.
        """
        self._request += 1
        request = self._request
        seqs = situation_seqs(records)
        if not seqs:
            self._render([])
            return
        have: dict[int, EventRecord] = {}  # what this request has read, whatever the cache drops

        def with_used() -> None:
            used = {
                n
                for seq in seqs
                if (event := _situation(have.get(seq))) is not None
                for n in event.events
                if n > 0
            }
            self._read(request, used, have, lambda: self._show(seqs, have))

        self._read(request, set(seqs), have, with_used)

    def _read(
        self,
        request: int,
        seqs: set[int],
        have: dict[int, EventRecord],
        then: Callable[[], None],
    ) -> None:
        """Put the events numbered ``seqs`` into ``have`` (from the cache, else from the
        backend), then call ``then`` unless a newer request came meanwhile."""
        have.update((n, self._cache[n]) for n in seqs if n in self._cache)
        missing = seqs - have.keys()
        if not missing:
            then()
            return

        def done(found: dict[int, EventRecord]) -> None:
            if len(self._cache) + len(found) > _CACHE_LIMIT:
                self._cache.clear()
            self._cache.update(found)
            have.update(found)
            if request == self._request:  # a newer selection or refresh supersedes this one
                then()

        def failed(error: BaseException) -> None:
            if request == self._request:
                self.problem.setText(
                    self.tr("The rules' evidence could not be read: %1").replace("%1", str(error))
                )
                self.problem.show()
                self.shown.emit(True)

        self._context.invoker.when_done(read_events(self._context.backend, missing), done, failed)

    def _show(self, seqs: list[int], have: Mapping[int, EventRecord]) -> None:
        detections = []
        for seq in sorted(seqs, reverse=True):
            record = have.get(seq)
            event = _situation(record)
            used = {n: have[n] for n in (event.events if event else ()) if n in have}
            detections.append(Detection(seq, record, event, used))
        self._render(detections)

    # -- drawing --------------------------------------------------------------------------

    def _render(self, detections: list[Detection]) -> None:
        if detections and detections == self.detections:
            # A refresh of the same incident that found nothing new: keep the blocks (and
            # where the operator scrolled to).
            self.problem.hide()
            return
        self.detections = detections
        for block in self.blocks:
            self._blocks.removeWidget(block)
            block.deleteLater()
        self.blocks = [DetectionBlock(self, d) for d in detections]
        for block in self.blocks:
            self._blocks.addWidget(block)
        self.title.setText(
            self.tr("Situation") + (f" ({len(detections)})" if len(detections) > 1 else "")
        )
        self.problem.hide()
        self.updateGeometry()
        self.shown.emit(bool(detections))

    def sensor(self, sensor_id: str) -> Sensor | None:
        """The city's record of a sensor (None for an id the registry does not know)."""
        return self._sensors.get(sensor_id)

    def pick(self, ko: str, en: str) -> str:
        """The Korean or English text, by the interface language."""
        return self._context.pick(ko, en)

    def event_name(self, event_type: str) -> str:
        """The operator's name for an event type."""
        if event_type == EventType.SENSOR_READING:
            return self.tr("Sensor reading")
        return self._event_names.get(event_type, event_type)

    def open_link(self, link: str) -> None:
        """Follow a link in a detection: ``incident:ID`` selects that incident."""
        kind, _, target = link.partition(":")
        if kind == "incident" and target:
            self._context.selection.select_incident(target, origin=self)


class SituationArea(QScrollArea):
    """Scrolls the section: as tall as its content, up to a share of the view's height, and
    hidden while there is nothing to show."""

    def __init__(self, section: SituationSection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(section)
        section.shown.connect(self._on_section_shown)
        self._watched: QWidget | None = None
        self.hide()

    def _on_section_shown(self, visible: bool) -> None:
        self.setVisible(visible)
        self.verticalScrollBar().setValue(0)  # the newest detection first
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        """The content's height at the current width, capped so the timeline stays in sight."""
        hint = super().sizeHint()
        section = self.widget()
        if section is None:
            return hint
        width = self.viewport().width()
        height = section.heightForWidth(width) if section.hasHeightForWidth() else -1
        if height < 0:
            height = section.sizeHint().height()
        parent = self.parentWidget()
        if parent is not None:
            height = min(height, int(parent.height() * MAX_HEIGHT_SHARE))
        return QSize(hint.width(), height + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        """Room for one detection's first lines, at least."""
        return QSize(super().minimumSizeHint().width(), 4 * self.fontMetrics().height())

    def showEvent(self, event: QShowEvent) -> None:
        """Follow the view's height (the cap is a share of it)."""
        parent = self.parentWidget()
        if parent is not None and parent is not self._watched:
            parent.installEventFilter(self)
            self._watched = parent
        super().showEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-lay out when the view is resized (the scroll area watches its content too)."""
        if watched is getattr(self, "_watched", None) and event.type() == QEvent.Type.Resize:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """A new width wraps the text anew, so the wanted height changes too."""
        super().resizeEvent(event)
        self.updateGeometry()


class DetectionBlock(QFrame):
    """One detection: level, rule and time; what it concluded; its readings; other events."""

    def __init__(self, section: SituationSection, detection: Detection) -> None:
        super().__init__()
        self.detection = detection
        self.setObjectName("detection")
        event, record = detection.event, detection.record
        level = crisis_level(event.level) if event else None
        edge = LEVEL_COLOURS.get(level, DIM_TEXT) if level else DIM_TEXT
        self.setStyleSheet(
            f"QFrame#detection {{ border: 0; border-left: 3px solid {edge}; }}"
            " QFrame#detection QLabel { background: transparent; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 0, 2)
        layout.setSpacing(2)
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        if event is None or record is None:
            self.header.setText(
                html.escape(
                    self.tr("#%1: the rule's record was not found in the log.").replace(
                        "%1", str(detection.seq)
                    )
                )
            )
            return
        badge = ""
        if level is not None:
            name = section.pick(level.name_ko, level.name_en.capitalize())
            badge = (
                f'<span style="background-color:{LEVEL_COLOURS[level]}; color:{BADGE_TEXT};'
                f' font-weight:bold;">&nbsp;{html.escape(name)}&nbsp;</span>&nbsp; '
            )
        self.header.setText(
            f"{badge}<b>{html.escape(event.rule_id)}</b>"
            f' &nbsp;<span style="color:{DIM_TEXT};">{clock_time(record.ts_ms)}'
            f" · #{record.seq}</span>"
        )
        self.header.setToolTip(
            f"{local_time(record.ts_ms)} · #{record.seq} · {record.actor}\n"
            + self.tr("severity %1").replace("%1", str(event.severity))
        )
        self.summary = QLabel(section.pick(event.summary_ko, event.summary_en))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        shown_readings = self._add_readings(section, layout, event, detection.used)
        others = [
            (seq, used)
            for seq, used in sorted(detection.used.items())
            if seq not in shown_readings
        ]
        unread = [seq for seq in event.events if seq not in detection.used]
        if others or unread:
            self.events = QLabel(self._events_text(section, others, unread))
            self.events.setTextFormat(Qt.TextFormat.RichText)
            self.events.setWordWrap(True)
            self.events.linkActivated.connect(section.open_link)
            layout.addWidget(self.events)

    def _add_readings(
        self,
        section: SituationSection,
        layout: QVBoxLayout,
        event: SituationDetected,
        used: Mapping[int, EventRecord],
    ) -> set[int]:
        """The readings table; returns the numbers of the used events it shows."""
        if not event.readings:
            return set()
        grid = QGridLayout()
        grid.setContentsMargins(0, 2, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        for column, title in enumerate((self.tr("Sensor"), self.tr("Value"), self.tr("Time"))):
            label = QLabel(title)
            label.setObjectName(CAPTION)  # small dim print, sized by the theme
            if column == 1:
                label.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, 0, column)
        reading_events = {
            (r.subject, r.ts_ms): seq
            for seq, r in used.items()
            if r.type == EventType.SENSOR_READING
        }
        shown: set[int] = set()
        named: set[str] = set()  # a sensor's id is written under its first reading only
        for number, (sensor_id, value, ts_ms) in enumerate(event.readings):
            sensor = section.sensor(sensor_id)
            seq = reading_events.get((sensor_id, ts_ms))
            if seq is not None:
                shown.add(seq)
            row = 1 + 2 * number  # name, value and time; under them, the sensor's id and kind
            self._add_reading(
                section, grid, row, sensor_id, sensor, float(value), ts_ms, seq, sensor_id in named
            )
            named.add(sensor_id)
        grid.setColumnStretch(0, 1)
        layout.addLayout(grid)
        return shown

    def _add_reading(
        self,
        section: SituationSection,
        grid: QGridLayout,
        row: int,
        sensor_id: str,
        sensor: Sensor | None,
        value: float,
        ts_ms: int,
        seq: int | None,
        named: bool,
    ) -> None:
        if sensor is not None:
            info = sensor.kind.info
            name = section.pick(sensor.name, sensor.name_en)
            identity = f"{sensor_id} · {section.pick(info.name_ko, info.name_en)}"
            unit = sensor.unit
            try:
                level = info.level_for(value)
            except ValueError:  # NaN
                level = CrisisLevel.NORMAL
        else:
            name, identity = self.tr("Unknown sensor"), sensor_id
            unit, level = "", CrisisLevel.NORMAL
        # The name first (what an operator knows the sensor by), wrapping in its column; the
        # id, which cannot wrap, on a line of its own under the whole row.
        who = QLabel(name)
        who.setStyleSheet("font-weight: bold;")
        who.setWordWrap(True)
        reading = QLabel(format_value(value, unit))
        colour = LEVEL_COLOURS.get(level)
        reading.setStyleSheet("font-weight: bold;" + (f" color: {colour};" if colour else ""))
        reading.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        when = QLabel(clock_time(ts_ms))
        when.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        tooltip = [name, identity]
        if sensor is not None:
            tooltip.append(section.pick(sensor.owner_department, sensor.owner_department_en))
        if level is not CrisisLevel.NORMAL:
            tooltip.append(section.pick(level.name_ko, level.name_en.capitalize()))
        tooltip.append(local_time(ts_ms) + (f" · #{seq}" if seq is not None else ""))
        for column, label in enumerate((who, reading, when)):
            label.setToolTip("\n".join(tooltip))
            grid.addWidget(label, row, column)
        if not named:
            ident = QLabel(identity)
            ident.setObjectName(CAPTION)
            ident.setWordWrap(True)
            ident.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            ident.setToolTip("\n".join(tooltip))
            grid.addWidget(ident, row + 1, 0, 1, 3)

    def _events_text(
        self,
        section: SituationSection,
        others: list[tuple[int, EventRecord]],
        unread: list[int],
    ) -> str:
        parts = []
        for seq, record in others:
            name = html.escape(section.event_name(record.type))
            subject = record.subject or ""
            if record.type == EventType.INCIDENT_REPORTED and subject:
                entry = CATALOGUE.get(str(record.payload.get("type_code")))
                what = (
                    f" {html.escape(section.pick(entry.name_ko, entry.name_en))}" if entry else ""
                )
                parts.append(
                    f'#{seq} {name} <a href="incident:{html.escape(subject)}"'
                    f' style="color:{LINK_COLOUR};">{html.escape(subject)}</a>{what}'
                )
            elif record.type == EventType.SENSOR_READING:
                sensor = section.sensor(subject)
                value = format_value(
                    float(record.payload.get("value", float("nan"))), sensor.unit if sensor else ""
                )
                parts.append(f"#{seq} {name} {html.escape(subject)} {html.escape(value)}")
            else:
                parts.append(f"#{seq} {name} {html.escape(subject)}".rstrip())
        parts.extend(f"#{seq}" for seq in unread)
        title = html.escape(self.tr("Events used"))
        return f'<span style="color:{DIM_TEXT};">{title}:</span> ' + " · ".join(parts)
