"""What the wall needs behind its tiles: where each camera streams from, its privacy masks,
the recording ring, and capture workers built with all three."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future

from core.errors import CityroomError
from core.notices import NoticeBoard, NoticeLevel
from core.video.capture import CaptureWorker
from core.video.masks import MaskStore, Polygon
from core.video.recording import CameraRecorder, RecordingRing
from core.video.redaction import Redactor
from core.video.registry import (
    CameraStream,
    StreamRegistry,
    StreamRegistryError,
    load_stream_registry,
)
from ui.settings import Settings
from ui.workers import run_in_thread

log = logging.getLogger("cityroom.video")
SOURCE = "video wall"
RECORD_FPS = 5.0  # enough to see what happened; see docs/benchmarks.md for the cost


class WallServices:
    """Stream registry, mask store and recording ring of one workstation's wall.

    A broken registry or mask file is reported once as a notice naming the file and the fix;
    the wall keeps working (cameras without an address show why, masks are set aside).
    """

    def __init__(self, settings: Settings, notices: NoticeBoard) -> None:
        self._notices = notices
        self.streams: StreamRegistry | None = None
        self.streams_error = ""
        path = settings.stream_registry
        try:
            self.streams = load_stream_registry(path) if path else StreamRegistry.default()
        except StreamRegistryError as error:
            self.streams_error = str(error)
            notices.post(NoticeLevel.ERROR, SOURCE, self.streams_error)
        self.masks: MaskStore | None = None
        try:
            self.masks, damaged = MaskStore.open_or_set_aside(settings.mask_file)
        except CityroomError as error:
            notices.post(
                NoticeLevel.ERROR,
                SOURCE,
                f"{error} Privacy masks cannot be read, so they cannot be changed either.",
            )
        else:
            if damaged is not None:
                notices.post(
                    NoticeLevel.ERROR,
                    SOURCE,
                    f"{damaged} It was set aside as {damaged.moved_to}: masked areas show "
                    "until the masks are drawn again or the file is repaired.",
                )
        max_mb = settings.record_max_mb
        folder, keep_s = settings.recording_dir, settings.record_minutes * 60.0
        max_bytes = max_mb * 1024 * 1024 if max_mb else None
        # The ring reads the index of every segment left by earlier runs when it is made:
        # seconds for a full ring on a slow disk, so never on the GUI thread.
        self._ring: Future[RecordingRing] = run_in_thread(
            lambda: RecordingRing(folder, keep_s=keep_s, max_bytes=max_bytes), "recording scan"
        )
        self._redactor: Redactor | None = None
        self._redactor_lock = threading.Lock()

    @property
    def ring(self) -> RecordingRing:
        """The recording ring, once its start-up scan is done: this waits for the scan, so
        call it from worker threads (the GUI thread asks ``ready_ring``)."""
        return self._ring.result()

    def ready_ring(self) -> RecordingRing | None:
        """The recording ring, or None while it is still being scanned (or could not be
        made): never waits."""
        if not self._ring.done() or self._ring.exception() is not None:
            return None
        return self._ring.result()

    def ring_or_none(self) -> RecordingRing | None:
        """The recording ring after its scan (waits: worker threads only), None without one."""
        try:
            return self._ring.result()
        except Exception as error:  # reported by whoever records; reading just finds nothing
            log.warning("the recording ring cannot be read: %s", error)
            return None

    def stream_for(self, camera_id: str) -> CameraStream:
        """Where a camera streams from; raises StreamRegistryError when the registry is broken."""
        if self.streams is None:
            raise StreamRegistryError(self.streams_error)
        return self.streams.stream_for(camera_id)

    def masks_of(self, camera_id: str | None) -> Sequence[Polygon]:
        """The camera's fixed privacy masks (none for other streams)."""
        if camera_id is None or self.masks is None:
            return ()
        return self.masks.masks(camera_id)

    def make_worker(
        self,
        url: str,
        size: tuple[int, int] | None,
        *,
        camera_id: str | None,
        transport: str = "tcp",
        record: bool = True,
    ) -> CaptureWorker:
        """A capture worker that masks (and, for the wall, records) what it decodes."""
        key = camera_id or url

        def recorder() -> CameraRecorder:
            # Called on the capture thread: waiting for the ring's scan is fine there.
            return self.ring.recorder(key, fps=RECORD_FPS)

        return CaptureWorker(
            url,
            size=size,
            transport=transport,
            masks=lambda: self.masks_of(camera_id),
            recorder=recorder if record else None,
        )

    def redactor(self) -> Redactor:
        """The face and plate blurrer, loaded on first use (it reads two detector files: call
        this from a worker thread)."""
        with self._redactor_lock:
            if self._redactor is None:
                self._redactor = Redactor()
            return self._redactor
