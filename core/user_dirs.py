"""Where Cityroom keeps each user's data: one definition for the event log, the site catalogue,
recordings, evidence, procedures and rules (settings and log files have their own places: see
``ui.settings_file`` and ``core.logfiles``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def data_dir() -> Path:
    """Cityroom's folder for the data it keeps: ``$XDG_DATA_HOME/cityroom`` (default
    ``~/.local/share/cityroom``) on Linux, ``%LOCALAPPDATA%\\Cityroom`` on Windows."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "Cityroom"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "cityroom"
