"""What a change to an application does on the server: the eligibility checks
kept on every application of the student, the history, the review moves.

The rules themselves are the domain's (``zhumeng_tui.domain``); this module
applies them to rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from zhumeng_server import models as m
from zhumeng_server.core import Tx
from zhumeng_server.db import ids_in
from zhumeng_server.errors import ApiError
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind, IntegritySource
from zhumeng_tui.domain.interns import check_appraisal_ready
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.status import Action, Status, acting_role, check_transition

#: The student's columns the checks read, in the order of ``el.StudentFacts``.
_STUDENT_FACTS = ("name", "student_no", "enrollment_status", "full_time", "realname_verified",
                  "univ_certified", "out_of_province")


def student_facts(tx: Tx, student_id: int) -> el.StudentFacts:
    """What the checks know of a student (from :func:`prefetch_facts`, else its row)."""
    found = tx.facts.get(("student", student_id))
    if found is not None:
        return found  # type: ignore[no-any-return]
    student = tx.get(m.Student, student_id)
    assert student is not None
    return el.StudentFacts(*(getattr(student, c) for c in _STUDENT_FACTS))


def position_facts(tx: Tx, position_id: int) -> el.PositionFacts:
    """What the checks know of a position and its employer (from
    :func:`prefetch_facts`, else the rows)."""
    found = tx.facts.get(("position", position_id))
    if found is not None:
        return found  # type: ignore[no-any-return]
    position = tx.get(m.Position, position_id)
    assert position is not None
    employer = tx.get(m.Employer, position.employer_id)
    assert employer is not None
    return el.PositionFacts(position.title, employer.name, position.start_date, position.end_date)


def prefetch_facts(tx: Tx, student_ids: Iterable[int], position_ids: Iterable[int]) -> None:
    """Read the facts of many students and positions in a few plain selects,
    for a transaction that changes none of them (a batch of review moves)."""
    st = m.Student.__table__  # type: ignore[attr-defined]
    pos = m.Position.__table__  # type: ignore[attr-defined]
    emp = m.Employer.__table__  # type: ignore[attr-defined]
    conn = tx.session.connection()
    for among in ids_in(tx.dialect, st.c.id, student_ids):
        for sid, *facts in conn.execute(select(st.c.id, *(st.c[c] for c in _STUDENT_FACTS)).where(among)):
            tx.facts[("student", sid)] = el.StudentFacts(*facts)
    for among in ids_in(tx.dialect, pos.c.id, position_ids):
        rows = conn.execute(select(pos.c.id, pos.c.title, emp.c.name, pos.c.start_date, pos.c.end_date)
                            .join_from(pos, emp, pos.c.employer_id == emp.c.id).where(among))
        for pid, *facts in rows:
            tx.facts[("position", pid)] = el.PositionFacts(*facts)


def compute_checks(tx: Tx, app: m.Application | m.AppRow) -> list[dict[str, Any]]:
    """Every eligibility check of ``app``, as stored on the record."""
    others = []
    for o in tx.apps_of(app.student_id):
        if o.id == app.id:
            continue
        op = position_facts(tx, o.position_id)
        others.append(el.OtherApplication(int(o.id or 0), Status(o.status), op.start_date, op.end_date))
    outcomes = el.evaluate(
        student_facts(tx, app.student_id),
        position_facts(tx, app.position_id),
        el.ReportForm.from_wire(app.report_form),
        Status(app.status),
        others,
    )
    return [o.to_dict() for o in outcomes]


def read_for_review(tx: Tx, ids: Iterable[int]) -> dict[int, m.AppRow]:
    """The applications ``ids`` (those that exist) for a batch of review
    moves, read outside the ORM together with every other application of
    their students and the facts their checks read."""
    table = m.Application.__table__  # type: ignore[attr-defined]
    conn = tx.session.connection()
    want = set(ids)
    student_ids: set[int] = set()
    for among in ids_in(tx.dialect, table.c.id, want):
        student_ids.update(sid for (sid,) in conn.execute(select(table.c.student_id).where(among)))
    tx.read_apps_of(student_ids)
    apps = [a for sid in sorted(student_ids) for a in tx.apps_of(sid) if isinstance(a, m.AppRow)]
    prefetch_facts(tx, student_ids, {a.position_id for a in apps})
    return {a.id: a for a in apps if a.id in want}


def save_with_checks(tx: Tx, app: m.Application | m.AppRow, action: str, *, new: bool = False) -> None:
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


def add_history(tx: Tx, app: m.Application | m.AppRow, action: str, before: str | None = None, after: str | None = None,
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


def plan_action(tx: Tx, app: m.Application | m.AppRow, action: Action, reason: str | None,
                acknowledge: list[el.CheckId]) -> Status:
    """Validate an action without changing anything; return the new status."""
    user = tx.user
    if action == Action.WITHDRAW:
        raise DomainError(
            "withdrawal_required", "放弃岗位须通过放弃岗位申请流程提交",
            "Withdraw through a withdrawal request (POST /withdrawals)",
        )
    check_not_provincial(user.role, student_facts(tx, app.student_id).out_of_province)
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


def apply_action(tx: Tx, app: m.Application | m.AppRow, action: Action, new: Status, reason: str | None,
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
