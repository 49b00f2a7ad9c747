"""A workstation on a remote backend for the GUI and integration tests: its window built on a
``RemoteBackend`` the way the application builds it, and its replica filled as the link fills
it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from core.notices import NoticeBoard
from core.remote.backend import LinkState, RemoteBackend
from core.remote.replica import REPLICA_FILE, UNBOUND
from panels import all_panels
from tests.backend_server import free_port, wait_until
from tests.gui.conftest import lite_city
from ui.app import build_context
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.settings import Settings


@dataclass
class RemoteStation:
    """A workstation on a remote backend that cannot be reached: it works on its replica."""

    context: AppContext
    window: MainWindow
    backend: RemoteBackend

    def close(self) -> None:
        self.window.close()
        self.context.store.stop()
        self.backend.close()


def unbound_replica(data_dir: Path) -> Path:
    """Where a remote backend keeps its replica before it ever reached the server."""
    return data_dir / UNBOUND / REPLICA_FILE


def open_remote_workstation(
    qtbot: QtBot, folder: Path, url: str | None = None, user: tuple[str, str] = ("kim", "unused")
) -> RemoteStation:
    """A workstation on the backend at ``url`` signed in as ``user`` (name, password), its
    replica in ``folder / "remote"``. By default nobody answers at the URL (a free port on
    127.0.0.1): what the replica holds is all the workstation has."""
    folder.mkdir(parents=True, exist_ok=True)
    notices = NoticeBoard()
    backend = RemoteBackend(
        url or f"http://127.0.0.1:{free_port()}",
        username=user[0],
        password=user[1],
        data_dir=folder / "remote",
        notices=notices,
    )
    backend.ready.result(10)
    if url is not None:
        # Signing in binds the replica to the server's log (another file): the window is
        # built on the bound one.
        wait_until(lambda: backend.status().state is LinkState.ONLINE, 10, "the link")
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    settings.evidence_dir = folder / "evidence"
    context = build_context(backend, lite_city(), notices, settings, "en")
    panels = [p for p in all_panels() if p.id not in ("map", "video_wall")]
    window = MainWindow(context, panels, remember_layout=False)
    qtbot.addWidget(window)
    context.store.start()
    window.show()
    qtbot.waitUntil(lambda: context.store.is_loaded)
    return RemoteStation(context, window, backend)
