"""``TrackingPart``: internship tracking — the interns list and an intern's
detail, follow-ups, tracking fields, withdrawal requests and their four
steps, the integrity record and excellent-intern nominations.

The interns list is the review queue's list machinery over the intern
statuses (same filters, search, index and remembered results), with the
flags' labels in its rows. Every change is checked locally first with the
domain functions the server applies (raising
:class:`~zhumeng_tui.domain.errors.DomainError` before anything is written),
then queued through :meth:`ServicesCore.queue`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from zhumeng_tui.api_client.schemas import (
    Application,
    Employer,
    IntegrityEntry,
    Position,
    Staff,
    Student,
    TrackingUpdate,
    Withdrawal,
)
from zhumeng_tui.cache import tracking as sql
from zhumeng_tui.cache.outbox import NEW_RECORD, Mutation, MutationItem
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
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
    tracking_from,
)
from zhumeng_tui.domain.permissions import Change, check_not_provincial, check_role
from zhumeng_tui.domain.status import INTERN_STATUSES, Role, Status
from zhumeng_tui.domain.withdrawal import (
    OPEN_STATES,
    STEP_RULES,
    Step,
    StepInput,
    WithdrawalState,
    check_filing,
    check_step,
)
from zhumeng_tui.services import (
    INTERN_COLUMNS,
    AppFilter,
    ApplicationRows,
    DashboardLine,
    ExcellentRow,
    IntegrityFilter,
    IntegrityRow,
    InternDetail,
    InternFilterOptions,
    LocalState,
    MutationResult,
    Severity,
    SortSpec,
    WithdrawalDetail,
    WithdrawalFilter,
    WithdrawalListState,
    WithdrawalRow,
    withdrawal_facts,
)
from zhumeng_tui.services.core import ServicesCore
from zhumeng_tui.services.timeline import intern_timeline

STEP_ORDER = (Step.STATEMENT, Step.COUNSELLOR, Step.STAMP, Step.SUBMIT)
#: The request states each choice of the withdrawal list shows (overdue: of the open ones).
_LIST_STATES: dict[WithdrawalListState, frozenset[str]] = {
    WithdrawalListState.OPEN: frozenset(s.value for s in OPEN_STATES),
    WithdrawalListState.OVERDUE: frozenset(s.value for s in OPEN_STATES),
    WithdrawalListState.SUBMITTED: frozenset({WithdrawalState.SUBMITTED.value}),
    WithdrawalListState.CANCELLED: frozenset({WithdrawalState.CANCELLED.value}),
}
#: Who may change an intern's tracking (follow-ups, fields, withdrawals).
Row = tuple[Any, ...]


def next_step(w: Withdrawal) -> Step | None:
    for step in STEP_ORDER:
        if w.state in STEP_RULES[step][0]:
            return step
    return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _local(state: str | None) -> LocalState | None:
    return None if state is None else LocalState(state)


class TrackingPart(ServicesCore):
    # --------------------------------------------------------- interns --

    @staticmethod
    def _interns(f: AppFilter) -> AppFilter:
        """``f`` over the intern statuses (its statuses among them, or all of them)."""
        return dataclasses.replace(f, statuses=(f.statuses & INTERN_STATUSES) or INTERN_STATUSES)

    def query_interns(self, f: AppFilter, sort: SortSpec, columns: Sequence[str] = INTERN_COLUMNS) -> ApplicationRows:
        """The interns matching ``f``, in ``columns`` (default ``INTERN_COLUMNS``;
        the flags as labels), read as the review queue's list is."""
        i = 1 if self.lang == "en" else 0
        sep = ", " if self.lang == "en" else "、"
        labels: dict[str, str] = {"": ""}
        if "intern_flag" not in columns:
            return self.lists.query(self._interns(f), sort, columns)
        at = list(columns).index("intern_flag")

        def flag_text(codes: str | None) -> str:
            codes = codes or ""
            text = labels.get(codes)
            if text is None:
                text = labels[codes] = sep.join(FLAG_LABELS[InternFlag(x)][i] for x in codes.split(",") if x)
            return text

        def shape(found: dict[int, Row]) -> dict[int, Row]:
            return {app_id: (*v[:at], flag_text(v[at]), *v[at + 1 :]) for app_id, v in found.items()}

        return self.lists.query(self._interns(f), sort, columns, shape=shape)

    def intern_ids_matching(self, f: AppFilter) -> list[int]:
        return list(self.lists.ids(self._interns(f), SortSpec()))

    def intern_filter_options(self) -> InternFilterOptions:
        employers, cities = sql.employers_and_cities(self.cache, INTERN_STATUSES)
        staff = sorted((Staff.model_validate(s) for s in self.cache.records("staff")), key=lambda s: s.username)
        return InternFilterOptions(self.departments(), employers, cities, staff)

    def intern_detail(self, application_id: int) -> InternDetail:
        today = self.today()
        detail = self.application_detail(application_id)
        app = detail.application
        detail.followups.sort(key=lambda f: (f.date, f.id))
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
            last_followup=max((f.date for f in detail.followups), default=None),
        )
        done, total = days_done(facts, today)
        return InternDetail(
            detail=detail,
            flags=intern_flags(facts, today) if app.status in INTERN_STATUSES else [],
            days_done=done,
            days_total=total,
            followup_due=followup_due(facts),
            timeline=intern_timeline(app, detail.followups, detail.withdrawals, detail.integrity, detail.actors),
        )

    # ----------------------------------------------------- withdrawals --

    def query_withdrawals(self, f: WithdrawalFilter) -> list[WithdrawalRow]:
        """The requests matching ``f``: overdue first, then open ones by
        deadline, open ones not yet stamped, and the closed ones (newest first)."""
        cal, today = self.calendar(), self.today()
        states = None if f.state is None else _LIST_STATES[WithdrawalListState(f.state)]
        rows = []
        for r in sql.withdrawals(self.cache, text=f.text, department_id=f.department_id,
                                 application_id=f.application_id, states=states):
            w = Withdrawal.model_validate_json(r.record_json)
            deadline = _deadline(cal, w, today)
            if f.state == WithdrawalListState.OVERDUE and not (deadline is not None and deadline.overdue):
                continue
            rows.append(WithdrawalRow(
                id=w.id, application_id=w.application_id, student_id=w.student_id, student_no=r.student_no,
                student_name=r.student_name, department_name=r.department_name, employer_name=r.employer_name,
                state=w.state, filed_at=w.filed_at, deadline=deadline, local_state=_local(r.local_state),
            ))

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
        app = self._application(w.application_id)
        position = Position.model_validate(self.require_record("position", app.position_id))
        dept = self.cache.get_record("department", w.department_id) or {}
        step = next_step(w)
        local, message = self.local_state("withdrawal", withdrawal_id)
        return WithdrawalDetail(
            withdrawal=w,
            application=app,
            student=Student.model_validate(self.require_record("student", w.student_id)),
            position=position,
            employer=Employer.model_validate(self.require_record("employer", position.employer_id)),
            department_name=str(dept.get("name", "")),
            deadline=_deadline(self.calendar(), w, self.today()),
            next_step=step,
            may_record=step is not None and self.role in STEP_RULES[step][2],
            local_state=local,
            local_message=message,
            actors=self.actor_names(),
        )

    # ------------------------------------------------------- integrity --

    def query_integrity(self, f: IntegrityFilter) -> list[IntegrityRow]:
        found = sql.integrity(self.cache, text=f.text, student_id=f.student_id, department_id=f.department_id,
                              kind=f.kind.value if f.kind else None)
        return [
            IntegrityRow(
                entry=IntegrityEntry.model_validate_json(r.record_json),
                student_no=r.student_no,
                student_name=r.student_name,
                department_name=r.department_name,
                local_state=_local(r.local_state),
            )
            for r in found
        ]

    def query_excellent(self, year: int | None = None) -> list[ExcellentRow]:
        return [
            ExcellentRow(
                application_id=int(r.application_id),
                student_id=int(r.student_id),
                student_no=r.student_no,
                student_name=r.name,
                department_name=r.department,
                employer_name=r.employer,
                position_title=r.position,
                end_date=dt.date.fromisoformat(r.end_date[:10]) if r.end_date else dt.date.min,
                employer_score=r.employer_score,
                student_score=r.student_score,
                note=r.note,
                local_state=_local(r.local_state),
            )
            for r in sql.excellent(self.cache, year)
        ]

    # ------------------------------------------------------- dashboard --

    def tracking_dashboard_lines(self) -> list[DashboardLine]:
        """Overdue and due-today withdrawals, flagged interns, follow-ups due
        (``*``: a deadline counted Monday-Friday for want of calendar data)."""
        dept = self.me.department_id if self.reviewer.role == Role.DEPARTMENT else None
        counts = sql.flag_counts(self.cache, self.today(), dept)
        open_rows = self.query_withdrawals(WithdrawalFilter(state=WithdrawalListState.OPEN, department_id=dept))
        deadlines = [r.deadline for r in open_rows if r.deadline is not None]
        overdue = sum(1 for d in deadlines if d.overdue)
        due_today = sum(1 for d in deadlines if d.due_today)
        mark = "*" if any(d.approximate for d in deadlines) else ""
        no_followup = counts[InternFlag.NO_FOLLOWUP.value]
        return [
            DashboardLine("tracking:withdrawals_overdue", f"放弃岗位申请已逾期{mark}", f"Withdrawals overdue{mark}",
                          overdue, AppFilter(department_id=dept), Severity.ERROR if overdue else Severity.NORMAL),
            DashboardLine("tracking:withdrawals_due_today", f"放弃岗位申请今天到期{mark}",
                          f"Withdrawals due today{mark}", due_today, AppFilter(department_id=dept),
                          Severity.WARN if due_today else Severity.NORMAL),
            DashboardLine("tracking:interns_flagged", "需关注的实习生", "Interns flagged", counts["any"],
                          AppFilter(intern_flag="any", department_id=dept),
                          Severity.WARN if counts["any"] else Severity.NORMAL),
            DashboardLine("tracking:followups_due", "待跟踪（超30天未跟踪）", "Follow-ups due (none for 30 days)",
                          no_followup, AppFilter(intern_flag=InternFlag.NO_FOLLOWUP, department_id=dept),
                          Severity.WARN if no_followup else Severity.NORMAL),
        ]

    # ---------------------------------------------------- local checks --

    def _application(self, application_id: int) -> Application:
        return Application.model_validate(self.require_record("application", application_id))

    def _start_date(self, app: Application) -> dt.date | None:
        """The first day the intern's tracking dates may fall on (``tracking_from``)."""
        pos = self.cache.get_record("position", app.position_id)
        if not pos or not pos.get("start_date"):
            return None
        return tracking_from(dt.date.fromisoformat(str(pos["start_date"])), app.on_duty_date)

    def _check_student(self, student_id: int) -> None:
        """Refuse a change about an out-of-province student (the province's)."""
        student = self.cache.get_record("student", student_id) or {}
        check_not_provincial(self.role, bool(student.get("out_of_province")))

    def check_filing(self, application_id: int) -> None:
        app = self._application(application_id)
        self._check_student(app.student_id)
        check_role(self.role, Change.FILE_WITHDRAWAL)
        has_open = any(Withdrawal.model_validate(r).state in OPEN_STATES
                       for r in self.cache.records("withdrawal", application_id=application_id))
        check_filing(app.status, has_open)

    def check_withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> None:
        w = Withdrawal.model_validate(self.require_record("withdrawal", withdrawal_id))
        check_step(withdrawal_facts(w, self._application(w.application_id)), step, data, self.role, self.today())

    # --------------------------------------------------------- changes --

    async def add_followup(
        self, application_id: int, date: dt.date, channel: str, staff: str, note: str
    ) -> MutationResult:
        app = await asyncio.to_thread(self._application, application_id)
        check_role(self.role, Change.ADD_FOLLOWUP)
        await asyncio.to_thread(self._check_student, app.student_id)
        start = await asyncio.to_thread(self._start_date, app)
        check_followup(app.status, date, channel, staff, note, self.today(), start)
        body = {
            "application_id": application_id,
            "date": date.isoformat(),
            "channel": channel,
            "staff": staff.strip(),
            "note": note.strip(),
        }
        local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0, "student_id": app.student_id,
                 "department_id": app.department_id, "created_by": self.me.username, "created_at": _now()}
        return await self._change(
            lambda: Mutation("record", "POST", "/followups", body, [MutationItem("followup", NEW_RECORD, local)]))

    async def set_tracking(self, ids: list[int], update: TrackingUpdate) -> list[MutationResult]:
        """The same tracking fields for several interns: every one is checked
        first and the refused ones are never queued (one of one raises)."""
        # the fields given, an emptied one (None) included
        fields = update.model_dump(exclude_unset=True, mode="json")
        given = update.model_dump(exclude_unset=True)
        cleared = [name for name, value in given.items() if value is None]
        check_any_change(fields)
        check_role(self.role, Change.SET_TRACKING)
        today = self.today()
        refused: dict[int, MutationResult] = {}
        todo: list[int] = []

        def build() -> list[Mutation]:
            # inside the write transaction: each change is based on the version it was checked against
            changes = []
            for app_id in ids:
                app = self._application(app_id)
                try:
                    self._check_student(app.student_id)
                    check_tracking(app.status, today, start_date=self._start_date(app), cleared=cleared,
                                   **{k: v for k, v in given.items() if v is not None})
                except DomainError as e:
                    if len(ids) == 1:
                        raise
                    refused[app_id] = MutationResult(ok=False, record_id=app_id, code=e.code,
                                                     message=e.message(self.lang))
                    continue
                todo.append(app_id)
                changes.append(Mutation("record", "PATCH", f"/applications/{app_id}/tracking", fields,
                                        [MutationItem("application", app_id, {**app.model_dump(mode="json"), **fields})],
                                        if_match=app.version))
            return changes

        outcomes = await self.queue(build)
        done = {app_id: o.results[0] for app_id, o in zip(todo, outcomes, strict=True)}
        return [refused.get(app_id) or done[app_id] for app_id in ids]

    async def file_withdrawal(self, application_id: int) -> MutationResult:
        await asyncio.to_thread(self.check_filing, application_id)
        app = await asyncio.to_thread(self._application, application_id)
        local = {
            "id": NEW_RECORD, "version": 1, "seq": 0, "application_id": application_id,
            "student_id": app.student_id, "department_id": app.department_id, "university_id": app.university_id,
            "state": WithdrawalState.FILED.value, "filed_by": self.me.username, "filed_at": _now(), "steps": [],
        }
        return await self._change(lambda: Mutation("record", "POST", "/withdrawals", {"application_id": application_id},
                                                   [MutationItem("withdrawal", NEW_RECORD, local)]))

    async def record_withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> MutationResult:
        if withdrawal_id < 0:
            raise DomainError(
                "not_synced",
                "该申请尚未同步到服务器，请联网同步后再记录下一步",
                "This request has not reached the server yet; sync before recording the next step",
            )
        return await self._change(lambda: self._withdrawal_step(withdrawal_id, step, data))

    def _withdrawal_step(self, withdrawal_id: int, step: Step, data: StepInput) -> Mutation:
        """The change that records ``step`` on the cached request, checked against it."""
        w = Withdrawal.model_validate(self.require_record("withdrawal", withdrawal_id))
        facts = withdrawal_facts(w, self._application(w.application_id))
        target = check_step(facts, step, data, self.role, self.today())
        self._check_student(w.student_id)
        body: dict[str, Any] = {"step": step.value}
        if data.date is not None and step != Step.CANCEL:
            body["date"] = data.date.isoformat()
        if data.text is not None and step in (Step.STATEMENT, Step.CANCEL):
            body["text"] = data.text.strip()
        if data.name is not None and step in (Step.COUNSELLOR, Step.STAMP):
            body["name"] = data.name.strip()
        local = w.model_dump(mode="json")
        local["state"] = target.value
        local["steps"] = [*local["steps"], {
            "step": step.value,
            "date": body.get("date", self.today().isoformat() if step == Step.CANCEL else None),
            "text": body.get("text"),
            "name": body.get("name"),
            "by": self.me.username,
            "at": _now(),
        }]
        if step == Step.STAMP and data.date is not None:
            dl = self.calendar().withdrawal_deadline(data.date)
            local["deadline"] = dl.due.isoformat()
            local["deadline_approximate"] = dl.approximate
        items = [MutationItem("withdrawal", withdrawal_id, local)]
        if step == Step.SUBMIT:
            raw = self.cache.get_record("application", w.application_id)
            if raw is not None:  # optimistic: the server moves it to withdrawn
                items.append(MutationItem("application", w.application_id, {**raw, "status": Status.WITHDRAWN.value}))
        return Mutation("record", "POST", f"/withdrawals/{withdrawal_id}/steps", body, items, if_match=w.version)

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
        check_role(self.role, Change.ADD_INTEGRITY)
        check_integrity_entry(kind, date, note, self.today())
        await asyncio.to_thread(self._check_student, student_id)
        student = Student.model_validate(await asyncio.to_thread(self.require_record, "student", student_id))
        body: dict[str, Any] = {
            "student_id": student_id,
            "kind": IntegrityKind(kind).value,
            "date": date.isoformat(),
            "note": note.strip(),
        }
        if application_id is not None:
            body["application_id"] = application_id
        local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0, "application_id": application_id,
                 "department_id": student.department_id, "source": IntegritySource.STAFF.value,
                 "created_by": self.me.username, "created_at": _now()}
        return await self._change(
            lambda: Mutation("record", "POST", "/integrity", body, [MutationItem("integrity", NEW_RECORD, local)]))

    async def nominate_excellent(self, application_id: int, note: str) -> MutationResult:
        check_role(self.role, Change.NOMINATE_EXCELLENT)

        def build() -> Mutation:
            app = self._application(application_id)
            self._check_student(app.student_id)
            check_nomination(app.status, app.excellent_nominated, note)
            local = {**app.model_dump(mode="json"), "excellent_nominated": True, "excellent_note": note.strip()}
            return Mutation("record", "POST", f"/applications/{application_id}/excellent", {"note": note.strip()},
                            [MutationItem("application", application_id, local)], if_match=app.version)

        return await self._change(build)


def _deadline(cal: WorkCalendar, w: Withdrawal, today: dt.date) -> DeadlineView | None:
    """The submission deadline of a stamped, not cancelled request."""
    dates = {rec.step: rec.date for rec in w.steps}
    stamp = dates.get(Step.STAMP)
    if stamp is None or w.state == WithdrawalState.CANCELLED:
        return None
    return deadline_view(cal, stamp, today, dates.get(Step.SUBMIT) if w.state == WithdrawalState.SUBMITTED else None)
