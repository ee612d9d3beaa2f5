"""The students of the demo: names, 学号, ID numbers, enrolment facts (a few
failing each eligibility check), origin, hardship and service needs."""

from __future__ import annotations

import datetime as dt
import itertools

from zhumeng_server.demo.gen import Gen, pick, pick_weighted, rand_int
from zhumeng_server.demo.vocab import DEPARTMENTS, GIVEN_F, GIVEN_M, OTHER_PROVINCES, REGIONS, SURNAMES
from zhumeng_tui.api_client import schemas as s

_CUM_SURNAMES = list(itertools.accumulate(w for _, w in SURNAMES))
_SURNAME_LIST = [x for x, _ in SURNAMES]


def _person_name(g: Gen, gender: str) -> str:
    r = g.rnd
    surname = pick_weighted(r, _SURNAME_LIST, _CUM_SURNAMES)
    pool = GIVEN_M if gender == "男" else GIVEN_F
    given = pick(r, pool) if r.random() < 0.4 else pick(r, pool) + pick(r, pool)
    return surname + given


def add_students(g: Gen) -> None:
    """``g.n`` students over the departments; the first of every twelve of the first
    72 has a fixed common name (张三, 李四, ...) to search for."""
    r = g.rnd
    serial: dict[tuple[int, int], int] = {}
    this_year = g.today.year
    fixed = ["张三", "李四", "王五", "赵六", "刘洋", "陈晨"]
    for sid in range(1, g.n + 1):
        dept = (sid - 1) % len(DEPARTMENTS) + 1
        year = this_year - 1 - pick(r, (0, 1, 1, 2, 2, 3)) if sid > 12 else this_year - 3
        key = (year, dept)
        serial[key] = serial.get(key, 0) + 1
        gender = pick(r, ("男", "女"))
        name = fixed[(sid - 1) // 12] if sid % 12 == 1 and (sid - 1) // 12 < len(fixed) else None
        if name is None:
            name = _person_name(g, gender)
        degree = pick_weighted(r, ("本科", "硕士", "专科", "博士"), (80, 92, 99, 100))
        birth = dt.date(year - 18, 1, 1) + dt.timedelta(days=rand_int(r, 0, 700))
        city_code = pick(r, ("0104", "0106", "0107", "0108", "0112", "0302", "0402", "0504", "0603", "0703"))
        id_number = f"51{city_code}{birth:%Y%m%d}{rand_int(r, 0, 999):03d}{pick(r, '0123456789X')}"
        oop = r.random() < 0.02
        origin_region = pick(r, REGIONS[:-1])
        origin = f"四川省{origin_region}" if r.random() < 0.85 else pick(r, OTHER_PROVINCES)
        grad_year = year + (3 if degree in ("专科", "硕士") else 4)
        hardship = pick_weighted(r, s.HARDSHIP_CATEGORIES, (86, 92, 95, 97, 100))
        needs = [n for n in s.SERVICE_NEEDS if r.random() < (0.45 if grad_year <= this_year + 1 else 0.1)]
        row = dict(
            id=sid, university_id=1, department_id=dept,
            student_no=f"{year}{dept:02d}{serial[key]:04d}", name=name, id_number=id_number,
            gender=gender, major=pick(r, DEPARTMENTS[dept - 1][1]), grade=f"{year}级", degree=degree,
            enrollment_status=pick_weighted(r, ("在读", "休学", "毕业"), (985, 995, 1000)),
            full_time=r.random() > 0.015, realname_verified=r.random() > 0.03,
            univ_certified=r.random() > 0.07, origin=origin, out_of_province=oop,
            graduation_year=grad_year, phone=f"1{pick(r, '3578')}{rand_int(r, 0, 999999999):09d}",
            hardship=hardship, service_needs=needs,
        )
        g.add("student", row, 1, dept)
        g.students.append(row)

