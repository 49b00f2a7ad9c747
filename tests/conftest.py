"""Test configuration: headless Qt, and a guard that fails any test leaving work running."""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
# Settings written by GUI tests go to a scratch folder, never the developer's own.
os.environ.setdefault("XDG_CONFIG_HOME", str(Path(__file__).parent.parent / "var" / "test-config"))
# ... and so do recordings and evidence the wall keeps by default.
os.environ.setdefault("XDG_DATA_HOME", str(Path(__file__).parent.parent / "var" / "test-data"))

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Qt settings that must precede the QApplication pytest-qt creates."""
    from ui.app import prepare_qt

    prepare_qt()


def _active_qt_timers() -> list[str]:
    if "PySide6.QtWidgets" not in sys.modules:
        return []
    from PySide6.QtCore import QCoreApplication, QEvent, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return []
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    owners = [app, *QApplication.topLevelWidgets()]
    found = []
    for owner in owners:
        for timer in owner.findChildren(QTimer):
            if timer.isActive():
                parent = timer.parent()
                found.append(f"{type(parent).__name__}.{timer.objectName() or 'QTimer'}")
    return found


@pytest.fixture(autouse=True)
def no_leftover_work() -> Iterator[None]:
    """Fail a test that leaves a thread or an active Qt timer behind."""
    # The previous test's windows and services are freed here, on the main thread, not by
    # a cyclic collection that happens to run on a worker thread in the middle of this test.
    gc.collect()
    before = set(threading.enumerate())
    yield
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    for thread in leftover:
        thread.join(timeout=2.0)  # a worker told to stop may still be finishing its last job
    still = [t.name for t in leftover if t.is_alive()]
    timers = _active_qt_timers()
    assert not still, f"test left threads running: {still}"
    assert not timers, f"test left Qt timers running: {timers}"


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    """A path for a new event log in the test's own folder."""
    return tmp_path / "events.db"
