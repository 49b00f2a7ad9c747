"""Real video servers on 127.0.0.1 for the tests: HTTP MJPEG (standard library) and RTSP
(gst-rtsp-server in a child process)."""

from __future__ import annotations

import http.server
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from typing import Any


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, step: float = 0.02) -> float:
    """Wait until ``condition()`` holds; returns the seconds it took."""
    start = time.monotonic()
    pause = threading.Event()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("condition not reached")
        pause.wait(step)
    return time.monotonic() - start


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        if owner.mode == "silent":
            owner.stopping.wait(30)  # accept, then never answer
            return
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        number = 0
        try:
            while not owner.stopping.is_set():
                if owner.mode == "garbage":
                    self.wfile.write(b"\x00\xffnot a picture" * 512)
                else:
                    data = owner.jpeg(number)
                    self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\n")
                    self.wfile.write(b"Content-Length: %d\r\n\r\n" % len(data))
                    self.wfile.write(data + b"\r\n")
                number += 1
                owner.stopping.wait(1 / owner.fps)
        except OSError:
            pass  # the client went away

    def log_message(self, *_args: Any) -> None:
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: MjpegServer


class MjpegServer:
    """Serves a moving MJPEG picture at ``url``; can stop and come back on the same port."""

    def __init__(
        self, fps: float = 25.0, size: tuple[int, int] = (320, 180), mode: str = "video"
    ) -> None:
        self.fps = fps
        self.size = size
        self.mode = mode
        self.stopping = threading.Event()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/stream.mjpg"
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._cache: dict[int, bytes] = {}

    def jpeg(self, number: int) -> bytes:
        # mode "resize": the picture doubles in size after 25 frames, as a camera whose
        # resolution is changed on its own web page would.
        big = self.mode == "resize" and number >= 25
        key = number % 25 + (100 if big else 0)
        if key not in self._cache:
            import cv2
            import numpy as np

            width, height = (self.size[0] * 2, self.size[1] * 2) if big else self.size
            image = np.full((height, width, 3), 40, np.uint8)
            x = int((key % 100) / 25 * (width - 40))
            cv2.rectangle(image, (x, 60), (x + 40, 100), (0, 200, 255), -1)
            self._cache[key] = cv2.imencode(".jpg", image)[1].tobytes()
        return self._cache[key]

    def start(self) -> MjpegServer:
        self.stopping.clear()
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="mjpeg-server")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


class RtspServer:
    """Debian's gst-rtsp-server in a child process (system Python with PyGObject).

    ``user`` and ``password`` make it demand that login (basic authentication, or digest with
    ``digest``); ``protocols`` ("tcp", "udp" or "any") limits the RTP transports it offers.
    """

    SYSTEM_PYTHON = "/usr/bin/python3"

    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        digest: bool = False,
        protocols: str = "any",
    ) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.user = user
        self.password = password
        self.digest = digest
        self.protocols = protocols
        self.url = f"rtsp://127.0.0.1:{self.port}/test"
        self._process: Any = None

    def url_with(self, user: str, password: str) -> str:
        """The stream's address with this login in it."""
        return f"rtsp://{user}:{password}@127.0.0.1:{self.port}/test"

    def start(self) -> RtspServer:
        import subprocess
        from pathlib import Path

        script = Path(__file__).with_name("rtsp_server.py")
        command = [self.SYSTEM_PYTHON, str(script), str(self.port)]
        if self.user is not None and self.password is not None:
            command += ["--user", self.user, "--password", self.password]
            if self.digest:
                command.append("--digest")
        if self.protocols != "any":
            command += ["--protocols", self.protocols]
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._process.stdout.readline().strip()
        if line != "ready":
            error = self._process.stderr.read()
            self.stop()
            raise RuntimeError(
                f"the RTSP test server did not start ({line or error.strip()[-300:]}); "
                "run 'make setup' to install gst-rtsp-server"
            )
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            for stream in (self._process.stdout, self._process.stderr):
                stream.close()
            self._process = None
