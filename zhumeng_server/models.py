"""Database tables of the reference server (SQLModel).

Every record the API serves has a table; lists and nested objects are
JSON columns. Each record row carries ``version`` (bumped on each change) and
``seq`` (the server-wide change sequence of its last change). ``change_log``
holds one row per record with its wire JSON pre-serialised: the change feed
is a single indexed range query over it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), **kw))


class University(SQLModel, table=True):
    __tablename__ = "university"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    code: str = Field(max_length=50)
    in_province: bool = True
    #: The 市州 the university is in: a city account sees the universities of its city.
    city: str | None = Field(default=None, max_length=20, index=True)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Department(SQLModel, table=True):
    __tablename__ = "department"
    id: int | None = Field(default=None, primary_key=True)
    university_id: int = Field(index=True, foreign_key="university.id")
    name: str = Field(max_length=200)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class StaffAccount(SQLModel, table=True):
    __tablename__ = "staff"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=20)
    university_id: int | None = Field(default=None, foreign_key="university.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    #: For a viewer: the role of the account whose scope it shares.
    bound_role: str | None = Field(default=None, max_length=20)
    #: For a city account (市州人社/教育): its city.
    city: str | None = Field(default=None, max_length=20)
    password_hash: str = Field(max_length=300)
    active: bool = True
    #: A generated demo account: signs in only on a server started with ``--demo``.
    demo: bool = False
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class AuthToken(SQLModel, table=True):
    __tablename__ = "auth_token"
    token_hash: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(index=True, foreign_key="staff.id")
    created_at: dt.datetime = _ts(nullable=False)
    expires_at: dt.datetime = _ts(nullable=False, index=True)
    #: The last request made with the token (kept to the minute): the idle timeout.
    last_used_at: dt.datetime = _ts(nullable=False)


class SigninThrottle(SQLModel, table=True):
    """Failed sign-ins per account (``scope="account"``, the user name as
    typed) and per client address (``scope="address"``): every worker
    process counts in the same rows."""

    __tablename__ = "signin_throttle"
    scope: str = Field(primary_key=True, max_length=10)
    key: str = Field(primary_key=True, max_length=100)
    failures: int = 0
    window_start: dt.datetime = _ts(nullable=False)
    blocked_until: dt.datetime | None = _ts(nullable=True)


class Student(SQLModel, table=True):
    __tablename__ = "student"
    id: int | None = Field(default=None, primary_key=True)
    university_id: int = Field(foreign_key="university.id")
    department_id: int = Field(index=True, foreign_key="department.id")
    student_no: str = Field(max_length=32, index=True)
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=32)  # full 身份证号, never sent on the wire
    gender: str = Field(max_length=2)
    major: str = Field(max_length=100)
    grade: str = Field(max_length=20)
    degree: str = Field(max_length=20)
    enrollment_status: str = Field(max_length=20)
    full_time: bool = True
    realname_verified: bool = True
    univ_certified: bool = True
    origin: str = Field(max_length=50)
    out_of_province: bool = False
    graduation_year: int
    phone: str = Field(max_length=32)
    hardship: str = Field(default="none", max_length=20)
    service_needs: list[str] = Field(default_factory=list, sa_type=JSON)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Employer(SQLModel, table=True):
    __tablename__ = "employer"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    type: str = Field(max_length=20)
    region: str = Field(max_length=20)
    certifying_committee: str = Field(max_length=200)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Position(SQLModel, table=True):
    __tablename__ = "position"
    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(index=True, foreign_key="employer.id")
    title: str = Field(max_length=200)
    region: str = Field(max_length=20)
    type: str = Field(max_length=20)
    quota: int = 1
    start_date: dt.date
    end_date: dt.date
    majors: list[str] = Field(default_factory=list, sa_type=JSON)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Application(SQLModel, table=True):
    __tablename__ = "application"
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(index=True, foreign_key="student.id")
    position_id: int = Field(index=True, foreign_key="position.id")
    university_id: int = Field(foreign_key="university.id")
    department_id: int = Field(index=True, foreign_key="department.id")
    status: str = Field(max_length=20, index=True)
    applied_at: dt.datetime = _ts(nullable=False)
    report_form: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    checks: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    acknowledged: list[str] = Field(default_factory=list, sa_type=JSON)
    reason: str | None = Field(default=None, max_length=500)
    on_duty_date: dt.date | None = None
    completed_date: dt.date | None = None
    insurance_recorded: bool = False
    appraisal_copy_received: dt.date | None = None
    employer_score: int | None = None
    student_score: int | None = None
    responsible_staff: str | None = Field(default=None, max_length=64)
    excellent_nominated: bool = False
    excellent_note: str | None = Field(default=None, max_length=500)
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


@dataclass(slots=True, eq=False)
class AppRow:
    """An ``application`` row read with a plain select, outside the ORM: the
    table's columns as attributes. A batch of review moves reads thousands of
    these; ``Tx.save`` writes the saved ones back with one executemany."""

    id: int
    student_id: int
    position_id: int
    university_id: int
    department_id: int
    status: str
    applied_at: dt.datetime
    report_form: dict[str, Any] | None
    checks: list[dict[str, Any]]
    acknowledged: list[str]
    reason: str | None
    on_duty_date: dt.date | None
    completed_date: dt.date | None
    insurance_recorded: bool
    appraisal_copy_received: dt.date | None
    employer_score: int | None
    student_score: int | None
    responsible_staff: str | None
    excellent_nominated: bool
    excellent_note: str | None
    history: list[dict[str, Any]]
    version: int
    seq: int


class Withdrawal(SQLModel, table=True):
    __tablename__ = "withdrawal"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(index=True, foreign_key="application.id")
    student_id: int = Field(foreign_key="student.id")
    department_id: int = Field(foreign_key="department.id")
    university_id: int = Field(foreign_key="university.id")
    state: str = Field(max_length=20)
    filed_by: str = Field(max_length=64)
    filed_at: dt.datetime = _ts(nullable=False)
    steps: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    deadline: dt.date | None = None
    deadline_approximate: bool = False
    submitted_late: bool = False
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class FollowUp(SQLModel, table=True):
    __tablename__ = "followup"
    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(index=True, foreign_key="application.id")
    student_id: int = Field(foreign_key="student.id")
    department_id: int = Field(foreign_key="department.id")
    university_id: int = Field(foreign_key="university.id")
    date: dt.date
    channel: str = Field(max_length=10)
    staff: str = Field(max_length=50)
    note: str = Field(sa_type=Text)
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = _ts(nullable=False)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class IntegrityEntry(SQLModel, table=True):
    __tablename__ = "integrity"
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(index=True, foreign_key="student.id")
    department_id: int = Field(foreign_key="department.id")
    university_id: int = Field(foreign_key="university.id")
    application_id: int | None = Field(default=None, foreign_key="application.id")
    kind: str = Field(max_length=20)
    date: dt.date
    note: str = Field(sa_type=Text)
    source: str = Field(max_length=20)
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = _ts(nullable=False)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Graduate(SQLModel, table=True):
    """A student of the graduating cohort and the services for them."""

    __tablename__ = "graduate"
    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(unique=True, foreign_key="student.id")
    university_id: int = Field(index=True, foreign_key="university.id")
    department_id: int = Field(foreign_key="department.id")
    cohort: int
    graduation_date: dt.date
    stay_intent: str = Field(default="undecided", max_length=20)
    preferred_cities: list[str] = Field(default_factory=list, sa_type=JSON)
    skills: list[str] = Field(default_factory=list, sa_type=JSON)
    #: [{kind, recorded_on, source, by}]
    needs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    employment_status: str = Field(default="unemployed", max_length=20)
    employment_date: dt.date | None = None
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class ServiceSession(SQLModel, table=True):
    __tablename__ = "service_session"
    id: int | None = Field(default=None, primary_key=True)
    university_id: int = Field(index=True, foreign_key="university.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    city: str | None = Field(default=None, max_length=20)
    kind: str = Field(max_length=20)
    serves: str = Field(max_length=20)
    title: str = Field(max_length=100)
    date: dt.date
    provider: str = Field(max_length=100)
    place: str = Field(max_length=100)
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = _ts(nullable=False)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_session_graduate", "session_id", "graduate_id", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="service_session.id")
    graduate_id: int = Field(index=True, foreign_key="graduate.id")
    university_id: int = Field(foreign_key="university.id")
    department_id: int = Field(foreign_key="department.id")
    recorded_by: str = Field(max_length=64)
    recorded_at: dt.datetime = _ts(nullable=False)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class HardshipCase(SQLModel, table=True):
    __tablename__ = "hardship_case"
    id: int | None = Field(default=None, primary_key=True)
    graduate_id: int = Field(index=True, foreign_key="graduate.id")
    university_id: int = Field(foreign_key="university.id")
    department_id: int = Field(foreign_key="department.id")
    state: str = Field(default="open", max_length=10)
    opened_on: dt.date
    opened_by: str = Field(max_length=64)
    #: [{category, note}]
    categories: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    officer: str = Field(max_length=64)
    officer_kind: str = Field(max_length=20)
    #: {measures, target_date, by, at} or null
    plan: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    #: [{date, channel, note, outcome, by, at}]
    visits: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    #: {amount, applied_on, approved_on, paid_on} or null
    subsidy: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    closed_on: dt.date | None = None
    close_reason: str | None = Field(default=None, max_length=20)
    close_note: str | None = Field(default=None, sa_type=Text)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class JobPost(SQLModel, table=True):
    """A job post (岗位信息). ``university_id`` / ``owner_city``: added by a
    university (for its graduates) or a city account (for the universities of
    its city); neither: province-wide."""

    __tablename__ = "job_post"
    id: int | None = Field(default=None, primary_key=True)
    university_id: int | None = Field(default=None, index=True, foreign_key="university.id")
    owner_city: str | None = Field(default=None, max_length=20)
    employer: str = Field(max_length=100)
    title: str = Field(max_length=100)
    category: str = Field(max_length=20)
    city: str = Field(max_length=20)
    salary_min: int | None = None
    salary_max: int | None = None
    majors: list[str] = Field(default_factory=list, sa_type=JSON)
    skills: list[str] = Field(default_factory=list, sa_type=JSON)
    education: str = Field(default="any", max_length=20)
    openings: int = 1
    valid_until: dt.date
    source: str = Field(max_length=20)
    verified_by: str | None = Field(default=None, max_length=64)
    verified_on: dt.date | None = None
    created_by: str = Field(max_length=64)
    created_at: dt.datetime = _ts(nullable=False)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class PostPush(SQLModel, table=True):
    """A post pushed to a graduate (推送) and the graduate's answer."""

    __tablename__ = "post_push"
    __table_args__ = (Index("ix_post_push_graduate_post", "graduate_id", "post_id", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    graduate_id: int = Field(foreign_key="graduate.id")
    post_id: int = Field(index=True, foreign_key="job_post.id")
    university_id: int = Field(foreign_key="university.id")
    department_id: int = Field(foreign_key="department.id")
    reasons: str = Field(default="", max_length=300)
    pushed_on: dt.date
    pushed_by: str = Field(max_length=64)
    answer: str | None = Field(default=None, max_length=20)
    answered_on: dt.date | None = None
    answered_by: str | None = Field(default=None, max_length=64)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class CalendarYearRow(SQLModel, table=True):
    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    holidays: list[str] = Field(default_factory=list, sa_type=JSON)
    workdays: list[str] = Field(default_factory=list, sa_type=JSON)
    version: int = 1
    seq: int = Field(default=0, sa_type=BigInteger)


class ChangeLog(SQLModel, table=True):
    """One row per record (or tombstone): what ``GET /changes`` reads."""

    __tablename__ = "change_log"
    __table_args__ = (
        Index("ix_change_log_seq", "seq", unique=True),
        # PostgreSQL: the feed's scope expressions (``routes.changes.in_scope``)
        # indexed, for their statistics (the planner's estimate of a scope's
        # share of the log) and to read a small university's range.
        Index("ix_change_log_university", text("coalesce(university_id, 0)"), "seq").ddl_if(dialect="postgresql"),
        Index("ix_change_log_department", text("coalesce(university_id, 0)"), text("coalesce(department_id, 0)"),
              "seq").ddl_if(dialect="postgresql"),
    )
    type: str = Field(primary_key=True, max_length=20)
    record_id: int = Field(primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(sa_type=BigInteger)
    version: int = 1
    deleted: bool = False
    #: Scope: NULL university = visible to every account; NULL department =
    #: visible to the whole university.
    university_id: int | None = None
    department_id: int | None = None
    data_json: str | None = Field(default=None, sa_type=Text)


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = _ts(nullable=False)
    username: str = Field(max_length=64)
    action: str = Field(max_length=64)
    record_type: str = Field(max_length=20)
    record_id: int = Field(sa_type=BigInteger)
    before_json: str | None = Field(default=None, sa_type=Text)
    after_json: str | None = Field(default=None, sa_type=Text)


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_key"
    staff_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_type=Text)
    created_at: dt.datetime = _ts(nullable=False, index=True)


class ServerSetting(SQLModel, table=True):
    """Key/value settings: ``seq`` (the global change counter),
    ``tombstone_horizon``, and demo parameters."""

    __tablename__ = "server_setting"
    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(max_length=200)
