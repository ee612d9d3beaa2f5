"""Every record of the demo data obeys the rules the app and the server
apply: positions of a valid length, applications that reached their status
through legal moves in time order (approved before on duty, the on-duty and
completion events on their dates), tracking fields the status allows, dates
within their bounds, withdrawal steps in order and integrity entries a staff
member could have written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from zhumeng_server.demo.database import _run
from zhumeng_server.demo.gen import Gen
from zhumeng_tui.domain.eligibility import check_position_dates, review_gate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import check_followup, check_integrity_entry, check_tracking, tracking_from
from zhumeng_tui.domain.permissions import check_not_provincial
from zhumeng_tui.domain.status import INTERN_STATUSES, Action, Role, Status, check_transition
from zhumeng_tui.domain.withdrawal import (
    Step,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    approved_on,
    check_step,
)

Row = dict[str, Any]

#: Who makes each move in the demo (the platform side acts for the employer).
_ACTORS = {"apply": Role.SYSTEM, "select": Role.EMPLOYER, "on_duty": Role.EMPLOYER, "complete": Role.EMPLOYER,
           "withdraw": Role.SYSTEM, "resubmit": Role.SYSTEM}


def _day(x: Any) -> dt.date:
    return x if isinstance(x, dt.date) and not isinstance(x, dt.datetime) else dt.datetime.fromisoformat(str(x)).date()


def _violations(g: Gen) -> Iterator[str]:
    today = g.today
    rows = g.rows
    staff = {s["username"]: Role(s["role"]) for s in rows["staff"]}
    positions = {p["id"]: p for p in rows["position"]}
    apps = {a["id"]: a for a in rows["application"]}
    students = {s["id"]: s for s in rows["student"]}
    for p in rows["position"]:
        try:
            check_position_dates(p["start_date"], p["end_date"])
        except DomainError as e:
            yield f"position {p['id']}: {e.message_en}"
    followups: dict[int, list[dt.date]] = {}
    for f in rows["followup"]:
        followups.setdefault(f["application_id"], []).append(f["date"])
    for a in rows["application"]:
        student = students[a["student_id"]]
        yield from _application(a, positions[a["position_id"]], student["out_of_province"], staff, today)
        status = Status(a["status"])
        pos = positions[a["position_id"]]
        for d in followups.get(a["id"], []):
            try:
                check_followup(status, d, "电话", "李老师", "表现良好", today,
                               tracking_from(pos["start_date"], a["on_duty_date"]))
            except DomainError as e:
                yield f"follow-up of application {a['id']} ({status}): {e.message_en}"
    for w in rows["withdrawal"]:
        yield from _withdrawal(w, apps[w["application_id"]], staff, today)
    for e in rows["integrity"]:
        try:
            check_integrity_entry(e["kind"], e["date"], e["note"], today)
        except DomainError as err:
            yield f"integrity entry {e['id']}: {err.message_en}"


def _application(a: Row, pos: Row, out_of_province: bool, staff: dict[str, Role],
                 today: dt.date) -> Iterator[str]:
    where = f"application {a['id']} ({a['status']})"
    status = Status(a["status"])
    moved = Status.APPLIED
    last: dt.datetime | None = None
    for ev in a["history"][1:]:
        role = _ACTORS.get(ev["action"]) or staff.get(ev["by"], Role.UNIVERSITY)
        at = dt.datetime.fromisoformat(ev["at"])
        if last is not None and at < last:
            yield f"{where}: {ev['action']} at {at} before the move before it ({last})"
        last = at
        try:
            if role in (Role.DEPARTMENT, Role.UNIVERSITY):
                check_not_provincial(role, out_of_province)
            moved = check_transition(moved, ev["action"], role, ev.get("reason") or "x")
        except DomainError as e:
            yield f"{where}: {ev['action']} by {ev['by']}: {e.message_en}"
            return
        if ev["action"] == "on_duty" and at.date() != a["on_duty_date"]:
            yield f"{where}: on-duty event on {at.date()}, on-duty date {a['on_duty_date']}"
        if ev["action"] == "complete" and at.date() != a["completed_date"]:
            yield f"{where}: completion event on {at.date()}, completed date {a['completed_date']}"
    if moved != status:
        yield f"{where}: the history ends in {moved}"
    if last is not None and last.date() > today:
        yield f"{where}: a move after today ({last})"
    approved = approved_on(a["history"])
    for name in ("on_duty_date", "completed_date", "appraisal_copy_received"):
        d = a[name]
        if d is not None and (d > today or (approved is not None and d < approved)):
            yield f"{where}: {name} {d} not between the approval ({approved}) and today"
    approver = next((ev["by"] for ev in a["history"] if ev["action"] == "approve"), None)
    if approver is not None and status in INTERN_STATUSES:
        failing, _ = review_gate(Action.APPROVE, {c["check"]: c["result"] for c in a["checks"]}, staff[approver])
        if failing:
            yield f"{where}: approved by {approver} with failing checks {failing}"
    if status not in INTERN_STATUSES:
        if a["insurance_recorded"] or a["appraisal_copy_received"] or a["employer_score"] is not None:
            yield f"{where}: tracking fields outside the internship"
        return
    try:
        check_tracking(
            status, today, insurance_recorded=a["insurance_recorded"] or None,
            appraisal_copy_received=a["appraisal_copy_received"], employer_score=a["employer_score"],
            student_score=a["student_score"], start_date=tracking_from(pos["start_date"], a["on_duty_date"]),
        )
    except DomainError as e:
        yield f"{where}: {e.message_en}"
    if status != Status.APPROVED and a["on_duty_date"] is None:
        yield f"{where}: no on-duty date"
    if status in (Status.COMPLETED, Status.APPRAISED) and a["completed_date"] is None:
        yield f"{where}: no completion date"


def _withdrawal(w: Row, app: Row, staff: dict[str, Role], today: dt.date) -> Iterator[str]:
    where = f"withdrawal {w['id']} ({w['state']}) of application {app['id']} ({app['status']})"
    approved = approved_on(app["history"])
    facts = WithdrawalFacts(WithdrawalState.FILED, approved_date=approved)
    if approved is not None and _day(w["filed_at"]) < approved:
        yield f"{where}: filed before the approval"
    dates: dict[str, dt.date | None] = {}
    for rec in w["steps"]:
        step = Step(rec["step"])
        d = _day(rec["date"]) if rec.get("date") else None
        try:
            state = check_step(facts, step, StepInput(d, rec.get("text"), rec.get("name")),
                               staff.get(rec["by"], Role.UNIVERSITY), today)
        except DomainError as e:
            yield f"{where}: {step}: {e.message_en}"
            return
        dates[step.value] = d
        facts = WithdrawalFacts(state, dates.get("statement"), dates.get("counsellor"), dates.get("stamp"), approved)
    if facts.state != WithdrawalState(w["state"]):
        yield f"{where}: the steps end in {facts.state}"
    submitted = facts.state == WithdrawalState.SUBMITTED
    if submitted != (app["status"] == Status.WITHDRAWN.value):
        yield f"{where}: submitted, but the application is {app['status']}"
    if facts.state in (WithdrawalState.FILED, WithdrawalState.STATEMENT, WithdrawalState.COUNSELLOR,
                       WithdrawalState.STAMPED) and app["status"] != Status.APPROVED.value:
        yield f"{where}: open for an application that is {app['status']}"


@pytest.mark.parametrize("today", [dt.date(2026, 3, 10), dt.date(2026, 9, 30), dt.date(2026, 11, 30)],
                         ids=str)
def test_every_demo_record_obeys_the_rules(today: dt.date) -> None:
    g = Gen(3000, 1, today)
    _run(g)
    found = list(_violations(g))
    assert not found, f"{len(found)} demo records break the rules, e.g.:\n" + "\n".join(found[:15])
