"""The event log, its audit chain, idempotent commands, readings, snapshots and cameras.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import exc, text

from server.errors import PostgisMissing, describe_database

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

_EVENT_COLUMNS = """
    seq bigint PRIMARY KEY,
    ts_ms bigint NOT NULL,
    type text NOT NULL,
    source text NOT NULL,
    actor text NOT NULL,
    subject text,
    payload text NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL
"""

_HEAD_COLUMNS = """
    id int PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash bytea NOT NULL,
    ts_ms bigint NOT NULL
"""

_GENESIS = "INSERT INTO {table} (id, seq, hash, ts_ms) VALUES (1, 0, '\\x{zeros}'::bytea, 0)"


def _require_postgis() -> None:
    bind = op.get_bind()
    database = describe_database(bind.engine.url.render_as_string(hide_password=True))
    available = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
    ).first()
    if available is None:
        raise PostgisMissing(database, "the postgis extension is not installed on its server")
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except exc.DBAPIError as error:
        reason = (str(error.orig).strip().splitlines() or ["unknown error"])[0]
        raise PostgisMissing(database, f"CREATE EXTENSION postgis failed ({reason})") from error


def _append_only(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION cityroom_refuse_change()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION cityroom_refuse_change()"
    )


def upgrade() -> None:
    _require_postgis()
    op.execute(
        """CREATE FUNCTION cityroom_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the event log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
                USING HINT = 'Events are never changed or removed; append a new event instead.';
        END $$"""
    )
    zeros = "00" * 32
    for events, head in (("events", "log_head"), ("audit_events", "audit_head")):
        op.execute(f"CREATE TABLE {events} ({_EVENT_COLUMNS})")
        _append_only(events)
        # Appends lock this one row FOR UPDATE: that serialises writers across every server
        # process, so sequence numbers stay gap-free and the chain stays one chain.
        op.execute(f"CREATE TABLE {head} ({_HEAD_COLUMNS})")
        op.execute(_GENESIS.format(table=head, zeros=zeros))
    op.execute(
        "CREATE INDEX events_subject_seq ON events (subject, seq) WHERE subject IS NOT NULL"
    )
    op.execute("CREATE INDEX events_ts_ms ON events (ts_ms)")
    op.execute("CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)")
    # Identifies this log: a workstation's replica belongs to exactly one.
    op.execute("INSERT INTO meta (key, value) VALUES ('log_id', gen_random_uuid()::text)")
    op.execute(
        """CREATE TABLE applied_commands (
            client_ref text PRIMARY KEY,
            username text NOT NULL,
            first_seq bigint NOT NULL,
            last_seq bigint NOT NULL,
            ts_ms bigint NOT NULL
        )"""
    )
    op.execute(
        """CREATE TABLE readings (
            sensor_id text NOT NULL,
            measured_ms bigint NOT NULL,
            value double precision NOT NULL,
            seq bigint NOT NULL,
            PRIMARY KEY (sensor_id, measured_ms, seq)
        )"""
    )
    op.execute(
        """CREATE TABLE snapshots (
            seq bigint PRIMARY KEY,
            fold_version int NOT NULL,
            state bytea NOT NULL,
            ts_ms bigint NOT NULL
        )"""
    )
    op.execute(
        """CREATE TABLE cameras (
            id text PRIMARY KEY,
            name text NOT NULL,
            district_code text,
            purpose text NOT NULL,
            lon double precision,
            lat double precision,
            geom geography(Point, 4326) NOT NULL,
            heading double precision,
            extra jsonb
        )"""
    )
    op.execute("CREATE INDEX cameras_geom ON cameras USING gist (geom)")
    op.execute("CREATE INDEX cameras_district ON cameras (district_code)")


def downgrade() -> None:
    for table in (
        "cameras",
        "snapshots",
        "readings",
        "applied_commands",
        "meta",
        "audit_head",
        "audit_events",
        "log_head",
        "events",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP FUNCTION IF EXISTS cityroom_refuse_change()")
