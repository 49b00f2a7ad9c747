"""Every user-visible string in the code is in the Korean translation file."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_no_string_is_missing_from_the_korean_translation(tmp_path: Path) -> None:
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip("pyside6-lupdate is not installed beside this Python")
    copy = tmp_path / "check_ko.ts"
    shutil.copy(REPO / "resources" / "i18n" / "cityroom_ko.ts", copy)
    sources = sorted(str(p) for folder in ("ui", "panels") for p in (REPO / folder).rglob("*.py"))
    subprocess.run(
        [str(lupdate), "-no-obsolete", "-locations", "none", *sources, "-ts", str(copy)],
        check=True,
        capture_output=True,
    )
    text = copy.read_text(encoding="utf-8")
    missing = re.findall(r"<source>([^<]*)</source>\s*<translation type=\"unfinished\">", text)
    assert not missing, f"run make translations and translate: {missing}"
