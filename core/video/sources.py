"""Video sources: what a URL is, how to show it without its password, and the demo's
synthetic cameras."""

from __future__ import annotations

import math
import re
import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


class SourceKind(StrEnum):
    """Where frames come from."""

    RTSP = "rtsp"
    HTTP = "http"  # HTTP(S) MJPEG
    FILE = "file"  # a video file, played in a loop
    SYNTHETIC = "synthetic"  # the demo's moving scene


def source_kind(url: str) -> SourceKind:
    """The kind of a stream address."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        return SourceKind.RTSP
    if scheme in ("http", "https"):
        return SourceKind.HTTP
    if scheme == "synthetic":
        return SourceKind.SYNTHETIC
    return SourceKind.FILE


def redact_url(url: str) -> str:
    """The address with any password replaced, safe to log and display."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def redact_text(text: str) -> str:
    """Any ``scheme://user:password@`` inside free text (an error message) redacted."""
    return re.sub(r"(\w+://[^:/@\s]*):[^@/\s]*@", r"\1:***@", text)


def file_path(url: str) -> Path:
    """The local path of a file source (``file://`` URL or a plain path)."""
    return Path(urlsplit(url).path) if url.startswith("file://") else Path(url)


class SyntheticCapture:
    """A demo camera: a moving scene with the camera's name and the time burned in.

    Offers the two calls of ``cv2.VideoCapture`` the capture worker uses.
    """

    def __init__(self, label: str, size: tuple[int, int] = (640, 360), fps: float = 25.0) -> None:
        import numpy as np

        self.label = label
        self.width, self.height = size
        self.fps = fps
        self._np = np
        self._n = 0
        self._start = time.monotonic()
        yy, xx = np.mgrid[0 : self.height, 0 : self.width]
        self._base = ((xx * 0.25 + yy * 0.5) % 256).astype(np.uint8)

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        """Always open."""
        return True

    def read(self) -> tuple[bool, Any]:
        """The next frame, paced to ``fps`` by the caller."""
        import cv2

        np = self._np
        self._n += 1
        t = self._n / self.fps
        shift = int(t * 40) % self.width
        grey = np.roll(self._base, shift, axis=1)
        frame = cv2.merge([grey, np.roll(grey, 60, axis=0), 255 - grey])
        x = int((math.sin(t * 0.7) + 1) / 2 * (self.width - 60))
        y = int((math.cos(t * 0.9) + 1) / 2 * (self.height - 60))
        cv2.rectangle(frame, (x, y), (x + 60, y + 40), (40, 220, 255), -1)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        cv2.putText(frame, self.label, (10, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
        cv2.putText(
            frame,
            stamp,
            (10, self.height - 12),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.55,
            (255, 255, 255),
            1,
        )
        return True, frame

    def get(self, prop: int) -> float:
        """The frame rate (the only property the worker asks a synthetic source for)."""
        return self.fps

    def release(self) -> None:
        """Nothing to release."""
