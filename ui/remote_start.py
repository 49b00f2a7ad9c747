"""Starting the workstation on the centre's operations backend: the credentials (the sign-in
dialog, or the environment without a window) and the window over a ``RemoteBackend``."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from core.city import City
from core.notices import NoticeBoard, NoticeLevel
from ui.app import RunningWorkstation, open_workstation
from ui.context import PanelSpec
from ui.remote_login import RemoteLogin
from ui.settings import Settings


def remote_login(args: argparse.Namespace, url: str, *, interactive: bool) -> RemoteLogin | int:
    """The credentials for the backend at ``url`` (the sign-in dialog, or the environment
    without a window), or the exit status when there are none."""
    from ui.remote_login import credentials_at_start

    user = args.user or getpass.getuser()
    return credentials_at_start(url, user, args.ca_cert, interactive=interactive)


def start_remote_workstation(
    login: RemoteLogin,
    data_dir: Path,
    city: City,
    settings: Settings,
    language: str,
    panels: Sequence[PanelSpec],
    *,
    notices: NoticeBoard | None = None,
    remember_layout: bool = True,
    prompt_sign_in: bool = True,
    panels_after_show: bool = False,
) -> RunningWorkstation:
    """Open the window on the operations backend ``login.url``: its copy of the log and the
    command queue in ``data_dir``, no simulator and no field feed here (the server runs them),
    the link's state in the status bar and the Backend menu. ``prompt_sign_in``: open the
    sign-in dialog by itself when the server asks for credentials. ``panels_after_show``: as
    :func:`ui.app.open_workstation`."""
    from core.remote.backend import RemoteBackend
    from ui.remote_link import LinkWatch, install_backend_link

    notices = notices or NoticeBoard()
    watch = LinkWatch(login.url, login.username)
    backend = RemoteBackend(
        login.url,
        username=login.username,
        password=login.password,
        data_dir=data_dir,
        ca_file=login.ca_file,
        notices=notices,
        on_status=watch.update,
    )
    station = open_workstation(
        backend,
        city,
        notices,
        settings,
        language,
        panels,
        remember_layout=remember_layout,
        actor=f"operator:{login.username}",
        panels_after_show=panels_after_show,
    )
    station.link = install_backend_link(
        station.window,
        station.context,
        backend,
        watch,
        ca_file=login.ca_file,
        prompt_sign_in=prompt_sign_in,
    )
    if login.offline:
        notices.post(
            NoticeLevel.WARNING,
            "backend",
            QCoreApplication.translate(
                "Startup",
                "Working offline on this workstation's copy of the log; commands are saved "
                "and sent when %1 can be reached.",
            ).replace("%1", login.url),
        )
    return station
