"""Alembic migrations of the reference server (run via zhumeng_server.db)."""
