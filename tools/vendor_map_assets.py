"""Vendor the map page's JavaScript and CSS under resources/map/vendor (no CDN at run time).

Fetches the exact package versions folium's page template names from the npm registry with
``npm pack``, copies the files the page loads and each package's licence, and writes
resources/map/vendor/README.md. Run it only to change versions; the result is committed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENDOR = REPO / "resources" / "map" / "vendor"

# package spec -> (folder name, files to copy relative to the package root, licence file)
PACKAGES: dict[str, tuple[str, list[str], str | None]] = {
    "leaflet@1.9.3": (
        "leaflet",
        [
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
        ],
        "LICENSE",
    ),
    "jquery@3.7.1": ("jquery", ["dist/jquery.min.js"], "LICENSE.txt"),
    "bootstrap@5.2.2": (
        "bootstrap",
        ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"],
        "LICENSE",
    ),
    "@fortawesome/fontawesome-free@6.2.0": (
        "fontawesome",
        [
            "css/all.min.css",
            "webfonts/fa-brands-400.woff2",
            "webfonts/fa-regular-400.woff2",
            "webfonts/fa-solid-900.woff2",
            "webfonts/fa-v4compatibility.woff2",
        ],
        "LICENSE.txt",
    ),
    "drmonty-leaflet-awesome-markers@2.0.2": (
        "awesome-markers",
        [
            "js/leaflet.awesome-markers.js",
            "css/leaflet.awesome-markers.css",
            "css/images/markers-soft.png",
            "css/images/markers-soft@2x.png",
            "css/images/markers-shadow.png",
            "css/images/markers-shadow@2x.png",
            "css/images/markers-matte.png",
            "css/images/markers-matte@2x.png",
            "css/images/markers-plain.png",
        ],
        None,
    ),
    "glyphicons-only-bootstrap@1.0.1": (
        "glyphicons",
        [
            "css/bootstrap.min.css",
            "fonts/glyphicons-halflings-regular.woff2",
            "fonts/glyphicons-halflings-regular.woff",
        ],
        None,
    ),
}


def main() -> int:
    """Fetch, copy and describe every vendored package."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for spec, (name, files, licence) in PACKAGES.items():
            packed = subprocess.run(
                ["npm", "pack", spec, "--json"],
                cwd=work,
                check=True,
                capture_output=True,
                text=True,
            )
            info = json.loads(packed.stdout)[0]
            with tarfile.open(work / info["filename"]) as archive:
                archive.extractall(work / name, filter="data")
            root = work / name / "package"
            meta = json.loads((root / "package.json").read_text(encoding="utf-8"))
            # Older packages declare {"licenses": [{"type": ...}]} instead of "license".
            meta.setdefault(
                "license", " AND ".join(x["type"] for x in meta.get("licenses", [])) or None
            )
            target = VENDOR / name
            shutil.rmtree(target, ignore_errors=True)
            for relative in files:
                source = root / relative
                if not source.exists():
                    continue  # optional image variants differ between releases
                destination = target / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, destination)
            if licence:
                shutil.copy2(root / licence, target / licence)
            else:
                # The package ships no licence file; record what its package.json declares.
                (target / "LICENSE.txt").write_text(
                    f"{meta['name']} {meta['version']}: licensed under {meta.get('license')} "
                    f"according to its package.json.\n{meta.get('homepage', '')}\n",
                    encoding="utf-8",
                )
            rows.append(
                f"| {name} | {meta['name']} {meta['version']} | {meta.get('license')} | "
                f"`npm pack {spec}` ({info['integrity'][:23]}…) |"
            )
    (VENDOR / "README.md").write_text(
        "# Vendored map libraries\n\n"
        "The map page loads these from here, never from a CDN (the room may have no internet).\n"
        "Regenerate with `python tools/vendor_map_assets.py`.\n\n"
        "| folder | package | licence | source |\n|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
