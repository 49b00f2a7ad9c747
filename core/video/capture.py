"""One capture worker per stream: decode off the GUI thread into a latest-frame slot.

The worker opens the stream, reads frames, scales them to the tile size and puts each into a
size-one slot, dropping (and counting) the frame the display had not taken yet. A display
timer takes what is there; nothing is signalled per frame. Lost streams are reopened with
back-off. The state is computed when asked, so a read that blocks on a silent server still
shows as stalled.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.video.sources import (
    SourceKind,
    SyntheticCapture,
    file_path,
    redact_text,
    redact_url,
    source_kind,
)

log = logging.getLogger("cityroom.video")
# FFmpeg's own messages can carry stream addresses with their passwords: keep it quiet and
# report errors ourselves, redacted. (Read by OpenCV when it first loads.)
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)


class StreamState(StrEnum):
    """What a tile shows in its badge."""

    CONNECTING = "connecting"
    LIVE = "live"
    STALLED = "stalled"
    OFFLINE = "offline"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Frame:
    """A decoded picture (BGR, 8-bit) and when it was captured."""

    image: Any  # numpy array, height x width x 4 (BGRA, ready to paint)
    captured: float  # time.monotonic() when it left the decoder
    wall_ms: int
    number: int


@dataclass(frozen=True, slots=True)
class StreamStats:
    """A stream's health, as ``probe-stream`` prints it and a tile shows it."""

    state: StreamState
    frames: int
    fps: float
    width: int
    height: int
    first_frame_ms: float | None
    stalls: int
    reconnects: int
    dropped: int
    error: str | None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "state": self.state.value,
            "frames": self.frames,
            "fps": round(self.fps, 2),
            "width": self.width,
            "height": self.height,
            "first_frame_ms": None if self.first_frame_ms is None else round(self.first_frame_ms),
            "stalls": self.stalls,
            "reconnects": self.reconnects,
            "dropped": self.dropped,
            "error": self.error,
        }


class LatestFrameSlot:
    """Holds only the newest frame; a frame replaced before it was taken counts as dropped."""

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._lock = threading.Lock()
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        """Offer a new frame (from the worker)."""
        with self._lock:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame

    def take(self) -> Frame | None:
        """The newest frame not yet taken, or None (for the display)."""
        with self._lock:
            frame, self._frame = self._frame, None
            return frame


def _open_cv(url: str, kind: SourceKind, open_timeout_s: float, read_timeout_s: float) -> Any:
    import cv2

    if kind is SourceKind.SYNTHETIC:
        return SyntheticCapture(url.split("://", 1)[1] or "demo")
    if kind is SourceKind.RTSP and "OPENCV_FFMPEG_CAPTURE_OPTIONS" not in os.environ:
        # TCP unless the operator configured otherwise: UDP loses packets across routers.
        transport = "udp" if "transport=udp" in url else "tcp"
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = f"rtsp_transport;{transport}"
    target = str(file_path(url)) if kind is SourceKind.FILE else url.replace("transport=udp", "")
    capture = cv2.VideoCapture(
        target,
        cv2.CAP_FFMPEG,
        [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_s * 1000),
        ],
    )
    return capture


class CaptureWorker:
    """Decodes one stream on its own thread. ``start()``, then ``stats()`` and ``slot``."""

    def __init__(
        self,
        url: str,
        *,
        size: tuple[int, int] | None = None,
        max_fps: float | None = None,
        stall_after_s: float = 3.0,
        open_timeout_s: float = 5.0,
        read_timeout_s: float = 2.0,
        opener: Callable[[str, SourceKind, float, float], Any] = _open_cv,
    ) -> None:
        self.url = url
        self.display_url = redact_url(url)
        self.kind = source_kind(url)
        self.slot = LatestFrameSlot()
        self._size = size
        self._max_fps = max_fps
        self._stall_after_s = stall_after_s
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._opener = opener
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._state = StreamState.CONNECTING
        self._frames = 0
        self._stalls = 0
        self._reconnects = 0
        self._error: str | None = None
        self._width = self._height = 0
        self._started = 0.0
        self._first_frame_ms: float | None = None
        self._last_frame = 0.0
        self._recent: deque[float] = deque(maxlen=64)
        self._paused = False

    # -- control --------------------------------------------------------------------------

    def start(self) -> None:
        """Begin capturing on a worker thread."""
        if self._thread is not None:
            return
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name=f"capture {self.display_url}", daemon=True
        )
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the worker to stop without waiting; it ends within the read timeout."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        """True once asked to stop (a worker's thread runs once)."""
        return self._stop.is_set()

    def stop(self, timeout_s: float = 6.0) -> bool:
        """Stop and wait (a blocked read ends within the read timeout); True if it ended."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.error("capture of %s did not stop within %.1f s", self.display_url, timeout_s)
                return False
        with self._lock:
            self._state = StreamState.STOPPED
        return True

    def set_size(self, size: tuple[int, int] | None) -> None:
        """Scale frames to this size (the tile's) before handing them over."""
        self._size = size

    def set_max_fps(self, fps: float | None) -> None:
        """Decode at most this many frames per second (small tiles need fewer)."""
        self._max_fps = fps

    def set_paused(self, paused: bool) -> None:
        """Stop decoding while the tile is hidden."""
        self._paused = paused

    def stats(self) -> StreamStats:
        """The stream's health now (safe from any thread)."""
        now = time.monotonic()
        with self._lock:
            state = self._state
            if (
                state is StreamState.LIVE
                and not self._paused
                and now - self._last_frame > self._stall_after_s
            ):
                state = StreamState.STALLED
            recent = [t for t in self._recent if now - t <= 2.0]
            fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 2 else 0.0
            return StreamStats(
                state,
                self._frames,
                fps,
                self._width,
                self._height,
                self._first_frame_ms,
                self._stalls,
                self._reconnects,
                self.slot.dropped,
                self._error,
            )

    # -- worker ---------------------------------------------------------------------------

    def _set(self, state: StreamState, error: str | None = None) -> None:
        with self._lock:
            self._state = state
            if error is not None:
                self._error = redact_text(error)

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._set(StreamState.CONNECTING if attempt == 0 else StreamState.RECONNECTING)
            try:
                capture = self._opener(
                    self.url, self.kind, self._open_timeout_s, self._read_timeout_s
                )
                opened = bool(capture.isOpened())
            except Exception as exc:  # a broken URL or library error must not kill the worker
                capture, opened = None, False
                self._set(StreamState.OFFLINE, f"cannot open {self.display_url}: {exc}")
            if not opened:
                if capture is not None:
                    capture.release()
                    self._set(
                        StreamState.OFFLINE,
                        f"cannot open {self.display_url}: no answer or not a video stream",
                    )
            else:
                had_frames = self._read_frames(capture)
                capture.release()
                if had_frames:
                    with self._lock:
                        self._stalls += 1
                    attempt = 0
            if self._stop.is_set():
                break
            delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            attempt += 1
            with self._lock:
                self._reconnects += 1
            self._stop.wait(delay)

    def _read_frames(self, capture: Any) -> bool:
        import cv2

        native_fps = 0.0
        if self.kind in (SourceKind.FILE, SourceKind.SYNTHETIC):
            native_fps = float(capture.get(cv2.CAP_PROP_FPS) or 25.0)
        next_due = time.monotonic()
        had_frames = False
        while not self._stop.is_set():
            if self._paused:
                self._stop.wait(0.2)
                next_due = time.monotonic()
                continue
            ok, image = capture.read()
            if not ok or image is None:
                if self.kind is SourceKind.FILE and had_frames:
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # loop the file
                    continue
                self._set(
                    StreamState.RECONNECTING,
                    f"the stream ended or sent nothing within {self._read_timeout_s:g} s",
                )
                return had_frames
            now = time.monotonic()
            had_frames = True
            self._deliver(image, now)
            pace = native_fps if native_fps else 0.0
            limit = self._max_fps
            if limit and (not pace or limit < pace):
                pace = limit
            if pace:
                next_due = max(next_due + 1.0 / pace, now - 1.0)
                self._stop.wait(max(0.0, next_due - time.monotonic()))
        return had_frames

    def _deliver(self, image: Any, now: float) -> None:
        import cv2

        height, width = image.shape[:2]
        size = self._size
        if size and (width, height) != size:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        # BGRA is Qt's native 32-bit layout: the GUI thread then blits without converting.
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
        with self._lock:
            self._frames += 1
            number = self._frames
            if self._first_frame_ms is None:
                self._first_frame_ms = (now - self._started) * 1000
            self._last_frame = now
            self._recent.append(now)
            self._width, self._height = width, height
            self._state = StreamState.LIVE
            self._error = None
        self.slot.put(Frame(image, now, time.time_ns() // 1_000_000, number))


def probe(url: str, seconds: float) -> StreamStats:
    """Open a stream for ``seconds``, consume its frames, and report what happened."""
    worker = CaptureWorker(url)
    worker.start()
    done = threading.Event()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.slot.take()
        done.wait(0.05)
    stats = worker.stats()
    worker.stop()
    return stats
