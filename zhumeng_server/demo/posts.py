"""Job posts in the demo: a few thousand across the province's cities (most
verified, some expired, some waiting for verification), with majors, skills
and salaries that make recommendations meaningful; and the posts pushed to a
part of the cohort (graduates in hardship first) with their answers.

The pushes are the demo's own recommendations (``posts.PostIndex``, the
ranking the server and the client use); a 已录用 answer is given only to a
graduate employed on or after the push, on the date of their employment.
"""

from __future__ import annotations

import datetime as dt

from zhumeng_server.demo.gen import Gen, Row, pick, rand_int
from zhumeng_server.demo.vocab import BRANDS, DEMO_CITY, EMPLOYER_NAMES, OTHER_CITY, POST_KINDS, REGIONS
from zhumeng_tui.domain.graduates import EMPLOYED, StayIntent
from zhumeng_tui.domain.posts import (
    DISCIPLINE_GROUPS,
    Answer,
    Education,
    GraduateFacts,
    PostFacts,
    PostIndex,
    education_of_degree,
)

#: How many posts the demo has.
N_POSTS = 3000
_CITIES = REGIONS[:-1]
#: Days before today the demo's pushes went out.
_PUSH_DAYS = (45, 30, 14, 5)
_EDUCATION = (Education.BACHELOR,) * 6 + (Education.ANY,) * 2 + (Education.JUNIOR, Education.MASTER)


def _owner(r: object, univ_city: str) -> tuple[int | None, str | None, str, str]:
    """(university, owner city, source, verifier) of a post."""
    roll = r.random()  # type: ignore[attr-defined]
    if roll < 0.55:
        return None, None, "hrss", "demo-province"
    if roll < 0.8:
        return 1, None, "campus", "demo-univ2"
    if roll < 0.92:
        return None, univ_city, "hrss", "demo-city"
    if roll < 0.96:
        return None, OTHER_CITY, "hrss", "demo-city2"
    return None, None, "employer", "demo-province"


def add_posts(g: Gen) -> list[Row]:
    r, today = g.rnd, g.today
    groups = list(POST_KINDS)
    rows: list[Row] = []
    for pid in range(1, N_POSTS + 1):
        group = pick(r, groups)
        category, titles, skills = POST_KINDS[group]
        majors = [] if r.random() < 0.12 else r.sample(DISCIPLINE_GROUPS[group], k=rand_int(r, 1, min(3, len(DISCIPLINE_GROUPS[group]))))
        city = DEMO_CITY if r.random() < 0.4 else pick(r, _CITIES)
        univ, owner_city, source, verifier = _owner(r, DEMO_CITY)
        kind = pick(r, ("企业", "企业", "企业", "金融机构", "科研院所", "社会服务机构", "机关"))
        employer = f"{city.rstrip('市州')}{pick(r, BRANDS)}{pick(r, BRANDS)}{pick(r, EMPLOYER_NAMES[kind])}"
        low = rand_int(r, 7, 20) * 500
        expired = r.random() < 0.08
        valid_until = today - dt.timedelta(days=rand_int(r, 1, 60)) if expired else \
            today + dt.timedelta(days=rand_int(r, 10, 150))
        created = today - dt.timedelta(days=rand_int(r, 1, 90))
        verified = r.random() < 0.85
        verified_on = min(created + dt.timedelta(days=rand_int(r, 0, 5)), today) if verified else None
        row = dict(
            id=pid, university_id=univ, owner_city=owner_city, employer=employer, title=pick(r, titles),
            category=category, city=city, salary_min=low, salary_max=low + rand_int(r, 2, 10) * 500,
            majors=majors, skills=r.sample(skills, k=rand_int(r, 1, min(3, len(skills)))),
            education=pick(r, _EDUCATION).value, openings=rand_int(r, 1, 10), valid_until=valid_until,
            source=source, verified_by=verifier if verified else None, verified_on=verified_on,
            created_by=verifier, created_at=g.now - dt.timedelta(days=(today - created).days),
        )
        g.add("job_post", row, univ, None)
        rows.append(row)
    return rows


def add_pushes(g: Gen, posts: list[Row]) -> None:
    """About a quarter of the unemployed cohort (graduates in hardship first)
    were pushed their three recommendations; most have answered."""
    r, today = g.rnd, g.today
    grads = g.rows.get("graduate", [])
    if not grads:
        return
    students = {s["id"]: s for s in g.students}
    hardship = {c["graduate_id"] for c in g.rows.get("hardship_case", [])}
    def facts(p: Row, day: dt.date) -> PostFacts:
        verified = p["verified_on"] is not None and p["verified_on"] <= day and p["created_at"].date() <= day
        return PostFacts(p["id"], p["employer"], p["title"], p["city"], tuple(p["majors"]), tuple(p["skills"]),
                         Education(p["education"]), verified, p["valid_until"], p["openings"], p["university_id"],
                         p["owner_city"])

    # pushes go out on a few days; each day's recommendations are of the posts verified and valid then
    indexes = {day: PostIndex(day, [facts(p, day) for p in posts])
               for day in (today - dt.timedelta(days=d) for d in _PUSH_DAYS)}
    chosen = [x for x in grads if x["id"] in hardship] + [x for x in grads if x["id"] not in hardship
                                                           and r.random() < 0.2]
    pid = 0
    for grad in chosen:
        st = students[grad["student_id"]]
        grad_facts = GraduateFacts(st["major"], tuple(grad["skills"]), StayIntent(grad["stay_intent"]),
                              tuple(grad["preferred_cities"]), education_of_degree(st["degree"]), 1, DEMO_CITY)
        employed = grad["employment_status"] in EMPLOYED and grad["employment_date"] is not None
        days = [today - dt.timedelta(days=d) for d in _PUSH_DAYS]
        before_job = [d for d in days if employed and d <= grad["employment_date"]]
        pushed_on = pick(r, before_job or days)
        hired_one = False
        for pk in indexes[pushed_on].recommend(grad_facts).picks:
            pid += 1
            roll = r.random()
            answer = None if roll < 0.35 else Answer.INTERESTED if roll < 0.6 else Answer.APPLIED if roll < 0.8 \
                else Answer.UNSUITABLE
            answered_on = None
            if before_job and not hired_one and r.random() < 0.6:
                answer, answered_on, hired_one = Answer.HIRED, grad["employment_date"], True
            elif answer is not None:
                answered_on = pushed_on + dt.timedelta(days=rand_int(r, 0, (today - pushed_on).days))
            g.add("post_push", dict(
                id=pid, graduate_id=grad["id"], post_id=pk.post_id, university_id=1,
                department_id=grad["department_id"], reasons=pk.text(), pushed_on=pushed_on, pushed_by="demo-univ2",
                answer=answer.value if answer else None, answered_on=answered_on,
                answered_by="demo-univ2" if answer else None,
            ), 1, grad["department_id"])
