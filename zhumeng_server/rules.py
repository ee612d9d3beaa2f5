"""The server's business rules on top of ``zhumeng_tui.domain``."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server.auth import Principal
from zhumeng_server.core import Tx
from zhumeng_server.errors import ApiError, not_found
from zhumeng_server.wire import scope_of, year_data
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.status import (
    ACTION_LABELS,
    INTERN_STATUSES,
    LIVE_STATUSES,
    Action,
    Role,
    Status,
    check_transition,
)
from zhumeng_tui.domain.withdrawal import (
    OPEN_STATES,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    check_filing,
    check_step,
)

MAX_ID = 2**63 - 1
T = TypeVar("T")

#: Actions a province account performs on behalf of the platform (system).
PLATFORM_ACTIONS = frozenset({Action.SELECT, Action.RESUBMIT, Action.ON_DUTY, Action.COMPLETE, Action.APPRAISE})


def get_scoped(session: Session, user: Principal, model: type[T], rid: int, what: tuple[str, str]) -> T:
    """The row, or 404 when it does not exist or the caller may not see it."""
    if not (0 < rid <= MAX_ID):
        raise not_found(*what)
    row = session.get(model, rid)
    if row is None or not user.sees(*scope_of(row)):
        raise not_found(*what)
    return row


APP = ("申请", "application")
WITHDRAWAL = ("放弃岗位申请", "withdrawal request")
STUDENT = ("学生", "student")
POSITION = ("岗位", "position")
FOLLOWUP = ("跟踪记录", "follow-up")


def require_roles(user: Principal, roles: set[Role], zh: str, en: str) -> None:
    if user.role not in roles:
        raise ApiError(403, "role_not_allowed", f"当前账号角色无权{zh}", f"Your role may not {en}")


def check_not_provincial(user: Principal, student: m.Student) -> None:
    if user.campus and student.out_of_province:
        raise ApiError(
            403, "provincial_review",
            "省外高校学生由省级团委审核，本校只读",
            "Out-of-province student: reviewed by the provincial committee; read-only here",
        )


MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)


def check_date_range(d: dt.date | None, field: str) -> None:
    """Dates outside 2000..2100 are typos, not data (and would overflow the calendar)."""
    if d is not None and not (MIN_DATE <= d <= MAX_DATE):
        raise ApiError(
            422, "date_out_of_range", f"日期 {d} 超出范围（2000-2100 年）", f"Date {d} is out of range (2000-2100)",
            fields=[s.FieldError(field=field, message_zh="日期超出范围", message_en="Date out of range")],
        )


def check_not_future(d: dt.date, today: dt.date, what_zh: str, what_en: str, field: str = "date") -> None:
    check_date_range(d, field)
    if d > today:
        raise ApiError(
            422, "date_in_future", f"{what_zh}（{d}）不能晚于今天（{today}）",
            f"The {what_en} ({d}) cannot be after today ({today})",
        )


# -------------------------------------------------------------- checks ----


def compute_checks(tx: Tx, app: m.Application) -> list[dict[str, Any]]:
    student = tx.get(m.Student, app.student_id)
    position = tx.get(m.Position, app.position_id)
    assert student is not None and position is not None
    employer = tx.get(m.Employer, position.employer_id)
    assert employer is not None
    others = []
    for o in tx.apps_of(app.student_id):
        if o.id == app.id:
            continue
        op = tx.get(m.Position, o.position_id)
        assert op is not None
        others.append(el.OtherApplication(int(o.id or 0), Status(o.status), op.start_date, op.end_date))
    rf = app.report_form
    form = None
    if rf is not None:
        form = el.ReportForm(
            student_name=rf.get("student_name"),
            student_no=rf.get("student_no"),
            employer_name=rf.get("employer_name"),
            position_title=rf.get("position_title"),
            start_date=dt.date.fromisoformat(rf["start_date"]) if rf.get("start_date") else None,
            end_date=dt.date.fromisoformat(rf["end_date"]) if rf.get("end_date") else None,
        )
    outcomes = el.evaluate(
        el.StudentFacts(
            student.name, student.student_no, student.enrollment_status, student.full_time,
            student.realname_verified, student.univ_certified, student.out_of_province,
        ),
        el.PositionFacts(position.title, employer.name, position.start_date, position.end_date),
        form,
        Status(app.status),
        others,
    )
    return [o.to_dict() for o in outcomes]


def save_with_checks(tx: Tx, app: m.Application, action: str, *, new: bool = False) -> None:
    """Save ``app`` and re-evaluate every application of its student; siblings
    are saved (new version/seq) only when their checks changed."""
    app.checks = compute_checks(tx, app)
    tx.save(app, action, new=new)
    for other in tx.apps_of(app.student_id):
        if other is app or other.id == app.id:
            continue
        checks = compute_checks(tx, other)
        if checks != other.checks:
            other.checks = checks
            tx.save(other, "application.checks", bump_version=False)


def history_event(tx: Tx, action: str, before: str | None, after: str | None, reason: str | None = None,
                  acknowledged: list[str] | None = None) -> dict[str, Any]:
    return s.HistoryEvent(
        at=tx.now, by=tx.user.username, action=action,
        from_status=Status(before) if before else None, to_status=Status(after) if after else None,
        reason=reason, acknowledged=[el.CheckId(c) for c in acknowledged or []],
    ).model_dump(mode="json")


# ------------------------------------------------------------- actions ----


def plan_action(tx: Tx, app: m.Application, action: Action, reason: str | None,
                acknowledge: list[el.CheckId]) -> Status:
    """Validate an action without changing anything; return the new status."""
    user = tx.user
    if action == Action.WITHDRAW:
        raise DomainError(
            "withdrawal_required", "放弃岗位须通过放弃岗位申请流程提交",
            "Withdraw through a withdrawal request (POST /withdrawals)",
        )
    student = tx.get(m.Student, app.student_id)
    assert student is not None
    check_not_provincial(user, student)
    role = user.role
    if role == Role.PROVINCE and action in PLATFORM_ACTIONS:
        role = Role.SYSTEM
    new = check_transition(app.status, action, role, reason)
    if action in el.GATED_ACTIONS:
        checks = compute_checks(tx, app)
        by_id = {c["check"]: c for c in checks}
        failed_ids, warn_ids = el.review_gate(action, {c["check"]: c["result"] for c in checks}, user.role)
        failed = [by_id[c.value] for c in failed_ids]
        a_zh, a_en = ACTION_LABELS[action]
        if failed:
            zh = "；".join(f"{el.CHECK_LABELS[el.CheckId(c['check'])][0]}：{c['reason_zh']}" for c in failed)
            en = "; ".join(f"{el.CHECK_LABELS[el.CheckId(c['check'])][1]}: {c['reason_en']}" for c in failed)
            raise ApiError(
                422, "check_failed", f"资格审核未通过，不能{a_zh}：{zh}",
                f"Eligibility checks failed; cannot {a_en.lower()}: {en}",
                fields=[s.FieldError(field=f"checks.{c['check']}", message_zh=c["reason_zh"],
                                     message_en=c["reason_en"]) for c in failed],
            )
        acked = {a.value for a in acknowledge}
        unacked = [by_id[c.value] for c in warn_ids if c.value not in acked]
        if unacked:
            ids = ", ".join(c["check"] for c in unacked)
            raise ApiError(
                422, "warning_not_acknowledged",
                f"以下提示须确认后才能{a_zh}：{ids}",
                f"Acknowledge these warnings before you {a_en.lower()}: {ids}",
                fields=[s.FieldError(field=f"acknowledge.{c['check']}", message_zh=c["reason_zh"],
                                     message_en=c["reason_en"]) for c in unacked],
            )
    if action == Action.APPRAISE:
        missing = [
            (zh, en) for zh, en, v in (
                ("鉴定表回收日期", "appraisal copy received", app.appraisal_copy_received),
                ("用人单位评分", "employer score", app.employer_score),
                ("学生评分", "student score", app.student_score),
            ) if v is None
        ]
        if missing:
            raise ApiError(
                422, "appraisal_incomplete",
                "鉴定前须录入：" + "、".join(z for z, _ in missing),
                "Before appraisal record: " + ", ".join(e for _, e in missing),
            )
    return new


def apply_action(tx: Tx, app: m.Application, action: Action, new: Status, reason: str | None,
                 acknowledge: list[el.CheckId]) -> None:
    before = app.status
    app.status = new.value
    acked = sorted({a.value for a in acknowledge})
    if action in (Action.REJECT, Action.RETURN):
        app.reason = reason
    if action in (Action.CONFIRM, Action.APPROVE):
        app.acknowledged = acked
    if action == Action.ON_DUTY:
        app.on_duty_date = tx.today
    if action == Action.COMPLETE:
        app.completed_date = tx.today
    app.history = [*app.history, history_event(tx, action.value, before, new.value, reason, acked)]
    save_with_checks(tx, app, f"application.{action.value}")


# --------------------------------------------------------- withdrawals ----


def calendar(session: Session) -> WorkCalendar:
    rows = session.scalars(select(m.CalendarYearRow))
    return WorkCalendar(year_data(r) for r in rows)


def has_open_withdrawal(session: Session, application_id: int) -> bool:
    q = select(col(m.Withdrawal.id)).where(
        m.Withdrawal.application_id == application_id,  # type: ignore[arg-type]
        m.Withdrawal.state.in_([st.value for st in OPEN_STATES]),  # type: ignore[attr-defined]
    )
    return session.scalars(q).first() is not None


def file_withdrawal(tx: Tx, app: m.Application) -> m.Withdrawal:
    student = tx.session.get(m.Student, app.student_id)
    assert student is not None
    check_not_provincial(tx.user, student)
    require_roles(tx.user, {Role.UNIVERSITY, Role.DEPARTMENT, Role.PROVINCE}, "提交放弃岗位申请",
                  "file withdrawal requests")
    check_filing(app.status, has_open_withdrawal(tx.session, int(app.id or 0)))
    w = m.Withdrawal(
        application_id=int(app.id or 0), student_id=app.student_id, department_id=app.department_id,
        university_id=app.university_id, state=WithdrawalState.FILED.value, filed_by=tx.user.username,
        filed_at=tx.now, steps=[],
    )
    tx.save(w, "withdrawal.file", new=True)
    return w


def _step_date(w: m.Withdrawal, step: str) -> dt.date | None:
    for rec in reversed(w.steps or []):
        if rec.get("step") == step and rec.get("date"):
            return dt.date.fromisoformat(rec["date"])
    return None


def withdrawal_step(tx: Tx, w: m.Withdrawal, req: s.WithdrawalStepRequest) -> None:
    session = tx.session
    app = session.get(m.Application, w.application_id)
    student = session.get(m.Student, w.student_id)
    assert app is not None and student is not None
    check_not_provincial(tx.user, student)
    check_date_range(req.date, "date")
    facts = WithdrawalFacts(
        WithdrawalState(w.state), _step_date(w, "statement"), _step_date(w, "counsellor"), _step_date(w, "stamp")
    )
    new_state = check_step(facts, req.step, StepInput(req.date, req.text, req.name), tx.user.role, tx.today)
    record = s.WithdrawalStepRecord(
        step=req.step, date=req.date, text=req.text, name=req.name, by=tx.user.username, at=tx.now
    ).model_dump(mode="json")
    if req.step.value == "submit":
        # Validate the application move first: nothing changes if it is refused.
        check_transition(app.status, Action.WITHDRAW, Role.SYSTEM)
    w.steps = [*(w.steps or []), record]
    w.state = new_state.value
    if req.step.value == "stamp":
        assert req.date is not None
        deadline = calendar(session).withdrawal_deadline(req.date)
        w.deadline, w.deadline_approximate = deadline.due, deadline.approximate
    if req.step.value == "submit":
        assert req.date is not None
        if w.deadline is None:  # stamped before deadlines existed: compute now
            stamp = facts.stamp_date or req.date
            deadline = calendar(session).withdrawal_deadline(stamp)
            w.deadline, w.deadline_approximate = deadline.due, deadline.approximate
        w.submitted_late = req.date > w.deadline
        before = app.status
        app.status = Status.WITHDRAWN.value
        app.history = [*app.history, history_event(tx, Action.WITHDRAW.value, before, app.status,
                                                   f"放弃岗位申请#{w.id}")]
        position = session.get(m.Position, app.position_id)
        title = position.title if position else ""
        entry = m.IntegrityEntry(
            student_id=app.student_id, department_id=app.department_id, university_id=app.university_id,
            application_id=app.id, kind=IntegrityKind.WITHDREW.value, date=req.date,
            note=f"放弃岗位：{title}（申请#{app.id}）" + ("，逾期提交" if w.submitted_late else ""),
            source=IntegritySource.AUTOMATIC.value, created_by=tx.user.username, created_at=tx.now,
        )
        tx.save(entry, "integrity.automatic", new=True)
        save_with_checks(tx, app, "application.withdraw")
    tx.save(w, f"withdrawal.{req.step.value}")


def refresh_deadlines(tx: Tx, year: int) -> None:
    """After a calendar import: recompute deadlines of stamped, unsubmitted
    requests whose count passes through ``year``."""
    cal = calendar(tx.session)
    rows = tx.session.scalars(
        select(m.Withdrawal).where(m.Withdrawal.state == WithdrawalState.STAMPED.value)  # type: ignore[arg-type]
    )
    for w in list(rows):
        stamp = _step_date(w, "stamp")
        if stamp is None or w.deadline is None or year not in (stamp.year, w.deadline.year):
            continue
        d = cal.withdrawal_deadline(stamp)
        if (d.due, d.approximate) != (w.deadline, w.deadline_approximate):
            w.deadline, w.deadline_approximate = d.due, d.approximate
            tx.save(w, "withdrawal.deadline")


def live_count(tx: Tx, student_id: int) -> int:
    return sum(1 for a in tx.apps_of(student_id) if a.status in {st.value for st in LIVE_STATUSES})


def intern_guard(app: m.Application, statuses: frozenset[Status] = INTERN_STATUSES) -> None:
    if app.status not in {st.value for st in statuses}:
        raise DomainError(
            "not_an_intern", "该申请尚未进入实习阶段（须为审核通过/已上岗/已完成/已鉴定）",
            "This application is not an internship yet (approved, on duty, completed or appraised)",
        )
