"""Test configuration: headless Qt, and a guard that fails any test leaving work running."""

from __future__ import annotations

import gc
import itertools
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.pg_cluster import PgCluster

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
_SCRATCH = Path(__file__).parent.parent / "var"

REPO = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Scratch folders, and Qt settings that must precede the QApplication pytest-qt
    creates."""
    # Settings written by GUI tests go to a scratch folder, never the developer's own; one
    # per test process, so parallel workers (pytest-xdist) never share a settings file ...
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    # ... and so do recordings and evidence the wall keeps by default, and the log files of
    # every app the tests start. (A worker inherits the controlling process's scratch folders,
    # so those are replaced, a developer's are not.)
    scratch = (
        ("XDG_CONFIG_HOME", "test-config"),
        ("XDG_DATA_HOME", "test-data"),
        ("XDG_STATE_HOME", "test-state"),
    )
    for variable, folder in scratch:
        current = os.environ.get(variable)
        if current is None or Path(current).parent == _SCRATCH / folder:
            os.environ[variable] = str(_SCRATCH / folder / worker)
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


# -- PostgreSQL: one throw-away cluster per run, a fresh database per test -----------------

_pg_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL cluster for the whole run (fails, never skips, without PostgreSQL)."""
    from tests.pg_cluster import PgCluster, PgClusterError

    # Not under pytest's own temporary folder: that one is private to root, and the server
    # runs as the postgres account when the tests run as root.
    directory = Path(tempfile.mkdtemp(prefix="cityroom-pg-"))
    try:
        cluster = PgCluster(directory)
        cluster.start()
    except PgClusterError as error:
        shutil.rmtree(directory, ignore_errors=True)
        pytest.fail(f"cannot start the test PostgreSQL: {error}", pytrace=False)
    yield cluster
    cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """The name of a database migrated once, which each test's database copies."""
    from server.schema import migrate

    name = "cityroom_template"
    migrate(pg_cluster.create_database(name))
    return name


@pytest.fixture
def pg_url(pg_cluster: PgCluster, pg_template: str) -> Iterator[str]:
    """The URL of a fresh, migrated database of the test's own, with its own log id."""
    import psycopg

    name = f"cityroom_t{os.getpid()}_{next(_pg_database_numbers)}"
    if not pg_cluster.is_running:  # a previous test stopped it and failed before restarting
        pg_cluster.start()
    url = pg_cluster.create_database(name, template=pg_template)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = gen_random_uuid()::text WHERE key = 'log_id'")
    yield url
    if not pg_cluster.is_running:
        pg_cluster.start()
    pg_cluster.drop_database(name)
