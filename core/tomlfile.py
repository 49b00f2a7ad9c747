"""Finding the line of a table, an array-of-tables entry or a key in TOML text, for messages.

``tomllib`` parses but forgets where things were; every configuration file of ours (rules,
procedures, mappings, stream registries) must name the line of a mistake. ``TomlLines`` scans
the text once for table headers and finds keys between them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import CityroomError


class ConfigFileError(CityroomError, ValueError):
    """A configuration file that cannot be used: it names the file, the line, the entry (a
    rule, a step), the key, the problem and the fix. Subclasses say what kind of file."""

    KIND = "File"
    ENTRY = "entry"

    def __init__(
        self,
        path: Path | None,
        problem: str,
        fix: str,
        *,
        line: int | None = None,
        key: str = "",
        entry_id: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.entry_id = entry_id
        self.problem = problem
        self.fix = fix
        place = f"{self.KIND} {path if path is not None else '<text>'}"
        if line is not None:
            place += f", line {line}"
        if entry_id:
            place += f" ({self.ENTRY} {entry_id!r})"
        if key:
            place += f", key {key!r}"
        super().__init__(f"{place}: {problem}. {fix}")


def read_config(path: Path, error: type[ConfigFileError], missing_fix: str) -> str:
    """The text of a UTF-8 configuration file, or ``error`` saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, "the file does not exist", missing_fix) from None
    except UnicodeDecodeError as exc:
        raise error(path, f"not UTF-8 text (byte {exc.start})", "Save it as UTF-8") from None
    except OSError as exc:
        raise error(
            path, f"cannot be read ({exc.strerror or exc})", "Check that it is a readable file"
        ) from None


def parse_config(
    text: str, path: Path | None, error: type[ConfigFileError], fix: str
) -> dict[str, Any]:
    """TOML text as a dict, or ``error`` with the line of the syntax mistake and ``fix``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        syntax = syntax_problem(exc)
        raise error(path, f"not valid TOML ({syntax.problem})", fix, line=syntax.line) from None


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """What ``tomllib`` said was wrong, without its position, and where it was."""

    problem: str
    line: int | None
    column: int | None


def syntax_problem(exc: tomllib.TOMLDecodeError) -> SyntaxProblem:
    """Split a TOML syntax error into its sentence and its place."""
    message = str(exc)
    where = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    problem = re.sub(r"\s*\(at [^)]*\)$", "", message)
    if where is None:
        return SyntaxProblem(problem, None, None)
    return SyntaxProblem(problem, int(where[1]), int(where[2]))


class TomlLines:
    """Line numbers of headers and keys in one TOML text."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        # (line number, dotted table name, is an array entry) of each header, in order.
        self.headers: list[tuple[int, str, bool]] = []
        for number, line in enumerate(self.lines, start=1):
            match = self._HEADER.match(line)
            if match:
                name = match[2].replace('"', "").replace(" ", "")
                self.headers.append((number, name, match[1] == "[["))

    def _find(self, pattern: re.Pattern[str], start: int, end: int) -> int | None:
        for number in range(start, min(end, len(self.lines)) + 1):
            if pattern.search(self.lines[number - 1]):
                return number
        return None

    def _key(self, key: str, start: int, end: int) -> int | None:
        # A key at the start of a line, or inside an inline table after "{" or ",".
        pattern = re.compile(rf"(^|[{{,])\s*\"?{re.escape(key)}\"?\s*=")
        return self._find(pattern, start, end)

    def _inline_entry(self, line: int, end: int, index: int) -> int | None:
        """The line of the ``index``-th ``{ … }`` of an inline array written from ``line``."""
        entries = [
            n for n in range(line, min(end, len(self.lines)) + 1) if "{" in self.lines[n - 1]
        ]
        return entries[index] if index < len(entries) else None

    def id_line(self, entry_id: str | None) -> int | None:
        """The line giving an entry its id (for entries written as inline tables)."""
        if entry_id is None:
            return None
        pattern = re.compile(rf"(^|[{{,])\s*\"?id\"?\s*=\s*[\"']{re.escape(entry_id)}[\"']")
        return self._find(pattern, 1, len(self.lines))

    def top_level_line(self, name: str) -> int | None:
        """The line of a top-level table header, or of a key before the first table."""
        for number, table, _ in self.headers:
            if table.split(".")[0] == name:
                return number
        end = self.headers[0][0] - 1 if self.headers else len(self.lines)
        return self._key(name, 1, end)

    def locate(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``(array, i, key…)``: the ``i``-th ``[[array]]`` entry's header, a
        sub-table's header, or a key inside them (nested arrays take their own index)."""
        if len(loc) < 2 or not isinstance(loc[0], str) or not isinstance(loc[1], int):
            return None
        array = loc[0]
        entries = [h for h in self.headers if h[1] == array and h[2]]
        if loc[1] >= len(entries):
            return None
        start = entries[loc[1]][0]
        later = [h[0] for h in entries if h[0] > start]
        end = later[0] - 1 if later else len(self.lines)
        prefix = array
        parts = list(loc[2:])
        while parts:
            part = parts.pop(0)
            if isinstance(part, int):
                continue
            table = f"{prefix}.{part}"
            index = parts[0] if parts and isinstance(parts[0], int) else None
            headers = [h for h in self.headers if h[1] == table and start <= h[0] <= end]
            if headers:
                chosen = headers[index or 0] if (index or 0) < len(headers) else headers[-1]
                start = chosen[0]
                following = [h[0] for h in self.headers if h[0] > start]
                end = min(end, following[0] - 1) if following else end
                prefix = table
                continue
            found = self._key(str(part), start, end)
            if found is None:
                return start
            if not parts:
                return found
            # An inline table or an array of them: keep looking from its line, or from the
            # line of the entry the next part numbers.
            start = found
            if isinstance(parts[0], int):
                start = self._inline_entry(found, end, parts[0]) or found
            prefix = table
        return start

    def key_line(self, table: str, index: int | None, key: str) -> int | None:
        """The line of ``key`` in ``[table]`` (no index) or in the ``index``-th
        ``[[table]]``, else of that header."""
        if index is not None:
            return self.locate((table, index, key) if key else (table, index))
        headers = [h for h in self.headers if h[1] == table and not h[2]]
        if not headers:
            return None
        start = headers[0][0]
        later = [h[0] for h in self.headers if h[0] > start]
        end = later[0] - 1 if later else len(self.lines)
        return (self._key(key, start, end) if key else None) or start
