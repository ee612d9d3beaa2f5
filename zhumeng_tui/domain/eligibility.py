"""Eligibility checks (资格审核).

``evaluate`` computes every check for one application from plain facts. A
``fail`` blocks approval; a ``warn`` needs an explicit, recorded acknowledgement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.inputs import check_in_range
from zhumeng_tui.domain.status import INTERNSHIP_STATUSES, LIVE_STATUSES, Action, Role, Status

MAX_LIVE_APPLICATIONS = 3
MIN_POSITION_DAYS = 30
MAX_POSITION_MONTHS = 6


class CheckResult(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class CheckId(StrEnum):
    ENROLLED = "enrolled"  # 在读 + 全日制
    REALNAME = "realname"  # 实名认证
    CERTIFIED = "certified"  # 高校认证
    REPORT_FORM = "report_form"  # 报到单 complete and consistent
    LIVE_LIMIT = "live_limit"  # at most 3 live applications
    POSITION_LENGTH = "position_length"  # 30 days .. 6 months
    NO_OVERLAP = "no_overlap"  # no overlapping live internship
    IN_PROVINCE = "in_province"  # in-province university


CHECK_LABELS: dict[CheckId, tuple[str, str]] = {
    CheckId.ENROLLED: ("全日制在读", "Full-time enrolled"),
    CheckId.REALNAME: ("实名认证", "Real-name verified"),
    CheckId.CERTIFIED: ("高校认证", "University-certified"),
    CheckId.REPORT_FORM: ("报到单", "Report form"),
    CheckId.LIVE_LIMIT: ("投递数量", "Live applications"),
    CheckId.POSITION_LENGTH: ("岗位期限", "Position length"),
    CheckId.NO_OVERLAP: ("实习冲突", "No overlapping internship"),
    CheckId.IN_PROVINCE: ("省内高校", "In-province university"),
}

#: What a failing/warning check means for the student, for the "missing" view.
CHECK_MISSING: dict[CheckId, tuple[str, str]] = {
    CheckId.ENROLLED: ("非全日制在读", "Not full-time enrolled"),
    CheckId.REALNAME: ("未实名认证", "Real-name not verified"),
    CheckId.CERTIFIED: ("未高校认证", "Not certified by the university"),
    CheckId.REPORT_FORM: ("报到单缺失或不一致", "Report form missing or inconsistent"),
    CheckId.LIVE_LIMIT: ("投递超过3个", "More than 3 live applications"),
    CheckId.POSITION_LENGTH: ("岗位期限不符", "Position length out of range"),
    CheckId.NO_OVERLAP: ("与其他实习时间冲突", "Overlaps another internship"),
    CheckId.IN_PROVINCE: ("省外高校（省级审核）", "Out-of-province (provincial review)"),
}


def return_reason(failed: Iterable[CheckId]) -> str | None:
    """The reason to return an application for: what its failing checks say
    the student must supply or correct (None: nothing of theirs fails; the
    out-of-province rule is not the student's to fix)."""
    labels = [CHECK_MISSING[c][0] for c in failed if c != CheckId.IN_PROVINCE]
    return "请补充或更正：" + "、".join(labels) if labels else None


#: What each check result is called in lists and exports.
RESULT_LABELS: dict[CheckResult, tuple[str, str]] = {
    CheckResult.PASS: ("通过", "pass"),
    CheckResult.WARN: ("警告", "warn"),
    CheckResult.FAIL: ("不通过", "FAIL"),
}


def check_list_text(codes: Iterable[str], lang: str = "zh") -> str:
    """Check ids as their labels, one after the other ("实名认证、高校认证")."""
    i = 1 if lang == "en" else 0
    labels = [CHECK_LABELS[CheckId(c)][i] if c in _CHECK_IDS else str(c) for c in codes]
    return (", " if lang == "en" else "、").join(labels)


_CHECK_IDS = frozenset(c.value for c in CheckId)


@dataclass(frozen=True)
class CheckOutcome:
    check: CheckId
    result: CheckResult
    reason_zh: str
    reason_en: str

    def reason(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh

    def to_dict(self) -> dict[str, str]:
        return dict(self._as_dict)

    @cached_property
    def _as_dict(self) -> dict[str, str]:
        return {
            "check": self.check.value,
            "result": self.result.value,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


@dataclass(frozen=True)
class StudentFacts:
    name: str
    student_no: str
    enrollment_status: str  # 学籍状态: 在读, 休学, 毕业, ...
    full_time: bool
    realname_verified: bool
    univ_certified: bool
    out_of_province: bool


@dataclass(frozen=True)
class PositionFacts:
    title: str
    employer_name: str
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class ReportForm:
    """报到单 as filed by the student (None fields are missing)."""

    student_name: str | None = None
    student_no: str | None = None
    employer_name: str | None = None
    position_title: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @classmethod
    def from_wire(cls, form: Mapping[str, Any] | None) -> ReportForm | None:
        """From the wire record's ``report_form`` (ISO dates); None when not filed."""
        if form is None:
            return None

        def day(key: str) -> dt.date | None:
            value = form.get(key)
            return dt.date.fromisoformat(value) if value else None

        return cls(form.get("student_name"), form.get("student_no"), form.get("employer_name"),
                   form.get("position_title"), day("start_date"), day("end_date"))


@dataclass(frozen=True)
class OtherApplication:
    """Another application of the same student."""

    id: int
    status: Status
    start_date: dt.date
    end_date: dt.date


def add_months(d: dt.date, months: int) -> dt.date:
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def position_length_error(start: dt.date, end: dt.date) -> DomainError | None:
    """None when 30 days <= length <= 6 months (both dates inclusive)."""
    days = (end - start).days + 1
    if end < start:
        return DomainError(
            "position_dates_reversed", "岗位结束日期早于开始日期", "The position ends before it starts"
        )
    if days < MIN_POSITION_DAYS:
        return DomainError(
            "position_too_short",
            f"实习期为{days}天，不得少于{MIN_POSITION_DAYS}天",
            f"The internship lasts {days} days; at least {MIN_POSITION_DAYS} are required",
        )
    if end >= add_months(start, MAX_POSITION_MONTHS):
        return DomainError(
            "position_too_long",
            f"实习期为{days}天，不得超过{MAX_POSITION_MONTHS}个月",
            f"The internship lasts {days} days; at most {MAX_POSITION_MONTHS} months are allowed",
        )
    return None


def check_position_dates(start: dt.date, end: dt.date) -> None:
    """A new position's dates: within the known years, 30 days <= length <= 6 months."""
    check_in_range(start, ("开始日期", "start date"))
    check_in_range(end, ("结束日期", "end date"))
    err = position_length_error(start, end)
    if err is not None:
        raise err


def live_count(statuses: Iterable[Status | str]) -> int:
    """How many of these applications are live (count toward the limit of three)."""
    return sum(1 for st in statuses if st in LIVE_STATUSES)  # a StrEnum equals its value


def check_live_limit(statuses: Iterable[Status | str]) -> None:
    """A student holds at most three live applications: refuse another one
    (``statuses``: those of the student's applications so far)."""
    live = live_count(statuses)
    if live >= MAX_LIVE_APPLICATIONS:
        raise DomainError(
            "live_limit_exceeded",
            f"该学生已有{live}个在投申请，最多{MAX_LIVE_APPLICATIONS}个",
            f"The student already has {live} live applications; at most {MAX_LIVE_APPLICATIONS} are allowed",
        )


#: The passing outcome of each check (outcomes are immutable: one of each is enough).
_OK = {c: CheckOutcome(c, CheckResult.PASS, "通过", "OK") for c in CheckId}


def _ok(check: CheckId) -> CheckOutcome:
    return _OK[check]


def _check_enrolled(s: StudentFacts) -> CheckOutcome:
    if s.enrollment_status != "在读":
        return CheckOutcome(
            CheckId.ENROLLED,
            CheckResult.FAIL,
            f"学籍状态为“{s.enrollment_status}”，须为在读",
            f"Enrolment status is '{s.enrollment_status}'; must be enrolled (在读)",
        )
    if not s.full_time:
        return CheckOutcome(
            CheckId.ENROLLED, CheckResult.FAIL, "非全日制学生", "Not a full-time student"
        )
    return _ok(CheckId.ENROLLED)


def _check_realname(s: StudentFacts) -> CheckOutcome:
    if not s.realname_verified:
        return CheckOutcome(
            CheckId.REALNAME, CheckResult.FAIL, "学生未完成实名认证", "The student has not verified their real name"
        )
    return _ok(CheckId.REALNAME)


def _check_certified(s: StudentFacts) -> CheckOutcome:
    if not s.univ_certified:
        return CheckOutcome(
            CheckId.CERTIFIED,
            CheckResult.WARN,
            "平台上尚未完成高校认证，审核前请核实学生身份",
            "Not yet certified by the university on the platform; verify the student before approving",
        )
    return _ok(CheckId.CERTIFIED)


def _check_report_form(s: StudentFacts, p: PositionFacts, f: ReportForm | None) -> CheckOutcome:
    cid = CheckId.REPORT_FORM
    if f is None:
        return CheckOutcome(cid, CheckResult.FAIL, "未提交报到单", "No report form submitted")
    missing = [
        zh
        for zh, value in (
            ("姓名", f.student_name),
            ("学号", f.student_no),
            ("用人单位", f.employer_name),
            ("岗位", f.position_title),
            ("开始日期", f.start_date),
            ("结束日期", f.end_date),
        )
        if value in (None, "")
    ]
    if missing:
        return CheckOutcome(
            cid,
            CheckResult.FAIL,
            "报到单缺少：" + "、".join(missing),
            f"Report form incomplete ({len(missing)} field(s) missing)",
        )
    wrong = [
        zh
        for zh, got, want in (
            ("姓名", f.student_name, s.name),
            ("学号", f.student_no, s.student_no),
            ("用人单位", f.employer_name, p.employer_name),
            ("岗位", f.position_title, p.title),
        )
        if got != want
    ]
    if wrong:
        return CheckOutcome(
            cid,
            CheckResult.FAIL,
            "报到单与记录不一致：" + "、".join(wrong),
            f"Report form does not match the record ({len(wrong)} field(s))",
        )
    if (f.start_date, f.end_date) != (p.start_date, p.end_date):
        return CheckOutcome(
            cid,
            CheckResult.WARN,
            f"报到单日期（{f.start_date}至{f.end_date}）与岗位日期（{p.start_date}至{p.end_date}）不同",
            f"Report form dates ({f.start_date}..{f.end_date}) differ from the position's "
            f"({p.start_date}..{p.end_date})",
        )
    return _ok(cid)


def _check_live_limit(this_status: Status, others: Iterable[OtherApplication]) -> CheckOutcome:
    live = live_count([this_status, *(o.status for o in others)])
    if live > MAX_LIVE_APPLICATIONS:
        return CheckOutcome(
            CheckId.LIVE_LIMIT,
            CheckResult.FAIL,
            f"在投申请{live}个，最多{MAX_LIVE_APPLICATIONS}个",
            f"{live} live applications; at most {MAX_LIVE_APPLICATIONS} allowed",
        )
    return _ok(CheckId.LIVE_LIMIT)


def _check_position_length(p: PositionFacts) -> CheckOutcome:
    err = position_length_error(p.start_date, p.end_date)
    if err is not None:
        return CheckOutcome(CheckId.POSITION_LENGTH, CheckResult.FAIL, err.message_zh, err.message_en)
    return _ok(CheckId.POSITION_LENGTH)


def periods_overlap(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> bool:
    """Whether two internships share a day (both dates inclusive)."""
    return other_start <= end and start <= other_end


def _check_overlap(p: PositionFacts, others: Iterable[OtherApplication]) -> CheckOutcome:
    for o in others:
        if o.status in INTERNSHIP_STATUSES and periods_overlap(p.start_date, p.end_date, o.start_date, o.end_date):
            return CheckOutcome(
                CheckId.NO_OVERLAP,
                CheckResult.FAIL,
                f"与申请#{o.id}（{o.start_date}至{o.end_date}）时间重叠",
                f"Overlaps application #{o.id} ({o.start_date}..{o.end_date})",
            )
    return _ok(CheckId.NO_OVERLAP)


def _check_in_province(s: StudentFacts) -> CheckOutcome:
    if s.out_of_province:
        return CheckOutcome(
            CheckId.IN_PROVINCE,
            CheckResult.FAIL,
            "省外高校学生，由省级团委审核，本校只读",
            "Out-of-province student: reviewed by the provincial committee; read-only here",
        )
    return _ok(CheckId.IN_PROVINCE)


def student_checks(student: StudentFacts) -> list[CheckOutcome]:
    """The checks that read only the student's own facts (学籍状态, 学习形式,
    实名认证, 高校认证, in-province): what a roster change can move."""
    return [_check_enrolled(student), _check_realname(student), _check_certified(student),
            _check_in_province(student)]


def evaluate(
    student: StudentFacts,
    position: PositionFacts,
    report_form: ReportForm | None,
    status: Status,
    others: Iterable[OtherApplication] = (),
) -> list[CheckOutcome]:
    """Every check for one application, in a fixed order (see ``CheckId``)."""
    others = list(others)
    return [
        _check_enrolled(student),
        _check_realname(student),
        _check_certified(student),
        _check_report_form(student, position, report_form),
        _check_live_limit(status, others),
        _check_position_length(position),
        _check_overlap(position, others),
        _check_in_province(student),
    ]


def worst(outcomes: Iterable[CheckOutcome]) -> CheckResult:
    results = {o.result for o in outcomes}
    if CheckResult.FAIL in results:
        return CheckResult.FAIL
    if CheckResult.WARN in results:
        return CheckResult.WARN
    return CheckResult.PASS


#: Review actions that put an application forward (院系确认, 高校审核通过): a
#: failing check blocks them and every warning must be acknowledged.
GATED_ACTIONS: frozenset[Action] = frozenset({Action.CONFIRM, Action.APPROVE})


def review_gate(
    action: Action | str, results: Mapping[CheckId, CheckResult | str], role: Role | str
) -> tuple[list[CheckId], list[CheckId]]:
    """(failing checks that block ``action``, warnings that need an acknowledgement).

    The one place for this rule: the server refuses with it and the client
    previews with it. The province reviews out-of-province students, so the
    ``in_province`` check does not block a province account.
    """
    if Action(action) not in GATED_ACTIONS:
        return [], []
    province = Role(role) == Role.PROVINCE
    failed = [
        CheckId(c)
        for c, r in results.items()
        if CheckResult(r) == CheckResult.FAIL and not (province and CheckId(c) == CheckId.IN_PROVINCE)
    ]
    warns = [CheckId(c) for c, r in results.items() if CheckResult(r) == CheckResult.WARN]
    return failed, warns


def gate_refusal(failed: Collection[CheckId], unacknowledged: Collection[CheckId]) -> DomainError | None:
    """Why a gated review action is refused (``review_gate``'s failing checks
    first, then warnings not acknowledged); None when it may go ahead."""
    if failed:
        return DomainError(
            "check_failed",
            "资格审核未通过：" + "、".join(CHECK_LABELS[c][0] for c in failed),
            "Eligibility checks failed: " + ", ".join(CHECK_LABELS[c][1] for c in failed),
        )
    if unacknowledged:
        return DomainError(
            "warning_not_acknowledged",
            "须先确认提示：" + "、".join(CHECK_LABELS[c][0] for c in unacknowledged),
            "Acknowledge these warnings first: " + ", ".join(CHECK_LABELS[c][1] for c in unacknowledged),
        )
    return None
