"""``python main.py catalogue …``: import a city's catalogue, list and show the one in force.

Exit status: 0 done, 1 the file cannot be used (nothing installed), 2 a usage mistake.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from core.catalogue import (
    BUILT_IN_CSV,
    CATALOGUE,
    ORIGINS,
    SERVICE_NAMES,
    SITE,
    SITE_PROBLEM,
    IncidentType,
    Origin,
    Service,
    incident_type,
)
from core.catalogue_file import CatalogueFileError, check_links, read_catalogue_file
from core.catalogue_site import (
    Mode,
    combine,
    install,
    missing_for_replace,
    needed_codes,
    procedure_ids,
    simulator_codes,
    site_dir,
)
from core.errors import UnknownNameError

SEVERITY_NAMES = {1: "critical", 2: "major", 3: "minor", 4: "information"}


def import_catalogue(
    path: Path,
    mode: Mode,
    dry_run: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    folder: Path | None = None,
) -> int:
    """Check a city's catalogue file and install it as the site catalogue (unless a dry run)."""
    out = out or sys.stdout
    err = err or sys.stderr
    from core.city.kinds import AgencyKind

    procedures = procedure_ids()
    try:
        parsed = read_catalogue_file(path)
        check_links(parsed, procedures, [k.value for k in AgencyKind])
        if mode is Mode.REPLACE:
            refusal = missing_for_replace(parsed, needed_codes())
            if refusal is not None:
                raise refusal
    except CatalogueFileError as error:
        print(f"cityroom catalogue: {error}", file=err)
        print("Nothing was installed.", file=err)
        return 1
    built_in = read_catalogue_file(BUILT_IN_CSV).entries
    built_in_codes = {e.code for e in built_in}
    in_force, _ = combine(built_in, parsed.entries, mode)
    overrides = [c for c in parsed.codes if c in built_in_codes]
    print(
        f"Read {path}: {len(parsed.entries)} incident types, encoding {parsed.encoding}.", file=out
    )
    if mode is Mode.MERGE:
        added = len(parsed.entries) - len(overrides)
        said = f" ({_few(overrides)})" if overrides else ""
        print(
            f"Merge: {added} added, {len(overrides)} override built-in types{said}; "
            f"{len(in_force)} types in force.",
            file=out,
        )
    else:
        dropped = sorted(built_in_codes - set(parsed.codes))
        print(
            f"Replace: the site's {len(parsed.entries)} types alone are in force; "
            f"{len(dropped)} built-in types are left out.",
            file=out,
        )
    for note in _notes(parsed.entries, parsed.notes, procedures, mode, set(in_force)):
        print(f"note: {note}", file=out)
    if dry_run:
        print("Dry run: the file is valid; nothing was installed.", file=out)
        return 0
    site = install(parsed, mode, folder)
    print(f"Installed as the site catalogue ({mode.value}): {site.path}", file=out)
    print("Cityroom uses it from the next start.", file=out)
    return 0


def _few(codes: list[str], at_most: int = 8) -> str:
    shown = ", ".join(codes[:at_most])
    return shown + (f" and {len(codes) - at_most} more" if len(codes) > at_most else "")


def _notes(
    entries: tuple[IncidentType, ...],
    notes: tuple[str, ...],
    procedures: dict[str, list[str]],
    mode: Mode,
    in_force: set[str],
) -> list[str]:
    said = list(notes)
    for entry in entries:
        if entry.procedure is not None and entry.code not in procedures.get(entry.procedure, []):
            said.append(
                f"{entry.code} names the procedure {entry.procedure}, but that procedure's "
                f"file does not list {entry.code} in incident_types, so it is not started "
                "by itself; add the code there"
            )
    if mode is Mode.REPLACE:
        missing = sorted(simulator_codes() - in_force)
        if missing:
            said.append(
                f"the demo simulator reports {_few(missing)}; those reports will be refused "
                "while this catalogue is in force"
            )
    return said


def _row_json(entry: IncidentType, built_in_codes: set[str]) -> dict[str, Any]:
    origin = ORIGINS[entry.code]
    return {
        "code": entry.code,
        "name_ko": entry.name_ko,
        "name_en": entry.name_en,
        "service": entry.service.value,
        "severity": int(entry.severity),
        "typical_source": entry.typical_source,
        "procedure": entry.procedure,
        "agencies": list(entry.agencies),
        "origin": origin.value,
        "overrides_built_in": origin is Origin.SITE and entry.code in built_in_codes,
    }


def _built_in_codes() -> set[str]:
    return set(read_catalogue_file(BUILT_IN_CSV).codes)


def _service(text: str | None, err: TextIO) -> tuple[bool, Service | None]:
    if text is None:
        return True, None
    for service in Service:
        if text.strip().lower() in (service.value, *(n.lower() for n in SERVICE_NAMES[service])):
            return True, service
    choices = ", ".join(s.value for s in Service)
    print(f"cityroom catalogue list: unknown service {text!r}; choose from {choices}", file=err)
    return False, None


def list_catalogue(
    as_json: bool = False,
    service_text: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the catalogue in force with where each entry comes from."""
    out = out or sys.stdout
    err = err or sys.stderr
    ok, service = _service(service_text, err)
    if not ok:
        return 2
    if SITE_PROBLEM:
        print(f"cityroom catalogue: warning: {SITE_PROBLEM}", file=err)
    built_in_codes = _built_in_codes()
    entries = [e for e in CATALOGUE.values() if service is None or e.service is service]
    rows = [_row_json(e, built_in_codes) for e in entries]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return 0
    print(_heading(built_in_codes), file=out)
    width = max((len(r["code"]) for r in rows), default=4)
    print(f"{'code':<{width}}  sev  {'service':<15}  {'origin':<9}  name", file=out)
    for r in rows:
        origin = r["origin"] + ("*" if r["overrides_built_in"] else "")
        print(
            f"{r['code']:<{width}}  {r['severity']:>3}  {r['service']:<15}  {origin:<9}  "
            f"{r['name_ko']} / {r['name_en']}",
            file=out,
        )
    if any(r["overrides_built_in"] for r in rows):
        print("* a site entry that overrides the built-in type with the same code", file=out)
    return 0


def _heading(built_in_codes: set[str]) -> str:
    built = sum(1 for o in ORIGINS.values() if o is Origin.BUILT_IN)
    site = len(ORIGINS) - built
    if SITE is None:
        return f"Catalogue in force: {built} built-in types (no site catalogue in {site_dir()})"
    overriding = sum(1 for c, o in ORIGINS.items() if o is Origin.SITE and c in built_in_codes)
    said = f" ({overriding} overriding a built-in type)" if overriding else ""
    return (
        f"Catalogue in force: {built} built-in + {site} site types{said}; site catalogue "
        f"({SITE.mode.value}) imported {SITE.imported} from {SITE.source} ({SITE.encoding})"
    )


def show_type(
    code: str, as_json: bool = False, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Print one entry of the catalogue in force; exit 1 for an unknown code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        entry = incident_type(code)
    except UnknownNameError as error:
        print(f"cityroom catalogue: {error}", file=err)
        return 1
    row = _row_json(entry, _built_in_codes())
    if as_json:
        print(json.dumps(row, ensure_ascii=False, indent=2), file=out)
        return 0
    ko, en = SERVICE_NAMES[entry.service]
    origin = row["origin"] + (
        " (overrides the built-in type)" if row["overrides_built_in"] else ""
    )
    lines = [
        ("code", entry.code),
        ("name_ko", entry.name_ko),
        ("name_en", entry.name_en),
        ("service", f"{entry.service.value} ({ko} / {en})"),
        ("severity", f"{int(entry.severity)} ({SEVERITY_NAMES[int(entry.severity)]})"),
        ("typical_source", entry.typical_source or "-"),
        ("procedure", entry.procedure or "-"),
        ("agencies", ";".join(entry.agencies) or "-"),
        ("origin", origin),
    ]
    for key, value in lines:
        print(f"{key}: {value}", file=out)
    return 0
