"""Graduate services in the demo: the graduating cohort with its needs (about a
third ask for career guidance, a fifth for training, a tenth for
entrepreneurship), intent to stay, cities, skills and employment status;
service sessions run by the university, its departments and the city, with
their attendance; and the hardship ledger (about 5% of the cohort, at least
one case in every state).

Every record obeys the rules of ``zhumeng_tui.domain.graduates`` and
``zhumeng_tui.domain.hardship`` (a test walks them all).
"""

from __future__ import annotations

import datetime as dt

from zhumeng_server.demo.gen import UTC, Gen, Row, pick, rand_int
from zhumeng_server.demo.vocab import (
    CITIES_OUTSIDE,
    DEMO_CITY,
    MEASURES,
    PLACES,
    REGIONS,
    SESSIONS,
    SKILLS,
    SPECIAL_NOTES,
    VISIT_NOTES,
)
from zhumeng_tui.domain.graduates import (
    USUAL_NEED,
    EmploymentStatus,
    NeedKind,
    SessionKind,
    default_graduation_date,
)
from zhumeng_tui.domain.hardship import VISIT_CHANNELS, Category, CloseReason, OfficerKind, VisitOutcome

#: need -> share of the cohort asking for it
_NEED_SHARE = {NeedKind.GUIDANCE: 0.34, NeedKind.TRAINING: 0.2, NeedKind.ENTREPRENEURSHIP: 0.1,
               NeedKind.POLICY: 0.12, NeedKind.SUBSIDY: 0.05}
_STATUS_WEIGHTS = ((EmploymentStatus.UNEMPLOYED, 52), (EmploymentStatus.SIGNED, 15), (EmploymentStatus.CONTRACT, 8),
                   (EmploymentStatus.FLEXIBLE, 5), (EmploymentStatus.FURTHER_STUDY, 11), (EmploymentStatus.ABROAD, 3),
                   (EmploymentStatus.ENLISTED, 1), (EmploymentStatus.ENTREPRENEUR, 2),
                   (EmploymentStatus.NOT_SEEKING, 3))
#: The states of the demo's cases, each at least once.
CASE_PLAN = ("no_plan", "active", "no_visit", "plan_overdue", "near_graduation", "subsidy_waiting",
             "subsidy_approved", "closed_employed", "closed_study", "closed_other")
_HARDSHIP = {"脱贫家庭": Category.POVERTY, "零就业家庭": Category.ZERO_EMPLOYMENT, "残疾": Category.DISABILITY,
             "特殊困难": Category.SPECIAL}


def cohort_of(today: dt.date) -> int:
    """The graduating cohort (届) on ``today``: this year's until August, then next year's."""
    return today.year if today.month <= 8 else today.year + 1


def add_graduate_services(g: Gen) -> None:
    r, today = g.rnd, g.today
    cohort = cohort_of(today)
    staff = ["demo-univ", "demo-univ2"]
    grads: list[Row] = []
    for st in g.students:
        if st["graduation_year"] != cohort or st["out_of_province"]:
            continue
        winter = r.random() < 0.08  # graduates in January (a master's defended in winter)
        date = dt.date(cohort, 1, 15) if winter else default_graduation_date(cohort)
        roll = r.random() * sum(w for _, w in _STATUS_WEIGHTS)
        status = EmploymentStatus.UNEMPLOYED
        for s, w in _STATUS_WEIGHTS:
            roll -= w
            if roll < 0:
                status = s
                break
        needs = [{"kind": k.value, "recorded_on": today - dt.timedelta(days=rand_int(r, 20, 150)),
                  "source": "survey" if r.random() < 0.7 else "staff",
                  "by": "demo-univ" if r.random() < 0.5 else (g.staff_names.get(st["department_id"]) or ["demo-univ"])[0]}
                 for k, share in _NEED_SHARE.items() if r.random() < share * (2.5 if st["hardship"] != "none"
                                                                               and k == NeedKind.SUBSIDY else 1)]
        intent = pick(r, ("yes", "yes", "yes", "no", "undecided", "undecided"))
        home = [DEMO_CITY] if intent != "no" else []
        cities = home + r.sample(REGIONS[1:-1], k=rand_int(r, 0, 2)) + (
            [pick(r, CITIES_OUTSIDE)] if intent != "yes" else [])
        grads.append(dict(
            id=len(grads) + 1, student_id=st["id"], university_id=1, department_id=st["department_id"],
            cohort=cohort, graduation_date=date, stay_intent=intent, preferred_cities=list(dict.fromkeys(cities)),
            skills=r.sample(SKILLS, k=rand_int(r, 0, 4)), needs=sorted(needs, key=lambda n: list(NeedKind).index(
                NeedKind(n["kind"]))), employment_status=status.value,
            employment_date=None if status == EmploymentStatus.UNEMPLOYED and r.random() < 0.7
            else today - dt.timedelta(days=rand_int(r, 0, 120)),
        ))
    if not grads:
        return
    cases = _plan_cases(g, grads)
    for row in grads:
        g.add("graduate", row, 1, row["department_id"])
    _add_sessions(g, grads, staff)
    _add_cases(g, cases, grads, staff)


def _plan_cases(g: Gen, grads: list[Row]) -> list[tuple[Row, str]]:
    """About 5% of the cohort (at least one case per state): graduates from
    families in hardship first; their status and graduation date made to fit
    the state."""
    r = g.rnd
    students = {s["id"]: s for s in g.students}
    # families in hardship first; the first department (``demo-dept``) gets two
    ranked = sorted(grads, key=lambda x: students[x["student_id"]]["hardship"] == "none")
    first = [x for x in ranked if x["department_id"] == 1][:2]
    n = max(len(CASE_PLAN), len(grads) // 20)
    chosen = (first + [x for x in ranked if x not in first])[:n]
    out = []
    for i, grad in enumerate(chosen):
        state = CASE_PLAN[i] if i < len(CASE_PLAN) else pick(r, CASE_PLAN[:7] * 2 + CASE_PLAN[7:])
        status = {"closed_employed": pick(r, ("signed", "contract", "flexible")), "closed_study": "further_study",
                  "near_graduation": "unemployed"}.get(state)
        if state.startswith("closed") and status is None:
            status = pick(r, ("unemployed", "abroad", "not_seeking"))
        if state in ("no_plan", "active", "no_visit", "plan_overdue", "subsidy_waiting", "subsidy_approved"):
            status = "unemployed"
        if status is not None:
            grad["employment_status"] = status
            grad["employment_date"] = None if status == "unemployed" else g.today - dt.timedelta(days=rand_int(r, 1, 20))
        if state == "near_graduation":
            grad["graduation_date"] = dt.date(grad["cohort"], 1, 15)
        elif state != "closed_study":
            grad["graduation_date"] = default_graduation_date(grad["cohort"])
        if state in ("subsidy_waiting", "subsidy_approved", "closed_employed") and not any(
                n["kind"] == "subsidy" for n in grad["needs"]):
            grad["needs"].append({"kind": "subsidy", "recorded_on": g.today - dt.timedelta(days=100),
                                  "source": "staff", "by": "demo-univ"})
            grad["needs"].sort(key=lambda need: list(NeedKind).index(NeedKind(need["kind"])))
        out.append((grad, state))
    return out


#: the most graduates a session of each kind takes (a hall, a bus, a counsellor's day)
_CAPACITY = {SessionKind.LECTURE: 300, SessionKind.SEMINAR: 40, SessionKind.VISIT: 40, SessionKind.COURSE: 50,
             SessionKind.CONSULTATION: 12, SessionKind.STARTUP_TRAINING: 40}


def _add_sessions(g: Gen, grads: list[Row], staff: list[str]) -> None:
    """Sessions of every kind (two still ahead), most of those asking for a
    kind of need attending one that serves it, up to the session's capacity
    (so attendance grows with the cohort, not with its square)."""
    r, today = g.rnd, g.today
    kinds = list(SessionKind)
    n = max(len(kinds) + 2, len(grads) // 25)
    aid = 0
    for sid in range(1, n + 1):
        kind = kinds[(sid - 1) % len(kinds)]
        title, provider = pick(r, SESSIONS[kind.value])
        serves = USUAL_NEED[kind]
        if kind == SessionKind.CONSULTATION and "补贴" in title:
            serves = NeedKind.SUBSIDY
        ahead = sid > n - 2
        date = today + dt.timedelta(days=rand_int(r, 3, 30)) if ahead else today - dt.timedelta(days=rand_int(r, 1, 90))
        organiser = pick(r, ("university", "university", "department", "city"))
        dept = pick(r, grads)["department_id"] if organiser == "department" else None
        city = DEMO_CITY if organiser == "city" else None
        by = {"university": pick(r, staff), "city": "demo-city"}.get(organiser) or (
            g.staff_names.get(dept or 0) or ["demo-univ"])[0]
        created = dt.datetime.combine(min(date, today) - dt.timedelta(days=7), dt.time(10), tzinfo=UTC)
        g.add("service_session", dict(
            id=sid, university_id=1, department_id=dept, city=city, kind=kind.value, serves=serves.value,
            title=title, date=date, provider=provider, place=pick(r, PLACES), created_by=by, created_at=created,
        ), 1, dept)
        if ahead:
            continue
        pool = [x for x in grads if dept is None or x["department_id"] == dept]
        came = [grad for grad in pool
                if r.random() < (0.45 if any(need["kind"] == serves.value for need in grad["needs"]) else 0.03)]
        at = dt.datetime.combine(date, dt.time(18), tzinfo=UTC)
        for grad in came[:_CAPACITY[kind]]:
            aid += 1
            g.add("attendance", dict(id=aid, session_id=sid, graduate_id=grad["id"], university_id=1,
                                     department_id=grad["department_id"], recorded_by=by, recorded_at=at),
                  1, grad["department_id"])


def _add_cases(g: Gen, cases: list[tuple[Row, str]], grads: list[Row], staff: list[str]) -> None:
    r, today = g.rnd, g.today
    students = {s["id"]: s for s in g.students}

    def day(n: int) -> dt.date:
        return today - dt.timedelta(days=n)

    def at(d: dt.date) -> str:
        return dt.datetime.combine(d, dt.time(15), tzinfo=UTC).isoformat().replace("+00:00", "Z")

    for cid, (grad, state) in enumerate(cases, start=1):
        hardship = students[grad["student_id"]]["hardship"]
        cats = [_HARDSHIP.get(hardship, pick(r, list(Category)))]
        if r.random() < 0.2:
            extra = pick(r, list(Category))
            if extra not in cats:
                cats.append(extra)
        categories = [{"category": c.value, "note": pick(r, SPECIAL_NOTES) if c == Category.SPECIAL else ""}
                      for c in Category if c in cats]
        dept_staff = g.staff_names.get(grad["department_id"]) or []
        officer = pick(r, staff + dept_staff)
        opened = day(rand_int(r, 60, 150))
        plan = visits = subsidy = None
        if state != "no_plan":
            target = day(rand_int(r, 1, 20)) if state == "plan_overdue" else today + dt.timedelta(days=rand_int(r, 20, 90))
            target = max(target, opened)
            plan = {"measures": pick(r, MEASURES), "target_date": target.isoformat(), "by": officer,
                    "at": at(opened + dt.timedelta(days=3))}
        last = rand_int(r, 35, 55) if state in ("no_visit", "no_plan") else rand_int(r, 1, 20)
        dates = sorted({day(last), *(day(rand_int(r, last, (today - opened).days)) for _ in range(rand_int(r, 0, 3)))})
        visits = [{"date": d.isoformat(), "channel": pick(r, VISIT_CHANNELS), "note": pick(r, VISIT_NOTES),
                   "outcome": pick(r, [o.value for o in VisitOutcome if o != VisitOutcome.OFFER]), "by": officer,
                   "at": at(d)} for d in dates if d >= opened]
        if state == "no_plan":
            visits = []
        if state in ("subsidy_waiting", "subsidy_approved", "closed_employed"):
            applied = day(rand_int(r, 35, 50))
            subsidy = {"amount": pick(r, (1000, 1500, 2000)), "applied_on": applied.isoformat(),
                       "approved_on": None, "paid_on": None}
            if state != "subsidy_waiting":
                subsidy["approved_on"] = (applied + dt.timedelta(days=rand_int(r, 5, 12))).isoformat()
            if state == "closed_employed":
                subsidy["paid_on"] = (applied + dt.timedelta(days=rand_int(r, 20, 30))).isoformat()
        closed_on = reason = note = None
        if state.startswith("closed"):
            closed_on = day(rand_int(r, 0, 10))
            visits = [v for v in visits if v["date"] <= closed_on.isoformat()]
            reason = {"closed_employed": CloseReason.EMPLOYED, "closed_study": CloseReason.FURTHER_STUDY}.get(
                state, CloseReason.OTHER).value
            if reason == CloseReason.EMPLOYED.value and visits:
                visits[-1] = {**visits[-1], "outcome": VisitOutcome.OFFER.value}
            note = "学生表示暂不就业，家庭困难已缓解，经本人同意结案" if reason == CloseReason.OTHER.value else None
        g.add("hardship_case", dict(
            id=cid, graduate_id=grad["id"], university_id=1, department_id=grad["department_id"],
            state="closed" if closed_on else "open", opened_on=opened, opened_by=officer, categories=categories,
            officer=officer, officer_kind=pick(r, [k.value for k in OfficerKind]), plan=plan, visits=visits,
            subsidy=subsidy, closed_on=closed_on, close_reason=reason, close_note=note,
        ), 1, grad["department_id"])
