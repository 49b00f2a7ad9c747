"""Registry files: TOML read and checked, every mistake named with its file, line and key.

Beyond the shape of each key, a registry must hang together: ids are unique, a legal basis
covers only data the agency may get, every personal-information class it may get has a dated
basis, no basis is dated in the future, URLs have the right scheme (plain http only to this
machine) and the files it names exist. An environment variable that is not set is only a
warning: it may be set before anything is sent, and sending says so if it is not.
"""

from __future__ import annotations

import difflib
import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from core.dispatch.agencies import (
    AUTH_KINDS,
    LOCAL_HOSTS,
    Agency,
    AgencyFileError,
    ClientCertAuth,
    Endpoint,
    HmacAuth,
    Registry,
    RegistryFile,
    Transport,
)
from core.dispatch.model import SENSITIVE, Format
from core.sop.definitions import DataClass, Recipient
from core.tomlfile import TomlLines, parse_config, read_config
from core.user_dirs import data_dir

Loc = tuple[str | int, ...]


class _Problem(Exception):
    def __init__(self, loc: Loc, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.loc = loc
        self.problem = problem
        self.fix = fix


def load_registry_file(path: Path, now_ms: int | None = None) -> Registry:
    """Read and check one registry file; raises :class:`AgencyFileError`."""
    text = read_config(path, AgencyFileError, "Check the path, or remove it to use the demo's")
    return load_registry_text(text, path, base=path.parent, now_ms=now_ms)


def load_registry_text(
    text: str, path: Path | None = None, *, base: Path | None = None, now_ms: int | None = None
) -> Registry:
    """Parse and check registry text (``path`` is named in errors, ``base`` anchors relative
    paths); raises :class:`AgencyFileError`."""
    lines = TomlLines(text)
    data = parse_config(
        text,
        path,
        AgencyFileError,
        "Fix the syntax there: text goes in double quotes, each agency starts with [[agency]]",
    )
    try:
        parsed = RegistryFile.model_validate(data, context={"base": base})
    except ValidationError as exc:
        raise _explain(exc, data, lines, path) from None
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    warnings: list[str] = []
    try:
        _check(parsed, now, warnings)
    except _Problem as problem:
        raise _error(problem, parsed_ids(data), lines, path) from None
    where = str(path) if path is not None else "<text>"
    return Registry(parsed.centre, parsed.agency, path, tuple(f"{where}: {w}" for w in warnings))


def parsed_ids(data: dict[str, Any]) -> list[str | None]:
    """The ids of the ``[[agency]]`` entries as written (for messages)."""
    entries = data.get("agency")
    if not isinstance(entries, list):
        return []
    return [
        e.get("id") if isinstance(e, dict) and isinstance(e.get("id"), str) else None
        for e in entries
    ]


# -- checks across keys ------------------------------------------------------------------------


def _check(parsed: RegistryFile, now_ms: int, warnings: list[str]) -> None:
    seen: dict[str, int] = {}
    for index, agency in enumerate(parsed.agency):
        if agency.id in seen:
            raise _Problem(
                ("agency", index, "id"),
                f"the id {agency.id!r} is already used by agency number {seen[agency.id] + 1}",
                "Give every agency its own id",
            )
        seen[agency.id] = index
        _check_agency(agency, ("agency", index), now_ms, warnings)


def _check_agency(agency: Agency, where: Loc, now_ms: int, warnings: list[str]) -> None:
    allowed = set(agency.data_classes)
    for number, basis in enumerate(agency.legal_basis):
        at: Loc = (*where, "legal_basis", number)
        extra = [c.value for c in basis.covers if c not in allowed]
        if extra:
            raise _Problem(
                (*at, "covers"),
                f"the legal basis {basis.name_ko!r} covers {', '.join(extra)}, which the "
                "agency may not be given",
                "Add them to the agency's data_classes, or take them out of covers",
            )
        if basis.date is None:
            if any(c in SENSITIVE for c in basis.covers):
                raise _Problem(
                    (*at, "covers"),
                    f"the legal basis {basis.name_ko!r} covers personal information but has "
                    "no date",
                    'Add date = "YYYY-MM" or "YYYY-MM-DD": the day it took effect',
                )
            continue
        try:
            effective = basis.effective_ms()
        except ValueError:
            raise _Problem(
                (*at, "date"), f"{basis.date!r} is not a calendar date", "Correct the date"
            ) from None
        if effective is not None and effective > now_ms:
            raise _Problem(
                (*at, "date"),
                f"the legal basis {basis.name_ko!r} is dated {basis.date}, in the future",
                "Record it once it is in force; until then the agency cannot be given that data",
            )
    covered = {c for b in agency.legal_basis for c in b.covers}
    for data_class in agency.data_classes:
        if data_class in SENSITIVE and data_class not in covered:
            raise _Problem(
                (*where, "data_classes"),
                f"{data_class.value} is personal information and no legal basis of the agency "
                "covers it",
                "Add a [[agency.legal_basis]] (agreement or statute, with its date) that covers "
                "it, or take it out of data_classes",
            )
    _check_endpoint(agency.endpoint, (*where, "endpoint"), agency.id, warnings)
    if agency.test_endpoint is not None:
        _check_endpoint(agency.test_endpoint, (*where, "test_endpoint"), agency.id, warnings)


def _check_url(url: str | None, where: Loc, transport: Transport) -> None:
    if not url:
        raise _Problem(where, f"an {transport.value} endpoint needs a url", 'Add url = "…"')
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise _Problem(
            where,
            f"{url!r} is not an http(s) URL",
            'Write the whole address, e.g. "https://agency.example.kr/cap"',
        )
    if parts.scheme != transport.value and transport is not Transport.FOLDER:
        raise _Problem(
            where,
            f"{url!r} is {parts.scheme}, but the transport is {transport.value}",
            f"Use a {transport.value}:// URL, or change the transport",
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise _Problem(
            where,
            f"plain http is refused for {parts.hostname}: packets carry personal information "
            "and travel only encrypted; http is allowed to this machine only "
            "(127.0.0.1, localhost)",
            "Use https (with ca_file if the agency's certificate has its own CA)",
        )


def _check_file(path: Path | None, where: Loc, what: str) -> None:
    if path is not None and not path.is_file():
        raise _Problem(where, f"the {what} {path} does not exist", "Correct the path")


def _check_endpoint(endpoint: Endpoint, where: Loc, agency_id: str, warnings: list[str]) -> None:
    transport = endpoint.transport
    if transport is Transport.FOLDER:
        if endpoint.folder is None:
            raise _Problem(
                (*where, "transport"),
                "a folder endpoint needs a folder",
                'Add folder = "…" (the drop folder)',
            )
        if endpoint.url is not None:
            raise _Problem(
                (*where, "url"),
                "a folder endpoint has no url",
                "Remove url, or use transport https",
            )
        if not endpoint.folder.is_dir() and not endpoint.folder.is_relative_to(data_dir()):
            warnings.append(
                f"agency {agency_id}: the drop folder {endpoint.folder} does not "
                "exist yet; it is created when the first packet is written"
            )
    else:
        _check_url(endpoint.url, (*where, "url"), transport)
        if endpoint.folder is not None:
            raise _Problem(
                (*where, "folder"),
                f"an {transport.value} endpoint has no folder",
                "Remove folder, or use transport folder",
            )
    if endpoint.ack.value == "poll":
        _check_url(endpoint.poll_url, (*where, "poll_url"), Transport.FOLDER)
    _check_file(endpoint.ca_file, (*where, "ca_file"), "CA file")
    auth = endpoint.auth
    if isinstance(auth, ClientCertAuth):
        if transport is not Transport.HTTPS:
            raise _Problem(
                (*where, "auth", "kind"),
                "a client certificate needs https",
                "Use transport https, or another auth kind",
            )
        _check_file(auth.cert_file, (*where, "auth", "cert_file"), "certificate file")
        _check_file(auth.key_file, (*where, "auth", "key_file"), "key file")
    elif isinstance(auth, HmacAuth):
        if auth.key_env is None and auth.key_file is None:
            raise _Problem(
                (*where, "auth", "kind"),
                "an HMAC key needs key_env or key_file",
                "Name the environment variable that holds the key (key_env), or a "
                "key file (key_file); never the key itself",
            )
        if auth.key_file is not None and not auth.create_key:
            _check_file(auth.key_file, (*where, "auth", "key_file"), "key file")
        if (
            auth.key_env
            and not os.environ.get(auth.key_env, "").strip()
            and (auth.key_file is None)
        ):
            warnings.append(
                f"agency {agency_id}: the environment variable {auth.key_env} "
                "(its HMAC key) is not set; packets to it wait until it is"
            )


# -- messages ----------------------------------------------------------------------------------


def _line(lines: TomlLines, loc: Loc) -> int | None:
    if loc and loc[0] == "centre":
        names = [str(p) for p in loc[1:] if isinstance(p, str)]
        if len(names) > 1:
            found = lines.key_line("centre." + names[0], None, names[-1])
            if found is not None:
                return found
        return lines.key_line("centre", None, names[-1] if names else "") or (
            lines.top_level_line("centre")
        )
    if len(loc) > 1 and isinstance(loc[1], int):
        return lines.locate(loc)
    return lines.top_level_line(str(loc[0])) if loc else None


def _dotted(loc: Loc) -> str:
    start = 2 if len(loc) > 1 and isinstance(loc[1], int) else 0
    return ".".join(str(p) for p in loc[start:] if isinstance(p, str))


def _error(
    problem: _Problem, ids: list[str | None], lines: TomlLines, path: Path | None
) -> AgencyFileError:
    loc = problem.loc
    line = _line(lines, loc)
    entry = None
    if len(loc) > 1 and loc[0] == "agency" and isinstance(loc[1], int) and loc[1] < len(ids):
        entry = ids[loc[1]]
        line = line or lines.id_line(entry)
    return AgencyFileError(
        path, problem.problem, problem.fix, line=line, key=_dotted(loc), entry_id=entry
    )


_CHOICES: dict[str, str] = {
    "kind": ", ".join(r.value for r in Recipient),
    "formats": ", ".join(f.value for f in Format),
    "data_classes": ", ".join(d.value for d in DataClass),
    "covers": ", ".join(d.value for d in DataClass),
    "transport": ", ".join(t.value for t in Transport),
    "ack": "inbound, poll",
}

_FIELD_WORDS: dict[str, str] = {
    "kind": "kind of agency",
    "formats": "format",
    "data_classes": "data class",
    "covers": "data class",
    "transport": "transport",
    "ack": "way of acknowledging",
}

_FIXES: dict[str, str] = {
    "float_parsing": "Write a number without quotes",
    "int_parsing": "Write a whole number without quotes",
    "int_type": "Write a whole number without quotes",
    "string_type": "Write text in double quotes",
    "bool_type": "Write true or false",
    "bool_parsing": "Write true or false",
    "greater_than": "Use a larger number",
    "less_than_equal": "Use a smaller number",
    "greater_than_equal": "Use a larger number",
    "string_too_short": "Write some text",
    "tuple_type": 'Write a list in square brackets, e.g. ["a", "b"]',
    "too_short": "Give at least one",
}


def _known_keys() -> set[str]:
    keys: set[str] = set()
    stack: list[type[BaseModel]] = [RegistryFile]
    seen: set[type[BaseModel]] = set()
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            keys.add(name)
            for arg in _walk_types(info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    stack.append(arg)
    return keys


def _walk_types(annotation: object) -> list[object]:
    found: list[object] = [annotation]
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_walk_types(arg))
    return found


def _explain(
    exc: ValidationError, data: dict[str, Any], lines: TomlLines, path: Path | None
) -> AgencyFileError:
    """The first problem pydantic found, with its place and what to write instead."""
    # A misspelt key also makes the right one "missing": name the misspelling first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    error = errors[0]
    loc: Loc = tuple(p for p in error["loc"] if p not in AUTH_KINDS)
    kind = error["type"]
    value = error.get("input")
    names = [str(p) for p in loc if isinstance(p, str)]
    key = names[-1] if names else ""

    def fail(problem: str, fix: str) -> AgencyFileError:
        return _error(_Problem(loc, problem, fix), parsed_ids(data), lines, path)

    if kind == "missing":
        return fail(f"{key!r} is missing", f"Add {key} = …")
    if kind == "extra_forbidden":
        if key in ("key", "secret", "password", "hmac_key"):
            return fail(
                "a key itself never goes in the registry",
                "Name the environment variable that holds it (key_env) or a key file (key_file)",
            )
        close = difflib.get_close_matches(key, sorted(_known_keys()), n=1)
        hint = f"Did you mean {close[0]!r}?" if close else "Check its spelling"
        return fail(f"unknown key {key!r}", hint)
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return fail("the auth has no known kind", f"Set kind to one of {', '.join(AUTH_KINDS)}")
    if kind == "enum":
        field = next((n for n in reversed(names) if n in _CHOICES), key)
        said = _FIELD_WORDS.get(field, field)
        return fail(f"{value!r} is not a valid {said}", f"Use one of {_CHOICES.get(field, '')}")
    if kind == "string_pattern_mismatch":
        if key == "id":
            return fail(
                f"{value!r} is not an id",
                "Use lower-case letters, digits and dashes, e.g. police-112",
            )
        if key == "date":
            return fail(f"{value!r} is not a date", 'Write "YYYY-MM" or "YYYY-MM-DD"')
        return fail(
            f"{value!r} is not an environment variable name",
            "Use letters, digits and underscores, e.g. CITYROOM_KEY_POLICE",
        )
    message = str(error.get("ctx", {}).get("error", error["msg"]))
    message = re.sub(r"^(Input|String|Value|Tuple) should", "it should", message)
    return fail(f"{value!r} is not valid for {key}: {message}", _FIXES.get(kind, "Correct it"))
