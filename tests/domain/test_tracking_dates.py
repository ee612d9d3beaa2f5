"""Tracking dates: the flags of an intern past the end date, the 30 days
without a follow-up counted from the on-duty date at the earliest, and the
lower bounds of follow-up, appraisal-copy and withdrawal-step dates."""

from __future__ import annotations

import datetime as dt

import pytest

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import (
    InternFacts,
    InternFlag,
    check_followup,
    check_tracking,
    followup_due,
    intern_flags,
)
from zhumeng_tui.domain.status import Role, Status
from zhumeng_tui.domain.withdrawal import (
    Step,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    approved_on,
    check_step,
)

D = dt.date
START, END = D(2026, 5, 1), D(2026, 7, 27)


def on_duty(**kw: object) -> InternFacts:
    return InternFacts(Status.ON_DUTY, START, END, on_duty_date=D(2026, 5, 3), insurance_recorded=True, **kw)  # type: ignore[arg-type]


def test_on_duty_past_the_end_date_is_flagged_and_has_no_next_followup() -> None:
    facts = on_duty(last_followup=D(2026, 11, 12))
    assert intern_flags(facts, D(2026, 11, 30)) == [InternFlag.PAST_END]
    assert followup_due(facts) is None
    assert intern_flags(on_duty(last_followup=D(2026, 7, 20)), D(2026, 7, 27)) == [InternFlag.ENDING_SOON]


def test_a_followup_before_the_on_duty_date_does_not_start_the_30_days() -> None:
    facts = on_duty(last_followup=D(2026, 4, 20))
    assert InternFlag.NO_FOLLOWUP not in intern_flags(facts, D(2026, 5, 10))
    assert followup_due(facts) == D(2026, 6, 2)
    assert InternFlag.NO_FOLLOWUP in intern_flags(facts, D(2026, 6, 2))


def test_a_followup_cannot_be_dated_before_the_internship_starts() -> None:
    today = D(2026, 6, 1)
    with pytest.raises(DomainError) as e:
        check_followup(Status.ON_DUTY, D(2020, 1, 1), "电话", "李老师", "表现良好", today, START)
    assert e.value.code == "date_too_early" and "实习开始日期" in e.value.message_zh
    check_followup(Status.ON_DUTY, START, "电话", "李老师", "表现良好", today, START)


def test_an_appraisal_copy_cannot_be_received_before_the_start() -> None:
    with pytest.raises(DomainError) as e:
        check_tracking(Status.COMPLETED, D(2026, 8, 1), appraisal_copy_received=D(2026, 4, 1), start_date=START)
    assert e.value.code == "date_too_early"
    check_tracking(Status.COMPLETED, D(2026, 8, 1), appraisal_copy_received=D(2026, 7, 28), start_date=START)


def test_an_appraised_intern_keeps_the_copy_and_the_scores() -> None:
    check_tracking(Status.COMPLETED, D(2026, 8, 1), cleared=["appraisal_copy_received"])
    with pytest.raises(DomainError) as e:
        check_tracking(Status.APPRAISED, D(2026, 8, 1), cleared=["employer_score"])
    assert e.value.code == "appraised"


def test_a_statement_cannot_be_dated_before_the_internship_was_approved() -> None:
    history = [{"at": "2026-07-01T09:00:00", "to_status": "dept_confirmed"},
               {"at": "2026-09-20T10:00:00", "to_status": "approved"}]
    facts = WithdrawalFacts(WithdrawalState.FILED, approved_date=approved_on(history))
    with pytest.raises(DomainError) as e:
        check_step(facts, Step.STATEMENT, StepInput(D(2026, 6, 1), "考研"), Role.UNIVERSITY, D(2026, 9, 30))
    assert e.value.code == "date_too_early" and "审核通过日期（2026-09-20）" in e.value.message_zh
    assert check_step(facts, Step.STATEMENT, StepInput(D(2026, 9, 20), "考研"), Role.UNIVERSITY,
                      D(2026, 9, 30)) == WithdrawalState.STATEMENT
