"""Stills and clips from the wall: saved off the GUI thread, optionally blurred, linked to
the selected incident by an evidence event carrying the file's SHA-256."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication

from core.city import Camera
from core.events import EvidenceCaptured
from core.video.clips import ClipRecord, export_clip
from core.video.evidence import StillRecord, save_still
from panels.video_wall.services import WallServices
from ui.context import AppContext

T = TypeVar("T")
REDACTED = "faces,plates"


def _in_worker(name: str, job: Callable[[], T]) -> Future[T]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    future = executor.submit(job)
    executor.shutdown(wait=False)
    return future


class EvidenceDesk:
    """Saves stills and clips for the wall and reports each outcome in one line of text."""

    def __init__(
        self, context: AppContext, services: WallServices, report: Callable[[str], None]
    ) -> None:
        self._context = context
        self._services = services
        self._report = report

    def _blurring(self) -> Callable[[Any], Any] | None:
        if not self._context.settings.blur_evidence:
            return None
        services = self._services
        return lambda image: services.redactor().blur(image)

    def take_still(self, camera: Camera, image: Any, taken_ms: int | None) -> Future[StillRecord]:
        """Save ``image`` (what the tile shows) with its facts burned in."""
        incident_id = self._context.selection.incident_id
        folder = self._context.settings.evidence_dir
        taken = taken_ms or time.time_ns() // 1_000_000
        blur = self._blurring()

        def job() -> StillRecord:
            picture = blur(image) if blur is not None else image
            return save_still(
                picture,
                folder,
                camera_id=camera.id,
                taken_ms=taken,
                lat=camera.lat,
                lon=camera.lon,
                incident_id=incident_id,
            )

        future = _in_worker("still", job)

        def saved(record: StillRecord) -> None:
            self._publish(
                EvidenceCaptured(
                    incident_id,
                    camera.id,
                    "still",
                    str(record.path),
                    record.sha256,
                    taken,
                    redacted=REDACTED if blur else "",
                )
            )
            self._report(
                QCoreApplication.translate("VideoWallPanel", "Still saved: %1").replace(
                    "%1", str(record.path)
                )
            )

        def failed(error: BaseException) -> None:
            self._report(
                QCoreApplication.translate(
                    "VideoWallPanel", "The still was not saved: %1"
                ).replace("%1", str(error))
            )

        self._context.invoker.when_done(future, saved, failed)
        return future

    def save_clip(self, camera: Camera, start_ms: int, end_ms: int) -> Future[ClipRecord]:
        """Export the recording between the in and out points as a clip."""
        incident_id = self._context.selection.incident_id
        folder: Path = self._context.settings.evidence_dir
        services = self._services
        blur = self._blurring()

        def job() -> ClipRecord:
            return export_clip(
                services.ring,  # waits for the ring's start-up scan, off the GUI thread
                camera.id,
                min(start_ms, end_ms),
                max(start_ms, end_ms),
                folder,
                camera_id=camera.id,
                lat=camera.lat,
                lon=camera.lon,
                incident_id=incident_id,
                redact=blur,
            )

        self._report(
            QCoreApplication.translate("VideoWallPanel", "Saving the clip of %1…").replace(
                "%1", camera.id
            )
        )
        future = _in_worker("clip", job)

        def saved(record: ClipRecord) -> None:
            self._publish(
                EvidenceCaptured(
                    incident_id,
                    camera.id,
                    "clip",
                    str(record.path),
                    record.sha256,
                    record.start_ms,
                    end_ms=record.end_ms,
                    redacted=REDACTED if blur else "",
                    frames=record.frames,
                )
            )
            self._report(
                QCoreApplication.translate("VideoWallPanel", "Clip saved (%1 frames): %2")
                .replace("%1", str(record.frames))
                .replace("%2", str(record.path))
            )

        def failed(error: BaseException) -> None:
            self._report(
                QCoreApplication.translate("VideoWallPanel", "The clip was not saved: %1").replace(
                    "%1", str(error)
                )
            )

        self._context.invoker.when_done(future, saved, failed)
        return future

    def _publish(self, event: EvidenceCaptured) -> None:
        self._context.backend.publish([event.to_new("workstation", self._context.actor)])
