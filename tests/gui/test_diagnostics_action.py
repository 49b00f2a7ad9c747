"""Copy diagnostics from a real workstation (the save dialog, the bundle built off the GUI
thread, the clipboard, the messages) and from the command line."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from core.commands import Acknowledge, Assign
from core.diagnostics import BundleReport
from core.logfiles import start_log_files, stop_log_files
from tests.gui.conftest import Workstation
from ui.diagnostics import copy_diagnostics

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[Path]:
    """The process logs to the test's own folder, as the app does once started."""
    path = start_log_files(tmp_path / "logs")
    assert path is not None
    yield path
    stop_log_files()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with a Documents folder, in the test's own folder."""
    folder = tmp_path / "home"
    (folder / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(folder))
    return folder


def message_box(station: Workstation) -> QMessageBox:
    boxes = [b for b in station.window.findChildren(QMessageBox) if b.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def test_the_bundle_is_saved_where_the_dialog_suggests_and_described_on_the_clipboard(
    qtbot: QtBot, workstation: Workstation, logs: Path, home: Path
) -> None:
    incident = workstation.report("F-FIRE")
    workstation.backend.submit(Acknowledge(incident), "supervisor:han").result()
    workstation.backend.submit(Assign(incident, assignee="최유진"), "supervisor:han").result()

    def assigned() -> bool:
        found = workstation.context.store.state.incidents.get(incident)
        return found is not None and found.assignee == "최유진"

    qtbot.waitUntil(assigned)
    logging.getLogger("cityroom.lpr").warning("plate 12가3456 read for operator:kim")
    # People the event log knows, named in free text with no label: still pseudonymised.
    logging.getLogger("cityroom.shift").warning("최유진 현장 도착, han 확인")

    job = copy_diagnostics(workstation.window, workstation.context)
    dialog = workstation.window.findChild(QFileDialog)
    assert dialog is not None and dialog.isVisible()
    suggested = Path(dialog.selectedFiles()[0])
    assert suggested.parent == home / "Documents"
    assert re.fullmatch(r"cityroom-diagnostics-\d{8}-\d{6}\.zip", suggested.name)
    with qtbot.waitSignal(job.finished, timeout=30_000) as finished:
        dialog.accept()  # the operator takes the suggested file

    report = finished.args[0]
    assert isinstance(report, BundleReport) and report.path == suggested
    box = message_box(workstation)
    assert box.icon() == QMessageBox.Icon.Information and str(suggested) in box.text()
    assert "manifest.txt" in box.informativeText()
    assert QApplication.overrideCursor() is None
    clipboard = QApplication.clipboard().text()
    assert clipboard.startswith(f"Cityroom diagnostics: {suggested}\n")
    assert "backend: standalone" in clipboard and "Python 3." in clipboard

    with zipfile.ZipFile(suggested) as archive:
        about = json.loads(archive.read("about.json"))
        log = archive.read("logs/cityroom.log").decode("utf-8")
        names = archive.namelist()
    assert about["backend"]["mode"] == "standalone"
    assert about["incidents_by_status"] == {"assigned": 1}
    assert about["event_log"]["incidents_by_status"] == {"assigned": 1}
    assert about["event_log"]["events"] >= 1
    assert about["packages"]["Qt"].startswith("6.") and about["packages"]["PySide6"]
    screen = about["screens"][0]
    assert screen["geometry"][2] > 0 and screen["logical_dpi"] > 0
    assert any(s["has_window"] for s in about["screens"])
    assert "plate <plate> read for operator:<person-1>" in log
    assert "<person-2> 현장 도착, <person-3> 확인" in log
    assert "12가3456" not in log and "최유진" not in log
    assert "settings/settings.ini" in names and "manifest.txt" in names
    box.close()


def test_a_folder_that_cannot_be_written_is_named_in_the_error(
    qtbot: QtBot, workstation: Workstation, logs: Path, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    target = tmp_path / "taken" / "bundle.zip"
    QApplication.clipboard().setText("before")

    job = copy_diagnostics(workstation.window, workstation.context, target=target)
    with qtbot.waitSignal(job.finished, timeout=30_000) as finished:
        pass

    assert finished.args == [None]
    box = message_box(workstation)
    assert box.icon() == QMessageBox.Icon.Critical
    assert str(target) in box.informativeText()
    assert "Choose a folder you can write to" in box.informativeText()
    assert QApplication.clipboard().text() == "before"
    assert QApplication.overrideCursor() is None
    box.close()


def test_cancelling_the_dialog_writes_nothing(
    qtbot: QtBot, workstation: Workstation, logs: Path, home: Path
) -> None:
    job = copy_diagnostics(workstation.window, workstation.context)
    dialog = workstation.window.findChild(QFileDialog)
    assert dialog is not None
    with qtbot.waitSignal(job.finished) as finished:
        dialog.reject()
    assert finished.args == [None]
    assert list((home / "Documents").iterdir()) == []
    assert not [b for b in workstation.window.findChildren(QMessageBox) if b.isVisible()]


CLI = """
import sys
from pathlib import Path
from ui.diagnostics import cli_diagnostics
status = cli_diagnostics(sys.argv[1], log_dir=Path(sys.argv[2]))
loaded = [m for m in ("PySide6.QtGui", "PySide6.QtWidgets") if m in sys.modules]
print("loaded:", loaded)
sys.exit(status)
"""


def run_cli(tmp_path: Path, out: Path | str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("QT_QPA_PLATFORM", None)  # no display needed at all
    return subprocess.run(
        [sys.executable, "-c", CLI, str(out), str(tmp_path / "logs")],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
    )


def test_the_command_line_writes_the_bundle_without_loading_the_gui(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "cityroom.log").write_text(
        "2026-01-05T06:00:00.123Z INFO x [t] owner 010-1234-5678\n", encoding="utf-8"
    )
    settings = tmp_path / "config" / "Cityroom" / "Cityroom.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[ingest]\nbroker=mqtt://desk:pw@broker:1883\n", encoding="utf-8")
    (tmp_path / "out").mkdir()

    result = run_cli(tmp_path, tmp_path / "out")  # a folder: a new file in it

    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout
    written = list((tmp_path / "out").glob("cityroom-diagnostics-*.zip"))
    assert len(written) == 1
    assert f"Diagnostics bundle: {written[0]}" in result.stdout
    assert "phone numbers: 1" in result.stdout
    with zipfile.ZipFile(written[0]) as archive:
        assert "<phone>" in archive.read("logs/cityroom.log").decode("utf-8")
        conf = archive.read("settings/Cityroom.conf").decode("utf-8")
    assert "mqtt://***@broker:1883" in conf and "pw" not in conf


def test_the_command_line_says_why_it_cannot_write_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    out = tmp_path / "taken" / "bundle.zip"
    result = run_cli(tmp_path, out)
    assert result.returncode == 2
    assert f"cityroom diagnostics: Cannot write the diagnostics bundle {out}" in result.stderr
    assert f"{tmp_path / 'taken'} is a file, not a folder" in result.stderr


def test_the_command_line_refuses_a_missing_folder_written_as_one(tmp_path: Path) -> None:
    result = run_cli(tmp_path, f"{tmp_path / 'missing-folder'}{os.sep}")
    assert result.returncode == 2
    assert f"the folder {tmp_path / 'missing-folder'} does not exist" in result.stderr
    assert "Create the folder first" in result.stderr
    assert not (tmp_path / "missing-folder").exists()
