"""The support bundle: what goes in, what personal data comes out, the manifest's counts, the
cap on logs, and a target that cannot be written."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from core.diagnostics import (
    KINDS,
    DiagnosticsError,
    Scrubber,
    log_files,
    write_bundle,
)

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
    assert "by operator:<user-1>; assigned by supervisor:<user-2>" in log
    assert "reached at <phone> and <phone>, office <phone>" in log
    assert "read ~/.config/x.ini; also /home/<user>/x.ini" in log
    assert "login name <user> started" in log
    # The same person under the same pseudonym in every file of the bundle.
    assert "by operator:<user-1> to operator:<user-3>" in inside["logs/cityroom.log.1"]
    assert "user:<user-3> signed in" in inside["logs/cityroom-serve.log"]
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


def test_ordinary_log_text_is_left_alone() -> None:
    scrubber = Scrubber(user="kim", home=Path("/home/kim"))
    lines = [
        f"{T} INFO cityroom.rules [MainThread] INC-000123 seq 1048576 sensor:WL-01 3.52 m",
        "2026년 12월 3일 10시 수위 2.5 m 관심, 12일 2024건",
        "agency:112 received packet PKT-0001 (CAP 1.2) from rules:flood-2",
        "tokens left: 5; password policy ok; http://127.0.0.1:8443/api/v1/events?after=10",
        "PySide6 6.11.3 numpy 2.4.6 opened /srv/cityroom/data/cityroom.db",
    ]
    assert [scrubber.line(line) for line in lines] == lines
    assert sum(scrubber.counts.values()) == 0


def test_a_generic_account_name_is_not_treated_as_a_person() -> None:
    scrubber = Scrubber(user="root", home=Path("/root"))
    assert scrubber.line("root logger at /root/.local/state") == "root logger at ~/.local/state"


def test_a_target_in_a_missing_folder_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    out = tmp_path / "file" / "bundle.zip"
    with pytest.raises(DiagnosticsError) as error:
        write_bundle(out, log_dir=tmp_path, settings_file=None, extra={})
    assert str(out) in str(error.value)
    assert "Choose a folder you can write to" in str(error.value)
    assert not out.parent.is_dir() and not list(tmp_path.glob("**/*.part"))


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
