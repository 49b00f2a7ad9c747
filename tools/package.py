"""Build the Linux packages of Cityroom: the one-folder app, a .tar.gz and a .deb.

Usage (from the repository root, in the project's virtual environment; `make package` does it):

    python tools/package.py                 # dist/cityroom/, the .tar.gz and the .deb
    python tools/package.py --folder-only   # dist/cityroom/ only (the frozen-app test)

The folder is built by PyInstaller from packaging/cityroom.spec. Its unpacked size is printed
against the 500 MB target, which it does not meet today (docs/install.md, "Package size", says
where the room goes), and the archives are not made when it is over --max-size-mb (950 MB: a
ceiling that catches a library or Qt module pulled in by mistake).

The .deb installs to /opt/cityroom with /usr/bin/cityroom and a desktop
entry; it depends on the system libraries the bundle does not carry, found with ldd on every
binary in it and dpkg -S on what they resolve to.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "cityroom.spec"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
APP = DIST / "cityroom"
INSTALL_DIR = "/opt/cityroom"
ICON = ROOT / "resources" / "icons" / "cityroom.svg"
# The installable package's target, and the ceiling over which no archive is made (today's
# size plus a margin; see the module's docstring).
TARGET_SIZE_MB = 500
MAX_SIZE_MB = 950
MB = 1_000_000
# Data the bundled libraries read from the system, which ldd cannot see: keyboard layouts
# (libxkbcommon: without them no key works under X11) and the font configuration (fontconfig).
DATA_DEPENDS = ("xkb-data", "fontconfig-config")
# Hangul text shows as boxes without a Korean font.
RECOMMENDS = "fonts-nanum | fonts-noto-cjk"
# zstd at level 9: ~15 s for a ~370 MB package here, where xz took ~9 min for ~310 MB. Every
# system that has the C library the bundle needs (2.36) has a dpkg that reads zstd (1.21.18+).
DEB_COMPRESSION = ("-Zzstd", "-z9")
DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Cityroom
Name[ko]=시티룸
GenericName=Operations centre workstation
Comment=Operator workstation of a smart-city integrated operations centre
Exec=/usr/bin/cityroom
Icon=cityroom
Terminal=false
Categories=Network;Monitor;
StartupWMClass=cityroom
"""


class PackageError(Exception):
    """A packaging step failed; the message names the step and the fix."""


def project() -> dict[str, object]:
    """The [project] table of pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        table: dict[str, object] = tomllib.load(handle)["project"]
    return table


def check_tools() -> None:
    """PyInstaller and its hooks as pinned in pyproject.toml's `package` extra."""
    extras = project().get("optional-dependencies", {})
    pins = extras.get("package", []) if isinstance(extras, dict) else []
    for pin in pins:
        name, _, wanted = str(pin).partition("==")
        try:
            have = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != wanted:
            found = f"{name} {have} is installed" if have else f"{name} is not installed"
            raise PackageError(
                f"{found} but pyproject.toml pins {pin}: run `make package`, or "
                f"{sys.executable} -m pip install -e '.[package]'"
            )


# The PROJ databases the wheels ship; the bundle keeps only the first (packaging/cityroom.spec).
PROJ_DATABASES = (
    ("pyogrio", "proj_data/proj.db"),
    ("rasterio", "proj_data/proj.db"),
    ("pyproj", "proj_dir/share/proj/proj.db"),
)


def proj_layout(database: Path) -> tuple[int, int]:
    """The (major, minor) layout version of a PROJ database."""
    import sqlite3

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = dict(
            connection.execute(
                "SELECT key, value FROM metadata WHERE key LIKE 'DATABASE.LAYOUT.VERSION.%'"
            ).fetchall()
        )
    return int(rows["DATABASE.LAYOUT.VERSION.MAJOR"]), int(rows["DATABASE.LAYOUT.VERSION.MINOR"])


def check_shared_proj_database() -> None:
    """The one PROJ database the bundle keeps must be at least as new as every copy it
    replaces (PROJ refuses an older layout than its own)."""
    import importlib.util

    layouts = {}
    for package, relative in PROJ_DATABASES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise PackageError(f"{package} is not installed: run `make package`")
        database = Path(next(iter(spec.submodule_search_locations))) / relative
        if not database.is_file():
            raise PackageError(f"{database} is missing: {package} changed where it keeps PROJ")
        layouts[package] = proj_layout(database)
    kept_package = PROJ_DATABASES[0][0]
    kept = layouts[kept_package]
    for package, layout in layouts.items():
        if layout[0] != kept[0] or layout[1] > kept[1]:
            raise PackageError(
                f"{package}'s PROJ database has layout {layout[0]}.{layout[1]}, which "
                f"{kept_package}'s ({kept[0]}.{kept[1]}) cannot stand in for: keep that copy "
                f"instead (SHARED_PROJ_DATA in {SPEC.name}, packaging/proj_data.py and "
                "PROJ_DATABASES here)"
            )


def build_folder() -> None:
    """Run PyInstaller on the spec into dist/cityroom (its cache makes rebuilds faster)."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD),
        str(SPEC),
    ]
    print("package: building", APP.relative_to(ROOT), "with", SPEC.relative_to(ROOT), flush=True)
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise PackageError(f"PyInstaller failed on {SPEC} (its messages are above)")
    if not (APP / "cityroom").is_file():
        raise PackageError(f"PyInstaller made no {APP / 'cityroom'}; check {SPEC}")


def has_symbols(path: Path) -> bool:
    """Whether an ELF file still carries a symbol table (debugging and linking symbols that
    nothing reads at run time)."""
    sections = subprocess.run(
        ["readelf", "-SW", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return " .symtab " in sections


def loadable(path: Path) -> bool:
    """Whether every LOAD segment's file offset and address agree modulo its alignment: what
    the dynamic loader checks ("ELF load command address/offset not page-aligned")."""
    headers = subprocess.run(
        ["readelf", "-lW", str(path)], capture_output=True, text=True, check=False
    ).stdout
    for line in headers.splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"]:
            offset, address, align = int(fields[1], 16), int(fields[2], 16), int(fields[-1], 16)
            if align > 1 and offset % align != address % align:
                return False
    return bool(headers)


def strip_symbols(folder: Path) -> tuple[int, list[Path]]:
    """Strip the symbol tables of the ELF files under ``folder``; returns the bytes saved and
    the files left as they were because stripping would have made them unloadable."""
    if shutil.which("strip") is None or shutil.which("readelf") is None:
        raise PackageError("strip and readelf are missing: install binutils")
    saved, kept = 0, []
    for path in files(folder):
        if path.is_symlink() or not is_elf(path) or not has_symbols(path):
            continue
        trial = path.with_name(path.name + ".stripping")
        shutil.copy2(path, trial)
        done = subprocess.run(
            ["strip", "--strip-unneeded", str(trial)], capture_output=True, check=False
        )
        if done.returncode == 0 and loadable(trial):
            saved += path.stat().st_size - trial.stat().st_size
            trial.replace(path)
        else:
            trial.unlink()
            kept.append(path)
    return saved, kept


def files(folder: Path) -> Iterator[Path]:
    """Every file and symbolic link under ``folder``."""
    for path in folder.rglob("*"):
        if path.is_symlink() or path.is_file():
            yield path


def unpacked_size(folder: Path) -> int:
    """Bytes the folder takes unpacked (links counted as themselves, not their targets)."""
    return sum(path.lstat().st_size for path in files(folder))


def largest_parts(folder: Path, count: int = 8) -> list[tuple[int, str]]:
    """The biggest entries of the bundle's library folder, for the over-size message."""
    inner = folder / "_internal"
    sizes = []
    for entry in inner.iterdir():
        size = unpacked_size(entry) if entry.is_dir() else entry.lstat().st_size
        sizes.append((size, entry.name))
    return sorted(sizes, reverse=True)[:count]


def check_size(size: int, limit_mb: float) -> None:
    """Say how the bundle compares with the target; refuse one larger than ``limit_mb``,
    naming what takes the room."""
    parts = ", ".join(f"{name} {part / MB:.0f} MB" for part, name in largest_parts(APP))
    if size > limit_mb * MB:
        raise PackageError(
            f"{APP} is {size / MB:.0f} MB unpacked, over the {limit_mb:g} MB limit. "
            f"Largest parts: {parts}. Leave out what the application does not load "
            f"(excludes in {SPEC.name}), or pass --max-size-mb to accept a larger package"
        )
    if size > TARGET_SIZE_MB * MB:
        print(
            f"package: over the {TARGET_SIZE_MB} MB target by {size / MB - TARGET_SIZE_MB:.0f} "
            f'MB (docs/install.md, "Package size"). Largest parts: {parts}',
            flush=True,
        )


def make_tarball(version: str) -> Path:
    """dist/cityroom-VERSION-linux-ARCH.tar.gz holding the cityroom/ folder."""
    target = DIST / f"cityroom-{version}-linux-{platform.machine()}.tar.gz"

    def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
        # Unpacked by whoever installs it: no build user's name or id inside.
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(APP, arcname="cityroom", filter=owned_by_root)
    return target


def is_elf(path: Path) -> bool:
    """Whether ``path`` is an ELF binary (executable or shared library)."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def outside_libraries(folder: Path) -> tuple[set[str], set[str]]:
    """The libraries the bundle's binaries load from the system, and those found nowhere.

    ldd sees the bundle as the frozen app's loader does: its library folder first.
    """
    environment = dict(os.environ, LD_LIBRARY_PATH=str(folder / "_internal"))
    system: set[str] = set()
    missing: set[str] = set()
    inside = str(folder.resolve())
    for path in sorted(p for p in files(folder) if is_elf(p)):
        result = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, env=environment, check=False
        )
        for line in result.stdout.splitlines():
            found = re.match(r"\s*(\S+) => (.+) \(0x", line)
            if found and not str(Path(found[2]).resolve()).startswith(inside):
                system.add(found[2])
            elif "=> not found" in line:
                missing.add(f"{line.split()[0]} (for {path.relative_to(folder)})")
    return system, missing


def owning_packages(libraries: Iterable[str]) -> set[str]:
    """The Debian packages that own ``libraries`` (by path, either side of the /usr merge)."""
    packages: set[str] = set()
    for library in sorted(libraries):
        candidates = [library]
        if library.startswith("/usr/"):
            candidates.append(library[len("/usr") :])
        else:
            candidates.append("/usr" + library)
        for candidate in candidates:
            result = subprocess.run(
                ["dpkg", "-S", candidate], capture_output=True, text=True, check=False
            )
            if result.returncode == 0:
                packages.add(result.stdout.split(":", 1)[0].strip())
                break
        else:
            raise PackageError(
                f"no Debian package owns {library}, which the bundle loads from the system; "
                "build on a Debian or Ubuntu machine whose libraries come from packages"
            )
    return packages


def depends(packages: set[str]) -> str:
    """The Depends field: the owning packages; the C library no older than this one."""
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    version = glibc.split()[-1] if glibc else ""
    named = [f"libc6 (>= {version})" if p == "libc6" and version else p for p in packages]
    return ", ".join(sorted({*named, *DATA_DEPENDS}))


def maintainer() -> str:
    """The .deb's Maintainer: the first of pyproject.toml's [project] maintainers."""
    people = project().get("maintainers", [])
    first = people[0] if isinstance(people, list) and people else None
    if not isinstance(first, dict) or not first.get("name") or not first.get("email"):
        raise PackageError(
            "pyproject.toml has no [project] maintainers entry with a name and an e-mail "
            "address: the .deb needs one for its Maintainer field"
        )
    return f"{first['name']} <{first['email']}>"


def control(version: str, depends_on: str, installed_kb: int) -> str:
    """The .deb's DEBIAN/control file."""
    description = str(project().get("description", "Cityroom"))
    return (
        "Package: cityroom\n"
        f"Version: {version}\n"
        "Section: misc\n"
        "Priority: optional\n"
        "Architecture: amd64\n"
        f"Maintainer: {maintainer()}\n"
        f"Installed-Size: {installed_kb}\n"
        f"Depends: {depends_on}\n"
        f"Recommends: {RECOMMENDS}\n"
        f"Description: {description}\n"
        " The Cityroom workstation with everything it runs on (Python, Qt, the web engine of\n"
        " the map, GDAL): no Python or internet needed on the machine. Also runs the\n"
        " centre's operations backend (cityroom serve).\n"
    )


def make_deb(version: str) -> Path:
    """dist/cityroom_VERSION_amd64.deb: /opt/cityroom, /usr/bin/cityroom, a desktop entry."""
    if platform.machine() != "x86_64":
        raise PackageError(f"the .deb is made for amd64 only, not {platform.machine()}")
    for tool in ("dpkg-deb", "dpkg", "ldd"):
        if shutil.which(tool) is None:
            raise PackageError(f"{tool} is missing: the .deb is built on Debian or Ubuntu")
    system, missing = outside_libraries(APP)
    if missing:
        # Libraries of optional plugins (e.g. a display server that is not there) may be
        # absent here and on the target alike; the loader only needs them if the plugin loads.
        print("package: not found by ldd (optional plugins?):", ", ".join(sorted(missing)))
    depends_on = depends(owning_packages(system))
    print("package: Depends:", depends_on)

    stage = BUILD / "deb"
    shutil.rmtree(stage, ignore_errors=True)
    opt = stage / INSTALL_DIR.lstrip("/")
    opt.parent.mkdir(parents=True)
    # Hard links where the file system allows: the bundle is large and only read from.
    try:
        shutil.copytree(APP, opt, symlinks=True, copy_function=os.link)
    except OSError:
        shutil.rmtree(opt, ignore_errors=True)
        shutil.copytree(APP, opt, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / "cityroom").symlink_to(f"{INSTALL_DIR}/cityroom")
    applications = stage / "usr" / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "cityroom.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = stage / "usr" / "share" / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copyfile(ICON, icons / "cityroom.svg")
    debian = stage / "DEBIAN"
    debian.mkdir(mode=0o755)
    installed_kb = (unpacked_size(stage) + 1023) // 1024
    (debian / "control").write_text(control(version, depends_on, installed_kb), encoding="utf-8")
    for folder in [stage, *(p for p in stage.rglob("*") if p.is_dir() and not p.is_symlink())]:
        folder.chmod(0o755)  # dpkg-deb refuses group-writable folders from a loose umask
    target = DIST / f"cityroom_{version}_amd64.deb"
    command = ["dpkg-deb", "--build", "--root-owner-group", *DEB_COMPRESSION, str(stage)]
    command.append(str(target))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(stage, ignore_errors=True)
    if result.returncode != 0:
        raise PackageError(f"dpkg-deb failed: {result.stderr.strip()}")
    return target


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Build the Linux packages of Cityroom.")
    parser.add_argument(
        "--folder-only",
        action="store_true",
        help="build dist/cityroom only: no size limit, no archives",
    )
    parser.add_argument(
        "--archives-only",
        action="store_true",
        help="make the .tar.gz and the .deb from the dist/cityroom already built",
    )
    parser.add_argument(
        "--max-size-mb",
        type=float,
        default=MAX_SIZE_MB,
        help=f"largest unpacked size accepted for the archives (default {MAX_SIZE_MB})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build; returns the exit status."""
    args = parse_args(argv)
    version = str(project()["version"])
    try:
        if not args.archives_only:
            check_tools()
            check_shared_proj_database()
            build_folder()
            saved, kept = strip_symbols(APP)
            print(
                f"package: stripped symbols, {saved / MB:.0f} MB saved; left {len(kept)} "
                "libraries unstripped that stripping would break:",
                ", ".join(path.name for path in kept) or "none",
                flush=True,
            )
        elif not (APP / "cityroom").is_file():
            raise PackageError(f"there is no {APP} to pack: run `make package`")
        size = unpacked_size(APP)
        print(f"package: {APP.relative_to(ROOT)} is {size / MB:.0f} MB unpacked", flush=True)
        if args.folder_only:
            return 0
        check_size(size, args.max_size_mb)
        tarball = make_tarball(version)
        print(f"package: {tarball.relative_to(ROOT)} ({tarball.stat().st_size / MB:.0f} MB)")
        deb = make_deb(version)
        print(f"package: {deb.relative_to(ROOT)} ({deb.stat().st_size / MB:.0f} MB)")
    except PackageError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
