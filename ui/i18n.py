"""Interface language: which one, and installing its translations."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "i18n"
LANGUAGES = ("ko", "en")


def resolve_language(requested: str | None, saved: str | None) -> str:
    """The command line wins, then the saved setting, then the system locale (Korean or not)."""
    for choice in (requested, saved):
        if choice in LANGUAGES:
            return choice
    return "ko" if QLocale.system().language() == QLocale.Language.Korean else "en"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Load Cityroom's and Qt's own translations for ``language``; English needs none."""
    installed: list[QTranslator] = []
    if language == "en":
        return installed
    ours = QTranslator(app)
    if ours.load(str(TRANSLATIONS / f"cityroom_{language}.qm")):
        app.installTranslator(ours)
        installed.append(ours)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        installed.append(qt)
    return installed
