"""PyInstaller run-time hook: every PROJ library in the bundle reads one database.

The bundle keeps only pyogrio's copy of PROJ's data (packaging/cityroom.spec says why); rasterio
and pyproj find it through PROJ_DATA, which must be set before either is imported. A PROJ_DATA
the user set on purpose is left alone.
"""

import os
import sys
from pathlib import Path

_shared = Path(getattr(sys, "_MEIPASS", "")) / "pyogrio" / "proj_data"
if _shared.is_dir():
    os.environ.setdefault("PROJ_DATA", str(_shared))
    os.environ.setdefault("PROJ_LIB", str(_shared))  # the name PROJ < 9.1 reads
