"""Errors the user can cause, each with a message that names the thing and the fix."""

from __future__ import annotations

from pathlib import Path


class CityroomError(Exception):
    """Base of every error Cityroom reports to a person rather than a developer."""


class LogOpenError(CityroomError):
    """An event log file cannot be used. The file is never modified when this is raised."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"Event log {path}: {problem}. {fix}")


class CorruptLogError(LogOpenError):
    """The file is not a readable SQLite database, or its contents are damaged."""


class ForeignLogError(LogOpenError):
    """The file is a SQLite database but not a Cityroom event log."""


class NewerLogError(LogOpenError):
    """The log was written by a newer Cityroom whose schema this version does not know."""


class LogLocationError(LogOpenError):
    """The log cannot be created or written where it was asked to be (missing or read-only)."""


class LogWriteError(CityroomError):
    """An append failed (disk full, I/O error); nothing of the failed batch was written."""


class ChainBrokenError(CityroomError):
    """Verification found an event whose hash chain or sequence does not hold."""

    def __init__(self, seq: int, reason: str) -> None:
        self.seq = seq
        self.reason = reason
        super().__init__(f"event {seq}: {reason}")


class UnknownNameError(CityroomError, KeyError):
    """A name (scenario, incident type, profile) that is not one of the known ones."""

    def __str__(self) -> str:
        # KeyError would quote the message; show it as the sentence it is.
        return str(self.args[0]) if self.args else ""


class CommandRejected(CityroomError):
    """A command cannot be applied to the current state (unknown incident, bad argument)."""


class IllegalTransition(CommandRejected):
    """The incident's lifecycle does not allow this step from its current status.

    Besides the English sentence it carries its parts, so a user interface can say it in the
    operator's language: the incident, the command's class name, the status and the hint.
    """

    def __init__(
        self,
        message: str,
        incident_id: str = "",
        command: str = "",
        status: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.incident_id = incident_id
        self.command = command
        self.status = status
        self.hint = hint


class ConflictError(CommandRejected):
    """The incident changed since the sender last saw it (optimistic concurrency): nothing was
    applied. Carries the incident's current version so the sender can look again."""

    def __init__(
        self, incident_id: str, expected_version: int, current_version: int, last_change: str
    ) -> None:
        super().__init__(
            f"{incident_id} was changed ({last_change}) since you last saw it; nothing was "
            "applied. Look at its current state and repeat the action if it is still needed."
        )
        self.incident_id = incident_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.last_change = last_change
