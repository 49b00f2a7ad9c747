"""The procedures in force: one file each, read from folders, reloaded without losing the last
good version of a file that is refused.

Every version read in this process is kept, so an incident that started under version 2 is
still shown with version 2's steps after the file moved on to version 3.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.catalogue import CATALOGUE
from core.sop.definitions import SOP_DIR, SopFileError
from core.sop.loading import LoadedProcedure, load_procedure_file


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a (re)load found: procedures in force, and the files refused with why."""

    loaded: int
    refused: tuple[SopFileError, ...] = ()
    changed: tuple[str, ...] = field(default=())  # ids whose text changed since the last load


class ProcedureLibrary:
    """Procedures by id and by incident type; safe to read from any thread."""

    def __init__(self, folders: Sequence[Path] = (SOP_DIR,)) -> None:
        self.folders = tuple(folders)
        self._lock = threading.Lock()
        self._by_file: dict[Path, LoadedProcedure] = {}
        self._versions: dict[tuple[str, int], LoadedProcedure] = {}

    def load(self) -> LoadReport:
        """Read every ``*.toml`` of the folders (later folders may add procedures). A file that
        is refused keeps its last good version in force; one that is gone is dropped."""
        found: dict[Path, LoadedProcedure] = {}
        refused: list[SopFileError] = []
        owners: dict[str, Path] = {}
        types: dict[str, Path] = {}
        with self._lock:
            previous = dict(self._by_file)
        for folder in self.folders:
            for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
                try:
                    loaded = load_procedure_file(path)
                    _check_unique(loaded, owners, types)
                except SopFileError as error:
                    refused.append(error)
                    kept = previous.get(path)
                    if kept is None:
                        continue
                    try:
                        _check_unique(kept, owners, types)
                    except SopFileError:
                        continue
                    loaded = kept
                found[path] = loaded
                owners[loaded.procedure.id] = path
                for code in loaded.procedure.incident_types:
                    types[code] = path
        changed = tuple(
            loaded.procedure.id
            for path, loaded in found.items()
            if path not in previous or previous[path].digest != loaded.digest
        )
        with self._lock:
            self._by_file = found
            for loaded in found.values():
                self._versions.setdefault(loaded.key, loaded)
        return LoadReport(len(found), tuple(refused), changed)

    def procedures(self) -> list[LoadedProcedure]:
        """Every procedure in force, by title."""
        with self._lock:
            return sorted(self._by_file.values(), key=lambda p: p.procedure.title_en)

    def get(self, procedure_id: str, version: int | None = None) -> LoadedProcedure | None:
        """A procedure in force, or a given version of it if this process has read it."""
        with self._lock:
            if version is not None and (procedure_id, version) in self._versions:
                return self._versions[(procedure_id, version)]
            return next(
                (p for p in self._by_file.values() if p.procedure.id == procedure_id), None
            )

    def for_type(self, type_code: str) -> LoadedProcedure | None:
        """The default procedure of an incident type: the one the incident catalogue names
        for it (a site's catalogue may map its own types), else the one whose file lists it."""
        entry = CATALOGUE.get(type_code)
        with self._lock:
            procedures = list(self._by_file.values())
        if entry is not None and entry.procedure:
            named = next((p for p in procedures if p.procedure.id == entry.procedure), None)
            if named is not None:
                return named
        return next((p for p in procedures if type_code in p.procedure.incident_types), None)


def _check_unique(
    loaded: LoadedProcedure, owners: dict[str, Path], types: dict[str, Path]
) -> None:
    procedure = loaded.procedure
    other = owners.get(procedure.id)
    if other is not None:
        raise SopFileError(
            loaded.path,
            f"the procedure id {procedure.id!r} is already used by {other.name}",
            "Give each procedure file its own id",
            line=loaded.lines.top_level_line("id"),
            key="id",
        )
    for index, code in enumerate(procedure.incident_types):
        if code in types:
            raise SopFileError(
                loaded.path,
                f"{code} already has a default procedure in {types[code].name}",
                "Name each incident type in one procedure only",
                line=loaded.lines.top_level_line("incident_types"),
                key=f"incident_types.{index}",
            )
