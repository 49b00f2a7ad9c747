"""Stills: a frame saved with time, camera and place burned in, and its SHA-256 digest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class StillRecord:
    """Where a still was written and the digest that proves it was not changed."""

    path: Path
    sha256: str
    width: int
    height: int
    taken_ms: int


def burn_in(image: Any, lines: list[str]) -> Any:
    """A copy of ``image`` with ``lines`` written on a dark band at the bottom."""
    import cv2

    out = image.copy()
    height = out.shape[0]
    band = 18 * len(lines) + 8
    cv2.rectangle(out, (0, height - band), (out.shape[1], height), (0, 0, 0), -1)
    for i, line in enumerate(lines):
        y = height - band + 18 * (i + 1)
        cv2.putText(
            out, line, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA
        )
    return out


def evidence_lines(
    camera_id: str,
    taken_ms: int,
    lat: float | None = None,
    lon: float | None = None,
    incident_id: str | None = None,
) -> list[str]:
    """The lines burned into a still or a clip frame: camera, local time to the millisecond
    with its offset, position and incident (ids and numbers only: OpenCV's fonts have no
    Hangul)."""
    when = datetime.fromtimestamp(taken_ms / 1000).astimezone()
    lines = [f"{camera_id}  {when:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" {when:%z}"]
    facts = []
    if lat is not None and lon is not None:
        facts.append(f"{lat:.5f}, {lon:.5f}")
    if incident_id:
        facts.append(incident_id)
    if facts:
        lines.append("  ".join(facts))
    return lines


def save_still(
    image: Any,
    folder: Path,
    *,
    camera_id: str,
    taken_ms: int,
    lat: float | None = None,
    lon: float | None = None,
    incident_id: str | None = None,
) -> StillRecord:
    """Write a JPEG still with its facts burned in and return its path and SHA-256.

    OpenCV's Hershey fonts have no Hangul, so the burned-in lines use ids and numbers only.
    """
    import cv2

    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)  # frames arrive ready to paint
    when = datetime.fromtimestamp(taken_ms / 1000).astimezone()
    stamped = burn_in(image, evidence_lines(camera_id, taken_ms, lat, lon, incident_id))
    ok, encoded = cv2.imencode(".jpg", stamped, [cv2.IMWRITE_JPEG_QUALITY, 92])
    if not ok:
        raise ValueError("the frame could not be encoded as JPEG")
    data = encoded.tobytes()
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{when:%Y%m%d-%H%M%S-%f}-{camera_id}-{digest[:12]}.jpg"
    # Write then rename: a crash never leaves a half-written still under the final name.
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)
    return StillRecord(path, digest, stamped.shape[1], stamped.shape[0], taken_ms)
