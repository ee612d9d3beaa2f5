"""The facade screens use: cache + api_client + sync behind one object.

Screens and widgets call only this (never httpx or SQL). Query methods are
synchronous and fast (SQLite on the local cache): call them from a *thread*
worker. Methods that talk to the server are ``async``: call them from an async
worker. Every mutating method writes to the local outbox first (optimistic,
durable), then tries to push; offline it simply stays pending.

THIS FILE IS THE CONTRACT between the client core (``cache/``, ``api_client/``)
and the screens. Extend it (add methods/fields) freely; do not change existing
signatures without updating every caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from zhumeng_tui.api_client.schemas import (
    Application,
    Employer,
    FollowUp,
    IntegrityEntry,
    Me,
    Position,
    Student,
    Withdrawal,
)
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.eligibility import CheckId, CheckResult
from zhumeng_tui.domain.status import Action, Status

if TYPE_CHECKING:
    import pyarrow as pa


# ------------------------------------------------------------ filters ----


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
    #: Only applications with a pending / conflicting / rejected outbox entry.
    local_state: str | None = None  # "pending" | "conflict" | "rejected"
    # Interns screen (issue 5).
    intern_flag: str | None = None
    employer_id: int | None = None
    city: str | None = None


@dataclass(frozen=True)
class SortSpec:
    column: str = "student_no"  # one of ApplicationRows.columns
    descending: bool = False


@dataclass
class ApplicationRows:
    """One query result, ready for the table.

    ``table`` has one row per application, in display order, with the columns
    named in ``columns`` (all strings except numbers); ``ids[i]`` is the
    application id of row i.
    """

    ids: list[int]
    table: pa.Table
    columns: list[str]


# ------------------------------------------------------------- detail ----


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
    #: Outbox state of this record: None (synced), "pending", "conflict",
    #: "rejected"; with the server's message for the last two.
    local_state: str | None = None
    local_message: str | None = None


# ---------------------------------------------------------- dashboard ----


@dataclass
class DashboardLine:
    """One line of the dashboard; ``filter`` opens the list it counts."""

    key: str  # stable id, e.g. "waiting", "returned", "check:realname", "status:matched"
    label_zh: str
    label_en: str
    count: int
    filter: AppFilter
    severity: str = "normal"  # "normal" | "warn" | "error"


@dataclass
class Dashboard:
    waiting: DashboardLine
    returned: DashboardLine
    blockers: list[DashboardLine]  # one per failing check with count > 0
    by_status: list[DashboardLine]
    extra: list[DashboardLine] = field(default_factory=list)  # issue 5 adds lines


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
    students: list[MissingStudent]


# ------------------------------------------------------------- review ----


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


@dataclass
class ItemResult:
    application_id: int
    ok: bool
    queued: bool = False  # offline: in the outbox, not yet confirmed
    code: str | None = None
    message: str | None = None


@dataclass
class ReviewResult:
    results: list[ItemResult]

    @property
    def failed_ids(self) -> list[int]:
        return [r.application_id for r in self.results if not r.ok]


# --------------------------------------------------------------- sync ----


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


ProgressCallback = Callable[[int, int | None], None]


class Services(Protocol):
    me: Me
    lang: str

    # queries (sync, thread worker)
    def calendar(self) -> WorkCalendar: ...
    def departments(self) -> list[tuple[int, str]]: ...
    def query_applications(self, f: AppFilter, sort: SortSpec) -> ApplicationRows: ...
    def ids_matching(self, f: AppFilter) -> list[int]: ...
    def application_detail(self, application_id: int) -> ApplicationDetail: ...
    def dashboard(self) -> Dashboard: ...
    def missing(self, department_id: int | None = None) -> list[MissingGroup]: ...
    def preview_review(self, ids: list[int], action: Action) -> ReviewPreview: ...
    def sync_status(self) -> SyncStatus: ...

    # server (async worker)
    async def review(
        self, ids: list[int], action: Action, reason: str | None, acknowledge: list[CheckId]
    ) -> ReviewResult: ...
    async def sync(self, progress: ProgressCallback | None = None) -> SyncStatus: ...
    async def close(self) -> None: ...


def open_services(**kwargs: Any) -> Services:  # pragma: no cover - replaced by the client core
    raise NotImplementedError
