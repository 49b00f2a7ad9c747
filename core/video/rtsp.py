"""RTSP specifics of opening a camera: the transport each camera uses, and, when a camera turns
the stream down, the reason it gave (a refused login, an unsupported transport, a wrong path).

OpenCV takes FFmpeg's RTSP options only from one process-wide environment variable, read at
every open. :func:`transport_options` sets it for one open at a time per value, so cameras with
different transports each get their own. OpenCV reports a failed open as nothing more than
"not opened"; :func:`diagnose_refusal` then asks the camera itself, as a player would, and turns
its status code into a sentence an operator can act on. Credentials never leave this module in
a message.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from core.errors import CityroomError


class RtspTransport(StrEnum):
    """How RTP packets travel from an RTSP camera."""

    TCP = "tcp"  # interleaved on the RTSP connection: passes firewalls and NAT, loses nothing
    UDP = "udp"  # separate UDP ports: lower latency on a clean network, lossy across routers


class StreamRefused(CityroomError):
    """The camera answered but turned the stream down; the message says why and what to do."""


# -- the transport option ------------------------------------------------------------------

_OPTIONS_VARIABLE = "OPENCV_FFMPEG_CAPTURE_OPTIONS"
# Options an operator put in the variable for every stream ("key;value" pairs joined by "|",
# OpenCV's syntax) are kept; only the transport is decided per camera.
_OPERATOR_OPTIONS = "|".join(
    pair
    for pair in os.environ.get(_OPTIONS_VARIABLE, "").split("|")
    if pair and pair.split(";", 1)[0] != "rtsp_transport"
)
# OpenCV also holds one process-wide lock for the whole of every FFmpeg open, so without this a
# camera that does not answer holds up every other camera's open for its full open timeout
# (measured: a live stream's 1.2 s open took 4.9 s next to a silent one). FFmpeg has been
# thread-safe for separate streams since 4.0; the bundled one is far newer.
os.environ.setdefault("OPENCV_FFMPEG_IS_THREAD_SAFE", "1")


def _options_value(transport: RtspTransport) -> str:
    return "|".join(filter(None, (_OPERATOR_OPTIONS, f"rtsp_transport;{transport.value}")))


# The variable exists from here on and is only ever replaced, never removed: removing or adding a
# variable rearranges the C environment under other threads' getenv calls, replacing one does not.
os.environ[_OPTIONS_VARIABLE] = _options_value(RtspTransport.TCP)


class _OptionsGate:
    """Admits any number of opens that need the variable's current value at once; an open that
    needs the other value waits until those have finished, then switches it.

    OpenCV reads the variable early in the open, but nothing tells us when, so an open holds the
    gate until OpenCV returns. Grouping by value keeps that cheap: cameras that share a transport
    (usually all of them) open in parallel, and only an open of the other transport waits, at
    most one open timeout. Once an open of the other value is waiting, newcomers of the current
    value queue behind it, so neither transport can starve the other.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._value = _options_value(RtspTransport.TCP)
        self._holders = 0
        self._phase = 0  # counts switches of the value
        self._closing = False  # an open of another value waits: admit no newcomers
        self._waiting: Counter[str] = Counter()

    @contextmanager
    def holding(self, value: str) -> Iterator[None]:
        """Hold the variable at ``value`` for the duration of the block."""
        with self._changed:
            arrived = self._phase
            if value != self._value and self._holders:
                self._closing = True
            self._waiting[value] += 1
            while not self._admits(value, arrived):
                self._changed.wait()
            self._waiting[value] -= 1
            if value != self._value:
                os.environ[_OPTIONS_VARIABLE] = value
                self._value = value
                self._phase += 1
                self._closing = any(n for other, n in self._waiting.items() if other != value)
                self._changed.notify_all()  # those that waited for this value may enter too
            self._holders += 1
        try:
            yield
        finally:
            with self._changed:
                self._holders -= 1
                if not self._holders:
                    self._changed.notify_all()

    def _admits(self, value: str, arrived: int) -> bool:
        if value == self._value:
            # Opens that waited through a switch to this value enter with it even when another
            # value is queued already; only later arrivals hold back.
            return not self._closing or arrived < self._phase
        return self._holders == 0


_GATE = _OptionsGate()


@contextmanager
def transport_options(transport: RtspTransport) -> Iterator[None]:
    """Make an OpenCV open inside the block use ``transport`` (and the operator's own options)."""
    with _GATE.holding(_options_value(transport)):
        yield


# -- asking the camera why -----------------------------------------------------------------

_RTSPS_PORT = 322
_RTSP_PORT = 554
_MAX_HEADER = 64 * 1024
_BUSY_RETRIES = 3
_BUSY_PAUSE_S = 0.1
_STATUS = re.compile(r"RTSP/\d\.\d (\d{3}) ?(.*)")
_AUTH_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')


class _NoAnswer(Exception):
    """The server did not answer like an RTSP server in time."""


def diagnose_refusal(url: str, transport: RtspTransport, timeout_s: float) -> str | None:
    """Why the RTSP server at ``url`` turns the stream down over ``transport``, as a sentence
    with the fix; None when it does not (or does not answer within ``timeout_s``).

    Asks the way a player does: DESCRIBE (logging in with the URL's user and password when the
    server asks for it), then SETUP of the first stream over the transport, then TEARDOWN. The
    sentence never contains the URL or its credentials.
    """
    parts = urlsplit(url)
    host = parts.hostname
    if not host or parts.scheme.lower() not in ("rtsp", "rtsps"):
        return None
    secure = parts.scheme.lower() == "rtsps"
    try:
        port = parts.port or (_RTSPS_PORT if secure else _RTSP_PORT)
    except ValueError:
        return None
    user = None if parts.username is None else unquote(parts.username)
    password = unquote(parts.password or "")
    shown_host = f"[{host}]" if ":" in host else host
    netloc = shown_host if parts.port is None else f"{shown_host}:{parts.port}"
    address = urlunsplit(parts._replace(netloc=netloc))  # without the credentials
    deadline = time.monotonic() + timeout_s
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as raw:
            if secure:
                # A player does not check a camera's (usually self-signed) certificate either;
                # this only reads status codes from the server the player just talked to.
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                with context.wrap_socket(raw, server_hostname=host) as wrapped:
                    return _Conversation(wrapped, deadline, user, password).diagnose(
                        address, transport
                    )
            return _Conversation(raw, deadline, user, password).diagnose(address, transport)
    except (OSError, _NoAnswer, ValueError, UnicodeError):
        return None


def _login_problem(user: str | None) -> str:
    if user is None:
        return (
            "the camera needs a user name and password (RTSP 401 Unauthorized): add them to "
            "the stream address as rtsp://USER:PASSWORD@host/..."
        )
    return (
        "the camera refused the user name or password (RTSP 401 Unauthorized): correct them "
        "in the stream address"
    )


def _status_problem(status: int, reason: str) -> str:
    said = f"RTSP {status} {reason}".strip()
    if status == 403:
        return (
            f"the camera does not let this user see the stream ({said}): give the user live "
            "view rights on the camera, or use another user"
        )
    if status == 404:
        return f"the camera has no stream at this path ({said}): check the path in the address"
    if status >= 500:
        return (
            f"the camera reported an error ({said}): it may be busy or restarting; Cityroom "
            "keeps retrying"
        )
    return f"the camera turned the stream down ({said})"


def _transport_problem(transport: RtspTransport, status: int, reason: str) -> str:
    other = RtspTransport.UDP if transport is RtspTransport.TCP else RtspTransport.TCP
    said = f"RTSP {status} {reason}".strip()
    return (
        f"the camera does not send this stream over {transport.value.upper()} ({said}): "
        f'set transport = "{other.value}" for this camera in the stream registry'
    )


class _Conversation:
    """One RTSP connection: requests with sequence numbers and, when asked, a login."""

    def __init__(
        self, sock: socket.socket, deadline: float, user: str | None, password: str
    ) -> None:
        self._sock = sock
        self._deadline = deadline
        self._user = user
        self._password = password
        self._sequence = 0
        self._buffer = b""
        self._challenge: dict[str, str] | None = None  # the server's Digest parameters
        self._basic = False
        self._nonce_count = 0

    def diagnose(self, address: str, transport: RtspTransport) -> str | None:
        describe = {"Accept": "application/sdp"}
        status, reason, headers, body = self._ask("DESCRIBE", address, describe)
        for _ in range(_BUSY_RETRIES):
            if status != 503:
                break
            # A server still tearing down the attempt that just failed can answer "busy" for a
            # few milliseconds; that is not why the stream was refused.
            time.sleep(min(_BUSY_PAUSE_S, self._remaining()))
            status, reason, headers, body = self._ask("DESCRIBE", address, describe)
        if status == 401:
            return _login_problem(self._user)
        if status != 200:
            return _status_problem(status, reason)
        base = headers.get("content-base") or headers.get("content-location") or address
        control = _first_control(body.decode("utf-8", "replace"), base)
        if transport is RtspTransport.TCP:
            offer = "RTP/AVP/TCP;unicast;interleaved=0-1"
        else:
            # Nothing is sent to these ports before PLAY, which this never asks for.
            offer = "RTP/AVP;unicast;client_port=50000-50001"
        status, reason, headers, _ = self._ask("SETUP", control, {"Transport": offer})
        if status == 200:
            session = headers.get("session", "").split(";", 1)[0]
            if session:
                self._ask("TEARDOWN", address, {"Session": session})
            return None
        if status == 401:
            return _login_problem(self._user)
        if status == 461:
            return _transport_problem(transport, status, reason)
        return _status_problem(status, reason)

    def _ask(
        self, method: str, address: str, extra: dict[str, str]
    ) -> tuple[int, str, dict[str, str], bytes]:
        reply = self._exchange(method, address, extra)
        if reply[0] == 401 and self._user is not None:
            first = not self._logged_in()
            stale = self._learn_challenge(reply[2].get("www-authenticate", ""))
            # One try with the credentials (again only for an expired nonce): a camera counts
            # every refused login, and many lock the account after a few.
            if self._logged_in() and (first or stale):
                reply = self._exchange(method, address, extra)
        return reply

    def _logged_in(self) -> bool:
        return self._basic or self._challenge is not None

    def _learn_challenge(self, offers: str) -> bool:
        """Take the login the server offers; True if it only says our nonce expired."""
        # Headers of the same name arrive joined by "\n"; Digest is preferred, as players do.
        for offer in offers.split("\n"):
            scheme, _, rest = offer.strip().partition(" ")
            if scheme.lower() == "digest":
                params = {m[1].lower(): m[2] or m[3] for m in _AUTH_PARAM.finditer(rest)}
                if "nonce" in params:
                    self._challenge = params
                    return params.get("stale", "").lower() == "true"
        self._basic = any(o.strip().lower().startswith("basic") for o in offers.split("\n"))
        return False

    def _authorization(self, method: str, address: str) -> str | None:
        if self._user is None:
            return None
        if self._challenge is not None:
            return self._digest(method, address, self._challenge)
        if self._basic:
            token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode()
            return f"Basic {token}"
        return None

    def _digest(self, method: str, address: str, challenge: dict[str, str]) -> str:
        realm, nonce = challenge.get("realm", ""), challenge["nonce"]
        algorithm = challenge.get("algorithm", "MD5")
        name = "sha256" if algorithm.upper().startswith("SHA-256") else "md5"

        def digest(text: str) -> str:
            return hashlib.new(name, text.encode()).hexdigest()

        secret = digest(f"{self._user}:{realm}:{self._password}")
        request = digest(f"{method}:{address}")
        fields = {"username": self._user or "", "realm": realm, "nonce": nonce, "uri": address}
        qop = challenge.get("qop", "")
        if "auth" in [q.strip() for q in qop.split(",")]:
            self._nonce_count += 1
            count, cnonce = f"{self._nonce_count:08x}", secrets.token_hex(8)
            fields["response"] = digest(f"{secret}:{nonce}:{count}:{cnonce}:auth:{request}")
            quoted = ", ".join(f'{k}="{v}"' for k, v in fields.items())
            header = f'Digest {quoted}, qop=auth, nc={count}, cnonce="{cnonce}"'
        else:
            fields["response"] = digest(f"{secret}:{nonce}:{request}")
            header = "Digest " + ", ".join(f'{k}="{v}"' for k, v in fields.items())
        if "opaque" in challenge:
            header += f', opaque="{challenge["opaque"]}"'
        if "algorithm" in challenge:
            header += f", algorithm={algorithm}"
        return header

    def _exchange(
        self, method: str, address: str, extra: dict[str, str]
    ) -> tuple[int, str, dict[str, str], bytes]:
        self._sequence += 1
        lines = [f"{method} {address} RTSP/1.0", f"CSeq: {self._sequence}"]
        lines += ["User-Agent: Cityroom", *(f"{k}: {v}" for k, v in extra.items())]
        authorization = self._authorization(method, address)
        if authorization is not None:
            lines.append(f"Authorization: {authorization}")
        self._send(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n").decode("iso-8859-1")
        status_line, *header_lines = head.split("\r\n")
        match = _STATUS.fullmatch(status_line.strip())
        if match is None:
            raise _NoAnswer
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                key = name.strip().lower()
                headers[key] = (
                    f"{headers[key]}\n{value.strip()}" if key in headers else value.strip()
                )
        length = int(headers.get("content-length", "0") or 0)
        body = self._read_exactly(length)
        reason = "".join(c for c in match[2] if c.isprintable())[:60]
        return int(match[1]), reason, headers, body

    def _send(self, data: bytes) -> None:
        self._sock.settimeout(self._remaining())
        self._sock.sendall(data)

    def _remaining(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise _NoAnswer
        return left

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            if len(self._buffer) > _MAX_HEADER:
                raise _NoAnswer
            self._fill()
        head, _, self._buffer = self._buffer.partition(marker)
        return head

    def _read_exactly(self, count: int) -> bytes:
        if count > _MAX_HEADER:
            raise _NoAnswer
        while len(self._buffer) < count:
            self._fill()
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _fill(self) -> None:
        self._sock.settimeout(self._remaining())
        chunk = self._sock.recv(4096)
        if not chunk:
            raise _NoAnswer
        self._buffer += chunk


def _first_control(sdp: str, base: str) -> str:
    """The address to SETUP: the first media's ``a=control``, resolved against ``base``."""
    session_control = ""
    media_control = None
    in_media = False
    for line in sdp.splitlines():
        line = line.strip()
        if line.startswith("m="):
            if in_media and media_control is not None:
                break
            in_media = True
        elif line.startswith("a=control:"):
            value = line[len("a=control:") :].strip()
            if in_media:
                media_control = value
            else:
                session_control = value
    control = media_control if media_control is not None else session_control
    if not control or control == "*":
        return base
    if "://" in control:
        return control
    return urljoin(base if base.endswith("/") else base + "/", control)
