"""SQL over ``app_view`` (the denormalised application row, ``v``): the lists
of applications (review queue and interns list alike), a page of their rows,
counts, the dashboard's counts, the missing list and what a review decision
reads.

A list is described by the contract's :class:`~zhumeng_tui.services.AppFilter`
and :class:`~zhumeng_tui.services.SortSpec`. :func:`where` turns a filter into
one SQL condition, :func:`sort_sql` a sort into an expression and
:func:`column_sql` a row column (the names of ``ApplicationRows.columns``) into
its value. Conditions that count from a day (intern flags) take ``today`` and
hold it as a literal, so one filter is one SQL text for both lists.

Index choice matters at 200,000 rows: ``ix_app_view_search`` (学号, id and the
searchable columns) answers search text and the 学号 order; ``ix_app_view_dash``
covers status, department and the checks. ``+col`` keeps SQLite from using an
index on ``col`` where another one serves better.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from zhumeng_tui.cache.search import parse_ids, terms_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.eligibility import CheckId, CheckResult
from zhumeng_tui.domain.interns import (
    ENDING_WITHIN_DAYS,
    FOLLOWUP_EVERY_DAYS,
    NOT_ON_DUTY_AFTER_DAYS,
    InternFlag,
)
from zhumeng_tui.domain.search import search_terms
from zhumeng_tui.domain.status import Role, Status
from zhumeng_tui.services import AppFilter, LocalState, SortSpec

Row = tuple[Any, ...]

# ------------------------------------------------------------ intern flags --

#: The date of an application's last follow-up.
LAST_FOLLOWUP = "(SELECT MAX(f.date) FROM m_followup f WHERE f.application_id = v.id)"


def _day(today: dt.date) -> str:
    """``today`` as an SQL literal ('YYYY-MM-DD': digits and dashes only)."""
    return f"'{dt.date.isoformat(today)}'"


def flag_conditions(today: dt.date) -> dict[InternFlag, str]:
    """Flag -> its condition over ``v``, with the thresholds of
    :mod:`zhumeng_tui.domain.interns` (the tests check the two agree)."""
    d = _day(today)
    return {
        InternFlag.NOT_ON_DUTY: (
            "(v.status = 'approved' AND v.on_duty_date IS NULL AND v.start_date != ''"
            f" AND julianday({d}) - julianday(v.start_date) >= {NOT_ON_DUTY_AFTER_DAYS})"
        ),
        InternFlag.NO_INSURANCE: "(v.status = 'on_duty' AND COALESCE(v.insurance_recorded, 0) = 0)",
        InternFlag.ENDING_SOON: (
            "(v.status = 'on_duty' AND v.end_date != ''"
            f" AND julianday(v.end_date) - julianday({d}) BETWEEN 0 AND {ENDING_WITHIN_DAYS})"
        ),
        InternFlag.APPRAISAL_MISSING: "(v.status = 'completed' AND v.appraisal_copy_received IS NULL)",
        InternFlag.EVALUATION_MISSING: (
            "(v.status = 'completed' AND (v.employer_score IS NULL OR v.student_score IS NULL))"
        ),
        InternFlag.NO_FOLLOWUP: (
            f"(v.status = 'on_duty' AND v.end_date != '' AND v.end_date >= {d} AND julianday({d})"
            f" - julianday(MAX(COALESCE({LAST_FOLLOWUP}, ''), COALESCE(v.on_duty_date, NULLIF(v.start_date, ''))))"
            f" >= {FOLLOWUP_EVERY_DAYS})"
        ),
        InternFlag.PAST_END: f"(v.status = 'on_duty' AND v.end_date != '' AND v.end_date < {d})",
    }


def flag_sql(flag: InternFlag | Literal["any"], today: dt.date) -> str:
    """The condition "has this flag" ("any": at least one)."""
    conds = flag_conditions(today)
    if flag == "any":
        return "(" + " OR ".join(conds.values()) + ")"
    return conds[InternFlag(flag)]


def _flags_column(today: dt.date) -> str:
    """The flag codes of a row, comma-separated ('' when none)."""
    parts = (f"CASE WHEN {cond} THEN ',{flag.value}' ELSE '' END" for flag, cond in flag_conditions(today).items())
    return "TRIM(" + " || ".join(parts) + ", ',')"


_DAYS_TOTAL = "MAX(CAST(julianday(v.end_date) - julianday(v.start_date) AS INTEGER) + 1, 0)"


def _days_done(today: dt.date) -> str:
    """Days done of the internship, as :func:`zhumeng_tui.domain.interns.days_done`."""
    return (
        "MAX(MIN(CASE"
        " WHEN v.status IN ('completed', 'appraised') THEN CAST(julianday(MIN(COALESCE(v.completed_date,"
        " v.end_date), v.end_date)) - julianday(v.start_date) AS INTEGER) + 1"
        f" WHEN v.status = 'on_duty' THEN CAST(julianday(MIN({_day(today)}, v.end_date))"
        " - julianday(MAX(COALESCE(v.on_duty_date, v.start_date), v.start_date)) AS INTEGER) + 1"
        f" ELSE 0 END, {_DAYS_TOTAL}), 0)"
    )


def _days_column(today: dt.date) -> str:
    """'done/total' days, as :func:`zhumeng_tui.domain.interns.days_done`."""
    return f"CASE WHEN v.start_date = '' OR v.end_date = '' THEN '' ELSE {_days_done(today)} || '/' || {_DAYS_TOTAL} END"


def _days_sort(today: dt.date) -> str:
    """The 天数 order: days done, then days in total (a number, not the text)."""
    return f"CASE WHEN v.start_date = '' OR v.end_date = '' THEN -1 ELSE {_days_done(today)} * 1000 + {_DAYS_TOTAL} END"


# ----------------------------------------------------------------- columns --

#: Row columns -> SQL over ``v``. Raw values (status codes, check results,
#: flag codes); the table formats them.
_COLUMNS: dict[str, str] = {
    "student_no": "v.student_no",
    "name": "v.name",
    "department": "v.department",
    "employer": "v.employer",
    "employer_type": "COALESCE((SELECT e.type FROM m_employer e WHERE e.id = v.employer_id), '')",
    "position": "v.position",
    "city": "v.city",
    "status": "v.status",
    "worst": "v.worst",
    "failed_checks": "v.failed_checks",
    "local_state": "v.local_state",
    "applied_at": "v.applied_at",
    "start_date": "v.start_date",
    "end_date": "v.end_date",
    "on_duty_date": "v.on_duty_date",
    "phone": "v.phone",
    "completed_date": "v.completed_date",
    "insurance_recorded": "v.insurance_recorded",
    "appraisal_copy_received": "v.appraisal_copy_received",
    "employer_score": "v.employer_score",
    "student_score": "v.student_score",
    "out_of_province": "v.out_of_province",
    **{k: f"(SELECT json_extract(s.data, '$.{k}') FROM m_student s WHERE s.id = v.student_id)"
       for k in ("gender", "major", "grade", "degree")},
    "version": "v.version",
    # the display name of the responsible staff member where it is cached, else the username
    "responsible_staff": (
        "COALESCE((SELECT json_extract(s.data, '$.display_name') FROM m_staff s"
        " WHERE s.username = v.responsible_staff), v.responsible_staff, '')"
    ),
    **{f"c_{c.value}": f"v.c_{c.value}" for c in CheckId},
}
#: Columns whose value counts from today.
_DATED_COLUMNS = {"intern_flag": _flags_column, "days": _days_column}
#: Sort keys that differ from the column's value (names sort by pinyin).
_SORT_SQL = {
    "name": "v.py_full",
    "worst": "CASE v.worst WHEN 'fail' THEN 2 WHEN 'warn' THEN 1 ELSE 0 END",
}
#: Sort keys that count from today.
_DATED_SORT = {"days": _days_sort}
#: Every row column.
COLUMN_NAMES = frozenset(_COLUMNS) | frozenset(_DATED_COLUMNS)


def column_sql(name: str, today: dt.date) -> str:
    """The SQL of row column ``name`` (one of :data:`COLUMN_NAMES`)."""
    dated = _DATED_COLUMNS.get(name)
    return dated(today) if dated is not None else _COLUMNS[name]


def sorts_by_student_no(sort: SortSpec) -> bool:
    """Whether ``sort`` is the 学号 order (an unknown column sorts by 学号)."""
    return sort.column == "student_no" or sort.column not in COLUMN_NAMES


def sort_sql(sort: SortSpec, today: dt.date) -> str:
    """The expression a list sorts by (without direction)."""
    if sorts_by_student_no(sort):
        return "v.student_no"
    dated = _DATED_SORT.get(sort.column)
    if dated is not None:
        return dated(today)
    return _SORT_SQL.get(sort.column) or column_sql(sort.column, today)


# ------------------------------------------------------------------ filter --


@dataclass(frozen=True)
class Reviewer:
    """Whose decisions ``AppFilter.actionable`` means (a viewer: the role it is bound to)."""

    role: Role
    department_id: int | None = None


def _waiting_sql(reviewer: Reviewer | None, no_index: str = "") -> tuple[str, list[Any]]:
    """Applications waiting for this reviewer (``no_index="+"``: not through an index)."""
    if reviewer is None:
        return "0", []
    if reviewer.role == Role.DEPARTMENT:
        return (f"({no_index}status = 'matched' AND out_of_province = 0 AND department_id = ?)",
                [reviewer.department_id])
    if reviewer.role == Role.UNIVERSITY:
        return f"({no_index}status = 'dept_confirmed' AND out_of_province = 0)", []
    if reviewer.role == Role.PROVINCE:
        return f"({no_index}status IN ('matched', 'dept_confirmed') AND out_of_province = 1)", []
    return "0", []


@dataclass(frozen=True)
class Where:
    """A filter as SQL over ``v``. ``search_order``: its matches are best read
    in 学号 order through ix_app_view_search (no filter, or a search text that
    index answers)."""

    sql: str
    params: tuple[Any, ...]
    search_order: bool


def where(f: AppFilter, today: dt.date, reviewer: Reviewer | None = None) -> Where:
    """The SQL condition of ``f`` (every part ANDed; ``actionable`` needs the ``reviewer``)."""
    clauses: list[str] = []
    params: list[Any] = []
    text = f.text.strip()
    in_search_order = not text
    if text:
        terms = search_terms(text)
        sql, p = terms_sql(terms)
        clauses.append(sql)
        params += p
        # a part of a name, one letter or a 学号 prefix: read in 学号 order
        # (a scan or range of ix_app_view_search); pinyin of two or more
        # letters seeks the pinyin indexes and sorts the few matches
        in_search_order = not any(t.field == "py_full" for t in terms)
    # With search text, ix_app_view_search answers the text and gives the
    # order; without, ix_app_view_dash covers status, department and checks.
    # A department alone: one scan of that index beats a seek per row.
    no_index = "+" if text else ""
    if f.department_id is not None:
        clauses.append("+department_id = ?")
        params.append(f.department_id)
    if f.statuses:
        clauses.append(f"{no_index}status IN ({', '.join('?' for _ in f.statuses)})")
        params += sorted(s.value for s in f.statuses)
    if f.check is not None:
        clauses.append(f"c_{CheckId(f.check).value} = ?")
        params.append(CheckResult(f.check_result).value)
    if f.actionable:
        sql, p = _waiting_sql(reviewer, no_index)
        clauses.append(sql)
        params += p
    if f.local_state is not None:
        clauses.append("local_state = ?")
        params.append(LocalState(f.local_state).value)
    if f.employer_id is not None:
        clauses.append("+employer_id = ?")
        params.append(f.employer_id)
    if f.city:
        clauses.append("city = ?")
        params.append(f.city)
    if f.intern_flag is not None:
        clauses.append(flag_sql(f.intern_flag, today))
    sql = " AND ".join(clauses) or "1"
    return Where(sql, tuple(params), in_search_order and (bool(text) or sql == "1"))


# ------------------------------------------------------------------ reads --


def ids(cache: Cache, w: Where, order: str | None = None, descending: bool = False) -> array[int]:
    """The ids matching ``w``: in the order of expression ``order`` (then id),
    or in any order (``order=None``)."""
    if order is None:
        sql = f"SELECT group_concat(id) FROM app_view v WHERE {w.sql}"
    else:
        d = " DESC" if descending else ""
        # In 学号 order, ix_app_view_search gives the matches without a sort.
        # Otherwise pinyin seeks its indexes and other filters scan
        # ix_app_view_dash or the table: then sorting the matches beats
        # walking the 学号 index with a random row read per application.
        if order == "v.student_no" and w.search_order:
            by = f"student_no{d}, id{d}"
        else:
            by = f"+({order}){d}, id{d}"
        sql = f"SELECT group_concat(id) FROM (SELECT id FROM app_view v WHERE {w.sql} ORDER BY {by})"
    return parse_ids(cache.conn().execute(sql, w.params).fetchone()[0])


def count(cache: Cache, w: Where) -> int:
    return int(cache.conn().execute(f"SELECT count(*) FROM app_view v WHERE {w.sql}", w.params).fetchone()[0])


def rows(cache: Cache, exprs: Sequence[str], app_ids: Sequence[int]) -> dict[int, Row]:
    """The values of ``exprs`` (SQL over ``v``) for the applications ``app_ids``
    that are in the cache, by id; {} once the cache is closed (the app is
    quitting: nothing to draw)."""
    found: dict[int, Row] = {}
    cols = ", ".join(exprs) if exprs else "NULL"
    try:
        conn = cache.conn()
        for i in range(0, len(app_ids), 500):
            chunk = list(app_ids[i : i + 500])
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(f"SELECT v.id, {cols} FROM app_view v WHERE v.id IN ({marks})", chunk):
                found[r[0]] = r[1:] if exprs else ()
    except (RuntimeError, sqlite3.ProgrammingError):
        return {}
    return found


@dataclass
class DashboardCounts:
    waiting: int
    by_status: dict[str, int]
    #: Applications failing each check, among ``blocking`` statuses.
    failing: dict[CheckId, int]
    #: Records per local outbox state.
    local: dict[str, int]


def dashboard_counts(cache: Cache, reviewer: Reviewer, blocking: frozenset[Status]) -> DashboardCounts:
    """The dashboard's numbers, from one snapshot: per status from the status
    index alone, check failures only over the ``blocking`` statuses."""
    with cache.read() as c:
        act_sql, act_params = _waiting_sql(reviewer)
        waiting = c.execute(f"SELECT count(*) FROM app_view WHERE {act_sql}", act_params).fetchone()[0]
        by_status = dict(c.execute("SELECT status, count(*) FROM app_view GROUP BY status").fetchall())
        review = sorted(s.value for s in blocking)
        sums = ", ".join(f"SUM(c_{ch.value} = 'fail')" for ch in CheckId)
        failing = c.execute(
            f"SELECT {sums} FROM app_view WHERE status IN ({', '.join('?' for _ in review)})", review
        ).fetchone()
        local = cache.outbox.local_counts()
    return DashboardCounts(
        int(waiting),
        {str(k): int(n) for k, n in by_status.items()},
        {ch: int(n or 0) for ch, n in zip(CheckId, failing, strict=True)},
        local,
    )


@dataclass
class MissingRow:
    application_id: int
    student_no: str
    name: str
    department: str
    phone: str
    reason: str


def missing(
    cache: Cache, blocking: frozenset[Status], department_id: int | None, lang: str
) -> dict[CheckId, list[MissingRow]]:
    """Per check: the applications in ``blocking`` statuses that fail it, with
    the check's reason (in ``lang``), by department and 学号."""
    review = sorted(s.value for s in blocking)
    reason_key = "$.reason_en" if lang == "en" else "$.reason_zh"
    out: dict[CheckId, list[MissingRow]] = {}
    with cache.read() as c:
        for ch in CheckId:
            params: list[Any] = [reason_key, ch.value, *review]
            dept = ""
            if department_id is not None:
                dept = " AND v.department_id = ?"
                params.append(department_id)
            found = c.execute(
                "SELECT v.id, v.student_no, v.name, v.department, v.phone,"
                " (SELECT json_extract(j.value, ?) FROM m_application a, json_each(a.data, '$.checks') j"
                "  WHERE a.id = v.id AND json_extract(j.value, '$.check') = ?)"
                f" FROM app_view v WHERE v.c_{ch.value} = 'fail'"
                f" AND v.status IN ({', '.join('?' for _ in review)}){dept}"
                " ORDER BY v.department, v.student_no",
                params,
            ).fetchall()
            out[ch] = [MissingRow(r[0], r[1], r[2], r[3], r[4], r[5] or "") for r in found]
    return out


@dataclass
class ReviewFacts:
    """What a review decision reads about one application."""

    status: str
    out_of_province: bool
    department_id: int | None
    version: int
    checks: dict[CheckId, str]
    #: The student and the post: two approvals of one student whose posts
    #: overlap in time cannot both stand.
    student_id: int = 0
    position: str = ""
    start_date: str = ""
    end_date: str = ""


def review_facts(cache: Cache, app_ids: Sequence[int]) -> dict[int, ReviewFacts]:
    checks = ", ".join(f"c_{c.value}" for c in CheckId)
    found = cache.conn().execute(
        f"SELECT id, status, out_of_province, department_id, version, student_id, position, start_date, end_date,"
        f" {checks} FROM app_view WHERE id IN (SELECT value FROM json_each(?))",
        ("[" + ",".join(str(int(i)) for i in app_ids) + "]",),
    ).fetchall()
    return {
        r[0]: ReviewFacts(r[1], bool(r[2]), r[3], r[4], dict(zip(CheckId, r[9:], strict=True)),
                          r[5], r[6], r[7], r[8])
        for r in found
    }
