"""Live links: the centre shows a camera's live picture to an agency, for a limited time.

A grant names one camera, the agency and incident it is shared for, and when it ends. Its
token (32 bytes, URL-safe) is the whole credential: ``GET /live/<token>`` streams the camera
as MJPEG (``multipart/x-mixed-replace``, JPEG frames at up to 10 a second) until the grant
expires or is revoked, and then the connection closes. An unknown token is answered 404, an
expired or revoked one 410, each with a plain-text reason.

What the agency sees: every frame has the camera's fixed privacy masks filled (with
``masks``) and, with a ``Redactor``, the faces and plates its detectors find blurred. The
masks always hold; the detectors miss small, turned-away or half-hidden faces and slanted
plates. Nothing else is hidden: people, clothes and vehicles stay visible, as the 112
purpose needs.

Why tokens are derived, not drawn, for packets: the compose dialog drafts the packet again
at every change, so a grant per preview would leave live links nobody sent. A packet's token
is instead HMAC-SHA256(share secret, distribution id, camera id): the preview shows the URL
that will go out, and the grant is registered only when the packet is queued
(:meth:`LiveShare.admit_packet`); copied onto another packet, a link opens nothing. The same
rule restores grants after a restart: the ``packet.queued`` events hold each packet with its
links, and the share admits those whose token it derived itself and which have not expired
(:func:`recent_packet_records`, :func:`grants_from_records`). Only the secret (a key file in
the data folder) lives outside the log; a revocation lasts until the share stops.

One capture per camera, however many watch: the first viewer starts it, the last one to
leave stops it. Each viewing is recorded as ``camera.viewed`` events (open, then close) with
the agency as the actor, through ``record``.

``links`` holds the grants and their tokens, ``frames`` the cameras' pictures and what they
go through, ``server`` the HTTP side.
"""

from core.dispatch.live_share.frames import (
    MAX_FPS,
    CaptureSource,
    FrameSource,
    MaskFile,
    frame_encoder,
    registry_frames,
)
from core.dispatch.live_share.links import (
    LIVE_SHARE_KEY_FILE,
    MAX_VALIDITY_MS,
    Grant,
    derived_token,
    grants_from_records,
    links_in,
    live_links_for,
    live_share_key,
    recent_packet_records,
)
from core.dispatch.live_share.server import BOUNDARY, MAX_VIEWERS, LiveShare

__all__ = [
    "BOUNDARY",
    "LIVE_SHARE_KEY_FILE",
    "MAX_FPS",
    "MAX_VALIDITY_MS",
    "MAX_VIEWERS",
    "CaptureSource",
    "FrameSource",
    "Grant",
    "LiveShare",
    "MaskFile",
    "derived_token",
    "frame_encoder",
    "grants_from_records",
    "links_in",
    "live_links_for",
    "live_share_key",
    "recent_packet_records",
    "registry_frames",
]
