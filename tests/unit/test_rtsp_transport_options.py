"""The per-open transport option: opens of one transport share it, the other waits its turn."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from core.video.rtsp import RtspTransport, transport_options

VARIABLE = "OPENCV_FFMPEG_CAPTURE_OPTIONS"


class Opener(threading.Thread):
    """Holds the option for ``transport`` until told to leave; records what it saw inside."""

    def __init__(self, transport: RtspTransport) -> None:
        super().__init__(name=f"open over {transport.value}")
        self.transport = transport
        self.inside = threading.Event()
        self.leave = threading.Event()
        self.seen: str | None = None

    def run(self) -> None:
        with transport_options(self.transport):
            self.seen = os.environ[VARIABLE]
            self.inside.set()
            self.leave.wait(10)


def never(condition: Callable[[], bool], seconds: float = 0.3) -> bool:
    """True if ``condition`` stays false for ``seconds`` (an open that must keep waiting)."""
    return not threading.Event().wait(seconds) and not condition()


def test_opens_of_one_transport_overlap_and_see_their_value() -> None:
    first, second = Opener(RtspTransport.TCP), Opener(RtspTransport.TCP)
    for opener in (first, second):
        opener.start()
    try:
        assert first.inside.wait(5) and second.inside.wait(5)  # both inside at once
        assert first.seen is not None and first.seen.endswith("rtsp_transport;tcp")
    finally:
        for opener in (first, second):
            opener.leave.set()
            opener.join(5)


def test_an_open_of_the_other_transport_waits_and_later_ones_queue_behind_it() -> None:
    tcp = Opener(RtspTransport.TCP)
    udp = Opener(RtspTransport.UDP)
    late_tcp = Opener(RtspTransport.TCP)
    openers = (tcp, udp, late_tcp)
    try:
        tcp.start()
        assert tcp.inside.wait(5)
        udp.start()
        assert never(udp.inside.is_set)  # the variable says tcp while that open runs
        late_tcp.start()
        assert never(late_tcp.inside.is_set)  # queues behind udp: udp cannot starve
        tcp.leave.set()
        assert udp.inside.wait(5)
        assert udp.seen is not None and udp.seen.endswith("rtsp_transport;udp")
        assert never(late_tcp.inside.is_set)
        udp.leave.set()
        assert late_tcp.inside.wait(5)
        assert late_tcp.seen is not None and late_tcp.seen.endswith("rtsp_transport;tcp")
    finally:
        for opener in openers:
            opener.leave.set()
        for opener in openers:
            if opener.ident is not None:  # started
                opener.join(5)
