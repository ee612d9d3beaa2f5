"""The services contract: what the UI (app, screens, widgets) may ask of the
client core, and the types it gets back.

This module is the contract only: protocols, dataclasses, enums and the
column names of the lists. It imports no implementation; the UI imports
nothing else from ``zhumeng_tui.services`` (the import contracts in
``pyproject.toml`` hold it to that). The composition root (``zhumeng_tui.cli``)
builds the implementation, ``zhumeng_tui.services.local.LocalServices``, and
hands it to the app as a :class:`Services`.

Query methods are synchronous and fast (SQLite on the local cache): call them
from a *thread* worker. Methods that talk to the server are ``async``: call
them from an async worker. Every change is written to the local outbox first
(optimistic, durable), then pushed; offline it stays pending. Local refusals
raise :class:`~zhumeng_tui.domain.errors.DomainError` before anything is
written; an expired sign-in raises ``Unauthorised`` once the change is queued.

:class:`Services` is composed of one protocol per part (:class:`CoreServices`,
:class:`ReviewServices`, :class:`TrackingServices`, :class:`GraduateServices`,
:class:`PostServices`, :class:`SheetServices`); a new part adds its protocol to the
bases of :class:`Services` (see ``docs/client-core.md``).
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from zhumeng_tui.api_client.schemas import (
    Application,
    CaseClose,
    CaseCreate,
    CaseUpdate,
    Employer,
    FollowUp,
    Graduate,
    GraduateUpdate,
    HardshipCase,
    IntegrityEntry,
    JobPost,
    Me,
    NeedRecord,
    PlanRequest,
    Position,
    PostCreate,
    PostPush,
    ServiceSession,
    SessionCreate,
    Staff,
    Student,
    SubsidyStepRequest,
    TrackingUpdate,
    VisitCreate,
    Withdrawal,
)
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.eligibility import CheckId, CheckResult
from zhumeng_tui.domain.graduates import EmploymentStatus, GraduateFlag, NeedKind, SessionKind
from zhumeng_tui.domain.hardship import CaseFlag, CaseState, Category, SubsidyStep
from zhumeng_tui.domain.integrity import IntegrityKind
from zhumeng_tui.domain.interns import DeadlineView, InternFlag
from zhumeng_tui.domain.posts import Answer
from zhumeng_tui.domain.status import Action, Status
from zhumeng_tui.domain.withdrawal import Step, StepInput, WithdrawalFacts, WithdrawalState, approved_on

if TYPE_CHECKING:
    import pyarrow as pa


# -------------------------------------------------------------- closed sets ----


class LocalState(StrEnum):
    """Where a record the user changed stands in the outbox (None: synced)."""

    PENDING = "pending"  # waiting to be sent
    CONFLICT = "conflict"  # the server had a newer version: both are kept
    REJECTED = "rejected"  # the server refused it, with its reason


class Severity(StrEnum):
    """How a dashboard line is marked."""

    NORMAL = "normal"
    WARN = "warn"
    ERROR = "error"


class WithdrawalListState(StrEnum):
    """Which withdrawal requests the list shows (None: all)."""

    OPEN = "open"  # neither submitted nor cancelled
    OVERDUE = "overdue"  # open, and past the submission deadline
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


class TimelineKind(StrEnum):
    """What an event of an intern's timeline is about."""

    STATUS = "status"
    TRACKING = "tracking"
    FOLLOWUP = "followup"
    WITHDRAWAL = "withdrawal"
    INTEGRITY = "integrity"


#: An intern-flag filter: one flag, or "any" (at least one).
FlagFilter = InternFlag | Literal["any"]

# ------------------------------------------------------------------ columns ----

#: The row columns of the review queue (``query_applications``' default).
APPLICATION_COLUMNS: list[str] = [
    "student_no", "name", "department", "employer", "position", "city", "status", "worst", "failed_checks",
    "local_state", "applied_at", "start_date", "end_date", "on_duty_date", "phone", "version",
    "responsible_staff", *(f"c_{c.value}" for c in CheckId),
]
#: The row columns of the interns list, in display order (``intern_flag``: the flags' labels).
INTERN_COLUMNS: list[str] = [
    "student_no", "name", "intern_flag", "status", "days", "end_date", "responsible_staff", "employer",
    "start_date", "employer_type", "city", "department", "local_state",
]

#: Column name -> (中文, English) header label, in the tables and in the exports.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "student_no": ("学号", "Student no."),
    "name": ("姓名", "Name"),
    "student_name": ("姓名", "Name"),
    "gender": ("性别", "Sex"),
    "department": ("院系", "Department"),
    "department_name": ("院系", "Department"),
    "major": ("专业", "Major"),
    "grade": ("年级", "Grade"),
    "degree": ("学历", "Degree"),
    "employer": ("用人单位", "Employer"),
    "employer_name": ("用人单位", "Employer"),
    "employer_type": ("单位类型", "Type"),
    "position": ("岗位", "Position"),
    "position_title": ("岗位", "Position"),
    "title": ("岗位", "Position"),
    "region": ("地区", "Region"),
    "city": ("地区", "Region"),
    "status": ("状态", "Status"),
    "checks": ("审核", "Checks"),
    "check": ("审核", "Checks"),
    "worst": ("审核", "Checks"),
    "blockers": ("缺少", "Missing"),
    "failed_checks": ("缺少", "Missing"),
    "local_state": ("本地", "Local"),
    "applied_at": ("投递时间", "Applied"),
    "start_date": ("开始", "Start"),
    "end_date": ("结束", "End"),
    "on_duty_date": ("上岗", "On duty"),
    "days": ("天数", "Days"),
    "phone": ("电话", "Phone"),
    "version": ("版本", "Ver."),
    "intern_flag": ("提示", "Flag"),
    "responsible_staff": ("负责人", "Staff"),
    "needs": ("服务需求", "Needs"),
    "served": ("已服务", "Served"),
    "sessions": ("参加", "Attended"),
    "employment": ("就业状态", "Employment"),
    "hardship": ("困难帮扶", "Hardship"),
    "graduate_flags": ("提示", "Flag"),
    "pushes": ("岗位推送", "Posts pushed"),
}

# ------------------------------------------------------------------ filters ----


@dataclass(frozen=True)
class AppFilter:
    """What the review queue / interns list shows. All parts are ANDed."""

    #: 姓名 (any length, 2-char names included), 学号 prefix, or pinyin
    #: initials ("zs" finds 张三) / full pinyin prefix.
    text: str = ""
    department_id: int | None = None
    statuses: frozenset[Status] = frozenset()
    #: Applications where this check has ``check_result`` (default: fail).
    check: CheckId | None = None
    check_result: CheckResult = CheckResult.FAIL
    #: Only applications waiting for this account's decision
    #: (matched for a department, dept_confirmed for a university).
    actionable: bool = False
    #: Only applications with a change in this outbox state.
    local_state: LocalState | None = None
    intern_flag: FlagFilter | None = None
    employer_id: int | None = None
    city: str | None = None


@dataclass(frozen=True)
class SortSpec:
    column: str = "student_no"  # one of ApplicationRows.columns
    descending: bool = False


# -------------------------------------------------------------------- rows ----

Row = tuple[Any, ...]
#: Reads the rows of some application ids: {id: row} for those it found.
RowFetcher = Callable[[Sequence[int]], dict[int, Row]]


class ApplicationRows:
    """One query result: the application ids in display order, and their rows.

    ``ids[i]`` is the application of row i. Row values come in ``columns``
    order (raw values: status codes, check results; the table formats them).
    A result from the cache is *lazy*: ``fetch`` reads the rows of a page of
    ids only when that page is shown (``row(i)``); an id it does not find (an
    application gone since the ids were read, or the cache closed while the app
    quits) shows as an empty row until the next query. So a filter that matches
    200,000 rows costs one id list, not 200,000 rows. ``table`` materialises
    every row as an Arrow table (small lists, exports, tests).

    ``ApplicationRows(ids, table, columns)`` wraps rows already in memory.
    """

    PAGE = 128
    PAGES_KEPT = 64

    def __init__(
        self,
        ids: Sequence[int],
        table: pa.Table | None = None,
        columns: Sequence[str] | None = None,
        total: int | None = None,
        *,
        fetch: RowFetcher | None = None,
    ) -> None:
        if table is None and fetch is None:
            raise ValueError("ApplicationRows needs a table or a fetch function")
        self.ids = ids
        self.columns = list(columns) if columns is not None else list(table.column_names)  # type: ignore[union-attr]
        #: Rows matching the filter; larger than ``len(ids)`` when the query was
        #: limited (``query_applications(..., limit=N)``). None: same as len(ids).
        self.total = total
        self._table = table
        self._fetch = fetch
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()

    def _page(self, p: int) -> list[Row]:
        rows = self._pages.get(p)
        if rows is not None:
            self._pages.move_to_end(p)
            return rows
        start, stop = p * self.PAGE, min((p + 1) * self.PAGE, len(self.ids))
        if self._table is not None:
            part = self._table.slice(start, stop - start).select(self.columns)
            rows = list(zip(*(c.to_pylist() for c in part.columns), strict=True)) if self.columns else [
                () for _ in range(stop - start)]
        else:
            assert self._fetch is not None
            page = self.ids[start:stop]
            found = self._fetch(page)
            empty = (None,) * len(self.columns)
            rows = [found.get(app_id, empty) for app_id in page]
        self._pages[p] = rows
        if len(self._pages) > self.PAGES_KEPT:
            self._pages.popitem(last=False)
        return rows

    def row(self, index: int) -> Row:
        """The values of row ``index`` (``columns`` order)."""
        return self._page(index // self.PAGE)[index % self.PAGE]

    def rows_of(self, app_ids: Sequence[int]) -> dict[int, Row]:
        """The values of these applications' rows, read at once (e.g. to name
        the items of a bulk result) rather than a page per row."""
        if self._fetch is not None:
            return self._fetch(list(app_ids))
        at = {app_id: i for i, app_id in enumerate(self.ids)}
        return {a: self.row(at[a]) for a in app_ids if a in at}

    @property
    def table(self) -> pa.Table:
        """Every row as an Arrow table (read from the cache on first use)."""
        if self._table is None:
            import pyarrow as pa

            rows = [self.row(i) for i in range(len(self.ids))]
            cols = list(zip(*rows, strict=True)) if rows else [() for _ in self.columns]
            self._table = pa.table(
                {c: pa.array(list(v), pa.string() if not any(x is not None for x in v) else None)
                 for c, v in zip(self.columns, cols, strict=True)}
            )
        return self._table


# ------------------------------------------------------------------- detail ----


@dataclass
class ApplicationDetail:
    application: Application
    student: Student
    position: Position
    employer: Employer
    department_name: str
    integrity: list[IntegrityEntry]
    followups: list[FollowUp]
    withdrawals: list[Withdrawal]
    #: Outbox state of this record (None: synced), with the server's message
    #: for a conflict or a refusal.
    local_state: LocalState | None = None
    local_message: str | None = None
    #: Who the usernames in the records are (username -> display name).
    actors: dict[str, str] = field(default_factory=dict)
    #: A refused or conflicting review decision can be sent again: its move is
    #: still one this account may make on the server's current record.
    may_retry: bool = False


# ---------------------------------------------------------------- dashboard ----


@dataclass
class DashboardLine:
    """One line of the dashboard; ``filter`` opens the list it counts (for a
    line of the graduate services, ``target``: the graduates or cases it counts)."""

    key: str  # stable id, e.g. "waiting", "returned", "check:realname", "status:matched"
    label_zh: str
    label_en: str
    count: int
    filter: AppFilter
    severity: Severity = Severity.NORMAL
    target: GraduateFilter | CaseFilter | None = None


@dataclass
class Dashboard:
    waiting: DashboardLine
    returned: DashboardLine
    blockers: list[DashboardLine]  # one per failing check with count > 0
    by_status: list[DashboardLine]
    #: Local changes (conflicts, refusals, pending) and each part's own lines.
    extra: list[DashboardLine] = field(default_factory=list)
    #: The graduate services' lines (needs not served, cases to see to, subsidies waiting).
    graduates: list[DashboardLine] = field(default_factory=list)


@dataclass
class MissingStudent:
    application_id: int
    student_no: str
    name: str
    department_name: str
    phone: str
    reason: str  # the check's reason (localised by lang)


@dataclass
class MissingGroup:
    check: CheckId
    label: str
    #: One line per student and reason (a student blocked the same way on
    #: several applications is chased once).
    students: list[MissingStudent]
    #: The applications held up (what the dashboard counts).
    applications: int = 0


# ------------------------------------------------------------------- review ----


@dataclass
class Refusal:
    application_id: int
    code: str  # "illegal_transition", "check_failed", "out_of_scope", "provincial_review", ...
    message: str


@dataclass
class ReviewPreview:
    """What would happen, computed locally before anything is sent."""

    action: Action
    total: int
    will_send: list[int]
    refused: list[Refusal]
    #: Warnings that need an explicit acknowledgement: check -> app ids.
    warnings: dict[CheckId, list[int]]
    #: Each application's own reason (a return for each student's failing checks).
    reasons: dict[int, str] = field(default_factory=dict)


@dataclass
class MutationResult:
    """What became of one record's change (a review decision, a tracking
    change...): ``ok`` and ``queued`` (in the outbox, not yet confirmed:
    offline), or refused (``code``/``message``) by the server or, for a
    review decision, by the checks of its preview (other changes refused
    here raise :class:`~zhumeng_tui.domain.errors.DomainError` before
    anything is written). ``record_id``: the record's id (the server's, for
    a record it created)."""

    ok: bool
    record_id: int
    queued: bool = False
    code: str | None = None
    message: str | None = None


@dataclass
class ReviewResult:
    #: One per application, ``record_id`` its id.
    results: list[MutationResult]

    @property
    def failed_ids(self) -> list[int]:
        return [r.record_id for r in self.results if not r.ok]


# --------------------------------------------------------------------- sync ----


@dataclass
class SyncStatus:
    online: bool
    syncing: bool
    done: int = 0  # records applied in the current pull
    total: int | None = None  # when known
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0
    last_synced: dt.datetime | None = None
    first_sync: bool = False  # the mirror is empty: show a progress bar
    #: Why the last sync/push did not complete (offline, server error), localised; None when fine.
    message: str | None = None
    #: The server no longer accepts the session (expired or revoked): changes
    #: wait until the user signs in again (:meth:`CoreServices.sign_in_again`).
    signed_out: bool = False
    #: What the last sync did (None before the first one of this session).
    last_round: SyncRound | None = None


@dataclass(frozen=True)
class SyncRound:
    """One sync: the changes it sent and what the server answered, the
    records it received."""

    sent: int = 0  # changes the server took
    conflicts: int = 0
    refused: int = 0
    received: int = 0  # records (and tombstones) applied
    received_bytes: int = 0  # as on the wire (compressed)
    #: The pull went to the end (False: offline, a server error).
    complete: bool = False


class CacheFull(Exception):
    """The local cache could not be written: the disk is full. What was
    saved before stays; the next sync goes on from there."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(detail)
        self.path = path
        self.message_zh = f"磁盘已满：无法写入本地缓存 {path}（{detail}）；请腾出空间后重试，已同步的部分不会丢失"
        self.message_en = (f"Disk full: cannot write the local cache {path} ({detail}); free some space and run it"
                           " again (what was synced so far is kept)")


ProgressCallback = Callable[[int, int | None], None]

# ----------------------------------------------------------------- tracking ----


@dataclass(frozen=True)
class WithdrawalFilter:
    text: str = ""  # 姓名 / 学号 / pinyin, as AppFilter.text
    department_id: int | None = None
    state: WithdrawalListState | None = None
    application_id: int | None = None


@dataclass
class WithdrawalRow:
    id: int
    application_id: int
    student_id: int
    student_no: str
    student_name: str
    department_name: str
    employer_name: str
    state: WithdrawalState
    filed_at: dt.datetime
    deadline: DeadlineView | None  # after the stamp
    local_state: LocalState | None = None


@dataclass
class WithdrawalDetail:
    withdrawal: Withdrawal
    application: Application
    student: Student
    position: Position
    employer: Employer
    department_name: str
    deadline: DeadlineView | None
    #: The next step (None when submitted or cancelled) and whether this account may record it.
    next_step: Step | None
    may_record: bool
    local_state: LocalState | None = None
    local_message: str | None = None
    #: Who the usernames in the request are (username -> display name).
    actors: dict[str, str] = field(default_factory=dict)


def withdrawal_facts(w: Withdrawal, application: Application | None = None) -> WithdrawalFacts:
    """What the withdrawal rules (``domain.withdrawal.check_step``) read of a
    request (and of its application, when given: the day it was approved)."""
    dates = {rec.step: rec.date for rec in w.steps}
    return WithdrawalFacts(
        state=w.state,
        statement_date=dates.get(Step.STATEMENT),
        counsellor_date=dates.get(Step.COUNSELLOR),
        stamp_date=dates.get(Step.STAMP),
        approved_date=approved_on(
            e.model_dump(mode="json") for e in application.history
        ) if application is not None else None,
    )


@dataclass
class TimelineEvent:
    at: dt.datetime
    kind: TimelineKind
    text_zh: str
    text_en: str
    by: str = ""


@dataclass
class InternDetail:
    detail: ApplicationDetail
    flags: list[InternFlag]
    days_done: int
    days_total: int
    followup_due: dt.date | None
    timeline: list[TimelineEvent]


@dataclass
class InternFilterOptions:
    departments: list[tuple[int, str]]
    employers: list[tuple[int, str]]
    cities: list[str]
    staff: list[Staff]


@dataclass(frozen=True)
class IntegrityFilter:
    text: str = ""
    student_id: int | None = None
    department_id: int | None = None
    kind: IntegrityKind | None = None


@dataclass
class IntegrityRow:
    entry: IntegrityEntry
    student_no: str
    student_name: str
    department_name: str
    local_state: LocalState | None = None


@dataclass
class ExcellentRow:
    application_id: int
    student_id: int
    student_no: str
    student_name: str
    department_name: str
    employer_name: str
    position_title: str
    end_date: dt.date
    employer_score: int | None
    student_score: int | None
    note: str
    local_state: LocalState | None = None


# ---------------------------------------------------------------- graduates ----

#: The row columns of the graduates list, in display order (``needs``: the
#: codes of the needs, ``served``: "served/needed", ``sessions``: sessions
#: attended, ``hardship``: the state of the graduate's case, ``graduate_flags``:
#: the flags' codes).
GRADUATE_COLUMNS: list[str] = [
    "student_no", "name", "department", "needs", "served", "sessions", "employment", "hardship",
    "graduate_flags", "pushes", "local_state",
]


class ServedFilter(StrEnum):
    """Graduates whose needs are served, or not (of the need chosen, or of any)."""

    SERVED = "served"  # every need asked for (or the one chosen) is served
    UNSERVED = "unserved"  # a need asked for (or the one chosen) is not served yet


#: An employment filter: one status, or "employed" (any of the three kinds).
EmploymentFilter = EmploymentStatus | Literal["employed"]


@dataclass(frozen=True)
class GraduateFilter:
    """What the graduates list shows. All parts are ANDed."""

    text: str = ""  # 姓名 / 学号 / pinyin, as AppFilter.text
    department_id: int | None = None
    need: NeedKind | None = None  # asked for this need
    served: ServedFilter | None = None
    employment: EmploymentFilter | None = None
    hardship: bool | None = None  # has an open hardship case
    flag: GraduateFlag | None = None


@dataclass
class NeedLine:
    """One need of a graduate and the sessions attended that serve it."""

    need: NeedRecord
    sessions: list[ServiceSession]

    @property
    def served(self) -> bool:
        return bool(self.sessions)


@dataclass
class GraduateDetail:
    graduate: Graduate
    student: Student
    department_name: str
    needs: list[NeedLine]
    #: Every session attended, newest first.
    attended: list[ServiceSession]
    #: The graduate's open case, or the last closed one.
    case: HardshipCase | None
    flags: list[GraduateFlag]
    local_state: LocalState | None = None
    local_message: str | None = None


@dataclass
class CoverageLine:
    """Coverage (served / needed) per need of one department, of one
    university (``department_id`` None), or of everything in scope
    (both None); ``department_name`` names the line."""

    department_id: int | None
    department_name: str
    needed: dict[NeedKind, int]
    served: dict[NeedKind, int]
    university_id: int | None = None


@dataclass(frozen=True)
class SessionFilter:
    text: str = ""  # part of the title, provider or place
    kind: SessionKind | None = None
    serves: NeedKind | None = None


@dataclass
class SessionRow:
    session: ServiceSession
    organiser: str  # the department, the city or the university
    attendees: int
    local_state: LocalState | None = None


@dataclass
class AttendeeRow:
    """A graduate in a session's lists (or found by search)."""

    graduate_id: int
    student_no: str
    name: str
    department_name: str
    local_state: LocalState | None = None


@dataclass
class SessionDetail:
    session: ServiceSession
    organiser: str
    attendees: list[AttendeeRow]
    #: Graduates in scope who asked for the need it serves and are not served yet.
    unserved: list[AttendeeRow]
    #: This account may record attendance here (its role, the organiser, the date).
    may_record: bool
    local_state: LocalState | None = None
    local_message: str | None = None


@dataclass(frozen=True)
class CaseFilter:
    """What the hardship ledger shows. All parts are ANDed."""

    text: str = ""
    department_id: int | None = None
    state: CaseState | None = CaseState.OPEN
    flag: CaseFlag | Literal["any"] | None = None
    category: Category | None = None
    subsidy: SubsidyStep | None = None  # the last step of the subsidy done


@dataclass
class CaseRow:
    id: int
    graduate_id: int
    student_no: str
    name: str
    department_name: str
    categories: list[Category]
    officer: str  # the officer's display name
    state: CaseState
    plan_target: dt.date | None
    last_visit: dt.date | None
    #: Days since the last visit (or the opening) of an open case.
    days_since_visit: int | None
    subsidy: SubsidyStep | None
    flags: list[CaseFlag]
    local_state: LocalState | None = None


@dataclass
class CaseDetail:
    case: HardshipCase
    graduate: Graduate
    student: Student
    department_name: str
    officer_name: str
    flags: list[CaseFlag]
    days_since_visit: int
    next_subsidy_step: SubsidyStep | None
    local_state: LocalState | None = None
    local_message: str | None = None


@dataclass
class GraduateOptions:
    """The choices of the graduate services' filters and forms."""

    departments: list[tuple[int, str]]
    #: Staff accounts of the university (a case's officer is one of them).
    officers: list[Staff]
    #: Sessions that have taken place, newest first (attendance is recorded for one).
    sessions: list[ServiceSession]
    #: The universities a session may be recorded at (a city account: those of its city).
    universities: list[tuple[int, str]]

@dataclass(frozen=True)
class PostFilter:
    """What the posts list shows. All parts are ANDed; ``verified`` /
    ``expired`` None: either."""

    text: str = ""  # part of the employer or the title
    city: str | None = None
    category: str | None = None
    major: str | None = None  # posts wanting this major (or any major)
    verified: bool | None = None
    expired: bool | None = False


@dataclass
class PostRow:
    post: JobPost
    expired: bool
    pushed: int  # how many graduates it was pushed to
    local_state: LocalState | None = None


@dataclass
class PostDetail:
    post: JobPost
    expired: bool
    #: Pushes of the post by answer ("pending": not answered yet).
    answers: dict[str, int]
    #: This account may verify it (its role and scope, not yet verified, not expired).
    may_verify: bool
    local_state: LocalState | None = None
    local_message: str | None = None


@dataclass
class PostOptions:
    """The choices of the posts filters and form."""

    cities: list[str]
    categories: list[str]
    majors: list[str]


@dataclass
class RecommendedPick:
    """One recommended post and why, in words (``专业对口：… · 技能：… · 意向城市：…``)."""

    post: JobPost
    score: int
    reasons: str
    #: Already pushed to this graduate.
    pushed: bool = False


@dataclass
class PushLine:
    """A post pushed to a graduate and the answer."""

    push: PostPush
    post: JobPost | None
    local_state: LocalState | None = None


@dataclass
class GraduatePosts:
    """A graduate's three recommendations (or why none) and what was pushed."""

    graduate_id: int
    picks: list[RecommendedPick]
    reason: str | None
    pushes: list[PushLine]


@dataclass
class PushSummary:
    """What a bulk push sends: graduates with picks (hardship graduates first),
    those without a fitting post, and the posts already pushed (not sent again)."""

    graduate_ids: list[int]
    posts: int
    without: int
    already: int


@dataclass
class LedgerRow:
    """One line of the summary ledger: a department or a university (None: the total)."""

    key: int | None
    name: str
    graduates: int
    needed: dict[NeedKind, int]
    served: dict[NeedKind, int]
    employment: dict[EmploymentStatus, int]
    cases: int
    by_category: dict[Category, int]
    with_plan: int
    visited: int  # within 30 days
    cases_employed: int
    subsidy_applied: int
    subsidy_approved: int
    subsidy_paid: int
    subsidy_amount: int  # 元 paid
    pushed: int  # posts pushed
    pushed_graduates: int
    answers: dict[str, int]  # "pending" and each Answer's value


@dataclass
class Ledger:
    """The summary ledger (汇总台账): per department (a campus account) or per
    university (a city or province account), then the total."""

    by: Literal["department", "university"]
    title: str  # the university or city it is for
    date: dt.date
    rows: list[LedgerRow]

    @staticmethod
    def titles(lang: str) -> list[str]:
        """The titles of the ledger's tables, in order."""
        return [_pick(lang, t) for t in _LEDGER_TITLES]

    def tables(self, lang: str) -> list[LedgerTable]:
        """Every table of the ledger, as the screen shows it and an export writes it:
        its title, column labels and rows (the first column the department or university)."""
        group = _pick(lang, ("院系", "Department") if self.by == "department" else ("高校", "University"))
        out = []
        for title, (columns, cells) in zip(self.titles(lang), _ledger_specs(lang), strict=True):
            out.append(LedgerTable(title, [group, *columns], [[r.name, *cells(r)] for r in self.rows]))
        return out

    def charts(self, lang: str) -> list[Chart]:
        """A chart for each table, in the same order: a bar group per
        department or university (the total row left out)."""
        from zhumeng_tui.domain.graduates import EMPLOYED
        from zhumeng_tui.domain.hardship import CATEGORY_LABELS
        from zhumeng_tui.domain.posts import ANSWER_LABELS

        def t(zh: str, en: str) -> str:
            return _pick(lang, (zh, en))

        rows = [r for r in self.rows if r.key is not None]
        group = _pick(lang, ("院系", "Department") if self.by == "department" else ("高校", "University"))

        def series(label: str, value: Callable[[LedgerRow], int]) -> ChartSeries:
            return ChartSeries(label, tuple(value(r) for r in rows))

        def column(label: str, cell: Callable[[LedgerRow], object]) -> ChartColumn:
            return ChartColumn(label, tuple(str(cell(r)) for r in rows))

        def chart(i: int, parts: list[ChartSeries], *, stacked: bool, extra: list[ChartColumn],
                  note: str = "") -> Chart:
            return Chart(f"ledger-{i}", self.titles(lang)[i], group, tuple(r.name for r in rows), tuple(parts),
                         note, stacked, tuple(extra))

        others = (EmploymentStatus.FURTHER_STUDY, EmploymentStatus.ABROAD, EmploymentStatus.ENLISTED,
                  EmploymentStatus.ENTREPRENEUR)
        return [
            chart(0, [series(t("需求", "Asked"), lambda r: sum(r.needed.values())),
                      series(t("已服务", "Served"), lambda r: sum(r.served.values()))], stacked=False,
                  extra=[column(t("覆盖率", "Coverage"),
                                lambda r: _pct(sum(r.served.values()), sum(r.needed.values())))],
                  note=t("各类服务需求合计（人次）；按类别的数字在表格中。",
                         "All kinds of need together (one per graduate and kind); the table has each kind.")),
            chart(1, [series(t("已就业", "Employed"), lambda r: sum(r.employment[s] for s in EMPLOYED)),
                      series(t("其他去向", "Other"), lambda r: sum(r.employment[s] for s in others)),
                      series(t("暂不就业", "Not seeking"), lambda r: r.employment[EmploymentStatus.NOT_SEEKING]),
                      series(t("未就业", "Not employed"), lambda r: r.employment[EmploymentStatus.UNEMPLOYED])],
                  stacked=True, extra=[column(t("就业率", "Employed"), lambda r: _pct(
                      sum(r.employment[s] for s in EMPLOYED), r.graduates))],
                  note=t("已就业：签约、劳动合同、灵活就业；其他去向：升学、出国、参军、自主创业。",
                         "Employed: signed, contract, flexible; other: further study, abroad, enlisted,"
                         " own business.")),
            chart(2, [ChartSeries(_pick(lang, CATEGORY_LABELS[c]), tuple(r.by_category[c] for r in rows))
                      for c in Category], stacked=False,
                  extra=[column(t("档案", "Cases"), lambda r: r.cases),
                         column(t("已就业", "Employed"), lambda r: r.cases_employed)],
                  note=t("一份档案可属多个类别。", "A case may be in more than one category.")),
            chart(3, [series(t("已申请", "Applied"), lambda r: r.subsidy_applied),
                      series(t("已审批", "Approved"), lambda r: r.subsidy_approved),
                      series(t("已发放", "Paid"), lambda r: r.subsidy_paid)], stacked=False,
                  extra=[column(t("发放金额（元）", "Paid (yuan)"), lambda r: r.subsidy_amount)]),
            chart(4, [series(t("待反馈", "No answer"), lambda r: r.answers.get("pending", 0)),
                      *(ChartSeries(_pick(lang, ANSWER_LABELS[a]), tuple(r.answers.get(a.value, 0) for r in rows))
                        for a in Answer)], stacked=True,
                  extra=[column(t("推送人数", "Graduates"), lambda r: r.pushed_graduates)]),
        ]


@dataclass
class LedgerTable:
    title: str
    columns: list[str]
    rows: list[list[str | int]]


def _pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if lang == "en" else pair[0]


_LEDGER_TITLES = [("毕业生与服务需求", "Graduates and needs"), ("就业状态", "Employment"),
                  ("困难帮扶", "Hardship cases"), ("求职创业补贴", "Job-seeking subsidies"),
                  ("岗位推送与反馈", "Posts pushed and answers")]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _ledger_specs(lang: str) -> list[tuple[list[str], Callable[[LedgerRow], list[str | int]]]]:
    """Each table's columns (after the group) and its cells of a row."""
    from zhumeng_tui.domain.graduates import EMPLOYED, EMPLOYMENT_LABELS, NEED_LABELS
    from zhumeng_tui.domain.hardship import CATEGORY_LABELS
    from zhumeng_tui.domain.posts import ANSWER_LABELS

    def t(zh: str, en: str) -> str:
        return _pick(lang, (zh, en))

    def needs(r: LedgerRow) -> list[str | int]:
        out: list[str | int] = [r.graduates]
        for k in NeedKind:
            out += [r.needed[k], r.served[k], _pct(r.served[k], r.needed[k])]
        return out

    def employment(r: LedgerRow) -> list[str | int]:
        employed = sum(r.employment[s] for s in EMPLOYED)
        return [r.graduates, *(r.employment[s] for s in EmploymentStatus), _pct(employed, r.graduates)]

    def hardship(r: LedgerRow) -> list[str | int]:
        return [r.cases, *(r.by_category[c] for c in Category), r.with_plan, r.visited, r.cases_employed]

    def subsidy(r: LedgerRow) -> list[str | int]:
        return [r.subsidy_applied, r.subsidy_approved, r.subsidy_paid, r.subsidy_amount]

    def pushes(r: LedgerRow) -> list[str | int]:
        return [r.pushed, r.pushed_graduates, r.answers.get("pending", 0), *(r.answers.get(a.value, 0) for a in Answer)]

    return [
        ([t("毕业生", "Graduates")] + [x for k in NeedKind for x in (
            _pick(lang, NEED_LABELS[k]), t("已服务", "served"), t("覆盖率", "coverage"))], needs),
        ([t("毕业生", "Graduates")] + [_pick(lang, EMPLOYMENT_LABELS[s]) for s in EmploymentStatus]
         + [t("就业率", "Employed")], employment),
        ([t("档案", "Cases")] + [_pick(lang, CATEGORY_LABELS[c]) for c in Category]
         + [t("有帮扶计划", "With a plan"), t("30天内回访", "Visited in 30 days"), t("已就业", "Employed")], hardship),
        ([t("已申请", "Applied"), t("已审批", "Approved"), t("已发放", "Paid"), t("发放金额（元）", "Paid (yuan)")],
         subsidy),
        ([t("推送岗位", "Posts pushed"), t("推送人数", "Graduates"), t("待反馈", "No answer")]
         + [_pick(lang, ANSWER_LABELS[a]) for a in Answer], pushes),
    ]



# ------------------------------------------------------------ spreadsheets ----


class FileFormat(StrEnum):
    """What a list is written as: a spreadsheet, or a document to print."""

    XLSX = "xlsx"
    CSV = "csv"
    DOCX = "docx"


@dataclass(frozen=True)
class ListInfo:
    """A list that can be exported: its name (``zhumeng-tui export NAME``),
    its title in the user's language and the formats it is written in."""

    name: str
    title: str
    formats: tuple[FileFormat, ...]


@dataclass(frozen=True)
class ExportRequest:
    """A list as the screen shows it. ``query`` is that list's filter (an
    ``AppFilter`` for the application lists, a ``WithdrawalFilter``, an
    ``IntegrityFilter``, the year of the excellent interns, the department
    of the missing list, the key of a statistics chart; None: the whole
    list); ``ids``: only these rows (the selection), in the list's order."""

    list_name: str
    query: Any = None
    sort: SortSpec | None = None
    ids: frozenset[int] | None = None


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    format: FileFormat


@dataclass(frozen=True)
class ExportedFile:
    """A written file held in memory, for a browser session to download:
    its name, its bytes and what was written."""

    name: str
    data: bytes
    rows: int
    format: FileFormat


@dataclass(frozen=True)
class ImportKindInfo:
    """A kind of import (``zhumeng-tui import NAME FILE``): its title, the
    columns it reads (the key column first) and whether this account may run it."""

    name: str
    title: str
    columns: tuple[str, ...]
    allowed: bool


@dataclass(frozen=True)
class FieldChange:
    column: str  # the column's header, in the user's language
    before: str
    after: str


@dataclass(frozen=True)
class RowChange:
    """A row of the file that changes a record: what changes, field by field."""

    row: int  # the row number in the file, as Excel counts
    key: str  # the row's key (学号; the values of the kind's key columns, joined with " · ")
    name: str  # 姓名 (from the local records; '' for a record without one)
    changes: tuple[FieldChange, ...]
    #: The change makes a record (a hardship case, an attendance, a job post).
    new: bool = False


@dataclass(frozen=True)
class RefusedRow:
    """A row that will not be sent: where (row number, column header; '' for
    the whole row) and why."""

    row: int
    column: str
    reason: str
    key: str = ""


@dataclass
class ImportAnalysis:
    """What an import would do, computed before anything is sent."""

    kind: str
    path: Path
    format: str  # "xlsx" or "csv"
    encoding: str | None
    rows_read: int
    changes: list[RowChange]
    unchanged: int
    refused: list[RefusedRow]
    #: Columns of the file this import does not read (ignored).
    ignored_columns: list[str]
    #: Column header -> how many rows change it.
    field_counts: dict[str, int]
    #: What the changes do beyond themselves (e.g. students moving from blocked to clear), one line each.
    effects: list[str]
    #: The refused rows, written beside the input with an error column (None: no refused rows).
    refused_file: Path | None = None
    #: Why the refused rows could not be written (None: written, or none to write).
    refused_file_error: str | None = None
    #: What the services need to apply it (opaque to the UI).
    plan: Any = None
    #: The header of the key (学号; the kind's key columns joined with " · ").
    key_label: str = "学号"

    @property
    def refused_rows(self) -> int:
        return len({r.row for r in self.refused})

    @property
    def new_rows(self) -> int:
        """Rows that make a record (the others among ``changes`` change one)."""
        return sum(1 for c in self.changes if c.new)


@dataclass(frozen=True)
class ImportResult:
    """How an applied import went: records saved (``ok``), waiting to be sent
    (offline), refused by the server (with the first reasons)."""

    ok: int
    queued: int
    refused: int
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartSeries:
    label: str
    values: tuple[int, ...]  # one per category


@dataclass(frozen=True)
class ChartColumn:
    """Words shown beside a chart's counts and not drawn (a coverage rate, an amount)."""

    label: str
    cells: tuple[str, ...]  # one per category


@dataclass(frozen=True)
class Chart:
    """One chart (of the statistics screen, of a ledger table), with its
    numbers (the table shown beside it and exported)."""

    key: str
    title: str
    #: The label of the categories' column (院系, 月份, ...).
    category_label: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    note: str = ""
    #: The series stack into one bar per category (parts of a whole); else
    #: they stand side by side (counts that overlap or nest).
    stacked: bool = True
    extra: tuple[ChartColumn, ...] = ()

    def total(self, i: int) -> int:
        return sum(s.values[i] for s in self.series)

    @property
    def has_total(self) -> bool:
        """Whether a category's total means something: stacked parts of it."""
        return self.stacked and len(self.series) > 1

    @property
    def empty(self) -> bool:
        """Nothing to draw: no category, or every count 0."""
        return not any(v for s in self.series for v in s.values)


#: Progress of long work: (done, total or None when not known yet).
Progress = Callable[[int, int | None], None]

# ---------------------------------------------------------------- protocols ----


class CoreServices(Protocol):
    """What every part shares: the account, the clock, records, sync."""

    me: Me
    lang: str

    def today(self) -> dt.date:
        """Today, as the services count it (deadlines, flags, "no future dates")."""
        ...

    def calendar(self) -> WorkCalendar: ...
    def departments(self) -> list[tuple[int, str]]: ...
    def application_detail(self, application_id: int) -> ApplicationDetail: ...
    def sync_status(self) -> SyncStatus: ...

    def dismiss_local(self, application_id: int, rtype: str = "application") -> int:
        """Clear a shown conflict/rejection (the outbox entry stays as history)."""
        ...

    async def sync(self, progress: ProgressCallback | None = None) -> SyncStatus:
        """Send the outbox, pull what changed. Offline or a server error is
        in the status (``message``); an expired sign-in raises
        ``Unauthorised``, a full disk :class:`CacheFull`."""
        ...

    def sync_received(self) -> int:
        """Bytes received so far by the current (or last) pull, as on the wire."""
        ...

    @property
    def token(self) -> str | None:
        """The session's token (for ``ZHUMENG_TOKEN`` where there is no keyring)."""
        ...

    async def sign_in_again(self, password: str) -> str:
        """A new session for the same account after the server ended the last
        one; returns its token. A wrong password raises ``Unauthorised``."""
        ...

    async def sign_out(self) -> None:
        """End the session on the server (the caller forgets the stored token)."""
        ...

    async def close(self) -> None: ...


class ReviewServices(Protocol):
    """The review queue: lists, the dashboard, the missing list, decisions."""

    def query_applications(self, f: AppFilter, sort: SortSpec) -> ApplicationRows: ...
    def ids_matching(self, f: AppFilter) -> list[int]: ...
    def count(self, f: AppFilter) -> int: ...
    def dashboard(self) -> Dashboard: ...
    def missing(self, department_id: int | None = None) -> list[MissingGroup]: ...
    def preview_review(self, ids: list[int], action: Action, *, own_checks: bool = False) -> ReviewPreview:
        """``own_checks`` (a return): each application's reason is what its own
        failing checks say is missing."""
        ...

    async def review(
        self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId],
        *, own_checks: bool = False,
    ) -> ReviewResult: ...

    async def retry_review(self, application_id: int) -> ReviewResult:
        """Send a conflicted/refused review decision again on the current record."""
        ...


class TrackingServices(Protocol):
    """Internship tracking: interns, follow-ups, withdrawals, integrity, excellent interns."""

    def query_interns(
        self, f: AppFilter, sort: SortSpec, columns: Sequence[str] = INTERN_COLUMNS
    ) -> ApplicationRows: ...
    def intern_ids_matching(self, f: AppFilter) -> list[int]: ...
    def intern_detail(self, application_id: int) -> InternDetail: ...
    def intern_filter_options(self) -> InternFilterOptions: ...
    def query_withdrawals(self, f: WithdrawalFilter) -> list[WithdrawalRow]: ...
    def withdrawal_detail(self, withdrawal_id: int) -> WithdrawalDetail: ...
    def query_integrity(self, f: IntegrityFilter) -> list[IntegrityRow]: ...
    def query_excellent(self, year: int | None = None) -> list[ExcellentRow]: ...
    def tracking_dashboard_lines(self) -> list[DashboardLine]: ...
    # local checks (raise DomainError; the same rules the changes apply first)
    def check_filing(self, application_id: int) -> None: ...
    def check_withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> None: ...

    async def add_followup(
        self, application_id: int, date: dt.date, channel: str, staff: str, note: str
    ) -> MutationResult: ...
    async def set_tracking(self, ids: list[int], update: TrackingUpdate) -> list[MutationResult]: ...
    async def file_withdrawal(self, application_id: int) -> MutationResult: ...
    async def record_withdrawal_step(
        self, withdrawal_id: int, step: Step, data: StepInput
    ) -> MutationResult: ...
    async def cancel_withdrawal(self, withdrawal_id: int, reason: str) -> MutationResult: ...
    async def add_integrity(
        self, student_id: int, kind: IntegrityKind, date: dt.date, note: str, application_id: int | None = None
    ) -> MutationResult: ...
    async def nominate_excellent(self, application_id: int, note: str) -> MutationResult: ...


class GraduateServices(Protocol):
    """Graduate services: the cohort, needs and coverage, service sessions and
    attendance, employment status, the hardship ledger."""

    def query_graduates(self, f: GraduateFilter, sort: SortSpec) -> ApplicationRows:
        """The graduates matching ``f`` (ids, rows read a page at a time), in ``GRADUATE_COLUMNS``."""
        ...

    def graduate_ids_matching(self, f: GraduateFilter) -> list[int]: ...
    def graduate_detail(self, graduate_id: int) -> GraduateDetail: ...
    def coverage(self) -> list[CoverageLine]: ...
    def query_sessions(self, f: SessionFilter) -> list[SessionRow]: ...
    def session_detail(self, session_id: int) -> SessionDetail: ...
    def find_graduates(self, text: str, limit: int = 50) -> list[AttendeeRow]: ...
    def query_cases(self, f: CaseFilter) -> list[CaseRow]: ...
    def case_detail(self, case_id: int) -> CaseDetail: ...
    def graduate_options(self) -> GraduateOptions: ...
    def graduate_dashboard_lines(self) -> list[DashboardLine]: ...

    async def update_graduate(self, graduate_id: int, update: GraduateUpdate) -> MutationResult: ...
    async def set_employment(self, ids: list[int], status: EmploymentStatus, date: dt.date) -> list[MutationResult]:
        """The same status for several graduates (one batch); each checked first."""
        ...

    async def add_session(self, data: SessionCreate) -> MutationResult: ...
    async def record_attendance(self, session_id: int, graduate_ids: list[int]) -> list[MutationResult]:
        """One result per graduate (one already recorded: ok, nothing sent for them)."""
        ...

    async def open_case(self, data: CaseCreate) -> MutationResult: ...
    async def update_case(self, case_id: int, update: CaseUpdate) -> MutationResult: ...
    async def set_plan(self, case_id: int, plan: PlanRequest) -> MutationResult: ...
    async def add_visit(self, case_id: int, visit: VisitCreate) -> MutationResult: ...
    async def record_subsidy(self, case_id: int, step: SubsidyStepRequest) -> MutationResult: ...
    async def close_case(self, case_id: int, close: CaseClose) -> MutationResult: ...


class PostServices(Protocol):
    """Job posts, three explained recommendations per graduate, pushes and
    answers, and the summary ledger."""

    def query_posts(self, f: PostFilter) -> list[PostRow]: ...
    def post_detail(self, post_id: int) -> PostDetail: ...
    def post_options(self) -> PostOptions: ...
    def graduate_posts(self, graduate_id: int) -> GraduatePosts:
        """The graduate's recommendations, computed from the cache (offline too)."""
        ...

    def recommend_many(self, graduate_ids: list[int]) -> dict[int, list[RecommendedPick]]:
        """Recommendations of many graduates at once (one pass over the posts)."""
        ...

    def preview_push(self, graduate_ids: list[int]) -> PushSummary: ...
    def ledger(self) -> Ledger: ...

    async def add_post(self, data: PostCreate) -> MutationResult: ...
    async def verify_post(self, post_id: int) -> MutationResult: ...
    async def push_recommendations(self, graduate_ids: list[int]) -> list[MutationResult]:
        """Push each graduate's recommendations (hardship graduates first); one result per post sent."""
        ...

    async def answer_push(self, push_id: int, answer: Answer, date: dt.date) -> MutationResult: ...


class SheetServices(Protocol):
    """Spreadsheets in and out, printable documents, statistics. Files are
    read and written here: the UI only proposes paths and shows results."""

    def export_lists(self) -> list[ListInfo]: ...

    def export_path(self, request: ExportRequest, fmt: FileFormat) -> Path:
        """The proposed file: the user's documents (or downloads) folder, or
        the data dir when there is none; the list's name and today's date."""
        ...

    def export(
        self, request: ExportRequest, path: Path, fmt: FileFormat, progress: Progress | None = None,
        *, overwrite: bool = False,
    ) -> ExportResult:
        """Write the list as shown to ``path`` (thread worker); a bad request,
        an unwritable path or (without ``overwrite``) an existing file raises
        ``DomainError`` (``file_exists`` for the last)."""
        ...

    def download(self, name: str, write: Callable[[Path], ExportResult]) -> ExportedFile:
        """A file for a browser session, which gets bytes rather than a path on
        the host: ``write`` writes it (as :meth:`export` or
        :meth:`print_withdrawal`) to a path named ``name`` in a private
        temporary folder; its bytes are returned and the folder is removed."""
        ...

    def import_kinds(self) -> list[ImportKindInfo]: ...

    def import_folder(self) -> Path:
        """Where the import dialog starts looking for files."""
        ...

    def spreadsheet_files(self, folder: Path) -> list[Path]:
        """The spreadsheets in ``folder`` (newest first), to pick one to import."""
        ...

    def analyse_import(self, kind: str, path: Path, progress: Progress | None = None) -> ImportAnalysis:
        """Read ``path`` and say what importing it would change (thread
        worker; nothing is sent). A file that cannot be used raises
        ``DomainError`` saying why; refused rows are written beside it."""
        ...

    async def apply_import(self, analysis: ImportAnalysis) -> ImportResult:
        """Queue the analysed changes in the outbox (one transaction) and send them."""
        ...

    def statistics(self) -> list[Chart]: ...

    def withdrawal_document_path(self, withdrawal_id: int) -> Path: ...

    def print_withdrawal(self, withdrawal_id: int, path: Path, *, overwrite: bool = False) -> ExportResult:
        """The withdrawal request with its steps, as a ``.docx`` to print
        (``file_exists`` as for :meth:`export`)."""
        ...


class Services(CoreServices, ReviewServices, TrackingServices, GraduateServices, PostServices, SheetServices,
               Protocol):
    """The one object the UI talks to."""
