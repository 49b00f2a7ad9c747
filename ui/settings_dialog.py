"""The settings dialog: the desk (theme, text size, language, backend), alerts, basemap and
the field-device feed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
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
from ui.feed_settings import (
    DEFAULT_TOPIC,
    MAX_FONT_SCALE,
    MIN_FONT_SCALE,
    DeskSettings,
    FieldFeedSettings,
    SettingsError,
    validated,
)
from ui.theme import THEMES, apply_theme

if TYPE_CHECKING:
    from ui.settings import Settings


class SettingsDialog(QDialog):
    """The desk's look, language and backend, and the alert, basemap and field-device
    settings. A new theme or text size applies as soon as the dialog is accepted."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self._settings = settings
        form = self._form = QFormLayout(self)
        self._add_desk_rows(form)
        form.addRow(self._heading(self.tr("Alerts and map")))
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

    def _heading(self, text: str) -> QLabel:
        heading = QLabel(text)
        heading.setStyleSheet("font-weight: bold; margin-top: 8px")
        return heading

    def _add_desk_rows(self, form: QFormLayout) -> None:
        settings = self._settings
        form.addRow(self._heading(self.tr("Desk")))
        names = {"dark": self.tr("Dark"), "high-contrast": self.tr("High contrast")}
        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem(names.get(theme, theme), theme)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow(self.tr("Theme"), self.theme)
        self.font_scale = QDoubleSpinBox()
        self.font_scale.setRange(MIN_FONT_SCALE, MAX_FONT_SCALE)
        self.font_scale.setSingleStep(0.1)
        self.font_scale.setDecimals(1)
        self.font_scale.setSuffix(" ×")
        self.font_scale.setValue(settings.font_scale)
        self.font_scale.setToolTip(
            self.tr("Larger text for wall screens and for reading across the room.")
        )
        form.addRow(self.tr("Text size"), self.font_scale)
        self.language = QComboBox()
        self.language.addItem(self.tr("Follow the system"), "")
        self.language.addItem("한국어", "ko")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language or "")))
        form.addRow(self.tr("Language"), self.language)
        self.backend = QLineEdit(settings.backend_url)
        self.backend.setPlaceholderText(self.tr("https://HOST:PORT — empty: work standalone"))
        self.backend.setToolTip(
            self.tr(
                "The centre's operations backend this desk signs in to when Cityroom starts "
                "without --backend or --db (--standalone works alone for one run)."
            )
        )
        form.addRow(self.tr("Operations backend"), self.backend)
        form.addRow(
            QLabel(self.tr("A new language or backend applies when Cityroom starts again."))
        )

    def _add_feed_rows(self, form: QFormLayout) -> None:
        settings = self._settings
        form.addRow(self._heading(self.tr("Field devices (MQTT)")))
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
        """Check the desk and field-device settings, then save, apply a new theme or text
        size, and close; a bad one is shown and the dialog stays open with everything as
        typed."""
        desk = {
            "theme": self.theme.currentData(),
            "font_scale": round(self.font_scale.value(), 1),
            "backend_url": self.backend.text().strip(),
        }
        feed = {
            "mqtt_broker": self.broker.text().strip(),
            "mqtt_topic": self.topic.text().strip(),
            "mqtt_mapping": _path(self.mapping),
            "mqtt_tls": self.tls.isChecked(),
            "mqtt_credentials": _path(self.credentials),
        }
        try:
            validated(DeskSettings, desk)
            validated(FieldFeedSettings, feed)
        except SettingsError as error:
            self.error.setText(str(error))
            self.error.show()
            layout = self._form
            layout.activate()
            # Room for the whole message, however many lines it wraps to.
            self.resize(self.width(), max(self.height(), layout.totalHeightForWidth(self.width())))
            return
        look = (self._settings.theme, self._settings.font_scale)
        for name, value in (desk | feed).items():
            setattr(self._settings, name, value)
        self._settings.language = self.language.currentData() or None
        self._settings.alert_sound = self.sound.isChecked()
        self._settings.escalate_after_s = self.escalate_after.value()
        self._settings.video_auto_open = self.auto_open.isChecked()
        self._settings.tile_url = self.tiles.text().strip() or None
        self._settings.sync()
        app = QApplication.instance()
        new_look = (self._settings.theme, self._settings.font_scale)
        # Only a change: a look given for this run on the command line stays otherwise.
        if new_look != look and isinstance(app, QApplication):
            apply_theme(app, *new_look)
        super().accept()


def _path(edit: QLineEdit) -> Path | None:
    text = edit.text().strip()
    return Path(text) if text else None
