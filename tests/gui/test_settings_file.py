"""The settings file: an INI file per user on every platform, migrated from version 1 once,
a damaged one set aside with the defaults and a notice, a newer one never rewritten downwards,
the desk's preferences (theme, text size, backend) and the remembered operations backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow

from core.notices import NoticeLevel
from tests.backend_server import free_port
from tests.cli import cityroom
from tests.gui.conftest import Workstation
from ui.app import desk_look, report_settings_file
from ui.settings import Settings, SettingsDialog, SettingsError
from ui.settings_file import (
    SETTINGS_VERSION,
    Damage,
    check_settings_file,
    open_store,
    settings_path,
)
from ui.theme import THEMES, apply_theme

# What Cityroom before settings version 2 wrote (ui/settings.py of that time, on Linux): the
# window's layout as pickled Python bytes, booleans as true/false, the language under ui/.
VERSION_1_FILE = (
    "[alerts]\n"
    "escalate_after_s=90\n"
    "sound=false\n"
    "\n"
    "[ingest]\n"
    "mqtt_tls=true\n"
    "\n"
    "[layers]\n"
    "crs\\%7Cdata%7C%UAD6C%UC5ED.shp=EPSG:5186\n"
    "\n"
    "[map]\n"
    'bookmarks="{\\"시청\\": [[37.56, 126.97], [37.57, 126.98]]}"\n'
    "tile_url=file:///srv/tiles/{z}/{x}/{y}.png\n"
    "\n"
    "[plugins]\n"
    "extra=kept\n"
    "\n"
    "[retention]\n"
    "sensor_raw_days=14\n"
    "\n"
    "[ui]\n"
    "language=ko\n"
    "\n"
    "[video]\n"
    "auto_open=true\n"
    'layouts\\operator%3Akim="{\\"야간\\": {\\"size\\": 4, \\"cameras\\": [\\"cam-1\\", nul'
    'l, \\"cam-3\\", null]}}"\n'
    "record_minutes=15\n"
    "\n"
    "[window]\n"
    "geometry=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper\\0\\0\\0\\0Q\\"
    "x80\\x4\\x95\\x46\\0\\0\\0\\0\\0\\0\\0\\x43\\x42\\x1\\xd9\\xd0\\xcb\\0\\x3\\0\\0\\0"
    "\\0\\0\\0\\0\\0\\0\\0\\0\\0\\x3\\xe7\\0\\0\\x2\\xbb\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\x"
    "3\\xe7\\0\\0\\x2\\xbb\\0\\0\\0\\0\\0\\0\\0\\0\\x3 \\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\x3"
    "\\xe7\\0\\0\\x2\\xbb\\x94.)\n"
    "state=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper\\0\\0\\0\\0}\\x80"
    "\\x4\\x95r\\0\\0\\0\\0\\0\\0\\0\\x43n\\0\\0\\0\\xff\\0\\0\\0\\0\\xfd\\0\\0\\0\\x1\\0"
    "\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\xfc\\x2\\0\\0\\0\\x1\\xfb\\0\\0\\0\\x1c\\0\\x64\\"
    "0o\\0\\x63\\0k\\0-\\0i\\0n\\0\\x63\\0i\\0\\x64\\0\\x65\\0n\\0t\\0s\\x1\\0\\0\\0\\0\\"
    "xff\\xff\\xff\\xff\\0\\0\\0\\x1e\\0\\xff\\xff\\xff\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0"
    "\\x4\\0\\0\\0\\x4\\0\\0\\0\\b\\0\\0\\0\\b\\xfc\\0\\0\\0\\0\\x94.)\n"
)
NOW = datetime(2026, 3, 4, 5, 6, 7)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def docked_window() -> QMainWindow:
    """A window with the one dock the version-1 layout was saved from."""
    window = QMainWindow()
    window.setCentralWidget(QLabel("map"))
    dock = QDockWidget("Incidents", window)
    dock.setObjectName("dock-incidents")
    dock.setWidget(QLabel("queue"))
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    return window


def test_the_users_settings_are_one_ini_file_in_the_config_folder(tmp_path: Path) -> None:
    path = settings_path()
    assert path.parent.name == "Cityroom" and path.name == "Cityroom.conf"  # Linux, as before
    assert Settings().location == str(path)
    fresh = check_settings_file(tmp_path / "Cityroom" / "Cityroom.conf")
    assert fresh.notices() == []
    assert f"[meta]\nversion={SETTINGS_VERSION}\n" in fresh.path.read_text(encoding="utf-8")


def test_a_version_1_file_is_migrated_once_keeping_every_value(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path / "Cityroom.conf", VERSION_1_FILE)
    old = open_store(path)
    layout = (old.value("window/geometry"), old.value("window/state"))
    assert all(isinstance(value, bytes) for value in layout)  # pickled by PySide
    del old
    check = check_settings_file(path)
    assert check.migrated and check.version == 1
    assert check.migrated_backup == tmp_path / "Cityroom.conf.v1"
    assert check.migrated_backup.read_text(encoding="utf-8") == VERSION_1_FILE
    [(level, text)] = check.notices()
    assert level is NoticeLevel.INFO and "from version 1 to 2" in text
    assert str(check.migrated_backup) in text
    text = path.read_text(encoding="utf-8")
    assert "PyObject" not in text and "[ui]" not in text
    assert "geometry=@ByteArray(" in text and "state=@ByteArray(" in text
    settings = Settings(open_store(path))
    assert settings.location == str(path)
    assert settings.language == "ko" and settings.theme == "dark" and settings.font_scale == 1.0
    assert (settings.alert_sound, settings.video_auto_open, settings.mqtt_tls) == (
        False,
        True,
        True,
    )
    assert settings.bookmarks() == {"시청": [[37.56, 126.97], [37.57, 126.98]]}
    assert settings.layer_crs("/data/구역.shp") == "EPSG:5186"
    assert (settings.record_minutes, settings.escalate_after_s) == (15, 90)
    assert settings.sensor_raw_days == 14
    assert settings.video_layouts("operator:kim")["야간"]["cameras"] == [
        "cam-1",
        None,
        "cam-3",
        None,
    ]
    assert settings.window_state() == layout
    assert open_store(path).value("plugins/extra") == "kept"  # a key we do not know stays
    assert settings.problems() == []
    window = docked_window()
    qtbot.addWidget(window)
    geometry, state = settings.window_state()
    assert geometry and state
    assert window.restoreGeometry(QByteArray(geometry))
    assert window.restoreState(QByteArray(state))
    again = check_settings_file(path)
    assert not again.migrated and again.notices() == []


def test_a_saved_layout_is_kept_as_qt_byte_arrays(tmp_path: Path) -> None:
    settings = Settings(open_store(tmp_path / "Cityroom.conf"))
    settings.save_window_state(b"\x01\x00geometry", b"\x00\xffstate")
    settings.sync()
    text = (tmp_path / "Cityroom.conf").read_text(encoding="utf-8")
    assert "geometry=@ByteArray(" in text and "PyObject" not in text
    assert Settings(open_store(tmp_path / "Cityroom.conf")).window_state() == (
        b"\x01\x00geometry",
        b"\x00\xffstate",
    )


@pytest.mark.parametrize(
    ("content", "damage", "said"),
    [
        (bytes(range(256)) * 8, Damage.BINARY, "binary data"),
        (b"this is not\nan ini file\n", Damage.FORMAT, "not in the settings format"),
        (b"[window\ngeometry=1\n", Damage.FORMAT, "not in the settings format"),
        (b"[meta]\nversion=two\n[desk]\ntheme=high-contrast\n", Damage.VERSION, "'two'"),
        (
            # A layout pickled by version 1 and damaged since: reading it raises.
            b"[window]\nstate=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\tPyObject\\0\\0\\0\\0\\x5\\x80\\x4zzzz)\n",
            Damage.VALUE,
            "a stored value cannot be read: ",
        ),
    ],
)
def test_a_damaged_file_is_set_aside_and_the_defaults_apply(
    tmp_path: Path, content: bytes, damage: Damage, said: str
) -> None:
    path = tmp_path / "Cityroom.conf"
    path.write_bytes(content)
    holding = open_store(path)  # a store already open on the damaged file changes nothing
    check = check_settings_file(path, now=NOW)
    aside = tmp_path / "Cityroom.conf.corrupt-20260304-050607"
    assert check.damage is damage and check.set_aside == aside
    assert aside.read_bytes() == content  # kept as it was, for support
    settings = Settings(open_store(path))
    assert settings.theme == "dark" and settings.language is None and settings.alert_sound
    assert settings.problems() == []
    [(level, text)] = check.notices()
    assert level is NoticeLevel.WARNING
    assert str(path) in text and str(aside) in text and said in text
    assert "back to the defaults" in text and "for support" in text
    settings.alert_sound = False
    settings.sync()
    assert aside.read_bytes() == content
    assert "sound=false" in path.read_text(encoding="utf-8")
    # A second damaged file the same second does not overwrite the first one set aside.
    path.write_bytes(content)
    second = check_settings_file(path, now=NOW)
    assert second.set_aside == tmp_path / "Cityroom.conf.corrupt-20260304-050607-2"
    del holding


def test_an_unreadable_settings_path_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "Cityroom.conf"
    (path / "inside").mkdir(parents=True)  # a folder where the file should be
    check = check_settings_file(path, now=NOW)
    assert check.damage is Damage.UNREADABLE
    assert check.set_aside is not None and (check.set_aside / "inside").is_dir()
    assert "cannot be read" in check.notices()[0][1]


def test_the_damage_is_shown_in_the_status_bar_and_nothing_modal(  # type: ignore[no-untyped-def]
    qtbot, workstation: Workstation, tmp_path: Path
) -> None:
    path = tmp_path / "Cityroom.conf"
    path.write_bytes(b"\x00\x01garbage")
    check = check_settings_file(path, now=NOW)
    report_settings_file(check, workstation.context.notices)
    label = workstation.window.status.notice_label
    qtbot.waitUntil(lambda: "back to the defaults" in label.text())
    assert str(path) in label.text() and str(check.set_aside) in label.text()
    assert QApplication.activeModalWidget() is None
    [notice] = [n for n in workstation.context.notices.history if n.source == "settings"]
    assert notice.level is NoticeLevel.WARNING


def test_a_newer_file_is_read_as_far_as_understood_and_not_rewritten_downwards(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "Cityroom.conf",
        "[desk]\ntheme=high-contrast\nlanguage=en\nfont_scale=1.5\n"
        "[hologram]\nwall=north\n[meta]\nversion=3\n",
    )
    check = check_settings_file(path)
    assert check.newer and check.version == 3 and not check.migrated
    [(level, text)] = check.notices()
    assert level is NoticeLevel.WARNING and "newer Cityroom" in text and "version 3" in text
    settings = Settings(open_store(path))
    assert (settings.theme, settings.language, settings.font_scale) == ("high-contrast", "en", 1.5)
    settings.alert_sound = False
    settings.sync()
    again = open_store(path)
    assert again.value("meta/version") == "3" and again.value("hologram/wall") == "north"
    assert not (tmp_path / "Cityroom.conf.v3").exists()


def test_values_an_older_version_kept_in_the_registry_are_copied_once(tmp_path: Path) -> None:
    # On Windows, version 1 kept its settings in the registry; here an INI file stands in for
    # it (QSettings reads both alike), holding what version 1 wrote.
    registry_file = write(tmp_path / "registry" / "Cityroom.conf", VERSION_1_FILE)
    registry = QSettings(str(registry_file), QSettings.Format.IniFormat)
    path = tmp_path / "AppData" / "Cityroom" / "Cityroom.ini"
    check = check_settings_file(path, legacy=registry)
    assert check.from_registry == len(registry.allKeys()) and check.migrated
    assert check.migrated_backup is None  # the registry itself is the copy as it was
    [(level, text)] = check.notices()
    assert level is NoticeLevel.INFO and "registry" in text and str(path) in text
    settings = Settings(open_store(path))
    assert settings.language == "ko" and not settings.alert_sound
    assert settings.window_state()[1] is not None
    assert "PyObject" not in path.read_text(encoding="utf-8")
    assert registry_file.read_text(encoding="utf-8") == VERSION_1_FILE  # left alone
    settings.language = "en"
    settings.sync()
    assert check_settings_file(path, legacy=registry).from_registry == 0  # only once
    assert Settings(open_store(path)).language == "en"


def test_the_desk_preferences_are_kept_and_bad_ones_refused_or_reported(
    tmp_path: Path,
) -> None:
    settings = Settings(open_store(tmp_path / "s.conf"))
    assert (settings.theme, settings.font_scale, settings.backend_url) == ("dark", 1.0, "")
    settings.theme = "high-contrast"
    settings.font_scale = 1.7
    settings.backend_url = "https://ops.example.org:8443/"
    with pytest.raises(SettingsError, match=r"theme.*'neon' is not a theme.*high-contrast"):
        settings.theme = "neon"
    with pytest.raises(SettingsError, match=r"font_scale.*less than or equal to 2"):
        settings.font_scale = 2.5
    with pytest.raises(SettingsError, match=r"backend_url.*https://HOST:PORT"):
        settings.backend_url = "ops.example.org"
    settings.sync()
    again = Settings(open_store(tmp_path / "s.conf"))
    assert (again.theme, again.font_scale) == ("high-contrast", 1.7)
    assert again.backend_url == "https://ops.example.org:8443"
    raw = open_store(tmp_path / "s.conf")
    raw.setValue("desk/backend_url", "ftp://ops.example.org")
    raw.setValue("desk/font_scale", "huge")
    raw.sync()
    bad = Settings(open_store(tmp_path / "s.conf"))
    assert bad.backend_url == "" and bad.font_scale == 1.0  # ignored: the defaults apply
    problems = bad.problems()
    assert len(problems) == 2 and all(str(tmp_path / "s.conf") in p for p in problems)
    assert any("backend_url" in p and "'ftp://ops.example.org'" in p for p in problems)


def test_the_command_line_look_is_for_one_run(tmp_path: Path) -> None:
    from main import build_parser

    settings = Settings(open_store(tmp_path / "s.conf"))
    settings.theme = "high-contrast"
    settings.font_scale = 1.3
    parser = build_parser()
    assert desk_look(parser.parse_args([]), settings) == ("high-contrast", 1.3)
    given = parser.parse_args(["--theme", "dark", "--font-scale", "2"])
    assert desk_look(given, settings) == ("dark", 2.0)
    assert settings.theme == "high-contrast"  # not saved
    [option] = [a for a in parser._actions if "--theme" in a.option_strings]
    assert option.help is not None and all(theme in option.help for theme in THEMES)


def test_the_dialog_offers_the_desk_and_applies_theme_and_text_size_at_once(  # type: ignore[no-untyped-def]
    qtbot, tmp_path: Path
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "dark", 1.0)
    size, window_colour = app.font().pointSizeF(), app.palette().color(QPalette.ColorRole.Window)
    settings = Settings(open_store(tmp_path / "s.conf"))
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert [dialog.language.itemData(i) for i in range(dialog.language.count())] == [
        "",
        "ko",
        "en",
    ]
    labels = [label.text() for label in dialog.findChildren(QLabel)]
    assert "Desk" in labels
    assert any("language or backend applies when Cityroom starts again" in t for t in labels)
    try:
        dialog.theme.setCurrentIndex(dialog.theme.findData("high-contrast"))
        dialog.font_scale.setValue(1.5)
        dialog.backend.setText("not a url")
        dialog.accept()
        # A bad backend keeps the dialog open, names the setting, and changes nothing yet.
        assert dialog.result() != dialog.DialogCode.Accepted
        assert "backend_url" in dialog.error.text() and "https://HOST:PORT" in dialog.error.text()
        assert settings.theme == "dark" and app.font().pointSizeF() == size
        dialog.backend.setText("https://ops.example.org:8443")
        dialog.accept()
        assert dialog.result() == dialog.DialogCode.Accepted
        assert app.font().pointSizeF() == pytest.approx(size * 1.5)
        assert app.palette().color(QPalette.ColorRole.Window) != window_colour
        again = Settings(open_store(tmp_path / "s.conf"))
        assert (again.theme, again.font_scale) == ("high-contrast", 1.5)
        assert again.backend_url == "https://ops.example.org:8443"
    finally:
        apply_theme(app, "dark", 1.0)


# -- main.py as an operator starts it --------------------------------------------------------


def desk_env(tmp_path: Path, settings_text: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a desk whose settings and data are in ``tmp_path``."""
    config, data = tmp_path / "config", tmp_path / "data"
    if settings_text is not None:
        write(config / "Cityroom" / "Cityroom.conf", settings_text)
    return {
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(config),
        "XDG_DATA_HOME": str(data),
        **extra,
    }


def bad_local_log(tmp_path: Path) -> None:
    """A damaged standalone log: a standalone start stops at once, after the settings."""
    write(tmp_path / "data" / "cityroom" / "cityroom.db", "not a database" * 300)


def test_a_backend_given_once_is_remembered_and_signed_in_to_next_time(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nobody listens: the desk works offline
    env = desk_env(tmp_path, None, CITYROOM_PASSWORD="secret")
    first = cityroom(
        "--backend", url, "--screenshot", str(tmp_path / "a.png"), "--quit-after", "0", env=env
    )
    assert first.returncode == 0, first.stderr
    settings_file = tmp_path / "config" / "Cityroom" / "Cityroom.conf"
    assert Settings(open_store(settings_file)).backend_url == url
    shot = tmp_path / "b.png"
    again = cityroom(
        "--screenshot", str(shot), "--quit-after", "0", "--theme", "high-contrast", env=env
    )
    assert again.returncode == 0, again.stderr
    assert (
        f"cityroom: signing in to the operations backend {url} (from the settings; "
        "--standalone to work alone)" in again.stderr
    )
    # On the backend: its copy of the log, no local log.
    assert (tmp_path / "data" / "cityroom" / "remote").is_dir()
    assert not (tmp_path / "data" / "cityroom" / "cityroom.db").exists()
    # --theme for this run: the high-contrast black ground, not the dark theme's slate.
    image = QImage(str(shot))
    samples = [
        image.pixelColor(x, y).name()
        for x in range(0, image.width(), 17)
        for y in range(0, image.height(), 13)
    ]
    assert samples.count("#000000") > len(samples) // 3
    assert Settings(open_store(settings_file)).theme == "dark"
    # Without a window to sign in, the remembered backend needs the password too.
    refused = cityroom(
        "--screenshot", str(tmp_path / "c.png"), env={**env, "CITYROOM_PASSWORD": ""}
    )
    assert refused.returncode == 2
    assert "backend from the settings" in refused.stderr and "--standalone" in refused.stderr


def test_standalone_ignores_the_remembered_backend_for_one_run(tmp_path: Path) -> None:
    env = desk_env(tmp_path, "[desk]\nbackend_url=https://ops.example.org:8443\n")
    bad_local_log(tmp_path)
    result = cityroom("--standalone", "--screenshot", str(tmp_path / "x.png"), env=env)
    assert result.returncode == 1
    assert "signing in" not in result.stderr and "Start a new log elsewhere" in result.stderr
    both = cityroom("--standalone", "--backend", "https://ops.example.org:8443", env=env)
    assert both.returncode == 2 and "--standalone and --backend cannot be used" in both.stderr
    scale = cityroom("--font-scale", "2.5", env=env)
    assert scale.returncode == 2 and "2.5 is outside 1.0 to 2.0" in scale.stderr
    theme = cityroom("--theme", "neon", env=env)
    assert theme.returncode == 2 and "'neon' is not a theme" in theme.stderr


def test_a_malformed_remembered_backend_is_reported_and_ignored(tmp_path: Path) -> None:
    env = desk_env(tmp_path, "[desk]\nbackend_url=ops.example.org\n[meta]\nversion=2\n")
    bad_local_log(tmp_path)
    result = cityroom("--screenshot", str(tmp_path / "x.png"), env=env)
    assert result.returncode == 1  # standalone: the local log was opened (and is bad)
    assert "signing in" not in result.stderr
    assert "backend_url" in result.stderr and "'ops.example.org'" in result.stderr
    assert "working standalone" in result.stderr


def test_a_damaged_settings_file_at_start_is_set_aside_and_said(tmp_path: Path) -> None:
    env = desk_env(tmp_path)
    path = tmp_path / "config" / "Cityroom" / "Cityroom.conf"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\x00\x00\x7fELF" * 100)
    bad_local_log(tmp_path)
    result = cityroom("--screenshot", str(tmp_path / "x.png"), env=env)
    assert result.returncode == 1
    [aside] = path.parent.glob("Cityroom.conf.corrupt-*")
    assert aside.read_bytes() == b"\x00\x00\x7fELF" * 100
    assert str(path) in result.stderr and str(aside) in result.stderr
    assert result.stderr.count("back to the defaults") == 1
    assert f"version={SETTINGS_VERSION}" in path.read_text(encoding="utf-8")
