"""The statistics screen's charts, each with its numbers: applications by
department and status, interns by flag, withdrawal requests by month with the
late ones apart. Counted over what this account sees (its cache)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from zhumeng_tui.cache import sheets as sql
from zhumeng_tui.cache import tracking as tracking_sql
from zhumeng_tui.cache.store import Cache
from zhumeng_tui.domain.interns import FLAG_LABELS, InternFlag
from zhumeng_tui.domain.status import Status
from zhumeng_tui.services import Chart, ChartSeries, WithdrawalRow

Pair = tuple[str, str]

#: The status groups the applications chart stacks (every status is in one).
STATUS_GROUPS: tuple[tuple[Pair, frozenset[Status]], ...] = (
    (("审核中", "In review"), frozenset({Status.APPLIED, Status.MATCHED, Status.DEPT_CONFIRMED, Status.RETURNED})),
    (("已通过", "Approved"), frozenset({Status.APPROVED})),
    (("实习中", "On duty"), frozenset({Status.ON_DUTY})),
    (("已完成", "Completed"), frozenset({Status.COMPLETED, Status.APPRAISED})),
    (("未通过", "Rejected"), frozenset({Status.REJECTED})),
    (("已放弃", "Withdrawn"), frozenset({Status.WITHDRAWN})),
)


def _t(lang: str, pair: Pair) -> str:
    return pair[1] if lang == "en" else pair[0]


def applications_chart(cache: Cache, lang: str) -> Chart:
    counts: dict[str, Counter[int]] = {}
    group_of = {s.value: i for i, (_, statuses) in enumerate(STATUS_GROUPS) for s in statuses}
    for department, status, n in sql.applications_by_department_and_status(cache):
        g = group_of.get(status)
        if g is not None:
            counts.setdefault(department or "—", Counter())[g] += n
    departments = tuple(sorted(counts))
    series = tuple(
        ChartSeries(_t(lang, label), tuple(counts[d][i] for d in departments))
        for i, (label, _) in enumerate(STATUS_GROUPS)
    )
    return Chart("applications", _t(lang, ("各院系申请（按状态）", "Applications by department and status")),
                 _t(lang, ("院系", "Department")), departments, series)


def flags_chart(cache: Cache, lang: str, today: dt.date, department_id: int | None) -> Chart:
    counts = tracking_sql.flag_counts(cache, today, department_id)
    flags = tuple(InternFlag)
    return Chart("flags", _t(lang, ("需关注的实习生（按提示）", "Interns by flag")), _t(lang, ("提示", "Flag")),
                 tuple(_t(lang, FLAG_LABELS[f]) for f in flags),
                 (ChartSeries(_t(lang, ("实习生", "Interns")), tuple(counts[f.value] for f in flags)),),
                 _t(lang, (f"有任一提示的实习生共 {counts['any']} 名（一人可有多个提示）",
                           f"{counts['any']} interns have at least one flag (one may have several)")))


def withdrawals_chart(rows: list[WithdrawalRow], lang: str) -> Chart:
    """By the month filed: submitted on time; late (submitted after the
    deadline, or open past it); open and not yet due. Cancelled ones are left out."""
    on_time: Counter[str] = Counter()
    late: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    for r in rows:
        if r.state == "cancelled":
            continue
        month = r.filed_at.strftime("%Y-%m")
        d = r.deadline
        if d is not None and (d.late or d.overdue):
            late[month] += 1
        elif r.state == "submitted":
            on_time[month] += 1
        else:
            open_[month] += 1
    months = tuple(sorted(set(on_time) | set(late) | set(open_)))
    return Chart(
        "withdrawals", _t(lang, ("放弃岗位申请（按月，逾期单列）", "Withdrawals by month (late ones apart)")),
        _t(lang, ("月份", "Month")), months,
        (ChartSeries(_t(lang, ("按时提交", "On time")), tuple(on_time[m] for m in months)),
         ChartSeries(_t(lang, ("逾期", "Late")), tuple(late[m] for m in months)),
         ChartSeries(_t(lang, ("未到期", "Open")), tuple(open_[m] for m in months))),
        _t(lang, ("逾期：超过盖章后3个工作日才提交，或已过截止日期仍未提交；不含已撤销的申请",
                  "Late: submitted after the deadline (3 working days after the stamp), or still open past it;"
                  " cancelled requests are left out")),
    )
