"""The desk's checked settings: themes, the text size's range and steps, and the operations
backend's address, each refused with the setting named and the fix."""

from __future__ import annotations

import pytest

from ui.feed_settings import DeskSettings, SettingsError, validated
from ui.theme import THEMES


def test_the_defaults_are_the_dark_theme_normal_text_and_no_backend() -> None:
    desk = DeskSettings()
    assert (desk.theme, desk.font_scale, desk.backend_url) == ("dark", 1.0, "")
    assert all(DeskSettings(theme=theme).theme == theme for theme in THEMES)


def test_the_text_size_keeps_to_tenths_and_the_address_to_the_server() -> None:
    assert DeskSettings.model_validate({"font_scale": "1.26"}).font_scale == 1.3
    desk = DeskSettings(backend_url=" https://ops.example.org:8443/ ")
    assert desk.backend_url == "https://ops.example.org:8443"
    assert DeskSettings(backend_url="  ").backend_url == ""


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"theme": "neon"}, "'neon' is not a theme; the themes are dark, high-contrast"),
        ({"font_scale": "0.8"}, "greater than or equal to 1"),
        ({"font_scale": "huge"}, "text size factor for wall screens"),
        ({"backend_url": "ops.example.org:8443"}, "give it as https://HOST:PORT"),
        ({"backend_url": "https://ops.example.org/?x=1"}, "has a query or fragment"),
    ],
)
def test_a_bad_desk_setting_names_itself_and_the_fix(
    values: dict[str, object], expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        validated(DeskSettings, values, "/home/kim/.config/Cityroom/Cityroom.conf")
    (key,) = values
    assert str(caught.value).startswith(f"Setting {key} in /home/kim/.config/Cityroom/")
    assert expected in str(caught.value)
