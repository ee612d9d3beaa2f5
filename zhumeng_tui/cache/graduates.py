"""SQL for the graduate services: the graduates list (ids for a filter, rows a
page at a time), coverage, sessions and their attendees, the hardship
ledger's rows. Over the mirror tables ``m_graduate`` (a 0/1 column per need),
``m_service_session``, ``m_attendance``, ``m_hardship_case``, ``m_student``,
``m_department`` and ``m_staff``. Nothing here writes: changes go through
the outbox.

Two rules of ``zhumeng_tui.domain.graduates`` are answered here in SQL, each
written once: a need is served when the graduate attended a session serving
it (:func:`served_sql`), and a graduate is flagged when a need is not served
or when still unemployed near graduation (:func:`flag_sql`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.cache.schema import local_state_sql
from zhumeng_tui.cache.search import terms_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.graduates import (
    EMPLOYED,
    UNEMPLOYED_WARNING_DAYS,
    EmploymentStatus,
    GraduateFlag,
    NeedKind,
)
from zhumeng_tui.domain.search import search_terms

KINDS = tuple(NeedKind)
#: How many needs a graduate asked for.
NEEDED_SQL = " + ".join(f"g.n_{k.value}" for k in KINDS)


#: The rule of coverage: (graduate, need) is served when the graduate attended
#: a session serving that need. Every "served" below reads it.
SERVED_PAIRS = (
    "SELECT a.graduate_id AS graduate_id, ss.serves AS serves"
    " FROM m_attendance a JOIN m_service_session ss ON ss.id = a.session_id"
)


def served_sql(kind: NeedKind) -> str:
    """The graduate ``g`` attended a session serving ``kind``."""
    return f"EXISTS(SELECT 1 FROM ({SERVED_PAIRS}) sp WHERE sp.graduate_id = g.id AND sp.serves = '{kind.value}')"


#: How many of the needs asked for are served.
SERVED_SQL = " + ".join(f"(g.n_{k.value} = 1 AND {served_sql(k)})" for k in KINDS)


def flag_sql(flag: GraduateFlag, today: dt.date) -> tuple[str, list[Any]]:
    """The condition of one graduate flag over ``g`` (``graduate_flags``' rule)."""
    if flag == GraduateFlag.UNSERVED:
        return f"({SERVED_SQL}) < ({NEEDED_SQL})", []
    near = (today + dt.timedelta(days=UNEMPLOYED_WARNING_DAYS)).isoformat()
    return "(g.employment_status = 'unemployed' AND g.graduation_date <= ?)", [near]


_OPEN_CASE = "EXISTS(SELECT 1 FROM m_hardship_case c WHERE c.graduate_id = g.id AND c.state = 'open')"
_FROM = (
    " FROM m_graduate g LEFT JOIN m_student s ON s.id = g.student_id"
    " LEFT JOIN m_department d ON d.id = g.department_id"
)


@dataclass(frozen=True)
class GraduateQuery:
    """A graduates filter as plain values (the services build it from ``GraduateFilter``)."""

    text: str = ""
    department_id: int | None = None
    need: NeedKind | None = None
    served: bool | None = None
    employment: str | None = None  # a status, or "employed"
    hardship: bool | None = None
    flag: GraduateFlag | None = None


def _where(q: GraduateQuery, today: dt.date) -> tuple[str, list[Any]]:
    conds: list[str] = []
    params: list[Any] = []
    terms = search_terms(q.text)
    if terms:
        sql, p = terms_sql(terms, "s")
        conds.append(sql)
        params += p
    if q.department_id is not None:
        conds.append("g.department_id = ?")
        params.append(q.department_id)
    if q.need is not None:
        conds.append(f"g.n_{q.need.value} = 1")
    if q.served is not None:
        if q.need is not None:
            conds.append(("" if q.served else "NOT ") + served_sql(q.need))
        elif q.served:
            conds.append(f"({NEEDED_SQL}) > 0 AND ({SERVED_SQL}) = ({NEEDED_SQL})")
        else:
            conds.append(flag_sql(GraduateFlag.UNSERVED, today)[0])
    if q.employment == "employed":
        conds.append(f"g.employment_status IN ({', '.join(repr(s.value) for s in sorted(EMPLOYED))})")
    elif q.employment is not None:
        conds.append("g.employment_status = ?")
        params.append(EmploymentStatus(q.employment).value)
    if q.hardship is not None:
        conds.append(("" if q.hardship else "NOT ") + _OPEN_CASE)
    if q.flag is not None:
        sql, p = flag_sql(q.flag, today)
        conds.append(sql)
        params += p
    return " AND ".join(conds) or "1", params


#: Sort keys of the list's columns (then 学号).
_SORT: dict[str, str] = {
    "student_no": "s.student_no",
    "name": "s.py_full",
    "department": "g.department_id",
    "needs": f"({NEEDED_SQL})",
    "served": f"({SERVED_SQL})",
    "sessions": "(SELECT COUNT(*) FROM m_attendance a WHERE a.graduate_id = g.id)",
    "employment": "g.employment_status",
    "hardship": _OPEN_CASE,
}


def graduate_ids(cache: Cache, q: GraduateQuery, today: dt.date, sort: str = "student_no",
                 descending: bool = False) -> list[int]:
    """The ids of the graduates matching ``q``, in the order of ``sort``."""
    where, params = _where(q, today)
    key = _SORT.get(sort, "s.student_no")
    order = "DESC" if descending else "ASC"
    rows = cache.conn().execute(
        f"SELECT g.id{_FROM} WHERE {where} ORDER BY {key} {order}, s.student_no {order}, g.id", params
    )
    return [int(r[0]) for r in rows]


def _codes(parts: list[tuple[str, str]]) -> str:
    """``code,code`` of the conditions that hold, as one SQL expression."""
    return "rtrim(" + " || ".join(f"CASE WHEN {cond} THEN '{code},' ELSE '' END" for cond, code in parts) + ", ',')"


#: What was pushed to ``g`` and the furthest answer: ``3,hired`` (``3,`` none yet; '' nothing pushed).
PUSHES_SQL = (
    "(SELECT CASE WHEN COUNT(*) = 0 THEN '' ELSE COUNT(*) || ',' || COALESCE(CASE MAX(CASE x.answer"
    " WHEN 'hired' THEN 4 WHEN 'applied' THEN 3 WHEN 'interested' THEN 2 WHEN 'unsuitable' THEN 1 END)"
    " WHEN 4 THEN 'hired' WHEN 3 THEN 'applied' WHEN 2 THEN 'interested' WHEN 1 THEN 'unsuitable' END, '') END"
    " FROM m_post_push x WHERE x.graduate_id = g.id)"
)


def graduate_rows(cache: Cache, ids: list[int], today: dt.date) -> dict[int, tuple[Any, ...]]:
    """The rows (``GRADUATE_COLUMNS``) of these graduates, by id."""
    if not ids:
        return {}
    unserved, _ = flag_sql(GraduateFlag.UNSERVED, today)
    unemployed, near = flag_sql(GraduateFlag.UNEMPLOYED, today)
    needs = _codes([(f"g.n_{k.value} = 1", k.value) for k in KINDS])
    flags = _codes([(unserved, GraduateFlag.UNSERVED.value), (unemployed, GraduateFlag.UNEMPLOYED.value)])
    case = ("(SELECT c.state FROM m_hardship_case c WHERE c.graduate_id = g.id"
            " ORDER BY c.state = 'open' DESC, c.id DESC LIMIT 1)")
    rows = cache.conn().execute(
        f"SELECT g.id, COALESCE(s.student_no, ''), COALESCE(s.name, ''), COALESCE(d.name, ''), {needs},"
        f" CASE WHEN ({NEEDED_SQL}) > 0 THEN ({SERVED_SQL}) || '/' || ({NEEDED_SQL}) ELSE '' END,"
        " (SELECT COUNT(*) FROM m_attendance a WHERE a.graduate_id = g.id),"
        f" g.employment_status, COALESCE({case}, ''), {flags}, {PUSHES_SQL}, {local_state_sql('graduate', 'g.id')}"
        f"{_FROM} WHERE g.id IN (SELECT value FROM json_each(?))",
        [*near, f"[{','.join(str(int(i)) for i in ids)}]"],
    )
    return {int(r[0]): tuple(r[1:]) for r in rows}


# ------------------------------------------------------------ coverage ----


def coverage(cache: Cache, department_id: int | None = None) -> list[tuple[Any, ...]]:
    """Per department: (id, name, university id, university name, needed per
    kind..., served per kind...) in ``KINDS`` order, by university then department.

    Both passes read covering indexes (the graduates' needs, their
    attendance), never the records' JSON."""
    needed = ", ".join(f"SUM(g.n_{k.value})" for k in KINDS)
    where, params = ("g.department_id = ?", [department_id]) if department_id is not None else ("1", [])
    conn = cache.conn()
    names = {int(r[0]): (str(r[1]), r[2], str(r[3] or "")) for r in conn.execute(
        "SELECT d.id, d.name, d.university_id, u.name FROM m_department d"
        " LEFT JOIN m_university u ON u.id = d.university_id")}
    asked = list(conn.execute(
        f"SELECT g.department_id, {needed} FROM m_graduate g WHERE {where} GROUP BY g.department_id", params,
    ))
    wants = " OR ".join(f"(sp.serves = '{k.value}' AND g.n_{k.value} = 1)" for k in KINDS)
    served: dict[tuple[Any, str], int] = {
        (r[0], r[1]): int(r[2]) for r in conn.execute(
            f"SELECT g.department_id, sp.serves, COUNT(DISTINCT g.id) FROM m_graduate g"
            f" CROSS JOIN ({SERVED_PAIRS}) sp ON sp.graduate_id = g.id WHERE ({wants}) AND {where}"
            " GROUP BY g.department_id, sp.serves", params,
        )
    }
    unknown = ("", None, "")
    return [(row[0], *names.get(row[0], unknown), *row[1:], *(served.get((row[0], k.value), 0) for k in KINDS))
            for row in sorted(asked, key=lambda r: (names.get(r[0], unknown)[1] or 0, r[0] or 0))]


# ------------------------------------------------------------ sessions ----


@dataclass
class SessionEntry:
    record_json: str
    attendees: int
    department_name: str
    local_state: str | None


def sessions(cache: Cache, *, text: str = "", kind: str | None = None, serves: str | None = None,
             held_by: dt.date | None = None) -> list[SessionEntry]:
    """Sessions, newest first; ``held_by``: only those on or before that day."""
    conds, params = ["1"], []
    if text.strip():
        conds.append("(instr(json_extract(ss.data, '$.title'), ?) > 0 OR instr(json_extract(ss.data, '$.provider'), ?)"
                     " > 0 OR instr(json_extract(ss.data, '$.place'), ?) > 0)")
        params += [text.strip()] * 3
    for col, value in (("ss.kind", kind), ("ss.serves", serves)):
        if value is not None:
            conds.append(f"{col} = ?")
            params.append(value)
    if held_by is not None:
        conds.append("ss.date <= ?")
        params.append(held_by.isoformat())
    rows = cache.conn().execute(
        "SELECT ss.data, (SELECT COUNT(*) FROM m_attendance a WHERE a.session_id = ss.id), COALESCE(d.name, ''),"
        f" {local_state_sql('service_session', 'ss.id')}"
        " FROM m_service_session ss LEFT JOIN m_department d ON d.id = ss.department_id"
        f" WHERE {' AND '.join(conds)} ORDER BY ss.date DESC, ss.id DESC", params,
    )
    return [SessionEntry(*r) for r in rows]


@dataclass
class GraduateEntry:
    graduate_id: int
    student_no: str
    name: str
    department_name: str
    local_state: str | None


_PERSON = "g.id, COALESCE(s.student_no, ''), COALESCE(s.name, ''), COALESCE(d.name, '')"


def attendees(cache: Cache, session_id: int) -> list[GraduateEntry]:
    """Who attended a session (that this account sees), by 学号."""
    rows = cache.conn().execute(
        f"SELECT {_PERSON}, {local_state_sql('attendance', 'a.id')} FROM m_attendance a"
        " JOIN m_graduate g ON g.id = a.graduate_id LEFT JOIN m_student s ON s.id = g.student_id"
        " LEFT JOIN m_department d ON d.id = g.department_id WHERE a.session_id = ? ORDER BY s.student_no, g.id",
        (session_id,),
    )
    return [GraduateEntry(*r) for r in rows]


def unserved(cache: Cache, need: NeedKind, department_id: int | None = None) -> list[GraduateEntry]:
    """The graduates who asked for ``need`` and have not attended a session serving it, by 学号."""
    cond, params = f"g.n_{need.value} = 1 AND NOT {served_sql(need)}", []
    if department_id is not None:
        cond += " AND g.department_id = ?"
        params.append(department_id)
    rows = cache.conn().execute(
        f"SELECT {_PERSON}, {local_state_sql('graduate', 'g.id')}{_FROM} WHERE {cond} ORDER BY s.student_no, g.id",
        params,
    )
    return [GraduateEntry(*r) for r in rows]


def find(cache: Cache, text: str, limit: int) -> list[GraduateEntry]:
    """Graduates whose 姓名 / 学号 / pinyin match ``text`` (the search rule), by 学号."""
    terms = search_terms(text)
    if not terms:
        return []
    where, params = terms_sql(terms, "s")
    rows = cache.conn().execute(
        f"SELECT {_PERSON}, {local_state_sql('graduate', 'g.id')}{_FROM} WHERE {where}"
        " ORDER BY s.student_no, g.id LIMIT ?", [*params, limit],
    )
    return [GraduateEntry(*r) for r in rows]


def attended(cache: Cache, graduate_id: int) -> list[str]:
    """The sessions a graduate attended (their JSON), newest first."""
    rows = cache.conn().execute(
        "SELECT ss.data FROM m_attendance a JOIN m_service_session ss ON ss.id = a.session_id"
        " WHERE a.graduate_id = ? ORDER BY ss.date DESC, ss.id DESC", (graduate_id,),
    )
    return [str(r[0]) for r in rows]


def attendance_of(cache: Cache, session_id: int) -> dict[int, int]:
    """graduate id -> attendance id at a session."""
    rows = cache.conn().execute("SELECT graduate_id, id FROM m_attendance WHERE session_id = ?", (session_id,))
    return {int(r[0]): int(r[1]) for r in rows}


# --------------------------------------------------------------- cases ----


@dataclass
class CaseEntry:
    """A case of the ledger as its columns (the flags' facts included), with its graduate."""

    id: int
    graduate_id: int
    state: str
    opened_on: str
    has_plan: int
    plan_target: str | None
    last_visit: str | None
    subsidy_applied: str | None
    subsidy_approved: str | None
    subsidy_paid: str | None
    categories: str
    employment_status: str
    graduation_date: str
    student_no: str
    name: str
    department_name: str
    officer_name: str
    local_state: str | None


#: The last step done of a subsidy, as a condition.
_SUBSIDY_STATE = {
    "applied": "c.subsidy_applied IS NOT NULL AND c.subsidy_approved IS NULL",
    "approved": "c.subsidy_approved IS NOT NULL AND c.subsidy_paid IS NULL",
    "paid": "c.subsidy_paid IS NOT NULL",
}


def cases(cache: Cache, *, text: str = "", department_id: int | None = None, state: str | None = None,
          category: str | None = None, subsidy: str | None = None) -> list[CaseEntry]:
    """Hardship cases with their graduate: open ones first, then by 学号 (read
    from the mirror's columns, not the records' JSON)."""
    conds, params = ["1"], []
    terms = search_terms(text)
    if terms:
        sql, p = terms_sql(terms, "s")
        conds.append(sql)
        params += p
    for col, value in (("c.department_id", department_id), ("c.state", state)):
        if value is not None:
            conds.append(f"{col} = ?")
            params.append(value)
    if category is not None:
        conds.append("instr(c.categories, ?) > 0")
        params.append(f",{category},")
    if subsidy is not None:
        conds.append(_SUBSIDY_STATE[subsidy])
    rows = cache.conn().execute(
        "SELECT c.id, c.graduate_id, c.state, c.opened_on, c.has_plan, c.plan_target, c.last_visit,"
        " c.subsidy_applied, c.subsidy_approved, c.subsidy_paid, COALESCE(c.categories, ''),"
        " COALESCE(g.employment_status, 'unemployed'), COALESCE(g.graduation_date, ''),"
        " COALESCE(s.student_no, ''), COALESCE(s.name, ''), COALESCE(d.name, ''),"
        " COALESCE(json_extract(st.data, '$.display_name'), c.officer),"
        f" {local_state_sql('hardship_case', 'c.id')}"
        " FROM m_hardship_case c LEFT JOIN m_graduate g ON g.id = c.graduate_id"
        " LEFT JOIN m_student s ON s.id = g.student_id LEFT JOIN m_department d ON d.id = c.department_id"
        " LEFT JOIN m_staff st ON st.username = c.officer"
        f" WHERE {' AND '.join(conds)} ORDER BY c.state = 'closed', s.student_no, c.id", params,
    )
    return [CaseEntry(*r) for r in rows]
