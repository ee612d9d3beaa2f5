"""SQL for internship tracking (issue 5) over the client core's cache tables.

Reads ``app_view`` (the denormalised application row) and the mirror tables
``m_withdrawal``, ``m_followup``, ``m_integrity``, ``m_student``,
``m_employer``, ``m_staff``, ``m_department``. Nothing here writes: changes go
through the client core's outbox primitive.

The intern flags are computed in SQL (so the list can filter on them at
scale) with the same thresholds as :mod:`zhumeng_tui.domain.interns`; the
tests check the two agree on the demo data.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.domain.interns import (
    ENDING_WITHIN_DAYS,
    FOLLOWUP_EVERY_DAYS,
    NOT_ON_DUTY_AFTER_DAYS,
    InternFlag,
)
from zhumeng_tui.domain.status import INTERN_STATUSES

INTERN_STATUS_VALUES = tuple(sorted(s.value for s in INTERN_STATUSES))

#: Flag -> SQL condition over ``v`` (app_view) and ``lf.last`` (last follow-up date).
FLAG_SQL: dict[InternFlag, str] = {
    InternFlag.NOT_ON_DUTY: (
        "(v.status = 'approved' AND v.on_duty_date IS NULL AND v.start_date != ''"
        f" AND julianday(:today) - julianday(v.start_date) >= {NOT_ON_DUTY_AFTER_DAYS})"
    ),
    InternFlag.NO_INSURANCE: "(v.status = 'on_duty' AND COALESCE(v.insurance_recorded, 0) = 0)",
    InternFlag.ENDING_SOON: (
        "(v.status = 'on_duty' AND v.end_date != ''"
        f" AND julianday(v.end_date) - julianday(:today) BETWEEN 0 AND {ENDING_WITHIN_DAYS})"
    ),
    InternFlag.APPRAISAL_MISSING: "(v.status = 'completed' AND v.appraisal_copy_received IS NULL)",
    InternFlag.EVALUATION_MISSING: (
        "(v.status = 'completed' AND (v.employer_score IS NULL OR v.student_score IS NULL))"
    ),
    InternFlag.NO_FOLLOWUP: (
        "(v.status = 'on_duty' AND julianday(:today)"
        " - julianday(COALESCE(lf.last, v.on_duty_date, NULLIF(v.start_date, '')))"
        f" >= {FOLLOWUP_EVERY_DAYS})"
    ),
}

#: A comma-separated list of the flag codes of a row ('' when none).
FLAGS_EXPR = (
    "TRIM("
    + " || ".join(f"CASE WHEN {cond} THEN ',{flag.value}' ELSE '' END" for flag, cond in FLAG_SQL.items())
    + ", ',')"
)

LAST_FOLLOWUP_JOIN = (
    "LEFT JOIN (SELECT application_id, MAX(date) AS last FROM m_followup GROUP BY application_id) lf"
    " ON lf.application_id = v.id"
)


@dataclass
class InternQuery:
    today: dt.date
    text_where: str = ""  # a condition over v for the search text (from the client core)
    text_params: dict[str, Any] | None = None
    department_id: int | None = None
    statuses: Sequence[str] = ()
    flag: str | None = None  # an InternFlag value, or "any"
    employer_id: int | None = None
    city: str | None = None
    local_state: str | None = None
    order_by: str = "v.student_no"


INTERN_COLUMNS = (
    "v.id AS id, v.version, v.student_id, v.student_no, v.name, v.department_id, v.department,"
    " v.employer_id, v.employer, COALESCE(e.type, '') AS employer_type, v.city, v.position,"
    " v.start_date, v.end_date, v.status, v.on_duty_date, v.completed_date,"
    " COALESCE(v.insurance_recorded, 0) AS insurance_recorded, v.appraisal_copy_received,"
    " v.employer_score, v.student_score, COALESCE(v.responsible_staff, '') AS responsible_staff,"
    " COALESCE(v.excellent_nominated, 0) AS excellent_nominated, v.has_open_withdrawal,"
    " lf.last AS last_followup, v.local_state, " + FLAGS_EXPR + " AS flags"
)

#: Days done / in total, as in :func:`zhumeng_tui.domain.interns.days_done`.
_TOTAL = "MAX(CAST(julianday(v.end_date) - julianday(v.start_date) AS INTEGER) + 1, 0)"
_DONE = (
    "MAX(MIN(CASE"
    " WHEN v.status IN ('completed', 'appraised') THEN CAST(julianday(MIN(COALESCE(v.completed_date, v.end_date),"
    " v.end_date)) - julianday(v.start_date) AS INTEGER) + 1"
    " WHEN v.status = 'on_duty' THEN CAST(julianday(MIN(:today, v.end_date))"
    " - julianday(MAX(COALESCE(v.on_duty_date, v.start_date), v.start_date)) AS INTEGER) + 1"
    f" ELSE 0 END, {_TOTAL}), 0)"
)
DAYS_EXPR = f"CASE WHEN v.start_date = '' OR v.end_date = '' THEN '' ELSE {_DONE} || '/' || {_TOTAL} END"

#: The interns table, in display order (``id`` first): plain tuples, no per-row objects.
TABLE_COLUMNS: dict[str, str] = {
    "student_no": "v.student_no",
    "name": "v.name",
    "intern_flag": FLAGS_EXPR,
    "status": "v.status",
    "days": DAYS_EXPR,
    "employer": "v.employer",
    "employer_type": "COALESCE(e.type, '')",
    "city": "v.city",
    "start_date": "v.start_date",
    "end_date": "v.end_date",
    "responsible_staff": "COALESCE(v.responsible_staff, '')",
    "department": "v.department",
    "local_state": "v.local_state",
}

SORTABLE = {
    "student_no": "v.student_no",
    "name": "v.py_full",
    "department": "v.department",
    "employer": "v.employer",
    "employer_type": "COALESCE(e.type, '')",
    "city": "v.city",
    "start_date": "v.start_date",
    "end_date": "v.end_date",
    "status": "v.status",
    "responsible_staff": "COALESCE(v.responsible_staff, '')",
    "flags": FLAGS_EXPR,
    "intern_flag": FLAGS_EXPR,
    "days": "v.start_date",
    "local_state": "v.local_state",
}


def _intern_where(q: InternQuery) -> tuple[str, dict[str, Any]]:
    statuses = [s for s in q.statuses if s in INTERN_STATUS_VALUES] or list(INTERN_STATUS_VALUES)
    params: dict[str, Any] = {"today": q.today.isoformat()}
    marks = []
    for i, s in enumerate(statuses):
        params[f"st{i}"] = s
        marks.append(f":st{i}")
    where = [f"v.status IN ({', '.join(marks)})"]
    if q.department_id is not None:
        where.append("v.department_id = :dept")
        params["dept"] = q.department_id
    if q.employer_id is not None:
        where.append("v.employer_id = :emp")
        params["emp"] = q.employer_id
    if q.city:
        where.append("v.city = :city")
        params["city"] = q.city
    if q.local_state:
        where.append("v.local_state = :local")
        params["local"] = q.local_state
    if q.flag == "any":
        where.append("(" + " OR ".join(FLAG_SQL.values()) + ")")
    elif q.flag:
        where.append(FLAG_SQL[InternFlag(q.flag)])
    if q.text_where:
        where.append(f"({q.text_where})")
        params.update(q.text_params or {})
    return " AND ".join(where), params


def _from() -> str:
    return f"FROM app_view v LEFT JOIN m_employer e ON e.id = v.employer_id {LAST_FOLLOWUP_JOIN}"


def query_interns(db: sqlite3.Connection, q: InternQuery) -> list[sqlite3.Row]:
    where, params = _intern_where(q)
    sql = f"SELECT {INTERN_COLUMNS} {_from()} WHERE {where} ORDER BY {q.order_by}, v.id"
    cur = db.execute(sql, params)
    cur.row_factory = sqlite3.Row
    return list(cur.fetchall())


def intern_rows(db: sqlite3.Connection, ids: Sequence[int], today: dt.date) -> dict[int, tuple[Any, ...]]:
    """The ``TABLE_COLUMNS`` values of the interns ``ids`` (a page of the list), by id."""
    cols = ", ".join(f"{expr} AS {name}" for name, expr in TABLE_COLUMNS.items())
    out: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(ids), 500):
        chunk = [int(x) for x in ids[i : i + 500]]
        params: dict[str, Any] = {"today": today.isoformat()}
        params.update({f"i{n}": v for n, v in enumerate(chunk)})
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        for r in db.execute(f"SELECT v.id, {cols} {_from()} WHERE v.id IN ({marks})", params):
            out[int(r[0])] = tuple(r[1:])
    return out


def intern_ids(db: sqlite3.Connection, q: InternQuery) -> list[int]:
    where, params = _intern_where(q)
    sql = f"SELECT v.id {_from()} WHERE {where} ORDER BY {q.order_by}, v.id"
    return [r[0] for r in db.execute(sql, params)]


def intern_row(db: sqlite3.Connection, application_id: int, today: dt.date) -> sqlite3.Row | None:
    sql = f"SELECT {INTERN_COLUMNS} {_from()} WHERE v.id = :id"
    cur = db.execute(sql, {"id": application_id, "today": today.isoformat()})
    cur.row_factory = sqlite3.Row
    row: sqlite3.Row | None = cur.fetchone()
    return row


def flag_counts(db: sqlite3.Connection, today: dt.date, department_id: int | None = None) -> dict[str, int]:
    """Per flag: how many interns have it; plus "any" (interns with at least one)."""
    q = InternQuery(today=today, department_id=department_id)
    where, params = _intern_where(q)
    cols = ", ".join(f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)" for cond in FLAG_SQL.values())
    anyc = "SUM(CASE WHEN " + " OR ".join(FLAG_SQL.values()) + " THEN 1 ELSE 0 END)"
    row = db.execute(f"SELECT {cols}, {anyc} {_from()} WHERE {where}", params).fetchone()
    out = {flag.value: int(row[i] or 0) for i, flag in enumerate(FLAG_SQL)}
    out["any"] = int(row[len(FLAG_SQL)] or 0)
    return out


def filter_options(db: sqlite3.Connection) -> tuple[list[tuple[int, str]], list[str]]:
    """Employers and cities that occur among interns."""
    marks = ", ".join(f"'{s}'" for s in INTERN_STATUS_VALUES)
    employers = [
        (int(r[0]), str(r[1]))
        for r in db.execute(
            f"SELECT DISTINCT employer_id, employer FROM app_view WHERE status IN ({marks})"
            " AND employer_id IS NOT NULL ORDER BY employer"
        )
    ]
    cities = [
        str(r[0])
        for r in db.execute(
            f"SELECT DISTINCT city FROM app_view WHERE status IN ({marks}) AND city != '' ORDER BY city"
        )
    ]
    return employers, cities


# ------------------------------------------------------------ withdrawals ----


def withdrawals(
    db: sqlite3.Connection,
    *,
    department_id: int | None = None,
    application_id: int | None = None,
    student_ids: Sequence[int] | None = None,
) -> list[sqlite3.Row]:
    """Withdrawal records joined with the student and the employer."""
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if department_id is not None:
        where.append("w.department_id = :dept")
        params["dept"] = department_id
    if application_id is not None:
        where.append("w.application_id = :app")
        params["app"] = application_id
    if student_ids is not None:
        where.append(f"w.student_id IN ({', '.join(str(int(i)) for i in student_ids) or 'NULL'})")
    sql = (
        "SELECT w.id, w.data, COALESCE(s.student_no, '') AS student_no, COALESCE(s.name, '') AS student_name,"
        " COALESCE(d.name, '') AS department_name, COALESCE(v.employer, '') AS employer_name,"
        " v.status AS application_status, " + _local_state("withdrawal", "w.id") + " AS local_state"
        " FROM m_withdrawal w"
        " LEFT JOIN m_student s ON s.id = w.student_id"
        " LEFT JOIN m_department d ON d.id = w.department_id"
        " LEFT JOIN app_view v ON v.id = w.application_id"
        f" WHERE {' AND '.join(where)} ORDER BY w.id"
    )
    cur = db.execute(sql, params)
    cur.row_factory = sqlite3.Row
    return list(cur.fetchall())


def _local_state(rtype: str, rid: str) -> str:
    return (
        "(SELECT CASE MAX(CASE i.state WHEN 'conflict' THEN 3 WHEN 'rejected' THEN 2"
        " WHEN 'pending' THEN 1 ELSE 0 END) WHEN 3 THEN 'conflict' WHEN 2 THEN 'rejected'"
        " WHEN 1 THEN 'pending' ELSE NULL END FROM outbox_item i"
        f" WHERE i.rtype = '{rtype}' AND i.rid = {rid} AND i.state IN ('pending', 'conflict', 'rejected'))"
    )


def student_ids_matching(db: sqlite3.Connection, text_where: str, params: dict[str, Any]) -> list[int]:
    """Students whose name / number / pinyin match (``text_where`` over ``v``-style
    columns is rewritten for m_student ``s``)."""
    sql = f"SELECT s.id FROM m_student s WHERE {text_where}"
    return [int(r[0]) for r in db.execute(sql, params)]


# -------------------------------------------------------------- integrity ----


def integrity(
    db: sqlite3.Connection,
    *,
    student_id: int | None = None,
    department_id: int | None = None,
    kind: str | None = None,
    student_ids: Sequence[int] | None = None,
) -> list[sqlite3.Row]:
    where = ["1 = 1"]
    params: dict[str, Any] = {}
    if student_id is not None:
        where.append("g.student_id = :sid")
        params["sid"] = student_id
    if department_id is not None:
        where.append("json_extract(g.data, '$.department_id') = :dept")
        params["dept"] = department_id
    if kind:
        where.append("g.kind = :kind")
        params["kind"] = kind
    if student_ids is not None:
        where.append(f"g.student_id IN ({', '.join(str(int(i)) for i in student_ids) or 'NULL'})")
    sql = (
        "SELECT g.id, g.data, COALESCE(s.student_no, '') AS student_no, COALESCE(s.name, '') AS student_name,"
        " COALESCE(d.name, '') AS department_name, " + _local_state("integrity", "g.id") + " AS local_state"
        " FROM m_integrity g"
        " LEFT JOIN m_student s ON s.id = g.student_id"
        " LEFT JOIN m_department d ON d.id = s.department_id"
        f" WHERE {' AND '.join(where)} ORDER BY g.date DESC, g.id DESC"
    )
    cur = db.execute(sql, params)
    cur.row_factory = sqlite3.Row
    return list(cur.fetchall())


# -------------------------------------------------------------- excellent ----


def excellent(db: sqlite3.Connection, year: int | None = None) -> list[sqlite3.Row]:
    where = "COALESCE(v.excellent_nominated, 0) = 1"
    params: dict[str, Any] = {}
    if year is not None:
        where += " AND substr(v.end_date, 1, 4) = :year"
        params["year"] = str(year)
    sql = (
        "SELECT v.id, v.student_id, v.student_no, v.name, v.department, v.employer, v.position,"
        " v.end_date, v.employer_score, v.student_score,"
        " COALESCE(json_extract(a.data, '$.excellent_note'), '') AS note, v.local_state"
        " FROM app_view v JOIN m_application a ON a.id = v.id"
        f" WHERE {where} ORDER BY v.department, v.student_no"
    )
    cur = db.execute(sql, params)
    cur.row_factory = sqlite3.Row
    return list(cur.fetchall())


# --------------------------------------------------------------- followups ----


def followups_for(db: sqlite3.Connection, application_id: int) -> list[str]:
    """The JSON of every follow-up of an application, oldest first."""
    return [
        str(r[0])
        for r in db.execute(
            "SELECT data FROM m_followup WHERE application_id = ? ORDER BY date, id", (application_id,)
        )
    ]


def staff_json(db: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in db.execute("SELECT data FROM m_staff ORDER BY username")]


def calendar_json(db: sqlite3.Connection) -> list[str]:
    return [str(r[0]) for r in db.execute("SELECT data FROM m_calendar_year ORDER BY year")]
