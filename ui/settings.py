"""User settings kept between runs, and the settings dialog."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)


class Settings:
    """Typed access to the persistent settings (QSettings underneath)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store or QSettings("Cityroom", "Cityroom")

    def _get(self, key: str, default: object) -> object:
        return self._store.value(key, default)

    def _int(self, key: str, default: int, minimum: int) -> int:
        # A hand-edited settings file may hold anything: fall back rather than fail.
        try:
            return max(minimum, int(str(self._get(key, str(default)))))
        except ValueError:
            return default

    @property
    def language(self) -> str | None:
        """Saved interface language ("ko"/"en") or None to follow the system."""
        value = self._get("ui/language", "")
        return str(value) if value in ("ko", "en") else None

    @language.setter
    def language(self, value: str | None) -> None:
        self._store.setValue("ui/language", value or "")

    @property
    def tile_url(self) -> str | None:
        """An XYZ tile template drawn under the vector basemap (a site's tile server or a
        local folder as file:///path/{z}/{x}/{y}.png); None for the vector basemap alone."""
        value = str(self._get("map/tile_url", "") or "").strip()
        return value or None

    @tile_url.setter
    def tile_url(self, value: str | None) -> None:
        self._store.setValue("map/tile_url", value or "")

    def layer_crs(self, path: str) -> str | None:
        """The coordinate system the operator chose for a layer file that names none."""
        value = str(self._get(f"layers/crs/{_key(path)}", "") or "")
        return value or None

    def set_layer_crs(self, path: str, crs: str) -> None:
        """Remember the coordinate system chosen for a layer file."""
        self._store.setValue(f"layers/crs/{_key(path)}", crs)

    def bookmarks(self) -> dict[str, list[list[float]]]:
        """Saved map views: name -> [[south, west], [north, east]]."""
        raw = str(self._get("map/bookmarks", "{}") or "{}")
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def save_bookmark(self, name: str, bounds: list[list[float]]) -> None:
        """Remember a map view under ``name`` (replacing one of the same name)."""
        saved = self.bookmarks()
        saved[name] = bounds
        self._store.setValue("map/bookmarks", json.dumps(saved, ensure_ascii=False))

    def delete_bookmark(self, name: str) -> None:
        """Forget a saved map view."""
        saved = self.bookmarks()
        saved.pop(name, None)
        self._store.setValue("map/bookmarks", json.dumps(saved, ensure_ascii=False))

    @property
    def evidence_dir(self) -> Path:
        """Where stills and clips are written."""
        value = str(self._get("evidence/dir", "") or "")
        return Path(value) if value else default_data_dir() / "evidence"

    @evidence_dir.setter
    def evidence_dir(self, value: Path) -> None:
        self._store.setValue("evidence/dir", str(value))

    @property
    def recording_dir(self) -> Path:
        """Where the video wall keeps each open camera's last minutes."""
        value = str(self._get("video/recording_dir", "") or "")
        return Path(value) if value else default_data_dir() / "recordings"

    @recording_dir.setter
    def recording_dir(self, value: Path) -> None:
        self._store.setValue("video/recording_dir", str(value))

    @property
    def stream_registry(self) -> Path | None:
        """The file saying where each camera streams from; None: the demo's synthetic scenes."""
        value = str(self._get("video/stream_registry", "") or "")
        return Path(value) if value else None

    @stream_registry.setter
    def stream_registry(self, value: Path | None) -> None:
        self._store.setValue("video/stream_registry", str(value) if value else "")

    @property
    def mask_file(self) -> Path:
        """Where the cameras' fixed privacy masks are kept."""
        value = str(self._get("video/mask_file", "") or "")
        return Path(value) if value else default_data_dir() / "privacy-masks.json"

    @mask_file.setter
    def mask_file(self, value: Path) -> None:
        self._store.setValue("video/mask_file", str(value))

    @property
    def record_minutes(self) -> int:
        """How many minutes of each open camera are kept to scrub back over."""
        return self._int("video/record_minutes", 10, minimum=1)

    @record_minutes.setter
    def record_minutes(self, value: int) -> None:
        self._store.setValue("video/record_minutes", str(int(value)))

    @property
    def record_max_mb(self) -> int | None:
        """Disk the recordings may use at most (MB); None: a quarter of the free space, at
        most 2 GB."""
        try:
            value = int(str(self._get("video/record_max_mb", "0")))
        except ValueError:
            return None
        return value if value > 0 else None

    @record_max_mb.setter
    def record_max_mb(self, value: int | None) -> None:
        self._store.setValue("video/record_max_mb", str(int(value or 0)))

    @property
    def blur_evidence(self) -> bool:
        """Whether stills and clips are saved with faces and licence plates blurred."""
        return str(self._get("video/blur_evidence", "false")).lower() == "true"

    @blur_evidence.setter
    def blur_evidence(self, value: bool) -> None:
        self._store.setValue("video/blur_evidence", "true" if value else "false")

    @property
    def video_auto_open(self) -> bool:
        """Whether a new critical incident fills the video wall with its nearest cameras at
        once (otherwise the wall offers them)."""
        return str(self._get("video/auto_open", "false")).lower() == "true"

    @video_auto_open.setter
    def video_auto_open(self, value: bool) -> None:
        self._store.setValue("video/auto_open", "true" if value else "false")

    def video_layouts(self, actor: str) -> dict[str, dict[str, object]]:
        """The operator's saved video-wall layouts: name -> {"size": n, "cameras": [id|None]}."""
        raw = str(self._get(f"video/layouts/{_key(actor)}", "{}") or "{}")
        try:
            value = json.loads(raw)
        except ValueError:
            return {}
        if not isinstance(value, dict):
            return {}
        return {
            str(name): layout
            for name, layout in value.items()
            if isinstance(layout, dict)
            and isinstance(layout.get("size"), int)
            and isinstance(layout.get("cameras"), list)
        }

    def save_video_layout(
        self, actor: str, name: str, size: int, cameras: list[str | None]
    ) -> None:
        """Remember the wall's tile count and cameras under ``name`` for this operator."""
        saved = self.video_layouts(actor)
        saved[name] = {"size": size, "cameras": cameras}
        self._store.setValue(f"video/layouts/{_key(actor)}", json.dumps(saved, ensure_ascii=False))

    def delete_video_layout(self, actor: str, name: str) -> None:
        """Forget one of the operator's saved layouts."""
        saved = self.video_layouts(actor)
        saved.pop(name, None)
        self._store.setValue(f"video/layouts/{_key(actor)}", json.dumps(saved, ensure_ascii=False))

    @property
    def tour_dwell_s(self) -> int:
        """Seconds a camera tour stays on each page of cameras."""
        return self._int("video/tour_dwell_s", 10, minimum=3)

    @tour_dwell_s.setter
    def tour_dwell_s(self, value: int) -> None:
        self._store.setValue("video/tour_dwell_s", str(int(value)))

    @property
    def alert_sound(self) -> bool:
        """Whether new critical incidents sound an alert."""
        return str(self._get("alerts/sound", "true")).lower() == "true"

    @alert_sound.setter
    def alert_sound(self, value: bool) -> None:
        self._store.setValue("alerts/sound", "true" if value else "false")

    def window_state(self) -> tuple[bytes | None, bytes | None]:
        """Saved geometry and dock layout of the main window."""
        geometry = self._get("window/geometry", None)
        state = self._get("window/state", None)
        return (_as_bytes(geometry), _as_bytes(state))

    def save_window_state(self, geometry: bytes, state: bytes) -> None:
        """Remember the main window's geometry and dock layout."""
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/state", state)

    def sync(self) -> None:
        """Write to disk now."""
        self._store.sync()


def default_data_dir() -> Path:
    """Cityroom's folder for data it keeps (the platform's application-data location)."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "Cityroom"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "cityroom"


def _key(path: str) -> str:
    # QSettings treats "/" as a group separator; keep one key per file.
    return path.replace("\\", "|").replace("/", "|")


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, QByteArray):
        return bytes(value.data())
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return None


class SettingsDialog(QDialog):
    """Language and alert settings."""

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
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        """Save and close."""
        self._settings.language = self.language.currentData() or None
        self._settings.alert_sound = self.sound.isChecked()
        self._settings.video_auto_open = self.auto_open.isChecked()
        self._settings.tile_url = self.tiles.text().strip() or None
        self._settings.sync()
        super().accept()
