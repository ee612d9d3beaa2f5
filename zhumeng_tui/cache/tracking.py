"""SQL for internship tracking: the flag counts and filter choices of the
interns list (its rows are ``cache.applications`` rows), and the withdrawal,
integrity and excellent-intern lists over the mirror tables (``m_withdrawal``,
``m_integrity``, ``m_student``, ``m_department``) and ``app_view``. Nothing
here writes: changes go through the outbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.cache.applications import flag_conditions, flag_sql
from zhumeng_tui.cache.schema import FLAGGABLE, local_state_sql
from zhumeng_tui.cache.search import terms_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.search import search_terms
from zhumeng_tui.domain.status import Status

# ----------------------------------------------------------------- interns --


def flag_counts(cache: Cache, today: dt.date, department_id: int | None = None) -> dict[str, int]:
    """Per flag code how many applications have it, and "any" (those with at
    least one), read from the flags' covering index."""
    cond, params = FLAGGABLE, []
    if department_id is not None:
        cond += " AND department_id = ?"
        params.append(department_id)
    conds = flag_conditions(today)
    cols = ", ".join(f"SUM(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conds.values())
    anyc = f"SUM(CASE WHEN {flag_sql('any', today)} THEN 1 ELSE 0 END)"
    row = cache.conn().execute(f"SELECT {cols}, {anyc} FROM app_view v WHERE {cond}", params).fetchone()
    out = {flag.value: int(row[i] or 0) for i, flag in enumerate(conds)}
    out["any"] = int(row[len(conds)] or 0)
    return out


def employers_and_cities(cache: Cache, statuses: Collection[Status]) -> tuple[list[tuple[int, str]], list[str]]:
    """The employers (id, name) and cities of the applications in ``statuses``."""
    values = sorted(s.value for s in statuses)
    marks = ", ".join("?" for _ in values)
    conn = cache.conn()
    employers = [
        (int(r[0]), str(r[1]))
        for r in conn.execute(
            f"SELECT DISTINCT employer_id, employer FROM app_view WHERE status IN ({marks})"
            " AND employer_id IS NOT NULL ORDER BY employer",
            values,
        )
    ]
    cities = [
        str(r[0])
        for r in conn.execute(
            f"SELECT DISTINCT city FROM app_view WHERE status IN ({marks}) AND city != '' ORDER BY city", values
        )
    ]
    return employers, cities


# ------------------------------------------------------------------- lists --


@dataclass
class ListedRecord:
    """A record of a tracking list (its JSON as cached) with its student."""

    record_json: str
    student_no: str
    student_name: str
    department_name: str
    #: The employer of the application (withdrawals) or "".
    employer_name: str
    local_state: str | None


def _conditions(text: str, equal: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """The search box's condition over the student ``s``, and ``expr = value``
    for each value given (not None)."""
    terms = search_terms(text)
    sql, params = terms_sql(terms, "s") if terms else ("1", [])
    conds = [sql]
    for expr, value in equal.items():
        if value is not None:
            conds.append(f"{expr} = ?")
            params.append(value)
    return conds, params


def withdrawals(
    cache: Cache,
    *,
    text: str = "",
    department_id: int | None = None,
    application_id: int | None = None,
    states: Collection[str] | None = None,
) -> list[ListedRecord]:
    """Withdrawal requests (oldest first) with their student and employer;
    ``states``: only requests in these states."""
    conds, params = _conditions(text, {"w.department_id": department_id, "w.application_id": application_id})
    if states is not None:
        conds.append(f"w.state IN ({', '.join('?' for _ in states)})")
        params += sorted(states)
    found = cache.conn().execute(
        "SELECT w.data, COALESCE(s.student_no, ''), COALESCE(s.name, ''), COALESCE(d.name, ''),"
        f" COALESCE(v.employer, ''), {local_state_sql('withdrawal', 'w.id')}"
        " FROM m_withdrawal w"
        " LEFT JOIN m_student s ON s.id = w.student_id"
        " LEFT JOIN m_department d ON d.id = w.department_id"
        " LEFT JOIN app_view v ON v.id = w.application_id"
        f" WHERE {' AND '.join(conds)} ORDER BY w.id",
        params,
    )
    return [ListedRecord(*r) for r in found]


def integrity(
    cache: Cache,
    *,
    text: str = "",
    student_id: int | None = None,
    department_id: int | None = None,
    kind: str | None = None,
) -> list[ListedRecord]:
    """Integrity entries (newest first) with their student."""
    conds, params = _conditions(text, {
        "g.student_id": student_id,
        "json_extract(g.data, '$.department_id')": department_id,
        "g.kind": kind or None,
    })
    found = cache.conn().execute(
        "SELECT g.data, COALESCE(s.student_no, ''), COALESCE(s.name, ''), COALESCE(d.name, ''), '',"
        f" {local_state_sql('integrity', 'g.id')}"
        " FROM m_integrity g"
        " LEFT JOIN m_student s ON s.id = g.student_id"
        " LEFT JOIN m_department d ON d.id = s.department_id"
        f" WHERE {' AND '.join(conds)} ORDER BY g.date DESC, g.id DESC",
        params,
    )
    return [ListedRecord(*r) for r in found]


@dataclass
class ExcellentEntry:
    application_id: int
    student_id: int
    student_no: str
    name: str
    department: str
    employer: str
    position: str
    end_date: str
    employer_score: int | None
    student_score: int | None
    note: str
    local_state: str | None


def excellent(cache: Cache, year: int | None = None) -> list[ExcellentEntry]:
    """Nominated excellent interns (internships ending in ``year``), by department and 学号."""
    cond, params = "COALESCE(v.excellent_nominated, 0) = 1", []
    if year is not None:
        cond += " AND substr(v.end_date, 1, 4) = ?"
        params.append(str(year))
    found = cache.conn().execute(
        "SELECT v.id, v.student_id, v.student_no, v.name, v.department, v.employer, v.position,"
        " v.end_date, v.employer_score, v.student_score,"
        " COALESCE(json_extract(a.data, '$.excellent_note'), ''), v.local_state"
        " FROM app_view v JOIN m_application a ON a.id = v.id"
        f" WHERE {cond} ORDER BY v.department, v.student_no",
        params,
    )
    return [ExcellentEntry(*r) for r in found]
