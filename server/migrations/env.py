"""Alembic's environment: runs the revisions on the database ``server.schema`` passes in the
Config's attributes (``url``), inside one transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

# Any number taken by no other lock of ours: two server processes starting at once would
# otherwise both run the same revision.
_MIGRATION_LOCK = 0x43_49_54_59


def _run() -> None:
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, transactional_ddl=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(str(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, transactional_ddl=True)
            with context.begin_transaction():
                connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
                context.run_migrations()
    finally:
        engine.dispose()


_run()
