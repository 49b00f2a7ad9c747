"""The incident bundle's format: its fixed names, its manifest and the errors about bundles.

A bundle is one zip. ``manifest.json`` (canonical JSON: sorted keys, UTF-8, no spaces) names
every other file with its SHA-256 and size and every event with its hash; ``manifest.sig``, when
present, is the hex Ed25519 signature of the exact manifest bytes. Nothing else is trusted.
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import PurePosixPath
from typing import Any

from core.errors import CityroomError

FORMAT = "cityroom-incident-bundle"
FORMAT_VERSION = 1
"""The newest bundle format this version writes and reads."""

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
EVENTS = "events.jsonl"
REPORT_HTML = "report/after-action.html"
REPORT_PDF = "report/after-action.pdf"
MAP_EXTRACT = "map/extract.geojson"
EVIDENCE_DIR = "evidence/"

# Members the manifest does not list in ``files``: the manifest covers itself by its signature
# and the events by their own digest and hashes.
UNLISTED = frozenset({MANIFEST, SIGNATURE, EVENTS})

# Already-compressed media are stored as they are; deflating them again costs time for nothing.
STORED_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".avi", ".mp4", ".mkv", ".webm", ".pdf"})

CHUNK = 1 << 20
"""Files are hashed and copied in 1 MiB pieces."""


def app_version() -> str:
    """This Cityroom's version (the installed package's, else the source tree's)."""
    try:
        return metadata.version("cityroom")
    except metadata.PackageNotFoundError:
        return "0.1.0"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The one serialisation of a manifest: what is written, hashed and signed."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def is_safe_member(name: str) -> bool:
    """True when a zip member's name is a plain relative path inside the bundle (no absolute
    path, drive, backslash or ``..``): only such names are ever extracted."""
    if not name or name.startswith("/") or "\\" in name or ":" in name:
        return False
    parts = PurePosixPath(name).parts
    return bool(parts) and all(p not in ("", ".", "..") for p in parts)


class BundleError(CityroomError):
    """A bundle (or the log, key or folder it is made from) cannot be used as asked."""


class NotABundleError(BundleError):
    """The file is not an incident bundle, or too damaged to read its manifest."""

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = path
        self.problem = problem
        self.fix = fix
        super().__init__(f"{path}: {problem}. {fix}")


class BundleVersionError(NotABundleError):
    """The bundle was made by a newer Cityroom, in a format this version cannot read."""

    def __init__(self, path: object, found: int, made_by: str) -> None:
        self.found = found
        self.made_by = made_by
        problem = (
            f"made by a newer Cityroom (format {found}, this one reads up to {FORMAT_VERSION})"
        )
        fix = (
            f"open it with Cityroom {made_by} or newer"
            if made_by
            else "open it with a newer Cityroom"
        )
        super().__init__(path, problem, fix)
        # One sentence, as people read it: "…reads up to 1): open it with Cityroom 2.0 or newer."
        self.args = (f"{path}: {problem}: {fix}.",)


class BundleKeyError(BundleError):
    """A signing key or a trusted public key cannot be read or used."""


class ExportCancelled(BundleError):
    """The export was cancelled; nothing was left behind."""

    def __init__(self) -> None:
        super().__init__("The export was cancelled; no bundle was written.")
