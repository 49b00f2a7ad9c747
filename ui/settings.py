"""User settings kept between runs (the dialog that edits them is ui.settings_dialog)."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from PySide6.QtCore import QByteArray, QSettings

from core.sop.escalation import DEFAULT_AFTER_S, MAX_AFTER_S, MIN_AFTER_S
from core.user_dirs import data_dir
from ui.feed_settings import (
    DeskSettings,
    FieldFeedSettings,
    RetentionSettings,
    RulesSettings,
    SettingsError,
    validated,
)
from ui.settings_file import as_bytes, checked_user_settings, open_store


class EscalationSettings(BaseModel):
    """When a critical incident nobody has acknowledged goes to the supervisor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    escalate_after_s: int = Field(
        DEFAULT_AFTER_S,
        ge=MIN_AFTER_S,
        le=MAX_AFTER_S,
        description="seconds a critical incident may stay unacknowledged before it is "
        f"escalated to the supervisor ({MIN_AFTER_S} to {MAX_AFTER_S})",
    )


# Settings checked by a pydantic model: name -> (model, key in the settings file).
_CHECKED: dict[str, tuple[type[BaseModel], str]] = {
    **{name: (FieldFeedSettings, f"ingest/{name}") for name in FieldFeedSettings.model_fields},
    "rules_file": (RulesSettings, "rules/file"),
    **{name: (RetentionSettings, f"retention/{name}") for name in RetentionSettings.model_fields},
    "escalate_after_s": (EscalationSettings, "alerts/escalate_after_s"),
    **{name: (DeskSettings, f"desk/{name}") for name in DeskSettings.model_fields},
}


class Settings:
    """Typed access to the persistent settings: the user's settings file (an INI file on
    every platform, see ui.settings_file) unless another ``store`` is given."""

    def __init__(self, store: QSettings | None = None) -> None:
        if store is None:
            # The user's file is checked (and migrated or set aside) before anything reads
            # it, whoever opens it first: the window, review mode or a tool.
            checked_user_settings()
        self._store = store or open_store()

    def _get(self, key: str, default: object) -> object:
        return self._store.value(key, default)

    def _int(self, key: str, default: int, minimum: int) -> int:
        # A hand-edited settings file may hold anything: fall back rather than fail.
        try:
            return max(minimum, int(str(self._get(key, str(default)))))
        except ValueError:
            return default

    # -- settings checked by a model (ui.feed_settings) -----------------------------------------

    def _stored(self, name: str) -> dict[str, object]:
        # Empty means "not set": the model's default applies.
        value = self._get(_CHECKED[name][1], "")
        return {} if value in ("", None) else {name: value}

    def _checked(self, name: str) -> object:
        """The stored value, or the default when a hand-edited file holds a bad one (the
        start-up reports it: see :meth:`problems`)."""
        model = _CHECKED[name][0]
        try:
            return getattr(validated(model, self._stored(name), self.location), name)
        except SettingsError:
            return model.model_fields[name].default

    def _set_checked(self, name: str, value: object) -> None:
        """Store ``value`` if it is valid; raises :class:`SettingsError` naming the setting."""
        model, key = _CHECKED[name]
        given = {} if value is None or value == "" else {name: value}
        checked = getattr(validated(model, given), name)
        if isinstance(checked, bool):
            self._store.setValue(key, "true" if checked else "false")
        elif checked is None or checked == model.model_fields[name].default:
            self._store.setValue(key, "")
        else:
            self._store.setValue(key, str(checked))

    @property
    def location(self) -> str:
        """The settings file, for messages."""
        return self._store.fileName()

    def field_feed(self) -> FieldFeedSettings:
        """The field-device feed's settings; raises :class:`SettingsError` for a bad one."""
        values: dict[str, object] = {}
        for name in FieldFeedSettings.model_fields:
            values.update(self._stored(name))
        feed = validated(FieldFeedSettings, values, self.location)
        assert isinstance(feed, FieldFeedSettings)
        return feed

    def problems(self, skip: tuple[type[BaseModel], ...] = ()) -> list[str]:
        """What is wrong with the stored checked settings (but those ``skip`` checks), one
        sentence each; the defaults apply in their place."""
        found = []
        for name, (model, _key) in _CHECKED.items():
            if model in skip:
                continue
            try:
                validated(model, self._stored(name), self.location)
            except SettingsError as error:
                found.append(str(error))
        return found

    @property
    def mqtt_broker(self) -> str:
        """HOST:PORT of the field devices' MQTT broker; "" when there is no feed."""
        return str(self._checked("mqtt_broker"))

    @mqtt_broker.setter
    def mqtt_broker(self, value: str) -> None:
        self._set_checked("mqtt_broker", value)

    @property
    def mqtt_topic(self) -> str:
        """Topic filter of the documented message scheme."""
        return str(self._checked("mqtt_topic"))

    @mqtt_topic.setter
    def mqtt_topic(self, value: str) -> None:
        self._set_checked("mqtt_topic", value)

    @property
    def mqtt_mapping(self) -> Path | None:
        """Mapping file for other message schemes; None: the documented scheme."""
        value = self._checked("mqtt_mapping")
        return value if isinstance(value, Path) else None

    @mqtt_mapping.setter
    def mqtt_mapping(self, value: Path | None) -> None:
        self._set_checked("mqtt_mapping", value)

    @property
    def mqtt_tls(self) -> bool:
        """Whether the broker is reached over TLS."""
        return bool(self._checked("mqtt_tls"))

    @mqtt_tls.setter
    def mqtt_tls(self, value: bool) -> None:
        self._set_checked("mqtt_tls", bool(value))

    @property
    def mqtt_credentials(self) -> Path | None:
        """The file holding the broker login (the login itself is never kept here)."""
        value = self._checked("mqtt_credentials")
        return value if isinstance(value, Path) else None

    @mqtt_credentials.setter
    def mqtt_credentials(self, value: Path | None) -> None:
        self._set_checked("mqtt_credentials", value)

    @property
    def rules_file(self) -> Path | None:
        """The situation rules file; None: the shipped default rules."""
        value = self._checked("rules_file")
        return value if isinstance(value, Path) else None

    @rules_file.setter
    def rules_file(self, value: Path | None) -> None:
        self._set_checked("rules_file", value)

    @property
    def sensor_raw_days(self) -> int:
        """Days raw sensor readings are kept."""
        return int(str(self._checked("sensor_raw_days")))

    @sensor_raw_days.setter
    def sensor_raw_days(self, value: int) -> None:
        self._set_checked("sensor_raw_days", value)

    @property
    def sensor_summary_days(self) -> int:
        """Days the per-minute minimum/maximum summaries of sensor readings are kept."""
        return int(str(self._checked("sensor_summary_days")))

    @sensor_summary_days.setter
    def sensor_summary_days(self, value: int) -> None:
        self._set_checked("sensor_summary_days", value)

    # -- the desk ---------------------------------------------------------------------------

    @property
    def theme(self) -> str:
        """The colour theme (one of ui.theme.THEMES)."""
        return str(self._checked("theme"))

    @theme.setter
    def theme(self, value: str) -> None:
        self._set_checked("theme", value)

    @property
    def font_scale(self) -> float:
        """The factor the interface's text is scaled by (1.0 to 2.0, for wall screens)."""
        return float(str(self._checked("font_scale")))

    @font_scale.setter
    def font_scale(self, value: float) -> None:
        self._set_checked("font_scale", value)

    @property
    def backend_url(self) -> str:
        """The operations backend this desk signs in to; "" to work standalone."""
        return str(self._checked("backend_url"))

    @backend_url.setter
    def backend_url(self, value: str) -> None:
        self._set_checked("backend_url", value)

    @property
    def language(self) -> str | None:
        """Saved interface language ("ko"/"en") or None to follow the system."""
        value = self._get("desk/language", "")
        return str(value) if value in ("ko", "en") else None

    @language.setter
    def language(self, value: str | None) -> None:
        self._store.setValue("desk/language", value or "")

    # -- plain settings -----------------------------------------------------------------------

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
    def dispatch_registry(self) -> Path | None:
        """The agency registry file in use; None: the site's (``agencies.toml`` in the data
        folder) when there is one, else the Seoul demo's."""
        value = str(self._get("dispatch/registry", "") or "")
        return Path(value) if value else None

    @dispatch_registry.setter
    def dispatch_registry(self, value: Path | None) -> None:
        self._store.setValue("dispatch/registry", str(value) if value else "")

    @property
    def simulate_agencies(self) -> bool:
        """Whether the demo registry's agencies are played on this machine (the standalone
        demo); a site's own registry is never simulated."""
        return str(self._get("dispatch/simulate_agencies", "true")).lower() == "true"

    @simulate_agencies.setter
    def simulate_agencies(self, value: bool) -> None:
        self._store.setValue("dispatch/simulate_agencies", "true" if value else "false")

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

    @property
    def escalate_after_s(self) -> int:
        """Seconds a critical incident may stay unacknowledged before it is escalated."""
        return int(str(self._checked("escalate_after_s")))

    @escalate_after_s.setter
    def escalate_after_s(self, value: int) -> None:
        self._set_checked("escalate_after_s", value)

    def window_state(self) -> tuple[bytes | None, bytes | None]:
        """Saved geometry and dock layout of the main window."""
        geometry = self._get("window/geometry", None)
        state = self._get("window/state", None)
        return (as_bytes(geometry), as_bytes(state))

    def save_window_state(self, geometry: bytes, state: bytes) -> None:
        """Remember the main window's geometry and dock layout."""
        # As Qt byte arrays: Python bytes would be stored pickled (see ui.settings_file).
        self._store.setValue("window/geometry", QByteArray(geometry))
        self._store.setValue("window/state", QByteArray(state))

    def sync(self) -> None:
        """Write to disk now."""
        self._store.sync()


# Cityroom's folder for data it keeps (the platform's application-data location).
default_data_dir = data_dir


def _key(path: str) -> str:
    # QSettings treats "/" as a group separator; keep one key per file.
    return path.replace("\\", "|").replace("/", "|")


# The dialog lived here first; callers still import it from this module.
from ui.settings_dialog import SettingsDialog  # noqa: E402

__all__ = [
    "DeskSettings",
    "EscalationSettings",
    "Settings",
    "SettingsDialog",
    "SettingsError",
    "default_data_dir",
]
