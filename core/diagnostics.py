"""The support bundle: one zip with what support needs to understand a problem, and no
personal data.

``about.json`` (versions, platform, what the caller adds: screens, backend, event-log counts),
the log files (newest first, capped), the settings file and ``manifest.txt``, which lists what
is inside and how many things of each kind were removed. Every text is scrubbed line by line
before it enters the zip (see :class:`Scrubber`); the originals are never changed. The zip is
written next to its target as ``.part`` and renamed when complete.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import platform
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO

from core.errors import CityroomError

LOG_BYTES_CAP = 20 * 1024 * 1024
"""At most this much of the log files goes into a bundle (the newest records)."""
MAX_LINE = 64 * 1024
"""Longer lines are cut (at a space) so memory stays bounded whatever a file holds."""

# Read by version only, never imported: a bundle is made without loading Qt or GDAL.
KEY_PACKAGES = (
    "PySide6",
    "shiboken6",
    "pydantic",
    "numpy",
    "pyproj",
    "shapely",
    "geopandas",
    "pyogrio",
    "rasterio",
    "opencv-contrib-python-headless",
    "pyqtgraph",
    "folium",
    "lxml",
    "httpx",
    "paho-mqtt",
    "websockets",
    "cryptography",
    "fastapi",
    "uvicorn",
    "psycopg",
)

# What the manifest calls each kind of removed data, in the order it lists them.
KINDS = {
    "url_credentials": "user names and passwords in URLs",
    "secrets": "passwords, tokens and authorisation headers",
    "emails": "e-mail addresses",
    "actors": "people named as actors (operator:, supervisor:, user:)",
    "home_folders": "home folders (yours as ~, others' as <user>)",
    "user_name": "your login name",
    "plates": "vehicle licence plates",
    "phones": "phone numbers",
    "long_lines": "over-long lines cut",
}

_SECRET_KEY = (
    r"(?<![A-Za-z])(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|private[_-]?key|credentials?)"
)
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@]*(?:@[^\s/?#@]*)*@")
_AUTHORIZATION = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|digest|token)\s+)?(?!\*\*\*)"
    r"[^\s\"',;]+"
)
_BEARER = re.compile(r"(?i)(?<![A-Za-z])(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_QUOTED_SECRET = re.compile(rf"(?i)({_SECRET_KEY}[\"']?\s*[=:]\s*)([\"'])(?!\*\*\*\2).*?(?<!\\)\2")
_BARE_SECRET = re.compile(rf"(?i)({_SECRET_KEY}[\"']?\s*[=:]\s*)(?![\"'\s]|\*\*\*)[^\s&,;)}}\]]+")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAME = r"[^\s,;:'\"()\[\]{}<>/\\]*[^\s,;:'\"()\[\]{}<>/\\.]"
_ACTOR = re.compile(rf"(?<![\w-])(operator|supervisor|user):(?!<)({_NAME})")
_OTHER_HOME = re.compile(r"(?i)(/home/|/Users/|\b[a-z]:[\\/]+Users[\\/]+)(?!<)([^\s/\\\"':;,<]+)")
# Only the letters Korean plates use (not 일, 년, 월...), so dates in Korean text stay.
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주바사아자배하허호"
_REGIONS = "서울|부산|대구|인천|광주|대전|울산|세종|경기|강원|충북|충남|전북|전남|경북|경남|제주"
_PLATE = re.compile(
    rf"(?<!\d)(?:(?:{_REGIONS})\s?)?\d{{2,3}}\s?[{_PLATE_LETTERS}]\s?\d{{4}}(?!\d)"
)
_PHONE = re.compile(
    r"(?<![\d-])(?:"
    r"(?:\+82[-\s]?|0)1[016789][-\s.]?\d{3,4}[-\s.]?\d{4}"  # mobile
    r"|(?:\+82[-\s]?|0)(?:2|[3-6][1-5])[-\s)]\d{3,4}-\d{4}"  # landline (area code, dashes)
    r")(?![\d-])"
)
# Accounts that name a role, not a person; replacing them would garble ordinary words.
_GENERIC_ACCOUNTS = frozenset(
    {"root", "admin", "administrator", "user", "operator", "cityroom", "guest"}
)


class DiagnosticsError(CityroomError):
    """The bundle cannot be written where it was asked to go."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        super().__init__(
            f"Cannot write the diagnostics bundle {path}: {problem}. Choose a folder you can "
            "write to (and check there is free disk space)."
        )


class Scrubber:
    """Removes personal data from text, counting what it removed by kind. One scrubber per
    bundle: a person named as an actor gets the same pseudonym (``<user-1>``…) throughout."""

    def __init__(self, user: str | None = None, home: Path | None = None) -> None:
        self.counts: Counter[str] = Counter({kind: 0 for kind in KINDS})
        self.actors: dict[str, str] = {}
        home = Path.home() if home is None else home
        user = getpass.getuser() if user is None else user
        self._home = _home_pattern(home) if len(home.parts) > 1 else None
        self._user = (
            re.compile(rf"(?i)(?<![\w.-]){re.escape(user)}(?![\w-])")
            if len(user) >= 3 and user.lower() not in _GENERIC_ACCOUNTS
            else None
        )

    def line(self, text: str) -> str:
        """``text`` with every kind of personal data replaced."""
        text = self._sub("url_credentials", _URL_CREDENTIALS, r"\1***@", text)
        text = self._sub("secrets", _AUTHORIZATION, _keep_scheme, text)
        text = self._sub("secrets", _BEARER, r"\1***", text)
        text = self._sub("secrets", _JWT, "***", text)
        text = self._sub("secrets", _QUOTED_SECRET, r"\1\2***\2", text)
        text = self._sub("secrets", _BARE_SECRET, r"\1***", text)
        text = self._sub("emails", _EMAIL, "<email>", text)
        text = self._sub("actors", _ACTOR, self._pseudonym, text)
        if self._home is not None:
            text = self._sub("home_folders", self._home, "~", text)
        text = self._sub("home_folders", _OTHER_HOME, r"\1<user>", text)
        if self._user is not None:
            text = self._sub("user_name", self._user, "<user>", text)
        text = self._sub("plates", _PLATE, "<plate>", text)
        return self._sub("phones", _PHONE, "<phone>", text)

    def _sub(
        self,
        kind: str,
        pattern: re.Pattern[str],
        by: str | Callable[[re.Match[str]], str],
        text: str,
    ) -> str:
        text, n = pattern.subn(by, text)
        self.counts[kind] += n
        return text

    def _pseudonym(self, match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in self.actors:
            self.actors[name] = f"<user-{len(self.actors) + 1}>"
        return f"{match.group(1)}:{self.actors[name]}"


def _keep_scheme(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme} ***" if scheme else f"{match.group(1)}***"


def _home_pattern(home: Path) -> re.Pattern[str]:
    """The home folder as it appears in text: native, with forward slashes, JSON-escaped."""
    native = str(home)
    forms = sorted({native, home.as_posix(), native.replace("\\", "\\\\")}, key=len, reverse=True)
    alternatives = "|".join(re.escape(form) for form in forms)
    flags = "(?i)" if sys.platform == "win32" else ""
    return re.compile(rf"{flags}(?<![\w./\\-])(?:{alternatives})(?![\w.-])")


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
    user: str | None = None,
    home: Path | None = None,
    log_cap: int = LOG_BYTES_CAP,
) -> BundleReport:
    """Write the support bundle to ``out`` (a zip): ``about.json`` (this Cityroom and its
    platform, with ``extra`` merged in), the log files of ``log_dir`` newest first up to
    ``log_cap`` bytes, the settings file and ``manifest.txt``; all scrubbed of personal data
    (``user`` and ``home`` default to this login's). Raises :class:`DiagnosticsError` naming
    ``out`` when it cannot be written."""
    packing = _Packing(Scrubber(user, home))
    about = about_cityroom(extra)
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


def about_cityroom(extra: dict[str, object]) -> dict[str, object]:
    """This Cityroom, its Python and platform, the key packages' versions, and ``extra``."""
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
        "packages": {name: _package_version(name) for name in KEY_PACKAGES},
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


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


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
    raw = _opened(packing, "settings", path)
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


def _opened(packing: _Packing, what: str, path: Path) -> IO[bytes] | None:
    """``path`` opened for reading, or None with the reason in the left-out list."""
    try:
        return path.open("rb")
    except FileNotFoundError:
        # A log rolled over and removed between listing and opening: the next file has it.
        reason = "gone before it could be read"
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
    people = len(packing.scrubber.actors)
    lines += [
        "",
        f"Actors are shown as <user-1>, <user-2>… (distinct people in this bundle: {people}), "
        "the same person always under the same pseudonym. URL credentials read ***@host; "
        "passwords and tokens ***; plates <plate>; phone numbers <phone>; e-mail addresses "
        "<email>; your home folder ~; login names <user>.",
        "",
    ]
    return "\n".join(lines)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
