"""The workstation window on the operations backend: two windows share one city, the link's
state in the status bar, offline queueing, refused commands, signing in, the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from core.commands import Acknowledge, ReportIncident
from core.notices import NoticeLevel
from core.remote.backend import LinkState, RemoteBackend
from core.remote.errors import CommandQueued
from panels import all_panels
from panels.incidents.actions import ACTIONS
from panels.incidents.model import INCIDENT_ID_ROLE, Column
from panels.incidents.panel import IncidentQueuePanel
from tests.backend_server import BackendServer, free_port, served_database
from tests.cli import cityroom
from tests.gui.conftest import lite_city
from tests.pg_cluster import PgCluster
from ui.app import RunningWorkstation
from ui.remote_link import BackendLink
from ui.remote_login import RemoteLogin, RemoteLoginDialog
from ui.remote_start import start_remote_workstation
from ui.settings import Settings

PASSWORD = "correct horse battery"
USERS = [("kim", PASSWORD, "operator", ()), ("lee", PASSWORD, "operator", ("11230",))]
ACTION = {a.key: a for a in ACTIONS}
# The queue is what these tests look at; the other panels would only cost start-up time.
PANELS = [p for p in all_panels() if p.id == "incidents"]


@pytest.fixture(scope="module")
def server(
    pg_cluster: PgCluster, pg_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServer]:
    """One server and database for the module; a test that stops it starts it again."""
    folder = tmp_path_factory.mktemp("server")
    database = "cityroom_remote_window"
    with served_database(pg_cluster, pg_template, database, USERS, folder) as served:
        yield served


@pytest.fixture
def running(server: BackendServer) -> BackendServer:
    if not server.running:
        server.start()
    return server


class Window:
    """A workstation window on the backend, started as ``python main.py --backend`` does."""

    def __init__(self, qtbot, station: RunningWorkstation) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.station = station

    @property
    def backend(self) -> RemoteBackend:
        backend = self.station.backend
        assert isinstance(backend, RemoteBackend)
        return backend

    @property
    def link(self) -> BackendLink:
        assert self.station.link is not None
        return self.station.link

    @property
    def queue(self) -> IncidentQueuePanel:
        panel = self.station.window.panels["incidents"]
        assert isinstance(panel, IncidentQueuePanel)
        return panel

    def label(self) -> str:
        return self.link.label.summary

    def shown(self) -> list[str]:
        proxy = self.queue.proxy
        return [proxy.index(row, 0).data(INCIDENT_ID_ROLE) for row in range(proxy.rowCount())]

    def status_of(self, incident_id: str) -> str:
        proxy = self.queue.proxy
        row = self.shown().index(incident_id)
        return str(proxy.index(row, Column.STATUS).data())

    def wait_label(self, text: str, timeout_ms: int = 20_000) -> None:
        self.qtbot.waitUntil(lambda: text in self.label(), timeout=timeout_ms)

    def close(self) -> None:
        self.station.window.close()
        self.station.shutdown()


def open_window(  # type: ignore[no-untyped-def]
    qtbot,
    server: BackendServer,
    folder: Path,
    user: str,
    password: str = PASSWORD,
    *,
    panels: list = PANELS,  # type: ignore[type-arg]
    prompt_sign_in: bool = False,
    broker: str = "",
) -> Window:
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    settings.alert_sound = False
    settings.mqtt_broker = broker
    station = start_remote_workstation(
        RemoteLogin(server.url, user, password),
        folder / "remote",
        lite_city(),
        settings,
        "en",
        panels,
        remember_layout=False,
        prompt_sign_in=prompt_sign_in,
    )
    qtbot.addWidget(station.window)
    station.window.show()
    try:
        qtbot.waitUntil(lambda: station.context.store.is_loaded, timeout=30_000)
    except BaseException:
        station.window.close()
        station.shutdown()
        raise
    return Window(qtbot, station)


@pytest.fixture
def windows(qtbot, running: BackendServer, tmp_path: Path) -> Iterator[list[Window]]:  # type: ignore[no-untyped-def]
    made = [open_window(qtbot, running, tmp_path / "a", "kim")]
    try:
        made.append(open_window(qtbot, running, tmp_path / "b", "lee"))
        for window, user in zip(made, ("kim", "lee"), strict=True):
            window.wait_label(f"Backend: online · {user}")
        yield made
    finally:
        for window in made:
            window.close()


def report(window: Window, type_code: str = "F-FIRE", district: str = "11230") -> str:
    lat, lon = lite_city().district(district).centroid
    command = ReportIncident(type_code, lat, lon, district, summary="remote window test")
    records = window.backend.submit(command, "agency:119").result(10)
    return str(records[0].subject)


def test_two_windows_share_the_city_and_see_each_others_actions(
    qtbot, windows: list[Window]
) -> None:
    a, b = windows
    assert a.station.context.actor == "operator:kim"
    assert not a.station.window.rules_action.isEnabled()  # the server runs the rules
    assert "operations backend" in a.station.window.sim_menu.actions()[0].text()
    fire = report(a)
    for window in windows:
        qtbot.waitUntil(lambda w=window: fire in w.shown(), timeout=10_000)  # type: ignore[misc]
    assert a.queue.select_incident(fire)
    a.queue.run_action(ACTION["acknowledge"], {"comment": "seen on camera"})
    qtbot.waitUntil(lambda: b.status_of(fire) == "acknowledged", timeout=10_000)
    incident = b.station.context.store.state.incidents[fire]
    assert incident.transitions[-1].actor == "operator:kim"  # the server stamps who did it
    # lee works in Gangnam only: the status bar says so, and Seocho's incidents stay away.
    assert "Districts: all" in a.link.label.toolTip()
    assert "Districts: Gangnam-gu (the server withholds" in b.link.label.toolTip()
    seocho = report(a, district="11220")
    qtbot.waitUntil(lambda: seocho in a.shown(), timeout=10_000)
    later = report(a)
    qtbot.waitUntil(lambda: later in b.shown(), timeout=10_000)
    assert seocho not in b.shown() and seocho not in b.station.context.store.state.incidents


def test_offline_commands_are_queued_shown_and_sent_when_the_server_is_back(
    qtbot, windows: list[Window], running: BackendServer
) -> None:
    a, b = windows
    fire, theft = report(a), report(a, "P-ASL")
    qtbot.waitUntil(lambda: theft in a.shown() and theft in b.shown(), timeout=10_000)
    # b acknowledges the assault while the server is up; a does not know in time.
    b.backend.submit(Acknowledge(theft), "operator:lee").result(10)
    running.stop()
    try:
        a.wait_label("Backend: offline")
        assert a.queue.select_incident(fire)
        a.queue.run_action(ACTION["note"], {"comment": "written offline"})
        qtbot.waitUntil(lambda: "1 queued" in a.label(), timeout=10_000)
        with pytest.raises(CommandQueued):
            # Sent as if it were still new: the server will refuse it.
            a.backend.submit(Acknowledge(theft), "operator:kim").result(10)
        qtbot.waitUntil(lambda: "2 queued" in a.label(), timeout=10_000)
        assert "offline · 2 queued · retrying" in a.label()
        assert a.link.label.styleSheet() == "" and "#f5c26b" in a.link.label.text()
    finally:
        running.start()
    a.wait_label("Backend: online · kim")
    qtbot.waitUntil(lambda: "1 refused" in a.label(), timeout=10_000)
    assert "queued" not in a.label()
    for window in windows:
        qtbot.waitUntil(
            lambda w=window: w.station.context.store.state.incidents[fire].notes == 1,  # type: ignore[misc]
            timeout=10_000,
        )

    # The refused one: a click on the label lists it with the server's reason.
    qtbot.mouseClick(a.link.label, Qt.MouseButton.LeftButton)
    dialog = a.link.refused_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=10_000)
    what, reason = dialog.table.item(0, 0).text(), dialog.table.item(0, 2).text()
    assert what == f"Acknowledge on {theft}"
    assert "already acknowledged" in reason
    button = dialog.table.cellWidget(0, 3)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 0, timeout=10_000)
    assert dialog.message_label.text() == "No refused commands."
    qtbot.waitUntil(lambda: "refused" not in a.label(), timeout=10_000)
    assert a.backend.refused_commands() == []
    dialog.close()


def test_sign_in_with_a_wrong_password_says_so_and_stays_open(
    qtbot, running: BackendServer
) -> None:
    dialog = RemoteLoginDialog(running.url, "kim")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.address_label.text() == running.url
    qtbot.keyClicks(dialog.password_edit, "not the password at all")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)  # Enter signs in
    qtbot.waitUntil(lambda: "wrong user name or password" in dialog.message_label.text())
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert dialog.sign_in_button.isEnabled() and not dialog.offline_button.isVisible()
    dialog.password_edit.setText(PASSWORD)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.account is not None and dialog.account["username"] == "kim"
    assert dialog.login() == RemoteLogin(running.url, "kim", PASSWORD)


def test_an_unreachable_backend_offers_to_work_offline(qtbot) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}"
    dialog = RemoteLoginDialog(url, "kim")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password_edit.setText(PASSWORD)
    dialog.sign_in()
    qtbot.waitUntil(lambda: dialog.offline_button.isVisible())
    assert (
        "cannot be reached" in dialog.message_label.text() and url in dialog.message_label.text()
    )
    qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted and dialog.login().offline
    escaped = RemoteLoginDialog(url, "kim")  # Esc cancels
    qtbot.addWidget(escaped)
    escaped.show()
    qtbot.keyClick(escaped, Qt.Key.Key_Escape)
    assert escaped.result() == escaped.DialogCode.Rejected


def test_the_window_asks_for_a_sign_in_when_the_server_refuses_the_password(
    qtbot, running: BackendServer, tmp_path: Path
) -> None:
    window = open_window(
        qtbot,
        running,
        tmp_path / "w",
        "lee",
        "an old password",
        panels=[],
        prompt_sign_in=True,
        broker="127.0.0.1:1883",
    )
    try:
        # A broker set for standalone work is left alone, and the operator is told why.
        (notice,) = [n for n in window.station.context.notices.history if "1883" in n.text]
        assert notice.level is NoticeLevel.INFO and "the server takes in" in notice.text
        assert window.station.services.feed is None and window.station.services.rules is None
        window.wait_label("Backend: sign-in needed")
        qtbot.waitUntil(lambda: window.link.sign_in_dialog is not None, timeout=10_000)
        dialog = window.link.sign_in_dialog
        assert dialog is not None and dialog.isVisible()
        assert "wrong user name or password" in dialog.message_label.text()
        assert dialog.user_edit.text() == "lee"
        dialog.password_edit.setText(PASSWORD)
        dialog.sign_in()
        window.wait_label("Backend: online · lee")
        assert window.backend.status().state is LinkState.ONLINE
        menus = window.station.window.menuBar().actions()
        assert window.link.menu.menuAction() in menus
    finally:
        window.close()


def test_the_command_line_refuses_a_bad_backend_address_and_a_log_with_it(
    tmp_path: Path,
) -> None:
    bad = cityroom("--backend", "bad-url")
    assert bad.returncode == 2
    assert (
        "'bad-url' is not an http(s) address" in bad.stderr and "https://HOST:PORT" in bad.stderr
    )
    both = cityroom("--backend", "https://ops.example.org:8443", "--db", str(tmp_path / "x.db"))
    assert both.returncode == 2
    assert "--backend and --db cannot be used together" in both.stderr
    shot = cityroom(
        "--backend",
        "https://ops.example.org:8443",
        "--screenshot",
        str(tmp_path / "x.png"),
        env={"QT_QPA_PLATFORM": "offscreen", "CITYROOM_PASSWORD": ""},
    )
    assert shot.returncode == 2 and "CITYROOM_PASSWORD" in shot.stderr
    assert not (tmp_path / "x.png").exists()
