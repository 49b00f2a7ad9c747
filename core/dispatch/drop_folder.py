"""The drop-folder transport, for an air-gapped link that carries files away.

``<distribution id>.<ext>`` is written atomically (a temporary file in the same folder, flushed
to disk, then renamed), so the link never picks up half a packet. The same file with the same
bytes already there counts as sent (a resend after a crash). The far side confirms with
``receipts/<distribution id>.receipt``, which :meth:`FolderTransport.poll_receipt` reads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from core.dispatch.transports import (
    EndpointSettings,
    Outcome,
    SendResult,
    TransportConfigError,
)

_RECEIPT_CHARS = 300

FOLDER_EXTENSIONS = {"cap": "cap", "edxl": "xml", "json": "json", "cot": "cot"}
RECEIPTS_FOLDER = "receipts"


def file_stem(distribution_id: str) -> str:
    """The distribution id as a file name on any system (``:`` and ``/`` %-escaped)."""
    stem = quote(distribution_id, safe="@-_.")
    return "%2E" + stem[1:] if stem.startswith(".") else stem


class FolderTransport:
    """Drop files into a folder an air-gapped link carries away."""

    kind = "folder"

    def __init__(self, settings: EndpointSettings) -> None:
        if settings.folder is None:
            raise TransportConfigError(
                f"agency {settings.agency_id}: the folder transport needs a folder; "
                "set endpoint.folder in the agency registry"
            )
        self.folder = settings.folder

    def send(self, distribution_id: str, body: bytes, content_type: str, fmt: str) -> SendResult:
        """Write the packet file; a receipt already there makes it delivered."""
        stem = file_stem(distribution_id)
        target = self.folder / f"{stem}.{FOLDER_EXTENSIONS.get(fmt, 'dat')}"
        if not self.folder.is_dir():
            return SendResult(
                Outcome.RETRYABLE,
                f"drop folder {self.folder} is not there (is the link's disk mounted?)",
            )
        try:
            if target.exists():
                if target.read_bytes() != body:
                    return SendResult(
                        Outcome.PERMANENT,
                        f"{target} already holds a different packet with the same id; "
                        "move it away and retry",
                    )
                detail = f"{target} (already there)"
            else:
                _write_atomically(target, body)
                detail = str(target)
        except OSError as exc:
            return SendResult(Outcome.RETRYABLE, f"cannot write {target}: {exc.strerror or exc}")
        receipt = self.poll_receipt(distribution_id)
        if receipt is not None:
            return SendResult(Outcome.DELIVERED, detail, receipt)
        return SendResult(Outcome.SENT, detail)

    def poll_receipt(self, distribution_id: str) -> str | None:
        """The receipt file's text (its name when empty), once it exists."""
        path = self.folder / RECEIPTS_FOLDER / f"{file_stem(distribution_id)}.receipt"
        try:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text[:_RECEIPT_CHARS] or path.name

    def close(self) -> None:
        """Nothing to release."""


def _write_atomically(target: Path, body: bytes) -> None:
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(body)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):
        # The rename itself must survive a power cut, not only the bytes.
        folder = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
