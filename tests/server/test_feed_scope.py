"""The change feed's pages for scoped accounts, on SQLite and PostgreSQL:
every record of the account's scope exactly once, nothing outside it, the
same pages on both databases.

Part of the feed is moved to a second university first (in another city),
so the university and city accounts have records to be kept out of, not only
the department account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from tests.support import Api, DemoServer, ServerFactory
from zhumeng_server import models as m
from zhumeng_server.auth import Principal

STUDENTS = 200
PAGE = 53
#: Departments whose records the test moves to another university.
MOVED = (3, 7)


def move_to_another_university(server: DemoServer) -> None:
    """Records of the departments ``MOVED`` (and some records seen by
    everyone) now belong to university 2, in another city."""
    engine = server.app.state.server.engine
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO university (id, name, code, in_province, city, version, seq)"
                          " VALUES (2, '另一所大学', '51002', true, '另一个市', 1, 0)"))
        conn.execute(text(f"UPDATE change_log SET university_id = 2 WHERE department_id IN {MOVED}"))
        conn.execute(text("UPDATE change_log SET university_id = 2 WHERE university_id IS NULL AND type = 'employer'"
                          " AND MOD(record_id, 3) = 0"))


def expected(server: DemoServer, username: str) -> tuple[list[tuple[str, int, int]], int]:
    """The change-log rows the account's scope holds, by the server's rule
    for one record (``Principal.sees``), in seq order; and how many rows the
    change log has."""
    engine = server.app.state.server.engine
    with Session(engine) as session:
        staff = session.scalars(select(m.StaffAccount).where(m.StaffAccount.username == username)).one()
        user = Principal.of(staff, session)
        graduates = set(session.execute(text("SELECT student_id FROM graduate")).scalars())
        rows = session.execute(text(
            "SELECT type, record_id, seq, university_id, department_id FROM change_log ORDER BY seq")).all()
    city = user.city is not None
    return [
        (t, rid, seq) for t, rid, seq, univ, dept in rows
        if user.sees(univ, dept) and user.sees_type(t) and not (city and t == "student" and rid not in graduates)
    ], len(rows)


async def pages(server: DemoServer, username: str) -> tuple[list[tuple[str, int, int]], int, int]:
    """The feed pulled in pages of ``PAGE`` from 0: its changes, the total the
    first page announced, and the number of pages."""
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.url) as client:
        api = Api(client)
        got: list[tuple[str, int, int]] = []
        since, total, n = 0, -1, 0
        while True:
            params: dict[str, Any] = {"since": since, "limit": PAGE, "total": since == 0}
            r = await api.get(username, "/changes", params=params)
            assert r.status_code == 200, r.text
            if since == 0:
                total = int(r.headers["X-Total-Count"])
            page = r.json()
            assert len(page["changes"]) <= PAGE
            got += [(c["type"], c["id"], c["seq"]) for c in page["changes"]]
            n += 1
            since = page["cursor"]
            if not page["has_more"]:
                return got, total, n


@pytest.mark.slow
@pytest.mark.parametrize("username", ["demo-univ", "demo-dept", "demo-city"])
async def test_scoped_feed_pages_hold_the_scope_once_on_both_databases(
    make_server: ServerFactory, username: str
) -> None:
    results = []
    for database in ("sqlite", "postgres"):
        server = make_server(students=STUDENTS, database=database)
        move_to_another_university(server)
        want, everything = expected(server, username)
        assert 0 < len(want) < everything
        got, total, n = await pages(server, username)
        assert n > 3
        assert len(set(got)) == len(got), "a record came twice"
        assert got == want, f"{database}: the pages are not the scope of {username}"
        assert total == len(want)
        results.append(got)
    # the same pages on both databases (the same demo data: the same seed)
    assert results[0] == results[1]
