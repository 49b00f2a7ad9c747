"""The map page: built once with folium, every library loaded from resources/map/vendor.

Folium's own template names CDN addresses for Leaflet, jQuery, Bootstrap and the icon fonts; they
are replaced by the vendored copies, so the page needs no network. Everything that changes
afterwards reaches the page over the web channel, never by rebuilding it.
"""

from __future__ import annotations

import json
from pathlib import Path

MAP_ROOT = Path(__file__).resolve().parent.parent / "resources" / "map"
SEOUL_CENTRE = (37.5665, 126.9780)

LOCAL_JS = [
    ("leaflet", "vendor/leaflet/dist/leaflet.js"),
    ("jquery", "vendor/jquery/dist/jquery.min.js"),
    ("bootstrap", "vendor/bootstrap/dist/js/bootstrap.bundle.min.js"),
    ("awesome_markers", "vendor/awesome-markers/js/leaflet.awesome-markers.js"),
]
LOCAL_CSS = [
    ("leaflet_css", "vendor/leaflet/dist/leaflet.css"),
    ("bootstrap_css", "vendor/bootstrap/dist/css/bootstrap.min.css"),
    ("glyphicons_css", "vendor/glyphicons/css/bootstrap.min.css"),
    ("awesome_markers_font_css", "vendor/fontawesome/css/all.min.css"),
    ("awesome_markers_css", "vendor/awesome-markers/css/leaflet.awesome-markers.css"),
]


def build_page_html(tile_url: str | None = None) -> str:
    """The page's HTML; resolve relative links against ``MAP_ROOT``.

    ``tile_url`` is an optional XYZ template (a tile server, or file:///folder/{z}/{x}/{y}.png)
    drawn under the vector basemap.
    """
    import folium
    from branca.element import Element, Figure, MacroElement
    from jinja2 import Template

    class OfflineMap(folium.Map):
        # Class-level lists on a subclass, so folium's own defaults stay untouched.
        default_js = LOCAL_JS
        default_css = LOCAL_CSS

    fmap = OfflineMap(
        location=SEOUL_CENTRE,
        zoom_start=11,
        tiles=None,
        prefer_canvas=True,
        control_scale=True,
        zoom_control=True,
        min_zoom=9,
        max_zoom=19,
    )
    root = fmap.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element('<link rel="stylesheet" href="page.css"/>'))
    root.header.add_child(Element('<script src="qrc:///qtwebchannel/qwebchannel.js"></script>'))
    root.html.add_child(Element('<script src="page.js"></script>'))

    class Start(MacroElement):
        # Rendered after the map's own script: hands the map to page.js.
        _template = Template(
            "{% macro script(this, kwargs) %}"
            "cityroomStart({{ this._parent.get_name() }}, {{ this.tiles }});"
            "{% endmacro %}"
        )

        def __init__(self, tiles: str) -> None:
            super().__init__()  # type: ignore[no-untyped-call]
            self.tiles = tiles

    fmap.add_child(Start(json.dumps(tile_url)))
    html: str = root.render()
    return html
