"""Reading the still and clip files a packet names, with their digests.

Renderers embed stills and write CAP's SHA-1 digest; validation checks each file's SHA-256
against the one recorded when the evidence was captured. Digests are cached by path, size
and modification time, so rendering and then validating a packet reads each file once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.dispatch.model import Attachment


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """A still or clip on disk: where it is, its size and its digests (hex)."""

    path: Path
    size: int
    sha1: str
    sha256: str


class EvidenceFileError(Exception):
    """The attachment's file cannot be used; the message says why."""


def resolve(attachments_dir: Path, attachment: Attachment) -> Path:
    """The attachment's file inside ``attachments_dir``; refuses paths that climb out of it."""
    if not attachment.path:
        raise EvidenceFileError(f"a {attachment.kind.value} needs the path of its file")
    base = attachments_dir.resolve()
    path = (base / attachment.path).resolve()
    if not path.is_relative_to(base):
        raise EvidenceFileError(
            f"{attachment.path!r} points outside the evidence folder {base}; "
            "use a path relative to it"
        )
    return path


@lru_cache(maxsize=512)
def _digests(path: str, size: int, mtime_ns: int) -> tuple[str, str]:
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            sha1.update(chunk)
            sha256.update(chunk)
    return sha1.hexdigest(), sha256.hexdigest()


def evidence_file(attachments_dir: Path, attachment: Attachment) -> EvidenceFile:
    """The attachment's file with its digests; ``EvidenceFileError`` if it is missing."""
    path = resolve(attachments_dir, attachment)
    try:
        stat = path.stat()
    except OSError:
        raise EvidenceFileError(
            f"the file {attachment.path!r} is not in {attachments_dir}; "
            "capture the evidence again or attach another one"
        ) from None
    if not path.is_file():
        raise EvidenceFileError(f"{attachment.path!r} is not a file")
    sha1, sha256 = _digests(str(path), stat.st_size, stat.st_mtime_ns)
    return EvidenceFile(path=path, size=stat.st_size, sha1=sha1, sha256=sha256)


def available(attachments_dir: Path | None, attachment: Attachment) -> EvidenceFile | None:
    """The attachment's file when the folder is given and the file is there, else None."""
    if attachments_dir is None or not attachment.path:
        return None
    try:
        return evidence_file(attachments_dir, attachment)
    except EvidenceFileError:
        return None
