"""A real RTSP server for the tests: Debian's gst-rtsp-server, run by the system Python.

Run as ``/usr/bin/python3 tests/rtsp_server.py PORT`` (the distribution's PyGObject; the
project's virtual environment does not have it). Serves ``rtsp://127.0.0.1:PORT/test``: a
moving test picture, H.264 if an encoder is installed, else MJPEG, and prints "ready".
"""

from __future__ import annotations

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

SOURCE = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=180,framerate=25/1"


def main() -> int:
    Gst.init(None)
    if Gst.ElementFactory.find("x264enc"):
        encode = "x264enc tune=zerolatency speed-preset=ultrafast ! rtph264pay name=pay0 pt=96"
    else:
        # MJPEG over RTP wants planar I420 before jpegenc.
        encode = "videoconvert ! video/x-raw,format=I420 ! jpegenc ! rtpjpegpay name=pay0 pt=26"
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(sys.argv[1])
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {SOURCE} ! {encode} )")
    factory.set_shared(True)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print("cannot listen", flush=True)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
