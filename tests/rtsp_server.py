"""A real RTSP server for the tests: Debian's gst-rtsp-server, run by the system Python.

Run as ``/usr/bin/python3 tests/rtsp_server.py PORT [--user U --password P [--digest]]
[--protocols tcp|udp|any]`` (the distribution's PyGObject; the project's virtual environment
does not have it). Serves ``rtsp://127.0.0.1:PORT/test``: a moving test picture, H.264 if an
encoder is installed, else MJPEG, and prints "ready".

``--user`` and ``--password`` make the stream need a login (the server answers 401 to a missing
or wrong one, as a camera does), checked by HTTP basic authentication or, with ``--digest``, by
digest authentication as most cameras do; ``--protocols`` limits the RTP transports the
server offers (``tcp``: interleaved on the RTSP connection only; ``udp``: unicast UDP only).
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

SOURCE = "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=180,framerate=25/1"
ROLE = "viewer"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="RTSP test server")
    parser.add_argument("port")
    parser.add_argument("--user", help="require this user name (with --password)")
    parser.add_argument("--password", help="the user's password")
    parser.add_argument("--digest", action="store_true", help="digest instead of basic login")
    parser.add_argument("--protocols", choices=("tcp", "udp", "any"), default="any")
    arguments = parser.parse_args(argv)
    if (arguments.user is None) != (arguments.password is None):
        parser.error("--user and --password go together")
    return arguments


def _require_login(
    server: GstRtspServer.RTSPServer,
    factory: GstRtspServer.RTSPMediaFactory,
    user: str,
    password: str,
    digest: bool,
) -> None:
    # Only a client presenting this user's credentials gets the role that may see and
    # build the media; everyone else (no credentials, wrong ones) is answered 401.
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, ROLE)
    if digest:
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        auth.add_digest(user, password, token)
    else:
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role(ROLE, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role(
        ROLE, GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True
    )
    factory.set_permissions(permissions)


def main() -> int:
    arguments = _arguments(sys.argv[1:])
    Gst.init(None)
    if Gst.ElementFactory.find("x264enc"):
        encode = "x264enc tune=zerolatency speed-preset=ultrafast ! rtph264pay name=pay0 pt=96"
    else:
        # MJPEG over RTP wants planar I420 before jpegenc.
        encode = "videoconvert ! video/x-raw,format=I420 ! jpegenc ! rtpjpegpay name=pay0 pt=26"
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(arguments.port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(f"( {SOURCE} ! {encode} )")
    factory.set_shared(True)
    if arguments.protocols == "tcp":
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    elif arguments.protocols == "udp":
        factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
    if arguments.user is not None:
        _require_login(server, factory, arguments.user, arguments.password, arguments.digest)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print("cannot listen", flush=True)
        return 1
    print("ready", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
