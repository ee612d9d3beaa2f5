"""The tables of the summary ledger (汇总台账), as (title, columns, rows of
cells): the one layout the ledger screen shows and an export writes."""

from __future__ import annotations

from collections.abc import Callable

from zhumeng_tui.domain.graduates import EMPLOYMENT_LABELS, NEED_LABELS, EmploymentStatus, NeedKind
from zhumeng_tui.domain.hardship import CATEGORY_LABELS, Category
from zhumeng_tui.domain.posts import ANSWER_LABELS, Answer
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.services import Ledger, LedgerRow

Cell = str | int
Table = tuple[str, list[str], list[list[Cell]]]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _needs(r: LedgerRow) -> list[Cell]:
    out: list[Cell] = [r.graduates]
    for k in NeedKind:
        out += [r.needed[k], r.served[k], _pct(r.served[k], r.needed[k])]
    return out


def _employment(r: LedgerRow) -> list[Cell]:
    employed = sum(r.employment[s] for s in (EmploymentStatus.SIGNED, EmploymentStatus.CONTRACT,
                                            EmploymentStatus.FLEXIBLE))
    return [r.graduates, *(r.employment[s] for s in EmploymentStatus), _pct(employed, r.graduates)]


def _hardship(r: LedgerRow) -> list[Cell]:
    return [r.cases, *(r.by_category[c] for c in Category), r.with_plan, r.visited, r.cases_employed]


def _subsidy(r: LedgerRow) -> list[Cell]:
    return [r.subsidy_applied, r.subsidy_approved, r.subsidy_paid, r.subsidy_amount]


def _pushes(r: LedgerRow) -> list[Cell]:
    return [r.pushed, r.pushed_graduates, r.answers.get("pending", 0), *(r.answers.get(a.value, 0) for a in Answer)]


def titles() -> list[str]:
    """The titles of the ledger's tables, in order."""
    return [tr("毕业生与服务需求", "Graduates and needs"), tr("就业状态", "Employment"), tr("困难帮扶", "Hardship cases"),
            tr("求职创业补贴", "Job-seeking subsidies"), tr("岗位推送与反馈", "Posts pushed and answers")]


def tables(ledger: Ledger) -> list[Table]:
    """Every table of the ledger: its title, column labels and rows (the first column the group)."""
    group = tr("院系", "Department") if ledger.by == "department" else tr("高校", "University")
    specs: list[tuple[list[str], Callable[[LedgerRow], list[Cell]]]] = [
        ([tr("毕业生", "Graduates")] + [x for k in NeedKind for x in (
             tr_pair(NEED_LABELS[k]), tr("已服务", "served"), tr("覆盖率", "coverage"))], _needs),
        ([tr("毕业生", "Graduates")] + [tr_pair(EMPLOYMENT_LABELS[s]) for s in EmploymentStatus]
         + [tr("就业率", "Employed")], _employment),
        ([tr("档案", "Cases")] + [tr_pair(CATEGORY_LABELS[c]) for c in Category]
         + [tr("有帮扶计划", "With a plan"), tr("30天内回访", "Visited in 30 days"), tr("已就业", "Employed")], _hardship),
        ([tr("已申请", "Applied"), tr("已审批", "Approved"), tr("已发放", "Paid"), tr("发放金额（元）", "Paid (yuan)")],
         _subsidy),
        ([tr("推送岗位", "Posts pushed"), tr("推送人数", "Graduates"), tr("待反馈", "No answer")]
         + [tr_pair(ANSWER_LABELS[a]) for a in Answer], _pushes),
    ]
    return [(title, [group, *cols], [[r.name, *cells(r)] for r in ledger.rows])
            for title, (cols, cells) in zip(titles(), specs, strict=True)]
