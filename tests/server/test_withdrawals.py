from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import FastAPI

from tests.server.conftest import fingerprint
from tests.support import Api
from zhumeng_server.testing import set_today


async def fresh_approved(api: Api) -> dict[str, Any]:
    apps = await api.records("demo-univ", "application")
    open_apps = {w["application_id"] for w in await api.records("demo-univ", "withdrawal")
                 if w["state"] not in ("submitted", "cancelled")}
    return next(a for a in apps if a["status"] == "approved" and a["department_id"] == 1
                and a["id"] not in open_apps and not any(c["check"] == "in_province" and c["result"] == "fail"
                                                         for c in a["checks"]))


async def step(api: Api, user: str, w: dict[str, Any], **body: Any) -> Any:
    return await api.write(user, "POST", f"/withdrawals/{w['id']}/steps", body, version=w["version"])


async def test_full_withdrawal(api: Api) -> None:
    a = await fresh_approved(api)
    r = await api.write("demo-dept", "POST", "/withdrawals", {"application_id": a["id"]})
    assert r.status_code == 201, r.text
    w = r.json()
    assert w["state"] == "filed" and w["filed_by"] == "demo-dept"
    assert (await api.get("demo-dept", f"/withdrawals/{w['id']}")).json() == w
    r = await step(api, "demo-dept", w, step="statement", date="2026-03-05", text="个人原因")
    w = r.json()
    assert r.status_code == 200 and w["state"] == "statement"
    r = await step(api, "demo-dept", w, step="counsellor", date="2026-03-05", name="李娜")
    w = r.json()
    assert w["state"] == "counsellor"
    r = await step(api, "demo-univ", w, step="stamp", date="2026-03-06", name="王老师")
    w = r.json()
    # 2026-03-06 is a Friday: Mon 9, Tue 10, Wed 11.
    assert w["state"] == "stamped" and w["deadline"] == "2026-03-11" and not w["deadline_approximate"]
    r = await step(api, "demo-univ", w, step="submit", date="2026-03-10")
    assert r.status_code == 200, r.text
    w = r.json()
    assert w["state"] == "submitted" and not w["submitted_late"]
    assert [s["step"] for s in w["steps"]] == ["statement", "counsellor", "stamp", "submit"]
    app = (await api.get("demo-univ", f"/applications/{a['id']}")).json()
    assert app["status"] == "withdrawn" and app["history"][-1]["action"] == "withdraw"
    ints = await api.records("demo-univ", "integrity")
    assert any(e["application_id"] == a["id"] and e["kind"] == "withdrew" and e["source"] == "automatic"
               for e in ints)
    r = await step(api, "demo-univ", w, step="cancel", text="x")
    assert r.status_code == 409 and r.json()["error"]["code"] == "withdrawal_closed"


async def test_late_submission_and_holiday_deadline(api: Api, app: FastAPI) -> None:
    set_today(app, dt.date(2026, 10, 12))
    a = await fresh_approved(api)
    w = (await api.write("demo-univ", "POST", "/withdrawals", {"application_id": a["id"]})).json()
    w = (await step(api, "demo-univ", w, step="statement", date="2026-09-28", text="t")).json()
    w = (await step(api, "demo-dept", w, step="counsellor", date="2026-09-29", name="李娜")).json()
    w = (await step(api, "demo-univ", w, step="stamp", date="2026-09-29", name="王")).json()
    # National Day 2026: Oct 1-7 off, Sep 30 and Oct 10 (Sat) are working days.
    assert w["deadline"] == "2026-10-09", w
    r = await step(api, "demo-univ", w, step="submit", date="2026-10-12")
    assert r.status_code == 200 and r.json()["submitted_late"]


async def test_2027_deadline_is_approximate(api: Api, app: FastAPI) -> None:
    set_today(app, dt.date(2027, 1, 8))
    a = await fresh_approved(api)
    w = (await api.write("demo-univ", "POST", "/withdrawals", {"application_id": a["id"]})).json()
    w = (await step(api, "demo-univ", w, step="statement", date="2027-01-04", text="t")).json()
    w = (await step(api, "demo-dept", w, step="counsellor", date="2027-01-04", name="李娜")).json()
    w = (await step(api, "demo-univ", w, step="stamp", date="2027-01-08", name="王")).json()
    assert w["deadline"] == "2027-01-13" and w["deadline_approximate"] is True
    # An administrator imports 2027: the open request's deadline is recomputed.
    r = await api.write("demo-province", "PUT", "/calendar/2027", {"holidays": ["2027-01-11"], "workdays": []})
    assert r.status_code == 200, r.text
    w2 = (await api.get("demo-univ", f"/withdrawals/{w['id']}")).json()
    assert w2["deadline"] == "2027-01-14" and w2["deadline_approximate"] is False


async def test_step_rules(api: Api, app: FastAPI) -> None:
    a = await fresh_approved(api)
    w = (await api.write("demo-dept", "POST", "/withdrawals", {"application_id": a["id"]})).json()
    fp = fingerprint(app)
    r = await step(api, "demo-univ", w, step="stamp", date="2026-03-09", name="王")
    assert r.status_code == 409 and r.json()["error"]["code"] == "step_out_of_order"
    r = await step(api, "demo-dept", w, step="statement", date="2026-03-11", text="t")
    assert r.status_code == 422 and r.json()["error"]["code"] == "date_in_future"
    r = await step(api, "demo-dept", w, step="statement", date="2026-03-09")
    assert r.status_code == 422 and r.json()["error"]["code"] == "text_required"
    r = await step(api, "demo-dept", w, step="statement", text="t")
    assert r.status_code == 422 and r.json()["error"]["code"] == "date_required"
    r = await step(api, "demo-dept", w, step="jump", date="2026-03-09")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert fingerprint(app) == fp
    w = (await step(api, "demo-dept", w, step="statement", date="2026-03-09", text="t")).json()
    fp = fingerprint(app)
    r = await step(api, "demo-univ", w, step="stamp", date="2026-03-09", name="王")  # before the counsellor
    assert r.status_code == 409 and r.json()["error"]["code"] == "step_out_of_order"
    r = await step(api, "demo-univ", w, step="counsellor", date="2026-03-09", name="x")
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_not_allowed"
    r = await step(api, "demo-dept", w, step="counsellor", date="2026-03-08", name="x")
    assert r.status_code == 422 and r.json()["error"]["code"] == "date_before_previous_step"
    r = await api.write("demo-dept", "POST", f"/withdrawals/{w['id']}/steps",
                        {"step": "counsellor", "date": "2026-03-09", "name": "x"}, version=w["version"] - 1)
    assert r.status_code == 409 and r.json()["error"]["code"] == "version_conflict"
    assert r.json()["error"]["current"] == w
    assert fingerprint(app) == fp
    r = await step(api, "demo-dept", w, step="cancel")
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"
    r = await step(api, "demo-dept", w, step="cancel", text="学生决定继续")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    # After a cancel, a new request may be filed.
    r = await api.write("demo-dept", "POST", "/withdrawals", {"application_id": a["id"]})
    assert r.status_code == 201


async def test_filing_rules(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    a = await fresh_approved(api)
    assert (await api.write("demo-dept", "POST", "/withdrawals", {"application_id": a["id"]})).status_code == 201
    fp = fingerprint(app)
    r = await api.write("demo-dept", "POST", "/withdrawals", {"application_id": a["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "withdrawal_already_open"
    on = next(x for x in apps if x["status"] == "on_duty" and x["department_id"] == 1)
    r = await api.write("demo-dept", "POST", "/withdrawals", {"application_id": on["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "withdrawal_on_duty"
    m = next(x for x in apps if x["status"] == "matched" and x["department_id"] == 1)
    r = await api.write("demo-dept", "POST", "/withdrawals", {"application_id": m["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "withdrawal_not_approved"
    r = await api.write("demo-viewer", "POST", "/withdrawals", {"application_id": a["id"]})
    assert r.status_code == 403
    assert fingerprint(app) == fp


async def test_submit_refused_when_intern_went_on_duty(api: Api, app: FastAPI) -> None:
    a = await fresh_approved(api)
    w = (await api.write("demo-univ", "POST", "/withdrawals", {"application_id": a["id"]})).json()
    w = (await step(api, "demo-univ", w, step="statement", date="2026-03-09", text="t")).json()
    w = (await step(api, "demo-dept", w, step="counsellor", date="2026-03-09", name="n")).json()
    w = (await step(api, "demo-univ", w, step="stamp", date="2026-03-09", name="n")).json()
    cur = (await api.get("demo-univ", f"/applications/{a['id']}")).json()
    r = await api.write("demo-univ", "POST", f"/applications/{a['id']}/actions", {"action": "on_duty"},
                        version=cur["version"])
    assert r.status_code == 200
    fp = fingerprint(app)
    r = await step(api, "demo-univ", w, step="submit", date="2026-03-10")
    assert r.status_code == 409 and r.json()["error"]["code"] == "illegal_transition"
    assert fingerprint(app) == fp


async def test_demo_has_an_overdue_request(api: Api) -> None:
    ws = await api.records("demo-univ", "withdrawal")
    overdue = [w for w in ws if w["state"] == "stamped" and w["deadline"] < "2026-03-10"]
    assert overdue
    assert {w["state"] for w in ws} >= {"filed", "statement", "counsellor", "stamped", "submitted", "cancelled"}
