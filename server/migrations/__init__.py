"""Alembic migrations of the server's PostgreSQL database (plain SQL revisions)."""
