"""The support bundle: one zip with what support needs to understand a problem, and no
personal data.

``about.json`` (versions, platform, what the caller adds: screens, backend, event-log counts),
the log files (newest first, capped), the settings file and ``manifest.txt``, which lists what
is inside and how many things of each kind were removed. Every text is scrubbed line by line
before it enters the zip (see :mod:`core.scrub`), with the people the event log and the agency
registry know pseudonymised by name; the originals are never changed. The zip is written next
to its target as ``.part`` and renamed when complete.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path
from typing import IO

from core.errors import CityroomError
from core.scrub import KINDS as KINDS
from core.scrub import Scrubber as Scrubber

LOG_BYTES_CAP = 20 * 1024 * 1024
"""At most this much of the log files goes into a bundle (the newest records)."""
MAX_LINE = 64 * 1024
"""Longer lines are cut (at a space) so memory stays bounded whatever a file holds."""


@dataclass(frozen=True)
class KeyPackage:
    """A package whose version the bundle reports: its distribution's metadata, else the
    module's ``__version__`` (a PyInstaller build carries few ``.dist-info`` folders)."""

    distribution: str
    module: str
    # False: Qt, or what loads Qt; core never imports it (its caller passes the version in).
    imported_here: bool = True


KEY_PACKAGES = (
    KeyPackage("PySide6", "PySide6", imported_here=False),
    KeyPackage("shiboken6", "shiboken6", imported_here=False),
    KeyPackage("pydantic", "pydantic"),
    KeyPackage("numpy", "numpy"),
    KeyPackage("pyproj", "pyproj"),
    KeyPackage("shapely", "shapely"),
    KeyPackage("geopandas", "geopandas"),
    KeyPackage("pyogrio", "pyogrio"),
    KeyPackage("rasterio", "rasterio"),
    KeyPackage("opencv-contrib-python-headless", "cv2"),
    KeyPackage("pyqtgraph", "pyqtgraph", imported_here=False),
    KeyPackage("folium", "folium"),
    KeyPackage("lxml", "lxml"),
    KeyPackage("httpx", "httpx"),
    KeyPackage("paho-mqtt", "paho.mqtt"),
    KeyPackage("websockets", "websockets"),
    KeyPackage("cryptography", "cryptography"),
    KeyPackage("fastapi", "fastapi"),
    KeyPackage("uvicorn", "uvicorn"),
    KeyPackage("psycopg", "psycopg"),
)

_CHOOSE_FOLDER = "Choose a folder you can write to (and check there is free disk space)."


class DiagnosticsError(CityroomError):
    """The bundle cannot be written where it was asked to go."""

    def __init__(self, path: Path, problem: str, fix: str = _CHOOSE_FOLDER) -> None:
        self.path = path
        super().__init__(f"Cannot write the diagnostics bundle {path}: {problem}. {fix}")


def bundle_name(now: datetime | None = None) -> str:
    """``cityroom-diagnostics-YYYYMMDD-HHMMSS.zip`` for ``now`` (default: the local time)."""
    return f"cityroom-diagnostics-{now or datetime.now():%Y%m%d-%H%M%S}.zip"


def bundle_target(out: str | os.PathLike[str], now: datetime | None = None) -> Path:
    """Where ``--out`` puts the bundle: inside ``out`` under :func:`bundle_name` when it is an
    existing folder, else ``out`` itself. ``out`` written with a trailing path separator means
    a folder: one that does not exist raises :class:`DiagnosticsError` naming it."""
    text = os.fspath(out)
    path = Path(text)
    if path.is_dir():
        return path / bundle_name(now)
    separators = tuple(s for s in (os.sep, os.altsep, "/") if s)
    if text.endswith(separators):
        if path.exists():
            raise DiagnosticsError(path, f"{path.absolute()} is a file, not a folder")
        raise DiagnosticsError(
            path,
            f"the folder {path.absolute()} does not exist",
            "Create the folder first, or give an existing folder or a file name ending in .zip.",
        )
    return path


@dataclass(frozen=True)
class BundleReport:
    """What a written bundle holds."""

    path: Path
    size: int  # bytes of the zip
    members: tuple[str, ...]  # in the order written
    removed: dict[str, int]  # occurrences replaced, by kind (every kind, zeros included)
    left_out: tuple[str, ...]  # what was not packed, and why
    summary: str  # one line: version, Python, platform, backend mode

    def describe(self) -> str:
        """A plain-text account for a person: where, how big, what is inside, what was
        removed."""
        lines = [f"Diagnostics bundle: {self.path} ({_size(self.size)})", "Inside:"]
        lines += [f"  {member}" for member in self.members]
        lines += [f"Left out: {item}" for item in self.left_out]
        lines.append("Personal data removed:")
        lines += [f"  {KINDS[kind]}: {n}" for kind, n in self.removed.items()]
        lines.append(self.summary)
        return "\n".join(lines)


@dataclass
class _Entry:
    member: str
    source: str  # where it came from, for the manifest (already scrubbed)
    size: int = 0
    note: str = ""


@dataclass
class _Packing:
    scrubber: Scrubber
    entries: list[_Entry] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)


def write_bundle(
    out: Path,
    *,
    log_dir: Path,
    settings_file: Path | None,
    extra: dict[str, object],
    people: Iterable[str] = (),
    versions: Mapping[str, str] | None = None,
    user: str | None = None,
    home: Path | None = None,
    log_cap: int = LOG_BYTES_CAP,
) -> BundleReport:
    """Write the support bundle to ``out`` (a zip): ``about.json`` (this Cityroom and its
    platform, with ``extra`` merged in), the log files of ``log_dir`` newest first up to
    ``log_cap`` bytes, the settings file and ``manifest.txt``; all scrubbed of personal data,
    with ``people`` (names known to be people) pseudonymised wherever they appear. ``versions``
    are those of packages core does not import (Qt; see :func:`package_versions`). ``user``
    and ``home`` default to this login's. Raises :class:`DiagnosticsError` naming ``out`` (and
    its folder, when that is missing) when it cannot be written."""
    folder = out.parent
    if folder.exists() and not folder.is_dir():
        raise DiagnosticsError(out, f"{folder.absolute()} is a file, not a folder")
    if not folder.exists():
        raise DiagnosticsError(
            out,
            f"the folder {folder.absolute()} does not exist",
            "Create the folder first, or choose one you can write to.",
        )
    packing = _Packing(Scrubber(user, home, people))
    about = about_cityroom(extra, versions)
    part = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            text = json.dumps(about, indent=2, ensure_ascii=False, default=str)
            _pack(archive, packing, "about.json", "made for this bundle", text.splitlines(True))
            _pack_logs(archive, packing, log_dir, log_cap)
            _pack_settings(archive, packing, settings_file)
            archive.writestr("manifest.txt", _manifest(packing, about))
        os.replace(part, out)
    except OSError as error:
        _remove(part)
        raise DiagnosticsError(out, error.strerror or str(error)) from error
    except BaseException:
        _remove(part)
        raise
    return BundleReport(
        path=out,
        size=out.stat().st_size,
        members=(*(entry.member for entry in packing.entries), "manifest.txt"),
        removed=dict(packing.scrubber.counts),
        left_out=tuple(packing.left_out),
        summary=summary_line(about),
    )


def _remove(part: Path) -> None:
    with contextlib.suppress(OSError):  # never made (no folder), or already gone
        part.unlink()


def about_cityroom(
    extra: dict[str, object], versions: Mapping[str, str] | None = None
) -> dict[str, object]:
    """This Cityroom, its Python and platform, the key packages' versions (``versions`` for
    what core does not import), and ``extra``."""
    return {
        "cityroom": cityroom_version(),
        "written": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "python": sys.version.split()[0],
        "python_build": sys.version,
        "executable": sys.executable,
        "frozen": bool(getattr(sys, "frozen", False)),
        "platform": platform.platform(),
        "system": platform.system(),
        "machine": platform.machine(),
        "packages": package_versions(versions),
        **extra,
    }


def cityroom_version() -> str:
    """This Cityroom's version: the installed package's, else the source tree's
    ``pyproject.toml``, else "unknown"."""
    try:
        return metadata.version("cityroom")
    except metadata.PackageNotFoundError:
        pass
    import tomllib

    try:
        with (Path(__file__).resolve().parent.parent / "pyproject.toml").open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def summary_line(about: dict[str, object]) -> str:
    """One line for a ticket: Cityroom version, Python, platform, backend mode."""
    backend = about.get("backend")
    mode = backend.get("mode", "unknown") if isinstance(backend, dict) else "unknown"
    frozen = ", installed build" if about.get("frozen") else ""
    return (
        f"Cityroom {about.get('cityroom')}{frozen}; Python {about.get('python')}; "
        f"{about.get('platform')}; backend: {mode}"
    )


def package_versions(known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The version of each of :data:`KEY_PACKAGES` (see :func:`package_version`), then any
    other entry of ``known`` (the Qt runtime's, from the caller)."""
    known = known or {}
    versions = {package.distribution: package_version(package, known) for package in KEY_PACKAGES}
    for name, version in known.items():
        versions.setdefault(name, version)
    return versions


def package_version(package: KeyPackage, known: Mapping[str, str] | None = None) -> str:
    """The package's version: its distribution's metadata; else ``known`` (read by a caller
    that may import it); else the module's ``__version__`` (imported when core may import
    it); "not installed" only when the module cannot be found."""
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version(package.distribution)
    if known and package.distribution in known:
        return known[package.distribution]
    loaded = sys.modules.get(package.module)
    if loaded is None and not package.imported_here:
        top = package.module.partition(".")[0]
        if find_spec(top) is None:
            return "not installed"
        return "present (version unknown: no package metadata)"
    if loaded is None:
        try:
            loaded = importlib.import_module(package.module)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if package.module == missing or package.module.startswith(missing + "."):
                return "not installed"
            return f"present but cannot be imported ({error})"
        except Exception as error:  # a broken build: worth reporting, never worth failing
            return f"present but cannot be imported ({type(error).__name__}: {error})"
    version = getattr(loaded, "__version__", None)
    return str(version) if version else "present (version unknown: no __version__)"


def log_files(log_dir: Path) -> list[Path]:
    """The log files in ``log_dir`` (``*.log`` and rolled-over ``*.log.N``), newest first."""
    if not log_dir.is_dir():
        return []
    found = [
        path
        for path in log_dir.iterdir()
        if path.is_file() and (path.suffix == ".log" or _rollover_number(path) is not None)
    ]

    def age(path: Path) -> tuple[float, int]:
        try:
            modified = path.stat().st_mtime
        except OSError:
            modified = 0.0
        return (-modified, _rollover_number(path) or 0)

    return sorted(found, key=age)


def _rollover_number(path: Path) -> int | None:
    stem, _, number = path.name.rpartition(".")
    return int(number) if stem.endswith(".log") and number.isdigit() else None


def _pack_logs(archive: zipfile.ZipFile, packing: _Packing, log_dir: Path, cap: int) -> None:
    budget = cap
    files = log_files(log_dir)
    if not files:
        packing.left_out.append(f"logs: none found in {packing.scrubber.line(str(log_dir))}")
    for path in files:
        if budget <= 0:
            packing.left_out.append(f"logs/{path.name}: over the {_size(cap)} cap for logs")
            continue
        raw = _opened(packing, f"logs/{path.name}", path)
        if raw is None:
            continue
        with raw:
            size = os.fstat(raw.fileno()).st_size
            note = ""
            if size > budget:
                raw.seek(size - budget)
                raw.readline()  # from the next whole line on
                note = f"last {_size(budget)} only"
            budget -= min(size, budget)
            shown = packing.scrubber.line(str(path))
            lines = _text_lines(raw, packing.scrubber.counts)
            _pack(archive, packing, f"logs/{path.name}", shown, lines, note)


def _pack_settings(archive: zipfile.ZipFile, packing: _Packing, path: Path | None) -> None:
    if path is None:
        packing.left_out.append("settings: none given")
        return
    raw = _opened(packing, "settings", path, "does not exist (nothing saved yet)")
    if raw is None:
        return
    with raw:
        shown = packing.scrubber.line(str(path))
        if b"\0" in raw.read(4096):
            packing.left_out.append(f"settings: {shown} is not a text file")
            return
        raw.seek(0)
        lines = _text_lines(raw, packing.scrubber.counts)
        _pack(archive, packing, f"settings/{path.name}", shown, lines)


def _opened(
    packing: _Packing, what: str, path: Path, missing: str = "gone before it could be read"
) -> IO[bytes] | None:
    """``path`` opened for reading, or None with the reason in the left-out list (``missing``
    when there is no such file)."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        # A log rolled over and removed between listing and opening: the next file has it.
        reason = missing
    except OSError as error:
        reason = f"cannot be read ({error.strerror or error})"
    packing.left_out.append(f"{what}: {packing.scrubber.line(str(path))} {reason}")
    return None


def _text_lines(raw: IO[bytes], counts: Counter[str]) -> Iterator[str]:
    """The lines of a binary file as text (undecodable bytes replaced), each at most
    ``MAX_LINE`` bytes; the rest of a longer line is skipped (and counted)."""
    while chunk := raw.readline(MAX_LINE):
        line = chunk.decode("utf-8", errors="replace")
        if chunk.endswith(b"\n") or len(chunk) < MAX_LINE:
            yield line
            continue
        while (more := raw.readline(MAX_LINE)) and not more.endswith(b"\n"):
            pass
        counts["long_lines"] += 1
        # Cut at a space: a word cut in half (half a plate, half a token) is not recognised.
        head = line.rsplit(None, 1)[0] if " " in line else ""
        yield f"{head} [rest of an over-long line left out]\n"


def _pack(
    archive: zipfile.ZipFile,
    packing: _Packing,
    member: str,
    source: str,
    lines: Iterable[str],
    note: str = "",
) -> None:
    with archive.open(member, "w", force_zip64=True) as target:
        for line in lines:
            target.write(packing.scrubber.line(line).encode("utf-8"))
    size = archive.getinfo(member).file_size
    packing.entries.append(_Entry(member, source, size, note))


def _manifest(packing: _Packing, about: dict[str, object]) -> str:
    lines = [
        "Cityroom diagnostics bundle",
        f"Written {about['written']} by Cityroom {about['cityroom']}.",
        "",
        "Inside (each file scrubbed of personal data before packing; originals unchanged):",
    ]
    width = max(len(entry.member) for entry in packing.entries)
    for entry in packing.entries:
        note = f"; {entry.note}" if entry.note else ""
        lines.append(f"  {entry.member:<{width}}  {_size(entry.size):>9}  {entry.source}{note}")
    if packing.left_out:
        lines += ["", "Left out:"] + [f"  {item}" for item in packing.left_out]
    lines += ["", "Removed (occurrences replaced, by kind):"]
    counts = packing.scrubber.counts
    lines += [f"  {counts[kind]:>6}  {label}" for kind, label in KINDS.items()]
    people = len(packing.scrubber.pseudonyms)
    lines += [
        "",
        f"People are shown as <person-1>, <person-2>… (distinct people in this bundle: "
        f"{people}), the same person always under the same pseudonym: actors (operator:…), "
        "every name the event log and the agency registry know, and Korean names where the "
        "text says a person is named (after 신고자, 성명, 담당, reporter…; before 님, 씨, a "
        "title). URL credentials read ***@host; passwords and tokens ***; plates <plate>; "
        "phone numbers <phone>; e-mail addresses <email>; your home folder ~; login names "
        "<user>.",
        "",
    ]
    return "\n".join(lines)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
