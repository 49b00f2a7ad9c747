"""``RemoteBackend``: the Backend protocol against the centre's operations backend.

Reads come from a local replica of the server's log (a ``LocalBackend`` over a Cityroom log
file), so the workstation answers at once and keeps working when the network does not.
Commands and facts go to the server; while it cannot be reached they are saved in a queue and
sent, in order and at most once each, when the link is back.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.backend import BackendMode, EventsCallback, LogStats, ResetCallback, Subscription
from core.commands import Command
from core.errors import CityroomError
from core.events import EventRecord, NewEvent
from core.notices import NoticeBoard, NoticeLevel
from core.readings import SensorHistory
from core.remote.link import Link, LinkState, LinkStatus
from core.remote.queue import EntryKind, QueuedEntry
from core.remote.replica import Replica, ReplicaStore
from core.remote.wire import command_to_json, new_event_to_json, same_log
from core.state import CityState

__all__ = ["LinkState", "LinkStatus", "RemoteBackend", "RemoteUrlError", "checked_url"]

_NOTICE_SOURCE = "backend"


class RemoteUrlError(CityroomError):
    """The backend URL is not one the workstation can use."""


@dataclass(eq=False)
class _RemoteSubscription:
    """A subscription that follows the replica when it is replaced (another server log)."""

    callback: EventsCallback
    owner: RemoteBackend
    on_reset: ResetCallback | None = None
    inner: Subscription | None = None
    active: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Bumped by every detach: a batch the old replica was already handing over when it was
    # replaced must not reach a subscriber that has the new replica's state by then.
    generation: int = 0

    def attach(self, replica: Replica, after_seq: int) -> None:
        """Follow ``replica`` from ``after_seq``."""
        with self.lock:
            if self.active:
                self.inner = replica.backend.subscribe(
                    self._relay(self.generation), after_seq, self.on_reset
                )

    def move_to(self, replica: Replica) -> None:
        """Follow ``replica``, which holds another log: with ``on_reset``, from a copy of its
        state; without, from its first event (the subscriber's state is then wrong)."""
        if self.on_reset is None:
            self.attach(replica, 0)
            return
        with self.lock:
            if self.active:
                self.inner = replica.backend.subscribe(
                    self._relay(self.generation), on_reset=self.on_reset, from_state=True
                )

    def detach(self) -> None:
        """Stop following the replica."""
        with self.lock:
            self.generation += 1
            if self.inner is not None:
                self.inner.cancel()
                self.inner = None

    def _relay(self, generation: int) -> EventsCallback:
        def deliver(records: list[EventRecord]) -> None:
            if self.generation == generation:
                self.callback(records)

        return deliver

    def cancel(self) -> None:
        self.active = False
        self.detach()
        self.owner._drop(self)


class RemoteBackend:
    """The workstation's backend when the log lives on the centre's server at ``url``."""

    mode = BackendMode.REMOTE

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        data_dir: Path,
        ca_file: Path | None = None,
        notices: NoticeBoard | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        source: str = "workstation",
    ) -> None:
        self.location = url = checked_url(url)
        self.source = source
        self.notices = notices or NoticeBoard()
        self._on_status = on_status
        self._lock = threading.RLock()
        self._subscriptions: list[_RemoteSubscription] = []
        self._store = ReplicaStore(Path(data_dir), url, source=source, notices=self.notices)
        self._replica = self._store.open_current()
        self.ready: Future[None] = self._replica.backend.ready
        self._closed = False
        self._link = Link(
            url,
            username=username,
            password=password,
            replica=lambda: self._replica,
            switch_log=self._switch_log,
            on_change=self._report_status,
            on_refused=self._report_refused,
            ca_file=ca_file,
        ).start()

    # -- the link -------------------------------------------------------------------------

    def status(self) -> LinkStatus:
        """Where the link stands, and how many commands wait or were refused."""
        link = self._link
        queued = refused = 0
        for _ in range(3):  # the replica may be replaced (and its queue closed) meanwhile
            queue = self._replica.queue
            try:
                queued, refused = queue.count_waiting(), queue.count_refused()
                break
            except (CityroomError, sqlite3.ProgrammingError):
                continue
        return LinkStatus(
            link.state, link.message, queued, refused, link.since_ms, link.account, link.last_seq
        )

    def refused_commands(self) -> list[QueuedEntry]:
        """Queued commands the server refused when they were sent (until dismissed)."""
        return self._replica.queue.refused()

    def dismiss_refused(self, entry_id: int) -> None:
        """Forget a refused command the operator has seen."""
        self._replica.queue.dismiss(entry_id)
        self._report_status()

    def login(self, username: str, password: str) -> None:
        """Sign in with other credentials (after ``LinkState.LOGIN_NEEDED``)."""
        self._link.login(username, password)

    # -- protocol -------------------------------------------------------------------------

    def submit(
        self,
        command: Command,
        actor: str,
        ts_ms: int | None = None,
        *,
        expected_version: int | None = None,
    ) -> Future[list[EventRecord]]:
        """Send ``command`` to the server; its records are in the replica when this resolves.

        Fails with ``ConflictError``, ``CommandRejected``/``IllegalTransition`` or
        ``AccessDenied`` as the server decides, or ``CommandQueued`` when it cannot be reached.
        """
        body = {**command_to_json(command), "expected_version": expected_version, "ts_ms": ts_ms}
        return self._link.send(EntryKind.COMMAND, body, actor)

    def publish(self, events: Sequence[NewEvent]) -> Future[list[EventRecord]]:
        """Send facts to the server (queued like commands when it cannot be reached)."""
        batch = list(events)
        if not batch:
            done: Future[list[EventRecord]] = Future()
            done.set_result([])
            return done
        body: dict[str, Any] = {"events": [new_event_to_json(e) for e in batch]}
        actor = batch[0].actor
        return self._link.send(EntryKind.PUBLISH, body, actor)

    def subscribe(
        self,
        callback: EventsCallback,
        after_seq: int = 0,
        on_reset: ResetCallback | None = None,
    ) -> Subscription:
        """Deliver the replica's events after ``after_seq``, then each batch that arrives.

        ``on_reset`` gets the state when it is replaced wholesale: the server's state taken
        while the replica was far behind, or the replica of another log (then the
        subscription follows it from its state; without ``on_reset``, from its first event).
        """
        subscription = _RemoteSubscription(callback, self, on_reset)
        with self._lock:
            self._subscriptions.append(subscription)
            subscription.attach(self._replica, after_seq)
        return subscription

    def snapshot(self) -> Future[CityState]:
        """The replica's folded state."""
        return self._replica.backend.snapshot()

    def incident_events(
        self, incident_id: str, types: Collection[str] | None = None
    ) -> Future[list[EventRecord]]:
        """Every event about one incident, from the replica."""
        return self._replica.backend.incident_events(incident_id, types)

    def events_at(self, seqs: Sequence[int]) -> Future[list[EventRecord]]:
        """Events by sequence number, from the replica."""
        return self._replica.backend.events_at(seqs)

    def sensor_history(
        self, sensor_id: str, start_ms: int, end_ms: int, max_points: int
    ) -> Future[SensorHistory]:
        """A sensor's readings, from the replica."""
        return self._replica.backend.sensor_history(sensor_id, start_ms, end_ms, max_points)

    def stats(self) -> Future[LogStats]:
        """Counts over the replica."""
        return self._replica.backend.stats()

    @property
    def replica_path(self) -> Path:
        """The replica's event log file (for replay, bundles and hand-over)."""
        return self._replica.path

    def close(self) -> None:
        """Stop the link (pending sends fail or stay queued), then close the replica."""
        if self._closed:
            return
        self._closed = True
        self._link.stop()
        with self._lock:
            for subscription in list(self._subscriptions):
                subscription.detach()
            self._replica.close()

    # -- worker-thread callbacks ------------------------------------------------------------

    def _drop(self, subscription: _RemoteSubscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subscriptions.remove(subscription)

    def _switch_log(self, log_id: str) -> Replica:
        """The server serves another log than the replica holds: use (or make) its replica."""
        with self._lock:
            old = self._replica
            for subscription in self._subscriptions:
                subscription.detach()
            new = self._store.switch(old, log_id)
            self._replica = new
            for subscription in self._subscriptions:
                # Sequence numbers start over in another log; an adopted one is still empty.
                subscription.move_to(new)
            all_reset = all(s.on_reset is not None for s in self._subscriptions)
        # Outside the lock: retiring waits for the old replica's writer, whose callbacks may
        # subscribe (and so need the lock) before they return.
        self._store.retire(old)
        if old.log_id is not None:
            self.notices.post(
                NoticeLevel.WARNING,
                _NOTICE_SOURCE,
                self._switch_notice(old.log_id, old.folder, log_id, new.folder, all_reset),
            )
        return new

    def _switch_notice(
        self, old_key: str, old_folder: Path, new_key: str, new_folder: Path, all_reset: bool
    ) -> str:
        """What the operator is told when the replica ``old_key`` in ``old_folder`` was
        replaced by ``new_key`` in ``new_folder`` (``all_reset``: every screen follows)."""
        if same_log(old_key, new_key):
            if all_reset:
                return (
                    "Your account's districts changed; the screens now show what it may see. "
                    f"The events it may see are copied into {new_folder}; the earlier copy is "
                    f"kept in {old_folder}."
                )
            return (
                "Your account's districts changed. The events it may see are copied into "
                f"{new_folder}; the earlier copy is kept in {old_folder}. Restart Cityroom so "
                "the screens show only what it may see."
            )
        text = (
            f"The backend at {self.location} now serves another event log ({new_key}) "
            f"than this workstation's copy ({old_key}). Its events are copied into "
            f"{new_folder}; the old copy is kept in {old_folder}."
        )
        if all_reset:
            return f"{text} The screens now show the new log."
        return f"{text} Restart Cityroom so the screens show only the new log."

    def _report_status(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(self.status())
        except Exception as exc:  # a broken listener must not stop the link
            self.notices.post(NoticeLevel.ERROR, _NOTICE_SOURCE, f"Status listener failed: {exc}")

    def _report_refused(self, entry: QueuedEntry, message: str) -> None:
        self.notices.post(
            NoticeLevel.ERROR,
            _NOTICE_SOURCE,
            f"The server refused {entry.describe()}, which was saved while it could not be "
            f"reached: {message}",
        )


def checked_url(url: str) -> str:
    """``url`` as the workstation uses it (no trailing slash); ``RemoteUrlError`` naming the
    fix when it is not an http(s) address of a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteUrlError(
            f"The backend URL {url!r} is not an http(s) address; give it as "
            "https://HOST:PORT (for example https://ops.example.org:8443)."
        )
    if parts.query or parts.fragment:
        raise RemoteUrlError(
            f"The backend URL {url!r} has a query or fragment; give only https://HOST:PORT."
        )
    return url.strip().rstrip("/")
