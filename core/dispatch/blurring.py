"""Stills leave the room blurred: an incident's still saved unblurred gets a face- and
plate-blurred copy beside it for the packet, unless the operator unmasks it with a reason.

The copy is made when the packet is drafted (so the preview shows what will go) and recorded
as its own ``evidence.captured`` only when the packet is queued, so a preview writes nothing
to the log. Making it twice gives the same file: the name comes from the original's digest.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.dispatch.compose import BLURRED
from core.events import EvidenceCaptured

if TYPE_CHECKING:
    from core.video.redaction import Redactor

log = logging.getLogger("cityroom.dispatch")

REDACTED = ",".join(BLURRED)


@dataclass(frozen=True, slots=True)
class BlurredStills:
    """The evidence to draft from (unblurred stills replaced by their blurred copies), the
    copies made for it (to record when the packet is queued), and stills that could not be
    blurred with the reason."""

    evidence: tuple[EvidenceCaptured, ...]
    copies: tuple[EvidenceCaptured, ...] = ()
    problems: tuple[tuple[str, str], ...] = ()  # (file name, why it could not be blurred)


def blurred_for_sharing(
    evidence: Sequence[EvidenceCaptured], evidence_dir: Path | None
) -> BlurredStills:
    """Each unblurred still of ``evidence`` replaced by a blurred copy (made now if it is not
    there yet); the originals stay untouched, and clips pass as they are (only their digests
    leave the room)."""
    kept: list[EvidenceCaptured] = []
    copies: list[EvidenceCaptured] = []
    problems: list[tuple[str, str]] = []
    recorded = {item.path for item in evidence}
    for item in evidence:
        blurred = all(part in item.redacted.split(",") for part in BLURRED)
        if item.kind != "still" or blurred:
            kept.append(item)
            continue
        source = _resolve(Path(item.path), evidence_dir)
        try:
            copy = _blurred_copy(source, item.sha256)
        except (OSError, ValueError) as error:
            problems.append((source.name, str(error)))
            kept.append(item)  # drafting then leaves it out unless it is unmasked
            continue
        derived = replace(
            item,
            path=str(copy),
            sha256=hashlib.sha256(copy.read_bytes()).hexdigest(),
            redacted=REDACTED,
        )
        kept.append(derived)
        if str(copy) not in recorded:
            copies.append(derived)
    return BlurredStills(tuple(kept), tuple(copies), tuple(problems))


def _resolve(path: Path, evidence_dir: Path | None) -> Path:
    if path.is_absolute() or evidence_dir is None:
        return path
    return evidence_dir / path


def _blurred_copy(source: Path, digest: str) -> Path:
    """``<name>-blurred-<digest>.jpg`` beside ``source``, made if it is not there."""
    target = source.with_name(f"{source.stem}-blurred-{digest[:12]}.jpg")
    if target.is_file():
        return target
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError("the file no longer matches the digest recorded when it was saved")
    import cv2
    import numpy as np

    image: Any = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("it is not a picture OpenCV can read")
    blurred, counts = _redactor().redact(image)
    ok, encoded = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("the blurred copy could not be encoded")
    # Written whole or not at all: a half-written copy must never be sent.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(encoded.tobytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.info(
        "blurred %s to share it: %d faces, %d plates", source.name, counts.faces, counts.plates
    )
    return target


_REDACTORS: list[Redactor] = []
_REDACTOR_LOCK = threading.Lock()


def _redactor() -> Redactor:
    # Loading the cascades takes a moment: one redactor for the process (it is thread-safe).
    with _REDACTOR_LOCK:
        if not _REDACTORS:
            from core.video.redaction import Redactor

            _REDACTORS.append(Redactor())
        return _REDACTORS[0]
