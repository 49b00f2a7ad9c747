"""RTSP cameras that need a login or a transport, against a real RTSP server."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

from core.video.capture import CaptureWorker, StreamState
from tests.video_servers import RtspServer, wait_for

USER = "operator"
PASSWORD = "s3cret:Pa55"  # a ":" too, as real passwords have; percent-encoded in the address
WRONG = "wr0ng-Pa55"

pytestmark = pytest.mark.skipif(
    not os.path.exists(RtspServer.SYSTEM_PYTHON),
    reason="no system Python for gst-rtsp-server on this platform",
)


def login_url(server: RtspServer, password: str) -> str:
    return server.url_with(USER, quote(password, safe=""))


@pytest.fixture
def servers() -> Iterator[Callable[..., RtspServer]]:
    """Starts RTSP servers with the given options; stops them all afterwards."""
    started: list[RtspServer] = []

    def start(**options: object) -> RtspServer:
        server = RtspServer(**options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def workers() -> Iterator[list[CaptureWorker]]:
    """Capture workers a test starts; all stopped afterwards (no thread is left running)."""
    made: list[CaptureWorker] = []
    yield made
    for worker in made:
        assert worker.stop(timeout_s=15)


def started(workers: list[CaptureWorker], url: str, **options: object) -> CaptureWorker:
    worker = CaptureWorker(url, read_timeout_s=2.0, **options)
    workers.append(worker)
    worker.start()
    return worker


@pytest.mark.parametrize("digest", [False, True], ids=["basic", "digest"])
def test_the_right_login_plays(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker], digest: bool
) -> None:
    server = servers(user=USER, password=PASSWORD, digest=digest)
    worker = started(workers, login_url(server, PASSWORD))
    wait_for(lambda: worker.stats().frames >= 10)
    stats = worker.stats()
    assert stats.state is StreamState.LIVE and (stats.width, stats.height) == (320, 180)


@pytest.mark.parametrize("digest", [False, True], ids=["basic", "digest"])
def test_a_wrong_password_says_the_login_was_refused_and_never_shows_it(
    servers: Callable[..., RtspServer],
    workers: list[CaptureWorker],
    digest: bool,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    server = servers(user=USER, password=PASSWORD, digest=digest)
    worker = started(workers, login_url(server, WRONG), open_timeout_s=3, refused_retry_s=0.5)
    wait_for(lambda: "refused the user name or password" in (worker.stats().error or ""))
    stats = worker.stats()
    assert stats.state in (StreamState.OFFLINE, StreamState.RECONNECTING)
    assert stats.frames == 0
    assert stats.error is not None and f"{USER}:***@" in stats.error  # which camera, safely
    wait_for(lambda: worker.stats().reconnects >= 2)  # retried, and refused the same way
    error = worker.stats().error or ""
    assert "refused the user name or password" in error
    worker.stop()
    output = capfd.readouterr()
    shown = [error, worker.display_url, caplog.text, output.out, output.err]
    shown += [record.getMessage() for record in caplog.records]
    for secret in (WRONG, quote(WRONG, safe=""), PASSWORD, quote(PASSWORD, safe="")):
        assert not any(secret in text for text in shown), secret


def test_a_camera_that_needs_a_login_says_so(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker]
) -> None:
    server = servers(user=USER, password=PASSWORD)
    worker = started(workers, server.url, open_timeout_s=3)
    wait_for(lambda: "needs a user name and password" in (worker.stats().error or ""))
    assert worker.stats().frames == 0


def test_a_tcp_only_camera_plays_over_tcp_and_refuses_udp_clearly(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker]
) -> None:
    server = servers(protocols="tcp")
    over_udp = started(workers, server.url, transport="udp", open_timeout_s=3)
    wait_for(lambda: over_udp.stats().error is not None)
    error = over_udp.stats().error or ""
    assert "does not send this stream over UDP" in error and 'transport = "tcp"' in error
    over_tcp = started(workers, server.url, transport="tcp")
    wait_for(lambda: over_tcp.stats().frames >= 10)
    assert over_tcp.stats().state is StreamState.LIVE
    assert over_udp.stats().frames == 0  # still nothing, while the same camera plays over TCP
    assert over_udp.stats().state in (StreamState.OFFLINE, StreamState.RECONNECTING)


def test_workers_opened_together_each_use_their_own_transport(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker]
) -> None:
    tcp_only = servers(protocols="tcp")
    udp_only = servers(protocols="udp")
    # All four open at once, so their opens interleave: each must still get its own transport.
    plays_tcp = started(workers, tcp_only.url, transport="tcp", open_timeout_s=3)
    plays_udp = started(workers, udp_only.url, transport="udp", open_timeout_s=3)
    refused_udp = started(workers, tcp_only.url, transport="udp", open_timeout_s=3)
    refused_tcp = started(workers, udp_only.url, transport="tcp", open_timeout_s=3)
    wait_for(lambda: plays_tcp.stats().frames >= 10 and plays_udp.stats().frames >= 10)
    wait_for(lambda: refused_udp.stats().error is not None and refused_tcp.stats().error)
    assert "over UDP" in (refused_udp.stats().error or "")
    assert "over TCP" in (refused_tcp.stats().error or "")
    assert refused_udp.stats().frames == 0 and refused_tcp.stats().frames == 0
    assert plays_tcp.stats().state is StreamState.LIVE
    assert plays_udp.stats().state is StreamState.LIVE


def test_a_camera_that_never_answers_does_not_hold_up_the_others(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker]
) -> None:
    live = servers()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    held: list[socket.socket] = []
    connected = threading.Event()

    def accept_and_say_nothing() -> None:
        connection, _ = silent.accept()
        held.append(connection)  # kept open, silent, until the test ends
        connected.set()

    acceptor = threading.Thread(target=accept_and_say_nothing)
    acceptor.start()
    try:
        silent_url = f"rtsp://127.0.0.1:{silent.getsockname()[1]}/x"
        started(workers, silent_url, open_timeout_s=6)
        assert connected.wait(5)  # the dead camera's open is under way
        playing = started(workers, live.url, open_timeout_s=6)
        # Opens used to queue behind each other: this one would wait out the dead camera's
        # 6 s open timeout before its own ~1 s open.
        took = wait_for(lambda: playing.stats().frames >= 1, timeout=20)
        assert took < 4.5
    finally:
        acceptor.join(5)
        for connection in held:
            connection.close()
        silent.close()


def test_a_refused_login_is_not_retried_at_once(
    servers: Callable[..., RtspServer], workers: list[CaptureWorker]
) -> None:
    # Cameras lock an account after a few failed logins: a refusal waits a minute.
    server = servers(user=USER, password=PASSWORD)
    worker = started(workers, login_url(server, WRONG), open_timeout_s=3)
    wait_for(lambda: "refused the user name or password" in (worker.stats().error or ""))
    assert "asked again every 60 s" in (worker.stats().error or "")
    wait_for(lambda: worker.stats().reconnects >= 1)
    attempts = worker.stats().reconnects
    threading.Event().wait(2.0)  # longer than every ordinary back-off step but the last
    assert worker.stats().reconnects == attempts
