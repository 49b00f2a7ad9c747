"""Commands: what a person or a field system asks of the centre, and the rules that decide them.

``decide`` checks a command against the current state and returns the events that record it, or
raises ``IllegalTransition``/``CommandRejected`` with a message that says what to do instead.
Commands never change state themselves: the events do, when folded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.catalogue import CATALOGUE
from core.errors import CommandRejected, ConflictError, IllegalTransition
from core.events import (
    DomainEvent,
    IncidentAcknowledged,
    IncidentAssigned,
    IncidentClosed,
    IncidentDispatched,
    IncidentEscalated,
    IncidentLinked,
    IncidentMerged,
    IncidentNoteAdded,
    IncidentObserved,
    IncidentReopened,
    IncidentReported,
    IncidentResolved,
    IncidentStarted,
    NewEvent,
    ReplayAnnotated,
    ReplayBookmarked,
)
from core.model import STATUS_NAMES, Incident, IncidentStatus
from core.state import CityState

St = IncidentStatus
_OPEN = frozenset(s for s in St if s.is_open)


@dataclass(frozen=True, slots=True)
class Command:
    """Base of all commands."""


@dataclass(frozen=True, slots=True)
class ReportIncident(Command):
    """Open a new incident; the centre gives it its id."""

    type_code: str
    lat: float
    lon: float
    district_code: str | None
    severity: int | None = None  # None: the catalogue's default
    summary: str = ""
    reference: str | None = None
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()
    exercise: bool = False


@dataclass(frozen=True, slots=True)
class IncidentCommand(Command):
    """A command about one existing incident."""

    incident_id: str
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Acknowledge(IncidentCommand):
    """Take notice of a new incident."""


@dataclass(frozen=True, slots=True)
class Assign(IncidentCommand):
    """Give the incident to ``assignee`` (or hand it over)."""

    assignee: str = ""


@dataclass(frozen=True, slots=True)
class StartWork(IncidentCommand):
    """The assignee starts working it."""


@dataclass(frozen=True, slots=True)
class MarkDispatched(IncidentCommand):
    """Record that outside agencies were engaged."""

    agencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolve(IncidentCommand):
    """The situation is over."""


@dataclass(frozen=True, slots=True)
class Close(IncidentCommand):
    """Close a resolved incident's record."""


@dataclass(frozen=True, slots=True)
class Escalate(IncidentCommand):
    """Raise to a supervisor and one severity level up."""

    # Automatic escalation: refused unless the incident is still new and never escalated,
    # judged on the backend's state, so racing workstations record it at most once.
    only_if_unattended: bool = False


@dataclass(frozen=True, slots=True)
class Reopen(IncidentCommand):
    """Bring back a resolved or closed incident."""


@dataclass(frozen=True, slots=True)
class MergeDuplicate(IncidentCommand):
    """Fold this incident into ``into_id`` as a duplicate."""

    into_id: str = ""


@dataclass(frozen=True, slots=True)
class AddNote(IncidentCommand):
    """Add a memo (the text is the comment)."""


@dataclass(frozen=True, slots=True)
class AddObservation(Command):
    """Attach a field observation to an incident."""

    incident_id: str
    text_ko: str
    text_en: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LinkResources(Command):
    """Link cameras and sensors to an incident."""

    incident_id: str
    cameras: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MarkTimeline(Command):
    """Bookmark (a short label) or annotate (a note) an instant of the timeline, about an
    incident when one is given. Allowed in replay: it records, it changes nothing."""

    at_ms: int
    text: str
    annotation: bool = False
    incident_id: str | None = None


MARK_LABEL_MAX = 120
MARK_TEXT_MAX = 4000


def _mark(state: CityState, command: MarkTimeline) -> DomainEvent:
    text = command.text.strip()
    what = "An annotation" if command.annotation else "A bookmark"
    if not text:
        raise CommandRejected(f"{what} needs some text.")
    limit = MARK_TEXT_MAX if command.annotation else MARK_LABEL_MAX
    if len(text) > limit:
        raise CommandRejected(
            f"{what} may be at most {limit} characters long, not {len(text)}; "
            + ("shorten it." if command.annotation else "put the rest in an annotation.")
        )
    if command.at_ms <= 0:
        raise CommandRejected(f"{what} must mark an instant of the log, not {command.at_ms}.")
    if command.incident_id is not None:
        _incident(state, command.incident_id)
    if command.annotation:
        return ReplayAnnotated(command.incident_id, command.at_ms, text)
    return ReplayBookmarked(command.incident_id, command.at_ms, text)


# action name, statuses it may start from, and what to do instead when it may not
_RULES: dict[type[IncidentCommand], tuple[str, frozenset[IncidentStatus], str]] = {
    Acknowledge: ("acknowledge", frozenset({St.NEW}), "it is already acknowledged"),
    Assign: (
        "assign",
        frozenset({St.ACKNOWLEDGED, St.ASSIGNED, St.IN_PROGRESS, St.DISPATCHED}),
        "acknowledge it first",
    ),
    StartWork: ("start work on", frozenset({St.ASSIGNED}), "assign it first"),
    MarkDispatched: (
        "mark as dispatched",
        frozenset({St.IN_PROGRESS, St.DISPATCHED}),
        "start work on it first",
    ),
    Resolve: (
        "resolve",
        frozenset({St.ACKNOWLEDGED, St.ASSIGNED, St.IN_PROGRESS, St.DISPATCHED}),
        "acknowledge it first",
    ),
    Close: ("close", frozenset({St.RESOLVED}), "resolve it first"),
    Escalate: ("escalate", _OPEN, "reopen it first"),
    Reopen: ("reopen", frozenset({St.RESOLVED, St.CLOSED}), "it is still open"),
    MergeDuplicate: ("merge", _OPEN, "only open incidents can be merged"),
    AddNote: ("add a note to", frozenset(St), ""),
}


def is_allowed(command: type[IncidentCommand], status: IncidentStatus) -> bool:
    """Whether the lifecycle lets ``command`` run on an incident in ``status``."""
    rule = _RULES.get(command)
    return rule is not None and status in rule[1]


def _incident(state: CityState, incident_id: str) -> Incident:
    incident = state.incidents.get(incident_id)
    if incident is None:
        raise CommandRejected(f"There is no incident {incident_id!r}.")
    return incident


def _check(command: IncidentCommand, incident: Incident) -> None:
    action, allowed, hint = _RULES[type(command)]
    if incident.status not in allowed:
        status = STATUS_NAMES[incident.status][1]
        raise IllegalTransition(
            f"Cannot {action} {incident.id}: it is {status}; {hint}.",
            incident.id,
            type(command).__name__,
            incident.status.value,
            hint,
        )


def decide(
    state: CityState,
    command: Command,
    *,
    source: str,
    actor: str,
    now_ms: int | None = None,
    expected_version: int | None = None,
) -> list[NewEvent]:
    """The events that carry out ``command`` against ``state``, or a clear rejection.

    With ``expected_version``, a command about an incident is refused with ``ConflictError``
    when the incident has changed since the sender saw it at that version.
    """
    if expected_version is not None:
        check_version(state, command, expected_version)
    events = _decide(state, command)
    return [e.to_new(source, actor, now_ms) for e in events]


def check_version(state: CityState, command: Command, expected_version: int) -> None:
    """Raise ``ConflictError`` when the incident ``command`` is about is no longer at
    ``expected_version`` (commands about no incident always pass)."""
    incident_id = getattr(command, "incident_id", None)
    incident = state.incidents.get(incident_id) if isinstance(incident_id, str) else None
    if incident is None or incident.version == expected_version:
        return
    last = incident.transitions[-1] if incident.transitions else None
    change = f"{last.action} by {last.actor}" if last is not None else "updated"
    raise ConflictError(incident.id, expected_version, incident.version, change)


def incident_after_conflict(stored: Incident | None, error: ConflictError) -> Incident | None:
    """The incident as it is now, after ``error``: the local copy once it holds the change that
    caused the conflict, else the copy a server sent with its refusal (``error.incident``);
    None when neither is known yet (the local copy will catch up)."""
    if stored is not None and stored.version >= error.current_version:
        return stored
    sent: Any = getattr(error, "incident", None)
    if isinstance(sent, dict) and sent:
        try:
            return Incident.from_json(sent)
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _decide(state: CityState, command: Command) -> list[DomainEvent]:
    from core.sop.commands import ProcedureCommand, decide_procedure  # it imports this module

    if isinstance(command, ProcedureCommand):
        return decide_procedure(state, command)
    if isinstance(command, ReportIncident):
        entry = CATALOGUE.get(command.type_code)
        if entry is None:
            raise CommandRejected(
                f"Unknown incident type {command.type_code!r}; see the incident catalogue."
            )
        severity = command.severity if command.severity is not None else int(entry.severity)
        if not 1 <= severity <= 4:
            raise CommandRejected(
                f"Severity must be 1 (critical) to 4 (information), not {severity}."
            )
        if not (-90 <= command.lat <= 90 and -180 <= command.lon <= 180):
            raise CommandRejected(f"Location {command.lat}, {command.lon} is not a WGS 84 point.")
        return [
            IncidentReported(
                state.next_incident_id(),
                command.type_code,
                severity,
                command.lat,
                command.lon,
                command.district_code,
                command.summary,
                command.reference,
                command.cameras,
                command.sensors,
                command.exercise,
            )
        ]
    if isinstance(command, AddObservation):
        _incident(state, command.incident_id)
        return [
            IncidentObserved(command.incident_id, command.text_ko, command.text_en, command.data)
        ]
    if isinstance(command, MarkTimeline):
        return [_mark(state, command)]
    if isinstance(command, LinkResources):
        _incident(state, command.incident_id)
        return [IncidentLinked(command.incident_id, command.cameras, command.sensors)]
    if not isinstance(command, IncidentCommand) or type(command) not in _RULES:
        raise CommandRejected(f"Unknown command {type(command).__name__}.")
    incident = _incident(state, command.incident_id)
    _check(command, incident)
    iid, comment = incident.id, command.comment
    if isinstance(command, Assign):
        if not command.assignee.strip():
            raise CommandRejected(f"Say whom to assign {iid} to.")
        return [IncidentAssigned(iid, comment, command.assignee.strip())]
    if isinstance(command, MergeDuplicate):
        if command.into_id == iid:
            raise CommandRejected(f"{iid} cannot be merged into itself.")
        target = _incident(state, command.into_id)
        if not target.status.is_open:
            raise IllegalTransition(
                f"Cannot merge {iid} into {target.id}: it is "
                f"{STATUS_NAMES[target.status][1]}; merge into an open incident.",
                target.id,
                type(command).__name__,
                target.status.value,
                "merge into an open incident",
            )
        return [IncidentMerged(iid, comment, target.id)]
    if isinstance(command, AddNote):
        if not comment.strip():
            raise CommandRejected("A note needs some text.")
        return [IncidentNoteAdded(iid, comment)]
    if isinstance(command, Escalate):
        if command.only_if_unattended and (incident.status is not St.NEW or incident.escalations):
            raise CommandRejected(
                f"{iid} was acknowledged or escalated meanwhile; no automatic escalation."
            )
        return [IncidentEscalated(iid, comment, max(1, incident.severity - 1))]
    if isinstance(command, MarkDispatched):
        return [IncidentDispatched(iid, comment, command.agencies)]
    simple: dict[type[IncidentCommand], type[DomainEvent]] = {
        Acknowledge: IncidentAcknowledged,
        StartWork: IncidentStarted,
        Resolve: IncidentResolved,
        Close: IncidentClosed,
        Reopen: IncidentReopened,
    }
    return [simple[type(command)](iid, comment)]  # type: ignore[call-arg]
