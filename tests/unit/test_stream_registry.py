"""The camera stream registry: a valid file, each mistake with its line, passwords never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import CityroomError
from core.video.registry import (
    DEMO_REGISTRY,
    CameraStream,
    StreamRegistry,
    StreamRegistryError,
    load_stream_registry,
)
from core.video.rtsp import RtspTransport

SECRET = "hunter2"

VALID = f"""\
[defaults]
url = "rtsp://viewer:{SECRET}@10.0.0.9/cam/{{id}}"
transport = "udp"

[[camera]]
id = "CCTV-11230-00001"
url = "rtsp://viewer:{SECRET}@10.0.0.5/main"
sub_url = "rtsp://viewer:{SECRET}@10.0.0.5/sub"

[[camera]]
id = "CCTV-11230-00002"
url = "http://10.0.0.6/video.mjpg"
transport = "tcp"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "streams.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(StreamRegistryError) as caught:
        load_stream_registry(path)
    message = str(caught.value)
    assert str(path) in message
    assert SECRET not in message
    return message


def test_a_valid_file_gives_each_camera_its_stream(tmp_path: Path) -> None:
    registry = load_stream_registry(write(tmp_path, VALID))
    first = registry.stream_for("CCTV-11230-00001")
    assert first == CameraStream(
        "CCTV-11230-00001",
        f"rtsp://viewer:{SECRET}@10.0.0.5/main",
        f"rtsp://viewer:{SECRET}@10.0.0.5/sub",
        RtspTransport.UDP,  # the default
    )
    second = registry.stream_for("CCTV-11230-00002")
    assert second.transport is RtspTransport.TCP and second.sub_url is None
    unlisted = registry.stream_for("CCTV-99999-00007")
    assert unlisted.url == f"rtsp://viewer:{SECRET}@10.0.0.9/cam/CCTV-99999-00007"
    assert unlisted.transport is RtspTransport.UDP
    assert set(registry.cameras) == {"CCTV-11230-00001", "CCTV-11230-00002"}


def test_url_for_picks_the_sub_stream_for_small_tiles_when_there_is_one(tmp_path: Path) -> None:
    registry = load_stream_registry(write(tmp_path, VALID))
    with_sub = registry.stream_for("CCTV-11230-00001")
    assert with_sub.url_for(small=True).endswith("/sub")
    assert with_sub.url_for(small=False).endswith("/main")
    without_sub = registry.stream_for("CCTV-11230-00002")
    assert without_sub.url_for(small=True) == without_sub.url_for(small=False)


def test_the_demo_registry_and_the_shipped_file_make_every_camera_synthetic() -> None:
    shipped = load_stream_registry(DEMO_REGISTRY)
    for registry in (StreamRegistry.default(), shipped):
        stream = registry.stream_for("CCTV-11230-00001")
        assert stream.url == "synthetic://CCTV-11230-00001"
        assert stream.transport is RtspTransport.TCP and stream.sub_url is None
    assert not shipped.cameras


@pytest.mark.parametrize(
    ("text", "line", "expected"),
    [
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = "rtsp://u:{SECRET}@h/x"\ntransprot = "udp"\n',
            4,
            ["unknown key 'transprot'", "the keys are id, url, sub_url, transport"],
            id="misspelt key",
        ),
        pytest.param(
            '[defaults]\nurl = "synthetic://{id}"\n[[cameras]]\nid = "A"\n',
            3,
            ["unknown table or key 'cameras'", "[defaults] and [[camera]]"],
            id="misspelt table",
        ),
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = "rtsp://u:{SECRET}@h/x"\n\n'
            f'[[camera]]\nid = "B"\nurl = "rtsp://u:{SECRET}@h/y"\ntransport = "tpc"\n',
            8,
            ["[[camera]] entry 2", "'tpc' is not a transport", 'Use "tcp" or "udp"'],
            id="unknown transport",
        ),
        pytest.param(
            '[defaults]\nurl = "synthetic://{id}"\ntransport = "quic"\n',
            3,
            ["[defaults]", "'quic' is not a transport"],
            id="unknown default transport",
        ),
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = "rtsp://u:{SECRET}@h/x"\n\n'
            f'[[camera]]\nid = "A"\nurl = "rtsp://u:{SECRET}@h/y"\n',
            6,
            ["camera 'A' is listed twice (first at line 2)", "one [[camera]] entry per camera"],
            id="duplicate id",
        ),
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = "rtps://u:{SECRET}@10.0.0.5/x"\n',
            3,
            ["scheme 'rtps' is not one Cityroom can open", "rtsp://", "a video file's path"],
            id="unknown scheme",
        ),
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = "rtsp://u@h/x"\nsub_url = "u:{SECRET}@10.0.0.5/sub"\n',
            4,
            ["key 'sub_url'", "no scheme: begin it with rtsp://"],
            id="credentials without a scheme",
        ),
        pytest.param(
            '[defaults]\ntransport = "udp"\n\n[[camera]]\nid = "A"\n',
            4,
            ["the key 'url' is missing", "needs id and url"],
            id="missing url",
        ),
        pytest.param(
            f'[[camera]]\nid = "A"\nurl = rtsp://u:{SECRET}@h/x\n',
            3,
            ["column 7", "not valid TOML", "double quotes"],
            id="not TOML",
        ),
        pytest.param(
            '[defaults]\nurl = "synthetic://{name}"\n',
            2,
            ["placeholder other than {id}"],
            id="unknown placeholder",
        ),
    ],
)
def test_each_mistake_names_its_line_key_and_fix(
    tmp_path: Path, text: str, line: int, expected: list[str]
) -> None:
    message = error_of(tmp_path, text)
    assert f"line {line}" in message, message
    for part in expected:
        assert part in message, message


def test_a_password_inside_a_misplaced_key_is_not_shown(tmp_path: Path) -> None:
    message = error_of(
        tmp_path, f'[[camera]]\nid = "A"\nurl = "rtsp://u@h/x"\n"rtsp://u:{SECRET}@h/x" = 1\n'
    )
    assert "line 4" in message and "rtsp://u:***@h/x" in message


def test_a_missing_file_says_where_to_start(tmp_path: Path) -> None:
    with pytest.raises(StreamRegistryError, match="does not exist") as caught:
        load_stream_registry(tmp_path / "nowhere.toml")
    assert str(DEMO_REGISTRY) in str(caught.value)
    assert isinstance(caught.value, CityroomError)


def test_plain_paths_and_windows_drives_are_video_files(tmp_path: Path) -> None:
    text = '[[camera]]\nid = "A"\nurl = "C:\\\\video\\\\a.mp4"\n'
    text += '[[camera]]\nid = "B"\nurl = "b.mp4"\n'
    registry = load_stream_registry(write(tmp_path, text))
    assert registry.stream_for("A").url == "C:\\video\\a.mp4"
    assert registry.stream_for("B").url == "b.mp4"
