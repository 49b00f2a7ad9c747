"""The checked settings as kept between runs: valid values round-trip, bad ones are refused
with the setting named, and a hand-edited bad value falls back and is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ui.feed_settings import FieldFeedSettings
from ui.settings import Settings, SettingsError


def open_settings(folder: Path) -> Settings:
    return Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))


def test_field_feed_rules_and_retention_settings_are_kept(tmp_path: Path) -> None:
    mapping, rules = tmp_path / "mapping.toml", tmp_path / "rules.toml"
    mapping.write_text("documented = true\n")
    rules.write_text("")
    settings = open_settings(tmp_path)
    assert settings.mqtt_broker == "" and settings.rules_file is None
    assert (settings.sensor_raw_days, settings.sensor_summary_days) == (30, 400)
    settings.mqtt_broker = "10.0.0.7:1884"
    settings.mqtt_topic = "site/{sensor_id}"
    settings.mqtt_mapping = mapping
    settings.mqtt_tls = True
    settings.rules_file = rules
    settings.sensor_raw_days = 7
    settings.sensor_summary_days = 90
    settings.sync()
    again = open_settings(tmp_path)
    feed = again.field_feed()
    assert feed == FieldFeedSettings(
        mqtt_broker="10.0.0.7:1884",
        mqtt_topic="site/{sensor_id}",
        mqtt_mapping=mapping,
        mqtt_tls=True,
    )
    assert again.rules_file == rules and again.mqtt_tls
    assert (again.sensor_raw_days, again.sensor_summary_days) == (7, 90)
    assert again.problems() == []
    again.rules_file = None
    again.mqtt_broker = ""
    assert again.rules_file is None and not again.field_feed().enabled


def test_a_bad_value_is_refused_and_the_old_one_kept(tmp_path: Path) -> None:
    settings = open_settings(tmp_path)
    settings.sensor_raw_days = 10
    with pytest.raises(SettingsError, match=r"sensor_raw_days.*greater than or equal to 1"):
        settings.sensor_raw_days = 0
    with pytest.raises(SettingsError, match=r"mqtt_broker.*not HOST:PORT"):
        settings.mqtt_broker = "broker:mqtt"
    with pytest.raises(SettingsError, match="no such rules file"):
        settings.rules_file = tmp_path / "missing.toml"
    assert settings.sensor_raw_days == 10 and settings.mqtt_broker == ""


def test_a_hand_edited_bad_value_falls_back_and_is_reported_with_the_file(
    tmp_path: Path,
) -> None:
    raw = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    raw.setValue("retention/sensor_summary_days", "forever")
    raw.setValue("ingest/mqtt_broker", "nowhere:port")
    raw.sync()
    settings = open_settings(tmp_path)
    assert settings.sensor_summary_days == 400
    assert settings.mqtt_broker == ""
    problems = settings.problems()
    assert len(problems) == 2
    assert all(str(tmp_path / "s.ini") in problem for problem in problems)
    assert any("sensor_summary_days" in p and "'forever'" in p for p in problems)
    assert settings.problems(skip=(FieldFeedSettings,)) == [
        p for p in problems if "sensor_summary_days" in p
    ]
    with pytest.raises(SettingsError, match="mqtt_broker"):
        settings.field_feed()


def test_the_log_keeps_readings_as_long_as_the_settings_say(tmp_path: Path) -> None:
    from core.notices import NoticeBoard
    from ui.app import reading_retention

    settings = open_settings(tmp_path)
    settings.sensor_raw_days = 7
    settings.sensor_summary_days = 90
    notices = NoticeBoard()
    policy = reading_retention(settings, notices)
    assert (policy.raw_days, policy.summary_days) == (7, 90)
    assert not notices.history
    # Summaries shorter than raw readings would lose history: both are kept as long as raw.
    settings.sensor_summary_days = 3
    policy = reading_retention(settings, notices)
    assert (policy.raw_days, policy.summary_days) == (7, 7)
    [notice] = notices.history
    assert "3 days" in notice.text and "7" in notice.text
