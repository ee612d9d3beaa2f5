"""What a change to an application does on the server: the eligibility checks
kept on every application of the student, the history, the review moves.

The rules themselves are the domain's (``zhumeng_tui.domain``); this module
applies them to rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.errors import ApiError
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import check_appraisal_ready
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.status import Action, Status, acting_role, check_transition


def compute_checks(tx: Tx, app: m.Application) -> list[dict[str, Any]]:
    """Every eligibility check of ``app``, as stored on the record."""
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
    outcomes = el.evaluate(
        el.StudentFacts(
            student.name, student.student_no, student.enrollment_status, student.full_time,
            student.realname_verified, student.univ_certified, student.out_of_province,
        ),
        el.PositionFacts(position.title, employer.name, position.start_date, position.end_date),
        el.ReportForm.from_wire(app.report_form),
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


def add_history(tx: Tx, app: m.Application, action: str, before: str | None = None, after: str | None = None,
                reason: str | None = None, acknowledged: list[str] | None = None) -> None:
    app.history = [*app.history, history_event(tx, action, before, after, reason, acknowledged)]


def add_integrity_entry(tx: Tx, app: m.Application, kind: IntegrityKind, source: IntegritySource,
                        date: dt.date, note: str, action: str) -> None:
    """An integrity entry the server writes for an application's student."""
    entry = m.IntegrityEntry(
        student_id=app.student_id, department_id=app.department_id, university_id=app.university_id,
        application_id=app.id, kind=kind.value, date=date, note=note, source=source.value,
        created_by=tx.user.username, created_at=tx.now,
    )
    tx.save(entry, action, new=True)


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
    check_not_provincial(user.role, student.out_of_province)
    new = check_transition(app.status, action, acting_role(user.role, action), reason)
    if action in el.GATED_ACTIONS:
        checks = compute_checks(tx, app)
        failed, warns = el.review_gate(action, {c["check"]: c["result"] for c in checks}, user.role)
        acked = set(acknowledge)
        unacked = [c for c in warns if c not in acked]
        refusal = el.gate_refusal(failed, unacked)
        if refusal is not None:
            by_id = {c["check"]: c for c in checks}
            prefix = "checks" if failed else "acknowledge"
            raise ApiError.from_domain(refusal, fields=[
                s.FieldError(field=f"{prefix}.{c.value}", message_zh=by_id[c.value]["reason_zh"],
                             message_en=by_id[c.value]["reason_en"])
                for c in (failed or unacked)
            ])
    if action == Action.APPRAISE:
        check_appraisal_ready(app.appraisal_copy_received, app.employer_score, app.student_score)
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
    add_history(tx, app, action.value, before, new.value, reason, acked)
    save_with_checks(tx, app, f"application.{action.value}")
