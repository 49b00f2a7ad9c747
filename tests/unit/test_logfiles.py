"""Rotating log files: where they go, what a line looks like, rollover, uncaught exceptions,
an unwritable folder, and two processes sharing one folder."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.logfiles import (
    current_log_file,
    default_log_dir,
    start_log_files,
    stop_log_files,
)

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<logger>\S+) "
    r"\[(?P<thread>[^\]]+)\] (?P<message>.*)$"
)
is_root = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def log_files_stopped() -> Iterator[None]:
    """Every test leaves the process's logging as it found it."""
    root_level = logging.getLogger().level
    yield
    stop_log_files()
    assert logging.getLogger().level == root_level


def records(path: Path) -> list[re.Match[str]]:
    """The record lines of a log file (continuation lines left out)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [m for line in lines if (m := LINE.match(line))]


def test_the_log_folder_follows_each_platforms_convention() -> None:
    home = Path("/home/kim")
    assert default_log_dir(platform="linux", environ={}, home=home) == Path(
        "/home/kim/.local/state/cityroom/logs"
    )
    assert default_log_dir(
        platform="linux", environ={"XDG_STATE_HOME": "/srv/state"}, home=home
    ) == Path("/srv/state/cityroom/logs")
    windows = default_log_dir(
        platform="win32", environ={"LOCALAPPDATA": "C:/Users/kim/AppData/Local"}, home=home
    )
    assert windows == Path("C:/Users/kim/AppData/Local/Cityroom/logs")
    assert default_log_dir(platform="darwin", environ={}, home=home) == Path(
        "/home/kim/Library/Logs/Cityroom"
    )


def test_records_are_one_line_each_with_time_level_logger_and_thread(tmp_path: Path) -> None:
    path = start_log_files(tmp_path / "logs")
    assert path == tmp_path / "logs" / "cityroom.log" == current_log_file()
    logging.getLogger("cityroom.rules").info("rule %s fired\nfor WL-01", "flood")
    logging.getLogger("cityroom.rules").debug("below the level: not written")
    try:
        raise ValueError("bad reading")
    except ValueError:
        logging.getLogger("cityroom.ingest").exception("reading dropped")

    text = path.read_text(encoding="utf-8")
    lines = records(path)
    fired = next(m for m in lines if m["logger"] == "cityroom.rules")
    assert (fired["level"], fired["thread"]) == ("INFO", "MainThread")
    assert fired["message"] == "rule flood fired\\nfor WL-01"  # one line per record
    assert "below the level" not in text
    dropped = text[text.index("reading dropped") :].splitlines()
    assert dropped[1] == "  Traceback (most recent call last):"
    assert dropped[-1] == "  ValueError: bad reading"
    assert all(line.startswith("  ") for line in dropped[1:])  # only records start a line


def test_starting_again_keeps_one_handler_and_writes_each_record_once(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers = len(root.handlers)
    first = start_log_files(tmp_path)
    assert start_log_files(tmp_path) == first
    assert len(root.handlers) == handlers + 1
    logging.getLogger("cityroom").warning("only once")
    assert first is not None
    assert [m["message"] for m in records(first)].count("only once") == 1
    stop_log_files()
    assert len(root.handlers) == handlers
    logging.getLogger("cityroom").warning("after the stop")
    assert "after the stop" not in first.read_text(encoding="utf-8")


def test_the_file_rolls_over_and_keeps_only_the_backups_asked_for(tmp_path: Path) -> None:
    path = start_log_files(tmp_path, max_bytes=2_000, backups=2)
    assert path is not None
    for n in range(200):
        logging.getLogger("cityroom.bench").info("record %03d %s", n, "x" * 40)

    names = sorted(p.name for p in tmp_path.iterdir() if ".log" in p.name)
    assert names == ["cityroom.log", "cityroom.log.1", "cityroom.log.2"]
    for name in names:
        assert (tmp_path / name).stat().st_size <= 2_000
    newest = [m["message"] for m in records(path)]
    older = [m["message"] for m in records(tmp_path / "cityroom.log.1")]
    assert newest[-1].startswith("record 199")
    assert older[-1] < newest[0]  # .1 holds the records just before the current file's
    assert "record 000" not in "".join(m["message"] for m in records(tmp_path / "cityroom.log.2"))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_uncaught_exception_in_a_thread_is_logged(tmp_path: Path) -> None:
    path = start_log_files(tmp_path)
    assert path is not None

    def camera_worker() -> None:
        raise RuntimeError("decoder crashed on CAM-0042")

    worker = threading.Thread(target=camera_worker, name="capture-CAM-0042")
    worker.start()
    worker.join()

    text = path.read_text(encoding="utf-8")
    crash = next(m for m in records(path) if m["level"] == "CRITICAL")
    assert "capture-CAM-0042" in crash["message"]
    assert "decoder crashed on CAM-0042" in crash["message"]
    assert "  RuntimeError: decoder crashed on CAM-0042" in text
    assert 'in camera_worker\n      raise RuntimeError("decoder crashed on CAM-0042")' in text


@pytest.mark.qt_no_exception_capture  # the hook under test, not pytest-qt's, comes first
def test_an_uncaught_exception_in_the_main_thread_is_logged_then_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = start_log_files(tmp_path)
    assert path is not None
    try:
        raise KeyError("INC-000042")
    except KeyError as error:
        # What the interpreter does with an exception nothing caught.
        sys.excepthook(type(error), error, error.__traceback__)

    assert "  KeyError: 'INC-000042'" in path.read_text(encoding="utf-8")
    assert "KeyError: 'INC-000042'" in capsys.readouterr().err  # the default hook still ran


def test_stopping_puts_the_exception_hooks_back(tmp_path: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    start_log_files(tmp_path)
    assert (sys.excepthook, threading.excepthook) != before
    stop_log_files()
    assert (sys.excepthook, threading.excepthook) == before


@pytest.mark.skipif(is_root, reason="root may write a read-only folder")
def test_a_read_only_folder_leaves_the_app_running_without_log_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert start_log_files(folder) is None
        logging.getLogger("cityroom").error("still running")
    finally:
        folder.chmod(0o700)
    err = capsys.readouterr().err
    assert str(folder) in err and "Make the folder writable" in err
    assert current_log_file() is None
    assert list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_made_leaves_the_app_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A file where the folder should be: refused even to root.
    (tmp_path / "state").write_text("not a folder")
    folder = tmp_path / "state" / "logs"
    assert start_log_files(folder) is None
    logging.getLogger("cityroom").error("still running")
    err = capsys.readouterr().err
    assert f"cannot write log files in {folder}" in err
    assert "Make the folder writable (or free some disk space)" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a full disk)")
def test_a_full_disk_is_reported_once_not_per_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cityroom.log").symlink_to("/dev/full")  # every write: no space left
    path = start_log_files(tmp_path)
    assert path == tmp_path / "cityroom.log"
    for n in range(5):
        logging.getLogger("cityroom").warning("record %d", n)
    err = capsys.readouterr().err
    assert err.count("cityroom: cannot write the log file") == 1
    assert str(path) in err and "Free some disk space" in err
    assert "Traceback" not in err


HOLDER = """
import sys
from pathlib import Path
from core.logfiles import start_log_files
print(start_log_files(Path(sys.argv[1]), name=sys.argv[2]), flush=True)
sys.stdin.read()  # hold the log files until the test closes stdin
"""


def test_two_processes_of_one_name_get_their_own_files(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "cityroom"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    ) as other_desk:
        assert other_desk.stdin is not None and other_desk.stdout is not None
        assert other_desk.stdout.readline().strip() == str(tmp_path / "cityroom.log")
        # A second desk of the same user takes the next name; rotation stays per process.
        assert start_log_files(tmp_path) == tmp_path / "cityroom-2.log"
        logging.getLogger("cityroom").info("from the second desk")
        # The server has a name of its own, whatever the desks hold.
        assert start_log_files(tmp_path, name="cityroom-serve") == tmp_path / (
            "cityroom-serve.log"
        )
        other_desk.stdin.close()
        assert other_desk.wait(timeout=30) == 0
    assert "from the second desk" in (tmp_path / "cityroom-2.log").read_text(encoding="utf-8")
    assert "from the second desk" not in (tmp_path / "cityroom.log").read_text(encoding="utf-8")
    # The first desk has ended: its name is free again (no stale claim).
    stop_log_files()
    assert start_log_files(tmp_path) == tmp_path / "cityroom.log"
