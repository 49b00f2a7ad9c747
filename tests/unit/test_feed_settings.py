"""The field-feed, rules and retention settings models: bounds, clear errors, and the broker
login kept out of the settings file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.feed_settings import (
    PASSWORD_ENV,
    USERNAME_ENV,
    FieldFeedSettings,
    RetentionSettings,
    RulesSettings,
    SettingsError,
    broker_login,
    validated,
)


def test_defaults_mean_no_feed_the_documented_topic_and_the_retention_periods() -> None:
    feed = FieldFeedSettings()
    assert not feed.enabled and feed.topic_override is None and not feed.mqtt_tls
    retention = RetentionSettings()
    assert (retention.sensor_raw_days, retention.sensor_summary_days) == (30, 400)
    assert "raw sensor readings" in str(RetentionSettings.model_fields["sensor_raw_days"])
    assert RulesSettings().rules_file is None


def test_the_broker_address_takes_the_usual_port_for_plain_and_tls() -> None:
    assert FieldFeedSettings(mqtt_broker="10.0.0.7").address == ("10.0.0.7", 1883)
    assert FieldFeedSettings(mqtt_broker="10.0.0.7", mqtt_tls=True).address == ("10.0.0.7", 8883)
    assert FieldFeedSettings(mqtt_broker="h:1884", mqtt_tls=True).address == ("h", 1884)
    assert (
        FieldFeedSettings(mqtt_topic="site/+/{sensor_id}").topic_override == "site/+/{sensor_id}"
    )


@pytest.mark.parametrize(
    ("model", "values", "expected"),
    [
        (FieldFeedSettings, {"mqtt_broker": "host:port"}, "is not HOST:PORT"),
        (FieldFeedSettings, {"mqtt_broker": "host:70000"}, "is not HOST:PORT"),
        (FieldFeedSettings, {"mqtt_topic": "a/b+/{sensor_id}"}, "'+' must be a whole level"),
        (FieldFeedSettings, {"mqtt_mapping": "/no/such/mapping.toml"}, "no such mapping file"),
        (FieldFeedSettings, {"mqtt_credentials": "/no/login.toml"}, "no such credentials file"),
        (FieldFeedSettings, {"mqtt_password": "x"}, "no such setting"),
        (RulesSettings, {"rules_file": "/no/rules.toml"}, "no such rules file"),
        (RetentionSettings, {"sensor_raw_days": 0}, "greater than or equal to 1"),
        (RetentionSettings, {"sensor_summary_days": "a year"}, "valid integer"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting_and_the_place(
    model: type, values: dict[str, object], expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        validated(model, values, "/home/kim/.config/Cityroom/Cityroom.conf")
    message = str(caught.value)
    (key,) = values
    assert message.startswith(f"Setting {key} in /home/kim/.config/Cityroom/Cityroom.conf: ")
    assert expected in message


def test_the_login_comes_from_the_environment_before_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    login = tmp_path / "login.toml"
    login.write_text('username = "ops"\npassword = "from-file"\n')
    login.chmod(0o600)
    feed = FieldFeedSettings(mqtt_broker="h", mqtt_credentials=login)
    monkeypatch.delenv(USERNAME_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    username, password, warning = broker_login(feed)
    assert username == "ops" and password is not None
    assert password.get_secret_value() == "from-file" and warning == ""
    assert "from-file" not in repr(password)
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    username, password, _ = broker_login(feed)
    assert username == "ops" and password is not None
    assert password.get_secret_value() == "from-env"


def test_a_login_file_others_can_read_is_used_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(USERNAME_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    login = tmp_path / "login.toml"
    login.write_text('username = "ops"\npassword = "p"\n')
    login.chmod(0o644)
    _, _, warning = broker_login(FieldFeedSettings(mqtt_credentials=login))
    assert str(login) in warning and "chmod 600" in warning


def test_a_login_file_with_other_keys_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(USERNAME_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    login = tmp_path / "login.toml"
    login.write_text('user = "ops"\n')
    with pytest.raises(SettingsError, match="found 'user'"):
        broker_login(FieldFeedSettings(mqtt_credentials=login))
    login.write_text("username = [")
    with pytest.raises(SettingsError, match="cannot be read"):
        broker_login(FieldFeedSettings(mqtt_credentials=login))
