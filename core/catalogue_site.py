"""The catalogue in force: the built-in incident types plus a city's own site catalogue.

A city installs its list with ``python main.py catalogue import FILE.csv``; the checked entries
are kept, re-encoded as UTF-8, in ``catalogue/`` under Cityroom's data folder (beside the default
event log), with a small JSON file saying how they combine with the built-in ones:

- ``merge``: site entries add to the built-in ones and override those with the same code;
- ``replace``: the site entries alone (refused at import while the shipped rules, or the
  shipped or the site's own procedures, need a code it lacks).

Importing again replaces the previous site catalogue; deleting the folder goes back to the
built-in catalogue. The types come from ``core.catalogue``, which imports this module while it
loads, so they are imported inside functions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.catalogue_file import (
    CatalogueFileError,
    ParsedCatalogue,
    RowProblem,
    catalogue_csv,
    read_catalogue_file,
)
from core.errors import CityroomError
from core.user_dirs import data_dir

# Imported on every start: what only importing a catalogue needs (json, tomllib, hashlib,
# datetime, re) is imported where it is used.
if TYPE_CHECKING:
    from datetime import datetime

    from core.catalogue import IncidentType, Origin

SITE_CSV = "site-incident-types.csv"
SITE_INFO = "site-catalogue.json"
_REPO = Path(__file__).resolve().parents[1]


class Mode(StrEnum):
    """How a site catalogue combines with the built-in one."""

    MERGE = "merge"
    REPLACE = "replace"


def site_dir() -> Path:
    """The folder of the installed site catalogue."""
    return data_dir() / "catalogue"


@dataclass(frozen=True, slots=True)
class SiteCatalogue:
    """What was installed: how it combines, where from, in what encoding, when."""

    mode: Mode
    source: str  # the imported file, as given
    encoding: str  # the imported file's encoding (the installed copy is UTF-8)
    imported: str  # ISO-8601 UTC
    entries: int
    sha256: str  # of the installed UTF-8 text
    path: Path  # the installed CSV

    def to_json(self) -> dict[str, Any]:
        """The record as stored (and printed by ``catalogue list --json``)."""
        record = asdict(self)
        record["mode"] = self.mode.value
        record["path"] = str(self.path)
        return record


@dataclass(frozen=True, slots=True)
class InForce:
    """The catalogue in force and where each entry comes from."""

    entries: dict[str, IncidentType]
    origins: dict[str, Origin]
    site: SiteCatalogue | None = None
    problem: str | None = None  # why an installed site catalogue was not used


def combine(
    built_in: Iterable[IncidentType], site: Iterable[IncidentType], mode: Mode
) -> tuple[dict[str, IncidentType], dict[str, Origin]]:
    """The entries in force (built-in order, then new site codes) and their origins."""
    from core.catalogue import Origin

    entries: dict[str, IncidentType] = {}
    origins: dict[str, Origin] = {}
    if mode is Mode.MERGE:
        for entry in built_in:
            entries[entry.code] = entry
            origins[entry.code] = Origin.BUILT_IN
    for entry in site:
        entries[entry.code] = entry
        origins[entry.code] = Origin.SITE
    return entries, origins


def load_in_force(built_in_csv: Path, folder: Path | None = None) -> InForce:
    """Read the built-in catalogue and the installed site catalogue, if any.

    A broken built-in file raises (the installation is damaged); a site catalogue that cannot
    be read is left out with the reason in ``problem``, so the room still starts.
    """
    built_in = read_catalogue_file(built_in_csv).entries
    folder = site_dir() if folder is None else folder
    try:
        site = read_site_info(folder)
        parsed = read_catalogue_file(site.path) if site is not None else None
    except CityroomError as error:
        entries, origins = combine(built_in, (), Mode.MERGE)
        problem = f"The site catalogue in {folder} is not used: {error}"
        return InForce(entries, origins, None, problem)
    if site is None or parsed is None:
        entries, origins = combine(built_in, (), Mode.MERGE)
        return InForce(entries, origins)
    entries, origins = combine(built_in, parsed.entries, site.mode)
    return InForce(entries, origins, site)


class SiteCatalogueError(CityroomError):
    """The installed site catalogue's record cannot be used, or it cannot be installed."""


def read_site_info(folder: Path) -> SiteCatalogue | None:
    """The installed site catalogue's record, or None when none is installed."""
    info = folder / SITE_INFO
    if not info.exists():
        if (folder / SITE_CSV).exists():
            raise SiteCatalogueError(
                f"{folder / SITE_CSV} has no {SITE_INFO} beside it. Import the file again "
                "with python main.py catalogue import"
            )
        return None
    import json

    try:
        record = json.loads(info.read_text(encoding="utf-8"))
        return SiteCatalogue(
            Mode(record["mode"]),
            str(record["source"]),
            str(record["encoding"]),
            str(record["imported"]),
            int(record["entries"]),
            str(record["sha256"]),
            folder / SITE_CSV,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SiteCatalogueError(
            f"{info} cannot be read ({exc}). Import the site catalogue again"
        ) from None


def install(
    parsed: ParsedCatalogue,
    mode: Mode,
    folder: Path | None = None,
    now: datetime | None = None,
) -> SiteCatalogue:
    """Keep ``parsed`` as the site catalogue (UTF-8), replacing any earlier one."""
    import hashlib
    import json
    from datetime import UTC, datetime

    folder = site_dir() if folder is None else folder
    text = catalogue_csv(parsed.entries)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    site = SiteCatalogue(
        mode,
        str(parsed.path) if parsed.path is not None else "<text>",
        parsed.encoding,
        stamp.replace("+00:00", "Z"),
        len(parsed.entries),
        hashlib.sha256(text.encode("utf-8")).hexdigest(),
        folder / SITE_CSV,
    )
    record = site.to_json()
    del record["path"]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # The record goes last: a catalogue without its record is refused on loading, never
        # taken in the wrong mode.
        (folder / SITE_INFO).unlink(missing_ok=True)
        _write(folder / SITE_CSV, text)
        _write(folder / SITE_INFO, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise SiteCatalogueError(
            f"cannot install the site catalogue in {folder} ({exc.strerror or exc}). "
            "Check that the folder is writable (XDG_DATA_HOME moves it)"
        ) from None
    return site


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="")
    os.replace(partial, path)


# -- what the rest of the installation needs ---------------------------------------------------


def procedure_folders() -> tuple[Path, ...]:
    """Where procedures are read from: the shipped ones and the site's own (as the
    workstation reads them)."""
    return (_REPO / "resources" / "sop", data_dir() / "sop")


def _procedure_files(folders: Sequence[Path] | None) -> list[Path]:
    folders = procedure_folders() if folders is None else folders
    return [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.toml"))]


def needed_codes(
    rule_file: Path | None = None, sop_dirs: Sequence[Path] | None = None
) -> dict[str, list[str]]:
    """Codes the shipped rules and the procedures name, each with who names it."""
    rule_file = rule_file or _REPO / "resources" / "rules" / "default.toml"
    needed: dict[str, list[str]] = {}

    def need(code: object, who: str) -> None:
        if isinstance(code, str) and who not in needed.setdefault(code, []):
            needed[code].append(who)

    rules = _toml(rule_file)
    for rule in rules.get("rule", []):
        for code in _values(rule, "incident_type"):
            need(code, f"rule {rule.get('id', '?')} ({_show(rule_file)})")
    for path in _procedure_files(sop_dirs):
        procedure = _toml(path)
        for code in procedure.get("incident_types", []):
            need(code, f"procedure {procedure.get('id', path.stem)} ({_show(path)})")
    return needed


def procedure_ids(sop_dirs: Sequence[Path] | None = None) -> dict[str, list[str]]:
    """The procedures installed, by id, with the incident types each starts for."""
    found: dict[str, list[str]] = {}
    for path in _procedure_files(sop_dirs):
        procedure = _toml(path)
        found.setdefault(
            str(procedure.get("id", path.stem)),
            [str(c) for c in procedure.get("incident_types", [])],
        )
    return found


def simulator_codes() -> set[str]:
    """Codes the demo simulator reports (found in its source: a hint for warnings only)."""
    import re

    codes: set[str] = set()
    for path in (_REPO / "core" / "simulator").glob("*.py"):
        codes.update(re.findall(r"\"([A-Z]-[A-Z]+)\"", path.read_text(encoding="utf-8")))
    return codes


def _values(table: Mapping[str, Any], key: str) -> list[object]:
    """Every value of ``key`` anywhere inside a TOML table (produces, conditions, ...)."""
    found: list[object] = []
    for name, value in table.items():
        if name == key:
            found.append(value)
        elif isinstance(value, Mapping):
            found.extend(_values(value, key))
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    found.extend(_values(item, key))
    return found


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # the rules and procedure loaders report broken files themselves


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(_REPO))
    except ValueError:
        return str(path)


def missing_for_replace(
    parsed: ParsedCatalogue, needed: Mapping[str, list[str]]
) -> CatalogueFileError | None:
    """Why ``parsed`` cannot replace the built-in catalogue, or None when it can."""
    have = set(parsed.codes)
    missing = sorted(code for code in needed if code not in have)
    if not missing:
        return None
    problems = [
        RowProblem(
            None,
            None,
            f"{code} is missing; {', '.join(needed[code])} "
            f"{'needs' if len(needed[code]) == 1 else 'need'} it",
            "Add a line for it, or import with --merge to keep the built-in types",
        )
        for code in missing
    ]
    return CatalogueFileError(parsed.path, problems)
