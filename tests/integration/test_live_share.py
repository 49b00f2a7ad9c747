"""The live-share server over real HTTP on 127.0.0.1: a grant streams the camera's real JPEG
frames (the demo's synthetic scene through a capture worker) until it expires; unknown,
expired and revoked links are refused with a reason; viewers share one capture; viewings are
recorded in a real SQLite log; and links already sent survive a restart of the centre."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from core.clock import FakeClock, SystemClock
from core.dispatch.formats import render
from core.dispatch.live_share import (
    BOUNDARY,
    CaptureSource,
    FrameSource,
    LiveShare,
    grants_from_records,
    live_links_for,
    recent_packet_records,
)
from core.dispatch.model import Attachment, AttachmentKind, Format, Packet
from core.dispatch.queueing import queued_event
from core.events import EventRecord, EventType
from core.local_backend import LocalBackend
from core.sop.definitions import DataClass
from core.video.masks import MASK_GREY, MaskStore
from core.video.redaction import Redactor
from tests.agency_server import make_packet, open_incident
from tests.video_servers import wait_for

CAMERA = "CAM-11140-0001"
PART = re.compile(
    rb"--" + BOUNDARY.encode() + rb"\r\nContent-Type: image/jpeg\r\nContent-Length: (\d+)\r\n\r\n"
)
ASTRONAUT = Path(__file__).resolve().parent.parent / "data" / "astronaut-256.jpg"
ASTRONAUT_FACE = (86, 31, 52, 52)  # x, y, width, height (as in tests/unit/test_privacy.py)


class Viewer:
    """One agency's viewer of a live link: the JPEG frames of the response, one by one."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks = response.iter_bytes()
        self._buffer = b""

    def frame(self) -> bytes:
        """The next JPEG (StopIteration when the server has closed the stream)."""
        while True:
            match = PART.match(self._buffer)
            if match is not None:
                end = match.end() + int(match.group(1))
                if len(self._buffer) >= end + 2:
                    jpeg, self._buffer = self._buffer[match.end() : end], self._buffer[end + 2 :]
                    return jpeg
            self._buffer += next(self._chunks)

    def rest(self, within_s: float = 5.0) -> bytes:
        """Everything until the server closes the connection (which it must do soon)."""
        deadline = time.monotonic() + within_s
        data = [self._buffer]
        for chunk in self._chunks:
            data.append(chunk)
            assert time.monotonic() < deadline, "the server did not end the stream"
        return b"".join(data)


@contextmanager
def viewing(client: httpx.Client, url: str) -> Iterator[Viewer]:
    with client.stream("GET", url) as response:
        assert response.status_code == 200, response.read()
        yield Viewer(response)


def picture(jpeg: bytes) -> Any:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG"
    return image


class Cameras:
    """The demo's synthetic cameras through real capture workers, counting the captures."""

    def __init__(self) -> None:
        self.opened: list[CaptureSource] = []

    def __call__(self, camera_id: str) -> FrameSource:
        source = CaptureSource(f"synthetic://{camera_id}")
        self.opened.append(source)
        return source


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as opened:
        yield opened


@pytest.fixture
def shares() -> Iterator[Callable[..., LiveShare]]:
    """Starts live shares on free ports and stops them after the test."""
    started: list[LiveShare] = []

    def start(frames_for: Callable[[str], FrameSource] | None = None, **options: Any) -> LiveShare:
        share = LiveShare(frames_for or Cameras(), **options).start()
        started.append(share)
        return share

    yield start
    for share in started:
        share.stop()


@pytest.fixture
def backend(log_path: Path) -> Iterator[LocalBackend]:
    opened = LocalBackend.open(log_path)
    opened.ready.result()
    yield opened
    opened.close()


def test_a_grant_streams_jpeg_frames_until_it_expires_then_closes(
    shares: Callable[..., LiveShare], client: httpx.Client
) -> None:
    clock = FakeClock()
    share = shares(clock=clock)
    grant = share.grant(CAMERA, "police-112", "INC-1", clock.now_ms() + 60_000)
    assert len(grant.token) == 43 and grant.url == f"{share.url}/live/{grant.token}"
    with viewing(client, grant.url) as viewer:
        kind = viewer.response.headers["content-type"]
        assert kind == f"multipart/x-mixed-replace; boundary={BOUNDARY}"
        frames = [picture(viewer.frame()) for _ in range(3)]
        assert all(f.shape == (360, 640, 3) for f in frames)
        assert not np.array_equal(frames[0], frames[2])  # live: the scene moves
        clock.advance(60_000)
        # The server ends the stream itself: the closing boundary, then the connection.
        assert viewer.rest().endswith(f"--{BOUNDARY}--\r\n".encode())
    refused = client.get(grant.url)
    assert refused.status_code == 410 and "expired" in refused.text


def test_unknown_expired_and_revoked_links_are_refused_with_a_reason(
    shares: Callable[..., LiveShare], client: httpx.Client
) -> None:
    clock = FakeClock()
    share = shares(clock=clock)
    unknown = client.get(f"{share.url}/live/{'x' * 43}")
    assert unknown.status_code == 404 and "no such live link" in unknown.text
    assert client.get(f"{share.url}/cameras").status_code == 404
    short = share.grant(CAMERA, "police-112", "INC-1", clock.now_ms() + 1_000)
    revoked = share.grant(CAMERA, "police-112", "INC-1", clock.now_ms() + 600_000)
    clock.advance(2_000)
    expired = client.get(short.url)
    assert expired.status_code == 410 and "expired" in expired.text
    with viewing(client, revoked.url) as viewer:
        viewer.frame()
        assert share.revoke(revoked.token)
        viewer.rest()  # the viewer is cut off at once
    answer = client.get(revoked.url)
    assert answer.status_code == 410 and "revoked" in answer.text
    assert share.active_cameras() == ()


def test_viewers_share_one_capture_which_stops_when_the_last_leaves(
    shares: Callable[..., LiveShare], client: httpx.Client
) -> None:
    cameras = Cameras()
    share = shares(cameras)
    ends = SystemClock().now_ms() + 600_000
    police = share.grant(CAMERA, "police-112", "INC-1", ends)
    fire = share.grant(CAMERA, "fire-119", "INC-1", ends)
    with viewing(client, police.url) as first, viewing(client, fire.url) as second:
        first.frame()
        second.frame()
        assert len(cameras.opened) == 1 and share.active_cameras() == (CAMERA,)
    wait_for(lambda: share.active_cameras() == (), timeout=5)
    assert cameras.opened[0].worker.stats().state.value == "stopped"
    with viewing(client, police.url) as again:
        again.frame()
    assert len(cameras.opened) == 2  # a new viewer after a pause starts a new capture


def test_viewings_are_recorded_as_camera_viewed_events_of_the_agency(
    shares: Callable[..., LiveShare], client: httpx.Client, backend: LocalBackend
) -> None:
    incident = open_incident(backend)
    share = shares(record=backend.publish)
    grant = share.grant(CAMERA, "police-112", incident, SystemClock().now_ms() + 600_000)
    with viewing(client, grant.url) as viewer:
        viewer.frame()

    def viewed() -> list[EventRecord]:
        last = backend.snapshot().result().last_seq
        records = backend.events_at(range(1, last + 1)).result()
        return [r for r in records if r.type == EventType.CAMERA_VIEWED]

    wait_for(lambda: len(viewed()) == 2, timeout=5)
    opened, closed = viewed()
    assert [opened.payload["action"], closed.payload["action"]] == ["open", "close"]
    for record in (opened, closed):
        assert record.actor == "agency:police-112" and record.subject == CAMERA
        assert record.payload["incident_id"] == incident
        assert record.payload["purpose"] == f"shared live link {grant.prefix} from 127.0.0.1"
    state = backend.snapshot().result()
    assert state.incidents[incident].firsts["camera.viewed"] == opened.ts_ms


def with_live_link(packet: Packet, camera_id: str, uri: str, expires_ms: int) -> Packet:
    link = Attachment(
        kind=AttachmentKind.LIVE_LINK,
        description=f"CCTV {camera_id} 실시간 영상",
        mime="text/uri-list",
        camera_id=camera_id,
        uri=uri,
        expires_ms=expires_ms,
    )
    data = packet.model_dump()
    data.update(attachments=(link,), data_classes=(DataClass.SUMMARY, DataClass.VIDEO_LINK))
    return Packet.model_validate(data)


def test_links_already_sent_are_granted_again_after_a_restart(
    shares: Callable[..., LiveShare], client: httpx.Client, log_path: Path
) -> None:
    secret = b"the centre's live-share key, 32+"
    backend = LocalBackend.open(log_path)
    incident = open_incident(backend)
    before = shares(secret=secret)
    now = SystemClock().now_ms()
    sent = make_packet(incident)
    (link,) = live_links_for(
        before, [CAMERA], distribution_id=sent.distribution_id, expires_ms=now + 600_000
    )
    sent = with_live_link(sent, CAMERA, link.uri, link.expires_ms)
    old = make_packet(incident)
    old = with_live_link(old, CAMERA, before.link_for(old.distribution_id, CAMERA), now + 1)
    forged = with_live_link(
        make_packet(incident), CAMERA, f"{before.url}/live/{'A' * 43}", now + 600_000
    )
    events = [queued_event(p, Format.JSON, render(p, Format.JSON)) for p in (sent, old, forged)]
    backend.publish([e.to_new("dispatch", "operator:kim") for e in events]).result()
    assert [g.token for g in before.admit_packet(sent)] == [link.uri.rsplit("/", 1)[1]]
    port = before.port
    before.stop()
    backend.close()

    backend = LocalBackend.open(log_path)  # the centre starts again
    try:
        records = recent_packet_records(backend, SystemClock().now_ms())
        assert len(records) == 3 and len(grants_from_records(records)) == 3
        other_key = LiveShare(Cameras(), port=port, secret=b"another installation's key")
        assert other_key.admit(grants_from_records(records)) == []
        after = shares(port=port, secret=secret)
        (restored,) = after.admit(grants_from_records(records))  # not the old or forged one
        assert restored.url == link.uri and restored.incident_id == incident
        with viewing(client, link.uri) as viewer:
            assert picture(viewer.frame()).shape == (360, 640, 3)
    finally:
        backend.close()


class StillPicture:
    """A camera that always shows the same photograph (a face the detector can find)."""

    def __init__(self, path: Path) -> None:
        self.image = cv2.imread(str(path))
        assert self.image is not None

    def start(self) -> None:
        """Nothing to start."""

    def latest(self) -> Any:
        return self.image.copy()

    def stop(self) -> None:
        """Nothing to stop."""


def test_privacy_masks_are_filled_and_faces_blurred_in_what_the_agency_sees(
    shares: Callable[..., LiveShare], client: httpx.Client, tmp_path: Path
) -> None:
    masks = MaskStore(tmp_path / "privacy-masks.json")
    masks.set_masks(CAMERA, [[(0.0, 0.75), (1.0, 0.75), (1.0, 1.0), (0.0, 1.0)]])
    camera = StillPicture(ASTRONAUT)
    share = shares(lambda _id: camera, masks=masks.masks, redactor=Redactor())
    grant = share.grant(CAMERA, "police-112", "INC-1", SystemClock().now_ms() + 600_000)
    with viewing(client, grant.url) as viewer:
        seen = picture(viewer.frame())
    x, y, w, h = ASTRONAUT_FACE

    def detail(image: Any) -> float:
        face = cv2.cvtColor(image[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
        return float(cv2.Laplacian(face, cv2.CV_64F).var())

    assert detail(seen) < 0.1 * detail(camera.image)  # the face is blurred
    bottom = seen[200:, :].astype(int)  # the masked quarter (JPEG moves values a little)
    assert abs(bottom.mean() - MASK_GREY) < 3 and bottom.std() < 3
    middle = seen[140:180, :].astype(int) - camera.image[140:180, :].astype(int)
    assert abs(middle).mean() < 6  # the rest is the camera's picture
