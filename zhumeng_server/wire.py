"""Rows -> wire records (``zhumeng_tui.api_client.schemas``) and their scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic_core
from sqlmodel import SQLModel

from zhumeng_server import models as m
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.calendar import YearData
from zhumeng_tui.domain.students import mask_id_number

UTC = dt.UTC


def aware(ts: dt.datetime) -> dt.datetime:
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


TYPE_OF: dict[type[SQLModel] | type[m.AppRow], str] = {
    m.University: "university",
    m.Department: "department",
    m.StaffAccount: "staff",
    m.Student: "student",
    m.Employer: "employer",
    m.Position: "position",
    m.Application: "application",
    m.AppRow: "application",
    m.Withdrawal: "withdrawal",
    m.FollowUp: "followup",
    m.IntegrityEntry: "integrity",
    m.CalendarYearRow: "calendar_year",
    m.Graduate: "graduate",
    m.ServiceSession: "service_session",
    m.Attendance: "attendance",
    m.HardshipCase: "hardship_case",
    m.JobPost: "job_post",
    m.PostPush: "post_push",
}


def record_id(row: Any) -> int:
    return int(row.year if isinstance(row, m.CalendarYearRow) else row.id)


def scope_of(row: Any) -> tuple[int | None, int | None]:
    """(university_id, department_id) that may see this record; None = all."""
    if isinstance(row, m.University):
        return row.id, None
    if isinstance(row, m.Department):
        return row.university_id, row.id
    if isinstance(row, m.StaffAccount):
        return row.university_id, row.department_id
    if isinstance(row, m.Student | m.Application | m.AppRow | m.Withdrawal | m.FollowUp | m.IntegrityEntry | m.Graduate
                  | m.ServiceSession | m.Attendance | m.HardshipCase | m.PostPush):
        return row.university_id, row.department_id
    if isinstance(row, m.JobPost):
        return row.university_id, None
    return None, None


def _base(row: Any) -> dict[str, Any]:
    return {"id": record_id(row), "version": row.version, "seq": row.seq}


def wire_dict(row: Any) -> dict[str, Any]:
    """A plain dict shaped like the record's schema model (not validated)."""
    d = _base(row)
    if isinstance(row, m.University):
        d.update(name=row.name, code=row.code, in_province=row.in_province, city=row.city)
    elif isinstance(row, m.Department):
        d.update(university_id=row.university_id, name=row.name)
    elif isinstance(row, m.StaffAccount):
        d.update(username=row.username, display_name=row.display_name, role=row.role,
                 university_id=row.university_id, department_id=row.department_id)
    elif isinstance(row, m.Student):
        d.update(
            university_id=row.university_id, department_id=row.department_id, student_no=row.student_no,
            name=row.name, id_number_masked=mask_id_number(row.id_number), gender=row.gender,
            major=row.major, grade=row.grade, degree=row.degree, enrollment_status=row.enrollment_status,
            full_time=row.full_time, realname_verified=row.realname_verified,
            univ_certified=row.univ_certified, origin=row.origin, out_of_province=row.out_of_province,
            graduation_year=row.graduation_year, phone=row.phone, hardship=row.hardship,
            service_needs=list(row.service_needs or []),
        )
    elif isinstance(row, m.Employer):
        d.update(name=row.name, type=row.type, region=row.region, certifying_committee=row.certifying_committee)
    elif isinstance(row, m.Position):
        d.update(employer_id=row.employer_id, title=row.title, region=row.region, type=row.type,
                 quota=row.quota, start_date=row.start_date, end_date=row.end_date,
                 majors=list(row.majors or []))
    elif isinstance(row, m.Application | m.AppRow):
        d.update(
            student_id=row.student_id, position_id=row.position_id, university_id=row.university_id,
            department_id=row.department_id, status=row.status, applied_at=aware(row.applied_at),
            report_form=row.report_form, checks=row.checks or [], acknowledged=row.acknowledged or [],
            reason=row.reason, on_duty_date=row.on_duty_date, completed_date=row.completed_date,
            insurance_recorded=row.insurance_recorded, appraisal_copy_received=row.appraisal_copy_received,
            employer_score=row.employer_score, student_score=row.student_score,
            responsible_staff=row.responsible_staff, excellent_nominated=row.excellent_nominated,
            excellent_note=row.excellent_note, history=row.history or [],
        )
    elif isinstance(row, m.Withdrawal):
        d.update(
            application_id=row.application_id, student_id=row.student_id, department_id=row.department_id,
            university_id=row.university_id, state=row.state, filed_by=row.filed_by,
            filed_at=aware(row.filed_at), steps=row.steps or [], deadline=row.deadline,
            deadline_approximate=row.deadline_approximate, submitted_late=row.submitted_late,
        )
    elif isinstance(row, m.FollowUp):
        d.update(application_id=row.application_id, student_id=row.student_id,
                 department_id=row.department_id, date=row.date, channel=row.channel, staff=row.staff,
                 note=row.note, created_by=row.created_by, created_at=aware(row.created_at))
    elif isinstance(row, m.IntegrityEntry):
        d.update(student_id=row.student_id, department_id=row.department_id,
                 application_id=row.application_id, kind=row.kind, date=row.date, note=row.note,
                 source=row.source, created_by=row.created_by, created_at=aware(row.created_at))
    elif isinstance(row, m.Graduate):
        d.update(student_id=row.student_id, university_id=row.university_id, department_id=row.department_id,
                 cohort=row.cohort, graduation_date=row.graduation_date, stay_intent=row.stay_intent,
                 preferred_cities=list(row.preferred_cities or []), skills=list(row.skills or []),
                 needs=list(row.needs or []), employment_status=row.employment_status,
                 employment_date=row.employment_date)
    elif isinstance(row, m.ServiceSession):
        d.update(university_id=row.university_id, department_id=row.department_id, city=row.city, kind=row.kind,
                 serves=row.serves, title=row.title, date=row.date, provider=row.provider, place=row.place,
                 created_by=row.created_by, created_at=aware(row.created_at))
    elif isinstance(row, m.Attendance):
        d.update(session_id=row.session_id, graduate_id=row.graduate_id, university_id=row.university_id,
                 department_id=row.department_id, recorded_by=row.recorded_by, recorded_at=aware(row.recorded_at))
    elif isinstance(row, m.HardshipCase):
        d.update(graduate_id=row.graduate_id, university_id=row.university_id, department_id=row.department_id,
                 state=row.state, opened_on=row.opened_on, opened_by=row.opened_by,
                 categories=list(row.categories or []), officer=row.officer, officer_kind=row.officer_kind,
                 plan=row.plan, visits=list(row.visits or []), subsidy=row.subsidy, closed_on=row.closed_on,
                 close_reason=row.close_reason, close_note=row.close_note)
    elif isinstance(row, m.JobPost):
        d.update(university_id=row.university_id, owner_city=row.owner_city, employer=row.employer, title=row.title,
                 category=row.category, city=row.city, salary_min=row.salary_min, salary_max=row.salary_max,
                 majors=list(row.majors or []), skills=list(row.skills or []), education=row.education,
                 openings=row.openings, valid_until=row.valid_until, source=row.source,
                 verified_by=row.verified_by, verified_on=row.verified_on, created_by=row.created_by,
                 created_at=aware(row.created_at))
    elif isinstance(row, m.PostPush):
        d.update(graduate_id=row.graduate_id, post_id=row.post_id, university_id=row.university_id,
                 department_id=row.department_id, reasons=row.reasons, pushed_on=row.pushed_on,
                 pushed_by=row.pushed_by, answer=row.answer, answered_on=row.answered_on,
                 answered_by=row.answered_by)
    elif isinstance(row, m.CalendarYearRow):
        d.update(year=row.year, holidays=sorted(row.holidays or []), workdays=sorted(row.workdays or []))
    else:  # pragma: no cover - programming error
        raise TypeError(type(row))
    return d


def to_wire(row: Any) -> s.Record:
    """The record as its schema model (validated)."""
    model = s.RECORD_MODELS[TYPE_OF[type(row)]]
    return model.model_validate(wire_dict(row))


def to_json(row: Any) -> str:
    return to_wire(row).model_dump_json()


def record_json(row: Any) -> str:
    """The record's wire JSON, written from its row without validating it
    again (the same text as :func:`to_json`: the server's own rows)."""
    return pydantic_core.to_json(wire_dict(row)).decode()


def to_jsonable(row: Any) -> dict[str, Any]:
    return to_wire(row).model_dump(mode="json")


def year_data(row: m.CalendarYearRow) -> YearData:
    return YearData(
        row.year,
        frozenset(dt.date.fromisoformat(x) for x in row.holidays or []),
        frozenset(dt.date.fromisoformat(x) for x in row.workdays or []),
    )
