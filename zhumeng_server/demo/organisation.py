"""The organisations of the demo: the university and its departments, staff
accounts, the working-day calendar, employers and their positions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhumeng_server.auth import hash_password
from zhumeng_server.demo.gen import Gen, pick, rand_int
from zhumeng_server.demo.vocab import (
    BRANDS,
    COUNSELLORS,
    DEMO_CITY,
    DEPARTMENTS,
    EMPLOYER_NAMES,
    OTHER_CITY,
    REGIONS,
    TITLES,
)
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.calendar import WorkCalendar, YearData

DEMO_PASSWORD = "zhumeng-demo"


def calendar_years() -> list[YearData]:
    """Years covered by the ``chinesecalendar`` package (it stops at 2026)."""
    from chinese_calendar import constants

    years: dict[int, tuple[set[dt.date], set[dt.date]]] = {}
    for d in constants.holidays:
        years.setdefault(d.year, (set(), set()))[0].add(d)
    for d in constants.workdays:
        if d.weekday() >= 5:
            years.setdefault(d.year, (set(), set()))[1].add(d)
    return [YearData(y, frozenset(h), frozenset(w)) for y, (h, w) in sorted(years.items())]


def add_university(g: Gen) -> None:
    g.add("university", dict(id=1, name="四川逐梦大学", code="51001", in_province=True, city=DEMO_CITY), 1, None)
    for i, (dname, _) in enumerate(DEPARTMENTS, start=1):
        g.add("department", dict(id=i, university_id=1, name=dname), 1, i)


def add_calendar(g: Gen) -> None:
    for y in calendar_years():
        d = y.to_dict()
        g.add("calendar_year", dict(year=y.year, holidays=d["holidays"], workdays=d["workdays"]), None, None)
    g.cal = WorkCalendar(calendar_years())


def add_staff(g: Gen) -> None:
    """The demo accounts (README), one department account and one counsellor
    per department; each marked ``demo`` (they sign in only on a demo
    server) with a hash of the demo password of its own."""
    accounts: list[dict[str, Any]] = [
        dict(username="demo-univ", display_name="校团委 王老师", role="university", university_id=1,
             department_id=None),
        dict(username="demo-dept", display_name=f"{DEPARTMENTS[0][0]}团委 李老师", role="department",
             university_id=1, department_id=1),
        dict(username="demo-viewer", display_name="技术支持（只读）", role="viewer", university_id=1,
             department_id=None, bound_role="university"),
        dict(username="demo-province", display_name="团省委 赵老师", role="province", university_id=None,
             department_id=None),
        dict(username="demo-univ2", display_name="就业指导中心 陈老师", role="university", university_id=1,
             department_id=None),
    ]
    for i, (dname, _) in enumerate(DEPARTMENTS, start=1):
        if i > 1:
            accounts.append(dict(username=f"demo-dept{i:02d}", display_name=f"{dname}团委", role="department",
                                 university_id=1, department_id=i))
        accounts.append(dict(username=f"counsellor{i:02d}", display_name=f"辅导员 {COUNSELLORS[i - 1]}",
                             role="department", university_id=1, department_id=i))
    accounts += [
        dict(username="demo-city", display_name=f"{DEMO_CITY}人社局 周老师", role="city", university_id=None,
             department_id=None, city=DEMO_CITY),
        dict(username="demo-city2", display_name=f"{OTHER_CITY}人社局 吴老师", role="city", university_id=None,
             department_id=None, city=OTHER_CITY),
    ]
    for sid, a in enumerate(accounts, start=1):
        a.setdefault("bound_role", None)
        a.setdefault("city", None)
        row = dict(id=sid, password_hash=hash_password(DEMO_PASSWORD), active=True, demo=True, **a)
        g.add("staff", row, a["university_id"], a["department_id"])
        if a["role"] == "department":
            g.staff_names.setdefault(a["department_id"], []).append(a["username"])


def add_employers_and_positions(g: Gen) -> None:
    """Employers of every type across the regions, one to three positions each."""
    r, today = g.rnd, g.today
    n_emp = max(66, g.n // 25)
    types = list(EMPLOYER_NAMES)
    pid = 0
    for eid in range(1, n_emp + 1):
        typ = types[(eid - 1) % len(types)]
        region = REGIONS[(eid - 1) % len(REGIONS)]
        base = "四川省" if region == "省本级" else region
        if typ == "企业":
            name = f"{base[:-1] if region != '省本级' else '四川'}{pick(r, BRANDS)}{pick(r, BRANDS)}{pick(r, EMPLOYER_NAMES[typ])}"
        elif typ == "基层":
            name = f"{base}{pick(r, BRANDS)}{pick(r, EMPLOYER_NAMES[typ])}"
        else:
            name = f"{base}{pick(r, EMPLOYER_NAMES[typ])}"
        name = f"{name}" if name not in g.employer_names.values() else f"{name}（{eid}）"
        g.employer_names[eid] = name
        g.add("employer", dict(id=eid, name=name, type=typ, region=region,
                               certifying_committee=f"共青团{'四川省' if region == '省本级' else region}委员会"),
              None, None)
        for _ in range(pick(r, (1, 2, 2, 3))):
            pid += 1
            start = today + dt.timedelta(days=rand_int(r, -150, 45))
            length = rand_int(r, 45, 175)  # within 30 days..6 months, as a position must be
            end = start + dt.timedelta(days=length - 1)
            dept_majors = pick(r, DEPARTMENTS)[1]
            row = dict(id=pid, employer_id=eid, title=pick(r, TITLES[typ]), region=region, type=typ,
                       quota=rand_int(r, 1, 10), start_date=start, end_date=end,
                       majors=r.sample(dept_majors, k=min(2, len(dept_majors))))
            g.add("position", row, None, None)
            g.positions.append(row)
    g.good_positions = [
        p for p in g.positions if el.position_length_error(p["start_date"], p["end_date"]) is None
    ]
    g.bad_positions = [p for p in g.positions if p not in g.good_positions]
