"""The operator's incident actions: label, shortcut, the command each sends, what it asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.commands import (
    Acknowledge,
    AddNote,
    Assign,
    Close,
    Escalate,
    IncidentCommand,
    MarkDispatched,
    MergeDuplicate,
    Reopen,
    Resolve,
    StartWork,
)


class Ask(Enum):
    """What the action's dialog asks for besides a comment."""

    COMMENT = "comment"
    ASSIGNEE = "assignee"
    TARGET = "target"
    NOTE = "note"


@dataclass(frozen=True)
class IncidentAction:
    """One action of the queue: it runs on every selected incident that allows it."""

    key: str
    shortcut: str
    command: type[IncidentCommand]
    ask: Ask
    many: bool = True  # may run on several selected incidents at once
    # Sent with the version the operator saw (refused when someone changed the incident
    # meanwhile): a lifecycle step acts on the state it was chosen on, so a step chosen on a
    # state that has moved on would overwrite another operator's decision.
    versioned: bool = True


ACTIONS: tuple[IncidentAction, ...] = (
    IncidentAction("acknowledge", "A", Acknowledge, Ask.COMMENT),
    IncidentAction("assign", "S", Assign, Ask.ASSIGNEE),
    IncidentAction("start", "W", StartWork, Ask.COMMENT),
    IncidentAction("dispatched", "D", MarkDispatched, Ask.COMMENT),
    IncidentAction("escalate", "E", Escalate, Ask.COMMENT),
    IncidentAction("resolve", "R", Resolve, Ask.COMMENT),
    IncidentAction("close", "C", Close, Ask.COMMENT),
    IncidentAction("reopen", "O", Reopen, Ask.COMMENT, many=False),
    IncidentAction("merge", "M", MergeDuplicate, Ask.TARGET, many=False),
    # A note only adds to the record: it overwrites nothing, so a change by someone else is
    # no reason to refuse it (and a note about that change must not be refused by it).
    IncidentAction("note", "N", AddNote, Ask.NOTE, many=False, versioned=False),
)
