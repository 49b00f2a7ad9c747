"""Where a live link's pictures come from: a frame source per camera (a capture worker on
the camera's stream), one feed per camera that prepares each picture once for every viewer
(scaled, privacy masks filled, faces and plates blurred, JPEG-encoded), and the mask file
read again when the wall changes it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.video.masks import Polygon
    from core.video.redaction import Redactor
    from core.video.registry import StreamRegistry

log = logging.getLogger("cityroom.live_share")
MAX_FPS = 10.0
MAX_WIDTH = 960  # wider pictures are scaled down (also the face detector's working width)
JPEG_QUALITY = 80

Masks = Callable[[str], "Sequence[Polygon]"]
"""A camera's fixed privacy masks by its id (``MaskStore.masks``, or a :class:`MaskFile`)."""


class FrameSource(Protocol):
    """A camera's pictures: started for the first viewer, stopped after the last one."""

    def start(self) -> None:
        """Begin capturing (returns at once)."""

    def latest(self) -> Any | None:
        """The newest 8-bit BGR picture since the last call (the caller may change it)."""

    def stop(self) -> None:
        """Stop capturing and release the stream."""


class CaptureSource:
    """A stream (RTSP, HTTP, a file or the demo's ``synthetic://``) decoded by a
    :class:`~core.video.capture.CaptureWorker`, at most ``fps`` pictures a second."""

    def __init__(self, url: str, *, transport: str = "tcp", fps: float = MAX_FPS) -> None:
        from core.video.capture import CaptureWorker

        self.worker = CaptureWorker(url, max_fps=fps, transport=transport)

    def start(self) -> None:
        """Start decoding."""
        self.worker.start()

    def latest(self) -> Any | None:
        """The newest picture as BGR (the worker's buffer goes back to it)."""
        frame = self.worker.slot.take()
        if frame is None:
            return None
        import cv2

        image = cv2.cvtColor(frame.image, cv2.COLOR_BGRA2BGR)
        self.worker.slot.recycle(frame.image)
        return image

    def stop(self) -> None:
        """Stop decoding."""
        self.worker.stop()


def registry_frames(streams: StreamRegistry) -> Callable[[str], FrameSource]:
    """Frames of each camera from where the stream registry says it streams (the demo's
    registry: the synthetic scene the video wall shows)."""

    def frames_for(camera_id: str) -> FrameSource:
        stream = streams.stream_for(camera_id)
        return CaptureSource(stream.url, transport=stream.transport.value)

    return frames_for


class MaskFile:
    """The cameras' fixed privacy masks, read again when the mask file changes (the wall
    edits it); a damaged file keeps the masks last read and is reported in the log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._masks: Callable[[str], Sequence[Polygon]] | None = None
        self._checked = -1.0

    def __call__(self, camera_id: str) -> Sequence[Polygon]:
        """The masks of ``camera_id`` (checked against the file at most once a second)."""
        with self._lock:
            if time.monotonic() - self._checked >= 1.0:
                self._checked = time.monotonic()
                self._reload()
            return self._masks(camera_id) if self._masks is not None else ()

    def _reload(self) -> None:
        from core.video.masks import MaskFileError, MaskStore

        try:
            status = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._masks = None, None  # no file: no masks, as on the wall
            return
        except OSError:
            return
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp != self._stamp:
            try:
                self._masks, self._stamp = MaskStore(self.path).masks, stamp
            except MaskFileError as error:
                log.error("live links keep the masks last read: %s", error)


class CameraFeed:
    """One camera's capture, encoded once per frame for every viewer."""

    def __init__(
        self, camera_id: str, source: FrameSource, encode: Callable[[Any], bytes], fps: float
    ) -> None:
        self.camera_id = camera_id
        self.viewers = 0
        self._source = source
        self._encode = encode
        self._interval = 1.0 / fps
        self._ready = threading.Condition()
        self._jpeg = b""
        self._seq = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"live {camera_id}", daemon=True)

    def start(self) -> None:
        """Start the capture and the encoding (once)."""
        self._source.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop encoding and the capture; waits for both."""
        self._stop.set()
        with self._ready:
            self._ready.notify_all()
        if self._thread.ident is not None:
            self._thread.join(5.0)
        self._source.stop()

    def next_frame(self, after: int, timeout_s: float) -> tuple[int, bytes] | None:
        """The newest JPEG if it is newer than frame ``after`` (waits up to ``timeout_s``)."""
        with self._ready:
            if self._seq == after:
                self._ready.wait(timeout_s)
            return None if self._seq == after else (self._seq, self._jpeg)

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            image = self._source.latest()
            if image is None:
                self._stop.wait(0.01)
                continue
            try:
                jpeg = self._encode(image)
            except Exception:  # one bad picture must not end the stream
                log.exception("live picture of %s cannot be prepared", self.camera_id)
                self._stop.wait(0.5)
                continue
            with self._ready:
                self._seq, self._jpeg = self._seq + 1, jpeg
                self._ready.notify_all()
            due = max(due + self._interval, time.monotonic() - self._interval)
            self._stop.wait(max(0.0, due - time.monotonic()))


def frame_encoder(
    camera_id: str, masks: Masks | None, redactor: Redactor | None
) -> Callable[[Any], bytes]:
    """What a camera's pictures go through before they leave the room: BGR, at most
    ``MAX_WIDTH`` wide, the privacy masks filled, faces and plates blurred, JPEG."""

    def encode(image: Any) -> bytes:
        import cv2

        from core.video.masks import apply_masks

        if image.ndim == 2 or image.shape[2] == 4:
            code = cv2.COLOR_GRAY2BGR if image.ndim == 2 else cv2.COLOR_BGRA2BGR
            image = cv2.cvtColor(image, code)
        height, width = image.shape[:2]
        if width > MAX_WIDTH:
            size = (MAX_WIDTH, max(1, round(height * MAX_WIDTH / width)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if masks is not None:
            apply_masks(image, masks(camera_id))  # before the detectors see anything
        if redactor is not None:
            image = redactor.blur(image)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise ValueError(f"a picture of {width}x{height} cannot be encoded as JPEG")
        return bytes(data.tobytes())

    return encode
