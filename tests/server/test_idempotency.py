from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from tests.server.conftest import fingerprint, pick
from tests.support import Api


def audit_count(app: FastAPI, record_id: int) -> int:
    with app.state.server.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM audit_event WHERE record_type='application' "
                                     "AND record_id=:i"), {"i": record_id}).scalar() or 0)


async def test_replay_after_lost_answer_applies_once(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    before = audit_count(app, a["id"])
    first = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions",
                            {"action": "return", "reason": "补充材料"}, version=a["version"], key="lost-1")
    assert first.status_code == 200
    # The answer was "lost"; the client replays the same request with the same key.
    again = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions",
                            {"action": "return", "reason": "补充材料"}, version=a["version"], key="lost-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert audit_count(app, a["id"]) == before + 1
    now = (await api.get("demo-dept", f"/applications/{a['id']}")).json()
    assert now["version"] == a["version"] + 1
    assert [h["action"] for h in now["history"]].count("return") == 1


async def test_replay_of_a_create_returns_the_same_record(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="on_duty", department_id=1)
    body = {"application_id": a["id"], "date": "2026-03-09", "channel": "电话", "staff": "李老师", "note": "回访"}
    r1 = await api.write("demo-dept", "POST", "/followups", body, key="fu-1")
    fp = fingerprint(app)
    r2 = await api.write("demo-dept", "POST", "/followups", body, key="fu-1")
    assert r1.status_code == r2.status_code == 201
    assert r1.json() == r2.json()
    assert fingerprint(app) == fp


async def test_key_reused_with_other_body_422(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"], key="k-reuse")
    assert r.status_code == 200
    fp = fingerprint(app)
    b = pick(apps, status="matched", department_id=1, id=next(x["id"] for x in apps if x["status"] == "matched"
                                                           and x["department_id"] == 1 and x["id"] != a["id"]))
    r = await api.write("demo-dept", "POST", f"/applications/{b['id']}/actions", {"action": "confirm"},
                        version=b["version"], key="k-reuse")
    assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"
    assert fingerprint(app) == fp


async def test_keys_are_scoped_per_user(api: Api) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"], key="same-key")
    assert r.status_code == 200
    d = pick(apps, status="dept_confirmed", department_id=2)
    r = await api.write("demo-univ", "POST", f"/applications/{d['id']}/actions", {"action": "reject", "reason": "x"},
                        version=d["version"], key="same-key")
    assert r.status_code == 200 and r.json()["status"] == "rejected"


async def test_stale_version_409_with_current(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"])
    assert r.status_code == 200
    fp = fingerprint(app)
    r2 = await api.write("demo-univ", "POST", f"/applications/{a['id']}/actions",
                         {"action": "reject", "reason": "x"}, version=a["version"])
    assert r2.status_code == 409
    err = r2.json()["error"]
    assert err["code"] == "version_conflict"
    assert err["current"] == r.json()
    assert fingerprint(app) == fp


async def test_missing_headers(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    fp = fingerprint(app)
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"})
    assert r.status_code == 428 and r.json()["error"]["code"] == "precondition_required"
    h = await api.login("demo-dept")
    r = await api.client.post(f"/api/v1/applications/{a['id']}/actions", json={"action": "confirm"},
                              headers={**h, "If-Match": str(a["version"])})
    assert r.status_code == 428 and r.json()["error"]["code"] == "idempotency_key_required"
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        headers={"If-Match": "abc"})
    assert r.status_code == 422
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"], key="k" * 300)
    assert r.status_code == 422
    assert fingerprint(app) == fp
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        headers={"If-Match": f'"{a["version"]}"'})
    assert r.status_code == 200


async def test_refused_request_is_not_remembered(api: Api) -> None:
    """A 4xx is not stored: after fixing the cause, the same key may succeed."""
    apps = await api.records("demo-univ", "application")
    a = pick(apps, status="matched", department_id=1)
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"] + 5, key="retry-me")
    assert r.status_code == 409
    r = await api.write("demo-dept", "POST", f"/applications/{a['id']}/actions", {"action": "confirm"},
                        version=a["version"] + 5, key="retry-me")
    assert r.status_code == 409
