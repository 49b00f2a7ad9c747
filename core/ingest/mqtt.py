"""The MQTT adapter: subscribes to the schemes' topics and hands validated readings over.

Two threads: the MQTT client's network loop, which only stamps and queues each message, and a
batcher, which every ``flush_interval_s`` (or at once when ``batch_size`` messages wait)
validates what is queued and calls ``sink(events)``. A dropped broker is retried with
growing delays; :meth:`MqttIngest.status` says at any time where the connection stands.
Nothing a message contains can stop the adapter: failures are counted and logged.
"""

from __future__ import annotations

import logging
import secrets
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from core.clock import Clock, SystemClock
from core.errors import CityroomError
from core.events import NewEvent
from core.ingest.stats import IngestStats, RejectReason
from core.ingest.validate import Message, Validator
from core.notices import NoticeBoard, NoticeLevel

log = logging.getLogger("cityroom.ingest.mqtt")

Sink = Callable[[list[NewEvent]], object]


class MqttSettingsError(CityroomError, ValueError):
    """The adapter's settings cannot be used (a TLS file missing or unreadable)."""


class TlsSettings(BaseModel):
    """TLS towards the broker: whom to trust, and an optional client certificate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ca_file: Path | None = Field(
        default=None, description="CA certificates to trust; the system's when not given"
    )
    cert_file: Path | None = Field(default=None, description="client certificate (PEM)")
    key_file: Path | None = Field(default=None, description="the client certificate's key")
    check_hostname: bool = Field(
        default=True, description="refuse a broker whose certificate names another host"
    )


class MqttSettings(BaseModel):
    """Where the broker is, how to log in, and how readings are batched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(default="127.0.0.1", min_length=1, description="broker host name or address")
    port: int = Field(default=1883, ge=1, le=65535, description="broker port (TLS: usually 8883)")
    client_id: str = Field(default="", description="MQTT client id; generated when empty")
    username: str | None = Field(default=None, description="login name, if the broker wants one")
    password: SecretStr | None = Field(default=None, description="login password")
    tls: TlsSettings | None = Field(default=None, description="TLS settings; None: plain TCP")
    qos: int = Field(default=1, ge=0, le=2, description="subscription quality of service")
    keepalive_s: int = Field(default=30, ge=5, le=3600, description="MQTT keep-alive interval")
    reconnect_min_s: int = Field(default=1, ge=1, description="first delay before reconnecting")
    reconnect_max_s: int = Field(default=30, ge=1, description="longest delay between retries")
    flush_interval_s: float = Field(
        default=0.1, gt=0, le=10, description="readings are handed over at least this often"
    )
    batch_size: int = Field(default=2000, ge=1, description="most readings per hand-over")
    max_pending: int = Field(
        default=200_000, ge=1, description="messages kept while the batcher is behind"
    )

    @property
    def address(self) -> str:
        """``host:port``, for messages (never with the login)."""
        return f"{self.host}:{self.port}"


class ConnectionState(StrEnum):
    """Where the connection to the broker stands, as a status bar shows it."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    """The connection's state, why it is not connected, and since when (UTC ms).

    ``connected`` means subscribed: the broker has acknowledged the topics.
    """

    state: ConnectionState
    reason: str
    since_ms: int
    connects: int  # successful connections so far; above 1 means it reconnected


class MqttIngest:
    """Feeds readings from an MQTT broker through a validator into ``sink``.

    ``sink`` is called on the batcher thread with at most ``batch_size`` events and must
    return quickly (``Backend.publish`` does). Call :meth:`start` once and :meth:`stop` at the
    end; the status and counts can be read from any thread.
    """

    def __init__(
        self,
        settings: MqttSettings,
        validator: Validator,
        sink: Sink,
        *,
        clock: Clock | None = None,
        notices: NoticeBoard | None = None,
    ) -> None:
        self.settings = settings
        self.validator = validator
        self._sink = sink
        self._clock = clock or SystemClock()
        self._notices = notices
        self._pending: list[Message] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._status = ConnectionStatus(ConnectionState.STOPPED, "not started", 0, 0)
        self._client = self._make_client()
        self._batcher: threading.Thread | None = None

    # -- public ------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background and begin handing readings over."""
        if self._batcher is not None:
            raise RuntimeError("an MQTT adapter is started once")
        self._set_status(ConnectionState.CONNECTING, f"connecting to {self.settings.address}")
        self._batcher = threading.Thread(target=self._run_batcher, name="mqtt-ingest-batcher")
        self._batcher.start()
        self._client.connect_async(
            self.settings.host, self.settings.port, keepalive=self.settings.keepalive_s
        )
        self._client.loop_start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Disconnect, hand over what is queued and end both threads; True if they ended."""
        self._stopping.set()
        self._client.disconnect()
        # The network thread notices within a second even while waiting to reconnect.
        self._client.loop_stop()
        self._wake.set()
        ended = True
        if self._batcher is not None:
            self._batcher.join(timeout_s)
            if self._batcher.is_alive():
                log.error("the MQTT batcher did not stop within %.1f s", timeout_s)
                ended = False
        self._set_status(ConnectionState.STOPPED, "stopped")
        return ended

    def status(self) -> ConnectionStatus:
        """The connection's state now."""
        return self._status

    def stats(self) -> IngestStats:
        """Counts since start, including messages dropped before or after validation."""
        return self.validator.totals()

    # -- network thread ----------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        settings = self.settings
        client_id = settings.client_id or f"cityroom-ingest-{secrets.token_hex(4)}"
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        if settings.username is not None:
            password = settings.password.get_secret_value() if settings.password else None
            client.username_pw_set(settings.username, password)
        if settings.tls is not None:
            client.tls_set_context(_tls_context(settings.tls))
            client.tls_insecure_set(not settings.tls.check_hostname)
        client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)
        client.enable_logger(log)
        client.on_connect = self._on_client_connect
        client.on_connect_fail = self._on_client_connect_fail
        client.on_disconnect = self._on_client_disconnect
        client.on_subscribe = self._on_client_subscribe
        client.on_message = self._on_client_message
        return client

    def _on_client_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            self._lost(f"the broker at {self.settings.address} refused the login ({reason})")
            return
        # Connected counts from the broker's answer to the subscription: only then can
        # readings flow.
        topics = [(topic, self.settings.qos) for topic in self.validator.subscriptions]
        client.subscribe(topics)

    def _on_client_connect_fail(self, _client: mqtt.Client, _userdata: Any) -> None:
        self._lost(f"cannot reach the broker at {self.settings.address}")

    def _on_client_disconnect(
        self, _client: mqtt.Client, _userdata: Any, flags: Any, reason: Any, _props: Any
    ) -> None:
        if self._stopping.is_set() or self._status.state is ConnectionState.RECONNECTING:
            return  # a refused login closes the socket too: keep the reason that explains it
        if flags.is_disconnect_packet_from_server:
            self._lost(f"the broker at {self.settings.address} closed the session ({reason})")
        else:
            # paho reports a dropped socket as "Unspecified error", which helps nobody.
            self._lost(f"lost the connection to the broker at {self.settings.address}")

    def _on_client_subscribe(
        self, _client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any
    ) -> None:
        refused = [
            topic
            for topic, code in zip(self.validator.subscriptions, reasons, strict=False)
            if code.is_failure
        ]
        note = ""
        if refused:
            note = f"the broker refused the subscription to {', '.join(refused)}"
            log.error("sensor feed: %s", note)
        again = self._status.connects > 0
        self._set_status(ConnectionState.CONNECTED, note, connected=True)
        if again and self._notices is not None:
            self._notices.post(
                NoticeLevel.INFO, "sensor feed", f"Reconnected to {self.settings.address}."
            )

    def _on_client_message(self, _client: mqtt.Client, _userdata: Any, message: Any) -> None:
        # Runs on the network thread: stamp and queue only, and never raise (an exception
        # here would end the client's loop).
        try:
            item = Message(message.topic, message.payload, self._clock.now_ms())
            with self._lock:
                if len(self._pending) >= self.settings.max_pending:
                    full = True
                else:
                    full = False
                    self._pending.append(item)
                waiting = len(self._pending)
            if full:
                self.validator.reject(
                    RejectReason.QUEUE_FULL,
                    "readings arrive faster than they are handled",
                    f"topic {item.topic}",
                )
            elif waiting >= self.settings.batch_size:
                self._wake.set()
        except Exception as exc:
            log.warning("could not queue an MQTT message: %r", exc, exc_info=exc)
            self.validator.reject(RejectReason.INTERNAL_ERROR, repr(exc), "an MQTT message")

    def _lost(self, reason: str) -> None:
        was = self._status.state
        self._set_status(ConnectionState.RECONNECTING, reason)
        if was is ConnectionState.CONNECTED:
            log.warning("sensor feed: %s; retrying", reason)
            if self._notices is not None:
                self._notices.post(NoticeLevel.WARNING, "sensor feed", f"{reason}; retrying.")

    def _set_status(self, state: ConnectionState, reason: str, connected: bool = False) -> None:
        with self._lock:
            connects = self._status.connects + (1 if connected else 0)
            self._status = ConnectionStatus(state, reason, self._clock.now_ms(), connects)

    # -- batcher thread ----------------------------------------------------------------------

    def _run_batcher(self) -> None:
        interval = self.settings.flush_interval_s
        while True:
            self._wake.wait(interval)
            self._wake.clear()
            stopping = self._stopping.is_set()
            with self._lock:
                batch, self._pending = self._pending, []
            if batch:
                try:
                    self._hand_over(batch)
                except Exception as exc:  # the batcher must outlive any batch
                    log.error("could not hand over %d messages: %r", len(batch), exc, exc_info=exc)
                    self.validator.reject(
                        RejectReason.INTERNAL_ERROR, repr(exc), "a batch", count=len(batch)
                    )
            if stopping:
                return

    def _hand_over(self, messages: list[Message]) -> None:
        size = self.settings.batch_size
        for start in range(0, len(messages), size):
            events = self.validator.validate(messages[start : start + size]).events
            for first in range(0, len(events), size):
                chunk = events[first : first + size]
                try:
                    self._sink(chunk)
                except Exception as exc:
                    log.error("the sink refused %d readings: %r", len(chunk), exc, exc_info=exc)
                    self.validator.reject(
                        RejectReason.SINK_FAILED,
                        f"{type(exc).__name__}: {exc}",
                        f"{len(chunk)} readings",
                        count=len(chunk),
                    )


def _tls_context(tls: TlsSettings) -> ssl.SSLContext:
    """An SSL context from the settings; raises :class:`MqttSettingsError` naming the file."""
    for name, path in (("ca_file", tls.ca_file), ("cert_file", tls.cert_file)):
        if path is not None and not path.is_file():
            raise MqttSettingsError(f"MQTT TLS {name} {path}: no such file. Give the right path.")
    if tls.key_file is not None and tls.cert_file is None:
        raise MqttSettingsError("MQTT TLS key_file is given without cert_file. Give both.")
    try:
        context = ssl.create_default_context(
            cafile=None if tls.ca_file is None else str(tls.ca_file)
        )
        if tls.cert_file is not None:
            context.load_cert_chain(
                str(tls.cert_file), None if tls.key_file is None else str(tls.key_file)
            )
    except (ssl.SSLError, OSError) as exc:
        raise MqttSettingsError(
            f"MQTT TLS files cannot be used ({exc}). They must be PEM certificates and keys."
        ) from None
    context.check_hostname = tls.check_hostname
    return context
