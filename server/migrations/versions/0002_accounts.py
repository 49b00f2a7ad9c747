"""Accounts (who may log in, in which role and districts) and failed logins.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE accounts (
            username text PRIMARY KEY,
            display_name text NOT NULL,
            role text NOT NULL,
            districts text[] NOT NULL DEFAULT '{}',
            all_districts boolean NOT NULL DEFAULT false,
            password_hash text NOT NULL,
            disabled boolean NOT NULL DEFAULT false,
            created_ms bigint NOT NULL,
            changed_ms bigint NOT NULL
        )"""
    )
    # Failed logins live in the database, not in a process, so every server behind a load
    # balancer counts the same attempts.
    op.execute(
        """CREATE TABLE login_failures (
            username text NOT NULL,
            ts_ms bigint NOT NULL,
            remote text NOT NULL DEFAULT ''
        )"""
    )
    op.execute("CREATE INDEX login_failures_username_ts ON login_failures (username, ts_ms)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS login_failures")
    op.execute("DROP TABLE IF EXISTS accounts")
