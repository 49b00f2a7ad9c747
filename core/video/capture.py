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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.video.masks import Polygon, apply_masks
from core.video.recording import CameraRecorder
from core.video.rtsp import RtspTransport, StreamRefused, diagnose_refusal, transport_options
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
# A camera that refused the login (or the stream) is asked again only after this long: many
# cameras lock an account after a few failed logins.
REFUSED_RETRY_S = 60.0
SMALL_PICTURE = 960 * 540  # tiles up to this many pixels decode on one thread
POOL_SIZE = 4  # display buffers kept for reuse per stream (slot, screen, one being filled)


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
    """Holds only the newest frame; a frame replaced before it was taken counts as dropped.

    It also keeps a few spent display buffers for the worker to fill again: allocating a new
    picture per frame costs more than converting into one that exists. A buffer comes back
    only from whoever held it last (a dropped frame, or the display handing back the picture
    it replaced), so a picture on screen is never written to.
    """

    def __init__(self) -> None:
        self._frame: Frame | None = None
        self._lock = threading.Lock()
        self._spare: list[Any] = []
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        """Offer a new frame (from the worker)."""
        with self._lock:
            if self._frame is not None:
                self.dropped += 1
                self._keep(self._frame.image)
            self._frame = frame

    def recycle(self, image: Any) -> None:
        """Hand back a picture nobody shows or reads any more (from the display)."""
        with self._lock:
            self._keep(image)

    def buffer(self, shape: tuple[int, ...]) -> Any | None:
        """A spare picture of this shape to fill, or None (from the worker)."""
        with self._lock:
            while self._spare:
                image = self._spare.pop()
                if image.shape == shape:
                    return image
            return None

    def _keep(self, image: Any) -> None:
        if len(self._spare) < POOL_SIZE:
            self._spare.append(image)

    def take(self) -> Frame | None:
        """The newest frame not yet taken, or None (for the display)."""
        with self._lock:
            frame, self._frame = self._frame, None
            return frame


def _open_cv(
    url: str,
    kind: SourceKind,
    open_timeout_s: float,
    read_timeout_s: float,
    *,
    transport: str = "tcp",
    threads: int = 0,
) -> Any:
    import cv2

    if kind is SourceKind.SYNTHETIC:
        return SyntheticCapture(url.split("://", 1)[1] or "demo")
    target = str(file_path(url)) if kind is SourceKind.FILE else url
    timeouts = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(open_timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(read_timeout_s * 1000),
        # FFmpeg's own decoding threads (0: as many as it likes). A small picture decodes
        # fast on one; a decoder thread per core per stream only costs switching.
        cv2.CAP_PROP_N_THREADS,
        threads,
    ]
    if kind is not SourceKind.RTSP:
        return cv2.VideoCapture(target, cv2.CAP_FFMPEG, timeouts)
    rtsp_transport = RtspTransport(transport)
    # OpenCV reads the transport from a process-wide variable at every open (tried: alternating
    # "tcp" and "udp" in one process against a TCP-only server fails every other open), so the
    # variable is held for the whole open; see transport_options for why that costs little.
    with transport_options(rtsp_transport):
        started = time.monotonic()
        capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, timeouts)
        took = time.monotonic() - started
    if capture.isOpened():
        return capture
    # OpenCV says only "not opened". A camera that answered at all did so well within the open
    # timeout (a refused login or transport takes milliseconds), so ask it why, within what is
    # left of that timeout (so stopping still ends in time); one that used up the timeout would
    # not answer the question either.
    if took < 0.9 * open_timeout_s:
        reason = diagnose_refusal(url, rtsp_transport, open_timeout_s - took)
        if reason is not None:
            capture.release()
            raise StreamRefused(reason)
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
        transport: str = "tcp",
        refused_retry_s: float = REFUSED_RETRY_S,
        masks: Callable[[], Sequence[Polygon]] | None = None,
        recorder: Callable[[], CameraRecorder] | None = None,
        opener: Callable[..., Any] = _open_cv,
    ) -> None:
        if transport not in tuple(RtspTransport):
            raise ValueError(f"unknown RTSP transport {transport!r}: use 'tcp' or 'udp'")
        self.url = url
        self.display_url = redact_url(url)
        self.kind = source_kind(url)
        self.transport = RtspTransport(transport)
        self.slot = LatestFrameSlot()
        self._size = size
        self._max_fps = max_fps
        self._stall_after_s = stall_after_s
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        chosen = self.transport.value

        def open_stream(url: str, kind: SourceKind, open_s: float, read_s: float) -> Any:
            # The transport goes as a keyword; openers ignore it for sources other than RTSP.
            size = self._size
            threads = 1 if size is not None and size[0] * size[1] <= SMALL_PICTURE else 0
            return opener(url, kind, open_s, read_s, transport=chosen, threads=threads)

        self._opener = open_stream
        self._refused_retry_s = refused_retry_s
        self._masks = masks  # the camera's privacy masks, read per frame (they may change)
        self._make_recorder = recorder
        self._recorder: CameraRecorder | None = None
        self._scaled: Any = None  # the worker's own resize target, reused
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
        if self._make_recorder is not None:
            try:
                self._recorder = self._make_recorder()
            except Exception as exc:  # live video goes on without the recording
                log.error("recording of %s cannot start: %s", self.display_url, exc)
        try:
            self._capture_loop()
        finally:
            if self._recorder is not None:
                self._recorder.close()

    def _capture_loop(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            refused = False
            self._set(StreamState.CONNECTING if attempt == 0 else StreamState.RECONNECTING)
            try:
                capture = self._opener(
                    self.url, self.kind, self._open_timeout_s, self._read_timeout_s
                )
                opened = bool(capture.isOpened())
            except StreamRefused as exc:
                capture, opened, refused = None, False, True
                self._set(
                    StreamState.OFFLINE,
                    f"cannot open {self.display_url}: {exc} "
                    f"(asked again every {self._refused_retry_s:g} s)",
                )
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
            delay = (
                self._refused_retry_s if refused else BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
            )
            attempt += 1
            with self._lock:
                self._reconnects += 1
            self._stop.wait(delay)

    def _read_frames(self, capture: Any) -> bool:
        import cv2

        live = self.kind in (SourceKind.RTSP, SourceKind.HTTP)
        native_fps = 0.0 if live else float(capture.get(cv2.CAP_PROP_FPS) or 25.0)
        next_due = time.monotonic()
        had_frames = False
        while not self._stop.is_set():
            if self._paused:
                self._stop.wait(0.2)
                next_due = time.monotonic()
                continue
            limit = self._max_fps
            if live and limit and time.monotonic() < next_due:
                # A live stream cannot be slowed down: a frame left unread only waits in the
                # network buffer and comes late. Take it off the wire (grab) and skip the
                # conversion and the painting.
                if not capture.grab():
                    return self._ended(had_frames)
                continue
            ok, image = capture.read()
            if not ok or image is None:
                if self.kind is SourceKind.FILE and had_frames:
                    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)  # loop the file
                    continue
                return self._ended(had_frames)
            now = time.monotonic()
            had_frames = True
            self._deliver(image, now)
            pace = native_fps
            if limit and (not pace or limit < pace):
                pace = limit
            if pace:
                next_due = max(next_due + 1.0 / pace, now - 1.0)
                if not live:  # files and the demo are played at their own rate
                    self._stop.wait(max(0.0, next_due - time.monotonic()))
        return had_frames

    def _ended(self, had_frames: bool) -> bool:
        self._set(
            StreamState.RECONNECTING,
            f"the stream ended or sent nothing within {self._read_timeout_s:g} s",
        )
        return had_frames

    def _deliver(self, image: Any, now: float) -> None:
        import cv2

        wall_ms = time.time_ns() // 1_000_000
        if self._masks is not None:
            polygons = self._masks()
            if polygons:
                # Before anything else sees the picture: masked areas are never shown, recorded
                # or saved.
                apply_masks(image, polygons)
        if self._recorder is not None:
            self._recorder.offer(image, wall_ms)
        height, width = image.shape[:2]
        size = self._size
        if size and (width, height) != size:
            scaled = self._scaled
            if scaled is None or scaled.shape[:2] != (size[1], size[0]):
                scaled = None
            self._scaled = image = cv2.resize(
                image, size, dst=scaled, interpolation=cv2.INTER_AREA
            )
        # BGRA is Qt's native 32-bit layout: the GUI thread then blits without converting.
        shape = (image.shape[0], image.shape[1], 4)
        target = self.slot.buffer(shape)
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA, dst=target)
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
        self.slot.put(Frame(image, now, wall_ms, number))


def probe(url: str, seconds: float, transport: str = "tcp") -> StreamStats:
    """Open a stream for ``seconds``, consume its frames, and report what happened."""
    worker = CaptureWorker(url, transport=transport)
    worker.start()
    done = threading.Event()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.slot.take()
        done.wait(0.05)
    stats = worker.stats()
    worker.stop()
    return stats
