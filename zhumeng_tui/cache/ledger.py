"""SQL for the summary ledger (汇总台账): per department or per university,
the graduates, their needs and how many are served, employment by status,
the hardship cases (by category, with a plan, visited within 30 days,
employed), the subsidy's steps and the amount paid, the posts pushed and the
answers. "Served" is :func:`zhumeng_tui.cache.graduates.served_sql`, the one
SQL form of the coverage rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from zhumeng_tui.cache.graduates import KINDS, served_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.graduates import EMPLOYED, EmploymentStatus
from zhumeng_tui.domain.hardship import Category
from zhumeng_tui.domain.posts import Answer

#: What the rows are grouped by.
By = Literal["department", "university"]
STATUSES = tuple(EmploymentStatus)
CATEGORIES = tuple(Category)
ANSWERS = tuple(Answer)
#: A hardship case counts as visited when its last visit is this recent.
VISIT_DAYS = 30

_EMPLOYED = ", ".join(repr(s.value) for s in sorted(EMPLOYED))


def _key(by: By) -> tuple[str, str]:
    """(group column over ``g``, name subquery)."""
    if by == "department":
        return "g.department_id", "(SELECT name FROM m_department WHERE id = g.department_id)"
    return "g.university_id", "(SELECT name FROM m_university WHERE id = g.university_id)"


def _where(department_id: int | None) -> tuple[str, list[Any]]:
    return ("g.department_id = ?", [department_id]) if department_id is not None else ("1", [])


def graduates(cache: Cache, by: By, department_id: int | None) -> list[tuple[Any, ...]]:
    """(key, name, graduates, needed per kind..., served per kind..., per status...)."""
    key, name = _key(by)
    where, params = _where(department_id)
    needed = ", ".join(f"SUM(g.n_{k.value})" for k in KINDS)
    served = ", ".join(f"SUM(g.n_{k.value} = 1 AND {served_sql(k)})" for k in KINDS)
    status = ", ".join(f"SUM(g.employment_status = '{s.value}')" for s in STATUSES)
    sql = (f"SELECT {key} AS k, COALESCE({name}, ''), COUNT(*), {needed}, {served}, {status}"
           f" FROM m_graduate g WHERE {where} GROUP BY k ORDER BY k")
    return [(r[0], r[1], *(int(x or 0) for x in r[2:])) for r in cache.conn().execute(sql, params)]


def cases(cache: Cache, by: By, department_id: int | None, today: dt.date) -> dict[int, tuple[Any, ...]]:
    """key -> (cases, per category..., with a plan, visited within 30 days, employed,
    subsidy applied, approved, paid, amount paid)."""
    key, _ = _key(by)
    where, params = _where(department_id)
    cats = ", ".join(f"SUM(c.categories LIKE '%,{c.value},%')" for c in CATEGORIES)
    since = (today - dt.timedelta(days=VISIT_DAYS)).isoformat()
    sql = (
        f"SELECT {key} AS k, COUNT(*), {cats}, SUM(c.has_plan = 1), SUM(c.last_visit >= ?),"
        f" SUM(g.employment_status IN ({_EMPLOYED})), SUM(c.subsidy_applied IS NOT NULL),"
        " SUM(c.subsidy_approved IS NOT NULL), SUM(c.subsidy_paid IS NOT NULL),"
        " SUM(CASE WHEN c.subsidy_paid IS NOT NULL THEN COALESCE(json_extract(c.data, '$.subsidy.amount'), 0)"
        " ELSE 0 END)"
        f" FROM m_hardship_case c JOIN m_graduate g ON g.id = c.graduate_id WHERE {where} GROUP BY k"
    )
    return {r[0]: tuple(int(x or 0) for x in r[1:]) for r in cache.conn().execute(sql, [since, *params])}


def pushes(cache: Cache, by: By, department_id: int | None) -> dict[int, tuple[int, ...]]:
    """key -> (posts pushed, graduates pushed to, not answered, per answer...)."""
    key, _ = _key(by)
    where, params = _where(department_id)
    answers = ", ".join(f"SUM(x.answer = '{a.value}')" for a in ANSWERS)
    sql = (f"SELECT {key} AS k, COUNT(*), COUNT(DISTINCT x.graduate_id), SUM(x.answer IS NULL), {answers}"
           f" FROM m_post_push x JOIN m_graduate g ON g.id = x.graduate_id WHERE {where} GROUP BY k")
    return {r[0]: tuple(int(x or 0) for x in r[1:]) for r in cache.conn().execute(sql, params)}
