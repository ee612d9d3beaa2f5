"""The roster endpoint: the university changes its students' 学籍 fields (one
or a batch), a department may not, a student outside the scope is not found;
each change is audited, the checks of the student's applications follow, and
other clients get both through the change feed. The tracking batch and the
on-duty date."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import Session

from tests.server.conftest import fingerprint, pick
from tests.server.test_bad_input import assert_error
from tests.support import Api
from zhumeng_server import models as m


async def _student_with_review(api: Api, check: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A student with an application under review that fails only ``check``."""
    apps = await api.records("demo-univ", "application")
    students = {s["id"]: s for s in await api.records("demo-univ", "student")}
    for a in apps:
        failing = [c["check"] for c in a["checks"] if c["result"] == "fail"]
        if a["status"] in ("matched", "dept_confirmed") and failing == [check]:
            return students[a["student_id"]], a
    raise AssertionError(f"no application failing only {check}")


def _other_university_student(app: FastAPI) -> int:
    engine = app.state.server.engine
    with Session(engine) as session:
        uni = m.University(name="另一所大学", code="51999", in_province=True)
        session.add(uni)
        session.flush()
        dept = m.Department(university_id=uni.id, name="外校学院")
        session.add(dept)
        session.flush()
        st = m.Student(university_id=uni.id, department_id=dept.id, student_no="9990001", name="外校生",
                       id_number="510104200001011234", gender="男", major="数学", grade="2023级", degree="本科",
                       enrollment_status="在读", origin="四川省成都市", graduation_year=2027, phone="13800000000")
        session.add(st)
        session.commit()
        return int(st.id or 0)


async def test_university_changes_the_roster_and_the_checks_follow(api: Api, app: FastAPI) -> None:
    student, application = await _student_with_review(api, "realname")
    r = await api.write("demo-univ", "PATCH", f"/students/{student['id']}/roster",
                        {"realname_verified": True, "phone": "13912345678"}, version=student["version"])
    assert r.status_code == 200, r.text
    assert r.json()["realname_verified"] is True and r.json()["phone"] == "13912345678"
    assert r.json()["version"] == student["version"] + 1
    # another client (the department) pulls both through the change feed
    apps = {a["id"]: a for a in await api.records("demo-dept", "application")} | {
        a["id"]: a for a in await api.records("demo-univ", "application")}
    checks = {c["check"]: c["result"] for c in apps[application["id"]]["checks"]}
    assert checks["realname"] == "pass"
    assert apps[application["id"]]["version"] == application["version"]  # derived: If-Match stays valid
    with app.state.server.engine.connect() as conn:
        audit = conn.execute(text("SELECT username, before_json, after_json FROM audit_event"
                                  " WHERE action = 'student.roster' AND record_id = :i"), {"i": student["id"]}).all()
    assert len(audit) == 1 and audit[0][0] == "demo-univ"
    assert '"realname_verified":false' in audit[0][1] and '"realname_verified":true' in audit[0][2]


async def test_roster_refusals(api: Api, app: FastAPI) -> None:
    students = await api.records("demo-univ", "student")
    st = pick(students, department_id=1)
    outsider = _other_university_student(app)
    fp = fingerprint(app)
    path = f"/students/{st['id']}/roster"
    assert_error(await api.write("demo-dept", "PATCH", path, {"phone": "13912345678"}, version=st["version"]),
                 403, "role_not_allowed")
    assert_error(await api.write("demo-viewer", "PATCH", path, {"phone": "13912345678"}, version=st["version"]),
                 403, "read_only")
    assert_error(await api.write("demo-univ", "PATCH", f"/students/{outsider}/roster", {"phone": "13912345678"},
                                 version=1), 404, "not_found")
    assert_error(await api.write("demo-univ", "PATCH", path, {"enrollment_status": "在校"}, version=st["version"]),
                 422, "value_not_allowed")
    assert_error(await api.write("demo-univ", "PATCH", path, {"phone": "12345"}, version=st["version"]),
                 422, "value_not_allowed")
    assert_error(await api.write("demo-univ", "PATCH", path, {}, version=st["version"]), 422, "nothing_to_change")
    assert_error(await api.write("demo-univ", "PATCH", path, {"full_time": "maybe"}, version=st["version"]), 422)
    assert_error(await api.write("demo-univ", "PATCH", path, {"phone": "13912345678"}, version=st["version"] + 5),
                 409, "version_conflict")
    assert_error(await api.write("demo-univ", "PATCH", path, {"phone": "13912345678"}), 428)
    batch = {"items": [{"id": st["id"], "version": st["version"], "update": {"phone": "13912345678"}}]}
    assert_error(await api.write("demo-dept", "POST", "/students/roster:batch", batch), 403, "role_not_allowed")
    assert fingerprint(app) == fp


async def test_roster_batch_answers_item_by_item(api: Api, app: FastAPI) -> None:
    students = await api.records("demo-univ", "student")
    a, b = students[0], students[1]
    outsider = _other_university_student(app)
    items = [
        {"id": a["id"], "version": a["version"], "update": {"enrollment_status": "休学"}},
        {"id": outsider, "version": 1, "update": {"phone": "13912345678"}},
        {"id": b["id"], "version": b["version"] + 3, "update": {"phone": "13912345678"}},
    ]
    # a value the rule refuses refuses the request as a whole, before anything is applied
    bad = [*items, {"id": b["id"], "version": b["version"], "update": {"enrollment_status": "在校"}}]
    fp = fingerprint(app)
    assert_error(await api.write("demo-univ", "POST", "/students/roster:batch", {"items": bad}),
                 422, "value_not_allowed")
    assert fingerprint(app) == fp
    r = await api.write("demo-univ", "POST", "/students/roster:batch", {"items": items})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["ok"] for x in res] == [True, False, False]
    assert res[0]["record"]["enrollment_status"] == "休学"
    assert res[1]["error"]["code"] == "not_found"
    assert res[2]["error"]["code"] == "version_conflict" and res[2]["error"]["current"]
    changed = {s["id"]: s for s in await api.records("demo-univ", "student")}
    assert changed[b["id"]]["version"] == b["version"]  # refused items change nothing


async def test_tracking_batch_and_the_on_duty_date(api: Api, app: FastAPI) -> None:
    apps = await api.records("demo-univ", "application")
    positions = {p["id"]: p for p in await api.records("demo-univ", "position")}
    students = {s["id"]: s for s in await api.records("demo-univ", "student")}
    approved = [a for a in apps if a["status"] == "approved" and not students[a["student_id"]]["out_of_province"]
                and positions[a["position_id"]]["start_date"] <= "2026-03-10"]
    first, second = approved[0], approved[1]
    start = positions[first["position_id"]]["start_date"]
    items = [
        {"id": first["id"], "version": first["version"], "update": {"on_duty_date": start,
                                                                    "insurance_recorded": True}},
        {"id": second["id"], "version": second["version"], "update": {"on_duty_date": "2020-01-01"}},
        {"id": second["id"], "version": second["version"], "update": {"employer_score": 90}},
    ]
    r = await api.write("demo-univ", "POST", "/applications/tracking:batch", {"items": items})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert res[0]["ok"], res[0]
    assert res[0]["record"]["status"] == "on_duty" and res[0]["record"]["on_duty_date"] == start
    assert res[0]["record"]["insurance_recorded"] is True
    assert [h["action"] for h in res[0]["record"]["history"]][-2:] == ["on_duty", "tracking"]
    assert res[1]["error"]["code"] == "on_duty_outside_position"
    assert res[2]["error"]["code"] == "not_completed"
    # a department may record tracking fields but not move an intern on duty
    dept = next(a for a in approved[2:] if a["department_id"] == 1)
    start = positions[dept["position_id"]]["start_date"]
    r = await api.write("demo-dept", "PATCH", f"/applications/{dept['id']}/tracking", {"on_duty_date": start},
                        version=dept["version"])
    assert_error(r, 403, "role_not_allowed")
