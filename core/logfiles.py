"""Rotating log files: where every ``logging`` record of the process is kept for support.

One process writes one file set in the log folder, named by what the process is: ``cityroom``
for a desk, ``cityroom-serve`` for the operations backend. Records are one line each (UTC
ISO-8601 time, level, logger, thread, message); a traceback follows on lines indented by two
spaces. Uncaught exceptions, in the main thread or any other, are logged before Python's own
hook prints them. A folder that cannot be written never stops the process: it runs without
log files and says so once on stderr.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import textwrap
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import IO, Any

LOG_FILE_BYTES = 5 * 1024 * 1024
"""A log file is rolled over once it would grow past this size."""
LOG_FILE_BACKUPS = 5
"""Rolled-over files kept (``NAME.log.1`` newest … ``NAME.log.5`` oldest)."""
MAX_SHARERS = 9
"""Processes of one name that may write one folder at the same time (``NAME``, ``NAME-2``…)."""

# Libraries whose INFO records come once per request; their warnings still reach the file.
_CHATTY_LOGGERS = ("httpx",)

log = logging.getLogger("cityroom.logfiles")


def default_log_dir(
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Path:
    """The user's log folder: ``$XDG_STATE_HOME/cityroom/logs`` (default
    ``~/.local/state/cityroom/logs``) on Linux, ``%LOCALAPPDATA%\\Cityroom\\logs`` on Windows,
    ``~/Library/Logs/Cityroom`` on macOS. The keywords stand in for this machine's values."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    if platform == "win32":
        local = environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / "Cityroom" / "logs"
    if platform == "darwin":
        return home / "Library" / "Logs" / "Cityroom"
    state = environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(state) / "cityroom" / "logs"


class LineFormatter(logging.Formatter):
    """One line per record: ``2026-01-05T06:00:00.123Z INFO name [thread] message``; line
    breaks inside the message are written as ``\\n``; a traceback or stack follows, indented."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        message = record.getMessage().replace("\r\n", "\n").replace("\n", "\\n")
        line = (
            f"{when.replace('+00:00', 'Z')} {record.levelname} {record.name} "
            f"[{record.threadName}] {message}"
        )
        # Built here rather than through record.exc_text: other handlers (the server's stderr)
        # share the record and must not get this file's indentation.
        blocks: list[str] = []
        if record.exc_info and record.exc_info[1] is not None:
            blocks.append("".join(traceback.format_exception(*record.exc_info)))
        elif record.exc_text:
            blocks.append(record.exc_text)
        if record.stack_info:
            blocks.append(record.stack_info)
        for block in blocks:
            line += "\n" + textwrap.indent(block.rstrip("\n"), "  ", lambda _line: True)
        return line


class _LogFileHandler(RotatingFileHandler):
    """The rotating handler; a write that fails (disk full, folder removed) is reported once
    on stderr instead of a traceback per record."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        self.path = path
        self._warned = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging API)
        if self._warned:
            return
        self._warned = True
        error = sys.exc_info()[1]
        _warn(
            f"cannot write the log file {self.path} ({error}); log records are being lost. "
            "Free some disk space or make the folder writable, then restart Cityroom."
        )


@dataclass
class _Installed:
    handler: _LogFileHandler
    claim: IO[bytes] | None  # the open lock file that marks the file set as this process's
    root_level: int  # the root logger's level before, to restore
    chatty_levels: dict[str, int]
    sys_hook: Any
    thread_hook: Any


_lock = threading.Lock()
_installed: _Installed | None = None


def current_log_file() -> Path | None:
    """The file this process logs to, or None when no log file is open."""
    installed = _installed
    return installed.handler.path if installed is not None else None


def start_log_files(
    directory: Path | None = None,
    *,
    name: str = "cityroom",
    level: int = logging.INFO,
    max_bytes: int = LOG_FILE_BYTES,
    backups: int = LOG_FILE_BACKUPS,
) -> Path | None:
    """Write the process's log records at ``level`` and above to ``NAME.log`` in
    ``directory`` (default :func:`default_log_dir`), rolled over at ``max_bytes`` with
    ``backups`` old files kept, and log uncaught exceptions of every thread. Returns the log
    file, or None (with a warning on stderr naming the folder and the fix) when the folder
    cannot be written. Calling it again with the same file changes nothing; with another
    file, it moves the logging there."""
    global _installed
    folder = default_log_dir() if directory is None else directory
    with _lock:
        if _installed is not None:
            if _installed.handler.path.parent == folder and _is_ours(_installed, name):
                return _installed.handler.path
            _uninstall(_installed)
            _installed = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            claimed = _claim(folder, name)
            if claimed is None:
                _warn(
                    f"{MAX_SHARERS} Cityroom processes named {name!r} already write log files "
                    f"in {folder}; this one runs without a log file. Close some of them or "
                    "give this one its own log folder."
                )
                return None
            file_name, claim = claimed
            handler = _LogFileHandler(folder / f"{file_name}.log", max_bytes, backups)
        except OSError as error:
            _warn(
                f"cannot write log files in {folder} ({error.strerror or error}); Cityroom "
                "runs without log files. Make the folder writable (or free some disk space), "
                "then restart Cityroom."
            )
            return None
        handler.setLevel(level)
        handler.setFormatter(LineFormatter())
        _installed = _install(handler, claim, level)
    log.info("log started: process %d, %s", os.getpid(), sys.executable)
    return handler.path


def stop_log_files() -> None:
    """Close the log file and put back the logging and exception hooks as they were."""
    global _installed
    with _lock:
        if _installed is not None:
            _uninstall(_installed)
            _installed = None


def _is_ours(installed: _Installed, name: str) -> bool:
    stem = installed.handler.path.name.removesuffix(".log")
    return stem == name or stem.removeprefix(f"{name}-").isdigit()


def _claim(folder: Path, name: str) -> tuple[str, IO[bytes] | None] | None:
    """A file name in ``folder`` no other running process writes, and the lock that keeps it.

    Rotation renames files, so two processes appending to one file set would rename each
    other's files away and lose or mix records. A desk and the server differ by ``name``; two
    desks of one user (or two servers) differ by a number: the first keeps ``NAME.log``, the
    next takes ``NAME-2.log``. The claim is a lock on ``NAME.lock`` held while the process
    runs; the system releases it when the process ends, even by a crash, so a stale claim
    never blocks a name. Writes themselves take no lock. Where the file system refuses locks,
    the plain name is used (the usual case, one process per name, still works).
    """
    for number in range(1, MAX_SHARERS + 1):
        file_name = name if number == 1 else f"{name}-{number}"
        claim = (folder / f"{file_name}.lock").open("ab")
        try:
            locked = _try_lock(claim)
        except OSError:
            claim.close()
            return name, None
        if locked:
            return file_name, claim
        claim.close()
    return None


def _try_lock(claim: IO[bytes]) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(claim.fileno(), msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(claim.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _install(handler: _LogFileHandler, claim: IO[bytes] | None, level: int) -> _Installed:
    root = logging.getLogger()
    installed = _Installed(handler, claim, root.level, {}, sys.excepthook, threading.excepthook)
    root.addHandler(handler)
    if root.level > level:
        root.setLevel(level)
    for name in _CHATTY_LOGGERS:
        chatty = logging.getLogger(name)
        if chatty.level == logging.NOTSET:
            installed.chatty_levels[name] = chatty.level
            chatty.setLevel(logging.WARNING)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread
    return installed


def _uninstall(installed: _Installed) -> None:
    root = logging.getLogger()
    root.removeHandler(installed.handler)
    with contextlib.suppress(OSError):  # the last buffered write may fail too (disk full)
        installed.handler.close()
    if installed.claim is not None:
        installed.claim.close()  # releases the lock
    root.setLevel(installed.root_level)
    for name, level in installed.chatty_levels.items():
        logging.getLogger(name).setLevel(level)
    # Only hooks still ours are put back: whoever replaced them since keeps theirs.
    if sys.excepthook is _log_uncaught:
        sys.excepthook = installed.sys_hook
    if threading.excepthook is _log_uncaught_in_thread:
        threading.excepthook = installed.thread_hook


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    installed = _installed
    if not issubclass(kind, KeyboardInterrupt):
        logging.getLogger("cityroom").critical(
            "uncaught exception: %s", error, exc_info=(kind, error, trace)
        )
    (installed.sys_hook if installed is not None else sys.__excepthook__)(kind, error, trace)


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    installed = _installed
    # A thread ended by SystemExit is no error (Python's own hook says nothing either).
    if args.exc_type is not SystemExit and args.exc_value is not None:
        thread = args.thread.name if args.thread is not None else "unknown thread"
        logging.getLogger("cityroom").critical(
            "uncaught exception in thread %s: %s",
            thread,
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
    (installed.thread_hook if installed is not None else threading.__excepthook__)(args)


def _warn(text: str) -> None:
    print(f"cityroom: {text}", file=sys.stderr, flush=True)
