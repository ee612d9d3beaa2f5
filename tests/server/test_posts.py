"""Job posts, recommendations and pushes on the server: who adds and verifies
which posts, the scope of posts, pushes and the recommendations endpoint
(404 outside it), the ranking's answer matching the domain's, refusals that
save nothing, and 已录用 setting the employment status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from tests.support import TODAY, Api
from zhumeng_server import models as m
from zhumeng_server.routes.posts import graduate_facts, post_facts
from zhumeng_tui.domain.posts import recommend

POST = {"employer": "成都天府软件有限公司", "title": "Python开发工程师", "category": "技术研发", "city": "成都市",
        "salary_min": 6000, "salary_max": 9000, "majors": ["计算机科学与技术"], "skills": ["Python", "SQL"],
        "education": "bachelor", "openings": 3, "valid_until": "2026-06-30", "source": "campus"}


def saved(app: FastAPI) -> tuple[Any, ...]:
    with app.state.server.engine.connect() as conn:
        rows = tuple(tuple(conn.execute(text(f"SELECT COUNT(*), COALESCE(SUM(version), 0) FROM {t}")).one())
                     for t in ("job_post", "post_push", "graduate", "change_log"))
        return (*rows, conn.execute(text("SELECT COUNT(*) FROM audit_event")).scalar())


async def refused(api: Api, app: FastAPI, status: int, code: str, user: str, method: str, path: str,
                  body: Any = None, version: int | None = None) -> None:
    before = saved(app)
    r = await api.write(user, method, path, body, version=version)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message_zh"] and err["message_en"], err
    assert saved(app) == before


async def new_post(api: Api, user: str, **over: Any) -> dict[str, Any]:
    r = await api.write(user, "POST", "/posts", {**POST, **over})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_university_post_is_its_own_and_verified_by_it(api: Api, app: FastAPI) -> None:
    p = await new_post(api, "demo-univ")
    assert p["university_id"] == 1 and p["owner_city"] is None and p["verified_on"] is None
    assert p["education"] == "bachelor" and p["source"] == "campus"
    await refused(api, app, 403, "role_not_allowed", "demo-dept", "POST", "/posts", POST)
    await refused(api, app, 403, "not_verifier", "demo-city2", "POST", f"/posts/{p['id']}/verify", {},
                  version=p["version"]) if (await api.get("demo-city2", f"/posts/{p['id']}")).status_code == 200 \
        else None
    r = await api.write("demo-univ2", "POST", f"/posts/{p['id']}/verify", {}, version=p["version"])
    assert r.status_code == 200 and r.json()["verified_by"] == "demo-univ2"
    assert r.json()["verified_on"] == TODAY.isoformat()
    await refused(api, app, 409, "already_verified", "demo-univ", "POST", f"/posts/{p['id']}/verify", {},
                  version=r.json()["version"])


async def test_province_wide_posts_are_verified_by_the_province_only(api: Api, app: FastAPI) -> None:
    p = await new_post(api, "demo-province")
    assert p["university_id"] is None and p["owner_city"] is None
    await refused(api, app, 403, "not_verifier", "demo-univ", "POST", f"/posts/{p['id']}/verify", {}, version=1)
    await refused(api, app, 403, "not_verifier", "demo-city", "POST", f"/posts/{p['id']}/verify", {}, version=1)
    c = await new_post(api, "demo-city")
    assert c["owner_city"] == "成都市"
    ok = await api.write("demo-city", "POST", f"/posts/{c['id']}/verify", {}, version=1)
    assert ok.status_code == 200


async def test_bad_posts_are_refused_with_the_field_and_nothing_saved(api: Api, app: FastAPI) -> None:
    await refused(api, app, 422, "bad_salary", "demo-univ", "POST", "/posts", {**POST, "salary_min": 9000,
                                                                                 "salary_max": 5000})
    await refused(api, app, 422, "post_expired", "demo-univ", "POST", "/posts", {**POST, "valid_until": "2026-01-01"})
    await refused(api, app, 422, "employer_required", "demo-univ", "POST", "/posts", {**POST, "employer": " "})
    await refused(api, app, 422, "bad_education", "demo-univ", "POST", "/posts", {**POST, "education": "小学"})
    await refused(api, app, 422, "bad_source", "demo-univ", "POST", "/posts", {**POST, "source": "朋友圈"})


async def test_a_universitys_post_and_pushes_are_404_outside_its_scope(api: Api) -> None:
    posts = await api.records("demo-univ", "job_post")
    own = next(p for p in posts if p["university_id"] == 1)
    assert (await api.get("demo-city", f"/posts/{own['id']}")).status_code == 200
    r = await api.get("demo-city2", f"/posts/{own['id']}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert all(p["university_id"] is None for p in await api.records("demo-city2", "job_post"))
    pushes = await api.records("demo-univ", "post_push")
    other = next(x for x in pushes if x["department_id"] != 1)
    assert (await api.get("demo-dept", f"/pushes/{other['id']}")).status_code == 404
    assert (await api.get("demo-city2", f"/pushes/{other['id']}")).status_code == 404
    assert (await api.get("demo-city", f"/pushes/{other['id']}")).status_code == 200
    assert all(x["department_id"] == 1 for x in await api.records("demo-dept", "post_push"))


async def test_recommendations_are_the_domains_ranking_and_scoped(api: Api, app: FastAPI) -> None:
    grads = await api.records("demo-univ", "graduate")
    engine = app.state.server.engine
    from sqlmodel import Session, select
    with Session(engine) as session:
        rows = session.exec(select(m.JobPost)).all()
        facts = [post_facts(p) for p in rows]
        seen_full = seen_empty = 0
        for g in grads[:60]:
            r = await api.get("demo-univ", f"/graduates/{g['student_id']}/recommendations")
            assert r.status_code == 200, r.text
            body = r.json()
            row = session.get(m.Graduate, g["id"])
            assert row is not None
            expected = recommend(graduate_facts(session, row), facts, TODAY)
            assert [p["post"]["id"] for p in body["picks"]] == [pk.post_id for pk in expected.picks]
            assert [[x["zh"] for x in p["reasons"]] for p in body["picks"]] == \
                [[zh for zh, _ in pk.reasons] for pk in expected.picks]
            for p in body["picks"]:
                assert p["post"]["verified_on"] and p["post"]["valid_until"] >= TODAY.isoformat()
            if body["picks"]:
                seen_full += 1
                assert body["reason"] is None
            else:
                seen_empty += 1
                assert body["reason"]["zh"] and body["reason"]["en"]
        assert seen_full
    other = next(g for g in grads if g["department_id"] != 1)
    for user in ("demo-dept", "demo-city2"):
        r = await api.get(user, f"/graduates/{other['student_id']}/recommendations")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert (await api.get("demo-city", f"/graduates/{other['student_id']}/recommendations")).status_code == 200
    assert (await api.get("demo-univ", "/graduates/999999/recommendations")).status_code == 404


async def test_push_then_answer_hired_sets_the_employment_status(api: Api, app: FastAPI) -> None:
    grads = await api.records("demo-univ", "graduate")
    pushed = {x["graduate_id"] for x in await api.records("demo-univ", "post_push")}
    g = next(x for x in grads if x["employment_status"] == "unemployed" and x["department_id"] == 1
             and x["id"] not in pushed)
    rec = (await api.get("demo-univ", f"/graduates/{g['student_id']}/recommendations")).json()
    post_id = rec["picks"][0]["post"]["id"] if rec["picks"] else (await new_post(api, "demo-province"))["id"]
    if not rec["picks"]:
        await api.write("demo-province", "POST", f"/posts/{post_id}/verify", {}, version=1)
    items = [{"graduate_id": g["id"], "post_id": post_id, "reasons": "专业对口"}]
    r = await api.write("demo-dept", "POST", "/pushes", {"items": items})
    assert r.status_code == 200, r.text
    push = r.json()["results"][0]["record"]
    assert push["pushed_by"] == "demo-dept" and push["answer"] is None
    again = await api.write("demo-dept", "POST", "/pushes", {"items": items})
    assert again.json()["results"][0]["id"] == push["id"]  # pushed once
    await refused(api, app, 422, "answer_before_push", "demo-dept", "POST", f"/pushes/{push['id']}/answer",
                  {"answer": "hired", "date": "2026-01-01"}, version=push["version"])
    await refused(api, app, 422, "bad_answer", "demo-dept", "POST", f"/pushes/{push['id']}/answer",
                  {"answer": "也许", "date": TODAY.isoformat()}, version=push["version"])
    r = await api.write("demo-dept", "POST", f"/pushes/{push['id']}/answer",
                        {"answer": "hired", "date": TODAY.isoformat()}, version=push["version"])
    assert r.status_code == 200 and r.json()["answer"] == "hired"
    after = (await api.get("demo-dept", f"/graduates/{g['id']}")).json()
    assert after["employment_status"] == "signed" and after["employment_date"] == TODAY.isoformat()
    rec2 = (await api.get("demo-univ", f"/graduates/{g['student_id']}/recommendations")).json()
    assert post_id not in [p["post"]["id"] for p in rec2["picks"]]  # never a post the graduate holds


async def test_pushing_an_unverified_or_out_of_scope_post_is_refused(api: Api, app: FastAPI) -> None:
    grads = await api.records("demo-univ", "graduate")
    g = grads[0]
    unverified = await new_post(api, "demo-univ")
    await refused(api, app, 409, "post_not_verified", "demo-univ", "POST", "/pushes",
                  {"items": [{"graduate_id": g["id"], "post_id": unverified["id"]}]})
    other_city = await new_post(api, "demo-city2")
    await api.write("demo-city2", "POST", f"/posts/{other_city['id']}/verify", {}, version=1)
    await refused(api, app, 422, "post_out_of_scope", "demo-univ", "POST", "/pushes",
                  {"items": [{"graduate_id": g["id"], "post_id": other_city["id"]}]})
    outside = next(x for x in grads if x["department_id"] != 1)
    await refused(api, app, 404, "not_found", "demo-dept", "POST", "/pushes",
                  {"items": [{"graduate_id": outside["id"], "post_id": unverified["id"]}]})
    await refused(api, app, 403, "read_only", "demo-viewer", "POST", "/pushes",
                  {"items": [{"graduate_id": g["id"], "post_id": unverified["id"]}]})
