"""The network side of the remote backend: one worker thread running an asyncio loop.

The link logs in, keeps its token fresh, follows the server's event stream into the replica
(each batch stored before the next is read, so order holds), sends what the queue holds when it
comes online, and reconnects with a growing, jittered pause when the server or the network goes
away. Everything that touches the network runs on this one loop; other threads only hand it
work (``send``, ``login``) and read its status.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
import ssl
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from core.clock import Clock, SystemClock
from core.errors import CityroomError, CommandRejected, ConflictError, IllegalTransition
from core.events import EventRecord
from core.remote.errors import AccessDenied, CommandQueued, LinkClosed, ReplicaGapError
from core.remote.queue import EntryKind, QueuedEntry, new_client_ref
from core.remote.replica import Replica
from core.remote.wire import (
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    WireError,
    chain_from_json,
    record_from_json,
    view_from_json,
    view_key,
)
from core.state import FOLD_VERSION

log = logging.getLogger("cityroom.remote")

FIRST_PAUSE_S = 0.2
LONGEST_PAUSE_S = 5.0
_MIN_REFRESH_S = 1.0  # with clocks far apart, still no storm of refreshes
_MAX_FRAME = 1 << 28  # a backlog chunk of 5000 events with large packets stays well below
_HTTP_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_MAX_FETCH = 10_000  # the server's limit per GET /v1/events


class LinkState(StrEnum):
    """Where the link to the backend stands, as the status bar shows it."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # unreachable: retrying; commands are queued meanwhile
    LOGIN_NEEDED = "login_needed"  # wrong or missing credentials: waiting for a new login
    REFUSED = "refused"  # the server will not serve this workstation (protocol, replica)


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """A snapshot of the link for a person: its state and why, and what waits."""

    state: LinkState
    message: str
    queued: int
    refused: int
    since_ms: int
    account: dict[str, Any] | None
    last_seq: int


class RemoteError(CityroomError):
    """The server answered a request with an error (``status``, ``code``, body in ``data``)."""

    def __init__(self, status: int, code: str, message: str, data: dict[str, Any]) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.data = data


class _NetworkDown(Exception):
    """The server could not be reached or could not answer (transport error, 5xx)."""


class _SessionOver(Exception):
    """The current session ends; the main loop decides what comes next."""


class _Stop(Exception):
    """Wait for new credentials (or close) instead of retrying."""


Host = Callable[[], Replica]


class Link:
    """The connection to the backend at ``url``; start it with :meth:`start`.

    ``replica()`` gives the replica in use; ``switch_log(log_id)`` replaces it when the server
    serves another log; ``on_change()`` runs on the worker thread after every change of state
    or queue; ``on_refused(entry, message)`` when the server refuses a queued entry.
    """

    def __init__(
        self,
        url: str,
        *,
        username: str,
        password: str,
        replica: Host,
        switch_log: Callable[[str], Replica],
        on_change: Callable[[], None],
        on_refused: Callable[[QueuedEntry, str], None],
        ca_file: Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._username = username
        self._password = password
        self._replica = replica
        self._switch_log = switch_log
        self._on_change = on_change
        self._on_refused = on_refused
        self._ca_file = ca_file
        self._clock = clock or SystemClock()
        self.state = LinkState.CONNECTING
        self.message = f"Connecting to {self.url}"
        self.since_ms = self._clock.now_ms()
        self.account: dict[str, Any] | None = None
        self.last_seq = 0
        self._token: str | None = None
        self._token_expires_ms = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="remote-link", daemon=True)
        self._main: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._stopped = False
        # Loop-side state (touched only on the loop thread).
        self._wake: asyncio.Event | None = None
        self._client: httpx.AsyncClient | None = None
        self._stream: ClientConnection | None = None
        self._flush: asyncio.Task[None] | None = None
        self._waiters: dict[int, asyncio.Future[list[EventRecord]]] = {}
        # A backlog page being stored while the next one is checked (at most one).
        self._storing: tuple[Future[list[EventRecord]], int] | None = None
        self._sending = asyncio.Lock()  # one POST at a time: commands apply in the order sent
        self._session_error = ""
        self._was_online = False

    # -- other threads ------------------------------------------------------------------

    def start(self) -> Link:
        """Start the worker thread."""
        self._thread.start()
        self._started.wait(5.0)
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel everything in flight, close the sockets and end the thread."""
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._cancel_main)
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.error("the remote link did not stop within %.1f s", timeout_s)

    def send(self, kind: EntryKind, body: dict[str, Any], actor: str) -> Future[list[EventRecord]]:
        """Send a command or facts (``body`` without client_ref); queue them when offline."""
        if self._stopped:
            failed: Future[list[EventRecord]] = Future()
            failed.set_exception(LinkClosed(f"The remote backend {self.url} is closed."))
            return failed
        return asyncio.run_coroutine_threadsafe(self._send(kind, body, actor), self._loop)

    def login(self, username: str, password: str) -> None:
        """Try again with these credentials (after LOGIN_NEEDED, or to change user)."""

        def apply() -> None:
            self._username, self._password = username, password
            self._token = None
            self._set_state(LinkState.CONNECTING, f"Signing in to {self.url} as {username}")
            self._kick()
            if self._stream is not None:
                # Signed in as someone else: the stream must follow the new account.
                self._loop.create_task(self._stream.close())

        if not self._stopped:
            self._loop.call_soon_threadsafe(apply)

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._main = self._loop.create_task(self._supervise())
            self._loop.call_soon(self._started.set)
            with contextlib.suppress(asyncio.CancelledError):
                self._loop.run_until_complete(self._main)
        finally:
            self._started.set()
            # Sends still in flight end now, so no caller waits on a loop that is gone.
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    def _cancel_main(self) -> None:
        if self._main is not None:
            self._main.cancel()

    def _kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _supervise(self) -> None:
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(
            base_url=self.url,
            verify=self._ssl_context() or False,
            timeout=_HTTP_TIMEOUT,
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)},
        )
        pause = FIRST_PAUSE_S
        try:
            await asyncio.wrap_future(self._replica().backend.ready)
            self.last_seq = self._replica().last_seq()
            while True:
                self._wake.clear()
                self._was_online = False
                try:
                    await self._session()
                except _Stop:
                    await self._wake.wait()
                    pause = FIRST_PAUSE_S
                    continue
                except _SessionOver:
                    pass
                if self._was_online:
                    pause = FIRST_PAUSE_S  # a link that worked: the first retry comes fast
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause * random.uniform(0.75, 1.25))
                pause = min(LONGEST_PAUSE_S, pause * 2)
        finally:
            self._fail_waiters(LinkClosed(f"The remote backend {self.url} is closed."))
            if self._stream is not None:
                await self._stream.close()
            await self._client.aclose()

    async def _session(self) -> None:
        """Sign in, follow the stream and flush the queue until something ends it."""
        self._session_error = ""
        try:
            await self._ensure_token()
            await self._follow_stream()
        except _NetworkDown as exc:
            if self.state in (LinkState.REFUSED, LinkState.LOGIN_NEEDED):
                self._fail_waiters(None)
                raise _Stop from None  # said why already; retrying would not help
            self._go_offline(str(exc))
            raise _SessionOver from None
        except ReplicaGapError as exc:
            if exc.diverged:
                self._set_state(LinkState.REFUSED, str(exc))
                raise _Stop from None
            raise _SessionOver from None  # read again from the replica's last event

    def _go_offline(self, reason: str) -> None:
        self._fail_waiters(None)
        self._set_state(
            LinkState.OFFLINE,
            f"The backend at {self.url} cannot be reached ({reason}); retrying. Commands are "
            "saved and sent when it is back.",
        )

    # -- signing in -----------------------------------------------------------------------

    async def _ensure_token(self) -> None:
        if self._token is not None and self._token_expires_ms - self._clock.now_ms() > 30_000:
            return
        if not self._username or not self._password:
            self._set_state(
                LinkState.LOGIN_NEEDED, f"Sign in to {self.url} with your user name and password."
            )
            raise _Stop
        await self._login()

    async def _login(self) -> None:
        try:
            answer = await self._request(
                "POST",
                "/v1/login",
                {"username": self._username, "password": self._password},
                auth=False,
            )
        except RemoteError as exc:
            if exc.status == 429:
                wait = exc.data.get("retry_after_s", "a few")
                self._set_state(
                    LinkState.LOGIN_NEEDED,
                    f"Too many failed sign-ins for {self._username} at {self.url}: wait "
                    f"{wait} s, then sign in again. ({exc})",
                )
            else:
                self._set_state(LinkState.LOGIN_NEEDED, f"Sign-in to {self.url} failed: {exc}")
            raise _Stop from None
        await self._take_token(answer)

    async def _refresh_token(self) -> None:
        try:
            answer = await self._request("POST", "/v1/token", None)
        except RemoteError:
            await self._login()  # expired meanwhile (a long pause): sign in again
            return
        await self._take_token(answer)

    async def _take_token(self, answer: dict[str, Any]) -> None:
        try:
            token, expires = answer["token"], answer["expires_ms"]
            view = view_from_json(answer.get("view"))
            log_id = view_key(str(answer["log_id"]), view)
        except (KeyError, TypeError, WireError):
            raise _NetworkDown("the answer to the sign-in is not a Cityroom one") from None
        self._token, self._token_expires_ms = str(token), int(expires)
        account = answer.get("account")
        # With the districts it receives in full (None: all), for the status bar.
        self.account = {**account, "view": view} if isinstance(account, dict) else None
        replica = self._replica()
        if replica.log_id != log_id:
            # Blocking file work, but short; nothing else can run on the link meanwhile.
            self._fail_waiters(None)
            replica = self._switch_log(str(log_id))
            await asyncio.wrap_future(replica.backend.ready)
            self.last_seq = replica.last_seq()
        if self._stream is not None:
            await self._stream.send(json.dumps({"kind": "token", "token": self._token}))

    # -- the stream -----------------------------------------------------------------------

    async def _follow_stream(self) -> None:
        scheme, rest = self.url.split("://", 1)
        ws_url = (
            f"{'wss' if scheme == 'https' else 'ws'}://{rest}/v1/stream?after={self.last_seq}"
            f"&format=chain&fold={FOLD_VERSION}"
        )
        headers = {
            PROTOCOL_HEADER: str(PROTOCOL_VERSION),
            "Authorization": f"Bearer {self._token}",
        }
        try:
            stream = await connect(
                ws_url,
                additional_headers=headers,
                ssl=self._ssl_context(),
                max_size=_MAX_FRAME,
                open_timeout=10,
                ping_interval=20,
                ping_timeout=20,
            )
        except InvalidStatus as exc:
            await self._handshake_refused(exc)
            return
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise _NetworkDown(_reason(exc)) from None
        self._stream = stream
        refresher = asyncio.create_task(self._keep_token_fresh())
        try:
            hello = json.loads(await stream.recv())
            if not isinstance(hello, dict) or hello.get("kind") != "hello":
                raise _NetworkDown("the stream did not start with a greeting")
            if _replica_of(hello) != self._replica().log_id:
                self._token = None  # another log behind the same URL: sign in to it afresh
                raise _SessionOver
            self._was_online = True
            self._set_state(LinkState.ONLINE, f"Connected to {self.url}")
            self._start_flush()
            async for message in stream:
                await self._on_stream_message(message)
        except ConnectionClosed as exc:
            self._stream_closed(exc)
        finally:
            self._stream = None
            await self._settle_quietly()
            refresher.cancel()
            flush, self._flush = self._flush, None
            if flush is not None:
                flush.cancel()
                # Finished before the session ends, so its waiters are told "queued" now.
                with contextlib.suppress(asyncio.CancelledError):
                    await flush
            await stream.close()
        raise _NetworkDown(self._session_error or "the server closed the stream")

    async def _handshake_refused(self, exc: InvalidStatus) -> None:
        status = exc.response.status_code
        try:
            data = json.loads(exc.response.body or b"{}")
        except ValueError:
            data = {}
        message = str(data.get("message") or f"HTTP {status}")
        if status == 426:
            self._protocol_refused(message)
        if status == 401:
            self._token = None  # sign in again at once
            raise _SessionOver
        if status == 403:
            self._set_state(LinkState.LOGIN_NEEDED, f"{self.url} refused the stream: {message}")
            raise _Stop
        raise _NetworkDown(message)

    def _stream_closed(self, exc: ConnectionClosed) -> None:
        code = exc.rcvd.code if exc.rcvd is not None else None
        reason = self._session_error or (exc.rcvd.reason if exc.rcvd is not None else "")
        if code == 4426:
            self._protocol_refused(reason)
        if code == 4401:
            self._token = None  # expired or revoked: sign in again at once
            self._set_state(LinkState.CONNECTING, f"Signing in to {self.url} again")
            raise _SessionOver
        if code == 4503:
            raise _NetworkDown(f"its database is unavailable: {reason}")
        if code == 1001:
            raise _NetworkDown("the server is shutting down")

    async def _on_stream_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            raise _NetworkDown("the stream sent something that is not JSON") from None
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "chain":
            try:
                records = chain_from_json(data)
            except WireError as exc:
                raise _NetworkDown(f"the stream sent a malformed backlog page: {exc}") from None
            await self._store_behind(records)
        elif kind == "events":
            try:
                records = [record_from_json(r) for r in data.get("records") or []]
            except WireError as exc:
                raise _NetworkDown(f"the stream sent a malformed event: {exc}") from None
            await self._settle()
            await self._mirror(records)
        elif kind == "state":
            await self._settle()
            await self._take_state(data)
        elif kind == "error":
            self._session_error = str(data.get("message", ""))

    async def _keep_token_fresh(self) -> None:
        while True:
            lifetime_s = (self._token_expires_ms - self._clock.now_ms()) / 1000
            await asyncio.sleep(max(_MIN_REFRESH_S, lifetime_s * 2 / 3))
            try:
                await self._refresh_token()
            except (_NetworkDown, _Stop, RemoteError) as exc:
                log.warning("could not refresh the token at %s: %s", self.url, exc)
                if self._stream is not None:
                    await self._stream.close()
                return

    async def _store_behind(self, records: list[EventRecord]) -> None:
        """Store a backlog page while the next one is read and checked: the replica's writer
        takes pages in order, and at most two wait there."""
        future = self._replica().mirror(records, hashed_here=True)
        last = records[-1].seq
        future.add_done_callback(lambda done: self._call_soon(self._page_stored, done, last))
        previous, self._storing = self._storing, (future, last)
        if previous is not None:
            await self._stored(previous)

    async def _settle(self) -> None:
        """Wait until the page being stored is stored."""
        pending, self._storing = self._storing, None
        if pending is not None:
            await self._stored(pending)

    async def _settle_quietly(self) -> None:
        try:
            await self._settle()
        except Exception as exc:  # the next session reads it again from the last one stored
            log.info("a backlog page was not stored: %s", exc)

    async def _stored(self, pending: tuple[Future[list[EventRecord]], int]) -> None:
        future, last = pending
        await asyncio.wrap_future(future)
        self._page_stored(future, last)

    def _page_stored(self, future: Future[list[EventRecord]], last: int) -> None:
        if future.cancelled() or future.exception() is not None or self.last_seq >= last:
            return
        self.last_seq = last
        self._on_change()

    def _call_soon(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the loop (from any thread; not once the loop is closed)."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(fn, *args)

    async def _take_state(self, data: dict[str, Any]) -> None:
        """The server's folded state, sent because this workstation is far behind."""
        if data.get("fold_version") != FOLD_VERSION:
            return  # folded by another version: the events bring the state instead
        try:
            seq, digest = int(data["seq"]), bytes.fromhex(str(data["hash"]))
            blob = base64.b64decode(str(data["state"]), validate=True)
            await asyncio.wrap_future(self._replica().mirror_state(seq, digest, blob))
        except Exception as exc:
            # Not fatal: the events that follow bring the workstation up to date anyway.
            log.warning("the state sent by %s was not usable: %s", self.url, exc)
            return
        self._on_change()

    async def _mirror(self, records: list[EventRecord]) -> None:
        if not records:
            return
        replica = self._replica()
        await asyncio.wrap_future(replica.mirror(records))
        self.last_seq = max(self.last_seq, records[-1].seq)
        self._on_change()

    async def _mirror_answer(self, records: list[EventRecord]) -> None:
        """Store a command's records; first fetch what the stream has not brought yet."""
        while records and records[0].seq > self.last_seq + 1:
            missing = min(_MAX_FETCH, records[0].seq - 1 - self.last_seq)
            answer = await self._request(
                "GET", "/v1/events", None, params={"after": self.last_seq, "limit": missing}
            )
            fetched = _records(answer)
            if not fetched:
                break
            await self._mirror(fetched)
        await self._mirror(records)

    # -- sending --------------------------------------------------------------------------

    async def _send(self, kind: EntryKind, body: dict[str, Any], actor: str) -> list[EventRecord]:
        queue = self._replica().queue
        ref = new_client_ref()
        if self.state is LinkState.ONLINE and self._flush is None and not queue.count_waiting():
            try:
                async with self._sending:
                    return await self._post(kind, body, ref)
            except (_NetworkDown, _Stop) as exc:
                entry = queue.put(kind, body, actor, ref)  # the same ref: applied at most once
                self._on_change()
                self._end_session(str(exc))
                log.info("queued %s after a failure: %s", entry.describe(), exc)
                raise CommandQueued(self.url, queue.count_waiting()) from None
        entry = queue.put(kind, body, actor, ref)
        self._on_change()
        if self.state is not LinkState.ONLINE:
            raise CommandQueued(self.url, queue.count_waiting())
        waiter: asyncio.Future[list[EventRecord]] = self._loop.create_future()
        self._waiters[entry.id] = waiter
        self._start_flush()
        return await waiter

    async def _post(self, kind: EntryKind, body: dict[str, Any], ref: str) -> list[EventRecord]:
        """Send once; a refusal raises the matching CityroomError, nothing is queued."""
        path = "/v1/commands" if kind is EntryKind.COMMAND else "/v1/events"
        try:
            answer = await self._request("POST", path, {**body, "client_ref": ref})
        except RemoteError as exc:
            raise _refusal(exc) from None
        records = _records(answer)
        try:
            await self._mirror_answer(records)
        except (ReplicaGapError, RemoteError, _NetworkDown, _Stop) as exc:
            # Applied on the server: the stream brings the records; the answer stands.
            log.info("records of a command were left to the stream: %s", exc)
        return records

    def _start_flush(self) -> None:
        if self._flush is None and self.state is LinkState.ONLINE:
            self._flush = self._loop.create_task(self._flush_queue())

    async def _flush_queue(self) -> None:
        """Send the waiting entries in order; a network failure ends the session."""
        try:
            while entries := self._replica().queue.waiting():
                for entry in entries:
                    async with self._sending:
                        await self._flush_one(entry)
        except (_NetworkDown, _Stop) as exc:
            self._flush = None
            self._end_session(str(exc))
            return
        self._flush = None

    def _end_session(self, reason: str) -> None:
        """Close the stream after a failed request: the session ends and is tried again."""
        self._session_error = self._session_error or reason
        if self._stream is not None:
            self._loop.create_task(self._stream.close())

    async def _flush_one(self, entry: QueuedEntry) -> None:
        queue = self._replica().queue
        waiter = self._waiters.pop(entry.id, None)
        body = entry.body
        body = _stamped(entry)
        try:
            records = await self._post(entry.kind, body, entry.client_ref)
        except CityroomError as exc:
            queue.mark_refused(entry.id, str(exc))
            self._on_refused(entry, str(exc))
            self._on_change()
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
            return
        except BaseException:
            if waiter is not None:
                self._waiters[entry.id] = waiter  # still waiting: answered on the next try
            raise
        queue.mark_done(entry.id)
        self._on_change()
        if waiter is not None and not waiter.done():
            waiter.set_result(records)

    def _fail_waiters(self, error: Exception | None) -> None:
        """Tell those waiting for a queued entry that it stays queued (or the link closed)."""
        waiters, self._waiters = self._waiters, {}
        if not waiters:
            return
        waiting = self._replica().queue.count_waiting()
        for waiter in waiters.values():
            if not waiter.done():
                waiter.set_exception(error or CommandQueued(self.url, waiting))

    # -- HTTP -----------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        params: dict[str, Any] | None = None,
        auth: bool = True,
    ) -> dict[str, Any]:
        """One request; a 401 on a signed-in request signs in again and repeats it once."""
        for attempt in range(2):
            response = await self._exchange(method, path, body, params, auth)
            if response.status_code == 401 and auth and attempt == 0:
                self._token = None
                await self._login()
                continue
            return self._answer(response)
        raise AssertionError("unreachable")

    async def _exchange(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, Any] | None,
        auth: bool,
    ) -> httpx.Response:
        assert self._client is not None
        headers = {"Authorization": f"Bearer {self._token}"} if auth and self._token else {}
        try:
            return await self._client.request(
                method, path, json=body, params=params, headers=headers
            )
        except httpx.HTTPError as exc:
            raise _NetworkDown(_reason(exc)) from None

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise _NetworkDown(f"HTTP {response.status_code} without a Cityroom answer")
        if response.status_code < 400:
            return data
        message = str(data.get("message") or f"HTTP {response.status_code}")
        if response.status_code == 426:
            self._protocol_refused(message, data)
        if response.status_code >= 500:
            raise _NetworkDown(message)
        raise RemoteError(response.status_code, str(data.get("error")), message, data)

    def _protocol_refused(self, message: str, data: dict[str, Any] | None = None) -> NoReturn:
        server = (data or {}).get("server_protocol")
        update = (
            "Update the server"
            if isinstance(server, int) and server < PROTOCOL_VERSION
            else "Update Cityroom on this workstation"
        )
        self._set_state(
            LinkState.REFUSED,
            f"The backend at {self.url} does not serve this version of Cityroom: {message} "
            f"{update} so both speak the same protocol.",
        )
        raise _Stop

    def _ssl_context(self) -> ssl.SSLContext | None:
        if not self.url.startswith("https://"):
            return None
        return ssl.create_default_context(
            cafile=str(self._ca_file) if self._ca_file is not None else None
        )

    # -- status ---------------------------------------------------------------------------

    def _set_state(self, state: LinkState, message: str) -> None:
        if state is not self.state:
            self.since_ms = self._clock.now_ms()
        self.state, self.message = state, message
        self._on_change()


def _records(answer: dict[str, Any]) -> list[EventRecord]:
    try:
        return [record_from_json(r) for r in answer.get("records") or []]
    except WireError as exc:
        raise _NetworkDown(f"the server sent a malformed event: {exc}") from None


def _refusal(exc: RemoteError) -> CityroomError:
    """The CityroomError a person sees for a refused command."""
    data = exc.data
    if exc.status == 409:
        found = data.get("incident")
        incident: dict[str, Any] = found if isinstance(found, dict) else {}
        transitions = incident.get("transitions") or []
        last = transitions[-1] if transitions else None
        change = f"{last[0]} by {last[3]}" if isinstance(last, list) and len(last) > 3 else ""
        conflict = ConflictError(
            str(incident.get("id") or data.get("incident_id") or "the incident"),
            int(data.get("expected_version") or 0),
            int(data.get("current_version") or 0),
            change or "updated",
        )
        conflict.incident = incident  # type: ignore[attr-defined]
        return conflict
    if exc.status == 403:
        return AccessDenied(str(exc))
    if data.get("hint") is not None or data.get("status") is not None:
        return IllegalTransition(
            str(exc),
            str(data.get("incident_id") or ""),
            str(data.get("command") or ""),
            str(data.get("status") or ""),
            str(data.get("hint") or ""),
        )
    return CommandRejected(str(exc))


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            f"its TLS certificate could not be verified: {text}; give the centre's CA "
            "certificate as the CA file"
        )
    return text


def _stamped(entry: QueuedEntry) -> dict[str, Any]:
    """The entry's body with the time it was made on whatever carries no time of its own:
    a command, or each fact of a publish. Stamped when made, not when the link came back (the
    server takes a client time no later than its own clock, no earlier than its last event)."""
    body = entry.body
    if entry.kind is EntryKind.COMMAND:
        return body if body.get("ts_ms") is not None else {**body, "ts_ms": entry.created_ms}
    events = body.get("events")
    if not isinstance(events, list) or all(
        not isinstance(e, dict) or e.get("ts_ms") is not None for e in events
    ):
        return body
    stamped = [
        {**e, "ts_ms": entry.created_ms} if isinstance(e, dict) and e.get("ts_ms") is None else e
        for e in events
    ]
    return {**body, "events": stamped}


def _replica_of(hello: dict[str, Any]) -> str | None:
    """The replica a stream's greeting calls for: its log, as this account's view sees it
    (None: a greeting that names none, which no replica matches)."""
    log_id = hello.get("log_id")
    if not isinstance(log_id, str):
        return None
    try:
        return view_key(log_id, view_from_json(hello.get("view")))
    except WireError:
        return None
