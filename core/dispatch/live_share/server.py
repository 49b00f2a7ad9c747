"""The live-share server: grants by token, and ``GET /live/<token>`` answered with the
camera's MJPEG stream until the grant ends (see the package's docstring)."""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from core.clock import Clock, SystemClock, iso_ms
from core.dispatch.live_share.frames import (
    MAX_FPS,
    CameraFeed,
    FrameSource,
    Masks,
    frame_encoder,
)
from core.dispatch.live_share.links import MAX_VALIDITY_MS, Grant, derived_token, links_in
from core.events import CameraViewed, NewEvent

if TYPE_CHECKING:
    from core.dispatch.model import Packet
    from core.video.redaction import Redactor

log = logging.getLogger("cityroom.live_share")
SOURCE = "live-share"
MAX_VIEWERS = 4  # at once on one link: a link passed around is not a broadcast
BOUNDARY = "cityroom-frame"

Record = Callable[[list[NewEvent]], object]
"""Where viewings are recorded (the app passes ``backend.publish``)."""


class LiveShare:
    """The centre's live-link server: grants, and their streams on ``host:port`` (0: a free
    port) from ``start()`` to ``stop()``. ``secret`` derives the packets' tokens (None: a
    random one, so links do not outlive the process); ``public_url`` is the address the
    agencies open when it is not ``http://host:port`` (a TLS proxy in front)."""

    def __init__(
        self,
        frames_for: Callable[[str], FrameSource],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        clock: Clock | None = None,
        secret: bytes | None = None,
        record: Record | None = None,
        masks: Masks | None = None,
        redactor: Redactor | None = None,
        public_url: str | None = None,
        fps: float = MAX_FPS,
    ) -> None:
        self.host, self.port = host, port
        self.public_url = public_url.rstrip("/") if public_url else None
        self._frames_for = frames_for
        self._clock = clock or SystemClock()
        self._secret = secret or secrets.token_bytes(32)
        self._record = record
        self._masks = masks
        self._redactor = redactor
        self._fps = fps
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self._revoked: set[str] = set()
        self._watching: dict[str, int] = {}  # viewers now, by token
        self._feeds: dict[str, CameraFeed] = {}
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the agencies reach the share."""
        if self.public_url:
            return self.public_url
        if not self.port:
            raise RuntimeError("the live share has no port yet: start it, or give a port")
        return f"http://{self.host}:{self.port}"

    # -- grants ---------------------------------------------------------------------------

    def link_for(self, distribution_id: str, camera_id: str) -> str:
        """The URL a packet's link to ``camera_id`` has (nothing is granted)."""
        return f"{self.url}/live/{derived_token(self._secret, distribution_id, camera_id)}"

    def grant(
        self,
        camera_id: str,
        agency_id: str,
        incident_id: str,
        expires_ms: int,
        *,
        distribution_id: str | None = None,
    ) -> Grant:
        """Share ``camera_id`` with ``agency_id`` until ``expires_ms`` (at most 24 h ahead);
        the token is random, or derived from ``distribution_id`` (a packet's link)."""
        now = self._clock.now_ms()
        if not now < expires_ms <= now + MAX_VALIDITY_MS:
            raise ValueError(
                f"a live link to {camera_id} must end after now and within 24 h; "
                f"{iso_ms(expires_ms)} is not: choose a validity of up to 24 hours"
            )
        if distribution_id is None:
            token = secrets.token_urlsafe(32)
        else:
            token = derived_token(self._secret, distribution_id, camera_id)
        grant = Grant(
            token,
            f"{self.url}/live/{token}",
            camera_id,
            agency_id,
            incident_id,
            expires_ms,
            distribution_id,
        )
        with self._lock:
            if token in self._revoked:
                raise ValueError(f"the live link {grant.prefix}… was revoked: draft a new packet")
            self._grants[token] = grant
        return grant

    def admit(self, grants: Iterable[Grant]) -> list[Grant]:
        """Register links made for packets (a packet just queued, the log after a restart):
        those whose token this share derived, not revoked, not expired; returns them."""
        now = self._clock.now_ms()
        admitted: list[Grant] = []
        for grant in grants:
            if grant.distribution_id is None or not now < grant.expires_ms:
                continue
            expected = derived_token(self._secret, grant.distribution_id, grant.camera_id)
            if grant.expires_ms > now + MAX_VALIDITY_MS or not hmac.compare_digest(
                expected, grant.token
            ):
                continue
            with self._lock:
                if grant.token not in self._revoked:
                    self._grants.setdefault(grant.token, grant)
                    admitted.append(grant)
        return admitted

    def admit_packet(self, packet: Packet) -> list[Grant]:
        """Register the live links of a packet that was queued."""
        return self.admit(links_in(packet.model_dump(mode="json")))

    def revoke(self, token: str) -> bool:
        """End a grant now (its viewers are cut off); False when the token is unknown."""
        with self._lock:
            self._revoked.add(token)
            return self._grants.pop(token, None) is not None

    def grants(self) -> list[Grant]:
        """The grants not yet expired."""
        now = self._clock.now_ms()
        with self._lock:
            return [g for g in self._grants.values() if g.expires_ms > now]

    def active_cameras(self) -> tuple[str, ...]:
        """The cameras being captured for viewers now."""
        with self._lock:
            return tuple(sorted(self._feeds))

    # -- serving --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether it is listening."""
        return self._server is not None

    def start(self) -> LiveShare:
        """Bind and serve (returns at once); ``OSError`` when the port cannot be had."""
        with self._lock:
            if self._server is None:
                self._stopping.clear()
                server = _Server((self.host, self.port), _Handler)
                server.share = self
                self.port = server.server_address[1]
                self._server = server
                self._thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name="live share",
                    daemon=True,
                )
                self._thread.start()
        return self

    def stop(self) -> None:
        """Cut every viewer off, stop the captures and stop listening."""
        self._stopping.set()
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None and thread is not None:
            server.shutdown()
            with self._lock:
                connections = list(self._connections)
            for connection in connections:  # wakes handlers waiting for a request line
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            server.server_close()  # joins the handler threads, which release their feeds
            thread.join()

    def _track(self, connection: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def _open(self, token: str, remote: str) -> tuple[Grant, CameraFeed] | tuple[int, str]:
        """A viewer arrives: its grant and the camera's feed, or the status and reason."""
        now = self._clock.now_ms()
        with self._lock:
            grant = self._grants.get(token)
            if token in self._revoked:
                return 410, "This live link was revoked by the centre."
            if grant is None:
                return 404, "There is no such live link."
            if grant.expires_ms <= now:
                return 410, f"This live link expired at {iso_ms(grant.expires_ms)}."
            if self._watching.get(token, 0) >= MAX_VIEWERS:
                return 429, f"This live link is already open {MAX_VIEWERS} times."
            feed = self._feeds.get(grant.camera_id)
            if feed is None:
                try:
                    source = self._frames_for(grant.camera_id)
                except Exception as error:  # a camera without a usable address
                    return 503, f"Camera {grant.camera_id} cannot be shown now: {error}"
                encode = frame_encoder(grant.camera_id, self._masks, self._redactor)
                feed = CameraFeed(grant.camera_id, source, encode, self._fps)
                self._feeds[grant.camera_id] = feed
            feed.viewers += 1
            first = feed.viewers == 1
            self._watching[token] = self._watching.get(token, 0) + 1
        if first:
            feed.start()
        try:
            self._log(grant, "open", remote)
        except Exception as error:  # a viewing that cannot be logged is not shown
            self._close(grant, feed, remote, logged=False)
            return 503, f"The viewing cannot be logged, so it is not shown: {error}"
        return grant, feed

    def _close(self, grant: Grant, feed: CameraFeed, remote: str, logged: bool = True) -> None:
        with self._lock:
            feed.viewers -= 1
            self._watching[grant.token] -= 1
            if not self._watching[grant.token]:
                del self._watching[grant.token]
            idle = feed.viewers == 0 and self._feeds.get(feed.camera_id) is feed
            if idle:
                del self._feeds[feed.camera_id]
        if idle:
            feed.stop()
        if logged:
            try:
                self._log(grant, "close", remote)
            except Exception:
                log.exception("the end of a viewing of %s cannot be logged", grant.camera_id)

    def _showing(self, grant: Grant) -> bool:
        return (
            not self._stopping.is_set()
            and grant.token in self._grants
            and self._clock.now_ms() < grant.expires_ms
        )

    def _log(self, grant: Grant, action: str, remote: str) -> None:
        if self._record is not None:
            purpose = f"shared live link {grant.prefix} from {remote}"
            event = CameraViewed(grant.camera_id, purpose, action, grant.incident_id)
            self._record([event.to_new(SOURCE, f"agency:{grant.agency_id}")])


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined at close: no viewer outlives the share
    block_on_close = True
    share: LiveShare

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A viewer that went away is routine; anything else is logged."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            log.exception("live share: request from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    """One viewer: a stream answers on its own connection, which closes when it ends."""

    protocol_version = "HTTP/1.1"
    timeout = 10.0  # a client that sends no request, or stops reading, is let go
    server: _Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):  # each frame goes out at once, not after an ACK
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.share._track(self.connection, True)

    def finish(self) -> None:
        self.server.share._track(self.connection, False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: viewings are recorded as events."""

    def do_GET(self) -> None:
        self.close_connection = True
        share = self.server.share
        _, marker, token = urlsplit(self.path).path.partition("/live/")
        if not marker or not token or "/" in token:
            self._plain(404, "Live links have the form /live/<token>.")
            return
        remote = self.client_address[0]
        opened = share._open(token, remote)
        if isinstance(opened[0], int):
            self._plain(opened[0], str(opened[1]))
            return
        grant, feed = opened
        assert isinstance(grant, Grant) and isinstance(feed, CameraFeed)
        try:
            self._stream(share, grant, feed)
        except OSError:
            pass  # the viewer closed the connection
        finally:
            share._close(grant, feed, remote)

    def _stream(self, share: LiveShare, grant: Grant, feed: CameraFeed) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        seq = 0
        while share._showing(grant):
            frame = feed.next_frame(seq, 0.1)
            if frame is not None:
                seq, jpeg = frame
                head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                head += f"Content-Length: {len(jpeg)}\r\n\r\n"
                self.wfile.write(head.encode("ascii") + jpeg + b"\r\n")
        self.wfile.write(f"--{BOUNDARY}--\r\n".encode("ascii"))

    def _plain(self, status: int, reason: str) -> None:
        data = (reason + "\n").encode("utf-8")
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
