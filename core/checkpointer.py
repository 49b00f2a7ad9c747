"""Moves the event log's write-ahead log into the database file on a thread of its own.

SQLite checkpoints a WAL-mode database by default inside the commit that pushes the WAL past
1,000 pages, so one append in a few hundred (one in fifteen for packets carrying pictures)
waits for the copy and its fsync: tens to hundreds of milliseconds on a busy disk, right in an
alarm's or a packet's path. Here the writer's automatic checkpoint is held back and a
second connection checkpoints in PASSIVE mode, which never blocks the writer nor waits for
readers, at most every ``EVERY_S`` seconds and only when the WAL has changed (so a busy log
costs one background fsync every few seconds, an idle one none).
Should this thread fall behind (or die), the writer checkpoints itself once the WAL passes a
hard limit, so the file never grows without bound.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("cityroom.eventlog")

EVERY_S = 2.0
WRITER_LIMIT_PAGES = 65_536  # 256 MiB of WAL: the writer then checkpoints itself


def defer_checkpoints(db: sqlite3.Connection) -> None:
    """Let the writer connection ``db`` leave checkpoints to a ``Checkpointer``, but for the
    hard limit."""
    db.execute(f"PRAGMA wal_autocheckpoint={WRITER_LIMIT_PAGES}")


class Checkpointer:
    """Checkpoints the log at ``path`` every ``every_s`` seconds while its WAL changes.
    ``start()`` it after the writer opened the log; ``stop()`` before the writer closes."""

    def __init__(self, path: Path, every_s: float = EVERY_S) -> None:
        self._path = Path(path)
        self._wal = self._path.with_name(self._path.name + "-wal")
        self._every_s = every_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-checkpoint", daemon=True)
        self.checkpoints = 0

    def start(self) -> Checkpointer:
        """Start watching the WAL."""
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop (a checkpoint under way finishes first)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(self._path, isolation_level=None, timeout=1)
            seen = self._wal_stamp()
            while not self._stopping.wait(self._every_s):
                stamp = self._wal_stamp()
                if stamp != seen:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                    seen = self._wal_stamp()
        except sqlite3.Error as exc:
            # The writer's own limit takes over; appends are never affected.
            log.warning("background checkpoints of %s stopped: %s", self._path, exc)
        finally:
            if db is not None:
                db.close()

    def _wal_stamp(self) -> tuple[int, int]:
        try:
            info = self._wal.stat()
        except OSError:
            return (0, 0)
        return (info.st_mtime_ns, info.st_size)
