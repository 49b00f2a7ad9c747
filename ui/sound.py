"""The alert sound for new critical incidents (QtMultimedia is loaded only when first needed)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

ALERT_WAV = Path(__file__).resolve().parent.parent / "resources" / "sounds" / "critical.wav"


class AlertSound(QObject):
    """Plays the critical-incident alert; silent where the machine has no audio device."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._effect: QObject | None = None
        self.played = 0

    def play(self) -> None:
        """Sound the alert once."""
        self.played += 1
        if self._effect is None:
            try:
                from PySide6.QtMultimedia import QSoundEffect
            except ImportError:
                # No audio libraries on this machine (e.g. libpulse0 missing): the system
                # bell still tells the operator something arrived.
                QApplication.beep()
                return
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(ALERT_WAV)))
            effect.setVolume(0.8)
            self._effect = effect
        self._effect.play()  # type: ignore[attr-defined]
