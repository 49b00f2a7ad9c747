"""Validated settings of the field-device feed, the situation rules file, sensor retention and
the desk (theme, text size, operations backend), and where the broker login comes from (never
the plain settings file)."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from ui.theme import THEMES

DEFAULT_TOPIC = "cityroom/sensors/{sensor_id}"
USERNAME_ENV = "CITYROOM_MQTT_USERNAME"
PASSWORD_ENV = "CITYROOM_MQTT_PASSWORD"
TLS_PORT = 8883
MIN_FONT_SCALE, MAX_FONT_SCALE = 1.0, 2.0


class SettingsError(ValueError):
    """A setting's value cannot be used; the message names the setting and the fix."""


def _existing_file(value: Path | None, what: str) -> Path | None:
    if value is None or str(value) in ("", "."):
        return None
    path = value.expanduser()
    if not path.is_file():
        raise ValueError(f"{path}: no such {what} file. Give the path of an existing file")
    return path


class FieldFeedSettings(BaseModel):
    """Where field devices publish their readings, and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mqtt_broker: str = Field(
        "",
        description="HOST:PORT of the field devices' MQTT broker (port 1883, or 8883 with "
        "TLS, when left out); empty: no field-device feed",
    )
    mqtt_topic: str = Field(
        DEFAULT_TOPIC,
        description="topic filter of the documented scheme; one whole level may be {sensor_id}",
    )
    mqtt_mapping: Path | None = Field(
        None, description="TOML mapping file for other topic/payload schemes; None: documented"
    )
    mqtt_tls: bool = Field(False, description="connect with TLS, trusting the system's CAs")
    mqtt_credentials: Path | None = Field(
        None,
        description="TOML file with username and password for the broker, readable by its "
        f"owner only; {USERNAME_ENV} and {PASSWORD_ENV} take precedence",
    )

    @field_validator("mqtt_broker")
    @classmethod
    def _broker(cls, value: str) -> str:
        value = value.strip()
        if value:
            from core.ingest.headless import parse_broker

            parse_broker(value)
        return value

    @field_validator("mqtt_topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        from core.ingest.schemes import TopicPattern

        value = value.strip() or DEFAULT_TOPIC
        TopicPattern.parse(value)
        return value

    @field_validator("mqtt_mapping")
    @classmethod
    def _mapping(cls, value: Path | None) -> Path | None:
        return _existing_file(value, "mapping")

    @field_validator("mqtt_credentials")
    @classmethod
    def _credentials(cls, value: Path | None) -> Path | None:
        return _existing_file(value, "credentials")

    @property
    def enabled(self) -> bool:
        """Whether a broker is configured at all."""
        return bool(self.mqtt_broker)

    @property
    def address(self) -> tuple[str, int]:
        """The broker's host and port (TLS's usual port when none is written)."""
        from core.ingest.headless import parse_broker

        host, port = parse_broker(self.mqtt_broker)
        if self.mqtt_tls and ":" not in self.mqtt_broker:
            port = TLS_PORT
        return host, port

    @property
    def topic_override(self) -> str | None:
        """The topic to subscribe to instead of the documented ones; None: the documented
        topics (the single-reading topic and the batch topic)."""
        return None if self.mqtt_topic == DEFAULT_TOPIC else self.mqtt_topic


class RulesSettings(BaseModel):
    """Which situation rules file the workstation runs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules_file: Path | None = Field(
        None, description="TOML rules file; None: the shipped default rules"
    )

    @field_validator("rules_file")
    @classmethod
    def _rules(cls, value: Path | None) -> Path | None:
        return _existing_file(value, "rules")


class RetentionSettings(BaseModel):
    """How long the event log keeps sensor readings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sensor_raw_days: int = Field(
        30, ge=1, description="raw sensor readings are kept this many days"
    )
    sensor_summary_days: int = Field(
        400,
        ge=1,
        description="per-minute minimum/maximum summaries of sensor readings are kept this "
        "many days",
    )


class DeskSettings(BaseModel):
    """How this desk looks and which operations backend it signs in to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str = Field(default="dark", description=f"colour theme: {' or '.join(THEMES)}")
    font_scale: float = Field(
        default=MIN_FONT_SCALE,
        ge=MIN_FONT_SCALE,
        le=MAX_FONT_SCALE,
        description=f"text size factor for wall screens, {MIN_FONT_SCALE:.1f} to "
        f"{MAX_FONT_SCALE:.1f} in steps of 0.1",
    )
    backend_url: str = Field(
        default="",
        description="the operations backend this desk signs in to, https://HOST:PORT; empty: "
        "work standalone",
    )

    @field_validator("theme")
    @classmethod
    def _theme(cls, value: str) -> str:
        value = value.strip()
        if value not in THEMES:
            raise ValueError(f"{value!r} is not a theme; the themes are {', '.join(THEMES)}")
        return value

    @field_validator("font_scale")
    @classmethod
    def _scale(cls, value: float) -> float:
        return round(value, 1)  # the steps the dialog offers

    @field_validator("backend_url")
    @classmethod
    def _backend(cls, value: str) -> str:
        if not value.strip():
            return ""
        from core.remote.backend import RemoteUrlError, checked_url

        try:
            return checked_url(value)
        except RemoteUrlError as error:
            raise ValueError(str(error)) from None


def validated(model: type[BaseModel], values: dict[str, Any], where: str = "") -> BaseModel:
    """``model`` from ``values``; a :class:`SettingsError` names the setting, what is wrong
    with its value and ``where`` it came from (the settings file), if given."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"])
        place = f"Setting {key} in {where}" if where else f"Setting {key}"
        if error["type"] == "value_error":  # ours: it names the value and the fix already
            message = str(error["ctx"]["error"])
        elif error["type"] == "extra_forbidden":
            message = f"no such setting; the settings here are {', '.join(model.model_fields)}"
        else:
            given = values.get(key, error.get("input"))
            message = f"{given!r}: {error['msg'].lower()}"
            field = model.model_fields.get(key)
            if field is not None and field.description:
                message += f" ({field.description})"
        raise SettingsError(f"{place}: {message}") from None


def broker_login(settings: FieldFeedSettings) -> tuple[str | None, SecretStr | None, str]:
    """The broker login (user name, password) and a warning ("" when none).

    The environment wins over the credentials file, so a service manager can inject the
    password without it ever being written; the file is TOML ``username = "…"`` and
    ``password = "…"`` and should be readable by its owner only.
    """
    username, password = os.environ.get(USERNAME_ENV), os.environ.get(PASSWORD_ENV)
    warning = ""
    path = settings.mqtt_credentials
    if path is not None and (username is None or password is None):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(
                f"MQTT credentials file {path} cannot be read ({exc}). It must be TOML with "
                'username = "…" and password = "…"'
            ) from None
        unknown = sorted(set(data) - {"username", "password"})
        if unknown or not all(isinstance(v, str) for v in data.values()):
            raise SettingsError(
                f"MQTT credentials file {path}: only username and password, as text, belong "
                f"there{f' (found {unknown[0]!r})' if unknown else ''}"
            )
        username = username if username is not None else data.get("username")
        password = password if password is not None else data.get("password")
        if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            warning = f"{path} can be read by other users; restrict it with chmod 600"
    return username or None, SecretStr(password) if password else None, warning
