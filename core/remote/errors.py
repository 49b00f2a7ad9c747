"""Errors of the remote backend's client, each naming the thing and the fix."""

from __future__ import annotations

from pathlib import Path

from core.errors import CityroomError


class ReplicaGapError(CityroomError):
    """Records from the server do not continue the replica's hash chain: nothing was stored.

    ``diverged`` tells a gap (events missing in between: read again from the replica's last
    event) from a chain that does not match (the replica holds another history than the
    server's, or a record was altered on the way: the replica cannot follow this log).
    """

    def __init__(self, path: Path, seq: int, reason: str, *, diverged: bool) -> None:
        self.path = path
        self.seq = seq
        self.reason = reason
        self.diverged = diverged
        fix = (
            "Move the replica folder aside so a fresh copy is downloaded, and tell the "
            "administrator: the server's log does not match the copy this workstation holds."
            if diverged
            else "The events in between are read again from the server."
        )
        super().__init__(f"Replica {path}: event {seq} was not stored: {reason}. {fix}")


class AccessDenied(CityroomError):
    """The server refused an action the signed-in account's role or districts do not allow."""


class CommandQueued(CityroomError):
    """The backend could not be reached: the command was saved and is sent when it is back."""

    def __init__(self, url: str, waiting: int) -> None:
        self.url = url
        self.waiting = waiting
        super().__init__(
            f"The backend at {url} cannot be reached; the command was saved and will be sent "
            f"when the link is back ({waiting} waiting)."
        )


class LinkClosed(CityroomError):
    """The remote backend was closed; nothing more can be sent through it."""
