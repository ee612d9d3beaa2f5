"""The applications of the demo: statuses reached through the real moves (with
their history), report forms (a few missing or inconsistent), tracking fields
and the eligibility checks of each."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from zhumeng_server.demo.gen import (
    S_APPLIED,
    S_APPRAISED,
    S_APPROVED,
    S_COMPLETED,
    S_DEPT_CONFIRMED,
    S_MATCHED,
    S_ON_DUTY,
    S_REJECTED,
    S_RETURNED,
    S_WITHDRAWN,
    Gen,
    Row,
    pick,
    pick_weighted,
    rand_int,
)
from zhumeng_server.demo.vocab import REASONS_REJECT, REASONS_RETURN
from zhumeng_tui.domain import eligibility as el
from zhumeng_tui.domain.status import Status

_STATUS_WEIGHTS = (
    (Status.APPLIED, 9), (Status.MATCHED, 22), (Status.DEPT_CONFIRMED, 15), (Status.APPROVED, 14),
    (Status.RETURNED, 4), (Status.REJECTED, 6), (Status.ON_DUTY, 12), (Status.COMPLETED, 8),
    (Status.APPRAISED, 5), (Status.WITHDRAWN, 5),
)
_PATH: dict[Status, tuple[tuple[str, Status], ...]] = {
    Status.APPLIED: (),
    Status.MATCHED: (("select", Status.MATCHED),),
    Status.DEPT_CONFIRMED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED)),
    Status.APPROVED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED), ("approve", Status.APPROVED)),
    Status.RETURNED: (("select", Status.MATCHED), ("return", Status.RETURNED)),
    Status.REJECTED: (("select", Status.MATCHED), ("confirm", Status.DEPT_CONFIRMED), ("reject", Status.REJECTED)),
}
_PATH[Status.ON_DUTY] = (*_PATH[Status.APPROVED], ("on_duty", Status.ON_DUTY))
_PATH[Status.COMPLETED] = (*_PATH[Status.ON_DUTY], ("complete", Status.COMPLETED))
_PATH[Status.APPRAISED] = (*_PATH[Status.COMPLETED], ("appraise", Status.APPRAISED))
_PATH[Status.WITHDRAWN] = (*_PATH[Status.APPROVED], ("withdraw", Status.WITHDRAWN))
_PATH_STR = {k.value: tuple((a, st.value) for a, st in v) for k, v in _PATH.items()}


def add_applications(g: Gen) -> list[Row]:
    """~1.35 applications per student in every status (a few over the live limit or
    on a position of the wrong length), each with its eligibility checks."""
    r, today = g.rnd, g.today
    statuses = [st.value for st, _ in _STATUS_WEIGHTS]
    weights = list(itertools.accumulate(w for _, w in _STATUS_WEIGHTS))
    apps: list[Row] = []
    by_student: dict[int, list[Row]] = {}
    aid = 0
    dept_staff = g.staff_names
    for st_row in g.students:
        sid = st_row["id"]
        k = pick_weighted(r, (0, 1, 2, 3), (10, 66, 90, 100))
        if sid % 97 == 5:
            k = 4  # over the live limit (platform bypass): the live-limit check fails
        chosen = r.sample(g.good_positions, k=min(k, len(g.good_positions)))
        if k and sid % 41 == 3 and g.bad_positions:
            chosen[0] = pick(r, g.bad_positions)
        intern_taken = False
        # the checks of the student that block an approval (enrolled full-time, real name)
        eligible = (st_row["enrollment_status"] == "在读" and st_row["full_time"]
                    and st_row["realname_verified"])
        for n_app, pos in enumerate(chosen):
            aid += 1
            if sid % 97 == 5:
                status = (S_APPLIED, S_MATCHED, S_MATCHED, S_DEPT_CONFIRMED)[n_app]
            else:
                status = pick_weighted(r, statuses, weights)
                if (intern_taken or not eligible) and status in _APPROVED_OR_LATER:
                    status = S_REJECTED  # an approval needs every check passed, one internship at a time
                if status in (S_APPROVED, S_ON_DUTY, S_COMPLETED, S_APPRAISED):
                    intern_taken = True
            if status == S_APPRAISED and st_row["out_of_province"]:
                status = S_COMPLETED  # the campus appraises only its in-province interns
            if status in (S_ON_DUTY,) and pos["start_date"] > today:
                status = S_APPROVED
            if status in (S_COMPLETED, S_APPRAISED) and pos["end_date"] > today:
                status = S_ON_DUTY if pos["start_date"] <= today else S_APPROVED
            app = _make_app(g, aid, st_row, pos, status, dept_staff.get(st_row["department_id"], []))
            apps.append(app)
            by_student.setdefault(sid, []).append(app)
    pos_by_id = {p["id"]: p for p in g.positions}
    students = {s_["id"]: s_ for s_ in g.students}
    for app in apps:
        student = students[app["student_id"]]
        pos = pos_by_id[app["position_id"]]
        others = [
            el.OtherApplication(o["id"], Status(o["status"]), pos_by_id[o["position_id"]]["start_date"],
                                pos_by_id[o["position_id"]]["end_date"])
            for o in by_student[app["student_id"]] if o is not app
        ]
        outcomes = el.evaluate(
            el.StudentFacts(student["name"], student["student_no"], student["enrollment_status"],
                            student["full_time"], student["realname_verified"], student["univ_certified"],
                            student["out_of_province"]),
            el.PositionFacts(pos["title"], g.employer_names[pos["employer_id"]], pos["start_date"],
                             pos["end_date"]),
            el.ReportForm.from_wire(app["report_form"]), Status(app["status"]), others,
        )
        app["checks"] = [o.to_dict() for o in outcomes]
        g.add("application", app, 1, app["department_id"])
    return apps


_APPROVED_OR_LATER = frozenset({S_APPROVED, S_ON_DUTY, S_COMPLETED, S_APPRAISED, S_WITHDRAWN})

#: Moves made after the approval, each on the day its record says.
_AFTER_APPROVAL = frozenset({"on_duty", "complete", "appraise", "withdraw"})


def _make_app(g: Gen, aid: int, student: Row, pos: Row, status: str, staff: list[str]) -> Row:
    """One application in ``status``, with the history of the moves that led
    there, in time order: the review moves before the approval, the approval
    before the on-duty date, the on-duty and completion events on their dates."""
    r, today = g.rnd, g.today
    on_duty_date = completed_date = appraisal = None
    if status in (S_ON_DUTY, S_COMPLETED, S_APPRAISED):
        # never after today (an intern is on duty already)
        on_duty_date = min(today, pos["start_date"] + dt.timedelta(days=pick(r, (0, 0, 0, 1, 2, 7))))
    if status in (S_COMPLETED, S_APPRAISED):
        completed_date = pos["end_date"]
        if status == S_APPRAISED or r.random() < 0.4:
            appraisal = min(today, pos["end_date"] + dt.timedelta(days=rand_int(r, 3, 20)))
    # Days before today of the moves after the approval; the review moves end before them.
    after: dict[str, float] = {}
    if on_duty_date is not None:
        after["on_duty"] = (today - on_duty_date).days
    if completed_date is not None:
        after["complete"] = (today - completed_date).days
    if status == S_APPRAISED and appraisal is not None:
        after["appraise"] = max((today - appraisal).days - 0.25, 0)
    if status == S_WITHDRAWN:
        # the withdrawal was filed up to 10 days before it was submitted (demo.tracking)
        after["withdraw"] = rand_int(r, 1, 30) + 0.25
    floor = max(after.values(), default=0) + (12 if status == S_WITHDRAWN else 0.5)
    applied_days = max(rand_int(r, 20, 90) + max(0, (today - pos["start_date"]).days), floor + 10)
    applied_at = g.ts(applied_days + r.random())
    history = [_event(applied_at, "system", "apply", None, "applied", None, [])]
    t = applied_days
    reason = None
    dept_user = staff[0] if staff else "system"
    # out-of-province students are reviewed by the provincial committee
    campus, univ = ("demo-province", "demo-province") if student["out_of_province"] else (dept_user, "demo-univ")
    acknowledged: list[str] = []
    for action, to in _PATH_STR[status]:
        if action in _AFTER_APPROVAL:
            t = after[action]
        else:
            t = max(t - rand_int(r, 1, max(1, int(t - floor) // 4)), floor)
        by = {"select": "system", "confirm": campus, "approve": univ, "return": campus,
              "reject": pick(r, (campus, univ)), "on_duty": "system", "complete": "system",
              "appraise": "demo-univ", "withdraw": "demo-univ"}[action]
        rs = None
        if action == "reject":
            rs = pick(r, REASONS_REJECT)
        elif action == "return":
            rs = pick(r, REASONS_RETURN)
        acked: list[str] = []
        if action == "approve" and not student["univ_certified"]:
            acked = ["certified"]
            acknowledged = acked
        history.append(_event(g.ts(t), by, action, history[-1]["to_status"], to, rs, acked))
        if rs:
            reason = rs
    form: dict[str, Any] | None = None
    if status != S_APPLIED:
        roll = r.random()
        form = dict(student_name=student["name"], student_no=student["student_no"],
                    employer_name=g.employer_names[pos["employer_id"]], position_title=pos["title"],
                    start_date=pos["start_date"].isoformat(), end_date=pos["end_date"].isoformat())
        live_review = status in (S_MATCHED, S_DEPT_CONFIRMED, S_RETURNED)
        if live_review and roll < 0.06:
            form = None
        elif live_review and roll < 0.10:
            form["position_title"] = None
        elif live_review and roll < 0.13:
            form["student_no"] = student["student_no"][:-1] + "9"
        elif roll < 0.18:
            form["end_date"] = (pos["end_date"] - dt.timedelta(days=7)).isoformat()  # warn only
    intern = status in (S_APPROVED, S_ON_DUTY, S_COMPLETED, S_APPRAISED)
    excellent = status in (S_COMPLETED, S_APPRAISED) and r.random() < 0.12
    return dict(
        id=aid, student_id=student["id"], position_id=pos["id"], university_id=1,
        department_id=student["department_id"], status=status, applied_at=applied_at,
        report_form=form, checks=[], acknowledged=acknowledged, reason=reason,
        on_duty_date=on_duty_date, completed_date=completed_date,
        insurance_recorded=status in (S_ON_DUTY, S_COMPLETED, S_APPRAISED) and r.random() < 0.8, appraisal_copy_received=appraisal,
        employer_score=rand_int(r, 70, 100) if status == S_APPRAISED or (appraisal and r.random() < 0.5) else None,
        student_score=rand_int(r, 65, 100) if status == S_APPRAISED or (appraisal and r.random() < 0.5) else None,
        responsible_staff=pick(r, staff) if intern and staff and r.random() < 0.7 else None,
        excellent_nominated=excellent,
        excellent_note="实习表现突出，用人单位推荐" if excellent else None,
        history=history,
    )


def _event(at: dt.datetime, by: str, action: str, from_status: str | None, to_status: str, reason: str | None,
           acknowledged: list[str]) -> Row:
    """A ``schemas.HistoryEvent`` as JSON (built directly: generation speed)."""
    return {"at": _iso(at), "by": by, "action": action, "from_status": from_status, "to_status": to_status,
            "reason": reason, "acknowledged": acknowledged}


def _iso(x: Any) -> str:
    if isinstance(x, dt.datetime):
        return x.isoformat().replace("+00:00", "Z")
    if isinstance(x, dt.date):
        return x.isoformat()
    raise TypeError(type(x))
