"""The demo's graduate services obey the rules: every graduate, session,
attendance record and hardship case is walked and checked with the domain
functions the server applies to a change, and the demo has cases in every
state."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from tests.support import TODAY, Api
from zhumeng_server.demo.graduates import cohort_of
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.graduates import (
    NeedKind,
    check_cities,
    check_employment,
    check_graduation_date,
    check_needs,
    check_session,
    check_skills,
)
from zhumeng_tui.domain.hardship import (
    CaseFacts,
    CaseFlag,
    CaseState,
    CategoryEntry,
    SubsidyFacts,
    case_flags,
    check_categories,
    check_close,
    check_plan,
    check_subsidy_step,
    check_visit,
)


async def records(api: Api, rtype: str) -> list[Any]:
    return [s.RECORD_MODELS[rtype].model_validate(d) for d in await api.records("demo-univ", rtype)]


async def test_every_graduate_services_record_obeys_the_rules(api: Api) -> None:
    graduates: list[s.Graduate] = await records(api, "graduate")
    sessions: list[s.ServiceSession] = await records(api, "service_session")
    attendance: list[s.Attendance] = await records(api, "attendance")
    cases: list[s.HardshipCase] = await records(api, "hardship_case")
    students = {x["id"]: x for x in await api.records("demo-univ", "student")}
    staff = {x["username"]: x for x in await api.records("demo-univ", "staff")}

    by_id = {g.id: g for g in graduates}
    assert len({g.student_id for g in graduates}) == len(graduates)
    for g in graduates:
        student = students[g.student_id]
        assert g.cohort == student["graduation_year"] == cohort_of(TODAY)
        assert (g.university_id, g.department_id) == (student["university_id"], student["department_id"])
        check_graduation_date(g.graduation_date, g.cohort)
        assert [n.kind for n in g.needs] == check_needs(n.kind for n in g.needs)
        assert all(n.recorded_on <= TODAY and n.by in staff for n in g.needs)
        assert check_cities(g.preferred_cities) == g.preferred_cities
        assert check_skills(g.skills) == g.skills
        if g.employment_date is not None:
            check_employment(g.employment_status, g.employment_date, TODAY)

    sessions_by_id = {x.id: x for x in sessions}
    for x in sessions:
        assert check_session(x.kind, x.serves, x.title, x.date, x.provider, x.place) == (x.kind, x.serves)
        assert x.created_by in staff
    assert {x.kind for x in sessions} == set(type(sessions[0].kind))
    assert any(x.city for x in sessions) and any(x.department_id for x in sessions)
    assert any(x.date > TODAY for x in sessions)
    pairs = Counter((a.session_id, a.graduate_id) for a in attendance)
    assert max(pairs.values()) == 1
    for a in attendance:
        x, g = sessions_by_id[a.session_id], by_id[a.graduate_id]
        assert x.date <= TODAY and x.university_id == g.university_id
        assert x.department_id in (None, g.department_id)
        assert (a.university_id, a.department_id) == (g.university_id, g.department_id)
        if x.city:
            assert staff[a.recorded_by]["role"] == "city"

    open_per_graduate = Counter(c.graduate_id for c in cases if c.state == CaseState.OPEN)
    assert max(open_per_graduate.values()) == 1
    flags: set[CaseFlag] = set()
    for c in cases:
        g = by_id[c.graduate_id]
        assert (c.university_id, c.department_id) == (g.university_id, g.department_id)
        check_categories([CategoryEntry(e.category, e.note) for e in c.categories])
        assert staff[c.officer]["university_id"] == c.university_id
        if c.plan is not None:
            check_plan(c.plan.measures, c.plan.target_date, c.opened_on)
        last = c.closed_on or TODAY
        for v in c.visits:
            check_visit(v.date, v.channel, v.note, v.outcome, c.opened_on, last)
        if c.subsidy is not None:
            done = SubsidyFacts()
            for step, date in (("applied", c.subsidy.applied_on), ("approved", c.subsidy.approved_on),
                               ("paid", c.subsidy.paid_on)):
                if date is None:
                    break
                amount = c.subsidy.amount if step == "applied" else None
                check_subsidy_step(done, step, date, amount, c.closed_on is None or date <= c.closed_on,
                                   c.opened_on, TODAY)
                done = SubsidyFacts(**{**done.__dict__, f"{step}_on": date})
        if c.state == CaseState.CLOSED:
            assert c.closed_on is not None and c.close_reason is not None
            check_close(CaseState.OPEN, c.close_reason, c.close_note or "", g.employment_status)
        facts = CaseFacts(c.state, c.opened_on, g.graduation_date, g.employment_status,
                          c.plan.target_date if c.plan else None, c.plan is not None,
                          max((v.date for v in c.visits), default=None),
                          c.subsidy.facts() if c.subsidy else SubsidyFacts())
        flags.update(case_flags(facts, TODAY))
    # every state: each flag, open and closed cases, every subsidy step, several closing reasons
    assert flags == set(CaseFlag)
    assert {c.state for c in cases} == set(CaseState)
    assert {c.close_reason for c in cases if c.close_reason} >= {"employed", "further_study", "other"}
    assert {c.subsidy.facts().state for c in cases if c.subsidy} == {"applied", "approved", "paid"}
    assert any(not c.visits for c in cases) and any(c.plan is None for c in cases)
    assert any(c.department_id == 1 for c in cases)


async def test_the_cohort_asks_for_plausible_needs(api: Api) -> None:
    graduates = await records(api, "graduate")
    n = len(graduates)
    share = Counter(need.kind for g in graduates for need in g.needs)
    assert 0.2 * n <= share[NeedKind.GUIDANCE] <= 0.5 * n
    assert 0.1 * n <= share[NeedKind.TRAINING] <= 0.3 * n
    assert 0.03 * n <= share[NeedKind.ENTREPRENEURSHIP] <= 0.2 * n
    cases = await records(api, "hardship_case")
    assert 0.03 * n <= len(cases) <= max(10, 0.12 * n)
    assert all(g.graduation_date.year == g.cohort for g in graduates)
    assert dt.date(TODAY.year, 6, 30) in {g.graduation_date for g in graduates}
