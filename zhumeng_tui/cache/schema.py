"""Declarative schema of the local cache.

Mirror tables: one per record type, ``m_<type>(id, version, seq, data, ...)``
where ``data`` is the record's JSON and the extra columns are extracted from it
at apply time (for indexes and joins). ``app_view`` is the denormalised
application table the review queue filters (one row per application).

A new column is a :class:`Col` in ``MIRROR[type]`` or a :class:`ViewCol` in
``APP_VIEW``, with ``SCHEMA_VERSION`` bumped: an existing cache is then rebuilt
from the server on its next open (pending outbox entries are kept).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from pydantic_core import to_json

from zhumeng_tui.cache.pinyin import name_pinyin
from zhumeng_tui.domain.eligibility import CheckId, CheckResult
from zhumeng_tui.domain.graduates import NeedKind
from zhumeng_tui.domain.students import mask_id_number

SCHEMA_VERSION = 9

Data = dict[str, Any]


def dumps(data: Any) -> str:
    """Compact JSON text, as stored in the ``data`` columns and the outbox
    (pydantic-core's serializer: ~3x faster than json.dumps)."""
    try:
        return to_json(data).decode()
    except Exception:  # an odd value: fall back to the slow, lenient path
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class Col:
    """A column of ``m_<type>``: the record's field of the same name (a
    boolean stored as 0/1), or a value of :data:`DERIVED` by that name."""

    name: str
    sqltype: str  # INTEGER | TEXT | REAL
    index: bool = False


@dataclass(frozen=True)
class Derived:
    """Column values computed from a record. ``reads``: the record's fields
    ``compute`` reads (the cache decodes only the fields its columns need);
    ``gives``: the columns it computes; ``compute`` gets the fields as
    attributes of one object and returns the values by column name (one
    left out is NULL). ``shapes``: the type a read field is decoded as
    (any JSON value otherwise); a list of objects read as small structs
    skips the members no one reads instead of building a dict of each."""

    reads: tuple[str, ...]
    gives: tuple[str, ...]
    compute: Callable[[Any], Data]
    shapes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cleanup:
    """What the cache changes in a record before it stores it: ``needed``
    tells from the ``reads`` fields (as for :class:`Derived`) whether
    ``apply`` has anything to do; ``apply`` changes the record (a dict)."""

    reads: tuple[str, ...]
    needed: Callable[[Any], bool]
    apply: Callable[[Data], Data]


_RANK = {CheckResult.PASS.value: 0, CheckResult.WARN.value: 1, CheckResult.FAIL.value: 2}


class _Check(msgspec.Struct):
    """What the check columns read of an application's check (its reasons are skipped)."""

    check: Any = None
    result: Any = None


def _app_derived(v: Any) -> Data:
    """The check columns and the worst result, in one pass over ``checks``."""
    out: Data = {f"c_{c.check}": c.result for c in v.checks or ()}
    results = set(out.values())
    out["worst"] = "fail" if "fail" in results else "warn" if "warn" in results else "pass"
    return out


def _student_derived(v: Any) -> Data:
    full, initials = name_pinyin(v.name or "")
    return {"py_full": full, "py_initials": initials}


#: Each need's column and kind (read per graduate: an enum's ``value`` is a slow look-up).
_NEED_COLUMNS = tuple((f"n_{k.value}", k.value) for k in NeedKind)


def _graduate_derived(v: Any) -> Data:
    """One 0/1 column per need (``n_guidance``...): what the lists filter and count."""
    asked = {n.get("kind") for n in v.needs or () if isinstance(n, dict)}
    return {column: int(kind in asked) for column, kind in _NEED_COLUMNS}


def _case_derived(v: Any) -> Data:
    """The columns the hardship flags and filters read: the plan's target, the
    last visit, each subsidy date, the categories as ``,poverty,special,``."""
    plan = v.plan if isinstance(v.plan, dict) else None
    subsidy = v.subsidy if isinstance(v.subsidy, dict) else {}
    visits = [str(x["date"]) for x in v.visits or () if isinstance(x, dict) and x.get("date")]
    cats = [c.get("category") for c in v.categories or () if isinstance(c, dict)]
    return {
        "has_plan": int(plan is not None),
        "plan_target": plan.get("target_date") if plan else None,
        "last_visit": max(visits) if visits else None,
        "subsidy_applied": subsidy.get("applied_on"),
        "subsidy_approved": subsidy.get("approved_on"),
        "subsidy_paid": subsidy.get("paid_on"),
        "categories": "," + ",".join(str(c) for c in cats) + "," if cats else "",
    }


def _post_derived(v: Any) -> Data:
    """The majors a post wants as ``,软件工程,会计学,`` (what the major filter matches)."""
    majors = [str(x) for x in v.majors or () if isinstance(x, str)]
    return {"majors_list": "," + ",".join(majors) + "," if majors else ""}


#: Per-type values computed once per record (a column named in ``gives`` is one of them).
DERIVED: dict[str, Derived] = {
    "application": Derived(("checks",), ("worst", *(f"c_{c.value}" for c in CheckId)), _app_derived,
                           {"checks": list[_Check] | None}),
    "student": Derived(("name",), ("py_full", "py_initials"), _student_derived),
    "graduate": Derived(("needs",), tuple(f"n_{k.value}" for k in NeedKind), _graduate_derived),
    "hardship_case": Derived(
        ("plan", "subsidy", "visits", "categories"),
        ("has_plan", "plan_target", "last_visit", "subsidy_applied", "subsidy_approved", "subsidy_paid",
         "categories"),
        _case_derived,
    ),
    "job_post": Derived(("majors",), ("majors_list",), _post_derived),
}


def _id_number_unmasked(v: Any) -> bool:
    masked = v.id_number_masked
    return v.id_number is not None or (isinstance(masked, str) and mask_id_number(masked) != masked)


def _mask_id_number(data: Data) -> Data:
    if isinstance(data.get("id_number_masked"), str):
        data["id_number_masked"] = mask_id_number(data["id_number_masked"])
    data.pop("id_number", None)
    return data


#: Per-type cleanups: ID numbers are stored masked, whatever the server sent.
CLEANUP: dict[str, Cleanup] = {
    "student": Cleanup(("id_number_masked", "id_number"), _id_number_unmasked, _mask_id_number),
}


MIRROR: dict[str, list[Col]] = {
    "university": [Col("name", "TEXT"), Col("in_province", "INTEGER"), Col("city", "TEXT")],
    "department": [Col("university_id", "INTEGER", index=True), Col("name", "TEXT")],
    "staff": [
        Col("username", "TEXT", index=True),
        Col("role", "TEXT"),
        Col("department_id", "INTEGER"),
    ],
    "student": [
        Col("university_id", "INTEGER"),
        Col("department_id", "INTEGER"),
        Col("student_no", "TEXT", index=True),
        Col("name", "TEXT"),
        Col("py_full", "TEXT"),
        Col("py_initials", "TEXT"),
        Col("phone", "TEXT"),
        Col("out_of_province", "INTEGER"),
        Col("major", "TEXT"),
        Col("degree", "TEXT"),
    ],
    "employer": [Col("name", "TEXT"), Col("type", "TEXT"), Col("region", "TEXT")],
    "position": [
        Col("employer_id", "INTEGER", index=True),
        Col("title", "TEXT"),
        Col("region", "TEXT"),
        Col("start_date", "TEXT"),
        Col("end_date", "TEXT"),
    ],
    "application": [
        Col("student_id", "INTEGER", index=True),
        Col("position_id", "INTEGER", index=True),
        Col("department_id", "INTEGER"),
        Col("status", "TEXT"),
        Col("worst", "TEXT"),
        *[Col(f"c_{c.value}", "TEXT") for c in CheckId],
        Col("applied_at", "TEXT"),
        Col("on_duty_date", "TEXT"),
        Col("completed_date", "TEXT"),
        Col("insurance_recorded", "INTEGER"),
        Col("appraisal_copy_received", "TEXT"),
        Col("employer_score", "INTEGER"),
        Col("student_score", "INTEGER"),
        Col("responsible_staff", "TEXT"),
        Col("excellent_nominated", "INTEGER"),
    ],
    "withdrawal": [
        Col("application_id", "INTEGER", index=True),
        Col("student_id", "INTEGER", index=True),
        Col("department_id", "INTEGER"),
        Col("state", "TEXT"),
        Col("deadline", "TEXT"),
    ],
    "followup": [
        Col("application_id", "INTEGER"),  # ix_followup_last
        Col("student_id", "INTEGER"),
        Col("date", "TEXT"),
    ],
    "integrity": [
        Col("student_id", "INTEGER", index=True),
        Col("application_id", "INTEGER"),
        Col("kind", "TEXT"),
        Col("date", "TEXT"),
    ],
    "calendar_year": [Col("year", "INTEGER")],
    "graduate": [
        Col("student_id", "INTEGER", index=True),
        Col("department_id", "INTEGER"),  # ix_graduate_needs
        Col("university_id", "INTEGER"),
        Col("employment_status", "TEXT"),
        Col("graduation_date", "TEXT"),
        *[Col(f"n_{k.value}", "INTEGER") for k in NeedKind],
    ],
    "service_session": [
        Col("department_id", "INTEGER"),
        Col("kind", "TEXT"),
        Col("serves", "TEXT"),
        Col("date", "TEXT"),
    ],
    "attendance": [
        Col("session_id", "INTEGER", index=True),
        Col("graduate_id", "INTEGER"),  # ix_attendance_served
    ],
    "hardship_case": [
        Col("graduate_id", "INTEGER", index=True),
        Col("department_id", "INTEGER"),
        Col("state", "TEXT"),
        Col("opened_on", "TEXT"),
        Col("officer", "TEXT"),
        Col("has_plan", "INTEGER"),
        Col("plan_target", "TEXT"),
        Col("last_visit", "TEXT"),
        Col("subsidy_applied", "TEXT"),
        Col("subsidy_approved", "TEXT"),
        Col("subsidy_paid", "TEXT"),
        Col("categories", "TEXT"),
    ],
    "job_post": [
        Col("university_id", "INTEGER"),
        Col("owner_city", "TEXT"),
        Col("employer", "TEXT"),
        Col("title", "TEXT"),
        Col("category", "TEXT"),
        Col("city", "TEXT"),
        Col("valid_until", "TEXT"),
        Col("verified_on", "TEXT"),
        Col("majors_list", "TEXT"),
    ],
    "post_push": [
        Col("graduate_id", "INTEGER", index=True),
        Col("post_id", "INTEGER", index=True),
        Col("department_id", "INTEGER"),
        Col("answer", "TEXT"),
        Col("pushed_on", "TEXT"),
    ],
}


def transform(rtype: str, data: Data) -> Data:
    """Cache-side cleanup before a record is stored (:data:`CLEANUP`)."""
    cleanup = CLEANUP.get(rtype)
    return cleanup.apply(data) if cleanup is not None else data


def local_rank_sql(state: str) -> str:
    """How telling an outbox item's ``state`` is for its record: a conflict
    over a refusal over a pending change (0: settled)."""
    return f"CASE {state} WHEN 'conflict' THEN 3 WHEN 'rejected' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END"


def worst_state_sql(state: str) -> str:
    """The most telling ``state`` among an aggregate's outbox items (NULL: all settled)."""
    return f"CASE MAX({local_rank_sql(state)}) WHEN 3 THEN 'conflict' WHEN 2 THEN 'rejected' WHEN 1 THEN 'pending' END"


def local_state_sql(rtype: str, rid: str) -> str:
    """The local state of record (``rtype``, the id expression ``rid``) as an
    SQL subquery: 'conflict', 'rejected', 'pending', or NULL when synced."""
    assert rtype in MIRROR, rtype
    return (
        f"(SELECT {worst_state_sql('i.state')} FROM outbox_item i"
        f" WHERE i.rtype = '{rtype}' AND i.rid = {rid} AND i.state IN ('pending', 'conflict', 'rejected'))"
    )


@dataclass(frozen=True)
class ViewCol:
    name: str
    sqltype: str
    expr: str  # SQL over a (m_application), s (m_student), d, p, e
    index: bool = False


#: The denormalised application row (review queue, interns list).
APP_VIEW: list[ViewCol] = [
    ViewCol("version", "INTEGER", "a.version"),
    ViewCol("student_id", "INTEGER", "a.student_id"),
    ViewCol("student_no", "TEXT", "COALESCE(s.student_no, '')"),  # ix_app_view_search
    ViewCol("name", "TEXT", "COALESCE(s.name, '')"),
    # indexed: a pinyin prefix (2+ letters) seeks both instead of scanning
    ViewCol("py_full", "TEXT", "COALESCE(s.py_full, '')", index=True),
    ViewCol("py_initials", "TEXT", "COALESCE(s.py_initials, '')", index=True),
    ViewCol("phone", "TEXT", "COALESCE(s.phone, '')"),
    ViewCol("out_of_province", "INTEGER", "COALESCE(s.out_of_province, 0)"),
    ViewCol("department_id", "INTEGER", "a.department_id", index=True),
    ViewCol("department", "TEXT", "COALESCE(d.name, '')"),
    ViewCol("position_id", "INTEGER", "a.position_id"),
    ViewCol("position", "TEXT", "COALESCE(p.title, '')"),
    ViewCol("employer_id", "INTEGER", "p.employer_id"),  # filtered with status, or as +employer_id
    ViewCol("employer", "TEXT", "COALESCE(e.name, '')"),
    ViewCol("city", "TEXT", "COALESCE(p.region, '')"),
    ViewCol("start_date", "TEXT", "COALESCE(p.start_date, '')"),
    ViewCol("end_date", "TEXT", "COALESCE(p.end_date, '')"),
    ViewCol("status", "TEXT", "a.status", index=True),
    ViewCol("worst", "TEXT", "a.worst"),
    *[ViewCol(f"c_{c.value}", "TEXT", f"COALESCE(a.c_{c.value}, '')") for c in CheckId],
    ViewCol(
        "failed_checks",
        "TEXT",
        "rtrim(" + " || ".join(f"CASE WHEN a.c_{c.value} = 'fail' THEN '{c.value} ' ELSE '' END" for c in CheckId)
        + ")",
    ),
    ViewCol("applied_at", "TEXT", "a.applied_at"),
    ViewCol("on_duty_date", "TEXT", "a.on_duty_date"),
    ViewCol("completed_date", "TEXT", "a.completed_date"),
    ViewCol("insurance_recorded", "INTEGER", "a.insurance_recorded"),
    ViewCol("appraisal_copy_received", "TEXT", "a.appraisal_copy_received"),
    ViewCol("employer_score", "INTEGER", "a.employer_score"),
    ViewCol("student_score", "INTEGER", "a.student_score"),
    ViewCol("responsible_staff", "TEXT", "a.responsible_staff"),
    ViewCol("excellent_nominated", "INTEGER", "a.excellent_nominated"),
    ViewCol(
        "has_open_withdrawal",
        "INTEGER",
        "EXISTS(SELECT 1 FROM m_withdrawal w WHERE w.application_id = a.id"
        " AND w.state NOT IN ('submitted', 'cancelled'))",
    ),
    ViewCol("local_state", "TEXT", local_state_sql("application", "a.id")),
]


#: The statuses an intern flag can apply to (each flag's condition names one),
#: as one SQL condition: the flags' covering index is partial on it, and the
#: flag counts repeat it word for word (SQLite uses a partial index only for a
#: query that states its condition).
FLAGGABLE = "status IN ('approved', 'on_duty', 'completed')"


def ddl() -> list[str]:
    out = [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
        """CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            idem_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            method TEXT NOT NULL,
            path TEXT NOT NULL,
            body TEXT,
            if_match INTEGER,
            state TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            sent INTEGER NOT NULL DEFAULT 0,
            next_try REAL NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT,
            code TEXT, message_zh TEXT, message_en TEXT)""",
        """CREATE TABLE IF NOT EXISTS outbox_item (
            seq INTEGER NOT NULL,
            pos INTEGER NOT NULL,
            rtype TEXT NOT NULL,
            rid INTEGER NOT NULL,
            base_version INTEGER,
            base TEXT,
            local TEXT,
            state TEXT NOT NULL DEFAULT 'pending',
            code TEXT, message_zh TEXT, message_en TEXT,
            server TEXT,
            PRIMARY KEY (seq, pos))""",
        "CREATE INDEX IF NOT EXISTS ix_outbox_item_rec ON outbox_item (rtype, rid, state)",
        "CREATE INDEX IF NOT EXISTS ix_outbox_state ON outbox (state, seq)",
    ]
    for rtype, cols in MIRROR.items():
        extra = "".join(f", {c.name} {c.sqltype}" for c in cols)
        out.append(
            f"CREATE TABLE IF NOT EXISTS m_{rtype} (id INTEGER PRIMARY KEY, version INTEGER NOT NULL,"
            f" seq INTEGER NOT NULL, data TEXT NOT NULL{extra})"
        )
        for c in cols:
            if c.index:
                out.append(f"CREATE INDEX IF NOT EXISTS ix_{rtype}_{c.name} ON m_{rtype} ({c.name})")
    out.append(app_view_table_sql("app_view"))
    # records a bulk pull received after app_view rows that join them (see VIEW_SOURCES)
    out.append("CREATE TABLE IF NOT EXISTS view_pending (rtype TEXT NOT NULL, id INTEGER NOT NULL,"
               " PRIMARY KEY (rtype, id)) WITHOUT ROWID")
    for vc in APP_VIEW:
        if vc.index:
            out.append(f"CREATE INDEX IF NOT EXISTS ix_app_view_{vc.name} ON app_view ({vc.name})")
    # most rows have no local change: only those with one are in it
    out.append("CREATE INDEX IF NOT EXISTS ix_app_view_local ON app_view (local_state) WHERE local_state IS NOT NULL")
    # The search box and the default order (学号): a narrow covering index, so
    # typing scans about 10 MB at 200,000 rows instead of the whole table.
    out.append(
        "CREATE INDEX IF NOT EXISTS ix_app_view_search ON app_view (student_no, id, name, py_initials, py_full)"
    )
    # covering index for the dashboard (counts per status, waiting, blockers by
    # check) and for the queue's filters without search text (+ 学号 to sort)
    checks = ", ".join(f"c_{c.value}" for c in CheckId)
    out.append(
        "CREATE INDEX IF NOT EXISTS ix_app_view_dash ON app_view"
        f" (status, out_of_province, department_id, {checks}, student_no)"
    )
    # covering index of what the graduates' coverage and filters read (a scan of
    # the index, not of the records' JSON)
    needs = ", ".join(f"n_{k.value}" for k in NeedKind)
    out.append(
        f"CREATE INDEX IF NOT EXISTS ix_graduate_needs ON m_graduate (department_id, {needs},"
        " employment_status, graduation_date)"
    )
    # a graduate's attendance and the sessions' ids in one seek (served needs)
    out.append("CREATE INDEX IF NOT EXISTS ix_attendance_served ON m_attendance (graduate_id, session_id)")
    # an application's follow-ups and the last one's date in one seek (intern flags)
    out.append("CREATE INDEX IF NOT EXISTS ix_followup_last ON m_followup (application_id, date)")
    # covering index for the intern flags' counts (the dashboard): every
    # column a flag reads, over the statuses a flag can apply to
    out.append(
        "CREATE INDEX IF NOT EXISTS ix_app_view_flags ON app_view (status, department_id, on_duty_date,"
        " start_date, end_date, insurance_recorded, appraisal_copy_received, employer_score, student_score)"
        f" WHERE {FLAGGABLE}"
    )
    return out


MIRROR_TABLES = [f"m_{t}" for t in MIRROR] + ["app_view", "view_pending"]

#: The record types an ``app_view`` row is made of besides its application
#: (joined, or for a withdrawal looked up by ``application_id``).
VIEW_SOURCES = ("student", "department", "position", "employer", "withdrawal")

#: The mirror's indexes ``app_view_rebuild_sql`` reads (``has_open_withdrawal``):
#: a bulk pull keeps them while it fills ``app_view`` page by page.
VIEW_READS_INDEXES = ("ix_withdrawal_application_id",)


def app_view_rebuild_sql(where: str, into: str = "app_view") -> str:
    """INSERT OR REPLACE the app_view rows of the applications matching
    ``where`` (over ``a``) into ``into`` (``app_view`` or a table of its shape)."""
    names = ", ".join(c.name for c in APP_VIEW)
    exprs = ", ".join(c.expr for c in APP_VIEW)
    return (
        f"INSERT OR REPLACE INTO {into} (id, {names}) SELECT a.id, {exprs} "
        "FROM m_application a "
        "LEFT JOIN m_student s ON s.id = a.student_id "
        "LEFT JOIN m_department d ON d.id = a.department_id "
        "LEFT JOIN m_position p ON p.id = a.position_id "
        "LEFT JOIN m_employer e ON e.id = p.employer_id "
        f"WHERE {where}"
    )


def app_view_table_sql(table: str) -> str:
    """``CREATE TABLE`` of ``app_view``, or of a table of its shape (``temp.<name>``)."""
    vcols = "".join(f", {c.name} {c.sqltype}" for c in APP_VIEW)
    return f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY{vcols})"


def app_view_changed_sql(staged: str) -> str:
    """One row: for each ``APP_VIEW`` column, whether a row of ``staged``
    differs from its ``app_view`` row in it (rows new to app_view aside)."""
    return ("SELECT " + ", ".join(f"max(v.{c.name} IS NOT n.{c.name})" for c in APP_VIEW)
            + f" FROM {staged} n JOIN app_view v ON v.id = n.id")


def app_view_update_sql(staged: str, columns: list[str]) -> str:
    """Set ``columns`` of the app_view rows of ``staged`` to its values."""
    return (f"UPDATE app_view SET ({', '.join(columns)}) ="
            f" (SELECT {', '.join(f'n.{x}' for x in columns)} FROM {staged} n WHERE n.id = app_view.id)"
            f" WHERE id IN (SELECT id FROM {staged})")
