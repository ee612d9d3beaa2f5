"""Withdrawal requests (放弃岗位).

Steps, each needing the one before: statement received -> counsellor signature
-> university stamp -> submitted to the employer. ``check_step`` is the one
function that validates a step; server and client both call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.inputs import check_in_range, check_not_before, check_not_future, check_text
from zhumeng_tui.domain.status import Role, Status

MAX_TEXT = 2000
MAX_NAME = 50


class Step(StrEnum):
    STATEMENT = "statement"  # 书面说明
    COUNSELLOR = "counsellor"  # 辅导员签字
    STAMP = "stamp"  # 高校盖章
    SUBMIT = "submit"  # 提交用人单位
    CANCEL = "cancel"


class WithdrawalState(StrEnum):
    FILED = "filed"
    STATEMENT = "statement"
    COUNSELLOR = "counsellor"
    STAMPED = "stamped"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


STEP_LABELS: dict[Step, tuple[str, str]] = {
    Step.STATEMENT: ("书面说明", "Written statement"),
    Step.COUNSELLOR: ("辅导员签字", "Counsellor signature"),
    Step.STAMP: ("高校盖章", "University stamp"),
    Step.SUBMIT: ("提交用人单位", "Submitted to employer"),
    Step.CANCEL: ("撤销申请", "Cancel request"),
}

STATE_LABELS: dict[WithdrawalState, tuple[str, str]] = {
    WithdrawalState.FILED: ("待书面说明", "Awaiting statement"),
    WithdrawalState.STATEMENT: ("待辅导员签字", "Awaiting counsellor"),
    WithdrawalState.COUNSELLOR: ("待高校盖章", "Awaiting stamp"),
    WithdrawalState.STAMPED: ("待提交用人单位", "Awaiting submission"),
    WithdrawalState.SUBMITTED: ("已提交", "Submitted"),
    WithdrawalState.CANCELLED: ("已撤销", "Cancelled"),
}

#: step -> (state it needs, state it leads to, roles that may record it)
STEP_RULES: dict[Step, tuple[frozenset[WithdrawalState], WithdrawalState, frozenset[Role]]] = {
    Step.STATEMENT: (
        frozenset({WithdrawalState.FILED}),
        WithdrawalState.STATEMENT,
        frozenset({Role.DEPARTMENT, Role.UNIVERSITY}),
    ),
    Step.COUNSELLOR: (
        frozenset({WithdrawalState.STATEMENT}),
        WithdrawalState.COUNSELLOR,
        frozenset({Role.DEPARTMENT}),
    ),
    Step.STAMP: (
        frozenset({WithdrawalState.COUNSELLOR}),
        WithdrawalState.STAMPED,
        frozenset({Role.UNIVERSITY}),
    ),
    Step.SUBMIT: (
        frozenset({WithdrawalState.STAMPED}),
        WithdrawalState.SUBMITTED,
        frozenset({Role.UNIVERSITY}),
    ),
    Step.CANCEL: (
        frozenset(
            {
                WithdrawalState.FILED,
                WithdrawalState.STATEMENT,
                WithdrawalState.COUNSELLOR,
                WithdrawalState.STAMPED,
            }
        ),
        WithdrawalState.CANCELLED,
        frozenset({Role.DEPARTMENT, Role.UNIVERSITY}),
    ),
}

OPEN_STATES = STEP_RULES[Step.CANCEL][0]


@dataclass(frozen=True)
class WithdrawalFacts:
    """What the rules need to know about a request so far."""

    state: WithdrawalState
    statement_date: dt.date | None = None
    counsellor_date: dt.date | None = None
    stamp_date: dt.date | None = None
    #: The day the internship was approved: no step happens before it.
    approved_date: dt.date | None = None


@dataclass(frozen=True)
class StepInput:
    """What the user typed for a step. ``text``: statement text or cancel reason;
    ``name``: counsellor name or who confirmed the stamp."""

    date: dt.date | None = None
    text: str | None = None
    name: str | None = None


def _err(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


def approved_on(history: Iterable[Mapping[str, Any]]) -> dt.date | None:
    """The day of the last move to approved in an application's history
    (events as on the wire: ``to_status`` and ``at``)."""
    for event in reversed(list(history)):
        if event.get("to_status") == Status.APPROVED.value:
            at = event.get("at")
            return at.date() if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at)).date()
    return None


def check_filing(app_status: Status | str, has_open_request: bool) -> None:
    """May a withdrawal be filed for an application in this status?"""
    status = Status(app_status)
    if status == Status.ON_DUTY:
        raise _err(
            "withdrawal_on_duty",
            "学生已上岗，不能申请放弃岗位",
            "The intern is already on duty; a withdrawal cannot be filed",
        )
    if status != Status.APPROVED:
        raise _err(
            "withdrawal_not_approved",
            "只有“高校审核通过”且未上岗的实习可以申请放弃",
            "Only an approved internship that is not yet on duty can be withdrawn",
        )
    if has_open_request:
        raise _err(
            "withdrawal_already_open",
            "该申请已有未完成的放弃岗位申请",
            "This application already has an open withdrawal request",
        )


def check_step(
    facts: WithdrawalFacts, step: Step | str, data: StepInput, role: Role | str, today: dt.date
) -> WithdrawalState:
    """Validate one step; return the new state or raise :class:`DomainError`."""
    try:
        step = Step(step)
    except ValueError:
        raise _err("unknown_step", f"未知步骤：{step}", f"Unknown step: {step}") from None
    role = Role(role)
    needs, target, roles = STEP_RULES[step]
    zh, en = STEP_LABELS[step]
    if facts.state not in needs:
        if facts.state in (WithdrawalState.SUBMITTED, WithdrawalState.CANCELLED):
            s_zh, s_en = STATE_LABELS[facts.state]
            raise _err(
                "withdrawal_closed", f"该申请{s_zh}，不能再操作", f"This request is {s_en.lower()}; no more steps"
            )
        # The first step not yet done is the one to record next.
        order = [Step.STATEMENT, Step.COUNSELLOR, Step.STAMP, Step.SUBMIT]
        done = {WithdrawalState.FILED: 0, WithdrawalState.STATEMENT: 1, WithdrawalState.COUNSELLOR: 2,
                WithdrawalState.STAMPED: 3}[facts.state]
        p_zh, p_en = STEP_LABELS[order[done]]
        raise _err(
            "step_out_of_order",
            f"请先完成“{p_zh}”，再记录“{zh}”",
            f"Record '{p_en}' before '{en}'",
        )
    if role not in roles:
        who = "院系" if roles == {Role.DEPARTMENT} else "高校"
        who_en = "department" if roles == {Role.DEPARTMENT} else "university"
        raise _err(
            "role_not_allowed",
            f"“{zh}”须由{who}账号记录",
            f"'{en}' must be recorded by a {who_en} account",
        )
    date_what = (f"“{zh}”的日期", f"date of '{en}'")
    if data.date is not None:
        check_in_range(data.date, date_what)
    if step == Step.CANCEL:
        check_text(data.text or "", MAX_TEXT, ("撤销原因", "reason"),
                   _err("reason_required", "撤销申请须填写原因", "A reason is required to cancel"))
        return target
    if data.date is None:
        raise _err("date_required", f"请填写“{zh}”的日期", f"Enter the date of '{en}'")
    check_not_future(data.date, today, date_what)
    check_not_before(data.date, facts.approved_date, date_what, ("实习审核通过日期", "date the internship was approved"))
    previous = {
        Step.COUNSELLOR: (facts.statement_date, STEP_LABELS[Step.STATEMENT]),
        Step.STAMP: (facts.counsellor_date, STEP_LABELS[Step.COUNSELLOR]),
        Step.SUBMIT: (facts.stamp_date, STEP_LABELS[Step.STAMP]),
    }.get(step)
    if previous and previous[0] and data.date < previous[0]:
        (p_date, (p_zh, p_en)) = previous
        raise _err(
            "date_before_previous_step",
            f"“{zh}”的日期（{data.date}）不能早于“{p_zh}”（{p_date}）",
            f"The date of '{en}' ({data.date}) cannot be before '{p_en}' ({p_date})",
        )
    if step == Step.STATEMENT:
        check_text(data.text or "", MAX_TEXT, ("书面说明", "statement"),
                   _err("text_required", "请填写书面说明内容", "Enter the text of the written statement"))
    if step in (Step.COUNSELLOR, Step.STAMP):
        zh_name, en_name = ("辅导员姓名", "counsellor's name") if step == Step.COUNSELLOR else (
            "盖章确认人", "name of who confirmed the stamp")
        check_text(data.name or "", MAX_NAME, (zh_name, en_name),
                   _err("name_required", f"请填写{zh_name}", f"Enter the {en_name}"))
    return target
