"""The hardship ledger's rules: categories, plan, visits, subsidy steps, closing, flags."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EMPLOYED, EmploymentStatus
from zhumeng_tui.domain.hardship import (
    SUBSIDY_ORDER,
    CaseFacts,
    CaseFlag,
    CaseState,
    Category,
    CategoryEntry,
    CloseReason,
    SubsidyFacts,
    SubsidyStep,
    VisitOutcome,
    case_flags,
    check_categories,
    check_close,
    check_plan,
    check_subsidy_step,
    check_visit,
    close_reason_for,
    parse_category,
)

TODAY = dt.date(2026, 3, 10)
OPENED = dt.date(2025, 12, 1)
days = st.integers(-400, 400)


def code(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as e:
        call()
    return e.value.code


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_categories() -> None:
    got = check_categories([CategoryEntry(Category.SPECIAL, " 父亲重病 "), CategoryEntry(parse_category("脱贫"))])
    assert got == [CategoryEntry(Category.POVERTY), CategoryEntry(Category.SPECIAL, "父亲重病")]
    assert code(lambda: check_categories([])) == "category_required"
    assert code(lambda: check_categories([CategoryEntry(Category.SPECIAL)])) == "note_required"
    assert code(lambda: check_categories([CategoryEntry(Category.POVERTY)] * 2)) == "duplicate_category"
    assert code(lambda: parse_category("富裕")) == "bad_category"


def test_plan() -> None:
    check_plan("每周推荐岗位", TODAY, OPENED)
    assert code(lambda: check_plan(" ", TODAY, OPENED)) == "measures_required"
    assert code(lambda: check_plan("m", None, OPENED)) == "date_required"
    assert code(lambda: check_plan("m", OPENED - dt.timedelta(days=1), OPENED)) == "date_before_opened"


@given(days)
def test_a_visit_lies_between_the_opening_and_today(n: int) -> None:
    when = day(n)
    try:
        assert check_visit(when, "电话", "note", "继续帮扶", OPENED, TODAY) == VisitOutcome.CONTINUE
    except DomainError as e:
        assert e.code == ("date_in_future" if when > TODAY else "date_before_opened")
        return
    assert OPENED <= when <= TODAY


def test_visit_fields() -> None:
    assert code(lambda: check_visit(TODAY, "飞鸽", "n", "continue", OPENED, TODAY)) == "bad_channel"
    assert code(lambda: check_visit(TODAY, "电话", "", "continue", OPENED, TODAY)) == "note_required"
    assert code(lambda: check_visit(TODAY, "电话", "n", "great", OPENED, TODAY)) == "bad_outcome"
    assert code(lambda: check_visit(None, "电话", "n", "continue", OPENED, TODAY)) == "date_required"


@given(st.lists(days, min_size=3, max_size=3), st.sampled_from(list(SubsidyStep)))
def test_subsidy_steps_go_in_order_and_in_date_order(offsets: list[int], step: SubsidyStep) -> None:
    dates = sorted(day(-abs(n) // 4) for n in offsets)  # on or before today
    done = SUBSIDY_ORDER.index(step)
    facts = SubsidyFacts(*(dates[i] if i < done else None for i in range(3)))
    when = day(offsets[0] // 8)
    amount = 1500 if step == SubsidyStep.APPLIED else None
    try:
        got = check_subsidy_step(facts, step, when, amount, True, OPENED, TODAY)
    except DomainError as e:
        before = dates[done - 1] if done else OPENED
        assert when > TODAY or when < before, e.code
        assert e.code in ("date_in_future", "date_before_previous_step", "date_before_opened")
        return
    assert got == step
    assert when <= TODAY and when >= (dates[done - 1] if done else OPENED)


def test_subsidy_refusals() -> None:
    applied = SubsidyFacts(applied_on=dt.date(2026, 1, 5))
    approved = SubsidyFacts(dt.date(2026, 1, 5), dt.date(2026, 1, 20))
    assert code(lambda: check_subsidy_step(SubsidyFacts(), "paid", TODAY, None, True, OPENED, TODAY)) \
        == "step_out_of_order"
    assert code(lambda: check_subsidy_step(applied, "paid", TODAY, None, True, OPENED, TODAY)) == "step_out_of_order"
    # paid before it was approved
    assert code(lambda: check_subsidy_step(approved, "paid", dt.date(2026, 1, 19), None, True, OPENED, TODAY)) \
        == "date_before_previous_step"
    assert code(lambda: check_subsidy_step(SubsidyFacts(), "applied", TODAY, None, True, OPENED, TODAY)) == "bad_amount"
    assert code(lambda: check_subsidy_step(SubsidyFacts(), "applied", TODAY, 2000, False, OPENED, TODAY)) \
        == "case_closed"
    # a subsidy applied for before closing may still be paid
    check_subsidy_step(approved, "paid", TODAY, None, False, OPENED, TODAY)
    paid = SubsidyFacts(dt.date(2026, 1, 5), dt.date(2026, 1, 20), dt.date(2026, 2, 1))
    assert paid.state == SubsidyStep.PAID and paid.next_step is None
    assert code(lambda: check_subsidy_step(paid, "paid", TODAY, None, True, OPENED, TODAY)) == "subsidy_done"


@given(st.sampled_from(list(CloseReason)), st.sampled_from(list(EmploymentStatus)), st.sampled_from(["", "原因"]))
def test_closing_needs_a_matching_status_or_a_written_reason(
    reason: CloseReason, status: EmploymentStatus, note: str
) -> None:
    try:
        got = check_close(CaseState.OPEN, reason, note, status)
    except DomainError as e:
        assert e.code in ("reason_required", "status_mismatch")
        if reason == CloseReason.OTHER:
            assert not note
        else:
            assert close_reason_for(status) != reason
        return
    assert got == reason
    assert (reason == CloseReason.OTHER and note) or close_reason_for(status) == reason


def test_closed_cases_stay_closed() -> None:
    assert code(lambda: check_close(CaseState.CLOSED, "other", "x", "unemployed")) == "case_closed"
    assert {s for s in EmploymentStatus if close_reason_for(s) == CloseReason.EMPLOYED} == EMPLOYED


@given(
    st.sampled_from(list(CaseState)), days, days, st.one_of(st.none(), days), st.one_of(st.none(), days),
    st.sampled_from(list(EmploymentStatus)), st.one_of(st.none(), days), st.booleans(),
)
def test_case_flags(state: CaseState, opened: int, grad: int, target: int | None, visit: int | None,
                    status: EmploymentStatus, applied: int | None, paid: bool) -> None:
    opened_on = day(-abs(opened))
    applied_on = None if applied is None else day(-abs(applied))
    f = CaseFacts(
        state=state, opened_on=opened_on, graduation_date=day(grad), employment_status=status,
        plan_target=None if target is None else day(target), has_plan=target is not None,
        last_visit=None if visit is None else day(-abs(visit)),
        subsidy=SubsidyFacts(applied_on, applied_on if paid else None, applied_on if paid else None),
    )
    flags = case_flags(f, TODAY)
    is_open = state == CaseState.OPEN
    assert (CaseFlag.NO_PLAN in flags) == (is_open and target is None)
    assert (CaseFlag.PLAN_OVERDUE in flags) == (is_open and target is not None and target < 0)
    since = f.last_visit or opened_on
    assert (CaseFlag.NO_VISIT in flags) == (is_open and (TODAY - since).days >= 30)
    assert (CaseFlag.UNEMPLOYED in flags) == (is_open and status == EmploymentStatus.UNEMPLOYED and grad <= 60)
    waiting = applied_on is not None and not paid and (TODAY - applied_on).days >= 30
    assert (CaseFlag.SUBSIDY_WAITING in flags) == waiting
