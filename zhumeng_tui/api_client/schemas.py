"""Wire schemas of the central API (``/api/v1``), shared by client and server.

This module is the contract: the server serialises with these models and the
client parses with them. Records all carry ``id``, ``version`` and ``seq``.
Dates are ISO strings on the wire (``YYYY-MM-DD``), timestamps ISO 8601 UTC.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from zhumeng_tui.domain import graduates as gd
from zhumeng_tui.domain import hardship as hs
from zhumeng_tui.domain import interns, roster
from zhumeng_tui.domain import posts as ps
from zhumeng_tui.domain.eligibility import CheckId, CheckResult
from zhumeng_tui.domain.inputs import (
    PLAIN_TEXT_MULTILINE_PATTERN,
    PLAIN_TEXT_PATTERN,
    control_character_message,
    find_control_character,
)
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.status import Action, Role, Status
from zhumeng_tui.domain.withdrawal import Step, WithdrawalState

API_PREFIX = "/api/v1"
#: Items in one batch request at most.
MAX_BATCH_ITEMS = 1000

ShortText = Annotated[str, StringConstraints(max_length=200)]
Reason = Annotated[str, StringConstraints(max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=2000)]
Name = Annotated[str, StringConstraints(max_length=50)]
#: A whole number in a request body: JSON numbers only (not true, not "3").
WholeNumber = Annotated[int, Field(strict=True)]

EMPLOYER_TYPES = ("机关", "企业", "金融机构", "科研院所", "社会服务机构", "基层")
HARDSHIP_CATEGORIES = ("none", "脱贫家庭", "零就业家庭", "残疾", "特殊困难")
SERVICE_NEEDS = ("就业指导", "创业指导", "技能培训")
FOLLOWUP_CHANNELS = interns.FOLLOWUP_CHANNELS


def ruled(check: Callable[[Any], object], kind: type = str) -> BeforeValidator:
    """A request field checked by a domain rule before its wire constraints:
    a value of type ``kind`` the rule refuses raises the rule's
    ``DomainError`` (the server answers with its code), the same refusal the
    client gets from the rule before it sends. Other values are left to the
    field's type."""

    def run(value: Any) -> Any:
        if isinstance(value, kind):
            check(value)
        return value

    return BeforeValidator(run)


def _plain_text_schema(schema: dict[str, Any], model: type[Any]) -> None:
    """Every string of a request body says, as a pattern, which characters it may not hold."""
    multiline: frozenset[str] = getattr(model, "MULTILINE", frozenset())

    def mark(node: dict[str, Any], pattern: str) -> None:
        if node.get("type") == "string" and "format" not in node and "enum" not in node:
            node["pattern"] = pattern
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, ()):
                mark(sub, pattern)
        if isinstance(node.get("items"), dict):
            mark(node["items"], pattern)

    for name, prop in schema.get("properties", {}).items():
        mark(prop, PLAIN_TEXT_MULTILINE_PATTERN if name in multiline else PLAIN_TEXT_PATTERN)


def _takes(annotation: Any, kind: type) -> bool:
    return annotation is kind or any(_takes(a, kind) for a in get_args(annotation))


@functools.cache
def _fields(model: type[BaseModel], kind: type) -> frozenset[str]:
    """The fields of ``model`` that hold a ``kind`` (or a list of them)."""
    return frozenset(name for name, f in model.model_fields.items() if _takes(f.annotation, kind))


class Wire(BaseModel):
    """Every model of this module: its validator and serializer are built
    the first time it is used, not when the module is imported (there are
    over 80; a client starting from its cache uses a few)."""

    model_config = ConfigDict(defer_build=True)


def build_models() -> None:
    """Build every model now, and what is made from them from now on too
    (for a server, before its routes declare their bodies: FastAPI checks a
    body with a type adapter, which a deferred model would defer as well,
    to the first request, where pydantic warns that the body's alias
    applies to no field)."""
    todo: list[type[BaseModel]] = [Wire]
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        model.model_config["defer_build"] = False
        if not model.__pydantic_complete__:
            model.model_rebuild()


class Strict(Wire):
    """Request bodies: unknown fields are refused, not ignored, and no text
    holds a control character (``control_character``; the fields named in
    ``MULTILINE`` may hold newlines and tabs)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_plain_text_schema)
    MULTILINE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _as_the_schema_says(cls, value: Any, info: ValidationInfo) -> Any:
        """A date is text (``YYYY-MM-DD``), as the schema says: a number is
        refused rather than read as seconds since 1970. A number is a number:
        ``true``/``false`` is refused rather than read as 1/0. A yes/no is
        ``true`` or ``false``: 1, 0, "yes" or "off" are refused rather than
        guessed at."""
        values = value if isinstance(value, list) else [value]
        if info.field_name in _fields(cls, dt.date) and any(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            raise PydanticCustomError("date_type", "A date is written as text: YYYY-MM-DD",
                                      {"message_zh": "日期须写成文本：YYYY-MM-DD"})
        if info.field_name in _fields(cls, int) and any(isinstance(v, bool) for v in values):
            raise PydanticCustomError("int_type", "A number is written as a number, not true or false",
                                      {"message_zh": "数字须写成数字，不能写成 true 或 false"})
        if info.field_name in _fields(cls, bool) and any(not isinstance(v, bool) for v in values if v is not None):
            raise PydanticCustomError("bool_type", "Yes or no is written as true or false",
                                      {"message_zh": "是或否须写成 true 或 false"})
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        multiline = info.field_name in cls.MULTILINE
        for text in (value,) if isinstance(value, str) else value if isinstance(value, list) else ():
            if isinstance(text, str) and (pos := find_control_character(text, multiline)) is not None:
                zh, en = control_character_message(text, pos, multiline)
                raise PydanticCustomError("control_character", en, {"message_zh": zh})
        return value


class Record(Wire):
    model_config = ConfigDict(extra="ignore")
    id: int
    version: int = 1
    seq: int = 0


# ---------------------------------------------------------------- auth ----


class TokenRequest(Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class TokenResponse(Wire):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    role: Role


class Me(Wire):
    """``GET /api/v1/me``: who is signed in and what they may see."""

    username: str
    display_name: str
    role: Role
    university_id: int | None = None
    university_name: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    #: For a viewer: the role of the account it is bound to (scope only).
    bound_role: Role | None = None
    #: For a city account (市州): its city; it sees the universities there.
    city: str | None = None
    #: The server's date when it answered: deadlines are decided on it, so
    #: the client counts days from it too.
    today: dt.date | None = None


# ------------------------------------------------------------- records ----


class University(Record):
    name: str
    code: str
    in_province: bool = True
    city: str | None = None  # the 市州 it is in (a city account sees its universities)


class Department(Record):
    university_id: int
    name: str


class Staff(Record):
    """A staff account (for "responsible staff" assignment); no secrets."""

    username: str
    display_name: str
    role: Role
    university_id: int | None = None
    department_id: int | None = None


class Student(Record):
    university_id: int
    department_id: int
    student_no: str  # 学号
    name: str  # 姓名
    id_number_masked: str  # 身份证号, masked: 5101**********1234
    gender: Literal["男", "女"]
    major: str
    grade: str  # 年级, e.g. "2023级"
    degree: str  # 学历: 本科 / 硕士 / 博士 / 专科
    enrollment_status: str  # 学籍状态: 在读 / 休学 / 毕业 / 退学
    full_time: bool  # 全日制
    realname_verified: bool
    univ_certified: bool
    origin: str  # 生源地
    out_of_province: bool  # 是否省外高校
    graduation_year: int
    phone: str
    hardship: str = "none"  # one of HARDSHIP_CATEGORIES
    service_needs: list[str] = Field(default_factory=list)  # subset of SERVICE_NEEDS


class Employer(Record):
    name: str
    type: str  # one of EMPLOYER_TYPES
    region: str  # one of the 21 市州 or 省本级
    certifying_committee: str


class Position(Record):
    employer_id: int
    title: str
    region: str
    type: str  # the employer's type
    quota: int
    start_date: dt.date
    end_date: dt.date
    majors: list[str] = Field(default_factory=list)


class ReportForm(Wire):
    """报到单 as filed by the student; missing fields are null."""

    student_name: str | None = None
    student_no: str | None = None
    employer_name: str | None = None
    position_title: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ReportFormInput(Strict):
    """A report form sent with a new application: the texts of
    :class:`ReportForm`, each with its length limit."""

    student_name: Name | None = None
    student_no: Annotated[str, StringConstraints(max_length=32)] | None = None
    employer_name: ShortText | None = None
    position_title: ShortText | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class CheckOutcomeWire(Wire):
    check: CheckId
    result: CheckResult
    reason_zh: str
    reason_en: str


class HistoryEvent(Wire):
    at: dt.datetime
    by: str  # username or "system"
    action: str  # an Action value, or a tracking event name
    from_status: Status | None = None
    to_status: Status | None = None
    reason: str | None = None
    acknowledged: list[CheckId] = Field(default_factory=list)


class Application(Record):
    student_id: int
    position_id: int
    university_id: int
    department_id: int
    status: Status
    applied_at: dt.datetime
    report_form: ReportForm | None = None
    checks: list[CheckOutcomeWire] = Field(default_factory=list)
    #: Warnings acknowledged at the last review step.
    acknowledged: list[CheckId] = Field(default_factory=list)
    reason: str | None = None  # the last reject/return reason
    # Internship tracking (after approval).
    on_duty_date: dt.date | None = None
    completed_date: dt.date | None = None
    insurance_recorded: bool = False
    appraisal_copy_received: dt.date | None = None
    employer_score: int | None = None  # evaluation of the intern by the employer, 0-100
    student_score: int | None = None  # evaluation of the employer by the intern, 0-100
    responsible_staff: str | None = None  # a Staff username
    excellent_nominated: bool = False
    excellent_note: str | None = None
    history: list[HistoryEvent] = Field(default_factory=list)


class WithdrawalStepRecord(Wire):
    step: Step
    date: dt.date | None = None
    text: str | None = None  # statement text / cancel reason
    name: str | None = None  # counsellor name / who confirmed the stamp
    by: str  # username that recorded the step
    at: dt.datetime  # when it was recorded


class Withdrawal(Record):
    application_id: int
    student_id: int
    department_id: int
    university_id: int
    state: WithdrawalState
    filed_by: str
    filed_at: dt.datetime
    steps: list[WithdrawalStepRecord] = Field(default_factory=list)
    #: Filled after the stamp (computed by the server's calendar).
    deadline: dt.date | None = None
    deadline_approximate: bool = False  # no calendar data: Monday-Friday only
    submitted_late: bool = False


class FollowUp(Record):
    application_id: int
    student_id: int
    department_id: int
    date: dt.date
    channel: str  # one of FOLLOWUP_CHANNELS
    staff: str
    note: str
    created_by: str
    created_at: dt.datetime


class IntegrityEntry(Record):
    student_id: int
    department_id: int
    application_id: int | None = None
    kind: IntegrityKind
    date: dt.date
    note: str
    source: IntegritySource
    created_by: str
    created_at: dt.datetime


class CalendarYear(Record):
    """``id`` is the year."""

    year: int
    holidays: list[dt.date] = Field(default_factory=list)
    workdays: list[dt.date] = Field(default_factory=list)  # 调休 make-up days


# ------------------------------------------------- graduate services ----


class NeedRecord(Wire):
    """One need of a graduate: when and how it was recorded, by whom."""

    kind: gd.NeedKind
    recorded_on: dt.date
    source: gd.NeedSource = gd.NeedSource.STAFF
    by: str


class Graduate(Record):
    """A student of the graduating cohort (届) and the services for them."""

    student_id: int
    university_id: int
    department_id: int
    cohort: int  # the graduation year (届)
    graduation_date: dt.date
    stay_intent: gd.StayIntent = gd.StayIntent.UNDECIDED  # 留省意愿
    preferred_cities: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    needs: list[NeedRecord] = Field(default_factory=list)
    employment_status: gd.EmploymentStatus = gd.EmploymentStatus.UNEMPLOYED
    employment_date: dt.date | None = None


class ServiceSession(Record):
    """A service session on campus (讲座, 座谈, 培训班...) and the need it serves."""

    university_id: int
    #: The department that runs it (None: the university or a city).
    department_id: int | None = None
    #: The city (市州人社) that runs it on campus; None: the campus runs it.
    city: str | None = None
    kind: gd.SessionKind
    serves: gd.NeedKind
    title: str
    date: dt.date
    provider: str
    place: str
    created_by: str
    created_at: dt.datetime


class Attendance(Record):
    """A graduate attended a session (the need it serves is then served)."""

    session_id: int
    graduate_id: int
    university_id: int
    department_id: int
    recorded_by: str
    recorded_at: dt.datetime


class CategoryRecord(Wire):
    category: hs.Category
    note: str = ""


class PlanRecord(Wire):
    """The one-to-one plan (分类帮扶计划)."""

    measures: str
    target_date: dt.date
    by: str
    at: dt.datetime


class VisitRecord(Wire):
    """A visit (回访)."""

    date: dt.date
    channel: str  # one of hardship.VISIT_CHANNELS
    note: str
    outcome: hs.VisitOutcome
    by: str
    at: dt.datetime


class SubsidyRecord(Wire):
    """The 求职创业补贴: the amount (元) and the date of each step done."""

    amount: int
    applied_on: dt.date | None = None
    approved_on: dt.date | None = None
    paid_on: dt.date | None = None

    def facts(self) -> hs.SubsidyFacts:
        """What the subsidy rules (``hardship.check_subsidy_step``) read of it."""
        return hs.SubsidyFacts(self.applied_on, self.approved_on, self.paid_on)


class HardshipCase(Record):
    """A case of the hardship ledger (困难毕业生台账)."""

    graduate_id: int
    university_id: int
    department_id: int
    state: hs.CaseState = hs.CaseState.OPEN
    opened_on: dt.date
    opened_by: str
    categories: list[CategoryRecord] = Field(default_factory=list)
    officer: str  # a staff username of the same university
    officer_kind: hs.OfficerKind
    plan: PlanRecord | None = None
    visits: list[VisitRecord] = Field(default_factory=list)
    subsidy: SubsidyRecord | None = None
    closed_on: dt.date | None = None
    close_reason: hs.CloseReason | None = None
    close_note: str | None = None


class JobPost(Record):
    """A job post (岗位信息). ``university_id`` / ``owner_city``: who added it
    and whose graduates it is for (a university, a city's universities);
    neither: the whole province. Only verified posts are recommended."""

    university_id: int | None = None
    owner_city: str | None = None
    employer: str
    title: str
    category: str
    city: str  # where the job is
    salary_min: int | None = None  # 元 per month
    salary_max: int | None = None
    majors: list[str] = Field(default_factory=list)  # none: any major
    skills: list[str] = Field(default_factory=list)
    education: ps.Education = ps.Education.ANY
    openings: int = 1
    valid_until: dt.date
    source: ps.PostSource
    verified_by: str | None = None
    verified_on: dt.date | None = None
    created_by: str
    created_at: dt.datetime


class PostPush(Record):
    """A post pushed to a graduate (推送), with the reasons it was picked and the answer."""

    graduate_id: int
    post_id: int
    university_id: int
    department_id: int
    reasons: str = ""
    pushed_on: dt.date
    pushed_by: str
    answer: ps.Answer | None = None
    answered_on: dt.date | None = None
    answered_by: str | None = None


RecordType = Literal[
    "university",
    "department",
    "staff",
    "student",
    "employer",
    "position",
    "application",
    "withdrawal",
    "followup",
    "integrity",
    "calendar_year",
    "graduate",
    "service_session",
    "attendance",
    "hardship_case",
    "job_post",
    "post_push",
]

RECORD_MODELS: dict[str, type[Record]] = {
    "university": University,
    "department": Department,
    "staff": Staff,
    "student": Student,
    "employer": Employer,
    "position": Position,
    "application": Application,
    "withdrawal": Withdrawal,
    "followup": FollowUp,
    "integrity": IntegrityEntry,
    "calendar_year": CalendarYear,
    "graduate": Graduate,
    "service_session": ServiceSession,
    "attendance": Attendance,
    "hardship_case": HardshipCase,
    "job_post": JobPost,
    "post_push": PostPush,
}


# ------------------------------------------------------------- changes ----


class Change(Wire):
    type: RecordType
    id: int
    seq: int
    version: int
    deleted: bool = False
    data: dict[str, Any] | None = None  # None for a tombstone


class ChangesResponse(Wire):
    changes: list[Change]
    cursor: int
    has_more: bool
    #: True when ``since`` is older than the oldest tombstone kept: the client
    #: must drop its mirror and pull again from 0 (``changes`` is empty).
    reset: bool = False
    #: Tombstones up to this seq were purged; sent back with the next pull
    #: (``horizon=``) so that a purge before it does not reset it.
    horizon: int = 0


#: The headers of a ``ChangesResponse``: the changes in scope after ``since``
#: (asked with ``total=true``), and the answer's ``cursor``, ``has_more``
#: (``true``/``false``) and ``horizon`` repeated, so that a client can ask for
#: the next page before it has decoded this one (the body is what counts).
TOTAL_HEADER = "X-Total-Count"
CURSOR_HEADER, HAS_MORE_HEADER, HORIZON_HEADER = "X-Cursor", "X-Has-More", "X-Horizon"


# ------------------------------------------------------------- actions ----


class ActionRequest(Strict):
    """``POST /applications/{id}/actions``; headers ``Idempotency-Key`` and
    ``If-Match: <version>`` are required."""

    MULTILINE = frozenset({"reason"})

    action: Action
    reason: Reason | None = None
    #: Check ids whose warnings the reviewer acknowledges (recorded).
    acknowledge: list[CheckId] = Field(default_factory=list)


class BatchItem(Strict):
    MULTILINE = frozenset({"reason"})
    id: WholeNumber
    version: WholeNumber
    action: Action
    reason: Reason | None = None
    acknowledge: list[CheckId] = Field(default_factory=list)


class BatchRequest(Strict):
    """``POST /applications/actions:batch`` (``Idempotency-Key`` header).
    A version conflict in a batch answers without the current record (the
    client pulls it with the change feed)."""

    items: Annotated[list[BatchItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class ErrorBody(Wire):
    code: str
    message_zh: str
    message_en: str
    #: Validation errors: one per bad field.
    fields: list[FieldError] = Field(default_factory=list)
    #: 409: the current record on the server.
    current: dict[str, Any] | None = None


class FieldError(Wire):
    field: str  # dotted path, e.g. "items.3.reason"
    message_zh: str
    message_en: str


class ErrorResponse(Wire):
    """Every 4xx/5xx answer: ``{"error": {...}}``."""

    error: ErrorBody


class BatchResult(Wire):
    id: int
    ok: bool
    record: Application | None = None
    error: ErrorBody | None = None


class BatchResponse(Wire):
    results: list[BatchResult]


class TrackingUpdate(Strict):
    """``PATCH /applications/{id}/tracking`` (If-Match + Idempotency-Key):
    the fields given are set; the rest left alone. An ``on_duty_date`` on an
    approved intern is the move to on duty (``interns.on_duty_move``)."""

    on_duty_date: dt.date | None = None
    insurance_recorded: bool | None = None
    appraisal_copy_received: dt.date | None = None
    employer_score: Annotated[
        int, Field(ge=0, le=100, strict=True), ruled(lambda v: interns.check_score(v, interns.EMPLOYER_SCORE), int)
    ] | None = None
    student_score: Annotated[
        int, Field(ge=0, le=100, strict=True), ruled(lambda v: interns.check_score(v, interns.STUDENT_SCORE), int)
    ] | None = None
    responsible_staff: Annotated[
        str, StringConstraints(max_length=interns.MAX_STAFF_USERNAME), ruled(interns.check_responsible_staff)
    ] | None = None


class TrackingBatchItem(Strict):
    id: int
    version: int
    update: TrackingUpdate


class TrackingBatchRequest(Strict):
    """``POST /applications/tracking:batch`` (``Idempotency-Key``): the tracking
    fields of many interns (an import); answered with a ``BatchResponse``."""

    items: Annotated[list[TrackingBatchItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class RosterUpdate(Strict):
    """``PATCH /students/{id}/roster`` (If-Match + Idempotency-Key): the
    student-records fields the eligibility checks read; the fields given are
    set, each to a value ``domain.roster`` allows."""

    enrollment_status: Annotated[
        str, StringConstraints(max_length=20), ruled(roster.check_enrollment_status),
        WithJsonSchema({"enum": list(roster.ENROLLMENT_STATUSES), "type": "string"}),
    ] | None = None
    full_time: bool | None = None
    realname_verified: bool | None = None
    univ_certified: bool | None = None
    phone: Annotated[str, StringConstraints(max_length=32), ruled(roster.check_phone)] | None = None

    def domain(self) -> roster.RosterUpdate:
        return roster.RosterUpdate(**self.model_dump(exclude_none=True))


class RosterBatchItem(Strict):
    id: int
    version: int
    update: RosterUpdate


class RosterBatchRequest(Strict):
    """``POST /students/roster:batch`` (``Idempotency-Key``): the roster fields of
    many students (an import); each item succeeds or fails on its own."""

    items: Annotated[list[RosterBatchItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class StudentBatchResult(Wire):
    id: int
    ok: bool
    record: Student | None = None
    error: ErrorBody | None = None


class StudentBatchResponse(Wire):
    results: list[StudentBatchResult]


class ExcellentRequest(Strict):
    """``POST /applications/{id}/excellent`` — nominate a completed intern."""

    MULTILINE = frozenset({"note"})

    note: Annotated[
        str, StringConstraints(min_length=1, max_length=interns.MAX_NOMINATION_NOTE), ruled(interns.check_nomination_note)
    ]


class WithdrawalCreate(Strict):
    """``POST /withdrawals`` (Idempotency-Key)."""

    application_id: WholeNumber


class WithdrawalStepRequest(Strict):
    """``POST /withdrawals/{id}/steps`` (If-Match + Idempotency-Key)."""

    MULTILINE = frozenset({"text"})

    step: Step
    date: dt.date | None = None
    text: LongText | None = None
    name: Name | None = None


class FollowUpCreate(Strict):
    """``POST /followups`` (Idempotency-Key)."""

    MULTILINE = frozenset({"note"})

    application_id: WholeNumber
    date: dt.date
    channel: Annotated[
        str,
        ruled(interns.check_followup_channel),
        WithJsonSchema({"enum": list(FOLLOWUP_CHANNELS), "type": "string"}),
    ]
    staff: Annotated[str, StringConstraints(min_length=1, max_length=interns.MAX_NAME), ruled(interns.check_followup_staff)]
    note: Annotated[str, StringConstraints(min_length=1, max_length=interns.MAX_NOTE), ruled(interns.check_followup_note)]


class IntegrityCreate(Strict):
    """``POST /integrity`` (Idempotency-Key); staff entries only."""

    MULTILINE = frozenset({"note"})

    student_id: WholeNumber
    application_id: WholeNumber | None = None
    kind: Annotated[IntegrityKind, ruled(interns.integrity_kind, object)]
    date: dt.date
    note: Annotated[str, StringConstraints(min_length=1, max_length=interns.MAX_NOTE), ruled(interns.check_integrity_note)]


class CalendarYearImport(Strict):
    """``PUT /calendar/{year}`` — an administrator imports a year's holidays."""

    holidays: list[dt.date]
    workdays: list[dt.date] = Field(default_factory=list)


# ------------------------------------------- graduate services: requests ----

City = Annotated[str, StringConstraints(max_length=gd.MAX_CITY)]
Skill = Annotated[str, StringConstraints(max_length=gd.MAX_SKILL)]
NeedIn = Annotated[gd.NeedKind, ruled(gd.parse_need, object)]


class GraduateUpdate(Strict):
    """``PATCH /graduates/{id}`` (If-Match): the fields given are set. ``needs``
    replaces the list; a need kept keeps when and how it was first recorded,
    a new one is recorded today with ``need_source``."""

    stay_intent: Annotated[gd.StayIntent, ruled(gd.parse_stay_intent, object)] | None = None
    preferred_cities: Annotated[list[City], Field(max_length=gd.MAX_CITIES)] | None = None
    skills: Annotated[list[Skill], Field(max_length=gd.MAX_SKILLS)] | None = None
    needs: Annotated[list[NeedIn], Field(max_length=len(gd.NeedKind) * 2)] | None = None
    need_source: Annotated[gd.NeedSource, ruled(gd.need_source, object)] = gd.NeedSource.STAFF


class GraduateBatchItem(Strict):
    id: int
    version: int
    update: GraduateUpdate


class GraduateBatch(Strict):
    """``POST /graduates/needs:batch`` (Idempotency-Key): the needs, intent,
    cities and skills of many graduates (a survey import), each item as
    ``PATCH /graduates/{id}`` sets it; items succeed or fail one by one."""

    items: Annotated[list[GraduateBatchItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class GraduateCreate(Strict):
    """``POST /graduates``: a student joins the graduating cohort of their graduation year."""

    student_id: int
    graduation_date: dt.date | None = None


class EmploymentUpdate(Strict):
    """``POST /graduates/{id}/employment`` (If-Match)."""

    status: Annotated[gd.EmploymentStatus, ruled(gd.parse_employment, object)]
    date: dt.date


class EmploymentItem(Strict):
    id: int
    version: int
    status: Annotated[gd.EmploymentStatus, ruled(gd.parse_employment, object)]
    date: dt.date


class EmploymentBatch(Strict):
    """``POST /graduates/employment:batch`` (Idempotency-Key): items succeed or fail one by one."""

    items: Annotated[list[EmploymentItem], Field(min_length=1, max_length=MAX_BATCH_ITEMS)]


class RecordResult(Wire):
    """One item of a batch over records of any type: the record, or why not."""

    id: int
    ok: bool
    record: dict[str, Any] | None = None
    error: ErrorBody | None = None


class RecordResults(Wire):
    """A batch answer: one result per item, in the order of the request."""

    results: list[RecordResult]


class SessionCreate(Strict):
    """``POST /sessions``. ``university_id``: where it takes place (a campus
    account: its own, may be left out)."""

    university_id: int | None = None
    kind: Annotated[gd.SessionKind, ruled(gd.parse_session_kind, object)]
    serves: NeedIn
    title: Annotated[str, StringConstraints(max_length=gd.MAX_TITLE), ruled(gd.check_session_title)]
    date: dt.date
    provider: Annotated[str, StringConstraints(max_length=gd.MAX_PROVIDER), ruled(gd.check_session_provider)]
    place: Annotated[str, StringConstraints(max_length=gd.MAX_PLACE), ruled(gd.check_session_place)]


class AttendanceCreate(Strict):
    """``POST /sessions/{id}/attendance``: all or nothing; a graduate already
    recorded keeps their record (the answer names it)."""

    graduate_ids: Annotated[list[int], Field(min_length=1, max_length=gd.MAX_ATTENDEES)]


class CategoryIn(Strict):
    category: Annotated[hs.Category, ruled(hs.parse_category, object)]
    note: Annotated[str, StringConstraints(max_length=hs.MAX_CATEGORY_NOTE)] = ""


Officer = Annotated[str, StringConstraints(max_length=hs.MAX_OFFICER), ruled(hs.check_officer)]
OfficerKindIn = Annotated[hs.OfficerKind, ruled(hs.officer_kind, object)]


class CaseCreate(Strict):
    """``POST /hardship``: open a case for a graduate (one open case each)."""

    graduate_id: int
    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=len(hs.Category))]
    officer: Officer
    officer_kind: OfficerKindIn


class CaseUpdate(Strict):
    """``PATCH /hardship/{id}`` (If-Match): the categories and the officer."""

    categories: Annotated[list[CategoryIn], Field(min_length=1, max_length=len(hs.Category))] | None = None
    officer: Officer | None = None
    officer_kind: OfficerKindIn | None = None


class PlanRequest(Strict):
    """``PUT /hardship/{id}/plan`` (If-Match)."""

    measures: Annotated[str, StringConstraints(max_length=hs.MAX_MEASURES)]
    target_date: dt.date


class VisitCreate(Strict):
    """``POST /hardship/{id}/visits`` (If-Match)."""

    date: dt.date
    channel: Annotated[
        str, ruled(hs.check_visit_channel), WithJsonSchema({"enum": list(hs.VISIT_CHANNELS), "type": "string"})
    ]
    note: Annotated[str, StringConstraints(max_length=hs.MAX_NOTE), ruled(hs.check_visit_note)]
    outcome: Annotated[hs.VisitOutcome, ruled(hs.visit_outcome, object)]


class SubsidyStepRequest(Strict):
    """``POST /hardship/{id}/subsidy`` (If-Match): the next step of the subsidy."""

    step: Annotated[hs.SubsidyStep, ruled(hs.subsidy_step, object)]
    date: dt.date
    amount: Annotated[int, Field(ge=1, le=hs.MAX_SUBSIDY), ruled(hs.check_amount, int)] | None = None


class CaseClose(Strict):
    """``POST /hardship/{id}/close`` (If-Match)."""

    reason: Annotated[hs.CloseReason, ruled(hs.close_reason, object)]
    note: Annotated[str, StringConstraints(max_length=hs.MAX_NOTE)] = ""


# --------------------------------------------------- job posts: requests ----

PostSkill = Annotated[str, StringConstraints(max_length=30)]
PostMajor = Annotated[str, StringConstraints(max_length=ps.MAX_MAJOR)]


class PostCreate(Strict):
    """``POST /posts``: a university's post is for its graduates, a city
    account's for the universities of its city, the province's for all."""

    employer: Annotated[str, StringConstraints(max_length=ps.MAX_EMPLOYER), ruled(ps.check_employer)]
    title: Annotated[str, StringConstraints(max_length=ps.MAX_POST_TITLE), ruled(ps.check_post_title)]
    category: Annotated[str, StringConstraints(max_length=ps.MAX_CATEGORY), ruled(ps.check_category)]
    city: Annotated[str, StringConstraints(max_length=ps.MAX_POST_CITY), ruled(ps.check_post_city)]
    salary_min: Annotated[int, Field(ge=1, le=ps.MAX_SALARY)] | None = None
    salary_max: Annotated[int, Field(ge=1, le=ps.MAX_SALARY)] | None = None
    majors: Annotated[list[PostMajor], Field(max_length=ps.MAX_MAJORS)] = Field(default_factory=list)
    skills: Annotated[list[PostSkill], Field(max_length=ps.MAX_POST_SKILLS)] = Field(default_factory=list)
    education: Annotated[ps.Education, ruled(ps.parse_education, object)] = ps.Education.ANY
    openings: Annotated[int, Field(ge=1, le=ps.MAX_OPENINGS)] = 1
    valid_until: dt.date
    source: Annotated[ps.PostSource, ruled(ps.parse_source, object)]


class PostVerify(Strict):
    """``POST /posts/{id}/verify`` (If-Match): the caller verifies the post today."""


class PushItem(Strict):
    graduate_id: int
    post_id: int
    reasons: Annotated[str, StringConstraints(max_length=300)] = ""


class PushCreate(Strict):
    """``POST /pushes``: posts pushed to graduates (all or nothing; a post
    already pushed to a graduate keeps its record)."""

    items: Annotated[list[PushItem], Field(min_length=1, max_length=ps.MAX_PUSH * ps.PICKS)]


class PushAnswer(Strict):
    """``POST /pushes/{id}/answer`` (If-Match): 已录用 also sets an unemployed
    graduate's employment status."""

    answer: Annotated[ps.Answer, ruled(ps.parse_answer, object)]
    date: dt.date


class ReasonText(Wire):
    zh: str
    en: str


class RecommendedPost(Wire):
    post: JobPost
    score: int
    reasons: list[ReasonText]


class Recommendations(Wire):
    """``GET /graduates/{student_id}/recommendations``: up to three posts, best
    first, each with its reasons; none: ``reason`` says why."""

    graduate_id: int
    student_id: int
    picks: list[RecommendedPost]
    reason: ReasonText | None = None


ErrorBody.model_rebuild()
StudentBatchResult.model_rebuild()
