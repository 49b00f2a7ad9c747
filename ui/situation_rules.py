"""The situation rules over the live feed, with rules that can be changed while it runs.

The rules start once the replica has caught up (so history is not judged again and the open
incidents are known). Rule files are read, checked and compiled on a worker thread (the rules
package takes a few hundred milliseconds to import), and a new rule set replaces the old one
between two batches: the runner, its subscription and its list of open incidents stay, so no
event is judged twice or missed. A file that is refused leaves the rules in force untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal

from core.notices import NoticeLevel
from ui.context import AppContext

if TYPE_CHECKING:
    from core.events import EventRecord
    from core.rules import RuleEngine, RuleFileError
    from core.rules.engine import Detection

SOURCE = "rules"


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A checked and compiled rule file: its path, text and engine."""

    path: Path
    text: str
    engine: RuleEngine

    @property
    def count(self) -> int:
        """Rules that are enabled."""
        return len(self.engine.rules)


class _SwappableEngine:
    """What the runner sees as its engine: the rule set in force, replaced between batches
    (the lock keeps a batch and a swap apart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engine: RuleEngine | None = None

    def swap(self, engine: RuleEngine) -> None:
        with self._lock:
            self._engine = engine

    def feed(self, records: Sequence[EventRecord]) -> list[Detection]:
        with self._lock:
            return self._engine.feed(records) if self._engine is not None else []

    def tick(self, now_ms: int | None = None) -> list[Detection]:
        with self._lock:
            return self._engine.tick(now_ms) if self._engine is not None else []


def describe(error: RuleFileError) -> str:
    """A refused rule file in one line: where, what, and the fix (the path is shown apart)."""
    place = [f"line {error.line}"] if error.line is not None else []
    if error.rule_id:
        place.append(f"rule {error.rule_id}")
    if error.key:
        place.append(f"key {error.key}")
    prefix = f"{', '.join(place)}: " if place else ""
    return f"{prefix}{error.problem}. {error.fix}."


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file private: keep the permissions the file had (or the usual ones).
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(temporary, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class SituationRules(QObject):
    """Runs the rules file the settings name (the shipped rules when none) over the live
    feed, reloads it when it changes on disk, and applies text from the rules editor."""

    applied = Signal(int)  # rules in force after a start or a reload
    refused = Signal(object)  # RuleFileError: a new file was refused; the old rules stay

    def __init__(self, context: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="situation-rules")
        self._engine = _SwappableEngine()
        self._runner: Any = None
        self._in_force: RuleSet | None = None  # written on the worker only
        self._stopped = False
        self.rule_count = 0
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._on_watcher_changed)
        self._watcher.directoryChanged.connect(self._on_watcher_changed)
        # An editor's save is often several writes and a rename: judge the file once it rests.
        self._settle = QTimer(self)
        self._settle.setObjectName("rulesFileSettle")
        self._settle.setSingleShot(True)
        self._settle.setInterval(300)
        self._settle.timeout.connect(self.reload)
        self._watch(self.path)
        if context.store.is_loaded:
            self._start()
        else:
            context.store.loaded.connect(self._start, Qt.ConnectionType.SingleShotConnection)

    # -- which file -------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The rules file in use."""
        from core.rules.definitions import DEFAULT_RULE_FILE

        return self._context.settings.rules_file or DEFAULT_RULE_FILE

    @property
    def is_shipped(self) -> bool:
        """Whether the rules in use are the shipped (read-only) default rules."""
        return self._context.settings.rules_file is None

    def _watch(self, path: Path) -> None:
        if self._watcher.files():
            self._watcher.removePaths(self._watcher.files())
        if self._watcher.directories():
            self._watcher.removePaths(self._watcher.directories())
        # The folder too: saving by rename (ours, and most editors') replaces the file, and a
        # watch on the old file ends with it.
        for watched in (path, path.parent):
            if watched.exists():
                self._watcher.addPath(str(watched))

    def _on_watcher_changed(self, _path: str) -> None:
        if not self._stopped:
            self._settle.start()

    # -- work on the rules thread -----------------------------------------------------------

    def _compile(self, text: str, path: Path) -> RuleSet:
        from core.clock import SystemClock
        from core.rules import RuleEngine, load_rule_text

        rules = load_rule_text(text, path)
        return RuleSet(path, text, RuleEngine(rules, self._context.city, SystemClock()))

    def _read(self, path: Path) -> str:
        from core.rules import load_rule_file

        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            load_rule_file(path)  # raises the RuleFileError that says why, with the fix
            raise

    def _put_in_force(self, rules: RuleSet) -> None:
        self._engine.swap(rules.engine)
        self._in_force = rules

    def _start(self) -> None:
        if self._stopped:
            return
        state = self._context.store.state
        # Read here: the replica's state belongs to the GUI thread.
        after_seq, known, path = state.last_seq, state.open_incident_places(), self.path

        def start() -> tuple[int, RuleFileError | None]:
            from core.rules import RuleFileError
            from core.rules.definitions import DEFAULT_RULE_FILE
            from core.rules.runner import RulesRunner

            refused: RuleFileError | None = None
            try:
                self._put_in_force(self._compile(self._read(path), path))
            except RuleFileError as error:
                # Rules must run: a broken own file falls back to the shipped ones.
                refused = error
                default = DEFAULT_RULE_FILE
                self._put_in_force(self._compile(self._read(default), default))
            engine = cast("RuleEngine", self._engine)
            runner = RulesRunner(
                self._context.backend, lambda: engine, notices=self._context.notices
            )
            runner.start(after_seq, known)
            self._runner = runner
            assert self._in_force is not None
            return self._in_force.count, refused

        def started(result: tuple[int, RuleFileError | None]) -> None:
            count, refused = result
            self.rule_count = count
            if refused is not None:
                self._notify(
                    NoticeLevel.ERROR,
                    self.tr("File refused, running the shipped rules: %1").replace(
                        "%1", describe(refused)
                    ),
                )
                self.refused.emit(refused)
            self.applied.emit(count)

        def failed(error: BaseException) -> None:
            text = self.tr("Not running: %1").replace("%1", str(error))
            self._notify(NoticeLevel.ERROR, text)

        self._submit(start, started, failed)

    def _submit(
        self,
        job: Callable[[], Any],
        on_result: Callable[[Any], object],
        on_error: Callable[[BaseException], object] | None = None,
    ) -> Future[Any]:
        future = self._executor.submit(job)

        def result(value: Any) -> None:
            if not self._stopped:
                on_result(value)

        def error(exc: BaseException) -> None:
            if not self._stopped and on_error is not None:
                on_error(exc)

        self._context.invoker.when_done(future, result, error)
        return future

    # -- public -----------------------------------------------------------------------------

    def check(self, text: str) -> Future[int]:
        """Check rule text as if it were the file in use; the future gives the number of
        enabled rules or raises :class:`RuleFileError`."""
        path = self.path
        return self._executor.submit(lambda: self._compile(text, path).count)

    def apply_text(self, text: str, path: Path | None = None) -> Future[int]:
        """Check ``text``, write it to ``path`` (default: the file in use) atomically and
        put it in force; a refused text writes nothing and changes nothing. Giving another
        path makes that file the one in use. The future gives the number of rules."""
        from core.rules.definitions import DEFAULT_RULE_FILE

        target = path or self.path
        switching = path is not None and path != self.path

        def apply() -> int:
            if target.resolve() == DEFAULT_RULE_FILE:
                raise PermissionError(f"{target}: the shipped rules are not changed; save a copy")
            rules = self._compile(text, target)
            write_atomically(target, text)
            self._put_in_force(rules)
            return rules.count

        def applied(count: int) -> None:
            if switching:
                self._context.settings.rules_file = target
                self._context.settings.sync()
            self._watch(target)
            self.rule_count = count
            self._notify(
                NoticeLevel.INFO,
                self.tr("Saved and applied: %1 rules in force.").replace("%1", str(count)),
            )
            self.applied.emit(count)

        return self._submit(apply, applied)

    def reload(self) -> Future[int | None]:
        """Read the file in use again and put it in force if it changed; a refused file is
        reported and the rules in force stay. The future gives the number of rules, or None
        when the file had not changed."""
        path = self.path

        def load() -> int | None:
            text = self._read(path)
            if self._in_force is not None and self._in_force.text == text:
                return None
            rules = self._compile(text, path)
            self._put_in_force(rules)
            return rules.count

        def loaded(count: int | None) -> None:
            self._watch(path)  # a replaced file needs watching again
            if count is None:
                return
            self.rule_count = count
            self._notify(
                NoticeLevel.INFO, self.tr("Reloaded: %1 rules in force.").replace("%1", str(count))
            )
            self.applied.emit(count)

        def failed(error: BaseException) -> None:
            from core.rules import RuleFileError

            self._watch(path)
            if not isinstance(error, RuleFileError):
                self._notify(NoticeLevel.ERROR, str(error))
                return
            self._notify(
                NoticeLevel.WARNING,
                self.tr("File refused, the previous rules stay in force: %1").replace(
                    "%1", describe(error)
                ),
            )
            self.refused.emit(error)

        return self._submit(load, loaded, failed)

    def _notify(self, level: NoticeLevel, text: str) -> None:
        self._context.notices.post(level, self.tr("Situation rules"), text)

    def stop(self) -> None:
        """Stop judging (waits for a load still under way)."""
        self._stopped = True
        self._settle.stop()
        # Waits for a job under way (a start, a check); none takes more than a moment.
        self._executor.shutdown(wait=True)
        if self._runner is not None:
            self._runner.stop()
