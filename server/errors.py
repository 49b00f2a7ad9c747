"""Errors of the server's database that an administrator can cause or fix, each naming the
database, what went wrong and the fix."""

from __future__ import annotations

from urllib.parse import urlsplit

from core.errors import CityroomError


def describe_database(url: str) -> str:
    """``host:port/name`` of a database URL, without the user or the password (messages and
    logs must never show a password)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
    except ValueError:
        return "(unreadable database URL)"
    name = parts.path.lstrip("/") or "(default database)"
    return f"{host}:{port}/{name}"


class DatabaseUnavailable(CityroomError):
    """The PostgreSQL database cannot be reached or stopped answering."""

    def __init__(self, database: str, problem: str) -> None:
        self.database = database
        self.problem = problem
        super().__init__(
            f"The database {database} is unavailable: {problem}. The server answers 503 until "
            "it is back; check that PostgreSQL is running and reachable from this machine and "
            "that [database] url in server.toml (or CITYROOM_DATABASE_URL) names it."
        )


class PostgisMissing(CityroomError):
    """The database has no PostGIS, which the camera registry needs."""

    def __init__(self, database: str, problem: str) -> None:
        self.database = database
        super().__init__(
            f"The database {database} cannot use PostGIS: {problem}. Install it on the "
            "database server (Debian/Ubuntu: apt-get install postgresql-15-postgis-3, matching "
            "the PostgreSQL version; or run 'make setup' there), and let a superuser run "
            "CREATE EXTENSION postgis in that database, then start the server again."
        )


class SchemaNewer(CityroomError):
    """The database was migrated by a newer Cityroom than this one."""

    def __init__(self, database: str, revision: str, known: str) -> None:
        self.database = database
        self.revision = revision
        super().__init__(
            f"The database {database} was migrated by a newer Cityroom (schema revision "
            f"{revision}; this version knows up to {known}). Run the newer Cityroom server, or "
            "point [database] url at another database; nothing was changed."
        )
