"""What a withdrawal request does on the server: filing, each step (the stamp
sets the deadline on the working-day calendar, the submission moves the
application to withdrawn and writes an integrity entry), and deadlines kept
up to date when a calendar year is imported.

The rules are the domain's (``zhumeng_tui.domain.withdrawal``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlmodel import Session, col

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.review import add_history, add_integrity_entry, save_with_checks
from zhumeng_server.wire import year_data
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.permissions import Change, check_not_provincial, check_role
from zhumeng_tui.domain.status import Action, Role, check_transition
from zhumeng_tui.domain.withdrawal import (
    OPEN_STATES,
    Step,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    approved_on,
    check_filing,
    check_step,
)


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
    check_not_provincial(tx.user.role, student.out_of_province)
    check_role(tx.user.role, Change.FILE_WITHDRAWAL)
    check_filing(app.status, has_open_withdrawal(tx.session, int(app.id or 0)))
    w = m.Withdrawal(
        application_id=int(app.id or 0), student_id=app.student_id, department_id=app.department_id,
        university_id=app.university_id, state=WithdrawalState.FILED.value, filed_by=tx.user.username,
        filed_at=tx.now, steps=[],
    )
    tx.save(w, "withdrawal.file", new=True)
    return w


def _step_date(w: m.Withdrawal, step: Step) -> dt.date | None:
    for rec in reversed(w.steps or []):
        if rec.get("step") == step.value and rec.get("date"):
            return dt.date.fromisoformat(rec["date"])
    return None


def withdrawal_step(tx: Tx, w: m.Withdrawal, req: s.WithdrawalStepRequest) -> None:
    session = tx.session
    app = session.get(m.Application, w.application_id)
    student = session.get(m.Student, w.student_id)
    assert app is not None and student is not None
    check_not_provincial(tx.user.role, student.out_of_province)
    facts = WithdrawalFacts(
        WithdrawalState(w.state), _step_date(w, Step.STATEMENT), _step_date(w, Step.COUNSELLOR),
        _step_date(w, Step.STAMP), approved_on(app.history),
    )
    new_state = check_step(facts, req.step, StepInput(req.date, req.text, req.name), tx.user.role, tx.today)
    record = s.WithdrawalStepRecord(
        step=req.step, date=req.date, text=req.text, name=req.name, by=tx.user.username, at=tx.now
    ).model_dump(mode="json")
    # Validate the application move first: nothing changes if it is refused.
    withdrawn = check_transition(app.status, Action.WITHDRAW, Role.SYSTEM) if req.step == Step.SUBMIT else None
    w.steps = [*(w.steps or []), record]
    w.state = new_state.value
    if req.step == Step.STAMP:
        assert req.date is not None
        deadline = calendar(session).withdrawal_deadline(req.date)
        w.deadline, w.deadline_approximate = deadline.due, deadline.approximate
    if withdrawn is not None:
        assert req.date is not None
        if w.deadline is None:  # stamped before deadlines existed: compute now
            stamp = facts.stamp_date or req.date
            deadline = calendar(session).withdrawal_deadline(stamp)
            w.deadline, w.deadline_approximate = deadline.due, deadline.approximate
        w.submitted_late = req.date > w.deadline
        before = app.status
        app.status = withdrawn.value
        add_history(tx, app, Action.WITHDRAW.value, before, app.status, f"放弃岗位申请#{w.id}")
        position = session.get(m.Position, app.position_id)
        title = position.title if position else ""
        add_integrity_entry(
            tx, app, IntegrityKind.WITHDREW, IntegritySource.AUTOMATIC, req.date,
            f"放弃岗位：{title}（申请#{app.id}）" + ("，逾期提交" if w.submitted_late else ""), "integrity.automatic",
        )
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
        stamp = _step_date(w, Step.STAMP)
        if stamp is None or w.deadline is None or year not in (stamp.year, w.deadline.year):
            continue
        d = cal.withdrawal_deadline(stamp)
        if (d.due, d.approximate) != (w.deadline, w.deadline_approximate):
            w.deadline, w.deadline_approximate = d.due, d.approximate
            tx.save(w, "withdrawal.deadline")
