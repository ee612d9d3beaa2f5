from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import Role, Status
from zhumeng_tui.domain.withdrawal import (
    STEP_RULES,
    Step,
    StepInput,
    WithdrawalFacts,
    WithdrawalState,
    check_filing,
    check_step,
)

TODAY = dt.date(2026, 3, 10)
D = dt.date(2026, 3, 9)


def test_filing() -> None:
    check_filing(Status.APPROVED, False)
    for status, code in ((Status.ON_DUTY, "withdrawal_on_duty"), (Status.MATCHED, "withdrawal_not_approved")):
        with pytest.raises(DomainError) as e:
            check_filing(status, False)
        assert e.value.code == code
    with pytest.raises(DomainError) as e:
        check_filing(Status.APPROVED, True)
    assert e.value.code == "withdrawal_already_open"


def test_happy_path() -> None:
    f = WithdrawalFacts(WithdrawalState.FILED)
    assert check_step(f, Step.STATEMENT, StepInput(D, text="t"), Role.DEPARTMENT, TODAY) == WithdrawalState.STATEMENT
    f = WithdrawalFacts(WithdrawalState.STATEMENT, statement_date=D)
    assert check_step(f, Step.COUNSELLOR, StepInput(D, name="n"), Role.DEPARTMENT, TODAY) == WithdrawalState.COUNSELLOR
    f = WithdrawalFacts(WithdrawalState.COUNSELLOR, D, D)
    assert check_step(f, Step.STAMP, StepInput(TODAY, name="n"), Role.UNIVERSITY, TODAY) == WithdrawalState.STAMPED
    f = WithdrawalFacts(WithdrawalState.STAMPED, D, D, TODAY)
    assert check_step(f, Step.SUBMIT, StepInput(TODAY), Role.UNIVERSITY, TODAY) == WithdrawalState.SUBMITTED


def test_stamp_before_counsellor_is_out_of_order() -> None:
    with pytest.raises(DomainError) as e:
        check_step(WithdrawalFacts(WithdrawalState.STATEMENT, D), Step.STAMP, StepInput(D, name="n"),
                   Role.UNIVERSITY, TODAY)
    assert e.value.code == "step_out_of_order"


@given(st.sampled_from(list(WithdrawalState)), st.sampled_from(list(Step)), st.sampled_from(list(Role)))
def test_steps_follow_the_rules(state: WithdrawalState, step: Step, role: Role) -> None:
    needs, target, roles = STEP_RULES[step]
    facts = WithdrawalFacts(state, D, D, D)
    data = StepInput(D, text="t", name="n")
    try:
        got = check_step(facts, step, data, role, TODAY)
    except DomainError as e:
        assert state not in needs or role not in roles, e.code
        return
    assert state in needs and role in roles and got == target


def test_dates_checked() -> None:
    f = WithdrawalFacts(WithdrawalState.FILED)
    with pytest.raises(DomainError) as e:
        check_step(f, Step.STATEMENT, StepInput(TODAY + dt.timedelta(days=1), text="t"), Role.DEPARTMENT, TODAY)
    assert e.value.code == "date_in_future"
    f = WithdrawalFacts(WithdrawalState.STATEMENT, statement_date=TODAY)
    with pytest.raises(DomainError) as e:
        check_step(f, Step.COUNSELLOR, StepInput(D, name="n"), Role.DEPARTMENT, TODAY)
    assert e.value.code == "date_before_previous_step"
