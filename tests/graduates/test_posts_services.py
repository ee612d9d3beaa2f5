"""Job posts, recommendations, pushes and the summary ledger in the client
core, against the real server in process: the client's recommendations are
the server endpoint's, a bulk push goes hardship graduates first and is sent
once, 已录用 sets the employment status, and the ledger's numbers equal
counts made independently over the server's rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.support import TODAY, DemoServer
from zhumeng_tui.api_client.schemas import PostCreate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EMPLOYED, EmploymentStatus, NeedKind
from zhumeng_tui.domain.hardship import Category
from zhumeng_tui.domain.posts import Answer, Education, PostSource
from zhumeng_tui.services import PostFilter
from zhumeng_tui.services.local import LocalServices


async def _server_recs(server: DemoServer, svc: LocalServices, student_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=server.transport(), base_url=server.url) as c:
        r = await c.get(f"/api/v1/graduates/{student_id}/recommendations",
                        headers={"Authorization": f"Bearer {svc.token}"})
        assert r.status_code == 200, r.text
        return dict(r.json())


async def test_the_clients_recommendations_are_the_servers(server: DemoServer, univ: LocalServices) -> None:
    grads = univ.records("graduate")
    with_picks = 0
    for g in grads[:40]:
        mine = univ.graduate_posts(g["id"])
        theirs = await _server_recs(server, univ, g["student_id"])
        assert [p.post.id for p in mine.picks] == [p["post"]["id"] for p in theirs["picks"]]
        assert [p.reasons for p in mine.picks] == [" · ".join(x["zh"] for x in p["reasons"]) for p in theirs["picks"]]
        assert (mine.reason is None) == (theirs["reason"] is None)
        if mine.reason:
            assert mine.reason == theirs["reason"]["zh"]
        with_picks += bool(mine.picks)
    assert with_picks > 20
    many = univ.recommend_many([g["id"] for g in grads[:40]])
    assert all([p.post.id for p in many[g["id"]]] == [p.post.id for p in univ.graduate_posts(g["id"]).picks]
               for g in grads[:40])


async def test_posts_filters(univ: LocalServices) -> None:
    every = univ.query_posts(PostFilter(expired=None))
    assert len(every) == len(univ.records("job_post"))
    valid = univ.query_posts(PostFilter())
    assert valid and all(r.post.valid_until >= TODAY and not r.expired for r in valid)
    expired = univ.query_posts(PostFilter(expired=True))
    assert expired and all(r.expired for r in expired) and len(valid) + len(expired) == len(every)
    unverified = univ.query_posts(PostFilter(verified=False, expired=None))
    assert unverified and all(r.post.verified_on is None for r in unverified)
    rows = univ.query_posts(PostFilter(city="成都市", major="软件工程", expired=None))
    assert rows and all(r.post.city == "成都市" and (not r.post.majors or "软件工程" in r.post.majors) for r in rows)
    assert len(rows) == sum(1 for p in univ.records("job_post")
                            if p["city"] == "成都市" and (not p["majors"] or "软件工程" in p["majors"]))


async def test_bulk_push_goes_hardship_first_once_and_hired_sets_employment(
        server: DemoServer, univ: LocalServices) -> None:
    pushed = {x["graduate_id"] for x in univ.records("post_push")}
    hardship = {c["graduate_id"] for c in univ.records("hardship_case") if c["state"] == "open"}
    fresh = [g["id"] for g in univ.records("graduate") if g["id"] not in pushed
             and g["employment_status"] == "unemployed" and univ.graduate_posts(g["id"]).picks]
    assert fresh
    chosen = fresh[:6]
    summary = univ.preview_push(chosen)
    assert summary.posts == sum(len(univ.graduate_posts(g).picks) for g in chosen) and summary.already == 0
    results = await univ.push_recommendations(chosen)
    assert results and all(r.ok for r in results)
    records = [x for x in univ.records("post_push") if x["graduate_id"] in chosen]
    assert len(records) == summary.posts
    order = [x["graduate_id"] for x in sorted(records, key=lambda x: x["id"])]
    firsts = list(dict.fromkeys(order))
    assert firsts == sorted(firsts, key=lambda g: g not in hardship)
    with pytest.raises(DomainError) as e:
        await univ.push_recommendations(chosen)  # everything already pushed
    assert e.value.code == "nothing_to_push"
    # an answer 已录用 sets the graduate employed, locally and on the server
    line = univ.graduate_posts(chosen[0]).pushes[0]
    assert line.push.answer is None
    with pytest.raises(DomainError) as e2:
        await univ.answer_push(line.push.id, Answer.HIRED, line.push.pushed_on - dt.timedelta(days=1))
    assert e2.value.code == "answer_before_push"
    r = await univ.answer_push(line.push.id, Answer.HIRED, TODAY)
    assert r.ok
    await univ.sync()
    g = univ.graduate_detail(chosen[0]).graduate
    assert g.employment_status == EmploymentStatus.SIGNED and g.employment_date == TODAY
    after = univ.graduate_posts(chosen[0])
    assert after.pushes[0].push.answer == Answer.HIRED
    assert line.push.post_id not in [p.post.id for p in after.picks]


async def test_adding_and_verifying_a_post(univ: LocalServices, dept: LocalServices) -> None:
    data = PostCreate(employer="成都测试科技有限公司", title="测试工程师", category="技术研发", city="成都市",
                      salary_min=5000, salary_max=8000, majors=["软件工程"], skills=["Python"],
                      education=Education.BACHELOR, openings=2, valid_until=TODAY + dt.timedelta(days=30),
                      source=PostSource.CAMPUS)
    with pytest.raises(DomainError):
        await dept.add_post(data)
    with pytest.raises(DomainError) as e:
        await univ.add_post(data.model_copy(update={"salary_min": 9000}))
    assert e.value.code == "bad_salary"
    added = await univ.add_post(data)
    assert added.ok and added.record_id
    detail = univ.post_detail(added.record_id)
    assert detail.may_verify and detail.post.university_id == 1
    assert (await univ.verify_post(added.record_id)).ok
    detail = univ.post_detail(added.record_id)
    assert detail.post.verified_by == "demo-univ" and not detail.may_verify
    province_wide = next(r.post for r in univ.query_posts(PostFilter(verified=False))
                         if r.post.university_id is None and r.post.owner_city is None)
    assert not univ.post_detail(province_wide.id).may_verify
    with pytest.raises(DomainError) as e3:
        await univ.verify_post(province_wide.id)
    assert e3.value.code == "not_verifier"


def _server_rows(server: DemoServer, sql: str) -> list[Any]:
    with server.app.state.server.engine.connect() as conn:
        return list(conn.execute(text(sql)))


async def test_the_ledger_equals_counts_made_from_the_records(server: DemoServer, univ: LocalServices,
                                                             dept: LocalServices) -> None:
    import json

    grads = {r[0]: r for r in _server_rows(server, "SELECT id, department_id, employment_status, needs FROM graduate")}
    attended: dict[int, set[str]] = {}
    for gid, serves in _server_rows(server, "SELECT a.graduate_id, s.serves FROM attendance a"
                                            " JOIN service_session s ON s.id = a.session_id"):
        attended.setdefault(gid, set()).add(serves)
    cases = _server_rows(server, "SELECT graduate_id, categories, plan, visits, subsidy FROM hardship_case")
    pushes = _server_rows(server, "SELECT graduate_id, answer FROM post_push")

    def expected(dept_id: int | None) -> dict[str, Any]:
        mine = {g: r for g, r in grads.items() if dept_id is None or r[1] == dept_id}
        needs = Counter[str]()
        served = Counter[str]()
        for gid, r in mine.items():
            for n in (json.loads(r[3]) if isinstance(r[3], str) else r[3]):
                needs[n["kind"]] += 1
                served[n["kind"]] += n["kind"] in attended.get(gid, set())
        mycases = [c for c in cases if c[0] in mine]
        cats = Counter[str]()
        out: dict[str, Any] = {"graduates": len(mine), "needs": needs, "served": served,
                               "employment": Counter(r[2] for r in mine.values()), "cases": len(mycases)}
        since = (TODAY - dt.timedelta(days=30)).isoformat()
        plan = visited = employed = applied = approved = paid = amount = 0
        for gid, c_cats, c_plan, c_visits, c_subsidy in mycases:
            for c in json.loads(c_cats) if isinstance(c_cats, str) else c_cats:
                cats[c["category"]] += 1
            plan += c_plan is not None and c_plan != "null"
            visits = json.loads(c_visits) if isinstance(c_visits, str) else c_visits
            visited += bool(visits) and max(v["date"] for v in visits) >= since
            employed += mine[gid][2] in {s.value for s in EMPLOYED}
            sub = json.loads(c_subsidy) if isinstance(c_subsidy, str) else c_subsidy
            if sub:
                applied += sub.get("applied_on") is not None
                approved += sub.get("approved_on") is not None
                if sub.get("paid_on") is not None:
                    paid += 1
                    amount += sub["amount"]
        out.update(categories=cats, plan=plan, visited=visited, cases_employed=employed, applied=applied,
                   approved=approved, paid=paid, amount=amount)
        mypushes = [p for p in pushes if p[0] in mine]
        out.update(pushed=len(mypushes), answers=Counter(p[1] or "pending" for p in mypushes))
        return out

    for svc, dept_id in ((univ, None), (dept, 1)):
        ledger = svc.ledger()
        assert ledger.by == "department"
        total = ledger.rows[-1]
        want = expected(dept_id)
        assert total.graduates == want["graduates"] > 0
        assert {k.value: v for k, v in total.needed.items() if v} == dict(want["needs"])
        assert {k.value: v for k, v in total.served.items() if v} == {k: v for k, v in want["served"].items() if v}
        assert {k.value: v for k, v in total.employment.items() if v} == dict(want["employment"])
        assert total.cases == want["cases"]
        assert {k.value: v for k, v in total.by_category.items() if v} == dict(want["categories"])
        assert (total.with_plan, total.visited, total.cases_employed) == \
            (want["plan"], want["visited"], want["cases_employed"])
        assert (total.subsidy_applied, total.subsidy_approved, total.subsidy_paid, total.subsidy_amount) == \
            (want["applied"], want["approved"], want["paid"], want["amount"])
        assert total.pushed == want["pushed"]
        assert {k: v for k, v in total.answers.items() if v} == dict(want["answers"])
        if dept_id is None:
            assert len(ledger.rows) > 2
            assert sum(r.graduates for r in ledger.rows[:-1]) == total.graduates
            assert sum(r.needed[NeedKind.GUIDANCE] for r in ledger.rows[:-1]) == total.needed[NeedKind.GUIDANCE]
        assert Category.POVERTY in total.by_category
