"""How a rendered packet reaches an agency: HTTPS POST or a drop folder.

Every send returns a ``SendResult``: sent, delivered (the answer carried a receipt naming the
distribution id), or a failure that is either *retryable* (the agency is down, slow, busy or
answered nonsense: try again later) or *permanent* (the agency read the packet and refused
it: sending the same bytes again cannot help). The distribution id travels with every
request as the idempotency key, so a resend after a crash is recognised by the receiver.

HTTPS verifies the agency's certificate against its ``ca_file`` or the system store; plain
http is allowed only to this machine (the simulator, a local relay). Requests can carry a
client certificate and/or an HMAC signature over the timestamp, the id and the body digest.

An agency's registry entry becomes ``EndpointSettings`` (``endpoint_settings``: Test packets
go to its test endpoint); ``TransportPool`` opens one transport per endpoint on first use
and shares it between the send threads. The drop folder lives in ``drop_folder``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from core.clock import Clock, SystemClock
from core.dispatch.agencies import Agency, ClientCertAuth, Registry
from core.dispatch.model import DistributionStatus
from core.errors import CityroomError

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SIGNATURE_HEADER = "X-Signature"  # hex HMAC-SHA256, see signature()
TIMESTAMP_HEADER = "X-Signature-Timestamp"  # UTC milliseconds, as decimal text
IDEMPOTENCY_HEADER = "Idempotency-Key"
_REASON_CHARS = 300


class TransportConfigError(CityroomError):
    """An agency's endpoint settings cannot be used (bad URL, missing CA file, ...)."""


class Outcome(StrEnum):
    """What one delivery attempt achieved."""

    SENT = "sent"
    DELIVERED = "delivered"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one attempt, with what the operator should read about it."""

    outcome: Outcome
    detail: str  # the HTTP status or the file written; the error for a failure
    receipt: str = ""  # the agency's receipt (delivered only)
    retry_after_ms: int | None = None  # the agency's own Retry-After, when it gave one

    @property
    def reached(self) -> bool:
        """True when the agency has the packet (sent or delivered)."""
        return self.outcome in (Outcome.SENT, Outcome.DELIVERED)


class Transport(Protocol):
    """One agency's delivery channel."""

    kind: str  # "https", "http" or "folder": recorded in PacketSent.transport

    def send(self, distribution_id: str, body: bytes, content_type: str, fmt: str) -> SendResult:
        """Deliver one packet's bytes; never raises for network or receiver trouble."""
        ...

    def poll_receipt(self, distribution_id: str) -> str | None:
        """A receipt that arrived after the send (drop folders), or None."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """Everything a transport needs to know about one agency's endpoint."""

    agency_id: str
    transport: str  # "https" (also http to this machine) or "folder"
    url: str = ""
    folder: Path | None = None
    ca_file: Path | None = None  # None: the system's trusted certificates
    client_cert: Path | None = None
    client_key: Path | None = None
    hmac_key: bytes | None = None
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0


def body_digest(body: bytes) -> str:
    """SHA-256 of a body, hex."""
    return hashlib.sha256(body).hexdigest()


def signature(key: bytes, timestamp: str, distribution_id: str, body: bytes) -> str:
    """HMAC-SHA256(key, timestamp + "\\n" + distribution_id + "\\n" + sha256(body)), hex."""
    text = f"{timestamp}\n{distribution_id}\n{body_digest(body)}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()


def signature_ok(
    key: bytes, timestamp: str, distribution_id: str, body: bytes, given: str
) -> bool:
    """Whether ``given`` is the right signature (compared in constant time)."""
    return hmac.compare_digest(signature(key, timestamp, distribution_id, body), given.strip())


def receipt_from(body: bytes, distribution_id: str) -> str | None:
    """The receipt in an agency's answer if it names ``distribution_id``, else None.

    A JSON receipt ``{"distributionID": ..., "receipt": ...}`` gives its receipt (or its
    text); any other text that names the id (an XML acknowledgement) is the receipt itself.
    """
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        named = data.get("distributionID", data.get("distribution_id"))
        if named != distribution_id:
            return None
        return str(data.get("receipt") or text)
    return text[:_REASON_CHARS] if distribution_id in text else None


def _reason(response: httpx.Response) -> str:
    """The receiver's own words for a refusal."""
    text = response.text.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("reason", "error", "message", "detail"):
            if data.get(key):
                return str(data[key])[:_REASON_CHARS]
    return (text or response.reason_phrase)[:_REASON_CHARS]


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _retry_after_ms(response: httpx.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    return int(float(value) * 1000) if value.replace(".", "", 1).isdigit() else None


class HttpsTransport:
    """POST to the agency's URL over verified TLS (or plain http to this machine)."""

    def __init__(self, settings: EndpointSettings, *, clock: Clock | None = None) -> None:
        url = urlsplit(settings.url)
        where = f"agency {settings.agency_id}"
        if url.scheme not in ("https", "http") or not url.hostname:
            raise TransportConfigError(
                f"{where}: endpoint URL {settings.url!r} is not an http(s) URL; "
                "give https://HOST[:PORT]/PATH in the agency registry"
            )
        if url.scheme == "http" and url.hostname not in LOCAL_HOSTS:
            raise TransportConfigError(
                f"{where}: plain http to {url.hostname} would send personal information "
                "unencrypted; use https:// (http is allowed only to 127.0.0.1/localhost)"
            )
        self.kind = url.scheme
        self.settings = settings
        self._clock = clock or SystemClock()
        self._host = url.hostname
        self._client = httpx.Client(
            verify=_tls_context(settings) if url.scheme == "https" else False,
            timeout=httpx.Timeout(
                settings.read_timeout_s,
                connect=settings.connect_timeout_s,
                pool=settings.connect_timeout_s,
            ),
            trust_env=False,  # no proxy or CA settings leak in from the environment
            follow_redirects=False,
            headers={"User-Agent": "Cityroom-dispatch/1"},
        )

    def send(self, distribution_id: str, body: bytes, content_type: str, fmt: str) -> SendResult:
        """POST the body; classify whatever happens."""
        s = self.settings
        headers = {"Content-Type": content_type, IDEMPOTENCY_HEADER: distribution_id}
        if s.hmac_key is not None:
            timestamp = str(self._clock.now_ms())
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = signature(s.hmac_key, timestamp, distribution_id, body)
        try:
            response = self._client.post(s.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "answer"
            limit = s.connect_timeout_s if kind == "connect" else s.read_timeout_s
            return _retry(f"no {kind} from {s.url} within {limit:g} s")
        except httpx.HTTPError as exc:
            tls = _ssl_cause(exc)
            if tls is not None:
                return _retry(self._tls_message(tls))
            return _retry(f"cannot reach {s.url}: {exc or type(exc).__name__}")
        status = response.status_code
        if 200 <= status < 300:
            if not response.content.strip():
                return SendResult(Outcome.SENT, f"HTTP {status}")
            receipt = receipt_from(response.content, distribution_id)
            if receipt is None:
                snippet = response.text.strip()[:80]
                return _retry(
                    f"HTTP {status} from {s.url} without a receipt for {distribution_id} "
                    f"(answer began {snippet!r})"
                )
            return SendResult(Outcome.DELIVERED, f"HTTP {status}", receipt)
        if status in (408, 429) or status >= 500:
            return SendResult(
                Outcome.RETRYABLE,
                f"HTTP {status} from {s.url}: {_reason(response)}",
                retry_after_ms=_retry_after_ms(response),
            )
        return SendResult(Outcome.PERMANENT, f"HTTP {status}: {_reason(response)}")

    def _tls_message(self, exc: ssl.SSLError) -> str:
        ca = str(self.settings.ca_file) if self.settings.ca_file else "the system store"
        if isinstance(exc, ssl.SSLCertVerificationError):
            why = exc.verify_message or exc.reason or str(exc)
            return (
                f"certificate verify failed for {self._host}: {why} (trusted: {ca}): "
                "check the agency's ca_file"
            )
        return f"TLS handshake with {self._host} failed: {exc.reason or exc}"

    def poll_receipt(self, distribution_id: str) -> str | None:
        """HTTP receipts come with the answer; nothing to poll."""
        return None

    def close(self) -> None:
        """Close pooled connections."""
        self._client.close()


def _tls_context(settings: EndpointSettings) -> ssl.SSLContext:
    where = f"agency {settings.agency_id}"
    try:
        if settings.ca_file is not None:
            context = ssl.create_default_context(cafile=str(settings.ca_file))
        else:
            context = ssl.create_default_context()
        if settings.client_cert is not None:
            context.load_cert_chain(
                str(settings.client_cert),
                str(settings.client_key) if settings.client_key else None,
            )
    except (OSError, ssl.SSLError) as exc:
        raise TransportConfigError(
            f"{where}: cannot load its certificates ({exc}); check ca_file, client_cert and "
            "client_key in the agency registry"
        ) from exc
    return context


def _retry(detail: str) -> SendResult:
    return SendResult(Outcome.RETRYABLE, detail)


EndpointLookup = Callable[[str, str], EndpointSettings]
"""(agency id, distribution status) -> where that agency's packets of that status go."""


def endpoint_settings(agency: Agency, status: str = "Actual") -> EndpointSettings:
    """The transport settings of an agency's endpoint for packets of ``status`` (Test
    packets go to its test endpoint when it has one); raises ``AgencyKeyError`` when its
    HMAC key cannot be read."""
    endpoint = agency.endpoint_for(DistributionStatus(status))
    auth = endpoint.auth
    cert = auth if isinstance(auth, ClientCertAuth) else None
    return EndpointSettings(
        agency_id=agency.id,
        transport=endpoint.transport.value,
        url=endpoint.url or "",
        folder=endpoint.folder,
        ca_file=endpoint.ca_file,
        client_cert=cert.cert_file if cert else None,
        client_key=cert.key_file if cert else None,
        hmac_key=agency.hmac_key(endpoint),
        connect_timeout_s=min(5.0, endpoint.timeout_s),
        read_timeout_s=endpoint.timeout_s,
    )


def registry_endpoints(registry: Registry) -> EndpointLookup:
    """Endpoint settings looked up in an agency registry."""
    return lambda agency_id, status: endpoint_settings(registry.get(agency_id), status)


class TransportPool:
    """One open transport per agency endpoint, shared by the send threads."""

    def __init__(self, endpoints: EndpointLookup, clock: Clock | None = None) -> None:
        self._endpoints = endpoints
        self._clock = clock
        self._open: dict[tuple[str, bool], Transport] = {}
        self._lock = threading.Lock()

    def get(self, agency_id: str, status: str = "Actual") -> Transport:
        """The agency's transport for packets of ``status``, opened on first use; raises
        ``CityroomError`` (or ``LookupError``) when its settings cannot be used."""
        key = (agency_id, status == DistributionStatus.TEST.value)
        with self._lock:
            transport = self._open.get(key)
            if transport is None:
                settings = self._endpoints(agency_id, status)
                transport = self._open[key] = open_transport(settings, self._clock)
            return transport

    def close(self) -> None:
        """Close every transport (they reopen on next use)."""
        with self._lock:
            transports, self._open = list(self._open.values()), {}
        for transport in transports:
            transport.close()


def open_transport(settings: EndpointSettings, clock: Clock | None = None) -> Transport:
    """The transport an endpoint asks for; ``TransportConfigError`` names what is wrong."""
    if settings.transport == "folder":
        from core.dispatch.drop_folder import FolderTransport  # it builds on this module

        return FolderTransport(settings)
    if settings.transport in ("https", "http"):
        return HttpsTransport(settings, clock=clock)
    raise TransportConfigError(
        f"agency {settings.agency_id}: unknown transport {settings.transport!r}; "
        "use https or folder"
    )
