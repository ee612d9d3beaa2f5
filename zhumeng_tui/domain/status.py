"""Application statuses and the moves between them.

The transitions are data (``TRANSITIONS``); ``check_transition`` is the one
function that validates a move. Both the server and the client call it, so the
client can show the same reason before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from zhumeng_tui.domain.errors import DomainError


class Status(StrEnum):
    APPLIED = "applied"
    MATCHED = "matched"
    DEPT_CONFIRMED = "dept_confirmed"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    ON_DUTY = "on_duty"
    COMPLETED = "completed"
    APPRAISED = "appraised"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SELECT = "select"  # employer selects (双选成功)
    CONFIRM = "confirm"  # department confirms
    APPROVE = "approve"  # university approves
    REJECT = "reject"
    RETURN = "return"  # 退回补充
    RESUBMIT = "resubmit"  # student fixed it on the platform
    ON_DUTY = "on_duty"  # employer marks on duty
    COMPLETE = "complete"  # employer marks complete
    APPRAISE = "appraise"  # appraisal copy received + evaluations in
    WITHDRAW = "withdraw"  # withdrawal submitted to the employer


class Role(StrEnum):
    UNIVERSITY = "university"
    DEPARTMENT = "department"
    VIEWER = "viewer"
    PROVINCE = "province"
    #: 市州人社/教育: the graduates and ledgers of the universities in its city;
    #: records the service sessions it runs on campus; no internship decisions.
    CITY = "city"
    EMPLOYER = "employer"  # acts for employers (demo generator, platform side)
    SYSTEM = "system"  # the platform itself (student resubmission, withdrawal)


STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.APPLIED: ("已投递", "Applied"),
    Status.MATCHED: ("双选成功", "Matched"),
    Status.DEPT_CONFIRMED: ("院系确认", "Dept confirmed"),
    Status.APPROVED: ("高校审核通过", "Approved"),
    Status.REJECTED: ("已驳回", "Rejected"),
    Status.RETURNED: ("退回补充", "Returned"),
    Status.ON_DUTY: ("已上岗", "On duty"),
    Status.COMPLETED: ("实习完成", "Completed"),
    Status.APPRAISED: ("已鉴定", "Appraised"),
    Status.WITHDRAWN: ("已放弃", "Withdrawn"),
}

ACTION_LABELS: dict[Action, tuple[str, str]] = {
    Action.SELECT: ("双选", "Select"),
    Action.CONFIRM: ("院系确认", "Confirm"),
    Action.APPROVE: ("审核通过", "Approve"),
    Action.REJECT: ("驳回", "Reject"),
    Action.RETURN: ("退回补充", "Return"),
    Action.RESUBMIT: ("重新提交", "Resubmit"),
    Action.ON_DUTY: ("上岗", "On duty"),
    Action.COMPLETE: ("实习完成", "Complete"),
    Action.APPRAISE: ("鉴定", "Appraise"),
    Action.WITHDRAW: ("放弃岗位", "Withdraw"),
}


@dataclass(frozen=True)
class Transition:
    source: frozenset[Status]
    action: Action
    target: Status
    roles: frozenset[Role]
    needs_reason: bool = False


def _t(
    sources: tuple[Status, ...],
    action: Action,
    target: Status,
    roles: tuple[Role, ...],
    needs_reason: bool = False,
) -> Transition:
    return Transition(frozenset(sources), action, target, frozenset(roles), needs_reason)


_REVIEWERS = (Role.DEPARTMENT, Role.UNIVERSITY, Role.PROVINCE)

TRANSITIONS: tuple[Transition, ...] = (
    _t((Status.APPLIED,), Action.SELECT, Status.MATCHED, (Role.EMPLOYER, Role.SYSTEM)),
    _t((Status.MATCHED,), Action.CONFIRM, Status.DEPT_CONFIRMED, (Role.DEPARTMENT, Role.PROVINCE)),
    _t((Status.DEPT_CONFIRMED,), Action.APPROVE, Status.APPROVED, (Role.UNIVERSITY, Role.PROVINCE)),
    _t((Status.MATCHED, Status.DEPT_CONFIRMED), Action.REJECT, Status.REJECTED, _REVIEWERS, True),
    _t((Status.MATCHED, Status.DEPT_CONFIRMED), Action.RETURN, Status.RETURNED, _REVIEWERS, True),
    _t((Status.RETURNED,), Action.RESUBMIT, Status.MATCHED, (Role.SYSTEM,)),
    _t((Status.APPROVED,), Action.ON_DUTY, Status.ON_DUTY, (Role.EMPLOYER, Role.UNIVERSITY, Role.SYSTEM)),
    _t((Status.ON_DUTY,), Action.COMPLETE, Status.COMPLETED, (Role.EMPLOYER, Role.UNIVERSITY, Role.SYSTEM)),
    _t((Status.COMPLETED,), Action.APPRAISE, Status.APPRAISED, (Role.UNIVERSITY, Role.SYSTEM)),
    _t((Status.APPROVED,), Action.WITHDRAW, Status.WITHDRAWN, (Role.UNIVERSITY, Role.SYSTEM)),
)

#: Statuses that count as a "live" application (toward the limit of three).
LIVE_STATUSES: frozenset[Status] = frozenset(
    {Status.APPLIED, Status.MATCHED, Status.DEPT_CONFIRMED, Status.APPROVED, Status.RETURNED, Status.ON_DUTY}
)
#: Statuses of an internship that is taking place or will (for overlap checks).
INTERNSHIP_STATUSES: frozenset[Status] = frozenset({Status.APPROVED, Status.ON_DUTY})
#: Statuses shown on the interns screen.
INTERN_STATUSES: frozenset[Status] = frozenset(
    {Status.APPROVED, Status.ON_DUTY, Status.COMPLETED, Status.APPRAISED}
)
#: Statuses of an internship that is over (nominations, appraisal input).
COMPLETED_STATUSES: frozenset[Status] = frozenset({Status.COMPLETED, Status.APPRAISED})
#: Review actions a campus account may send (single and batch endpoints).
REVIEW_ACTIONS: frozenset[Action] = frozenset({Action.CONFIRM, Action.APPROVE, Action.REJECT, Action.RETURN})


#: Moves the platform makes (the employer selects, the student resubmits, the
#: employer reports on duty / complete, the appraisal is filed): a province
#: account makes them on the platform's behalf.
PLATFORM_ACTIONS: frozenset[Action] = frozenset(
    {Action.SELECT, Action.RESUBMIT, Action.ON_DUTY, Action.COMPLETE, Action.APPRAISE}
)


def acting_role(role: Role | str, action: Action | str) -> Role:
    """The role a move is checked as: the platform's for a province account
    making a platform move, else the account's own."""
    role = Role(role)
    if role == Role.PROVINCE and action in PLATFORM_ACTIONS:
        return Role.SYSTEM
    return role


def find_transition(status: Status, action: Action) -> Transition | None:
    for t in TRANSITIONS:
        if t.action == action and status in t.source:
            return t
    return None


#: Events of an application's history that are not moves: (Chinese, English).
HISTORY_EVENT_LABELS: dict[str, tuple[str, str]] = {
    "apply": ("投递申请", "Applied"),
    "tracking": ("更新跟踪信息", "Tracking updated"),
    "excellent": ("推荐优秀实习生", "Nominated excellent"),
    "withdrawn": ("放弃岗位", "Withdrawn"),
}


def history_label(action: str) -> tuple[str, str]:
    """What an event of an application's history is, in words (a move or another event)."""
    try:
        return ACTION_LABELS[Action(action)]
    except ValueError:
        return HISTORY_EVENT_LABELS.get(action, (action, action))


#: Who "system" is in a record's history: the platform itself.
SYSTEM_ACTOR = ("平台", "Platform")


def check_transition(
    status: Status | str,
    action: Action | str,
    role: Role | str,
    reason: str | None = None,
) -> Status:
    """Validate a move; return the new status or raise :class:`DomainError`."""
    try:
        action = Action(action)
    except ValueError:
        raise DomainError(
            "unknown_action", f"未知操作：{action}", f"Unknown action: {action}"
        ) from None
    status = Status(status)
    role = Role(role)
    t = find_transition(status, action)
    if t is None:
        zh_s, en_s = STATUS_LABELS[status]
        zh_a, en_a = ACTION_LABELS[action]
        raise DomainError(
            "illegal_transition",
            f"当前状态为“{zh_s}”，不能执行“{zh_a}”",
            f"Cannot {en_a.lower()} an application that is {en_s.lower()}",
        )
    if role not in t.roles:
        zh_a, en_a = ACTION_LABELS[action]
        raise DomainError(
            "role_not_allowed",
            f"当前账号角色无权执行“{zh_a}”",
            f"Your role may not {en_a.lower()} applications",
        )
    if t.needs_reason and not (reason and reason.strip()):
        zh_a, en_a = ACTION_LABELS[action]
        raise DomainError(
            "reason_required",
            f"“{zh_a}”必须填写原因",
            f"A reason is required to {en_a.lower()}",
        )
    return t.target


def allowed_actions(status: Status | str, role: Role | str) -> list[Action]:
    """Actions ``role`` may take on an application in ``status``."""
    status, role = Status(status), Role(role)
    return [t.action for t in TRANSITIONS if status in t.source and role in t.roles]
