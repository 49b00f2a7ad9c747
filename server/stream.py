"""The live event stream: ``GET /v1/stream?after=N`` as a WebSocket.

A workstation gets every event after N exactly once and in order: first the backlog, read
straight from the database in pages (so a workstation back from an hour offline does not hold
up anyone else), then each batch as this process folds it, whether it was appended here or by
another server process (LISTEN/NOTIFY). The subscription starts *before* the backlog is read,
so nothing falls between the two; what both deliver is sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from core.events import EventRecord, EventType
from core.remote.wire import PROTOCOL_HEADER, record_to_json
from server.roles import Account

log = logging.getLogger("cityroom.server.stream")

_PAGE = 5000
_MAX_BEHIND = 20_000  # live batches queued for one slow client before it is told to resume
CLOSE_TOKEN = 4401
CLOSE_PROTOCOL = 4426
CLOSE_UNAVAILABLE = 4503
CLOSE_TOO_SLOW = 4429


class EncodedBatches:
    """Each live batch is encoded to JSON once, however many workstations it goes to."""

    def __init__(self, size: int = 256) -> None:
        self._cache: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._size = size

    def encode(self, records: list[EventRecord]) -> str:
        """The ``events`` message for ``records``."""
        key = (records[0].seq, records[-1].seq)
        text = self._cache.get(key)
        if text is None:
            text = events_message(records)
            self._cache[key] = text
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return text


def events_message(records: list[EventRecord]) -> str:
    """One ``events`` frame."""
    return json.dumps(
        {"kind": "events", "records": [record_to_json(r) for r in records]},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def install_stream(app: FastAPI, services: Any, cache: dict[str, Any]) -> None:
    """Add the WebSocket route to ``app`` (``services`` is the app's ServerServices)."""
    from server.app import ApiError, authenticated, check_protocol

    encoded = EncodedBatches()

    @app.websocket("/v1/stream")
    async def stream(websocket: WebSocket, after: int = 0) -> None:
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
        session = _StreamSession(websocket, services, account, expires_ms, encoded, cache)
        await session.run(after)


class _StreamSession:
    """One open stream."""

    def __init__(
        self,
        websocket: WebSocket,
        services: Any,
        account: Account,
        expires_ms: int,
        encoded: EncodedBatches,
        cache: dict[str, Any],
    ) -> None:
        self.websocket = websocket
        self.services = services
        self.account = account
        self.expires_ms = expires_ms
        self.encoded = encoded
        self.cache = cache
        self.batches: asyncio.Queue[list[EventRecord]] = asyncio.Queue()
        self.too_slow = False

    def _on_batch(self, loop: asyncio.AbstractEventLoop, batch: list[EventRecord]) -> None:
        # The writer thread: hand over and return at once.
        loop.call_soon_threadsafe(self._queue_batch, batch)

    def _queue_batch(self, batch: list[EventRecord]) -> None:
        if self.batches.qsize() >= _MAX_BEHIND:
            self.too_slow = True
            return
        self.batches.put_nowait(batch)

    async def run(self, after: int) -> None:
        from server.app import ApiError

        loop = asyncio.get_running_loop()
        backend = self.services.backend
        try:
            subscription, live_from = await asyncio.to_thread(
                backend.subscribe_live, lambda batch: self._on_batch(loop, batch)
            )
        except Exception as exc:
            await _refuse(
                self.websocket,
                ApiError(503, "unavailable", f"The event log is not available: {exc}"),
                CLOSE_UNAVAILABLE,
            )
            return
        listener = asyncio.create_task(self._listen())
        try:
            await self.websocket.send_text(
                json.dumps(
                    {
                        "kind": "hello",
                        "last_seq": live_from,
                        "log_id": self.services.log.log_id,
                        "instance": self.services.instance,
                    }
                )
            )
            cursor = await self._backlog(after, live_from)
            await self._live(cursor, listener)
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
            subscription.cancel()
            listener.cancel()

    async def _backlog(self, after: int, until: int) -> int:
        cursor = after
        while cursor < until:
            page: list[EventRecord] = await asyncio.wrap_future(
                self.services.backend.read_after(cursor, min(_PAGE, until - cursor))
            )
            if not page:
                break
            await self.websocket.send_text(events_message(page))
            cursor = page[-1].seq
        return cursor

    async def _live(self, cursor: int, listener: asyncio.Task[None]) -> None:
        from server.app import ApiError

        while True:
            if self.too_slow:
                await _refuse(
                    self.websocket,
                    ApiError(
                        429, "too_slow", "This workstation fell behind; it resumes from its last."
                    ),
                    CLOSE_TOO_SLOW,
                )
                return
            left_s = self.expires_ms / 1000 - time.time()
            if left_s <= 0:
                await _refuse(
                    self.websocket,
                    ApiError(401, "token_expired", "The token expired; log in again."),
                    CLOSE_TOKEN,
                )
                return
            getter = asyncio.ensure_future(self.batches.get())
            done, _ = await asyncio.wait(
                {getter, listener}, timeout=min(left_s, 5.0), return_when=asyncio.FIRST_COMPLETED
            )
            if listener in done:
                getter.cancel()
                return  # the client closed (or sent something unusable)
            if getter not in done:
                getter.cancel()
                continue
            batch = [r for r in getter.result() if r.seq > cursor]
            if not batch:
                continue
            if batch[0].seq != cursor + 1:
                # Folded before the backlog reached it: read what lies between from the log.
                cursor = await self._backlog(cursor, batch[0].seq - 1)
                batch = [r for r in batch if r.seq > cursor]
                if not batch:
                    continue
            text = (
                self.encoded.encode(batch)
                if len(batch) == len(getter.result())
                else events_message(batch)
            )
            await self.websocket.send_text(text)
            cursor = batch[-1].seq

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
                self.expires_ms = claims.expires_ms


def _bearer(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _refuse(websocket: WebSocket, error: Any, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(
            json.dumps({"kind": "error", "error": error.code, "message": error.message})
        )
        await websocket.close(code)
