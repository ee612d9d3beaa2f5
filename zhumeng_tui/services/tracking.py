"""Internship tracking facade (issue 5), on top of the client core.

:func:`tracking_services` turns the app's :class:`~zhumeng_tui.services.Services`
into a :class:`~zhumeng_tui.services.TrackingServices`: the same object when
the client core already implements the tracking methods, otherwise a thin
wrapper (:class:`TrackingFacade`) that delegates everything else to it.

Queries read the local cache (``cache/tracking.py``). Every change is checked
locally first with the same domain functions the server uses (raising
:class:`~zhumeng_tui.domain.errors.DomainError` before anything is written),
then goes into the outbox together with its optimistic mirror update (one
transaction, :meth:`Cache.add_mutation`), then the outbox is pushed; offline it
stays pending and is sent by the next sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, cast

from zhumeng_tui.api_client.schemas import (
    Application,
    CalendarYear,
    Employer,
    FollowUp,
    IntegrityEntry,
    Position,
    Staff,
    Student,
    TrackingUpdate,
    Withdrawal,
)
from zhumeng_tui.cache import tracking as sql
from zhumeng_tui.cache.store import Cache, Mutation, MutationItem
from zhumeng_tui.domain.calendar import WorkCalendar, YearData
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import (
    FLAG_LABELS,
    DeadlineView,
    InternFacts,
    InternFlag,
    check_any_change,
    check_followup,
    check_integrity_entry,
    check_nomination,
    check_tracking,
    days_done,
    deadline_view,
    followup_due,
    intern_flags,
)
from zhumeng_tui.domain.permissions import Change, check_not_provincial, check_role
from zhumeng_tui.domain.search import search_terms
from zhumeng_tui.domain.status import ACTION_LABELS, STATUS_LABELS, Action, Role, Status
from zhumeng_tui.domain.withdrawal import (
    OPEN_STATES,
    STEP_LABELS,
    STEP_RULES,
    Step,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    check_filing,
    check_step,
)
from zhumeng_tui.services import (
    AppFilter,
    ApplicationDetail,
    ApplicationRows,
    Dashboard,
    DashboardLine,
    ExcellentRow,
    IntegrityFilter,
    IntegrityRow,
    InternDetail,
    InternFilterOptions,
    MutationResult,
    Services,
    SortSpec,
    TimelineEvent,
    TrackingServices,
    WithdrawalDetail,
    WithdrawalFilter,
    WithdrawalRow,
)
from zhumeng_tui.services.search import terms_sql_named

#: Columns of the interns table, in display order (the SQL of each: ``cache.tracking.TABLE_COLUMNS``).
INTERN_COLUMNS = list(sql.TABLE_COLUMNS)

STEP_ORDER = (Step.STATEMENT, Step.COUNSELLOR, Step.STAMP, Step.SUBMIT)

TRACKING_FIELD_LABELS: dict[str, tuple[str, str]] = {
    "insurance_recorded": ("保险", "insurance"),
    "appraisal_copy_received": ("鉴定表", "appraisal copy"),
    "employer_score": ("单位评价", "employer's evaluation"),
    "student_score": ("学生评价", "student's evaluation"),
    "responsible_staff": ("负责人", "responsible staff"),
}


# ------------------------------------------------------------- helpers ----


def withdrawal_facts(w: Withdrawal) -> WithdrawalFacts:
    """What :func:`check_step` needs, from a withdrawal record."""
    dates = {rec.step: rec.date for rec in w.steps}
    return WithdrawalFacts(
        state=w.state,
        statement_date=dates.get(Step.STATEMENT),
        counsellor_date=dates.get(Step.COUNSELLOR),
        stamp_date=dates.get(Step.STAMP),
    )


def next_step(w: Withdrawal) -> Step | None:
    for step in STEP_ORDER:
        if w.state in STEP_RULES[step][0]:
            return step
    return None


def withdrawal_deadline(cal: WorkCalendar, w: Withdrawal, today: dt.date) -> DeadlineView | None:
    dates = {rec.step: rec.date for rec in w.steps}
    stamp = dates.get(Step.STAMP)
    if stamp is None or w.state == WithdrawalState.CANCELLED:
        return None
    return deadline_view(
        cal, stamp, today, dates.get(Step.SUBMIT) if w.state == WithdrawalState.SUBMITTED else None
    )


def _effective_role(me: Any) -> Role:
    """The role that records steps (a viewer stays a viewer: read-only)."""
    return Role(me.role)


def text_condition(text: str, alias: str) -> tuple[str, dict[str, Any]]:
    """The search box's condition (``domain.search``) over ``alias`` (a table
    with name, student_no, py_full, py_initials); ("", {}) for no text."""
    terms = search_terms(text)
    return terms_sql_named(terms, alias) if terms else ("", {})


def _d(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _row_facts(r: sqlite3.Row) -> InternFacts:
    return InternFacts(
        status=Status(r["status"]),
        start_date=_d(r["start_date"]) or dt.date.min,
        end_date=_d(r["end_date"]) or dt.date.min,
        on_duty_date=_d(r["on_duty_date"]),
        completed_date=_d(r["completed_date"]),
        insurance_recorded=bool(r["insurance_recorded"]),
        appraisal_copy_received=_d(r["appraisal_copy_received"]),
        employer_score=r["employer_score"],
        student_score=r["student_score"],
        last_followup=_d(r["last_followup"]),
    )


# --------------------------------------------------------------- facade ----


class TrackingFacade:
    """The tracking methods over a client core (``core``: the app's Services).

    Needs from the core: ``cache`` (a :class:`Cache`), ``me``, ``lang``, and a
    way to push the outbox (``push()``, or ``sync()``). Everything not about
    tracking is delegated to the core.
    """

    def __init__(self, core: Services, today: Callable[[], dt.date] | None = None) -> None:
        self.core = core
        self._today = today

    # ------------------------------------------------------ delegation --

    def __getattr__(self, name: str) -> Any:
        return getattr(self.core, name)

    @property
    def me(self) -> Any:
        return self.core.me

    @property
    def lang(self) -> str:
        return self.core.lang

    @property
    def cache(self) -> Cache:
        cache = getattr(self.core, "cache", None)
        if cache is None:
            raise RuntimeError("the client core exposes no cache")
        return cast(Cache, cache)

    def today(self) -> dt.date:
        if self._today is not None:
            return self._today()
        core_today = getattr(self.core, "today", None)
        if callable(core_today):
            return cast(dt.date, core_today())
        return dt.date.today()

    def calendar(self) -> WorkCalendar:
        cal = getattr(self.core, "calendar", None)
        if callable(cal):
            try:
                return cast(WorkCalendar, cal())
            except NotImplementedError:
                pass
        years = []
        for raw in sql.calendar_json(self.cache.conn()):
            cy = CalendarYear.model_validate_json(raw)
            years.append(YearData(cy.year, frozenset(cy.holidays), frozenset(cy.workdays)))
        return WorkCalendar(years)

    def dashboard(self) -> Dashboard:
        board = self.core.dashboard()
        have = {line.key for line in board.extra}
        board.extra.extend(line for line in self.tracking_dashboard_lines() if line.key not in have)
        return board

    def _db(self) -> sqlite3.Connection:
        return self.cache.conn()

    def _scope_department(self) -> int | None:
        role = Role(self.me.role)
        bound = getattr(self.me, "bound_role", None)
        if role == Role.DEPARTMENT or (role == Role.VIEWER and bound == Role.DEPARTMENT):
            return cast(int | None, self.me.department_id)
        return None

    # --------------------------------------------------------- interns --

    def _intern_query(self, f: AppFilter, sort: SortSpec | None = None) -> sql.InternQuery:
        where, params = text_condition(f.text, "v")
        order = sql.SORTABLE.get(sort.column if sort else "student_no", "v.student_no")
        if sort is not None and sort.descending:
            order += " DESC"
        return sql.InternQuery(
            today=self.today(),
            text_where=where,
            text_params=params,
            department_id=f.department_id,
            statuses=[s.value for s in f.statuses],
            flag=f.intern_flag,
            employer_id=f.employer_id,
            city=f.city,
            local_state=f.local_state,
            order_by=order,
        )

    def query_interns(self, f: AppFilter, sort: SortSpec) -> ApplicationRows:
        """The interns matching ``f``: their ids in order now, a page of rows
        when the table shows it (as the review queue's list)."""
        q = self._intern_query(f, sort)
        ids = sql.intern_ids(self._db(), q)
        i = 1 if self.lang == "en" else 0
        sep = ", " if self.lang == "en" else "、"
        labels: dict[str, str] = {"": ""}
        flag_at = INTERN_COLUMNS.index("intern_flag")

        def flag_text(codes: str | None) -> str:
            codes = codes or ""
            text = labels.get(codes)
            if text is None:
                text = sep.join(FLAG_LABELS[InternFlag(x)][i] for x in codes.split(",") if x)
                labels[codes] = text
            return text

        def fetch(page: Sequence[int]) -> dict[int, tuple[Any, ...]]:
            try:
                found = sql.intern_rows(self._db(), page, q.today)
            except (RuntimeError, sqlite3.ProgrammingError):
                return {}  # the cache was closed (the app is quitting): nothing to draw
            return {app_id: (*v[:flag_at], flag_text(v[flag_at]), *v[flag_at + 1 :]) for app_id, v in found.items()}

        return ApplicationRows(ids, columns=list(INTERN_COLUMNS), fetch=fetch)

    def intern_ids_matching(self, f: AppFilter) -> list[int]:
        return sql.intern_ids(self._db(), self._intern_query(f))

    def intern_filter_options(self) -> InternFilterOptions:
        employers, cities = sql.filter_options(self._db())
        staff = [Staff.model_validate_json(s) for s in sql.staff_json(self._db())]
        return InternFilterOptions(self.core.departments(), employers, cities, staff)

    def intern_detail(self, application_id: int) -> InternDetail:
        today = self.today()
        detail: ApplicationDetail = self.core.application_detail(application_id)
        app = detail.application
        followups = sorted(
            (FollowUp.model_validate_json(x) for x in sql.followups_for(self._db(), application_id)),
            key=lambda f: (f.date, f.id),
        )
        detail.followups = followups
        withdrawals = [
            Withdrawal.model_validate_json(r["data"])
            for r in sql.withdrawals(self._db(), application_id=application_id)
        ]
        detail.withdrawals = withdrawals
        integ = [
            IntegrityEntry.model_validate_json(r["data"])
            for r in sql.integrity(self._db(), student_id=app.student_id)
        ]
        detail.integrity = integ
        facts = InternFacts(
            status=app.status,
            start_date=detail.position.start_date,
            end_date=detail.position.end_date,
            on_duty_date=app.on_duty_date,
            completed_date=app.completed_date,
            insurance_recorded=app.insurance_recorded,
            appraisal_copy_received=app.appraisal_copy_received,
            employer_score=app.employer_score,
            student_score=app.student_score,
            last_followup=max((f.date for f in followups), default=None),
        )
        done, total = days_done(facts, today)
        return InternDetail(
            detail=detail,
            flags=intern_flags(facts, today)
            if app.status in (Status.APPROVED, Status.ON_DUTY, Status.COMPLETED, Status.APPRAISED)
            else [],
            days_done=done,
            days_total=total,
            followup_due=followup_due(facts),
            timeline=self._timeline(app, followups, withdrawals, integ),
        )

    def _timeline(
        self,
        app: Application,
        followups: list[FollowUp],
        withdrawals: list[Withdrawal],
        integrity: list[IntegrityEntry],
    ) -> list[TimelineEvent]:
        ev: list[TimelineEvent] = []
        if not any(h.action == "apply" for h in app.history):
            ev.append(TimelineEvent(app.applied_at, "status", "投递申请", "Applied", ""))
        for h in app.history:
            try:
                a_zh, a_en = ACTION_LABELS[Action(h.action)]
            except ValueError:
                a_zh, a_en = {
                    "tracking": ("更新跟踪信息", "Tracking updated"),
                    "excellent": ("推荐优秀实习生", "Nominated excellent"),
                    "withdrawn": ("放弃岗位", "Withdrawn"),
                    "apply": ("投递申请", "Applied"),
                }.get(h.action, (h.action, h.action))
            zh, en = a_zh, a_en
            if h.to_status is not None:
                s_zh, s_en = STATUS_LABELS[h.to_status]
                zh += f" → {s_zh}"
                en += f" -> {s_en}"
            if h.reason:
                if h.action == "tracking":
                    fields = [TRACKING_FIELD_LABELS.get(x.strip(), (x, x)) for x in h.reason.split(",")]
                    zh += "：" + "、".join(z for z, _ in fields)
                    en += ": " + ", ".join(e for _, e in fields)
                else:
                    zh += f"：{h.reason}"
                    en += f": {h.reason}"
            ev.append(TimelineEvent(h.at, "tracking" if h.to_status is None else "status", zh, en, h.by))
        for f in followups:
            ev.append(
                TimelineEvent(
                    f.created_at if f.date == f.created_at.date() else _at(f.date),
                    "followup",
                    f"跟踪（{f.channel}，{f.staff}）：{f.note}",
                    f"Follow-up ({f.channel}, {f.staff}): {f.note}",
                    f.created_by,
                )
            )
        for w in withdrawals:
            ev.append(
                TimelineEvent(w.filed_at, "withdrawal", "提出放弃岗位申请", "Withdrawal filed", w.filed_by)
            )
            for rec in w.steps:
                zh, en = STEP_LABELS[rec.step]
                detail = rec.text if rec.step in (Step.STATEMENT, Step.CANCEL) else rec.name
                date = f"{rec.date} " if rec.date else ""
                ev.append(
                    TimelineEvent(
                        rec.at,
                        "withdrawal",
                        f"放弃岗位·{zh}：{date}{detail or ''}".rstrip("："),
                        f"Withdrawal · {en}: {date}{detail or ''}".rstrip(": "),
                        rec.by,
                    )
                )
        for g in integrity:
            if g.application_id not in (None, app.id):
                continue
            k_zh, k_en = INTEGRITY_LABELS[g.kind]
            ev.append(
                TimelineEvent(
                    g.created_at,
                    "integrity",
                    f"诚信档案：{k_zh}（{g.note}）",
                    f"Integrity: {k_en} ({g.note})",
                    g.created_by,
                )
            )
        ev.sort(key=lambda e: _aware(e.at))
        return ev

    # ----------------------------------------------------- withdrawals --

    def _withdrawal_rows(self, rows: list[sqlite3.Row], state: str | None = None) -> list[WithdrawalRow]:
        cal = self.calendar()
        today = self.today()
        out = []
        for r in rows:
            w = Withdrawal.model_validate_json(r["data"])
            if state in ("open", "overdue") and w.state not in OPEN_STATES:
                continue
            if state in ("submitted", "cancelled") and w.state != state:
                continue
            out.append(
                WithdrawalRow(
                    id=w.id,
                    application_id=w.application_id,
                    student_id=w.student_id,
                    student_no=r["student_no"],
                    student_name=r["student_name"],
                    department_name=r["department_name"],
                    employer_name=r["employer_name"],
                    state=w.state,
                    filed_at=w.filed_at,
                    deadline=withdrawal_deadline(cal, w, today),
                    local_state=r["local_state"],
                )
            )
        if state == "overdue":
            out = [r for r in out if r.deadline is not None and r.deadline.overdue]
        return out

    def query_withdrawals(self, f: WithdrawalFilter) -> list[WithdrawalRow]:
        db = self._db()
        student_ids = None
        if f.text:
            where, params = text_condition(f.text, "s")
            student_ids = sql.student_ids_matching(db, where, params)
        rows = self._withdrawal_rows(
            sql.withdrawals(
                db, department_id=f.department_id, application_id=f.application_id, student_ids=student_ids
            ),
            f.state,
        )

        def key(r: WithdrawalRow) -> tuple[int, str, int]:
            d = r.deadline
            if r.state in OPEN_STATES:
                if d is not None and d.overdue:
                    return (0, d.due.isoformat(), r.id)
                if d is not None:
                    return (1, d.due.isoformat(), r.id)
                return (2, r.filed_at.isoformat(), r.id)
            return (3, "", -r.id)

        rows.sort(key=key)
        return rows

    def withdrawal_detail(self, withdrawal_id: int) -> WithdrawalDetail:
        raw = self.cache.get_record("withdrawal", withdrawal_id)
        if raw is None:
            raise DomainError("not_found", "找不到该放弃岗位申请", "Withdrawal request not found")
        w = Withdrawal.model_validate(raw)
        app = Application.model_validate(self._record("application", w.application_id))
        student = Student.model_validate(self._record("student", w.student_id))
        position = Position.model_validate(self._record("position", app.position_id))
        employer = Employer.model_validate(self._record("employer", position.employer_id))
        dept = self.cache.get_record("department", w.department_id) or {}
        step = next_step(w)
        may = False
        if step is not None:
            may = _effective_role(self.me) in STEP_RULES[step][2]
        local = self.cache.local_state("withdrawal", withdrawal_id)
        return WithdrawalDetail(
            withdrawal=w,
            application=app,
            student=student,
            position=position,
            employer=employer,
            department_name=str(dept.get("name", "")),
            deadline=withdrawal_deadline(self.calendar(), w, self.today()),
            next_step=step,
            may_record=may,
            local_state=local.state if local else None,
            local_message=local.message(self.lang) if local else None,
        )

    def _record(self, rtype: str, rid: int) -> dict[str, Any]:
        raw = self.cache.get_record(rtype, rid)
        if raw is None:
            raise DomainError(
                "not_found", f"找不到记录（{rtype} #{rid}）", f"Record not found ({rtype} #{rid})"
            )
        return raw

    # ------------------------------------------------------- integrity --

    def query_integrity(self, f: IntegrityFilter) -> list[IntegrityRow]:
        db = self._db()
        student_ids = None
        if f.text:
            where, params = text_condition(f.text, "s")
            student_ids = sql.student_ids_matching(db, where, params)
        rows = sql.integrity(
            db,
            student_id=f.student_id,
            department_id=f.department_id,
            kind=f.kind.value if f.kind else None,
            student_ids=student_ids,
        )
        return [
            IntegrityRow(
                entry=IntegrityEntry.model_validate_json(r["data"]),
                student_no=r["student_no"],
                student_name=r["student_name"],
                department_name=r["department_name"],
                local_state=r["local_state"],
            )
            for r in rows
        ]

    def query_excellent(self, year: int | None = None) -> list[ExcellentRow]:
        return [
            ExcellentRow(
                application_id=int(r["id"]),
                student_id=int(r["student_id"]),
                student_no=r["student_no"],
                student_name=r["name"],
                department_name=r["department"],
                employer_name=r["employer"],
                position_title=r["position"],
                end_date=_d(r["end_date"]) or dt.date.min,
                employer_score=r["employer_score"],
                student_score=r["student_score"],
                note=r["note"],
                local_state=r["local_state"],
            )
            for r in sql.excellent(self._db(), year)
        ]

    # ------------------------------------------------------- dashboard --

    def tracking_dashboard_lines(self) -> list[DashboardLine]:
        today = self.today()
        dept = self._scope_department()
        counts = sql.flag_counts(self._db(), today, dept)
        wrows = self.query_withdrawals(WithdrawalFilter(state="open", department_id=dept))
        overdue = sum(1 for r in wrows if r.deadline is not None and r.deadline.overdue)
        due_today = sum(1 for r in wrows if r.deadline is not None and r.deadline.due_today)
        approx = any(r.deadline is not None and r.deadline.approximate for r in wrows)
        mark = "*" if approx else ""
        lines = [
            DashboardLine(
                "tracking:withdrawals_overdue",
                f"放弃岗位申请已逾期{mark}",
                f"Withdrawals overdue{mark}",
                overdue,
                AppFilter(department_id=dept),
                "error" if overdue else "normal",
            ),
            DashboardLine(
                "tracking:withdrawals_due_today",
                f"放弃岗位申请今天到期{mark}",
                f"Withdrawals due today{mark}",
                due_today,
                AppFilter(department_id=dept),
                "warn" if due_today else "normal",
            ),
            DashboardLine(
                "tracking:interns_flagged",
                "需关注的实习生",
                "Interns flagged",
                counts["any"],
                AppFilter(intern_flag="any", department_id=dept),
                "warn" if counts["any"] else "normal",
            ),
            DashboardLine(
                "tracking:followups_due",
                "待跟踪（超30天未跟踪）",
                "Follow-ups due (none for 30 days)",
                counts[InternFlag.NO_FOLLOWUP.value],
                AppFilter(intern_flag=InternFlag.NO_FOLLOWUP.value, department_id=dept),
                "warn" if counts[InternFlag.NO_FOLLOWUP.value] else "normal",
            ),
        ]
        return lines

    # ---------------------------------------------------- local checks --

    def _application(self, application_id: int) -> Application:
        return Application.model_validate(self._record("application", application_id))

    def _has_open_withdrawal(self, application_id: int) -> bool:
        return any(
            Withdrawal.model_validate_json(r["data"]).state in OPEN_STATES
            for r in sql.withdrawals(self._db(), application_id=application_id)
        )

    def _check_not_provincial(self, student_id: int) -> None:
        """Out-of-province students are the provincial committee's: read-only here."""
        student = self.cache.get_record("student", student_id) or {}
        check_not_provincial(self.me.role, bool(student.get("out_of_province")))

    def check_filing(self, application_id: int) -> None:
        app = self._application(application_id)
        self._check_not_provincial(app.student_id)
        check_role(self.me.role, Change.FILE_WITHDRAWAL)
        check_filing(app.status, self._has_open_withdrawal(application_id))

    def check_withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> None:
        w = Withdrawal.model_validate(self._record("withdrawal", withdrawal_id))
        check_step(withdrawal_facts(w), step, data, _effective_role(self.me), self.today())

    # ------------------------------------------------------- mutations --

    async def _push(self) -> None:
        """Try to send the outbox now; offline (or any failure) leaves it pending."""
        push = getattr(self.core, "push", None)
        try:
            if callable(push):
                await push()
                return
            engine = getattr(self.core, "engine", None) or getattr(self.core, "sync_engine", None)
            if engine is not None:
                await engine.push()
                return
            await self.core.sync()
        except Exception:  # offline, 5xx: the entry stays pending
            return

    def _outcome(self, seq: int, rtype: str) -> MutationResult:
        entry = self.cache.entry(seq)
        if entry is None:
            return MutationResult(ok=False, code="lost", message="?")
        rid = entry.items[0].rid if entry.items else None
        if entry.state == "pending":
            return MutationResult(ok=True, queued=True, record_id=rid)
        if entry.state == "done":
            return MutationResult(ok=True, record_id=rid)
        msg = entry.message_en if self.lang == "en" else entry.message_zh
        return MutationResult(ok=False, record_id=rid, code=entry.code or entry.state, message=msg)

    async def _queue(self, m: Mutation, *, temp_for: str | None = None) -> MutationResult:
        """Write ``m`` (a temporary negative id is given to ``temp_for`` items
        with rid 0), push, and report."""

        def write() -> int:
            with self.cache.write() as c:
                if temp_for is not None:
                    low = c.execute(f"SELECT MIN(MIN(id), 0) FROM m_{temp_for}").fetchone()[0] or 0
                    for it in m.items:
                        if it.rtype == temp_for and it.rid == 0:
                            it.rid = int(low) - 1
                            if it.local is not None:
                                it.local["id"] = it.rid
                return self.cache.add_mutation_in(c, m)

        seq = await asyncio.to_thread(write)
        await self._push()
        return await asyncio.to_thread(self._outcome, seq, m.items[0].rtype)

    def _now(self) -> str:
        return dt.datetime.now(dt.UTC).isoformat()

    def _username(self) -> str:
        return str(self.me.username)

    async def add_followup(
        self, application_id: int, date: dt.date, channel: str, staff: str, note: str
    ) -> MutationResult:
        app = await asyncio.to_thread(self._application, application_id)
        check_role(self.me.role, Change.ADD_FOLLOWUP)
        check_followup(app.status, date, channel, staff, note, self.today())
        await asyncio.to_thread(self._check_not_provincial, app.student_id)
        body = {
            "application_id": application_id,
            "date": date.isoformat(),
            "channel": channel,
            "staff": staff.strip(),
            "note": note.strip(),
        }
        local = {
            **body,
            "id": 0,
            "version": 1,
            "seq": 0,
            "student_id": app.student_id,
            "department_id": app.department_id,
            "created_by": self._username(),
            "created_at": self._now(),
        }
        m = Mutation("record", "POST", "/followups", body, [MutationItem("followup", 0, local)])
        return await self._queue(m, temp_for="followup")

    async def set_tracking(self, ids: list[int], update: TrackingUpdate) -> list[MutationResult]:
        fields = update.model_dump(exclude_none=True, mode="json")
        check_any_change(fields)
        check_role(self.me.role, Change.SET_TRACKING)
        apps = await asyncio.to_thread(lambda: [self._application(i) for i in ids])
        today = self.today()
        refused: dict[int, MutationResult] = {}
        for app in apps:  # every item checked first; refused ones are never queued
            try:
                self._check_not_provincial(app.student_id)
                check_tracking(app.status, today, **update.model_dump(exclude_none=True))
            except DomainError as e:
                if len(apps) == 1:
                    raise
                refused[app.id] = MutationResult(
                    ok=False, record_id=app.id, code=e.code, message=e.message(self.lang)
                )
        todo = [a for a in apps if a.id not in refused]

        def write() -> list[int]:
            out = []
            with self.cache.write() as c:
                for app in todo:
                    local = app.model_dump(mode="json")
                    local.update(fields)
                    out.append(
                        self.cache.add_mutation_in(
                            c,
                            Mutation(
                                "record",
                                "PATCH",
                                f"/applications/{app.id}/tracking",
                                fields,
                                [MutationItem("application", app.id, local)],
                                if_match=app.version,
                            ),
                        )
                    )
            return out

        seqs = await asyncio.to_thread(write) if todo else []
        if seqs:
            await self._push()
        done = await asyncio.to_thread(lambda: [self._outcome(s, "application") for s in seqs])
        by_id = {a.id: r for a, r in zip(todo, done, strict=True)}
        return [refused.get(a.id) or by_id[a.id] for a in apps]

    async def file_withdrawal(self, application_id: int) -> MutationResult:
        await asyncio.to_thread(self.check_filing, application_id)
        app = await asyncio.to_thread(self._application, application_id)
        body = {"application_id": application_id}
        local = {
            "id": 0,
            "version": 1,
            "seq": 0,
            "application_id": application_id,
            "student_id": app.student_id,
            "department_id": app.department_id,
            "university_id": app.university_id,
            "state": WithdrawalState.FILED.value,
            "filed_by": self._username(),
            "filed_at": self._now(),
            "steps": [],
        }
        m = Mutation("record", "POST", "/withdrawals", body, [MutationItem("withdrawal", 0, local)])
        return await self._queue(m, temp_for="withdrawal")

    async def record_withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> MutationResult:
        if withdrawal_id < 0:
            raise DomainError(
                "not_synced",
                "该申请尚未同步到服务器，请联网同步后再记录下一步",
                "This request has not reached the server yet; sync before recording the next step",
            )
        w = Withdrawal.model_validate(await asyncio.to_thread(self._record, "withdrawal", withdrawal_id))
        target = check_step(withdrawal_facts(w), step, data, _effective_role(self.me), self.today())
        await asyncio.to_thread(self._check_not_provincial, w.student_id)
        body: dict[str, Any] = {"step": step.value}
        if data.date is not None and step != Step.CANCEL:
            body["date"] = data.date.isoformat()
        if data.text is not None and step in (Step.STATEMENT, Step.CANCEL):
            body["text"] = data.text.strip()
        if data.name is not None and step in (Step.COUNSELLOR, Step.STAMP):
            body["name"] = data.name.strip()
        local = w.model_dump(mode="json")
        local["state"] = target.value
        local["steps"] = [
            *local["steps"],
            {
                "step": step.value,
                "date": body.get("date", self.today().isoformat() if step == Step.CANCEL else None),
                "text": body.get("text"),
                "name": body.get("name"),
                "by": self._username(),
                "at": self._now(),
            },
        ]
        if step == Step.STAMP and data.date is not None:
            dl = self.calendar().withdrawal_deadline(data.date)
            local["deadline"] = dl.due.isoformat()
            local["deadline_approximate"] = dl.approximate
        items = [MutationItem("withdrawal", withdrawal_id, local)]
        if step == Step.SUBMIT:
            raw = await asyncio.to_thread(self.cache.get_record, "application", w.application_id)
            if raw is not None:  # optimistic: the server moves it to withdrawn
                app_local = dict(raw)
                app_local["status"] = Status.WITHDRAWN.value
                items.append(MutationItem("application", w.application_id, app_local))
        m = Mutation("record", "POST", f"/withdrawals/{withdrawal_id}/steps", body, items, if_match=w.version)
        return await self._queue(m)

    async def cancel_withdrawal(self, withdrawal_id: int, reason: str) -> MutationResult:
        return await self.record_withdrawal_step(withdrawal_id, Step.CANCEL, StepInput(text=reason))

    async def add_integrity(
        self,
        student_id: int,
        kind: IntegrityKind,
        date: dt.date,
        note: str,
        application_id: int | None = None,
    ) -> MutationResult:
        check_role(self.me.role, Change.ADD_INTEGRITY)
        check_integrity_entry(kind, date, note, self.today())
        await asyncio.to_thread(self._check_not_provincial, student_id)
        student = Student.model_validate(await asyncio.to_thread(self._record, "student", student_id))
        body: dict[str, Any] = {
            "student_id": student_id,
            "kind": IntegrityKind(kind).value,
            "date": date.isoformat(),
            "note": note.strip(),
        }
        if application_id is not None:
            body["application_id"] = application_id
        local = {
            **body,
            "id": 0,
            "version": 1,
            "seq": 0,
            "application_id": application_id,
            "department_id": student.department_id,
            "source": IntegritySource.STAFF.value,
            "created_by": self._username(),
            "created_at": self._now(),
        }
        m = Mutation("record", "POST", "/integrity", body, [MutationItem("integrity", 0, local)])
        return await self._queue(m, temp_for="integrity")

    async def nominate_excellent(self, application_id: int, note: str) -> MutationResult:
        check_role(self.me.role, Change.NOMINATE_EXCELLENT)
        app = await asyncio.to_thread(self._application, application_id)
        await asyncio.to_thread(self._check_not_provincial, app.student_id)
        check_nomination(app.status, app.excellent_nominated, note)
        local = app.model_dump(mode="json")
        local["excellent_nominated"] = True
        local["excellent_note"] = note.strip()
        m = Mutation(
            "record",
            "POST",
            f"/applications/{application_id}/excellent",
            {"note": note.strip()},
            [MutationItem("application", application_id, local)],
            if_match=app.version,
        )
        return await self._queue(m)


def _at(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def tracking_services(services: Services, today: Callable[[], dt.date] | None = None) -> TrackingServices:
    """The tracking facade for ``services`` (the same one each time)."""
    if hasattr(type(services), "query_interns"):
        return cast(TrackingServices, services)
    existing = getattr(services, "_tracking_facade", None)
    if isinstance(existing, TrackingFacade) and today is None:
        return cast(TrackingServices, existing)
    facade = TrackingFacade(services, today)
    with contextlib.suppress(AttributeError, TypeError):
        object.__setattr__(services, "_tracking_facade", facade)
    return cast(TrackingServices, facade)


# ------------------------------------------------- review-queue filter hook ----

_LAST_FOLLOWUP_SUB = "(SELECT MAX(f.date) FROM m_followup f WHERE f.application_id = app_view.id)"


def _flag_clause(flag: str, today: dt.date) -> tuple[str, list[Any]]:
    conds = list(sql.FLAG_SQL.values()) if flag == "any" else [sql.FLAG_SQL[InternFlag(flag)]]
    text = "(" + " OR ".join(conds) + ")"
    text = text.replace("v.", "app_view.").replace("lf.last", _LAST_FOLLOWUP_SUB)
    n = text.count(":today")
    return text.replace(":today", "?"), [today.isoformat()] * n


def intern_flag_hook(f: AppFilter, core: Any) -> tuple[list[str], list[Any]]:
    """Lets ``query_applications`` (the review queue, dashboard lines) filter by
    ``AppFilter.intern_flag`` too."""
    if not f.intern_flag:
        return [], []
    today_fn = getattr(core, "today", None)
    today = today_fn() if callable(today_fn) else dt.date.today()
    clause, params = _flag_clause(f.intern_flag, today)
    return [clause], params


def _register_hook() -> None:
    try:
        from zhumeng_tui.services import local
    except ImportError:  # pragma: no cover - the client core is not there
        return
    if intern_flag_hook not in local.FILTER_HOOKS:
        local.register_filter(intern_flag_hook)


_register_hook()
