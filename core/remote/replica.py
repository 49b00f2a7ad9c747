"""The workstation's local copy of one server log, and the folder that holds it.

Each log the server has ever served this workstation gets a folder ``<replica_dir>/<log_id>/``
holding ``replica.db`` (an ordinary Cityroom event log, so replay, bundles and hand-over work
on it unchanged) and ``queue.db`` (what waits to be sent to that log). Before the server was
ever reached the workstation uses ``<replica_dir>/unbound/``, which becomes the log's folder
the first time the server says which log it serves. ``current.json`` remembers, per backend
URL, which log was used last, so the workstation starts offline with what it had.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from urllib.parse import quote

from core.errors import CityroomError
from core.events import EventRecord
from core.local_backend import LocalBackend
from core.notices import NoticeBoard
from core.remote.queue import CommandQueue

REPLICA_FILE = "replica.db"
QUEUE_FILE = "queue.db"
UNBOUND = "unbound"
_POINTER_FILE = "current.json"
_LOG_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class ReplicaError(CityroomError):
    """The replica folder cannot be used."""


class Replica:
    """One open replica: its folder, the log it copies (None: not yet known), the local
    backend serving the copy, and the queue of what waits to be sent."""

    def __init__(
        self, folder: Path, log_id: str | None, backend: LocalBackend, queue: CommandQueue
    ) -> None:
        self.folder = folder
        self.log_id = log_id
        self.backend = backend
        self.queue = queue

    @classmethod
    def open(
        cls, folder: Path, log_id: str | None, *, source: str, notices: NoticeBoard
    ) -> Replica:
        """Open (or create) the replica in ``folder``."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReplicaError(
                f"The replica folder {folder} cannot be created ({exc}). Choose a writable "
                "data folder for the remote backend."
            ) from exc
        backend = LocalBackend.open(folder / REPLICA_FILE, source=source, notices=notices)
        try:
            queue = CommandQueue(folder / QUEUE_FILE)
        except CityroomError:
            backend.close()
            raise
        return cls(folder, log_id, backend, queue)

    @property
    def path(self) -> Path:
        """The replica's event log file."""
        return self.folder / REPLICA_FILE

    def last_seq(self) -> int:
        """The newest sequence number the copy holds (read from the file, any thread)."""
        db = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute("SELECT MAX(seq) FROM events").fetchone()
        finally:
            db.close()
        return int(row[0] or 0)

    def mirror(
        self, records: Sequence[EventRecord], *, hashed_here: bool = False
    ) -> Future[list[EventRecord]]:
        """Store records from the server and deliver the new ones (see LocalBackend.mirror)."""
        return self.backend.mirror(records, hashed_here=hashed_here)

    def mirror_state(self, seq: int, event_hash: bytes, blob: bytes) -> Future[bool]:
        """Take the server's folded state as of event ``seq`` while the copy catches up (see
        LocalBackend.mirror_state)."""
        return self.backend.mirror_state(seq, event_hash, blob)

    def close(self) -> None:
        """Finish pending work and close both files."""
        self.backend.close()
        self.queue.close()


class ReplicaStore:
    """The replica folders under ``root`` for the backend at ``url``."""

    def __init__(self, root: Path, url: str, *, source: str, notices: NoticeBoard) -> None:
        self.root = Path(root)
        self.url = url
        self._source = source
        self._notices = notices

    def folder(self, log_id: str | None) -> Path:
        """Where the replica of ``log_id`` lives (None: the not-yet-known log's folder)."""
        if log_id is None:
            return self.root / UNBOUND
        if not _LOG_ID.fullmatch(log_id) or log_id == UNBOUND:
            raise ReplicaError(
                f"The backend at {self.url} names its log {log_id!r}, which cannot be a folder "
                "name; check that the URL points at a Cityroom backend."
            )
        return self.root / log_id

    def current_log_id(self) -> str | None:
        """The log this workstation used last with this URL (None: never reached it)."""
        value = self._pointers().get(self.url)
        return value if isinstance(value, str) and _LOG_ID.fullmatch(value) else None

    def open_current(self) -> Replica:
        """The replica used last with this URL, or the unbound one."""
        log_id = self.current_log_id()
        return Replica.open(
            self.folder(log_id), log_id, source=self._source, notices=self._notices
        )

    def switch(self, old: Replica, log_id: str) -> Replica:
        """Open the replica of ``log_id`` and remember it as current; ``old`` stays open
        (close it with :meth:`retire` once nobody uses it any more).

        What waits in an unbound replica's queue (made before the log was known) moves to the
        log's queue, so it is sent there. A replica of another log is kept as it was.
        """
        replica = Replica.open(
            self.folder(log_id), log_id, source=self._source, notices=self._notices
        )
        if old.log_id is None:
            known = {e.client_ref for e in replica.queue.waiting()}
            for entry in old.queue.waiting():
                if entry.client_ref not in known:
                    replica.queue.put(entry.kind, entry.body, entry.actor, entry.client_ref)
                old.queue.mark_done(entry.id)
        self.remember(log_id)
        return replica

    def retire(self, old: Replica) -> None:
        """Close a replica that was switched away from; an unbound one is removed (nothing
        arrives in it before the log is known, and its queue has moved)."""
        old.close()
        if old.log_id is None:
            shutil.rmtree(old.folder, ignore_errors=True)

    def remember(self, log_id: str) -> None:
        """Record ``log_id`` as this URL's current log (atomically)."""
        pointers = self._pointers()
        pointers[self.url] = log_id
        self.root.mkdir(parents=True, exist_ok=True)
        scratch = self.root / f"{_POINTER_FILE}.tmp"
        scratch.write_text(json.dumps(pointers, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(scratch, self.root / _POINTER_FILE)

    def _pointers(self) -> dict[str, object]:
        try:
            data = json.loads((self.root / _POINTER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or damaged: start from the unbound folder, lose nothing
        return data if isinstance(data, dict) else {}
