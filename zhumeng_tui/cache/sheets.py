"""SQL for imports and statistics: the records an import compares its rows
with (students by 学号 with their roster fields, interns by 学号 with their
tracking fields, the checks of applications under review) and the counts the
statistics charts draw. Nothing here writes: an import's changes go through
the outbox.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic_core import from_json

from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.eligibility import CheckId
from zhumeng_tui.domain.roster import ROSTER_FIELDS


@dataclass(frozen=True)
class RosterStudent:
    """A cached student as a roster import sees it."""

    id: int
    version: int
    name: str
    department_id: int
    out_of_province: bool
    #: The roster fields (``domain.roster.ROSTER_FIELDS``) as stored.
    fields: dict[str, Any]


def _json_list(values: Collection[Any]) -> str:
    return json.dumps(sorted({str(v) for v in values}), ensure_ascii=False)


def roster_students(cache: Cache, student_nos: Collection[str]) -> dict[str, list[RosterStudent]]:
    """The cached students with these 学号, by 学号 (a list: two records may share one)."""
    names = [f.name for f in ROSTER_FIELDS]
    out: dict[str, list[RosterStudent]] = {}
    rows = cache.conn().execute(
        "SELECT student_no, id, version, name, department_id, out_of_province, data FROM m_student"
        " WHERE student_no IN (SELECT value FROM json_each(?))",
        (_json_list(student_nos),),
    )
    for no, sid, version, name, dept, oop, data in rows:
        record = from_json(data)
        fields = {n: record.get(n) for n in names}
        out.setdefault(str(no), []).append(
            RosterStudent(int(sid), int(version), str(name or ""), int(dept or 0), bool(oop), fields))
    return out


def review_checks(cache: Cache, student_ids: Collection[int], statuses: Collection[str]) -> dict[int, list[dict[CheckId, str]]]:
    """The check results of each student's applications in ``statuses``."""
    checks = ", ".join(f"c_{c.value}" for c in CheckId)
    marks = ", ".join("?" for _ in statuses)
    out: dict[int, list[dict[CheckId, str]]] = {}
    rows = cache.conn().execute(
        f"SELECT student_id, {checks} FROM m_application WHERE student_id IN (SELECT value FROM json_each(?))"
        f" AND status IN ({marks})",
        ["[" + ",".join(str(int(i)) for i in student_ids) + "]", *sorted(statuses)],
    )
    for r in rows:
        out.setdefault(int(r[0]), []).append(dict(zip(CheckId, r[1:], strict=True)))
    return out


@dataclass(frozen=True)
class InternRecord:
    """A cached intern as a tracking import sees it."""

    id: int
    version: int
    status: str
    name: str
    out_of_province: bool
    start_date: str
    end_date: str
    #: The tracking fields as stored (dates as ISO text).
    fields: dict[str, Any]


#: The tracking fields an import can set, as ``app_view`` columns.
TRACKING_COLUMNS = ("on_duty_date", "insurance_recorded", "appraisal_copy_received", "employer_score",
                    "student_score")


def interns_by_no(cache: Cache, statuses: Collection[str], student_nos: Collection[str]) -> dict[str, list[InternRecord]]:
    """The applications in ``statuses`` of the students with these 学号, by 学号."""
    marks = ", ".join("?" for _ in statuses)
    out: dict[str, list[InternRecord]] = {}
    rows = cache.conn().execute(
        "SELECT student_no, id, version, status, name, out_of_province, start_date, end_date, "
        + ", ".join(TRACKING_COLUMNS) + f" FROM app_view WHERE status IN ({marks})"
        " AND student_no IN (SELECT value FROM json_each(?)) ORDER BY id",
        [*sorted(statuses), _json_list(student_nos)],
    )
    for r in rows:
        fields = dict(zip(TRACKING_COLUMNS, r[8:], strict=True))
        fields["insurance_recorded"] = bool(fields["insurance_recorded"])
        out.setdefault(str(r[0]), []).append(
            InternRecord(int(r[1]), int(r[2]), str(r[3]), str(r[4] or ""), bool(r[5]), str(r[6] or ""),
                         str(r[7] or ""), fields))
    return out


def applications_by_department_and_status(cache: Cache) -> list[tuple[str, str, int]]:
    """(department, status, count) of every application in the cache."""
    return [
        (str(r[0] or ""), str(r[1]), int(r[2]))
        for r in cache.conn().execute(
            "SELECT department, status, count(*) FROM app_view GROUP BY department, status ORDER BY department"
        )
    ]


@dataclass(frozen=True)
class GraduateTarget:
    """A cached graduate as the needs import sees it: the fields a survey sets."""

    id: int
    version: int
    name: str
    out_of_province: bool
    #: needs (kinds, in their fixed order), stay_intent, preferred_cities, skills.
    fields: dict[str, Any]


def graduates_by_no(cache: Cache, student_nos: Collection[str]) -> dict[str, list[GraduateTarget]]:
    """The cached graduates whose students have these 学号, by 学号."""
    out: dict[str, list[GraduateTarget]] = {}
    rows = cache.conn().execute(
        "SELECT s.student_no, g.id, g.version, s.name, s.out_of_province, g.data FROM m_graduate g"
        " JOIN m_student s ON s.id = g.student_id WHERE s.student_no IN (SELECT value FROM json_each(?))",
        (_json_list(student_nos),),
    )
    for no, gid, version, name, oop, data in rows:
        record = from_json(data)
        fields = {"needs": [n.get("kind") for n in record.get("needs") or () if isinstance(n, dict)],
                  "stay_intent": record.get("stay_intent"), "preferred_cities": list(record.get("preferred_cities") or []),
                  "skills": list(record.get("skills") or [])}
        out.setdefault(str(no), []).append(GraduateTarget(int(gid), int(version), str(name or ""), bool(oop), fields))
    return out


@dataclass(frozen=True)
class CaseTarget:
    """A cached graduate as the hardship import sees it: its open case's
    categories, officer and officer kind (empty without an open case)."""

    id: int  # the graduate
    version: int
    name: str
    out_of_province: bool
    university_id: int
    case_id: int | None
    fields: dict[str, Any]


def hardship_targets(cache: Cache, student_nos: Collection[str]) -> dict[str, list[CaseTarget]]:
    """The cached graduates with these 学号 and their open case, by 学号."""
    out: dict[str, list[CaseTarget]] = {}
    rows = cache.conn().execute(
        "SELECT s.student_no, g.id, g.version, s.name, s.out_of_province, COALESCE(g.university_id, 0),"
        " (SELECT c.data FROM m_hardship_case c WHERE c.graduate_id = g.id AND c.state = 'open' LIMIT 1)"
        " FROM m_graduate g JOIN m_student s ON s.id = g.student_id"
        " WHERE s.student_no IN (SELECT value FROM json_each(?))",
        (_json_list(student_nos),),
    )
    for no, gid, version, name, oop, univ, case in rows:
        c = from_json(case) if case else {}
        fields = {"categories": [{"category": x.get("category"), "note": x.get("note") or ""}
                                 for x in c.get("categories") or ()] if c else None,
                  "officer": c.get("officer"), "officer_kind": c.get("officer_kind")}
        out.setdefault(str(no), []).append(CaseTarget(int(gid), int(version), str(name or ""), bool(oop), int(univ),
                                                      int(c["id"]) if c else None, fields))
    return out


def staff_at(cache: Cache, university_id: int) -> set[str]:
    """The usernames of the staff accounts of a university."""
    rows = cache.conn().execute("SELECT data FROM m_staff")
    return {str(d.get("username")) for d in (from_json(r[0]) for r in rows) if d.get("university_id") == university_id}


@dataclass(frozen=True)
class AttendeeTarget:
    """A cached graduate as the attendance import sees it: scope, needs, the
    sessions attended and the needs those sessions serve."""

    id: int
    version: int
    name: str
    out_of_province: bool
    university_id: int
    department_id: int | None
    sessions: frozenset[int]
    needs: frozenset[str]
    attended_serves: frozenset[str]


def attendees_by_no(cache: Cache, student_nos: Collection[str]) -> dict[str, list[AttendeeTarget]]:
    """The cached graduates with these 学号 and the sessions each attended, by 学号."""
    out: dict[str, list[AttendeeTarget]] = {}
    rows = cache.conn().execute(
        "SELECT s.student_no, g.id, g.version, s.name, s.out_of_province, COALESCE(g.university_id, 0),"
        " g.department_id, g.data, (SELECT json_group_array(json_array(a.session_id, ss.serves)) FROM m_attendance a"
        " LEFT JOIN m_service_session ss ON ss.id = a.session_id WHERE a.graduate_id = g.id)"
        " FROM m_graduate g JOIN m_student s ON s.id = g.student_id"
        " WHERE s.student_no IN (SELECT value FROM json_each(?))",
        (_json_list(student_nos),),
    )
    for no, gid, version, name, oop, univ, dept, data, attended in rows:
        pairs = from_json(attended or "[]")
        needs = frozenset(str(n.get("kind")) for n in from_json(data).get("needs") or () if isinstance(n, dict))
        out.setdefault(str(no), []).append(AttendeeTarget(
            int(gid), int(version), str(name or ""), bool(oop), int(univ), None if dept is None else int(dept),
            frozenset(int(x[0]) for x in pairs), needs, frozenset(str(x[1]) for x in pairs if x[1])))
    return out


def session_records(cache: Cache) -> list[dict[str, Any]]:
    """Every cached service session (a university holds a few hundred a year)."""
    return [from_json(r[0]) for r in cache.conn().execute("SELECT data FROM m_service_session ORDER BY id")]


def valid_posts_of(cache: Cache, employers: Collection[str], today: str) -> list[dict[str, Any]]:
    """The cached posts of these employers valid on ``today`` (ISO date) or later."""
    rows = cache.conn().execute(
        "SELECT data FROM m_job_post WHERE employer IN (SELECT value FROM json_each(?)) AND valid_until >= ?"
        " ORDER BY id", (_json_list(employers), today))
    return [from_json(r[0]) for r in rows]
