"""Incident catalogue files: CSV read, decoded and checked, every mistake named with its place.

The format (``resources/catalogue/README.md``): a header row, then one incident type a line, in
the columns ``code, name_ko, name_en, service, severity, typical_source, procedure, agencies``
(any order; only ``code``, ``name_ko``, ``service`` and ``severity`` are required). Files come
as UTF-8, with or without a byte-order mark, or as CP949/EUC-KR (what Korean Excel writes).

This module reads and writes files; which files are in force is ``core.catalogue_site``'s job.
The types come from ``core.catalogue``, which imports this module while it loads: they are
imported inside the functions that need them, so either module may be imported first.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import CityroomError

if TYPE_CHECKING:
    from core.catalogue import IncidentType, Service

COLUMNS = (
    "code",
    "name_ko",
    "name_en",
    "service",
    "severity",
    "typical_source",
    "procedure",
    "agencies",
)
REQUIRED = ("code", "name_ko", "service", "severity")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
PROCEDURE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # core.sop.definitions.ID_PATTERN
AGENCY_PATTERN = re.compile(r"^[a-z][a-z_]*$")
MAX_CODE = 32
MAX_PROBLEMS = 50  # a file with more is probably the wrong file; say so rather than list them all

_SEVERITY_WORDS = "1 (critical), 2 (major), 3 (minor) or 4 (information)"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One mistake in a catalogue file: where (line, column) and what to do about it."""

    line: int | None
    column: str | None  # the column's name as the header has it, with its letter
    problem: str
    fix: str

    def where(self) -> str:
        """``line 4, column severity (E)``, as much of it as is known."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where + ': ' if where else ''}{self.problem}. {self.fix}"


class CatalogueFileError(CityroomError, ValueError):
    """A catalogue file cannot be used; names the file and every problem found in it."""

    def __init__(self, path: Path | None, problems: Sequence[RowProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        name = str(path) if path is not None else "<text>"
        if len(self.problems) == 1:
            message = f"Catalogue file {name}, {self.problems[0]}"
        else:
            listed = "\n".join(f"  {name}, {p}" for p in self.problems)
            message = f"Catalogue file {name}: {len(self.problems)} problems\n{listed}"
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ParsedCatalogue:
    """A checked catalogue file: its entries in file order, where each was, and notes."""

    entries: tuple[IncidentType, ...]
    lines: Mapping[str, int]  # code -> line of the file
    columns: Mapping[str, str]  # column name -> its place as messages name it, "severity (E)"
    encoding: str = "UTF-8"  # as said to a person: "UTF-8", "UTF-8 with BOM", "CP949", ...
    path: Path | None = None
    notes: tuple[str, ...] = field(default=())  # worth saying, not wrong

    @property
    def codes(self) -> list[str]:
        """The codes in file order."""
        return [e.code for e in self.entries]


# -- decoding ----------------------------------------------------------------------------------


def decode(data: bytes, path: Path | None = None) -> tuple[str, str]:
    """The text of a catalogue file and the encoding found, said as a person would.

    UTF-8 (a byte-order mark is dropped) is tried first: Korean text in CP949 is almost never
    valid UTF-8, while the reverse is common. Then EUC-KR, then its superset CP949.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CatalogueFileError(
            path,
            [
                RowProblem(
                    1,
                    None,
                    "the file is UTF-16 (Excel's 'Unicode text'), which is not accepted",
                    "Save it from Excel as 'CSV UTF-8 (comma delimited)' "
                    "or 'CSV (comma delimited)'",
                )
            ],
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as exc:
            raise _undecodable(path, data, exc.start + 3, "UTF-8 (it starts with a BOM)") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as first:
        utf8_error = first
    for codec, said in (("euc_kr", "EUC-KR"), ("cp949", "CP949")):
        try:
            return data.decode(codec), said
        except UnicodeDecodeError:
            continue
    raise _undecodable(path, data, utf8_error.start, "UTF-8 or CP949/EUC-KR")


def _undecodable(path: Path | None, data: bytes, offset: int, tried: str) -> CatalogueFileError:
    line = data.count(b"\n", 0, offset) + 1
    return CatalogueFileError(
        path,
        [
            RowProblem(
                line,
                None,
                f"the text is not {tried} (byte {offset} cannot be read)",
                "Save the file as 'CSV UTF-8' (or as CSV from Korean Excel, which writes CP949)",
            )
        ],
    )


# -- parsing -----------------------------------------------------------------------------------


def read_catalogue_file(path: Path | str) -> ParsedCatalogue:
    """Read, decode and check one catalogue file; raises :class:`CatalogueFileError`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _file_problem(path, "the file does not exist", "Check the path") from None
    except IsADirectoryError:
        raise _file_problem(path, "this is a folder", "Name the .csv file itself") from None
    except OSError as exc:
        raise _file_problem(
            path, f"cannot be read ({exc.strerror or exc})", "Check that it is a readable file"
        ) from None
    text, encoding = decode(data, path)
    return parse_catalogue_text(text, path, encoding)


def _file_problem(path: Path, problem: str, fix: str) -> CatalogueFileError:
    return CatalogueFileError(path, [RowProblem(None, None, problem, fix)])


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def parse_catalogue_text(
    text: str, path: Path | None = None, encoding: str = "UTF-8"
) -> ParsedCatalogue:
    """Parse and check catalogue CSV text (``path`` is named in errors)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise CatalogueFileError(path, [_csv_problem(1, exc)]) from None
    if header is None or not any(cell.strip() for cell in header):
        raise CatalogueFileError(
            path,
            [
                RowProblem(
                    1,
                    None,
                    "the file is empty or its first line is blank",
                    f"Start with a header row naming the columns: {','.join(COLUMNS)}",
                )
            ],
        )
    index, places = _read_header(header, path)
    problems: list[RowProblem] = []
    entries: list[IncidentType] = []
    lines: dict[str, int] = {}
    without_english: list[str] = []
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_csv_problem(line, exc))
            break
        if any(cell.strip() for cell in row):
            entry = _row(row, line, index, places, header, lines, problems)
            if entry is not None:
                entries.append(entry)
                lines[entry.code] = line
                if not _cell(row, index, "name_en"):
                    without_english.append(entry.code)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(
                RowProblem(
                    None, None, f"stopped after {MAX_PROBLEMS} problems", "Is it the right file?"
                )
            )
            break
        line = reader.line_num + 1
    if not problems and not entries:
        problems.append(
            RowProblem(2, None, "the file has a header but no incident types", "Add one a line")
        )
    if problems:
        raise CatalogueFileError(path, problems)
    notes = []
    if without_english:
        shown = ", ".join(without_english[:5]) + (" …" if len(without_english) > 5 else "")
        count = len(without_english)
        notes.append(
            f"{count} {'type has' if count == 1 else 'types have'} no English name ({shown}); "
            "the Korean name is shown in English too"
        )
    return ParsedCatalogue(tuple(entries), lines, places, encoding, path, tuple(notes))


def _csv_problem(line: int, exc: csv.Error) -> RowProblem:
    return RowProblem(
        line,
        None,
        f"not valid CSV ({exc})",
        'Check the quotes: a quote inside a text is written ""',
    )


def _read_header(header: list[str], path: Path | None) -> tuple[dict[str, int], dict[str, str]]:
    index: dict[str, int] = {}
    places: dict[str, str] = {}
    problems: list[RowProblem] = []
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise CatalogueFileError(
            path,
            [
                RowProblem(
                    1,
                    None,
                    f"the header {header[0]!r} is one column: the file is not separated by commas",
                    "Separate the columns with commas (save as 'CSV (comma delimited)')",
                )
            ],
        )
    for position, raw in enumerate(header):
        name = raw.strip().lower()
        place = f"{raw.strip() or '(blank)'} ({_letter(position)})"
        if not name:
            continue  # Excel leaves blank trailing headers; their cells must stay empty
        if name not in COLUMNS:
            problems.append(
                RowProblem(
                    1,
                    place,
                    f"unknown column {raw.strip()!r}",
                    f"The columns are {', '.join(COLUMNS)}; remove or rename this one",
                )
            )
        elif name in index:
            problems.append(
                RowProblem(
                    1,
                    place,
                    f"the column {name} appears twice (first in {_letter(index[name])})",
                    "Keep one of them",
                )
            )
        else:
            index[name] = position
            places[name] = place
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        fix = f"Add {'it' if len(missing) == 1 else 'them'} to the header row"
        problems.append(RowProblem(1, None, f"the header has no column {', '.join(missing)}", fix))
    if problems:
        raise CatalogueFileError(path, problems)
    return index, places


def _cell(row: Sequence[str], index: Mapping[str, int], name: str) -> str:
    position = index.get(name)
    if position is None or position >= len(row):
        return ""
    return row[position].strip()


def _row(
    row: list[str],
    line: int,
    index: Mapping[str, int],
    places: Mapping[str, str],
    header: Sequence[str],
    seen: Mapping[str, int],
    problems: list[RowProblem],
) -> IncidentType | None:
    """The entry of one row, or None with its problems added to ``problems``."""
    from core.catalogue import IncidentType, Severity

    before = len(problems)

    def problem(column: str | None, what: str, fix: str) -> None:
        problems.append(
            RowProblem(line, places.get(column, column) if column else None, what, fix)
        )

    for position in range(len(header), len(row)):
        if row[position].strip():
            problem(
                _letter(position),
                f"a value ({row[position].strip()!r}) beyond the {len(header)} header columns",
                "Remove it, or quote a text that contains a comma",
            )
            break
    for position, raw in enumerate(header):
        if not raw.strip() and position < len(row) and row[position].strip():
            problem(
                f"(blank) ({_letter(position)})",
                f"a value ({row[position].strip()!r}) under a column with no name",
                f"Name the column ({', '.join(COLUMNS)}) or clear it",
            )
    code = _cell(row, index, "code")
    if not code:
        problem("code", "the code is empty", "Give every type a code, e.g. P-112-001")
    elif any(ch.isspace() for ch in code):
        joined = re.sub(r"\s+", "-", code)
        problem(
            "code",
            f"the code {code!r} has a space in it",
            f"Write it as one word, e.g. {joined!r}",
        )
    elif not CODE_PATTERN.match(code) or len(code) > MAX_CODE:
        problem(
            "code",
            f"the code {code!r} is not a code",
            f"Use up to {MAX_CODE} letters, digits, '-', '_' or '.', starting with a letter or "
            "digit, e.g. P-112-001",
        )
    elif code in seen:
        problem(
            "code",
            f"the code {code} is used twice (first on line {seen[code]})",
            "Give every type its own code, or remove one of the lines",
        )
    name_ko = _cell(row, index, "name_ko")
    if not name_ko:
        problem(
            "name_ko", "the Korean name is empty", "Give the name operators see, e.g. 절도 (theft)"
        )
    service = _service(_cell(row, index, "service"))
    if service is None:
        raw = _cell(row, index, "service")
        problem(
            "service",
            f"unknown service {raw!r}" if raw else "the service is empty",
            f"Use one of: {_service_list()}",
        )
    severity_text = _cell(row, index, "severity")
    severity: int | None = None
    if severity_text in ("1", "2", "3", "4"):
        severity = int(severity_text)
    else:
        problem(
            "severity",
            f"the severity {severity_text!r} is not 1 to 4" if severity_text else "no severity",
            f"Write {_SEVERITY_WORDS}",
        )
    procedure = _cell(row, index, "procedure") or None
    if procedure is not None and not PROCEDURE_PATTERN.match(procedure):
        problem(
            "procedure",
            f"{procedure!r} is not a procedure id",
            "Write the id of a procedure file (lower case, digits and '-', e.g. river-flood), "
            "or leave it empty",
        )
    agencies = _agencies(_cell(row, index, "agencies"))
    wrong = [a for a in agencies if not AGENCY_PATTERN.match(a)]
    if wrong:
        problem(
            "agencies",
            f"{wrong[0]!r} is not an agency kind",
            "Write agency kinds separated by ';', e.g. police;fire",
        )
    if len(problems) > before or service is None or severity is None:
        return None
    return IncidentType(
        code,
        name_ko,
        _cell(row, index, "name_en") or name_ko,
        service,
        _cell(row, index, "typical_source"),
        Severity(severity),
        procedure,
        agencies,
    )


def _agencies(text: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in text.split(";") if part.strip())


def _service(text: str) -> Service | None:
    """A service by its value (``police_video``) or its Korean or English name."""
    from core.catalogue import SERVICE_NAMES, Service

    wanted = text.strip().lower()
    for service in Service:
        names = SERVICE_NAMES.get(service, ("", ""))
        if wanted in (service.value, names[0].lower(), names[1].lower()):
            return service
    return None


def _service_list() -> str:
    from core.catalogue import SERVICE_NAMES, Service

    return ", ".join(f"{s.value} ({SERVICE_NAMES[s][0]})" for s in Service)


# -- checks against the rest of the installation -----------------------------------------------


def check_links(
    parsed: ParsedCatalogue,
    procedures: Collection[str],
    agency_kinds: Collection[str],
) -> None:
    """Check that procedures and agency kinds name ones that exist; raises
    :class:`CatalogueFileError` with every wrong row."""
    problems: list[RowProblem] = []
    for entry in parsed.entries:
        line = parsed.lines.get(entry.code)
        if entry.procedure is not None and entry.procedure not in procedures:
            problems.append(
                RowProblem(
                    line,
                    parsed.columns.get("procedure", "procedure"),
                    f"no procedure has the id {entry.procedure!r}",
                    f"Use one of {', '.join(sorted(procedures)) or '(none installed)'}, "
                    "or leave it empty",
                )
            )
        unknown = [a for a in entry.agencies if a not in agency_kinds]
        if unknown:
            problems.append(
                RowProblem(
                    line,
                    parsed.columns.get("agencies", "agencies"),
                    f"unknown agency kind {unknown[0]!r}",
                    f"Use kinds separated by ';' from: {', '.join(agency_kinds)}",
                )
            )
    if problems:
        raise CatalogueFileError(parsed.path, problems)


# -- writing -----------------------------------------------------------------------------------


def catalogue_csv(entries: Iterable[IncidentType]) -> str:
    """The entries as catalogue CSV text (UTF-8 when written; every column, header first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.code,
                e.name_ko,
                e.name_en,
                e.service.value,
                int(e.severity),
                e.typical_source,
                e.procedure or "",
                ";".join(e.agencies),
            ]
        )
    return out.getvalue()
