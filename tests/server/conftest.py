"""The server tests' own fixtures: a larger demo server, its API through the
thin test client (:class:`tests.support.Api`), what a refused request must
leave untouched, and a record to act on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support import Api, DemoServer, ServerFactory

STUDENTS = 600


#: The databases every server test runs on.
DATABASES = ("sqlite", "postgres")


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """The database the test's server runs on: each server test runs on both."""
    return str(request.param)


@pytest.fixture
def server(make_server: ServerFactory, database: str) -> DemoServer:
    return make_server(students=STUDENTS, database=database)


@pytest.fixture
def app(server: DemoServer) -> FastAPI:
    return server.app


@pytest.fixture
async def api(server: DemoServer) -> AsyncIterator[Api]:
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.url) as client:
        yield Api(client)


def fingerprint(app: FastAPI) -> tuple[Any, ...]:
    """Everything a refused request must leave untouched."""
    from sqlalchemy import text

    engine = app.state.server.engine
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
            for t in ("application", "withdrawal", "followup", "integrity", "position", "audit_event",
                      "idempotency_key", "change_log", "calendar_year")
        )
        seq = conn.execute(text("SELECT value FROM server_setting WHERE key='seq'")).scalar()
        versions = conn.execute(text("SELECT SUM(version), SUM(seq) FROM application")).one()
        wversions = conn.execute(text("SELECT SUM(version) FROM withdrawal")).scalar()
    return (*counts, seq, tuple(versions), wversions)


def pick(records: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    """The first record matching ``where``; for applications, one whose
    eligibility checks all pass when there is one (failing checks block
    confirm and approve, warnings need an acknowledgement)."""
    matching = [r for r in records if all(r.get(k) == v for k, v in where.items())]
    if not matching:
        raise AssertionError(f"no record with {where}")
    clean = [r for r in matching if all(c["result"] == "pass" for c in r.get("checks") or [])]
    return (clean or matching)[0]
