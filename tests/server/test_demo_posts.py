"""The demo's job posts and pushes obey the rules: every post is checked with
the domain functions a new post is checked with (its validity as of its
creation), every push is of a verified post open to the graduate's
university, every answer dated between the push and today, and a 已录用
answer belongs to a graduate employed on that date; the demo has expired and
unverified posts and every answer."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from tests.support import TODAY, Api
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.graduates import EMPLOYED
from zhumeng_tui.domain.posts import (
    Answer,
    check_answer,
    check_category,
    check_employer,
    check_majors,
    check_openings,
    check_post_city,
    check_post_skills,
    check_post_title,
    check_salary,
    check_valid_until,
    discipline_of,
    may_verify,
)


async def test_every_post_and_push_obeys_the_rules(api: Api) -> None:
    posts = {p.id: p for p in (s.JobPost.model_validate(d) for d in await api.records("demo-univ", "job_post"))}
    pushes = [s.PostPush.model_validate(d) for d in await api.records("demo-univ", "post_push")]
    graduates = {g.id: g for g in (s.Graduate.model_validate(d) for d in await api.records("demo-univ", "graduate"))}
    staff = {x["username"]: x for x in await api.records("demo-province", "staff")}
    assert len(posts) >= 2000
    for p in posts.values():
        check_employer(p.employer)
        check_post_title(p.title)
        check_category(p.category)
        check_post_city(p.city)
        check_salary(p.salary_min, p.salary_max)
        check_openings(p.openings)
        assert check_majors(p.majors) == p.majors and check_post_skills(p.skills) == p.skills
        assert len({discipline_of(m) for m in p.majors}) <= 1  # one discipline group per post
        check_valid_until(p.valid_until, p.created_at.date()) if p.valid_until >= p.created_at.date() else None
        assert p.created_at.date() <= TODAY
        if p.verified_on is not None:
            verifier = staff[p.verified_by or ""]
            assert p.created_at.date() <= p.verified_on <= TODAY
            assert may_verify(verifier["role"], verifier.get("university_id"), "成都市" if
                              p.verified_by == "demo-city" else "绵阳市" if p.verified_by == "demo-city2" else None,
                              p.university_id, p.owner_city, "成都市")
    expired = [p for p in posts.values() if p.valid_until < TODAY]
    unverified = [p for p in posts.values() if p.verified_on is None]
    assert expired and unverified and len(expired) < len(posts) / 5 and len(unverified) < len(posts) / 4
    assert {p.source for p in posts.values()} == {"hrss", "campus", "employer"}
    seen = set()
    for x in pushes:
        p, g = posts[x.post_id], graduates[x.graduate_id]
        assert (x.graduate_id, x.post_id) not in seen
        seen.add((x.graduate_id, x.post_id))
        assert p.verified_on is not None and p.verified_on <= x.pushed_on <= TODAY and p.valid_until >= x.pushed_on
        assert p.university_id in (None, g.university_id) and p.owner_city in (None, "成都市")
        assert x.reasons
        if x.answer is not None:
            assert x.answered_on is not None
            check_answer(x.answer, x.answered_on, x.pushed_on, TODAY)
            if x.answer == Answer.HIRED:
                assert g.employment_status in EMPLOYED and g.employment_date == x.answered_on
    answers = Counter(x.answer for x in pushes)
    assert set(answers) == {None, *Answer}
    assert max(x.pushed_on for x in pushes) <= TODAY - dt.timedelta(days=3)
