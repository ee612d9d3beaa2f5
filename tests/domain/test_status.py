from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import (
    LIVE_STATUSES,
    TRANSITIONS,
    Action,
    Role,
    Status,
    allowed_actions,
    check_transition,
    find_transition,
)


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: t.action.value)
def test_every_legal_move(t) -> None:  # type: ignore[no-untyped-def]
    for source, role in itertools.product(t.source, t.roles):
        assert check_transition(source, t.action, role, "理由") == t.target
        assert t.action in allowed_actions(source, role)


def test_every_illegal_move_raises() -> None:
    legal = {(s, t.action, r) for t in TRANSITIONS for s in t.source for r in t.roles}
    for status, action, role in itertools.product(Status, Action, Role):
        if (status, action, role) in legal:
            continue
        with pytest.raises(DomainError) as e:
            check_transition(status, action, role, "理由")
        if find_transition(status, action) is None:
            assert e.value.code == "illegal_transition"
        else:
            assert e.value.code == "role_not_allowed"
        assert e.value.message_zh and e.value.message_en


def test_reason_required_for_reject_and_return() -> None:
    for action in (Action.REJECT, Action.RETURN):
        for reason in (None, "", "   "):
            with pytest.raises(DomainError) as e:
                check_transition(Status.MATCHED, action, Role.DEPARTMENT, reason)
            assert e.value.code == "reason_required"


def test_unknown_action() -> None:
    with pytest.raises(DomainError) as e:
        check_transition(Status.MATCHED, "dance", Role.DEPARTMENT)
    assert e.value.code == "unknown_action"


def test_terminal_statuses_have_no_moves() -> None:
    for status in (Status.REJECTED, Status.WITHDRAWN, Status.APPRAISED):
        assert all(allowed_actions(status, r) == [] for r in Role)


def test_live_statuses() -> None:
    assert Status.REJECTED not in LIVE_STATUSES and Status.WITHDRAWN not in LIVE_STATUSES
    assert Status.APPROVED in LIVE_STATUSES


@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role))), max_size=30))
def test_random_walks_stay_in_the_graph(moves: list[tuple[Action, Role]]) -> None:
    status = Status.APPLIED
    for action, role in moves:
        try:
            new = check_transition(status, action, role, "r")
        except DomainError:
            continue
        t = find_transition(status, action)
        assert t is not None and new == t.target and role in t.roles
        status = new
