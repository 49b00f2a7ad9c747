"""The live event stream: ``GET /v1/stream?after=N`` as a WebSocket.

A workstation gets every event after N exactly once and in order: first the backlog, read
straight from the database in pages (so a workstation back from an hour offline does not hold
up anyone else), then each batch as this process folds it, whether it was appended here or by
another server process (LISTEN/NOTIFY). The stream joins the live feed *before* the backlog is
read, so nothing falls between the two; what both deliver is sent once.

One :class:`LiveFeed` per process takes the folded batches off the writer thread once, encodes
each once, and hands the same text to every stream; batches that arrive while the event loop is
busy go out together, so a busy server sends fewer, larger frames instead of falling behind.

Two query options serve a workstation that is far behind: ``format=chain`` sends the backlog
as compact ``chain`` pages (rows without hashes; the workstation recomputes the chain and
checks it against the page's last hash), and ``fold=V`` (the workstation's fold version)
first sends the folded state as a ``state`` message when the backlog is long, so the
workstation is current at once while its copy of the log fills in.

An open stream re-reads its account every few seconds: a disabled or deleted account's
stream is closed with code 4401 and the reason, as is one whose token expired.

Each stream shows its account's view (``server.visibility``): the events of districts it may
not see go out withheld, the folded state holds only its districts' incidents, and the greeting
names the view so the workstation keeps one replica per view.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import FastAPI, Query, WebSocket, WebSocketDisconnect

from core.events import EventRecord, EventType
from core.remote.wire import PROTOCOL_HEADER, chain_message, chain_rows_json, record_to_json
from core.state import FOLD_VERSION
from server.roles import Account
from server.visibility import (
    DistrictResolver,
    DistrictView,
    as_seen,
    restricted_state,
    view_of,
)

log = logging.getLogger("cityroom.server.stream")

_PAGE = 5000  # events per backlog page in the ``events`` format
_CHAIN_PAGE = 20_000  # rows per backlog page in the ``chain`` format (about 3 MB)
_STATE_GAP = 20_000  # a backlog longer than this starts with the folded state, when asked
_MAX_BEHIND = 20_000  # live messages queued for one slow client before it is told to resume
_RECHECK_S = 2.0  # how often an open stream re-reads its account (disabled? gone?)
CLOSE_TOKEN = 4401
CLOSE_PROTOCOL = 4426
CLOSE_UNAVAILABLE = 4503
CLOSE_TOO_SLOW = 4429
_REASON_BYTES = 123  # the WebSocket limit for a close reason


class LiveMessage:
    """One batch of live events, encoded once (on first use) for every stream, and once per
    view for the streams that see only some districts."""

    __slots__ = ("_districts", "_inner", "_resolver", "_text", "_views", "records")

    def __init__(self, records: list[EventRecord], resolver: DistrictResolver) -> None:
        self.records = records
        self._resolver = resolver
        self._inner: str | None = None
        self._text: str | None = None
        self._districts: list[str | None] | None = None
        self._views: dict[DistrictView, str] = {}

    @property
    def inner(self) -> str:
        """The records as JSON objects joined by commas (no brackets), for merging."""
        if self._inner is None:
            self._inner = _records_inner(self.records)
        return self._inner

    @property
    def text(self) -> str:
        """The whole ``events`` frame."""
        if self._text is None:
            self._text = _frame(self.inner)
        return self._text

    def inner_for(self, view: DistrictView) -> str:
        """:attr:`inner` as ``view`` receives it."""
        if view.everything:
            return self.inner
        found = self._views.get(view)
        if found is None:
            if self._districts is None:
                self._districts = self._resolver.districts_of(self.records)
            if all(view.shows(d) for d in self._districts):
                found = self.inner
            else:
                found = _records_inner(as_seen(self.records, self._districts, view))
            self._views[view] = found
        return found

    def text_for(self, view: DistrictView) -> str:
        """:attr:`text` as ``view`` receives it."""
        return self.text if view.everything else _frame(self.inner_for(view))


def _records_inner(records: Sequence[EventRecord]) -> str:
    return ",".join(
        json.dumps(record_to_json(r), ensure_ascii=False, separators=(",", ":")) for r in records
    )


def _frame(inner: str) -> str:
    return '{"kind":"events","records":[' + inner + "]}"


def events_message(records: Sequence[EventRecord]) -> str:
    """One ``events`` frame."""
    return _frame(_records_inner(records))


class LiveFeed:
    """The process's one subscription to newly folded events, fanned out to every open
    stream on the event loop."""

    def __init__(self, backend: Any, resolver: DistrictResolver) -> None:
        self._backend = backend
        self.resolver = resolver
        self._lock = threading.Lock()
        self._pending: list[list[EventRecord]] = []
        self._scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._streams: set[_StreamSession] = set()
        self._subscription: Any = None
        self._starting: asyncio.Future[None] | None = None
        self.last_seq = 0

    async def join(self, session: _StreamSession) -> int:
        """Start delivering to ``session``; returns the last sequence number delivered before
        (the session reads the backlog up to there from the database)."""
        await self._start()
        self._streams.add(session)
        return self.last_seq

    def leave(self, session: _StreamSession) -> None:
        """Stop delivering to ``session``."""
        self._streams.discard(session)

    async def _start(self) -> None:
        if self._subscription is not None:
            return
        if self._starting is not None:
            await asyncio.shield(self._starting)
            return
        self._loop = asyncio.get_running_loop()
        self._starting = self._loop.create_future()
        try:
            self._subscription, live_from = await asyncio.to_thread(
                self._backend.subscribe_live, self._from_writer
            )
        except BaseException as exc:
            self._starting.set_exception(exc)
            self._starting.exception()  # retrieved: the waiters re-raise it themselves
            self._starting = None
            raise
        # A batch flushed meanwhile went to nobody: later streams read it from the database.
        self.last_seq = max(self.last_seq, live_from)
        self._starting.set_result(None)

    def _from_writer(self, batch: list[EventRecord]) -> None:
        # The writer thread: hand over and return at once; one wake-up per burst.
        with self._lock:
            self._pending.append(batch)
            if self._scheduled:
                return
            self._scheduled = True
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is closing: nobody listens
            self._loop.call_soon_threadsafe(self._flush)

    def _flush(self) -> None:
        with self._lock:
            batches, self._pending = self._pending, []
            self._scheduled = False
        records = [r for batch in batches for r in batch if r.seq > self.last_seq]
        if not records:
            return
        self.last_seq = records[-1].seq
        message = LiveMessage(records, self.resolver)
        for session in list(self._streams):
            session.offer(message)


def install_stream(app: FastAPI, services: Any, cache: dict[str, Any]) -> None:
    """Add the WebSocket route to ``app`` (``services`` is the app's ServerServices)."""
    from server.app import ApiError, authenticated, check_protocol

    feed = LiveFeed(
        services.backend,
        DistrictResolver(lambda: services.backend.state_now().incidents, services.city),
    )
    app.state.live_feed = feed

    @app.websocket("/v1/stream")
    async def stream(
        websocket: WebSocket,
        after: int = 0,
        wire_format: Annotated[str, Query(alias="format")] = "events",
        fold: int = 0,
    ) -> None:
        await websocket.accept()
        try:
            check_protocol(websocket.headers.get(PROTOCOL_HEADER))
        except ApiError as exc:
            await _refuse(websocket, exc, CLOSE_PROTOCOL)
            return
        token = _bearer(websocket.headers.get("authorization", ""))
        try:
            if token is None:
                raise ApiError(401, "unauthorized", "Send 'Authorization: Bearer TOKEN'.")
            account = await authenticated(services, token, cache)
            expires_ms = services.tokens.verify(token).expires_ms
        except ApiError as exc:
            await _refuse(websocket, exc, CLOSE_TOKEN)
            return
        if after < 0:
            after = 0
        remote = websocket.client.host if websocket.client else ""
        services.audit.record(
            EventType.AUDIT_STREAM, account.username, {"remote": remote, "after": after}
        )
        session = _StreamSession(
            websocket, services, account, token, expires_ms, cache, feed.resolver
        )
        session.chain = wire_format == "chain"
        session.wants_state = fold == FOLD_VERSION
        await session.run(after, feed)


class _Stop:
    """A marker in a session's queue."""

    def __init__(self, why: str) -> None:
        self.why = why


_CHECK = _Stop("check")
_CLIENT_GONE = _Stop("client gone")


class _StreamSession:
    """One open stream."""

    def __init__(
        self,
        websocket: WebSocket,
        services: Any,
        account: Account,
        token: str,
        expires_ms: int,
        cache: dict[str, Any],
        resolver: DistrictResolver,
    ) -> None:
        self.websocket = websocket
        self.resolver = resolver
        self.services = services
        self.account = account
        self.token = token
        self.expires_ms = expires_ms
        self.cache = cache
        self.chain = False
        self.wants_state = False
        self.view = view_of(account)
        self.queue: asyncio.Queue[LiveMessage | _Stop] = asyncio.Queue()
        self.too_slow = False

    def offer(self, message: LiveMessage) -> None:
        """A live batch for this stream (on the event loop)."""
        if self.queue.qsize() >= _MAX_BEHIND:
            self.too_slow = True
            return
        self.queue.put_nowait(message)

    async def run(self, after: int, feed: LiveFeed) -> None:
        from server.app import ApiError

        try:
            live_from = await feed.join(self)
        except Exception as exc:
            await _refuse(
                self.websocket,
                ApiError(503, "unavailable", f"The event log is not available: {exc}"),
                CLOSE_UNAVAILABLE,
            )
            return
        listener = asyncio.create_task(self._listen())
        listener.add_done_callback(lambda _: self.queue.put_nowait(_CLIENT_GONE))
        watcher = asyncio.create_task(self._watch())
        try:
            await self.websocket.send_text(
                json.dumps(
                    {
                        "kind": "hello",
                        "last_seq": live_from,
                        "log_id": self.services.log.log_id,
                        "instance": self.services.instance,
                        "view": self.view.to_json(),
                    }
                )
            )
            if self.wants_state and live_from - after > _STATE_GAP:
                await self._send_state()
            cursor = await self._backlog(after, live_from)
            await self._live(cursor)
        except (WebSocketDisconnect, RuntimeError, ConnectionError):
            pass  # the workstation went away; it resumes from its own last seq
        except Exception as exc:
            log.warning("stream to %s ended: %s", self.account.username, exc)
            with contextlib.suppress(Exception):
                await _refuse(
                    self.websocket,
                    ApiError(503, "unavailable", f"The event log is not available: {exc}"),
                    CLOSE_UNAVAILABLE,
                )
        finally:
            feed.leave(self)
            listener.cancel()
            watcher.cancel()

    async def _send_state(self) -> None:
        """The folded state, so a workstation far behind is current before its copy is."""
        state = await asyncio.wrap_future(self.services.backend.snapshot())
        if state.last_seq == 0:
            return
        if not self.view.everything:
            state = await asyncio.to_thread(restricted_state, state, self.view)
        blob = await asyncio.to_thread(state.to_bytes)
        (event,) = await asyncio.wrap_future(self.services.backend.events_at([state.last_seq]))
        await self.websocket.send_text(
            json.dumps(
                {
                    "kind": "state",
                    "seq": state.last_seq,
                    "hash": event.hash.hex(),
                    "fold_version": FOLD_VERSION,
                    "state": base64.b64encode(blob).decode("ascii"),
                }
            )
        )

    async def _backlog(self, after: int, until: int) -> int:
        cursor = after
        while cursor < until:
            if self.chain and self.view.everything:
                page = await asyncio.to_thread(
                    self.services.log.read_chain_page, cursor, until, _CHAIN_PAGE
                )
                if page is None:
                    break
                await self.websocket.send_text(page[0])
                cursor = page[1]
                continue
            records: list[EventRecord] = await asyncio.wrap_future(
                self.services.backend.read_after(cursor, min(_PAGE, until - cursor))
            )
            if not records:
                break
            await self.websocket.send_text(await asyncio.to_thread(self._page, records))
            cursor = records[-1].seq
        return cursor

    def _page(self, records: list[EventRecord]) -> str:
        """A backlog page as this stream's view receives it, in the format it asked for."""
        if not self.view.everything:
            resolver = self.resolver
            records = as_seen(records, resolver.districts_of(records), self.view)
        if self.chain:
            return chain_message(records[0].prev_hash, records[-1].hash, chain_rows_json(records))
        return events_message(records)

    async def _live(self, cursor: int) -> None:
        while True:
            items = [await self.queue.get()]
            while not self.queue.empty():
                items.append(self.queue.get_nowait())
            if self.too_slow:
                await self._close(
                    429,
                    "too_slow",
                    "This workstation fell behind; it resumes from its last event.",
                    CLOSE_TOO_SLOW,
                )
                return
            messages: list[LiveMessage] = []
            for item in items:
                if isinstance(item, LiveMessage):
                    messages.append(item)
                elif item is _CLIENT_GONE:
                    return  # the client closed (or sent something unusable)
                elif not await self._still_allowed():
                    return
            if messages:
                cursor = await self._send_live(cursor, messages)

    async def _send_live(self, cursor: int, messages: list[LiveMessage]) -> int:
        first = messages[0].records[0].seq
        if first > cursor + 1:
            # Folded before the backlog reached it: read what lies between from the log.
            cursor = await self._backlog(cursor, first - 1)
        fresh = [m for m in messages if m.records[-1].seq > cursor]
        if not fresh:
            return cursor
        view = self.view
        if fresh[0].records[0].seq <= cursor:
            # Partly sent by the backlog already: this one frame is encoded on its own.
            head = [r for r in fresh[0].records if r.seq > cursor]
            if not view.everything:
                head = as_seen(head, self.resolver.districts_of(head), view)
            text = _frame(
                ",".join([_records_inner(head), *(m.inner_for(view) for m in fresh[1:])])
            )
        elif len(fresh) == 1:
            text = fresh[0].text_for(view)
        else:
            text = _frame(",".join(m.inner_for(view) for m in fresh))
        await self.websocket.send_text(text)
        return fresh[-1].records[-1].seq

    async def _still_allowed(self) -> bool:
        """Whether the token is still valid and the account still enabled; closes the
        stream with 4401 and the reason when not."""
        from server.app import ApiError, authenticated

        if self.expires_ms / 1000 - time.time() <= 0:
            await self._close(401, "token_expired", "The token expired; log in again.")
            return False
        try:
            account = await authenticated(self.services, self.token, self.cache)
        except ApiError as exc:
            await self._close(exc.status, exc.code, exc.message)
            return False
        except Exception as exc:  # the database is away: the next check tries again
            log.info("could not re-check the account of %s: %s", self.account.username, exc)
            return True
        if view_of(account) != self.view:
            # Its replica holds the old view's withholdings: it signs in again and is given
            # the replica of the new view.
            await self._close(
                401, "view_changed", "The account's districts changed; sign in again."
            )
            return False
        return True

    async def _close(self, status: int, code: str, message: str, close: int = CLOSE_TOKEN) -> None:
        from server.app import ApiError

        await _refuse(self.websocket, ApiError(status, code, message), close)

    async def _watch(self) -> None:
        """Ask for a check of the token and the account every few seconds, and at expiry."""
        while True:
            left_s = self.expires_ms / 1000 - time.time()
            await asyncio.sleep(max(0.0, min(left_s, _RECHECK_S)))
            self.queue.put_nowait(_CHECK)

    async def _listen(self) -> None:
        """Take token refreshes from the client; return when it closes."""
        from server.app import ApiError, authenticated

        while True:
            try:
                text = await self.websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if not isinstance(message, dict) or message.get("kind") != "token":
                continue
            token = message.get("token")
            if not isinstance(token, str):
                continue
            try:
                account = await authenticated(self.services, token, self.cache)
                claims = self.services.tokens.verify(token)
            except ApiError:
                continue  # the old token stands until it expires
            if account.username == self.account.username:
                self.token, self.expires_ms = token, claims.expires_ms


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _reason(message: str) -> str:
    data = message.encode("utf-8")[:_REASON_BYTES]
    return data.decode("utf-8", errors="ignore")


async def _refuse(websocket: WebSocket, error: Any, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(
            json.dumps({"kind": "error", "error": error.code, "message": error.message})
        )
        await websocket.close(code, reason=_reason(error.message))
