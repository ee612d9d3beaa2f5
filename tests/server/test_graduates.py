"""Graduate services on the server: scope of every record type (a department
and a city account read nothing outside theirs: 404), the changes and their
refusals (each a clear code, nothing saved), and the city role."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlmodel import Session

from tests.support import Api, DemoServer
from zhumeng_server import models as m

GRAD_TYPES = ("graduate", "service_session", "attendance", "hardship_case")
PATHS = {"graduate": "/graduates", "service_session": "/sessions", "attendance": "/attendance",
         "hardship_case": "/hardship"}


def saved(app: FastAPI) -> tuple[Any, ...]:
    """What a refused change must leave as it was."""
    with app.state.server.engine.connect() as conn:
        counts = tuple(tuple(conn.execute(text(f"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM {t}")).one())
                       for t in ("graduate", "service_session", "attendance", "hardship_case"))
        counts += tuple(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                        for t in ("audit_event", "idempotency_key", "change_log"))
        seq = conn.execute(text("SELECT value FROM server_setting WHERE key='seq'")).scalar()
    return (*counts, seq)


async def refused(api: Api, app: FastAPI, status: int, code: str, user: str, method: str, path: str,
                  body: Any = None, version: int | None = None) -> dict[str, Any]:
    before = saved(app)
    r = await api.write(user, method, path, body, version=version)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code, err
    assert err["message_zh"] and err["message_en"]
    assert saved(app) == before
    return dict(err)


async def new_session(api: Api, user: str, **over: Any) -> dict[str, Any]:
    body = {"kind": "lecture", "serves": "guidance", "title": "求职技巧", "date": "2026-03-05",
            "provider": "人社局", "place": "报告厅", **over}
    r = await api.write(user, "POST", "/sessions", body)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_every_record_type_is_in_the_feed(api: Api) -> None:
    for t in GRAD_TYPES:
        assert await api.records("demo-univ", t), t


@pytest.mark.parametrize("rtype", GRAD_TYPES)
async def test_a_department_reads_nothing_outside_its_department(api: Api, rtype: str) -> None:
    if rtype == "service_session":  # sessions a department runs are its own; make one of department 2
        await new_session(api, "demo-dept02")
    records = await api.records("demo-univ", rtype)
    other = next(x for x in records if x.get("department_id") not in (None, 1))
    mine = [x for x in records if x.get("department_id") in (None, 1)]
    r = await api.get("demo-dept", f"{PATHS[rtype]}/{other['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert str(other["id"]) not in r.text
    assert (await api.get("demo-dept", f"{PATHS[rtype]}/{mine[0]['id']}")).status_code == 200
    seen = await api.records("demo-dept", rtype)
    assert seen and all(x.get("department_id") in (None, 1) for x in seen)


@pytest.mark.parametrize("rtype", GRAD_TYPES)
async def test_a_city_account_reads_only_the_universities_of_its_city(api: Api, rtype: str) -> None:
    records = await api.records("demo-univ", rtype)
    one = records[0]
    assert (await api.get("demo-city", f"{PATHS[rtype]}/{one['id']}")).status_code == 200
    r = await api.get("demo-city2", f"{PATHS[rtype]}/{one['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert len(await api.records("demo-city", rtype)) == len(records)
    assert await api.records("demo-city2", rtype) == []


async def test_a_city_account_sees_no_internship_and_only_the_students_who_graduate(api: Api) -> None:
    feed = await api.all_changes("demo-city")
    kinds = {c["type"] for c in feed["changes"]}
    assert not kinds & {"application", "withdrawal", "followup", "integrity"}
    graduates = await api.records("demo-city", "graduate")
    students = await api.records("demo-city", "student")
    assert {s["id"] for s in students} == {g["student_id"] for g in graduates}
    app = (await api.records("demo-univ", "application"))[0]
    assert (await api.get("demo-city", f"/applications/{app['id']}")).status_code == 404
    others = {s["id"] for s in await api.records("demo-univ", "student")} - {s["id"] for s in students}
    assert (await api.get("demo-city", f"/students/{min(others)}")).status_code == 404
    assert (await api.get("demo-city", f"/students/{students[0]['id']}")).status_code == 200
    me = (await api.get("demo-city", "/me")).json()
    assert me["role"] == "city" and me["city"] == "成都市"


async def test_a_student_who_joins_the_cohort_reaches_the_city(api: Api, app: FastAPI) -> None:
    graduates = {g["student_id"] for g in await api.records("demo-univ", "graduate")}
    student = next(s for s in await api.records("demo-univ", "student")
                   if s["id"] not in graduates and not s["out_of_province"])
    await api.records("demo-city", "student")  # the city's mirror is up to date
    r = await api.write("demo-univ", "POST", "/graduates", {"student_id": student["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["graduation_date"] == f"{student['graduation_year']}-06-30"
    assert student["id"] in {s["id"] for s in await api.records("demo-city", "student")}
    await refused(api, app, 409, "graduate_exists", "demo-univ", "POST", "/graduates", {"student_id": student["id"]})


async def test_needs_profile_and_their_refusals(api: Api, app: FastAPI) -> None:
    g = next(x for x in await api.records("demo-dept", "graduate") if x["needs"])
    kept = g["needs"][0]
    body = {"needs": [kept["kind"], "policy" if kept["kind"] != "policy" else "guidance"],
            "stay_intent": "yes", "preferred_cities": ["成都市", " 成都市 ", "绵阳市"], "skills": ["Python", "SQL"]}
    r = await api.write("demo-dept", "PATCH", f"/graduates/{g['id']}", body, version=g["version"])
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["preferred_cities"] == ["成都市", "绵阳市"] and new["stay_intent"] == "yes"
    assert new["needs"][0] == kept or kept in new["needs"]
    added = next(n for n in new["needs"] if n["kind"] != kept["kind"])
    assert (added["recorded_on"], added["source"], added["by"]) == ("2026-03-10", "staff", "demo-dept")
    err = await refused(api, app, 422, "bad_need", "demo-dept", "PATCH", f"/graduates/{g['id']}",
                        {"needs": ["guidance", "massage"]}, version=new["version"])
    assert "massage" in err["message_zh"]
    await refused(api, app, 409, "version_conflict", "demo-dept", "PATCH", f"/graduates/{g['id']}",
                  {"stay_intent": "no"}, version=g["version"])
    await refused(api, app, 403, "role_not_allowed", "demo-city", "PATCH", f"/graduates/{g['id']}",
                  {"stay_intent": "no"}, version=new["version"])
    await refused(api, app, 403, "read_only", "demo-viewer", "PATCH", f"/graduates/{g['id']}",
                  {"stay_intent": "no"}, version=new["version"])
    await refused(api, app, 422, "nothing_to_change", "demo-dept", "PATCH", f"/graduates/{g['id']}", {},
                  version=new["version"])


async def test_needs_of_many_graduates_in_one_batch(api: Api, app: FastAPI) -> None:
    mine = await api.records("demo-dept", "graduate")
    a, b, c = mine[:3]
    other = next(g for g in await api.records("demo-univ", "graduate") if g["department_id"] != a["department_id"])
    items = [{"id": a["id"], "version": a["version"],
              "update": {"needs": ["guidance", "training"], "stay_intent": "yes", "need_source": "survey"}},
             {"id": b["id"], "version": b["version"] + 1, "update": {"stay_intent": "no"}},
             {"id": other["id"], "version": other["version"], "update": {"stay_intent": "no"}},
             {"id": c["id"], "version": c["version"], "update": {}},
             {"id": 2**80, "version": 1, "update": {"stay_intent": "no"}}]
    r = await api.write("demo-dept", "POST", "/graduates/needs:batch", {"items": items}, key="survey-1")
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [(x["id"], x["ok"]) for x in res] == [(i["id"], i is items[0]) for i in items]
    assert [x["error"]["code"] for x in res[1:]] == ["version_conflict", "not_found", "nothing_to_change", "not_found"]
    done = res[0]["record"]
    assert done["stay_intent"] == "yes" and done["version"] == a["version"] + 1
    assert {(n["kind"], n["source"]) for n in done["needs"] if n["kind"] not in {x["kind"] for x in a["needs"]}} <= {
        ("guidance", "survey"), ("training", "survey")}
    before = saved(app)
    again = await api.write("demo-dept", "POST", "/graduates/needs:batch", {"items": items}, key="survey-1")
    assert again.json() == r.json() and saved(app) == before  # the same key: the first answer, applied once
    await refused(api, app, 403, "role_not_allowed", "demo-city", "POST", "/graduates/needs:batch",
                  {"items": items[:1]})
    await refused(api, app, 403, "read_only", "demo-viewer", "POST", "/graduates/needs:batch", {"items": items[:1]})


async def test_employment_one_and_many(api: Api, app: FastAPI) -> None:
    gs = await api.records("demo-univ", "graduate")
    a, b, c = gs[:3]
    r = await api.write("demo-univ", "POST", f"/graduates/{a['id']}/employment",
                        {"status": "contract", "date": "2026-03-01"}, version=a["version"])
    assert r.status_code == 200 and r.json()["employment_status"] == "contract"
    await refused(api, app, 422, "date_in_future", "demo-univ", "POST", f"/graduates/{b['id']}/employment",
                  {"status": "signed", "date": "2026-03-11"}, version=b["version"])
    items = [{"id": a["id"], "version": a["version"], "status": "signed", "date": "2026-03-02"},
             {"id": b["id"], "version": b["version"], "status": "further_study", "date": "2026-03-02"},
             {"id": c["id"], "version": c["version"], "status": "enlisted", "date": "2026-04-01"}]
    r = await api.write("demo-univ", "POST", "/graduates/employment:batch", {"items": items})
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["ok"] for x in res] == [False, True, False]
    assert res[0]["error"]["code"] == "version_conflict"
    assert res[1]["record"]["employment_status"] == "further_study"
    assert res[2]["error"]["code"] == "date_in_future"
    # a version written as true is refused as a whole, not read as version 1
    await refused(api, app, 422, "validation_error", "demo-univ", "POST", "/graduates/employment:batch",
                  {"items": [{"id": c["id"], "version": True, "status": "signed", "date": "2026-03-02"}]})


async def test_sessions_and_attendance(api: Api, app: FastAPI) -> None:
    session = await new_session(api, "demo-dept")
    assert session["department_id"] == 1 and session["city"] is None
    mine = [g["id"] for g in await api.records("demo-dept", "graduate")][:3]
    other = next(g for g in await api.records("demo-univ", "graduate") if g["department_id"] != 1)
    path = f"/sessions/{session['id']}/attendance"
    r = await api.write("demo-dept", "POST", path, {"graduate_ids": mine})
    assert r.status_code == 200, r.text
    first = [x["record"]["id"] for x in r.json()["results"]]
    assert [x["record"]["graduate_id"] for x in r.json()["results"]] == mine
    # again, with one more: the ones recorded keep their records
    r = await api.write("demo-dept", "POST", path, {"graduate_ids": [*mine[:2], mine[2]]})
    assert [x["record"]["id"] for x in r.json()["results"]] == first
    # a graduate outside the account's scope: nothing at all is recorded
    err = await refused(api, app, 404, "not_found", "demo-dept", "POST", path,
                        {"graduate_ids": [mine[0], other["id"]]})
    assert str(other["id"]) in err["message_zh"]
    ahead = await new_session(api, "demo-univ", date="2026-03-20")
    await refused(api, app, 409, "session_not_held", "demo-univ", "POST", f"/sessions/{ahead['id']}/attendance",
                  {"graduate_ids": mine})
    await refused(api, app, 422, "bad_session_kind", "demo-univ", "POST", "/sessions",
                  {"kind": "party", "serves": "guidance", "title": "t", "date": "2026-03-05", "provider": "p",
                   "place": "x"})
    await refused(api, app, 422, "bad_need", "demo-univ", "POST", "/sessions",
                  {"kind": "lecture", "serves": "naps", "title": "t", "date": "2026-03-05", "provider": "p",
                   "place": "x"})
    await refused(api, app, 422, "title_required", "demo-univ", "POST", "/sessions",
                  {"kind": "lecture", "serves": "guidance", "title": " ", "date": "2026-03-05", "provider": "p",
                   "place": "x"})


async def test_a_city_account_runs_sessions_at_the_universities_of_its_city(api: Api, app: FastAPI) -> None:
    session = await new_session(api, "demo-city", university_id=1)
    assert session["city"] == "成都市" and session["created_by"] == "demo-city"
    graduates = [g["id"] for g in await api.records("demo-city", "graduate")][:4]
    r = await api.write("demo-city", "POST", f"/sessions/{session['id']}/attendance", {"graduate_ids": graduates})
    assert r.status_code == 200, r.text
    campus = await new_session(api, "demo-univ")
    await refused(api, app, 403, "not_organiser", "demo-city", "POST", f"/sessions/{campus['id']}/attendance",
                  {"graduate_ids": graduates})
    await refused(api, app, 422, "university_required", "demo-city", "POST", "/sessions",
                  {"kind": "lecture", "serves": "guidance", "title": "t", "date": "2026-03-05", "provider": "p",
                   "place": "x"})
    await refused(api, app, 404, "not_found", "demo-city2", "POST", "/sessions",
                  {"university_id": 1, "kind": "lecture", "serves": "guidance", "title": "t", "date": "2026-03-05",
                   "provider": "p", "place": "x"})
    g = (await api.records("demo-city", "graduate"))[0]
    await refused(api, app, 403, "role_not_allowed", "demo-city", "POST", "/hardship",
                  {"graduate_id": g["id"], "categories": [{"category": "poverty"}], "officer": "demo-univ",
                   "officer_kind": "employment"})


async def test_a_case_from_opening_to_closing(api: Api, app: FastAPI) -> None:
    cases = await api.records("demo-univ", "hardship_case")
    busy = {c["graduate_id"] for c in cases if c["state"] == "open"}
    g = next(x for x in await api.records("demo-dept", "graduate") if x["id"] not in busy)
    body = {"graduate_id": g["id"], "categories": [{"category": "special", "note": "父亲重病"},
                                                   {"category": "poverty"}],
            "officer": "demo-dept", "officer_kind": "employment"}
    # an officer of no university / another one, a special hardship without a note
    await refused(api, app, 422, "unknown_staff", "demo-dept", "POST", "/hardship", {**body, "officer": "demo-city"})
    await refused(api, app, 422, "note_required", "demo-dept", "POST", "/hardship",
                  {**body, "categories": [{"category": "special"}]})
    await refused(api, app, 422, "bad_category", "demo-dept", "POST", "/hardship",
                  {**body, "categories": [{"category": "rich"}]})
    r = await api.write("demo-dept", "POST", "/hardship", body)
    assert r.status_code == 201, r.text
    case = r.json()
    assert [c["category"] for c in case["categories"]] == ["poverty", "special"]
    assert case["opened_on"] == "2026-03-10" and case["state"] == "open"
    await refused(api, app, 409, "case_exists", "demo-dept", "POST", "/hardship", body)
    cid, path = case["id"], f"/hardship/{case['id']}"

    async def change(sub: str, data: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        nonlocal case
        r = await api.write("demo-dept", method, path + sub, data, version=case["version"])
        assert r.status_code == 200, r.text
        case = r.json()
        return case

    await refused(api, app, 422, "date_before_opened", "demo-dept", "PUT", path + "/plan",
                  {"measures": "m", "target_date": "2026-03-01"}, version=case["version"])
    await change("/plan", {"measures": "每周推荐岗位", "target_date": "2026-05-01"}, "PUT")
    await refused(api, app, 422, "date_before_opened", "demo-dept", "POST", path + "/visits",
                  {"date": "2026-03-09", "channel": "电话", "note": "n", "outcome": "continue"},
                  version=case["version"])
    await refused(api, app, 422, "date_in_future", "demo-dept", "POST", path + "/visits",
                  {"date": "2026-03-11", "channel": "电话", "note": "n", "outcome": "continue"},
                  version=case["version"])
    await refused(api, app, 422, "bad_channel", "demo-dept", "POST", path + "/visits",
                  {"date": "2026-03-10", "channel": "信鸽", "note": "n", "outcome": "continue"},
                  version=case["version"])
    await change("/visits", {"date": "2026-03-10", "channel": "电话", "note": "已推荐3个岗位",
                             "outcome": "job_recommended"})
    await refused(api, app, 422, "bad_amount", "demo-dept", "POST", path + "/subsidy",
                  {"step": "applied", "date": "2026-03-10"}, version=case["version"])
    await refused(api, app, 409, "step_out_of_order", "demo-dept", "POST", path + "/subsidy",
                  {"step": "paid", "date": "2026-03-10"}, version=case["version"])
    await change("/subsidy", {"step": "applied", "date": "2026-03-10", "amount": 1500})
    await change("/subsidy", {"step": "approved", "date": "2026-03-10"})
    assert case["subsidy"] == {"amount": 1500, "applied_on": "2026-03-10", "approved_on": "2026-03-10",
                               "paid_on": None}
    await refused(api, app, 422, "reason_required", "demo-dept", "POST", path + "/close",
                  {"reason": "other", "note": "  "}, version=case["version"])
    await refused(api, app, 409, "status_mismatch", "demo-dept", "POST", path + "/close",
                  {"reason": "employed"}, version=case["version"])
    await refused(api, app, 404, "not_found", "demo-dept02", "POST", path + "/close",
                  {"reason": "other", "note": "x"}, version=case["version"])
    grad = next(x for x in await api.records("demo-dept", "graduate") if x["id"] == g["id"])
    r = await api.write("demo-dept", "POST", f"/graduates/{g['id']}/employment",
                        {"status": "signed", "date": "2026-03-10"}, version=grad["version"])
    assert r.status_code == 200
    await change("/close", {"reason": "employed"})
    assert (case["state"], case["close_reason"], case["closed_on"]) == ("closed", "employed", "2026-03-10")
    await refused(api, app, 409, "case_closed", "demo-dept", "POST", path + "/visits",
                  {"date": "2026-03-10", "channel": "电话", "note": "n", "outcome": "continue"},
                  version=case["version"])
    # the subsidy applied for before closing is still paid
    await change("/subsidy", {"step": "paid", "date": "2026-03-10"})
    assert cid and case["subsidy"]["paid_on"] == "2026-03-10"


async def test_a_repeated_change_is_applied_once(api: Api, server: DemoServer) -> None:
    g = (await api.records("demo-univ", "graduate"))[0]
    key = "graduate-key-1"
    first = await api.write("demo-univ", "POST", f"/graduates/{g['id']}/employment",
                            {"status": "flexible", "date": "2026-03-01"}, version=g["version"], key=key)
    again = await api.write("demo-univ", "POST", f"/graduates/{g['id']}/employment",
                            {"status": "flexible", "date": "2026-03-01"}, version=g["version"], key=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["version"] == again.json()["version"] == g["version"] + 1
    with server.app.state.server.engine.connect() as conn:
        audit = conn.execute(text("SELECT username, action, before_json, after_json FROM audit_event"
                                  " WHERE record_type = 'graduate' AND record_id = :i"), {"i": g["id"]}).all()
    assert [(a[0], a[1]) for a in audit] == [("demo-univ", "graduate.employment")]
    assert f'"employment_status":"{g["employment_status"]}"' in audit[0][2].replace(" ", "")
    assert '"employment_status":"flexible"' in audit[0][3].replace(" ", "")


async def test_an_officer_of_another_university_is_refused(api: Api, app: FastAPI) -> None:
    with Session(app.state.server.engine) as session:
        session.add(m.University(id=2, name="另一所大学", code="51002", city="成都市"))
        session.flush()
        session.add(m.StaffAccount(username="other-univ", display_name="外校老师", role="university",
                                   university_id=2, password_hash="-"))
        session.commit()
    cases = await api.records("demo-univ", "hardship_case")
    busy = {c["graduate_id"] for c in cases if c["state"] == "open"}
    g = next(x for x in await api.records("demo-univ", "graduate") if x["id"] not in busy)
    err = await refused(api, app, 422, "unknown_staff", "demo-univ", "POST", "/hardship",
                        {"graduate_id": g["id"], "categories": [{"category": "poverty"}], "officer": "other-univ",
                         "officer_kind": "talent"})
    assert err["fields"][0]["field"] == "officer"
    case = next(c for c in cases if c["state"] == "open")
    await refused(api, app, 422, "unknown_staff", "demo-univ", "PATCH", f"/hardship/{case['id']}",
                  {"officer": "other-univ"}, version=case["version"])
    r = await api.write("demo-univ", "PATCH", f"/hardship/{case['id']}", {"officer": "demo-univ2"},
                        version=case["version"])
    assert r.status_code == 200 and r.json()["officer"] == "demo-univ2"
