"""A packet's live links are derived, not drawn: the preview shows the URL that will be sent,
and nothing is granted until the packet is queued (no server is started here)."""

from __future__ import annotations

import json
import re

import pytest

from core.clock import FakeClock
from core.dispatch.live_share import (
    LiveShare,
    derived_token,
    grants_from_records,
    links_in,
    live_links_for,
)
from core.events import EventRecord, EventType

SECRET = b"a centre's live-share key of 32b"
CAMERA = "CAM-11140-0001"


def unstarted(clock: FakeClock, secret: bytes = SECRET) -> LiveShare:
    def no_frames(camera_id: str) -> object:
        raise AssertionError("nothing is captured for a preview")

    return LiveShare(no_frames, port=18101, clock=clock, secret=secret)  # type: ignore[arg-type]


def packet_json(distribution_id: str, uri: str, expires_ms: int) -> dict[str, object]:
    return {
        "distribution_id": distribution_id,
        "agency_id": "police-112",
        "incident_id": "INC-7",
        "attachments": [
            {"kind": "still", "path": "a.jpg", "sha256": "0" * 64},
            {"kind": "live_link", "camera_id": CAMERA, "uri": uri, "expires_ms": expires_ms},
        ],
    }


def test_previews_of_one_packet_show_the_same_link_and_grant_nothing() -> None:
    clock = FakeClock()
    share = unstarted(clock)
    ends = clock.now_ms() + 30 * 60_000
    first = live_links_for(share, [CAMERA], distribution_id="cityroom-1", expires_ms=ends)
    clock.advance(5_000)  # the operator types; the dialog drafts again
    again = live_links_for(share, [CAMERA], distribution_id="cityroom-1", expires_ms=ends)
    assert first == again
    (link,) = first
    token = link.uri.rsplit("/live/", 1)[1]
    assert link.uri.startswith("http://127.0.0.1:18101/live/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 bytes, URL-safe, no padding
    assert token == derived_token(SECRET, "cityroom-1", CAMERA)
    assert share.grants() == []


def test_the_token_depends_on_the_packet_the_camera_and_the_key() -> None:
    tokens = {
        derived_token(SECRET, "cityroom-1", CAMERA),
        derived_token(SECRET, "cityroom-2", CAMERA),
        derived_token(SECRET, "cityroom-1", "CAM-11140-0002"),
        derived_token(b"another installation's key......", "cityroom-1", CAMERA),
    }
    assert len(tokens) == 4


def test_queueing_the_packet_grants_its_links_and_only_those_this_share_derived() -> None:
    clock = FakeClock()
    share = unstarted(clock)
    ends = clock.now_ms() + 30 * 60_000
    (link,) = live_links_for(share, [CAMERA], distribution_id="cityroom-1", expires_ms=ends)
    (grant,) = links_in(packet_json("cityroom-1", link.uri, ends))
    assert (grant.camera_id, grant.agency_id, grant.incident_id) == (CAMERA, "police-112", "INC-7")
    assert share.admit([grant]) == [grant] and share.grants() == [grant]
    # A link some other key made, or one copied onto another packet, is not granted.
    other = unstarted(clock, b"another installation's key......")
    assert other.admit([grant]) == []
    (moved,) = links_in(packet_json("cityroom-2", link.uri, ends))
    assert share.admit([moved]) == []
    # Nor is one that has expired.
    (late,) = links_in(packet_json("cityroom-3", share.link_for("cityroom-3", CAMERA), ends))
    clock.advance(31 * 60_000)
    assert share.admit([late]) == [] and share.grants() == []


def test_a_revoked_link_is_not_granted_again() -> None:
    clock = FakeClock()
    share = unstarted(clock)
    ends = clock.now_ms() + 60_000
    grant = share.grant(CAMERA, "police-112", "INC-7", ends, distribution_id="cityroom-1")
    assert share.revoke(grant.token) and share.grants() == []
    assert share.admit([grant]) == []
    with pytest.raises(ValueError, match="revoked"):
        share.grant(CAMERA, "police-112", "INC-7", ends, distribution_id="cityroom-1")


def test_a_grant_must_end_within_a_day() -> None:
    clock = FakeClock()
    share = unstarted(clock)
    with pytest.raises(ValueError, match="within 24 h"):
        share.grant(CAMERA, "police-112", "INC-7", clock.now_ms() + 25 * 3_600_000)
    with pytest.raises(ValueError, match="within 24 h"):
        share.grant(CAMERA, "police-112", "INC-7", clock.now_ms())
    random = share.grant(CAMERA, "police-112", "INC-7", clock.now_ms() + 60_000)
    assert random.token != derived_token(SECRET, "None", CAMERA) and len(random.token) == 43


def test_the_links_of_queued_packets_are_read_from_their_events() -> None:
    payload = {"packet": packet_json("cityroom-1", "https://uoc.example.kr/v/live/abc", 5)}
    queued = EventRecord(
        1,
        0,
        EventType.PACKET_QUEUED.value,
        "dispatch",
        "op",
        "INC-7",
        json.dumps(payload),
        b"",
        b"",
    )
    other = EventRecord(2, 0, EventType.CAMERA_VIEWED.value, "w", "op", CAMERA, "{}", b"", b"")
    (grant,) = grants_from_records([queued, other])
    assert grant.token == "abc" and grant.distribution_id == "cityroom-1"
    assert grant.url == "https://uoc.example.kr/v/live/abc" and grant.expires_ms == 5
