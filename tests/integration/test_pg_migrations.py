"""The server database's migrations: from empty to the newest revision, idempotent, safe
when two processes start at once, and refusing a database of a newer Cityroom."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

import psycopg
import pytest

from server.errors import DatabaseUnavailable, PostgisMissing, SchemaNewer
from server.schema import HEAD, current_revision, migrate, sqlalchemy_url
from tests.pg_cluster import PgCluster

REPO = Path(__file__).resolve().parents[2]
TABLES = {
    "events",
    "log_head",
    "meta",
    "audit_events",
    "audit_head",
    "applied_commands",
    "readings",
    "snapshots",
    "cameras",
}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
    return {str(r[0]) for r in rows}


def test_an_empty_database_is_migrated_to_the_newest_revision(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database(f"empty_{uuid.uuid4().hex[:8]}")
    assert current_revision(url) is None
    migrate(url)
    assert current_revision(url) == HEAD
    assert tables(url) >= TABLES
    with psycopg.connect(url) as conn:
        log_id = conn.execute("SELECT value FROM meta WHERE key = 'log_id'").fetchone()
        head = conn.execute("SELECT seq, hash, ts_ms FROM log_head").fetchall()
        audit = conn.execute("SELECT seq, hash, ts_ms FROM audit_head").fetchall()
        postgis = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
        assert postgis.fetchone() is not None
    assert log_id is not None and uuid.UUID(log_id[0])
    assert head == audit == [(0, bytes(32), 0)]


def test_migrating_again_changes_nothing(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('kept', 'yes')")
        before = conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    migrate(pg_url)
    migrate(pg_url)
    assert current_revision(pg_url) == HEAD
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall() == before


def test_two_processes_starting_at_once_both_succeed(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database(f"race_{uuid.uuid4().hex[:8]}")
    code = f"from server.schema import migrate; migrate({url!r})"
    processes = [
        subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr.decode()
    assert current_revision(url) == HEAD
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'log_id'").fetchone() == (1,)


def test_threads_of_one_process_migrating_at_once_both_succeed(pg_cluster: PgCluster) -> None:
    url = pg_cluster.create_database(f"threads_{uuid.uuid4().hex[:8]}")
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(url)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert current_revision(url) == HEAD


def test_a_database_of_a_newer_cityroom_is_left_alone(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(SchemaNewer, match="newer Cityroom") as caught:
        migrate(pg_url)
    assert "9999" in str(caught.value) and HEAD in str(caught.value)
    assert current_revision(pg_url) == "9999"


def test_an_unreachable_database_is_named_without_its_password(pg_cluster: PgCluster) -> None:
    url = f"postgresql://admin:hunter2@127.0.0.1:{pg_cluster.port + 1}/cityroom"
    for call in (migrate, current_revision):
        with pytest.raises(DatabaseUnavailable, match="answers 503") as caught:
            call(url)
        assert f"127.0.0.1:{pg_cluster.port + 1}/cityroom" in str(caught.value)
        assert "hunter2" not in str(caught.value)


def test_plain_postgresql_urls_are_given_to_sqlalchemy_with_psycopg() -> None:
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_database_where_postgis_may_not_be_created_says_how_to_fix_it(
    pg_cluster: PgCluster,
) -> None:
    # PostGIS is not a trusted extension: only a superuser may create it.
    role = f"owner_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"CREATE DATABASE {role} OWNER {role}")
    url = f"postgresql://{role}@127.0.0.1:{pg_cluster.port}/{role}"
    with pytest.raises(PostgisMissing, match="CREATE EXTENSION postgis") as caught:
        migrate(url)
    assert "superuser" in str(caught.value) and f"/{role}" in str(caught.value)
    assert current_revision(url) is None  # nothing of the revision was kept
