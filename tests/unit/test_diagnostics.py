"""The support bundle: what goes in, what personal data comes out (people by one pseudonym
across the files), the manifest's counts, the cap on logs, the packages' versions, and a target
that cannot be written."""

from __future__ import annotations

import json
import os
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from core.diagnostics import (
    KEY_PACKAGES,
    DiagnosticsError,
    KeyPackage,
    bundle_target,
    log_files,
    package_version,
    package_versions,
    write_bundle,
)
from core.scrub import KINDS

T = "2026-01-05T06:00:00.123Z"
is_root = hasattr(os, "geteuid") and os.geteuid() == 0


def seeded_home(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A user's home with logs and a settings file holding every kind of personal data;
    returns (home, log folder, settings file)."""
    home = tmp_path / "home" / "kim"
    logs = home / ".local" / "state" / "cityroom" / "logs"
    logs.mkdir(parents=True)
    (logs / "cityroom.log").write_text(
        "\n".join(
            [
                f"{T} INFO cityroom.cctv [capture-CAM-0042] opened "
                "rtsp://admin:Cam3ra!@10.20.30.40:554/stream1",
                f'{T} INFO cityroom.remote [MainThread] signing in: {{"user": "x", '
                '"password": "hunter2", "token": "abc.def"}',
                f"{T} DEBUG cityroom.link [link] headers Authorization: Bearer "
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJraW0ifQ.c2lnbmF0dXJl",
                f"{T} INFO cityroom.ingest [mqtt] connect password=s3cr3t&client=desk",
                f"{T} INFO cityroom.lpr [lpr] read 12가3456 and 123가4567 near 서울12가3456",
                f"{T} INFO cityroom.incidents [MainThread] INC-000001 acknowledged by "
                "operator:kim; assigned by supervisor:박지은",
                f"{T} INFO cityroom.dispatch [MainThread] owner reached at 010-1234-5678 and "
                "+82 10-9876-5432, office 02-123-4567",
                f"{T} INFO cityroom.mail [MainThread] report from kim.lee@example.co.kr",
                f"{T} WARNING cityroom.settings [MainThread] read {home}/.config/x.ini; "
                "also /home/lee/x.ini",
                f"{T} INFO cityroom [MainThread] login name kim started the desk",
                "",
            ]
        ),
        encoding="utf-8",
    )
    (logs / "cityroom.log.1").write_text(
        f"{T} INFO cityroom.handover [MainThread] handed over by operator:kim to operator:lee\n",
        encoding="utf-8",
    )
    (logs / "cityroom-serve.log").write_text(
        f"{T} INFO server.accounts [uvicorn] user:lee signed in from 10.0.0.7\n",
        encoding="utf-8",
    )
    (logs / "cityroom.lock").write_text("")  # not a log: never packed
    settings = home / ".config" / "Cityroom" / "Cityroom.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        "[ingest]\nbroker=mqtt://desk:brokerpass@broker.city.local:8883\n"
        f"[recording]\ndir={home}/recordings\n",
        encoding="utf-8",
    )
    # Oldest first by time, as rotation leaves them.
    for age, name in enumerate(["cityroom.log", "cityroom-serve.log", "cityroom.log.1"]):
        os.utime(logs / name, (1_700_000_000 - age * 60, 1_700_000_000 - age * 60))
    return home, logs, settings


def members(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


EXTRA: dict[str, object] = {
    "backend": {"mode": "remote", "location": "https://svc:pw@ops.city.local:8443"},
    "screens": [{"name": "HDMI-1", "geometry": [0, 0, 1920, 1080]}],
}
PERSONAL = [
    "Cam3ra",
    "admin:",
    "hunter2",
    "abc.def",
    "eyJhbGci",
    "s3cr3t",
    "12가3456",
    "123가4567",
    "서울",
    "operator:kim",
    "박지은",
    "lee",
    " kim ",
    "010-1234-5678",
    "9876-5432",
    "123-4567",
    "example.co.kr",
    "/home/lee",
    "brokerpass",
    "svc:pw",
]


def test_no_personal_data_survives_and_actors_keep_one_pseudonym(tmp_path: Path) -> None:
    home, logs, settings = seeded_home(tmp_path)
    out = tmp_path / "bundle.zip"
    report = write_bundle(
        out, log_dir=logs, settings_file=settings, extra=EXTRA, user="kim", home=home
    )

    inside = members(out)
    assert list(inside) == [
        "about.json",
        "logs/cityroom.log",
        "logs/cityroom-serve.log",
        "logs/cityroom.log.1",
        "settings/Cityroom.conf",
        "manifest.txt",
    ]
    assert report.members == tuple(inside)
    everything = "\n".join(inside.values())
    for value in PERSONAL:
        assert value not in everything, value
    assert str(home) not in everything
    log = inside["logs/cityroom.log"]
    assert "rtsp://***@10.20.30.40:554/stream1" in log
    assert '"password": "***", "token": "***"' in log
    assert "Authorization: Bearer ***" in log and "password=***&client=desk" in log
    assert "read <plate> and <plate> near <plate>" in log
    assert "by operator:<person-1>; assigned by supervisor:<person-2>" in log
    assert "reached at <phone> and <phone>, office <phone>" in log
    assert "read ~/.config/x.ini; also /home/<user>/x.ini" in log
    assert "login name <user> started" in log
    # The same person under the same pseudonym in every file of the bundle.
    assert "by operator:<person-1> to operator:<person-3>" in inside["logs/cityroom.log.1"]
    assert "user:<person-3> signed in" in inside["logs/cityroom-serve.log"]
    assert "mqtt://***@broker.city.local:8883" in inside["settings/Cityroom.conf"]
    about = json.loads(inside["about.json"])
    assert about["backend"] == {"mode": "remote", "location": "https://***@ops.city.local:8443"}
    assert about["screens"] == EXTRA["screens"]
    assert about["python"] and about["packages"]["PySide6"]
    assert "backend: remote" in report.summary and about["cityroom"] in report.summary
    assert not list(tmp_path.glob("*.part"))


def test_the_manifest_lists_the_files_and_counts_what_was_removed(tmp_path: Path) -> None:
    home, logs, settings = seeded_home(tmp_path)
    report = write_bundle(
        tmp_path / "b.zip", log_dir=logs, settings_file=settings, extra=EXTRA, user="kim",
        home=home,
    )  # fmt: skip

    expected = {
        "url_credentials": 3,  # camera, broker, backend
        "secrets": 4,  # JSON password and token, Authorization header, password=
        "emails": 1,
        "actors": 5,  # kim twice, 박지은, lee twice: three people
        "known_people": 0,
        "korean_names": 0,
        "user_name": 1,
        "plates": 3,
        "phones": 3,
        "long_lines": 0,
    }
    removed = dict(report.removed)
    # Home folders: two in the log, one in the settings, and the four files' own paths; more
    # when the test's temporary folder itself lies under someone's home.
    assert removed.pop("home_folders") >= 7
    assert removed == expected
    manifest = members(tmp_path / "b.zip")["manifest.txt"]
    for kind, label in KINDS.items():
        if kind != "home_folders":
            assert f"{expected[kind]:>6}  {label}" in manifest
    assert "distinct people in this bundle: 3" in manifest
    assert "logs/cityroom.log.1" in manifest and "~/.local/state/cityroom/logs" in manifest
    assert "settings/Cityroom.conf" in manifest
    assert "cityroom.lock" not in manifest


def test_logs_go_in_newest_first_up_to_the_cap(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    for age, name in enumerate(["cityroom.log", "cityroom.log.1", "cityroom.log.2"]):
        lines = [f"{T} INFO x [t] {name} record {n:02d}" for n in range(6)]
        (logs / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.utime(logs / name, (1_700_000_000 - age, 1_700_000_000 - age))
    assert [p.name for p in log_files(logs)] == [
        "cityroom.log",
        "cityroom.log.1",
        "cityroom.log.2",
    ]
    size = (logs / "cityroom.log").stat().st_size

    report = write_bundle(
        tmp_path / "b.zip", log_dir=logs, settings_file=None, extra={}, log_cap=size + size // 2
    )

    inside = members(tmp_path / "b.zip")
    assert inside["logs/cityroom.log"] == (logs / "cityroom.log").read_text(encoding="utf-8")
    older = inside["logs/cityroom.log.1"].splitlines()
    assert 0 < len(older) < 6
    assert older[-1].endswith("record 05")  # the newest part of the file, whole lines
    assert all(line.startswith(T) for line in older)
    assert "logs/cityroom.log.2" not in inside
    assert any("cityroom.log.2: over the" in item for item in report.left_out)
    manifest = inside["manifest.txt"]
    assert "only" in manifest and "cityroom.log.2: over the" in manifest
    assert "settings: none given" in manifest


def test_an_over_long_line_is_cut_and_its_tail_never_packed(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    long_line = f"{T} INFO x [t] dump " + "ab " * 100_000 + "password=topsecret 12가3456"
    (logs / "cityroom.log").write_text(f"{long_line}\n{T} INFO x [t] after\n", encoding="utf-8")

    report = write_bundle(tmp_path / "b.zip", log_dir=logs, settings_file=None, extra={})

    log = members(tmp_path / "b.zip")["logs/cityroom.log"]
    assert "topsecret" not in log and "12가3456" not in log
    assert "[rest of an over-long line left out]" in log
    assert log.splitlines()[-1] == f"{T} INFO x [t] after"
    assert report.removed["long_lines"] == 1


def test_a_target_in_a_missing_folder_is_refused_naming_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "bundle.zip"
    with pytest.raises(DiagnosticsError) as error:
        write_bundle(out, log_dir=tmp_path, settings_file=None, extra={})
    message = str(error.value)
    assert str(out) in message
    assert f"the folder {tmp_path / 'missing'} does not exist" in message
    assert "Create the folder first" in message
    assert list(tmp_path.iterdir()) == []


def test_a_target_under_a_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    out = tmp_path / "file" / "bundle.zip"
    with pytest.raises(DiagnosticsError) as error:
        write_bundle(out, log_dir=tmp_path, settings_file=None, extra={})
    assert f"{tmp_path / 'file'} is a file, not a folder" in str(error.value)
    assert not list(tmp_path.glob("**/*.part"))


@pytest.mark.skipif(is_root, reason="root may write a read-only folder")
def test_a_read_only_target_folder_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(DiagnosticsError, match="Permission denied"):
            write_bundle(folder / "b.zip", log_dir=tmp_path, settings_file=None, extra={})
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_rewritten_bundle_replaces_the_old_one_whole(tmp_path: Path) -> None:
    out = tmp_path / "b.zip"
    out.write_bytes(b"an older bundle")
    write_bundle(out, log_dir=tmp_path / "none", settings_file=tmp_path / "gone.ini", extra={})
    manifest = members(out)["manifest.txt"]
    assert "logs: none found" in manifest and "gone.ini" in manifest
    assert not list(tmp_path.glob("*.part"))


KOREAN_LOG = [
    f"{T} WARNING cityroom.inbound [http] report refused: 신고자 김민수(010-2222-3333) 차량 "
    "34나5678, 보호자 이영희",
    f"{T} INFO cityroom.incidents [MainThread] INC-000002 assigned to 최유진 경위 by operator:lee",
    f"{T} INFO cityroom.notes [MainThread] 운영자 박지영 님이 접수; 최유진님 출동",
    f"{T} INFO cityroom.rules [MainThread] 이상 징후 감지: 강남구 WL-01 수위 주의, 이동 중",
]


def test_people_keep_one_pseudonym_across_the_bundle_and_are_counted(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "cityroom.log").write_text("\n".join(KOREAN_LOG) + "\n", encoding="utf-8")
    settings = tmp_path / "Cityroom.conf"
    settings.write_text("[map]\nbookmarks=lee: 역삼동, 최유진: 강남역\n", encoding="utf-8")

    report = write_bundle(
        tmp_path / "b.zip",
        log_dir=logs,
        settings_file=settings,
        extra={"shift": "lee with 최유진"},
        people={"최유진", "lee"},
        user="kim",
        home=tmp_path,
    )

    inside = members(tmp_path / "b.zip")
    everything = "\n".join(inside.values())
    for name in ("김민수", "이영희", "최유진", "박지영", "lee"):
        assert name not in everything, name
    about = json.loads(inside["about.json"])
    log = inside["logs/cityroom.log"].splitlines()
    conf = inside["settings/Cityroom.conf"]
    # about.json goes first: lee and 최유진 are people 1 and 2 in every file after it.
    assert about["shift"] == "<person-1> with <person-2>"
    assert log[0].endswith("신고자 <person-3>(<phone>) 차량 <plate>, 보호자 <person-4>")
    assert log[1].endswith("assigned to <person-2> 경위 by operator:<person-1>")
    assert log[2].endswith("운영자 <person-5> 님이 접수; <person-2>님 출동")
    assert log[3] == KOREAN_LOG[3]
    assert "bookmarks=<person-1>: 역삼동, <person-2>: 강남역" in conf
    assert report.removed["actors"] == 1
    assert report.removed["known_people"] == 6
    assert report.removed["korean_names"] == 3
    manifest = inside["manifest.txt"]
    assert f"     6  {KINDS['known_people']}" in manifest
    assert f"     3  {KINDS['korean_names']}" in manifest
    assert "distinct people in this bundle: 5" in manifest


def test_versions_come_from_the_package_metadata_when_there_is_some() -> None:
    versions = package_versions({"Qt": "6.11.0"})
    assert list(versions)[: len(KEY_PACKAGES)] == [p.distribution for p in KEY_PACKAGES]
    assert versions["numpy"] == __import__("numpy").__version__
    assert versions["PySide6"][0].isdigit()
    assert versions["Qt"] == "6.11.0"  # the caller's, after the packages


@pytest.fixture
def modules_without_metadata(tmp_path: Path) -> Iterator[Path]:
    """Packages as a PyInstaller build carries them: importable, without any .dist-info."""
    (tmp_path / "frozen_lib").mkdir()
    (tmp_path / "frozen_lib" / "__init__.py").write_text('__version__ = "4.5.6"\n')
    (tmp_path / "frozen_broken.py").write_text("import frozen_missing_dependency\n")
    (tmp_path / "frozen_qt_like").mkdir()
    (tmp_path / "frozen_qt_like" / "__init__.py").write_text('__version__ = "9.9"\n')
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("frozen_lib", "frozen_broken", "frozen_qt_like"):
        sys.modules.pop(name, None)


def test_versions_fall_back_to_the_modules_themselves(modules_without_metadata: Path) -> None:
    assert package_version(KeyPackage("frozen-lib", "frozen_lib")) == "4.5.6"
    assert package_version(KeyPackage("frozen-nowhere", "frozen_nowhere")) == "not installed"
    broken = package_version(KeyPackage("frozen-broken", "frozen_broken"))
    assert broken.startswith("present but cannot be imported")
    assert "frozen_missing_dependency" in broken
    # What core may not import (Qt): the caller's version, else found but never imported.
    qt_like = KeyPackage("frozen-qt-like", "frozen_qt_like", imported_here=False)
    assert package_version(qt_like, {"frozen-qt-like": "9.9"}) == "9.9"
    assert package_version(qt_like) == "present (version unknown: no package metadata)"
    assert "frozen_qt_like" not in sys.modules
    gone = KeyPackage("frozen-qt-gone", "frozen_qt_gone", imported_here=False)
    assert package_version(gone) == "not installed"


def test_a_folder_target_gets_a_dated_file_inside(tmp_path: Path) -> None:
    now = datetime(2026, 1, 5, 6, 7, 8)
    expected = tmp_path / "cityroom-diagnostics-20260105-060708.zip"
    assert bundle_target(tmp_path, now) == expected
    assert bundle_target(f"{tmp_path}{os.sep}", now) == expected
    assert bundle_target(tmp_path / "b.zip", now) == tmp_path / "b.zip"
    assert bundle_target(str(tmp_path / "new"), now) == tmp_path / "new"  # a file named so


def test_a_missing_folder_written_as_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticsError) as error:
        bundle_target(f"{tmp_path / 'missing'}{os.sep}")
    message = str(error.value)
    assert f"the folder {tmp_path / 'missing'} does not exist" in message
    assert "Create the folder first" in message
    (tmp_path / "file").write_text("")
    with pytest.raises(DiagnosticsError, match="is a file, not a folder"):
        bundle_target(f"{tmp_path / 'file'}/")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
