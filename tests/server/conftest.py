from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from zhumeng_server.testing import DEMO_PASSWORD, make_demo_app

#: A pinned "today" (a Tuesday; 2026 has calendar data).
TODAY = dt.date(2026, 3, 10)
STUDENTS = 600
_keys = itertools.count(1)


def new_key() -> str:
    return f"test-key-{next(_keys)}"


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return make_demo_app(tmp_path, students=STUDENTS, seed=1, today=TODAY)


class Api:
    """A thin test client: signs in per user and sends the write headers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        #: Per user: a mirror of the change feed (what a client keeps) and its cursor.
        self.mirrors: dict[str, tuple[int, dict[tuple[str, int], dict[str, Any]]]] = {}

    async def login(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = await self.client.post("/api/v1/auth/token", json={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def get(self, user: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get("/api/v1" + path, headers=await self.login(user), **kw)

    async def write(
        self, user: str, method: str, path: str, body: Any = None, *, version: int | None = None,
        key: str | None = None, headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = dict(await self.login(user))
        h["Idempotency-Key"] = key or new_key()
        if version is not None:
            h["If-Match"] = str(version)
        h.update(headers or {})
        return await self.client.request(method, "/api/v1" + path, json=body, headers=h)

    async def all_changes(self, user: str, since: int = 0) -> dict[str, Any]:
        r = await self.get(user, "/changes", params={"since": since, "limit": 10000})
        assert r.status_code == 200, r.text
        return r.json()

    async def records(self, user: str, rtype: str) -> list[dict[str, Any]]:
        """Current records of a type, pulled incrementally like a client would."""
        cursor, mirror = self.mirrors.get(user, (0, {}))
        while True:
            data = await self.all_changes(user, since=cursor)
            assert not data["reset"]
            for c in data["changes"]:
                if c["deleted"]:
                    mirror.pop((c["type"], c["id"]), None)
                else:
                    mirror[(c["type"], c["id"])] = c["data"]
            cursor = data["cursor"]
            if not data["has_more"]:
                break
        self.mirrors[user] = (cursor, mirror)
        return sorted((d for (t, _), d in mirror.items() if t == rtype), key=lambda d: d["id"])


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
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
