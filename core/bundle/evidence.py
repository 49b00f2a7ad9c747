"""Finding the stills and clips an incident's ``evidence.captured`` events refer to.

Each file is looked up where the event says (as given, then inside the evidence folder), then by
its name in the evidence folder, and must still have the SHA-256 the event recorded. A file
that cannot be found or no longer matches is reported, never silently left out.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from core.bundle.contents import safe_name
from core.bundle.manifest import CHUNK, EVIDENCE_DIR, ExportCancelled
from core.events import EventRecord, EventType


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One referenced file: where it was found (``source``) and its name in the bundle
    (``member``), or why it is missing (``problem``)."""

    seq: int
    kind: str
    camera_id: str
    recorded_path: str
    sha256: str
    taken_ms: int
    redacted: str
    member: str | None
    source: Path | None
    size: int
    problem: str = ""

    @property
    def found(self) -> bool:
        """True when the file is in the bundle."""
        return self.member is not None

    def missing_line(self) -> str:
        """How the export names a missing file."""
        return f"{self.recorded_path} (event {self.seq}): {self.problem}"


def file_digest(path: Path, cancel: threading.Event | None = None) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while piece := handle.read(CHUNK):
            if cancel is not None and cancel.is_set():
                raise ExportCancelled()
            digest.update(piece)
            size += len(piece)
    return digest.hexdigest(), size


def locate_evidence(
    records: Iterable[EventRecord],
    evidence_dir: Path | None,
    cancel: threading.Event | None = None,
) -> list[EvidenceFile]:
    """Every file the ``evidence.captured`` events among ``records`` refer to, found and
    checked (a file referred to twice is in the bundle once)."""
    found: list[EvidenceFile] = []
    members: dict[str, str] = {}  # member → sha256
    by_digest: dict[str, tuple[str, Path, int]] = {}
    for record in records:
        if record.type != EventType.EVIDENCE_CAPTURED:
            continue
        payload = record.payload
        recorded = str(payload.get("path", ""))
        digest = str(payload.get("sha256", "")).lower()
        facts = (
            record.seq,
            str(payload.get("kind", "")),
            str(payload.get("camera_id", "")),
            recorded,
            digest,
            int(payload.get("taken_ms") or record.ts_ms),
            str(payload.get("redacted", "")),
        )
        if digest in by_digest:
            member, known, size = by_digest[digest]
            found.append(EvidenceFile(*facts, member, known, size))
            continue
        source, size, problem = _find(recorded, digest, evidence_dir, cancel)
        if source is None:
            found.append(EvidenceFile(*facts, None, None, 0, problem))
            continue
        member = _member_name(recorded, digest, members)
        members[member] = digest
        by_digest[digest] = (member, source, size)
        found.append(EvidenceFile(*facts, member, source, size))
    return found


def _candidates(recorded: str, evidence_dir: Path | None) -> list[Path]:
    paths: list[Path] = []
    if recorded:
        given = Path(recorded)
        paths.append(given)
        if evidence_dir is not None and not given.is_absolute():
            paths.append(evidence_dir / given)
        if evidence_dir is not None:
            paths.append(evidence_dir / _base_name(recorded))
    return list(dict.fromkeys(paths))


def _find(
    recorded: str, digest: str, evidence_dir: Path | None, cancel: threading.Event | None
) -> tuple[Path | None, int, str]:
    candidates = _candidates(recorded, evidence_dir)
    changed: list[Path] = []
    for path in candidates:
        try:
            if not path.is_file():
                continue
            actual, size = file_digest(path, cancel)
        except OSError:
            continue
        if actual == digest:
            return path, size, ""
        changed.append(path)
    if changed:
        return (
            None,
            0,
            (
                f"{changed[0]} no longer matches the SHA-256 recorded when it was saved "
                "(it was changed or replaced afterwards)"
            ),
        )
    looked = ", ".join(str(p) for p in candidates) or "nowhere: the event names no file"
    return None, 0, f"not found (looked at {looked}); give its folder with --evidence-dir"


def _base_name(recorded: str) -> str:
    """The file name of a recorded path written on any system."""
    return PureWindowsPath(PurePosixPath(recorded).name).name


def _member_name(recorded: str, digest: str, taken: dict[str, str]) -> str:
    name = safe_name(_base_name(recorded), f"{digest[:16]}.bin")
    member = EVIDENCE_DIR + name
    if member in taken:
        stem, dot, suffix = name.rpartition(".")
        name = f"{stem}-{digest[:8]}.{suffix}" if dot else f"{name}-{digest[:8]}"
        member = EVIDENCE_DIR + name
    return member
