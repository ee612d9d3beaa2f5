"""Internship tracking in the demo: withdrawal requests, follow-ups and the
integrity archive."""

from __future__ import annotations

import datetime as dt

from zhumeng_server.demo.gen import (
    S_APPRAISED,
    S_APPROVED,
    S_COMPLETED,
    S_ON_DUTY,
    S_REJECTED,
    S_WITHDRAWN,
    UTC,
    Gen,
    Row,
    pick,
    rand_int,
)
from zhumeng_server.demo.vocab import COUNSELLORS, NOTES
from zhumeng_tui.api_client import schemas as s
from zhumeng_tui.domain.interns import tracking_from
from zhumeng_tui.domain.withdrawal import approved_on

#: An integrity entry (without its ids) and the application it is about.
Entry = tuple[Row, int]


def add_withdrawals(g: Gen, apps: list[Row]) -> list[Entry]:
    """Withdrawal requests at every step for approved interns (one overdue, one
    cancelled) and a submitted one for every withdrawn application; returns the
    integrity entries the submissions wrote."""
    students = {s_["id"]: s_ for s_ in g.students}
    pos_by_id = {p["id"]: p for p in g.positions}
    r, today = g.rnd, g.today
    wid = 0

    def step(name: str, d: dt.date, by: str, text: str | None = None, who: str | None = None) -> Row:
        at = dt.datetime.combine(d, dt.time(10, 30), tzinfo=UTC)
        return s.WithdrawalStepRecord(step=name, date=d, text=text, name=who, by=by,  # type: ignore[arg-type]
                                      at=at).model_dump(mode="json")

    def working_days_before(n: int) -> dt.date:
        d, left = today, n
        while left:
            d -= dt.timedelta(days=1)
            if g.cal.is_working_day(d):
                left -= 1
        return d

    integrity: list[Entry] = []
    # requests are filed after the approval: the interns approved three weeks ago or more
    approved_open = [a for a in apps if a["status"] == S_APPROVED
                     and not students[a["student_id"]]["out_of_province"]
                     and (today - (approved_on(a["history"]) or today)).days >= 21]
    plan = ["overdue", "stamped", "counsellor", "statement", "filed", "cancelled"]
    n_open = max(len(plan), len(approved_open) // 8)
    for i, app in enumerate(approved_open[:n_open]):
        kind = plan[i] if i < len(plan) else pick(r, plan[1:])
        wid += 1
        dept_user = (g.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
        counsellor = COUNSELLORS[app["department_id"] - 1]
        if kind == "overdue":
            stamp = working_days_before(6)
        else:
            stamp = working_days_before(1) if r.random() < 0.5 else today
        counsel = stamp - dt.timedelta(days=rand_int(r, 0, 2))
        statement = counsel - dt.timedelta(days=rand_int(r, 0, 3))
        steps: list[Row] = []
        state = "filed"
        if kind in ("statement", "counsellor", "stamped", "overdue", "cancelled"):
            steps.append(step("statement", statement, dept_user, "本人因个人原因申请放弃该实习岗位。"))
            state = "statement"
        if kind in ("counsellor", "stamped", "overdue"):
            steps.append(step("counsellor", counsel, dept_user, who=counsellor))
            state = "counsellor"
        deadline, approx = None, False
        if kind in ("stamped", "overdue"):
            steps.append(step("stamp", stamp, "demo-univ", who="校团委 王老师"))
            state = "stamped"
            dl = g.cal.withdrawal_deadline(stamp)
            deadline, approx = dl.due, dl.approximate
        if kind == "cancelled":
            steps.append(step("cancel", statement, dept_user, "学生决定继续实习"))
            state = "cancelled"
        filed_at = dt.datetime.combine(statement - dt.timedelta(days=1), dt.time(9), tzinfo=UTC)
        g.add("withdrawal", dict(
            id=wid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
            university_id=1, state=state, filed_by=dept_user, filed_at=filed_at, steps=steps,
            deadline=deadline, deadline_approximate=approx, submitted_late=False,
        ), 1, app["department_id"])
    for app in apps:
        if app["status"] != S_WITHDRAWN:
            continue
        wid += 1
        dept_user = (g.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
        submitted = dt.date.fromisoformat(app["history"][-1]["at"][:10])
        late = r.random() < 0.1
        stamp = submitted - dt.timedelta(days=6 if late else 1)
        dl = g.cal.withdrawal_deadline(stamp)
        steps = [
            step("statement", stamp - dt.timedelta(days=3), dept_user, "本人因考研复习申请放弃该实习岗位。"),
            step("counsellor", stamp - dt.timedelta(days=2), dept_user, who=COUNSELLORS[app["department_id"] - 1]),
            step("stamp", stamp, "demo-univ", who="校团委 王老师"),
            step("submit", submitted, "demo-univ"),
        ]
        g.add("withdrawal", dict(
            id=wid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
            university_id=1, state="submitted", filed_by=dept_user,
            filed_at=dt.datetime.combine(stamp - dt.timedelta(days=4), dt.time(9), tzinfo=UTC), steps=steps,
            deadline=dl.due, deadline_approximate=dl.approximate, submitted_late=submitted > dl.due,
        ), 1, app["department_id"])
        integrity.append((dict(kind="withdrew", date=submitted, source="automatic", created_by="demo-univ",
                               note=f"放弃岗位：{pos_by_id[app['position_id']]['title']}（申请#{app['id']}）"), app["id"]))
    return integrity


def add_followups_and_integrity(g: Gen, apps: list[Row], integrity: list[Entry]) -> None:
    """Follow-ups for interns, and the integrity entries: ``integrity`` (from the
    withdrawals), nominations, late starts, and a few on rejected applications."""
    r, today = g.rnd, g.today
    students = {s_["id"]: s_ for s_ in g.students}
    pos_by_id = {p["id"]: p for p in g.positions}
    fid = 0
    channels = s.FOLLOWUP_CHANNELS
    for app in apps:
        st = app["status"]
        hard = students[app["student_id"]]["hardship"] != "none"
        if st not in (S_ON_DUTY, S_COMPLETED, S_APPRAISED) and not (
                hard and st == S_APPROVED):
            continue
        since = tracking_from(pos_by_id[app["position_id"]]["start_date"], app["on_duty_date"])
        for _ in range(pick(r, (0, 1, 1, 2))):
            if since > today:
                break  # not started: nothing to follow up yet
            fid += 1
            d = today - dt.timedelta(days=rand_int(r, 0, min(40, (today - since).days)))
            by = app["responsible_staff"] or (g.staff_names.get(app["department_id"]) or ["demo-dept"])[0]
            g.add("followup", dict(
                id=fid, application_id=app["id"], student_id=app["student_id"], department_id=app["department_id"],
                date=d, channel=pick(r, channels), staff=COUNSELLORS[app["department_id"] - 1],
                note=pick(r, NOTES), created_by=by,
                created_at=dt.datetime.combine(d, dt.time(16), tzinfo=UTC), university_id=1,
            ), 1, app["department_id"])
        if app["excellent_nominated"]:
            integrity.append((dict(kind="excellent", date=app["completed_date"] or today, source="staff",
                                   created_by="demo-univ", note=app["excellent_note"]), app["id"]))
        elif st == S_ON_DUTY and app["on_duty_date"] and app["on_duty_date"] > \
                pos_by_id[app["position_id"]]["start_date"] + dt.timedelta(days=3):
            integrity.append((dict(kind="late_start", date=app["on_duty_date"], source="staff",
                                   created_by="demo-univ", note="未按报到单日期上岗"), app["id"]))
    app_by_id = {a["id"]: a for a in apps}
    for i, app in enumerate(a for a in apps if a["status"] == S_REJECTED):
        if i % 15 == 0:
            integrity.append((dict(kind="false_info" if i % 30 == 0 else "other", date=today - dt.timedelta(days=5),
                                   source="staff", created_by="demo-univ",
                                   note="提交材料与实际不符" if i % 30 == 0 else "多次未按要求提交材料"), app["id"]))
    for iid, (entry, aid) in enumerate(integrity, start=1):
        app = app_by_id[aid]
        created = dt.datetime.combine(entry["date"], dt.time(17), tzinfo=UTC)
        g.add("integrity", dict(id=iid, student_id=app["student_id"], department_id=app["department_id"],
                                university_id=1, application_id=aid, created_at=created, **entry),
              1, app["department_id"])
