"""The server database's schema: Alembic migrations run programmatically.

``migrate(url)`` brings a database to the newest revision (creating everything in an empty
one) and may run any number of times, from any number of processes at once.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import exc as sa_exc

from server.errors import DatabaseUnavailable, SchemaNewer, describe_database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_CONNECT_TIMEOUT_S = 5
# Alembic keeps the running migration in module-level state: one at a time per process
# (processes are kept apart by an advisory lock in migrations/env.py).
_ALEMBIC_LOCK = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    """The URL SQLAlchemy needs for psycopg 3 (``postgresql+psycopg://``) from a plain
    ``postgresql://`` (or ``postgres://``) one."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.attributes["url"] = sqlalchemy_url(url)
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def _head() -> str:
    head = _scripts().get_current_head()
    if head is None:  # pragma: no cover - the revisions ship with the code
        raise RuntimeError(f"no migrations found in {MIGRATIONS}")
    return head


HEAD: str = _head()
"""The newest revision this version of Cityroom knows."""


def current_revision(url: str) -> str | None:
    """The revision the database is at (None: never migrated). Raises DatabaseUnavailable."""
    try:
        with psycopg.connect(url, connect_timeout=_CONNECT_TIMEOUT_S, autocommit=True) as conn:
            found = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
            if found is None or not found[0]:
                return None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.OperationalError as error:
        raise DatabaseUnavailable(describe_database(url), _first_line(error)) from error
    return None if row is None else str(row[0])


def migrate(url: str) -> None:
    """Upgrade the database at ``url`` to :data:`HEAD`.

    Raises DatabaseUnavailable (unreachable), SchemaNewer (migrated by a newer Cityroom:
    nothing is changed) or PostgisMissing (PostGIS not installed or not allowed).
    """
    database = describe_database(url)
    revision = current_revision(url)
    if revision is not None and _is_unknown(revision):
        raise SchemaNewer(database, revision, HEAD)
    try:
        with _ALEMBIC_LOCK:
            command.upgrade(_config(url), "head")
    except sa_exc.OperationalError as error:
        raise DatabaseUnavailable(database, _first_line(error.orig or error)) from error


def _is_unknown(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is None
    except Exception:  # alembic raises several kinds for a revision it has never seen
        return True


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
