"""The .tar.gz and the .deb carry an application that runs wherever they are unpacked.

Slow, and only with CITYROOM_TEST_PACKAGE=1 (`make test-package`): the archives are made from
the frozen application of tests/package/test_frozen_app.py.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.package.test_frozen_app import (
    ROOT,
    frozen_app,  # noqa: F401 (a fixture)
    home,  # noqa: F401 (a fixture)
    pytestmark,  # noqa: F401 (slow, opt-in)
    run,
    seeded_log,  # noqa: F401 (a fixture)
)

DIST = ROOT / "dist"


def version() -> str:
    """The project's version, as the archives are named."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


@pytest.fixture(scope="module")
def archives(frozen_app: Path) -> tuple[Path, Path]:  # noqa: F811
    """The .tar.gz and the .deb of the current build (made now when older than it)."""
    tarball = DIST / f"cityroom-{version()}-linux-x86_64.tar.gz"
    deb = DIST / f"cityroom_{version()}_amd64.deb"
    built = frozen_app.stat().st_mtime
    if not all(path.is_file() and path.stat().st_mtime >= built for path in (tarball, deb)):
        result = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "package.py"), "--archives-only"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert result.returncode == 0, f"packing failed:\n{result.stdout}\n{result.stderr}"
    return tarball, deb


def test_the_tarball_runs_from_any_folder(
    archives: tuple[Path, Path],
    seeded_log: Path,  # noqa: F811
    home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    with tarfile.open(archives[0]) as tar:
        names = tar.getnames()
        assert "cityroom/cityroom" in names
        assert all(member.uid == 0 for member in tar.getmembers()[:50])
        tar.extractall(tmp_path, filter="tar")
    app = tmp_path / "cityroom" / "cityroom"

    verified = run(app, home, "log", "verify", "--db", str(seeded_log))

    assert verified.returncode == 0, verified.stderr
    assert "hash chain intact" in verified.stdout


def test_the_deb_installs_the_app_its_command_and_its_menu_entry(
    archives: tuple[Path, Path],
    seeded_log: Path,  # noqa: F811
    home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    deb = archives[1]
    info = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Package", "Version", "Depends", "Installed-Size"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Package: cityroom" in info
    assert f"Version: {version()}" in info
    assert "libc6" in info, info  # Depends found from the bundle's own libraries
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "./opt/cityroom/cityroom\n" in contents
    assert "./usr/bin/cityroom -> /opt/cityroom/cityroom" in contents
    assert "./usr/share/applications/cityroom.desktop" in contents
    assert "./usr/share/icons/hicolor/scalable/apps/cityroom.svg" in contents

    # Unpacked elsewhere (not installed: the test must not change this machine).
    subprocess.run(["dpkg-deb", "--extract", str(deb), str(tmp_path)], check=True)
    listed = run(
        tmp_path / "opt" / "cityroom" / "cityroom",
        home,
        *["incidents", "list", "--db", str(seeded_log), "--json"],
    )
    assert listed.returncode == 0, listed.stderr
    assert '"INC-000001"' in listed.stdout
