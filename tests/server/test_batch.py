from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI

from tests.server.conftest import fingerprint
from tests.support import Api


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


async def test_batch_of_many_is_fast(api: Api) -> None:
    apps = await api.records("demo-univ", "application")
    items = [{"id": a["id"], "version": a["version"], "action": "return", "reason": "批量退回"}
             for a in apps if a["status"] in ("matched", "dept_confirmed")
             and not any(c["check"] == "in_province" and c["result"] == "fail" for c in a["checks"])]
    assert len(items) > 100
    t = time.perf_counter()
    r = await api.write("demo-univ", "POST", "/applications/actions:batch", {"items": items})
    elapsed = time.perf_counter() - t
    assert r.status_code == 200
    assert all(x["ok"] for x in r.json()["results"]), [x for x in r.json()["results"] if not x["ok"]][:2]
    per_item = elapsed / len(items)
    assert per_item < 0.01, f"{per_item * 1000:.1f} ms per item"


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
