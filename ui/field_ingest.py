"""The field-device feed of the windowed workstation: MQTT readings published into the backend
(where the situation rules judge them like any other event), and its state for the status bar.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from core.backend import Backend
from core.city import City
from core.events import NewEvent
from core.ingest.stats import IngestStats
from core.notices import NoticeBoard, NoticeLevel
from ui.feed_settings import FieldFeedSettings, broker_login

if TYPE_CHECKING:
    from core.ingest.mqtt import MqttIngest

log = logging.getLogger("cityroom.ui.field_ingest")
SOURCE = "sensor feed"


def feed_off(error: BaseException) -> str:
    """The notice that the feed is off, and why."""
    text = QCoreApplication.translate("FieldIngest", "The field-device feed is off: %1")
    return text.replace("%1", str(error))


class FeedState(StrEnum):
    """Where the feed stands; the connection's states share their values with
    :class:`core.ingest.mqtt.ConnectionState`."""

    OFF = "off"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"
    FAILED = "failed"  # could not start: a bad mapping file, an unreadable login file


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """The feed's state for display: the broker address, why it is not connected, when the
    next attempt is due (whole seconds, None when none is pending) and the counts."""

    state: FeedState
    address: str = ""
    reason: str = ""
    retry_in_s: int | None = None
    stats: IngestStats = field(default_factory=IngestStats)


class _RetryClock:
    """When paho will next try to reconnect. It waits reconnect_min_s after the first loss,
    doubling after each failed attempt up to reconnect_max_s; every loss or failed attempt
    moves the status's ``since_ms``, so counting those changes tells the current delay."""

    def __init__(self, min_s: int, max_s: int) -> None:
        self._min_s, self._max_s = min_s, max_s
        self._failures = 0
        self._since_ms = -1
        self._connects = 0

    def retry_in_s(self, state: FeedState, since_ms: int, connects: int, now_ms: int) -> int:
        if state is not FeedState.RECONNECTING or connects != self._connects:
            self._failures, self._connects = 0, connects
        if state is not FeedState.RECONNECTING:
            return 0
        if since_ms != self._since_ms:
            self._since_ms = since_ms
            self._failures += 1
        delay_s = min(self._min_s << min(self._failures - 1, 16), self._max_s)
        return max(0, math.ceil((since_ms + delay_s * 1000 - now_ms) / 1000))


class FieldIngest:
    """Starts an MQTT adapter off the GUI thread (the client library and a mapping file take
    a moment) that publishes validated readings into ``backend``.

    :meth:`status` is for the GUI thread; :meth:`stop` ends every thread within its timeout.
    """

    def __init__(
        self,
        settings: FieldFeedSettings,
        city: City,
        backend: Backend,
        notices: NoticeBoard,
        **mqtt_options: Any,
    ) -> None:
        self.settings = settings
        self._city = city
        self._backend = backend
        self._notices = notices
        self._mqtt_options = mqtt_options  # extra MqttSettings fields (tests: quick retries)
        self._adapter: MqttIngest | None = None
        self._failure = ""
        self._starter: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False
        # paho's back-off, as MqttSettings sets it (its defaults unless a test overrides).
        self._retry = _RetryClock(
            int(mqtt_options.get("reconnect_min_s", 1)),
            int(mqtt_options.get("reconnect_max_s", 30)),
        )
        host, port = settings.address
        self.address = f"{host}:{port}"

    def start(self) -> None:
        """Connect in the background (not after :meth:`stop`)."""
        if self._stopped or self._starter is not None:
            return
        self._starter = threading.Thread(target=self._start, name="field feed start", daemon=True)
        self._starter.start()

    def _start(self) -> None:
        try:
            adapter = self._build()
        except Exception as error:  # a bad mapping or login file: say so, keep the app going
            log.exception("the field-device feed cannot start")
            self._failure = str(error)
            self._notices.post(NoticeLevel.ERROR, SOURCE, feed_off(error))
            return
        with self._lock:
            if self._stopped:
                return
            adapter.start()
            self._adapter = adapter

    def _build(self) -> MqttIngest:
        from core.ingest.headless import schemes_for
        from core.ingest.mqtt import MqttIngest, MqttSettings, TlsSettings
        from core.ingest.validate import Validator

        settings = self.settings
        schemes = schemes_for(settings.topic_override, settings.mqtt_mapping)
        username, password, warning = broker_login(settings)
        if warning:
            self._notices.post(NoticeLevel.WARNING, SOURCE, warning)
        host, port = settings.address
        mqtt_settings = MqttSettings(
            host=host,
            port=port,
            username=username,
            password=password,
            tls=TlsSettings() if settings.mqtt_tls else None,
            **self._mqtt_options,
        )
        validator = Validator(self._city.sensors, schemes=schemes)
        backend = self._backend

        def sink(events: list[NewEvent]) -> None:
            # Waiting for the append holds the batcher back when the log is slow, so readings
            # queue in the adapter (counted if it overflows) instead of in memory here.
            backend.publish(events).result(timeout=30)

        return MqttIngest(mqtt_settings, validator, sink, notices=self._notices)

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Disconnect and end the adapter's threads; True if they ended in time."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            self._stopped = True
        if self._starter is not None:
            self._starter.join(timeout_s)
        with self._lock:
            adapter, self._adapter = self._adapter, None
        if adapter is None:
            return self._starter is None or not self._starter.is_alive()
        return adapter.stop(max(0.5, deadline - time.monotonic()))

    def status(self) -> FeedStatus:
        """The feed's state now."""
        adapter = self._adapter
        if adapter is None:
            if self._failure:
                return FeedStatus(FeedState.FAILED, self.address, self._failure)
            state = FeedState.STOPPED if self._stopped else FeedState.CONNECTING
            return FeedStatus(state, self.address)
        connection = adapter.status()
        state = FeedState(connection.state.value)
        now_ms = int(time.time() * 1000)
        retry = self._retry.retry_in_s(state, connection.since_ms, connection.connects, now_ms)
        return FeedStatus(
            state,
            self.address,
            connection.reason,
            retry if state is FeedState.RECONNECTING else None,
            adapter.stats(),
        )
