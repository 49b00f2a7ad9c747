"""Grants and their tokens: what a live link is, how a packet's token is derived, and the
links a queued packet (or the log, after a restart) carries."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from core.dispatch.compose import LiveLink
from core.events import EventRecord, EventType

if TYPE_CHECKING:
    from core.backend import Backend
    from core.dispatch.live_share.server import LiveShare

MAX_VALIDITY_MS = 24 * 3_600_000
LIVE_SHARE_KEY_FILE = "live-share.key"


@dataclass(frozen=True, slots=True)
class Grant:
    """A camera shared with an agency until ``expires_ms``; ``url`` is what it opens."""

    token: str
    url: str
    camera_id: str
    agency_id: str
    incident_id: str
    expires_ms: int
    distribution_id: str | None = None  # the packet that carries it (derived token)

    @property
    def prefix(self) -> str:
        """The token's first characters: enough to tell grants apart in the log."""
        return self.token[:8]


def derived_token(secret: bytes, distribution_id: str, camera_id: str) -> str:
    """The token of a packet's link to a camera (32 bytes, URL-safe base64)."""
    digest = hmac.new(secret, f"live\0{distribution_id}\0{camera_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def live_share_key(folder: Path | None = None) -> bytes:
    """The share's secret, from the data folder (made on first use, owner-only)."""
    from core.dispatch.pseudonym import ensure_secret_file
    from core.user_dirs import data_dir

    return ensure_secret_file((data_dir() if folder is None else folder) / LIVE_SHARE_KEY_FILE)


def live_links_for(
    share: LiveShare, camera_ids: Iterable[str], *, distribution_id: str, expires_ms: int
) -> tuple[LiveLink, ...]:
    """The links a packet with ``distribution_id`` will carry for these cameras. Nothing is
    granted here (previews call it at every change): see :meth:`LiveShare.admit_packet`."""
    return tuple(
        LiveLink(camera_id, share.link_for(distribution_id, camera_id), expires_ms)
        for camera_id in camera_ids
    )


def links_in(packet: Mapping[str, Any]) -> list[Grant]:
    """The live links a packet (its JSON form) carries, as grants (nothing checked yet)."""
    found: list[Grant] = []
    for item in packet.get("attachments") or ():
        if not isinstance(item, Mapping) or item.get("kind") != "live_link":
            continue
        uri, camera_id, expires = item.get("uri"), item.get("camera_id"), item.get("expires_ms")
        if not isinstance(uri, str) or not isinstance(camera_id, str):
            continue
        _, marker, token = urlsplit(uri).path.rpartition("/live/")
        if marker and token and isinstance(expires, int):
            agency, incident = str(packet.get("agency_id")), str(packet.get("incident_id"))
            distribution = str(packet.get("distribution_id"))
            found.append(Grant(token, uri, camera_id, agency, incident, expires, distribution))
    return found


def grants_from_records(records: Iterable[EventRecord]) -> list[Grant]:
    """The live links carried by the ``packet.queued`` events among ``records`` (pure:
    :meth:`LiveShare.admit` decides which of them hold)."""
    found: list[Grant] = []
    for record in records:
        if record.type == EventType.PACKET_QUEUED:
            found += links_in(record.payload.get("packet") or {})
    return found


def recent_packet_records(backend: Backend, now_ms: int) -> list[EventRecord]:
    """The ``packet.queued`` events young enough to carry a link still valid: one snapshot
    and one read by sequence number, not a scan of the log (blocking)."""
    state = backend.snapshot().result()
    since = now_ms - MAX_VALIDITY_MS
    seqs = sorted(p.queued_seq for p in state.packets.packets.values() if p.queued_ms >= since)
    return backend.events_at(seqs).result() if seqs else []
