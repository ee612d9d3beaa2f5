"""Who may make which change, beyond the review moves (``status.TRANSITIONS``)
and the withdrawal steps (``withdrawal.STEP_RULES``).

The server refuses with these checks and the client checks the same before it
queues a change, so a refusal reads the same on both sides.
"""

from __future__ import annotations

from enum import StrEnum

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import Role


class Change(StrEnum):
    """A kind of change a staff account asks for."""

    FILE_WITHDRAWAL = "file_withdrawal"
    ADD_FOLLOWUP = "add_followup"
    SET_TRACKING = "set_tracking"
    NOMINATE_EXCELLENT = "nominate_excellent"
    ADD_INTEGRITY = "add_integrity"
    CREATE_APPLICATION = "create_application"
    CREATE_POSITION = "create_position"
    DELETE_POSITION = "delete_position"
    IMPORT_CALENDAR = "import_calendar"
    UPDATE_ROSTER = "update_roster"
    PRUNE_TOMBSTONES = "prune_tombstones"
    UPDATE_GRADUATE = "update_graduate"
    SET_EMPLOYMENT = "set_employment"
    CREATE_GRADUATE = "create_graduate"
    CREATE_SESSION = "create_session"
    RECORD_ATTENDANCE = "record_attendance"
    OPEN_CASE = "open_case"
    CHANGE_CASE = "change_case"
    CREATE_POST = "create_post"
    VERIFY_POST = "verify_post"
    PUSH_POSTS = "push_posts"
    ANSWER_PUSH = "answer_push"


#: Accounts of one campus (a university or one of its departments).
CAMPUS_ROLES: frozenset[Role] = frozenset({Role.UNIVERSITY, Role.DEPARTMENT})
_STAFF = frozenset({Role.UNIVERSITY, Role.DEPARTMENT, Role.PROVINCE})
_UNIVERSITY = frozenset({Role.UNIVERSITY, Role.PROVINCE})
#: Platform records (applications, positions) and data every university shares
#: (the working-day calendar) are written by the province only.
_PROVINCE = frozenset({Role.PROVINCE})
#: Service sessions are run by the campus and by the city (市州人社) on campus.
_SESSIONS = frozenset({Role.UNIVERSITY, Role.DEPARTMENT, Role.CITY, Role.PROVINCE})
#: Job posts are added and verified by a university, a city account and the province.
_POSTS = frozenset({Role.UNIVERSITY, Role.CITY, Role.PROVINCE})

#: change -> (roles that may make it, what it is: Chinese, English)
CHANGE_RULES: dict[Change, tuple[frozenset[Role], tuple[str, str]]] = {
    Change.FILE_WITHDRAWAL: (_STAFF, ("提交放弃岗位申请", "file withdrawal requests")),
    Change.ADD_FOLLOWUP: (_STAFF, ("添加跟踪记录", "add follow-ups")),
    Change.SET_TRACKING: (_STAFF, ("修改实习跟踪信息", "update internship tracking")),
    Change.NOMINATE_EXCELLENT: (_UNIVERSITY, ("评选优秀实习生", "nominate excellent interns")),
    Change.ADD_INTEGRITY: (_UNIVERSITY, ("添加诚信档案", "add integrity entries")),
    Change.CREATE_APPLICATION: (_PROVINCE, ("创建申请", "create applications")),
    Change.CREATE_POSITION: (_PROVINCE, ("发布岗位", "create positions")),
    Change.DELETE_POSITION: (_PROVINCE, ("删除岗位", "delete positions")),
    Change.UPDATE_ROSTER: (_UNIVERSITY, ("修改学籍信息", "change student records")),
    Change.IMPORT_CALENDAR: (_PROVINCE, ("导入工作日日历", "import the working-day calendar")),
    Change.PRUNE_TOMBSTONES: (_PROVINCE, ("清理删除记录", "prune tombstones")),
    Change.UPDATE_GRADUATE: (_STAFF, ("修改毕业生服务需求", "change graduates' needs")),
    Change.SET_EMPLOYMENT: (_STAFF, ("登记就业状态", "record employment status")),
    Change.CREATE_GRADUATE: (_STAFF, ("添加毕业生", "add graduates")),
    Change.CREATE_SESSION: (_SESSIONS, ("登记服务活动", "record service sessions")),
    Change.RECORD_ATTENDANCE: (_SESSIONS, ("登记活动签到", "record attendance")),
    Change.OPEN_CASE: (_STAFF, ("建立困难帮扶档案", "open hardship cases")),
    Change.CHANGE_CASE: (_STAFF, ("修改困难帮扶档案", "change hardship cases")),
    Change.CREATE_POST: (_POSTS, ("发布岗位信息", "add job posts")),
    Change.VERIFY_POST: (_POSTS, ("审核岗位信息", "verify job posts")),
    Change.PUSH_POSTS: (_STAFF, ("推送岗位", "push posts to graduates")),
    Change.ANSWER_PUSH: (_STAFF, ("登记推送反馈", "record graduates' answers")),
}


def may(role: Role | str, change: Change) -> bool:
    return Role(role) in CHANGE_RULES[change][0]


def check_role(role: Role | str, change: Change) -> None:
    """Refuse ``change`` for a role that may not make it."""
    if not may(role, change):
        zh, en = CHANGE_RULES[change][1]
        raise DomainError("role_not_allowed", f"当前账号角色无权{zh}", f"Your role may not {en}")


#: What a campus account is told about an out-of-province student's record.
PROVINCIAL_ONLY = (
    "省外高校学生由省级团委审核，本校只读",
    "Out-of-province student: reviewed by the provincial committee; read-only here",
)


def provincial_only(role: Role | str, out_of_province: bool) -> bool:
    """Out-of-province students are reviewed by the provincial committee: a
    campus account only reads their records."""
    return out_of_province and Role(role) in CAMPUS_ROLES


def check_not_provincial(role: Role | str, out_of_province: bool) -> None:
    """Refuse a campus account's change about an out-of-province student."""
    if provincial_only(role, out_of_province):
        raise DomainError("provincial_review", *PROVINCIAL_ONLY)
