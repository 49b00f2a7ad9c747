"""The map page refers only to files that ship with the application."""

from __future__ import annotations

import re

from layers.map_page import MAP_ROOT, build_page_html


def test_every_file_the_page_loads_is_shipped() -> None:
    html = build_page_html()
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    local = [link for link in links if "://" not in link]
    assert "vendor/leaflet/dist/leaflet.js" in local and "page.js" in local
    missing = [link for link in local if not (MAP_ROOT / link).is_file()]
    assert missing == []
    remote = [link for link in links if "://" in link and not link.startswith("qrc:")]
    assert remote == [], "the page must not name any address on the network"


def test_a_tile_url_is_passed_to_the_page() -> None:
    html = build_page_html("file:///srv/tiles/{z}/{x}/{y}.png")
    assert "cityroomStart(" in html and '"file:///srv/tiles/{z}/{x}/{y}.png"' in html
