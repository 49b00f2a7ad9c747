"""Optimistic concurrency for the queue's actions: what the operator saw when choosing an
action, what the incident is now after a conflict, and whether that conflict matters.

No Qt here: the panel sends and shows; this module only judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.commands import IncidentCommand, decide, is_allowed
from core.errors import CommandRejected, ConflictError, IllegalTransition
from core.model import Incident
from core.state import CityState

# How often a command is sent again, each time at the newer version, when only background
# traffic moved the incident on; past that the conflict is shown.
MAX_RESENDS = 3


def lifecycle_seq(incident: Incident) -> int:
    """The sequence number of the incident's last lifecycle step (acknowledge, assign,
    escalate, resolve, merge ...). A procedure's progress moves ``Incident.version`` (it
    matters to whoever replaces the procedure) but appends no step."""
    return incident.transitions[-1].seq if incident.transitions else 0


@dataclass(frozen=True, slots=True)
class Seen:
    """An incident as the operator saw it when they chose an action.

    Taken as values, not as the ``Incident``: the fold changes that object in place, so it
    would already show the other operator's change when the dialog closes.
    """

    incident_id: str
    version: int
    lifecycle: int

    @classmethod
    def of(cls, incident: Incident) -> Seen:
        """What the operator sees of ``incident`` now."""
        return cls(incident.id, incident.version, lifecycle_seq(incident))


@dataclass(slots=True)
class Sent:
    """One command of an action on its way: what it was chosen on and how often it was
    sent again after a background change."""

    command: IncidentCommand
    seen: Seen | None  # None: an additive command, sent without a version
    batch: ActionBatch
    resends: int = 0


@dataclass(slots=True)
class ActionBatch:
    """The refusals of one run of an action over the selected incidents."""

    label: str  # the action as the operator chose it, e.g. "Acknowledge"
    total: int  # how many incidents it was sent to
    conflicts: dict[str, tuple[IncidentCommand, ConflictError]] = field(default_factory=dict)
    others: list[str] = field(default_factory=list)  # other refusals, as shown


def only_background(seen: Seen, now: Incident) -> bool:
    """Whether nothing the operator decided on changed: no lifecycle step since they looked,
    only the procedure's progress."""
    return lifecycle_seq(now) == seen.lifecycle


def refusal_now(command: IncidentCommand, now: Incident) -> IllegalTransition | None:
    """The lifecycle refusal ``command`` would meet on the incident as it is now, if any
    (decided by the same rules as the backend, so its wording and hint are theirs)."""
    if is_allowed(type(command), now.status):
        return None
    state = CityState()
    state.incidents[now.id] = now
    try:
        decide(state, command, source="conflict", actor="")
    except IllegalTransition as exc:
        return exc
    except CommandRejected:
        return None
    return None


def split_change(last_change: str) -> tuple[str, str] | None:
    """``"assigned by operator:lee"`` as ``("assigned", "operator:lee")``; None when the
    change does not name a step and an actor."""
    action, by, actor = last_change.partition(" by ")
    if not by or not action or not actor:
        return None
    return action, actor
