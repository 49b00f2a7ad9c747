"""A bad event log at start-up: the operator is offered a new log elsewhere, the bad file is
never touched. Also the settings dialog and the Korean translation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from core.notices import NoticeBoard
from ui.app import _open_backend
from ui.i18n import TRANSLATIONS, install_translators
from ui.settings import Settings, SettingsDialog


def _when_modal(qtbot, kind: type, act) -> None:  # type: ignore[no-untyped-def]
    """Run ``act`` on the next modal dialog of ``kind`` once it is shown."""

    def check() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            act(dialog)
        else:
            QTimer.singleShot(10, check)

    QTimer.singleShot(0, check)


def test_a_bad_log_offers_a_new_one_and_keeps_the_old(qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"\x13damaged" * 1000)
    before = bad.read_bytes()
    fresh = tmp_path / "fresh.db"
    seen: list[str] = []

    def start_new(box: QMessageBox) -> None:
        seen.append(box.text())
        _when_modal(qtbot, QFileDialog, choose_file)
        new_button = next(b for b in box.buttons() if "new log" in b.text())
        new_button.click()

    def choose_file(dialog: QFileDialog) -> None:
        dialog.selectFile(str(fresh))
        dialog.accept()

    _when_modal(qtbot, QMessageBox, start_new)
    backend = _open_backend(bad, NoticeBoard(), interactive=True)
    assert backend is not None
    try:
        assert backend.location == str(fresh)
        assert str(bad) in seen[0] and "damaged" in seen[0]
    finally:
        backend.close()
    assert bad.read_bytes() == before
    assert fresh.exists()


def test_cancelling_leaves_without_a_log(qtbot, tmp_path: Path) -> None:
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"\x13damaged" * 1000)
    _when_modal(qtbot, QMessageBox, lambda box: box.reject())
    assert _open_backend(bad, NoticeBoard(), interactive=True) is None


def test_settings_dialog_saves_language_and_sound(qtbot, tmp_path: Path) -> None:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert settings.language is None and settings.alert_sound
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("ko"))
    dialog.sound.setChecked(False)
    dialog.accept()
    again = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.language == "ko" and not again.alert_sound


def test_korean_translation_is_complete_and_loads(qtbot) -> None:
    source = (TRANSLATIONS / "cityroom_ko.ts").read_text(encoding="utf-8")
    assert 'type="unfinished"' not in source, "translate every new string in cityroom_ko.ts"
    app = QCoreApplication.instance()
    assert app is not None
    translators = install_translators(app, "ko")
    try:
        assert translators, "cityroom_ko.qm is missing: run make setup"
        assert QCoreApplication.translate("IncidentQueuePanel", "Acknowledge") == "확인"
        assert QCoreApplication.translate("IncidentTableModel", "Sev") == "등급"
    finally:
        for translator in translators:
            app.removeTranslator(translator)
