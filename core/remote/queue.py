"""Commands and field facts waiting for the remote backend, kept in a SQLite file.

Whatever the workstation sends while the backend is away is put here first, one transaction per
change (WAL mode), so it survives a restart or a crash and is sent in order when the link is
back. Each entry carries a ``client_ref`` that the server uses to apply it at most once, even
when it is sent again because the answer to the first attempt was lost.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.clock import Clock, SystemClock
from core.errors import CityroomError


class QueueError(CityroomError):
    """The queue file cannot be opened or written."""


class EntryKind(StrEnum):
    """Which endpoint an entry is for."""

    COMMAND = "command"  # POST /v1/commands
    PUBLISH = "publish"  # POST /v1/events


class EntryState(StrEnum):
    """Where an entry is in its life."""

    WAITING = "waiting"
    REFUSED = "refused"  # the server answered no: kept until the operator dismisses it
    DONE = "done"


@dataclass(frozen=True, slots=True)
class QueuedEntry:
    """One queued command or batch of facts, with what became of it."""

    id: int
    client_ref: str
    kind: EntryKind
    body: dict[str, Any]
    actor: str
    created_ms: int
    state: EntryState
    outcome: str

    def describe(self) -> str:
        """A short name for a person: the command and the incident it is about."""
        if self.kind is EntryKind.PUBLISH:
            events = self.body.get("events") or []
            types = sorted({str(e.get("type")) for e in events if isinstance(e, dict)})
            return f"publishing {', '.join(types) or 'events'}"
        name = str(self.body.get("command", "command"))
        fields = self.body.get("fields")
        incident = fields.get("incident_id") if isinstance(fields, dict) else None
        return f"{name} on {incident}" if incident else name


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_ref TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS entries_state ON entries (state, id);
"""
_COLUMNS = "id, client_ref, kind, body, actor, created_ms, state, outcome"


def new_client_ref() -> str:
    """A fresh reference that makes one command idempotent on the server."""
    return uuid.uuid4().hex


class CommandQueue:
    """The queue file at ``path`` (created when missing). Safe to use from several threads."""

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10
            )
            db.execute("PRAGMA journal_mode=WAL")
            # FULL: an entry the operator was told is "saved" must survive a power cut too.
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise QueueError(
                f"The command queue {self.path} cannot be opened ({exc}). Check that the "
                "folder is writable, or move the damaged file aside."
            ) from exc
        self._db = db

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()

    def put(
        self,
        kind: EntryKind,
        body: dict[str, Any],
        actor: str,
        client_ref: str | None = None,
    ) -> QueuedEntry:
        """Save an entry to send later; ``body`` is the request body without its client_ref."""
        ref = client_ref or new_client_ref()
        now = self._clock.now_ms()
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        cursor = self._write(
            "INSERT INTO entries (client_ref, kind, body, actor, created_ms, state) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (ref, str(kind), text, actor, now, str(EntryState.WAITING)),
        )
        entry_id = cursor.lastrowid
        assert entry_id is not None
        return QueuedEntry(entry_id, ref, kind, body, actor, now, EntryState.WAITING, "")

    def waiting(self) -> list[QueuedEntry]:
        """Entries still to send, oldest first."""
        return self._select(EntryState.WAITING)

    def refused(self) -> list[QueuedEntry]:
        """Entries the server refused, oldest first (until dismissed)."""
        return self._select(EntryState.REFUSED)

    def get(self, entry_id: int) -> QueuedEntry | None:
        """One entry by id."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)
            ).fetchone()
        return None if row is None else _entry(row)

    def mark_done(self, entry_id: int) -> None:
        """The server applied the entry."""
        self._write(
            "UPDATE entries SET state = ?, outcome = '' WHERE id = ?",
            (str(EntryState.DONE), entry_id),
        )

    def mark_refused(self, entry_id: int, message: str) -> None:
        """The server refused the entry with ``message``; it is not sent again."""
        self._write(
            "UPDATE entries SET state = ?, outcome = ? WHERE id = ?",
            (str(EntryState.REFUSED), message, entry_id),
        )

    def dismiss(self, entry_id: int) -> None:
        """Forget a refused entry (the operator has seen it)."""
        self._write(
            "DELETE FROM entries WHERE id = ? AND state = ?", (entry_id, str(EntryState.REFUSED))
        )

    def count_waiting(self) -> int:
        """How many entries are still to send."""
        return self._count(EntryState.WAITING)

    def count_refused(self) -> int:
        """How many refused entries have not been dismissed."""
        return self._count(EntryState.REFUSED)

    def _count(self, state: EntryState) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM entries WHERE state = ?", (str(state),)
            ).fetchone()
        return int(row[0])

    def _select(self, state: EntryState) -> list[QueuedEntry]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE state = ? ORDER BY id", (str(state),)
            ).fetchall()
        return [_entry(r) for r in rows]

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        with self._lock:
            try:
                # Autocommit mode: each statement is its own transaction.
                return self._db.execute(sql, params)
            except sqlite3.Error as exc:
                raise QueueError(
                    f"The command queue {self.path} cannot be written ({exc}). Free disk space "
                    "or check the folder's permissions."
                ) from exc


def _entry(row: tuple[Any, ...]) -> QueuedEntry:
    entry_id, ref, kind, body, actor, created, state, outcome = row
    return QueuedEntry(
        int(entry_id),
        str(ref),
        EntryKind(kind),
        json.loads(body),
        str(actor),
        int(created),
        EntryState(state),
        str(outcome),
    )
