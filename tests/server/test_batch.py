from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests.server.conftest import fingerprint
from tests.support import Api, ServerFactory
from zhumeng_server import models as m


async def test_batch_mixed_results_in_order(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    mine = [a for a in apps if a["department_id"] == 1]
    matched = [a for a in mine if a["status"] == "matched" and all(c["result"] == "pass" for c in a["checks"])]
    other_dept = next(a for a in apps if a["department_id"] == 2 and a["status"] == "matched")
    approved = next(a for a in mine if a["status"] == "approved")
    items: list[dict[str, Any]] = [
        {"id": matched[0]["id"], "version": matched[0]["version"], "action": "confirm"},
        {"id": other_dept["id"], "version": other_dept["version"], "action": "confirm"},  # 404
        {"id": approved["id"], "version": approved["version"], "action": "confirm"},  # illegal
        {"id": matched[1]["id"], "version": matched[1]["version"] + 1, "action": "confirm"},  # stale
        {"id": 99999999, "version": 1, "action": "confirm"},  # unknown
        {"id": matched[2]["id"], "version": matched[2]["version"], "action": "reject"},  # no reason
        {"id": matched[3]["id"], "version": matched[3]["version"], "action": "return", "reason": "补充"},
    ]
    r = await api.write("demo-dept", "POST", "/applications/actions:batch", {"items": items}, key="batch-1")
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["id"] for x in res] == [i["id"] for i in items]
    assert [x["ok"] for x in res] == [True, False, False, False, False, False, True]
    codes = [x["error"]["code"] if x["error"] else None for x in res]
    assert codes == [None, "not_found", "illegal_transition", "version_conflict", "not_found", "reason_required", None]
    assert res[0]["record"]["status"] == "dept_confirmed"
    assert res[6]["record"]["status"] == "returned"
    assert res[3]["error"]["current"] is None  # the client pulls the current record
    assert res[1]["record"] is None
    # Replay: same answer, nothing applied twice.
    fp = fingerprint(app)
    again = await api.write("demo-dept", "POST", "/applications/actions:batch", {"items": items}, key="batch-1")
    assert again.json() == r.json() and fingerprint(app) == fp


async def test_batch_validation(api: Api, app: FastAPI) -> None:
    fp = fingerprint(app)
    r = await api.write("demo-dept", "POST", "/applications/actions:batch", {"items": []})
    assert r.status_code == 422
    r = await api.write("demo-dept", "POST", "/applications/actions:batch",
                        {"items": [{"id": 1, "version": 1, "action": "dance"}]})
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"].startswith("items.0")
    r = await api.write("demo-viewer", "POST", "/applications/actions:batch",
                        {"items": [{"id": 1, "version": 1, "action": "confirm"}]})
    assert r.status_code == 403
    assert fingerprint(app) == fp


async def test_a_batch_reads_and_writes_in_a_few_statements(api: Api, app: FastAPI) -> None:
    """A batch of many moves costs the database a few statements, not some
    per item (its speed is measured by ``make bench``)."""
    apps = await api.records("demo-univ", "application")
    items = [{"id": a["id"], "version": a["version"], "action": "return", "reason": "批量退回"}
             for a in apps if a["status"] in ("matched", "dept_confirmed")
             and not any(c["check"] == "in_province" and c["result"] == "fail" for c in a["checks"])]
    assert len(items) > 100
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.state.server.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = await api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200
    assert all(x["ok"] for x in r.json()["results"]), [x for x in r.json()["results"] if not x["ok"]][:2]
    assert len(statements) < 60, (len(items), Counter(" ".join(s.split()[:3]) for s in statements).most_common(5))


async def test_batch_two_applications_of_one_student(api: Api) -> None:
    """Acting on one application recomputes its siblings' checks; that must not
    turn the sibling's item in the same batch (or a later action based on the
    version the client holds) into a version conflict."""
    apps = await api.records("demo-univ", "application")

    def reviewable(a: dict[str, Any]) -> bool:
        return a["status"] in ("matched", "dept_confirmed") and not any(
            c["check"] == "in_province" and c["result"] == "fail" for c in a["checks"])

    by_student: dict[int, list[dict[str, Any]]] = {}
    for a in apps:
        by_student.setdefault(a["student_id"], []).append(a)
    # A student over the live limit: rejecting one application changes the
    # live_limit check of the others.
    pairs = [[a for a in v if reviewable(a)] for v in by_student.values()
             if any(c["check"] == "live_limit" and c["result"] == "fail" for a in v for c in a["checks"])]
    pairs = [p for p in pairs if len(p) >= 2]
    assert pairs, "the demo data should have a student over the live limit with two applications under review"
    first, second = pairs[0][:2]
    items = [{"id": first["id"], "version": first["version"], "action": "reject", "reason": "超过投递上限"},
             {"id": second["id"], "version": second["version"], "action": "return", "reason": "补充材料"}]
    r = await api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
    assert r.status_code == 200, r.text
    assert [x["ok"] for x in r.json()["results"]] == [True, True], r.text


def _audit_since(app: FastAPI, after: int) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    with app.state.server.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT username, action, record_type, record_id, before_json, after_json FROM audit_event"
            " WHERE id > :after ORDER BY id"), {"after": after})]


def _application_rows(app: FastAPI) -> list[tuple[Any, ...]]:
    """Every application row as stored (JSON columns as their text)."""
    from sqlalchemy import text

    json_columns = ("report_form", "checks", "acknowledged", "history")
    with app.state.server.engine.connect() as conn:
        names = [c.name for c in m.Application.__table__.columns]  # type: ignore[attr-defined]
        columns = ", ".join(f"CAST({c} AS TEXT)" if c in json_columns else c for c in names)
        return [tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM application ORDER BY id"))]


def _last_audit_id(app: FastAPI) -> int:
    from sqlalchemy import text

    with app.state.server.engine.connect() as conn:
        return int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_event")).scalar_one())


def _thousand_items(apps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """1,000 review moves of every kind: approvals (some blocked by a failing
    check, some with a warning left unacknowledged, several of one student
    whose checks move as the batch goes), confirmations, returns, rejections
    without a reason, moves the status does not allow, stale versions, the
    same application twice and ids that do not exist."""
    items: list[dict[str, Any]] = []

    def warns(a: dict[str, Any]) -> list[str]:
        return sorted(c["check"] for c in a["checks"] if c["result"] == "warn")

    for n, a in enumerate(apps):
        base = {"id": a["id"], "version": a["version"]}
        if n % 23 == 0:
            items.append({**base, "version": a["version"] + 1, "action": "approve", "acknowledge": warns(a)})
        elif a["status"] == "dept_confirmed":
            ack = warns(a) if n % 7 else []
            items.append({**base, "action": "approve", "acknowledge": ack})
        elif a["status"] == "matched":
            if n % 5 == 0:
                items.append({**base, "action": "reject"})
            elif n % 5 == 1:
                items.append({**base, "action": "return", "reason": "请补充报到单"})
            else:
                items.append({**base, "action": "confirm", "acknowledge": warns(a)})
        else:
            items.append({**base, "action": "approve"})
        if n % 97 == 0:  # the same application again, with the version the client held
            items.append(dict(items[-1]))
        if len(items) >= 990:
            break
    items += [{"id": 10**9 + i, "version": 1, "action": "confirm"} for i in range(1000 - len(items))]
    assert len(items) == 1000
    return items


@pytest.mark.slow
async def test_batch_of_a_thousand_is_the_moves_one_by_one(make_server: ServerFactory, database: str) -> None:
    """A batch of 1,000 moves answers, item by item, what the same moves sent
    one request at a time answer, and leaves the same records, change feed
    and audit trail."""
    servers = [make_server(students=1000, database=database) for _ in range(2)]
    at = dt.datetime.combine(servers[0].today, dt.time(10, 0), tzinfo=dt.UTC)
    for srv in servers:
        srv.app.state.server.now = lambda: at
    async with (httpx.AsyncClient(transport=servers[0].transport(), base_url=servers[0].url) as c1,
                httpx.AsyncClient(transport=servers[1].transport(), base_url=servers[1].url) as c2):
        batch_api, single_api = Api(c1), Api(c2)
        apps = await batch_api.records("demo-univ", "application")
        assert len(apps) > 1000
        assert apps == await single_api.records("demo-univ", "application")
        items = _thousand_items(apps)
        cursor = (await batch_api.all_changes("demo-univ"))["cursor"]
        audit_from = [_last_audit_id(srv.app) for srv in servers]

        r = await batch_api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
        assert r.status_code == 200, r.text
        results = r.json()["results"]

        expected = []
        for item in items:
            one = await single_api.write("demo-univ", "POST", f"/applications/{item['id']}/actions",
                                         {k: v for k, v in item.items() if k not in ("id", "version")},
                                         version=item["version"])
            if one.status_code == 200:
                expected.append({"id": item["id"], "ok": True, "record": one.json(), "error": None})
            else:
                error = one.json()["error"]
                expected.append({"id": item["id"], "ok": False, "record": None, "error": {**error, "current": None}})
        assert [x["id"] for x in results] == [i["id"] for i in items]
        for got, want in zip(results, expected, strict=True):
            assert got == want
        codes = Counter(x["error"]["code"] if x["error"] else "ok" for x in results)
        for code in ("ok", "check_failed", "warning_not_acknowledged", "version_conflict", "not_found",
                     "illegal_transition", "reason_required"):
            assert codes[code] > 0, codes
        # records whose checks moved when a sibling moved are in the feed too
        feeds = [(await api.all_changes("demo-univ", since=cursor))["changes"] for api in (batch_api, single_api)]
        assert feeds[0] == feeds[1]
        assert len(feeds[0]) > codes["ok"]
        last = {x["id"]: x["record"] for x in results if x["ok"]}
        for change in feeds[0]:
            if change["id"] in last and change["seq"] == last[change["id"]]["seq"]:
                assert change["data"] == last[change["id"]]
        audits = [_audit_since(srv.app, after) for srv, after in zip(servers, audit_from, strict=True)]
        assert audits[0] == audits[1]
        # one audit row per move applied, and one per change of a sibling's checks
        assert sum(1 for row in audits[0] if row[1] != "application.checks") == codes["ok"]
        assert {(row[2], row[3]) for row in audits[0]} == {(c["type"], c["id"]) for c in feeds[0]}
        assert _application_rows(servers[0].app) == _application_rows(servers[1].app)


async def test_a_batch_answered_is_in_the_database_file(make_server: ServerFactory, tmp_path: Any) -> None:
    """SQLite: once a batch is answered, its write-ahead log has been copied
    back, so the database file alone (a copy of it, say) holds the batch."""
    import shutil
    import sqlite3

    srv = make_server(students=600, database="sqlite")
    async with httpx.AsyncClient(transport=srv.transport(), base_url=srv.url) as client:
        api = Api(client)
        apps = await api.records("demo-univ", "application")
        items = [{"id": a["id"], "version": a["version"], "action": "return", "reason": "补充材料"}
                 for a in apps if a["status"] == "matched"]
        r = await api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
        assert r.status_code == 200, r.text
        done = {x["id"] for x in r.json()["results"] if x["ok"]}
        assert len(done) > 100
    path = srv.app.state.server.engine.url.database
    shutil.copyfile(path, tmp_path / "copy.sqlite")
    con = sqlite3.connect(tmp_path / "copy.sqlite")
    try:
        returned = {i for (i,) in con.execute("SELECT id FROM application WHERE status = 'returned'")}
    finally:
        con.close()
    assert done <= returned
