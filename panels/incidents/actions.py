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
    IncidentAction("note", "N", AddNote, Ask.NOTE, many=False),
)
