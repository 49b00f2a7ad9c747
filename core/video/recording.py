"""The recording ring: the last minutes of every open camera, kept as timestamped JPEG segments.

Each camera has a folder under one root. A segment is two files named after the wall time of
its first frame: ``{first_ms}.mjpeg`` holds the JPEGs back to back and ``{first_ms}.idx`` one
fixed-size record per frame (wall time, offset, length). A record is appended only after its
JPEG is written, and readers trust only records that fit inside the data file, so a process
killed mid-write loses at most its last frame. The ring is bounded by age and by bytes and
removes whole segments, oldest first.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import re
import shutil
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO

from core.clock import Clock, SystemClock
from core.video.sources import redact_url

log = logging.getLogger("cityroom.video.recording")

INDEX_RECORD = struct.Struct("<qqi")  # wall_ms, offset in the data file, length
DATA_SUFFIX = ".mjpeg"
INDEX_SUFFIX = ".idx"
MAX_WIDTH = 1280
DEFAULT_MAX_BYTES = 2 * 1024**3
DISK_SHARE = 0.25
# A wall clock set back by more than this starts a new segment; smaller steps back (two
# capture threads of one camera racing) only skip frames.
CLOCK_STEP_BACK_MS = 2_000
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_JPEG_START = b"\xff\xd8"
_first_ms = attrgetter("first_ms")

Entry = tuple[int, int, int]  # wall_ms, offset, length


def storage_key(source_key: str) -> str:
    """The folder name of a camera's recording.

    A camera id that is already a safe file name is used as it is; anything else (a stream
    address, a path) becomes a stable hash of the address without its password, so no
    password ever reaches the disk.
    """
    if _SAFE_NAME.fullmatch(source_key):
        return source_key
    digest = hashlib.sha256(redact_url(source_key).encode("utf-8")).hexdigest()[:24]
    return f"src-{digest}"


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    """One recorded picture: when it was captured and its JPEG bytes."""

    wall_ms: int
    jpeg: bytes

    def decode(self) -> Any:
        """The picture as a BGR array; ValueError if the bytes are not a readable JPEG."""
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"the frame recorded at {self.wall_ms} is not a readable JPEG")
        return image


@dataclass(eq=False, slots=True)
class _Segment:
    """Bookkeeping of one segment; mutated only under the ring's lock."""

    key: str
    first_ms: int
    data: Path
    index: Path
    size: int = 0
    last_ms: int = 0
    frames: int = 0
    writing: bool = False


class RecordingRing:
    """All cameras' recent video under one folder, bounded by age and by bytes. Thread-safe.

    Segments left by an earlier run are found on construction and count towards the limits;
    they are removed by the next ``prune`` (which every new segment triggers).
    """

    def __init__(
        self,
        root: Path,
        *,
        keep_s: float = 600.0,
        max_bytes: int | None = None,
        segment_s: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        if keep_s <= 0 or segment_s <= 0:
            raise ValueError("keep_s and segment_s must be positive")
        if max_bytes is not None and max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.root = root
        self.keep_s = keep_s
        self.segment_s = segment_s
        self._clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._by_key: dict[str, list[_Segment]] = {}
        self._total = 0
        self._warned: set[Path] = set()
        self._recorders: dict[str, CameraRecorder] = {}
        # Separate from _lock: a recorder holds its own lock while it calls into the ring.
        self._recorders_lock = threading.Lock()
        self._make_root()
        self._scan()
        self.max_bytes = max_bytes if max_bytes is not None else self._default_max_bytes()

    # -- writing ---------------------------------------------------------------------------

    def recorder(self, source_key: str, *, fps: float = 5.0, quality: int = 80) -> CameraRecorder:
        """The recorder of one camera. Asking again while it is open returns the same one
        (one writer per folder); each caller closes it once, and the last close finishes it.
        """
        if fps <= 0 or not 1 <= quality <= 100:
            raise ValueError("fps must be positive and quality between 1 and 100")
        key = storage_key(source_key)
        with self._recorders_lock:
            existing = self._recorders.get(key)
            if existing is not None and existing._acquire():
                return existing
            recorder = CameraRecorder(self, key, fps=fps, quality=quality)
            self._recorders[key] = recorder
            return recorder

    # -- reading ---------------------------------------------------------------------------

    def keys(self) -> list[str]:
        """The storage keys (folder names) that have recorded segments."""
        with self._lock:
            return sorted(key for key, segments in self._by_key.items() if segments)

    def usage_bytes(self) -> int:
        """Bytes the ring's segments take on disk."""
        with self._lock:
            return self._total

    def span(self, key: str) -> tuple[int, int] | None:
        """Wall times of the oldest and the newest recorded frame of a camera, or None."""
        with self._lock:
            segments = [s for s in self._by_key.get(storage_key(key), []) if s.frames]
            if not segments:
                return None
            return segments[0].first_ms, max(s.last_ms for s in segments)

    def frame_at(self, key: str, wall_ms: int) -> RecordedFrame | None:
        """The latest frame recorded at or before ``wall_ms``, or None if there is none."""
        with self._lock:
            segments = self._by_key.get(storage_key(key), [])
            newest_first = segments[: bisect.bisect_right(segments, wall_ms, key=_first_ms)]
        for segment in reversed(newest_first):
            entries = self._entries(segment)
            if not entries:
                continue
            at = bisect.bisect_right(entries, wall_ms, key=lambda entry: entry[0]) - 1
            if at >= 0 and (frame := self._read_one(segment, entries[at])) is not None:
                return frame
        return None

    def frames(self, key: str, start_ms: int, end_ms: int) -> Iterator[RecordedFrame]:
        """The frames recorded from ``start_ms`` to ``end_ms`` (both included), oldest first.

        The iteration ends early if a segment is removed while it is being read.
        """
        for segment in self._segments_between(storage_key(key), start_ms, end_ms):
            entries = self._entries(segment)
            if entries is None:
                return
            wanted = [entry for entry in entries if start_ms <= entry[0] <= end_ms]
            if not wanted:
                continue
            try:
                handle = segment.data.open("rb")
            except FileNotFoundError:
                return
            except OSError as exc:
                self._warn(segment.data, f"cannot be opened ({exc})")
                continue
            with handle:
                for entry in wanted:
                    frame = self._read_entry(handle, segment, entry)
                    if frame is not None:
                        yield frame

    def timestamps(self, key: str, start_ms: int, end_ms: int) -> list[int]:
        """Wall times of the frames recorded from ``start_ms`` to ``end_ms`` (index only)."""
        times: list[int] = []
        for segment in self._segments_between(storage_key(key), start_ms, end_ms):
            entries = self._entries(segment) or []
            times.extend(entry[0] for entry in entries if start_ms <= entry[0] <= end_ms)
        return times

    # -- limits ----------------------------------------------------------------------------

    def prune(self, now_ms: int | None = None) -> int:
        """Remove whole segments older than ``keep_s``, then the oldest of all cameras until
        the ring fits in ``max_bytes``; never a segment being written. Returns bytes removed.
        """
        now = self._clock.now_ms() if now_ms is None else now_ms
        with self._lock:
            victims = self._expired(now - round(self.keep_s * 1000))
            victims += self._over_budget(set(victims))
            self._forget_segments(victims)
        return sum(self._delete(segment) for segment in victims)

    def _expired(self, cutoff_ms: int) -> list[_Segment]:
        return [
            segment
            for segments in self._by_key.values()
            for segment in segments
            if not segment.writing and segment.last_ms < cutoff_ms
        ]

    def _over_budget(self, chosen: set[_Segment]) -> list[_Segment]:
        excess = self._total - sum(segment.size for segment in chosen) - self.max_bytes
        if excess <= 0:
            return []
        candidates = sorted(
            (
                segment
                for segments in self._by_key.values()
                for segment in segments
                if not segment.writing and segment not in chosen
            ),
            key=_first_ms,
        )
        victims = []
        for segment in candidates:
            if excess <= 0:
                break
            victims.append(segment)
            excess -= segment.size
        return victims

    def _forget_segments(self, victims: list[_Segment]) -> None:
        gone = set(victims)
        for key in {segment.key for segment in victims}:
            kept = [segment for segment in self._by_key[key] if segment not in gone]
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]
        self._total -= sum(segment.size for segment in victims)

    def _delete(self, segment: _Segment) -> int:
        try:
            segment.data.unlink(missing_ok=True)
            segment.index.unlink(missing_ok=True)
        except OSError as exc:
            # Counted as gone all the same: a restart finds it again and retries.
            log.warning("cannot remove recording segment %s: %s", segment.data, exc)
            return 0
        return segment.size

    # -- bookkeeping for recorders -----------------------------------------------------------

    def _opened(self, segment: _Segment) -> None:
        with self._lock:
            segment.writing = True
            bisect.insort(self._by_key.setdefault(segment.key, []), segment, key=_first_ms)

    def _wrote(self, segment: _Segment, nbytes: int, wall_ms: int) -> None:
        with self._lock:
            segment.size += nbytes
            segment.frames += 1
            segment.last_ms = wall_ms
            self._total += nbytes

    def _closed(self, segment: _Segment) -> None:
        with self._lock:
            segment.writing = False

    def _release(self, recorder: CameraRecorder) -> None:
        with self._recorders_lock:
            if self._recorders.get(recorder.key) is recorder:
                del self._recorders[recorder.key]

    # -- reading helpers ---------------------------------------------------------------------

    def _segments_between(self, key: str, start_ms: int, end_ms: int) -> list[_Segment]:
        with self._lock:
            segments = self._by_key.get(key, [])
            first = max(0, bisect.bisect_right(segments, start_ms, key=_first_ms) - 1)
            last = bisect.bisect_right(segments, end_ms, key=_first_ms)
            return segments[first:last]

    def _entries(self, segment: _Segment) -> list[Entry] | None:
        """The segment's trustworthy index records; None when its files are gone."""
        try:
            raw = segment.index.read_bytes()
            # Stat after reading the index: the data file only grows, so every record read
            # so far is checked against at least the bytes written before it.
            data_size = segment.data.stat().st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn(segment.index, f"cannot be read ({exc})")
            return []
        entries = _valid_entries(raw, data_size)
        whole_records = len(raw) // INDEX_RECORD.size
        if len(entries) < whole_records:
            dropped = whole_records - len(entries)
            self._warn(segment.index, f"{dropped} index record(s) skipped (cut short or damaged)")
        return entries

    def _read_one(self, segment: _Segment, entry: Entry) -> RecordedFrame | None:
        try:
            with segment.data.open("rb") as handle:
                return self._read_entry(handle, segment, entry)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._warn(segment.data, f"cannot be read ({exc})")
            return None

    def _read_entry(
        self, handle: BinaryIO, segment: _Segment, entry: Entry
    ) -> RecordedFrame | None:
        wall_ms, offset, length = entry
        try:
            handle.seek(offset)
            jpeg = handle.read(length)
        except OSError as exc:
            self._warn(segment.data, f"cannot be read ({exc})")
            return None
        if len(jpeg) != length or not jpeg.startswith(_JPEG_START):
            self._warn(segment.data, f"the frame at {wall_ms} is not a JPEG")
            return None
        return RecordedFrame(wall_ms, jpeg)

    def _warn(self, path: Path, problem: str) -> None:
        # Once per file: a scrubbing operator would otherwise flood the log.
        with self._lock:
            if path in self._warned:
                return
            self._warned.add(path)
        log.warning("recording file %s skipped in part: %s", path, problem)

    # -- start-up ----------------------------------------------------------------------------

    def _make_root(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            # Live video must keep working; each recorder reports the problem when it writes.
            log.warning("recording folder %s cannot be created: %s", self.root, exc)

    def _scan(self) -> None:
        try:
            folders = sorted(path for path in self.root.iterdir() if path.is_dir())
        except OSError:
            return
        for folder in folders:
            if storage_key(folder.name) != folder.name:
                log.warning("folder %s is not a camera's recording; left alone", folder)
                continue
            segments = self._scan_folder(folder)
            if segments:
                self._by_key[folder.name] = segments
                self._total += sum(segment.size for segment in segments)

    def _scan_folder(self, folder: Path) -> list[_Segment]:
        stems: set[str] = set()
        try:
            paths = list(folder.iterdir())
        except OSError as exc:
            log.warning("recording folder %s cannot be listed: %s", folder, exc)
            return []
        for path in paths:
            if path.suffix not in (DATA_SUFFIX, INDEX_SUFFIX):
                continue
            if path.stem.isdigit():
                stems.add(path.stem)
            else:
                log.warning("%s is not a recording segment; left alone", path)
        segments = [self._scan_segment(folder, stem) for stem in stems]
        return sorted(segments, key=_first_ms)

    def _scan_segment(self, folder: Path, stem: str) -> _Segment:
        segment = _Segment(
            folder.name,
            int(stem),
            folder / f"{stem}{DATA_SUFFIX}",
            folder / f"{stem}{INDEX_SUFFIX}",
        )
        segment.size = _size(segment.data) + _size(segment.index)
        entries = self._entries(segment) or []
        segment.frames = len(entries)
        segment.last_ms = entries[-1][0] if entries else segment.first_ms
        return segment

    def _default_max_bytes(self) -> int:
        try:
            free = shutil.disk_usage(self.root).free
        except OSError:
            return DEFAULT_MAX_BYTES
        # The ring's own segments are space it may reuse, so a restart does not shrink it.
        return max(1, min(DEFAULT_MAX_BYTES, int((free + self._total) * DISK_SHARE)))


def _valid_entries(raw: bytes, data_size: int) -> list[Entry]:
    """Index records that point inside the data file, in strictly increasing time."""
    usable = len(raw) - len(raw) % INDEX_RECORD.size
    entries: list[Entry] = []
    for wall_ms, offset, length in INDEX_RECORD.iter_unpack(raw[:usable]):
        fits = length > 0 and offset >= 0 and offset + length <= data_size
        if fits and (not entries or wall_ms > entries[-1][0]):
            entries.append((wall_ms, offset, length))
    return entries


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


class CameraRecorder:
    """Writes one camera's frames into the ring at most ``fps`` times a second.

    ``offer`` is called from a capture thread with every decoded frame; it never raises for
    a disk problem but reports it in ``error`` and retries with the next segment.
    """

    def __init__(self, ring: RecordingRing, key: str, *, fps: float, quality: int) -> None:
        self.key = key
        self.folder = ring.root / key
        self.error: str | None = None
        self._ring = ring
        self._interval_ms = 1000.0 / fps
        self._quality = quality
        self._segment_ms = round(ring.segment_s * 1000)
        self._lock = threading.Lock()
        self._next_due = float("-inf")
        self._last_ms = float("-inf")
        self._segment: _Segment | None = None
        self._data: BinaryIO | None = None
        self._index: BinaryIO | None = None
        self._offset = 0
        self._users = 1
        self._closed = False

    def offer(self, image_bgr: Any, wall_ms: int) -> bool:
        """Record the frame if one is due at ``wall_ms``; True if it was recorded."""
        # Unlocked fast path for the frames in between: two float comparisons.
        if self._last_ms - CLOCK_STEP_BACK_MS < wall_ms < self._next_due:
            return False
        with self._lock:
            if self._closed:
                return False
            if wall_ms <= self._last_ms - CLOCK_STEP_BACK_MS:
                self._next_due = wall_ms  # the wall clock was set back: start afresh
            if wall_ms < self._next_due:
                return False
            return self._record(image_bgr, wall_ms)

    def close(self) -> None:
        """Finish the current segment (after the last of the callers who asked for it)."""
        with self._lock:
            self._users -= 1
            if self._users > 0 or self._closed:
                return
            self._closed = True
            self._finish()
        self._ring._release(self)

    def _acquire(self) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._users += 1
            return True

    def _record(self, image: Any, wall_ms: int) -> bool:
        import cv2

        try:
            jpeg = self._encode(image)
            if self._needs_new_segment(wall_ms) and not self._start_segment(wall_ms):
                return False
            self._append(jpeg, wall_ms)
        except OSError as exc:
            self._fail(exc, wall_ms)
            return False
        except cv2.error as exc:
            # A malformed frame must not end the capture thread that offered it.
            self.error = f"a frame of {self.key} could not be encoded as JPEG: {exc}"
            return False
        self.error = None
        self._last_ms = wall_ms
        # Keep to a fixed schedule so late frames do not lower the rate; after a gap, restart.
        due = self._next_due + self._interval_ms
        self._next_due = due if due > wall_ms else wall_ms + self._interval_ms
        return True

    def _encode(self, image: Any) -> bytes:
        import cv2

        height, width = image.shape[:2]
        if width > MAX_WIDTH:
            size = (MAX_WIDTH, max(1, round(height * MAX_WIDTH / width)))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self._quality])
        if not ok:
            raise cv2.error("imencode refused the frame")
        data: bytes = encoded.tobytes()
        return data

    def _needs_new_segment(self, wall_ms: int) -> bool:
        segment = self._segment
        return (
            segment is None
            or wall_ms >= segment.first_ms + self._segment_ms
            or wall_ms <= self._last_ms
        )

    def _start_segment(self, wall_ms: int) -> bool:
        """Open a new segment starting at ``wall_ms``; False if that name is taken."""
        self._finish()
        self.folder.mkdir(parents=True, exist_ok=True)
        data_path = self.folder / f"{wall_ms}{DATA_SUFFIX}"
        index_path = self.folder / f"{wall_ms}{INDEX_SUFFIX}"
        try:
            data = data_path.open("xb")
        except FileExistsError:
            return False  # a segment from before a clock change; the next frame tries again
        try:
            index = index_path.open("wb")
        except OSError:
            data.close()
            with contextlib.suppress(OSError):
                data_path.unlink()
            raise
        self._data, self._index, self._offset = data, index, 0
        self._segment = _Segment(self.key, wall_ms, data_path, index_path, last_ms=wall_ms)
        self._ring._opened(self._segment)
        self._ring.prune(wall_ms)
        return True

    def _append(self, jpeg: bytes, wall_ms: int) -> None:
        assert self._data is not None and self._index is not None and self._segment is not None
        self._data.write(jpeg)
        self._data.flush()
        # Only now the index record: a reader must never find one for bytes not yet written.
        self._index.write(INDEX_RECORD.pack(wall_ms, self._offset, len(jpeg)))
        self._index.flush()
        self._offset += len(jpeg)
        self._ring._wrote(self._segment, len(jpeg) + INDEX_RECORD.size, wall_ms)

    def _finish(self) -> None:
        for handle in (self._data, self._index):
            if handle is not None:
                try:
                    handle.close()
                except OSError as exc:
                    log.warning("closing a recording file of %s failed: %s", self.key, exc)
        self._data = self._index = None
        if self._segment is not None:
            self._ring._closed(self._segment)
            self._segment = None

    def _fail(self, exc: OSError, wall_ms: int) -> None:
        self._finish()
        self.error = (
            f"Recording of {self.key} paused: cannot write to {self.folder} "
            f"({exc.strerror or exc}). Free space on that disk, or make the recording folder "
            "writable or choose another one; recording retries with the next segment."
        )
        log.warning("%s", self.error)
        self._last_ms = wall_ms
        self._next_due = wall_ms + self._segment_ms
