"""A small HTTP server in a thread, for the agency simulator and the centre's inbound listener.

The standard library's ``ThreadingHTTPServer`` is enough for both: real sockets and HTTP/1.1
keep-alive, a thread per connection (so one slow or hanging exchange holds up no other), no
dependency, hundreds of requests a second on one machine. This wrapper adds what both need:
a plain ``handle(Request) -> Reply`` function instead of a handler class, a body size limit
checked before the body is read, and a ``stop()`` that ends kept-alive connections too, so no
handler thread outlives it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("cityroom.http")


@dataclass(frozen=True, slots=True)
class Request:
    """One request, read. ``oversize`` is the declared length when the body was too large to
    read (``body`` is then empty)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes
    remote: str
    oversize: int | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header ("" when absent)."""
        return self.headers.get("content-type", "")


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer: a JSON object, or text (``content_type`` says which kind)."""

    status: int
    content: dict[str, Any] | str
    content_type: str = ""


Handle = Callable[[Request], Reply | None]
"""Answers a request; None sends no answer and closes the connection (a hanging agency)."""


class HttpService:
    """``handle`` served on ``host:port`` (0: a free port) until ``stop()``; over TLS with
    ``tls`` (a server-side context holding the certificate)."""

    def __init__(
        self,
        handle: Handle,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "http",
        max_body: int = 8 * 1024 * 1024,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.handle = handle
        self.host = host
        self.port = port
        self.name = name
        self.max_body = max_body
        self.tls = tls
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    @property
    def running(self) -> bool:
        """Whether it is listening."""
        return self._server is not None

    def start(self) -> HttpService:
        """Bind and serve (returns at once); ``OSError`` when the port cannot be had."""
        with self._lock:
            if self._server is not None:
                return self
            server = _Server((self.host, self.port), _Handler)
            if self.tls is not None:
                server.socket = self.tls.wrap_socket(server.socket, server_side=True)
            server.service = self
            self.port = server.server_address[1]
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=self.name,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and end every connection; returns when no handler is left."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None or thread is None:
            return
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes handler threads waiting for the next request on a kept-alive connection.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()  # joins the handler threads
        thread.join()

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined at close: no handler thread is left behind
    block_on_close = True
    service: HttpService

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request is routine; anything else is logged."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            log.exception("%s: request from %s failed", self.service.name, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # the client's delayed ACK hold every answer back by tens of milliseconds.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.service._track(self.connection, True)

    def finish(self) -> None:
        self.server.service._track(self.connection, False)
        with contextlib.suppress(OSError):  # the client is gone
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the services log what matters themselves."""

    def do_GET(self) -> None:
        self._serve(b"", None)

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.server.service.max_body:
            self.close_connection = True  # the body is not read: the connection cannot go on
            self._serve(b"", max(length, 0) or self.server.service.max_body + 1)
            return
        self._serve(self.rfile.read(length), None)

    def _serve(self, body: bytes, oversize: int | None) -> None:
        url = urlsplit(self.path)
        request = Request(
            self.command,
            url.path,
            {k: v[0] for k, v in parse_qs(url.query).items()},
            {k.lower(): v for k, v in self.headers.items()},
            body,
            self.client_address[0],
            oversize,
        )
        try:
            reply = self.server.service.handle(request)
        except Exception as exc:  # a bug answers 500 and keeps the server up
            reply = Reply(500, {"reason": f"internal error: {exc!r}"})
        if reply is None:
            self.close_connection = True
            return
        self._answer(reply)

    def _answer(self, reply: Reply) -> None:
        if isinstance(reply.content, str):
            data = reply.content.encode("utf-8")
            kind = reply.content_type or "text/plain; charset=utf-8"
        else:
            data = json.dumps(reply.content, ensure_ascii=False).encode("utf-8")
            kind = reply.content_type or "application/json"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client gave up (a timeout): nothing to tell
