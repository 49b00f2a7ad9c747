"""The settings dialog: language, alerts, basemap and the field-device feed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.sop.escalation import MAX_AFTER_S, MIN_AFTER_S
from ui.feed_settings import DEFAULT_TOPIC, FieldFeedSettings, SettingsError, validated

if TYPE_CHECKING:
    from ui.settings import Settings


class SettingsDialog(QDialog):
    """Language, alert, basemap and field-device settings."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._settings = settings
        form = QFormLayout(self)
        self.language = QComboBox()
        self.language.addItem(self.tr("Follow the system"), "")
        self.language.addItem("한국어", "ko")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language or "")))
        form.addRow(self.tr("Language"), self.language)
        form.addRow(QLabel(self.tr("A new language applies when Cityroom starts again.")))
        self.sound = QCheckBox(self.tr("Sound for new critical incidents"))
        self.sound.setChecked(settings.alert_sound)
        form.addRow(self.sound)
        self.escalate_after = QSpinBox()
        self.escalate_after.setRange(MIN_AFTER_S, MAX_AFTER_S)
        self.escalate_after.setSuffix(self.tr(" s"))
        self.escalate_after.setValue(settings.escalate_after_s)
        self.escalate_after.setToolTip(
            self.tr(
                "A critical incident nobody has acknowledged this long is escalated to the "
                "supervisor and shown in red at the top of the window."
            )
        )
        form.addRow(self.tr("Escalate unacknowledged after"), self.escalate_after)
        self.auto_open = QCheckBox(
            self.tr("Open the nearest cameras on the video wall when a critical incident arrives")
        )
        self.auto_open.setChecked(settings.video_auto_open)
        form.addRow(self.auto_open)
        self.tiles = QLineEdit(settings.tile_url or "")
        self.tiles.setPlaceholderText(
            "https://tiles.example/{z}/{x}/{y}.png · /data/seoul.mbtiles"
        )
        self.tiles.setToolTip(
            self.tr(
                "An XYZ tile URL, a local folder as file:///path/{z}/{x}/{y}.png, or an "
                "MBTiles file. Empty: the vector basemap alone."
            )
        )
        form.addRow(self.tr("Basemap tiles"), self.tiles)
        form.addRow(QLabel(self.tr("A new basemap applies when Cityroom starts again.")))
        self._add_feed_rows(form)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8b8b")
        self.error.hide()
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _add_feed_rows(self, form: QFormLayout) -> None:
        settings = self._settings
        heading = QLabel(self.tr("Field devices (MQTT)"))
        heading.setStyleSheet("font-weight: bold; margin-top: 8px")
        form.addRow(heading)
        self.broker = QLineEdit(settings.mqtt_broker)
        self.broker.setPlaceholderText(self.tr("HOST:PORT, e.g. 10.0.0.7:1883 — empty: off"))
        form.addRow(self.tr("Broker"), self.broker)
        self.topic = QLineEdit(settings.mqtt_topic)
        self.topic.setPlaceholderText(DEFAULT_TOPIC)
        form.addRow(self.tr("Topic"), self.topic)
        self.mapping = QLineEdit(str(settings.mqtt_mapping or ""))
        self.mapping.setToolTip(
            self.tr(
                "A TOML file describing other topic and payload schemes. Empty: the topic above."
            )
        )
        form.addRow(self.tr("Mapping file"), self._with_browse(self.mapping))
        self.tls = QCheckBox(self.tr("Connect with TLS"))
        self.tls.setChecked(settings.mqtt_tls)
        form.addRow(self.tls)
        self.credentials = QLineEdit(str(settings.mqtt_credentials or ""))
        self.credentials.setToolTip(
            self.tr(
                "A TOML file with username and password, readable only by you. The login is "
                "never kept in the settings; CITYROOM_MQTT_USERNAME and CITYROOM_MQTT_PASSWORD "
                "take precedence."
            )
        )
        form.addRow(self.tr("Login file"), self._with_browse(self.credentials))
        form.addRow(QLabel(self.tr("A new field-device feed applies when Cityroom starts again.")))

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        browse = QPushButton(self.tr("Browse…"))

        def choose() -> None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, self.tr("Choose a file"), edit.text(), self.tr("TOML files (*.toml)")
            )
            if chosen:
                edit.setText(chosen)

        browse.clicked.connect(choose)
        layout.addWidget(browse)
        return row

    def accept(self) -> None:
        """Check the field-device settings, then save and close; a bad one is shown and the
        dialog stays open with everything as typed."""
        feed = {
            "mqtt_broker": self.broker.text().strip(),
            "mqtt_topic": self.topic.text().strip(),
            "mqtt_mapping": _path(self.mapping),
            "mqtt_tls": self.tls.isChecked(),
            "mqtt_credentials": _path(self.credentials),
        }
        try:
            validated(FieldFeedSettings, feed)
        except SettingsError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        for name, value in feed.items():
            setattr(self._settings, name, value)
        self._settings.language = self.language.currentData() or None
        self._settings.alert_sound = self.sound.isChecked()
        self._settings.escalate_after_s = self.escalate_after.value()
        self._settings.video_auto_open = self.auto_open.isChecked()
        self._settings.tile_url = self.tiles.text().strip() or None
        self._settings.sync()
        super().accept()


def _path(edit: QLineEdit) -> Path | None:
    text = edit.text().strip()
    return Path(text) if text else None
