"""``cityroom diagnostics --out PATH`` as a user runs it (main.py in a child process): a folder
gets a dated bundle inside, a missing folder is refused naming it and the fix (exit 2, nothing
written), Qt's versions are reported, and the people of the event log are pseudonymised."""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.eventlog import EventLog
from core.events import IncidentAssigned, IncidentReported
from main import build_parser
from tests.cli import cityroom

T = "2026-01-05T06:00:00.123Z"
is_root = hasattr(os, "geteuid") and os.geteuid() == 0


def user_env(tmp_path: Path) -> dict[str, str]:
    """A user of the test's own: home, settings, data and log folders under ``tmp_path``."""
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def diagnostics(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return cityroom("diagnostics", *args, env=user_env(tmp_path))


def seeded_user(tmp_path: Path) -> Path:
    """Logs naming people the event log knows; returns the event log."""
    logs = tmp_path / "state" / "cityroom" / "logs"
    logs.mkdir(parents=True)
    (logs / "cityroom.log").write_text(
        f"{T} INFO cityroom.incidents [MainThread] 최유진 현장 확인함; lee confirmed\n"
        f"{T} INFO cityroom.rules [MainThread] 이상 징후 감지: 강남구 이동 중\n",
        encoding="utf-8",
    )
    db = tmp_path / "city.db"
    log = EventLog.open(db, FakeClock())
    log.append(
        [
            IncidentReported("INC-000001", "F-FIRE", 1, 37.5, 127.0, "11680").to_new(
                "workstation", "operator:lee"
            ),
            IncidentAssigned("INC-000001", "", "최유진").to_new("workstation", "operator:lee"),
        ]
    )
    log.close()
    return db


def test_a_folder_gets_a_dated_bundle_with_versions_and_people_pseudonymised(
    tmp_path: Path,
) -> None:
    db = seeded_user(tmp_path)
    (tmp_path / "out").mkdir()

    result = diagnostics(tmp_path, "--out", str(tmp_path / "out"), "--db", str(db))

    assert result.returncode == 0, result.stderr
    written = list((tmp_path / "out").iterdir())
    assert len(written) == 1
    assert re.fullmatch(r"cityroom-diagnostics-\d{8}-\d{6}\.zip", written[0].name)
    assert f"Diagnostics bundle: {written[0]}" in result.stdout
    with zipfile.ZipFile(written[0]) as archive:
        about = json.loads(archive.read("about.json"))
        log = archive.read("logs/cityroom.log").decode("utf-8")
    packages = about["packages"]
    assert packages["PySide6"][0].isdigit() and packages["Qt"].startswith("6.")
    assert "not installed" not in (packages["numpy"], packages["shiboken6"])
    assert "최유진" not in log and "lee" not in log
    assert "<person-1> 현장 확인함; <person-2> confirmed" in log
    assert "이상 징후 감지: 강남구 이동 중" in log
    assert any("event log" in source for source in about["people_pseudonymised_from"])


def test_a_file_in_a_missing_folder_is_refused_naming_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "bundle.zip"
    result = diagnostics(tmp_path, "--out", str(out))
    assert result.returncode == 2
    assert f"the folder {tmp_path / 'missing'} does not exist" in result.stderr
    assert "Create the folder first" in result.stderr
    assert not (tmp_path / "missing").exists()


def main_keeps_a_trailing_separator() -> bool:
    """Whether main.py hands ``--out`` over as typed (a Path drops the trailing separator that
    says "a folder")."""
    args = build_parser().parse_args(["diagnostics", "--out", "folder/"])
    return str(args.out).endswith("/")


@pytest.mark.skipif(
    not main_keeps_a_trailing_separator(),
    reason="main.py parses diagnostics --out with type=Path, which drops the trailing separator",
)
def test_a_missing_folder_written_as_a_folder_is_refused(tmp_path: Path) -> None:
    result = diagnostics(tmp_path, "--out", f"{tmp_path / 'missing-folder'}{os.sep}")
    assert result.returncode == 2
    assert f"the folder {tmp_path / 'missing-folder'} does not exist" in result.stderr
    assert "Create the folder first" in result.stderr
    assert not (tmp_path / "missing-folder").exists()


@pytest.mark.skipif(is_root, reason="root may write a read-only folder")
def test_a_folder_that_cannot_be_written_is_named_and_left_empty(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = diagnostics(tmp_path, "--out", str(folder))
        assert result.returncode == 2
        assert f"Cannot write the diagnostics bundle {folder}" in result.stderr
        assert "Permission denied" in result.stderr
        assert "Choose a folder you can write to" in result.stderr
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
