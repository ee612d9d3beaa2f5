"""Internship tracking rules: intern flags, the withdrawal deadline display,
and the checks for tracking input (follow-ups, tracking fields, appraisal,
nominations, staff integrity entries).

Pure: dates and fields in, flags / errors out. Every flag and note comes with a
(Chinese, English) label pair; pick one with ``lang`` or the i18n layer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from zhumeng_tui.domain.calendar import WorkCalendar
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.inputs import check_not_before, check_not_future, check_text
from zhumeng_tui.domain.integrity import IntegrityKind
from zhumeng_tui.domain.status import (
    COMPLETED_STATUSES,
    INTERN_STATUSES,
    Action,
    Role,
    Status,
    acting_role,
    check_transition,
)

#: An approved intern not on duty this many days after the start date is flagged.
NOT_ON_DUTY_AFTER_DAYS = 3
#: An on-duty intern whose internship ends within this many days is flagged.
ENDING_WITHIN_DAYS = 7
#: An on-duty intern without a follow-up for this many days is flagged.
FOLLOWUP_EVERY_DAYS = 30

FOLLOWUP_CHANNELS = ("电话", "走访", "微信", "其他")
FOLLOWUP_CHANNEL_LABELS: dict[str, tuple[str, str]] = {
    "电话": ("电话", "Phone"),
    "走访": ("走访", "Visit"),
    "微信": ("微信", "WeChat"),
    "其他": ("其他", "Other"),
}
MAX_NOTE = 2000
MAX_NAME = 50
MAX_NOMINATION_NOTE = 500
MAX_STAFF_USERNAME = 64


class InternFlag(StrEnum):
    NOT_ON_DUTY = "not_on_duty"  # approved, start date + 3 days passed, not on duty
    NO_INSURANCE = "no_insurance"  # on duty, insurance not recorded
    ENDING_SOON = "ending_soon"  # on duty, ends within 7 days
    APPRAISAL_MISSING = "appraisal_missing"  # completed, appraisal copy not received
    EVALUATION_MISSING = "evaluation_missing"  # completed, a score is missing
    NO_FOLLOWUP = "no_followup"  # on duty, no follow-up for 30 days
    PAST_END = "past_end"  # on duty after the end date: to be marked complete


#: Display order of the flags (most urgent first).
FLAG_ORDER: tuple[InternFlag, ...] = tuple(InternFlag)

FLAG_LABELS: dict[InternFlag, tuple[str, str]] = {
    InternFlag.NOT_ON_DUTY: ("逾期未上岗", "Not on duty"),
    InternFlag.NO_INSURANCE: ("未登记保险", "No insurance"),
    InternFlag.ENDING_SOON: ("即将结束", "Ending soon"),
    InternFlag.APPRAISAL_MISSING: ("未收鉴定表", "No appraisal copy"),
    InternFlag.EVALUATION_MISSING: ("评价缺失", "Evaluation missing"),
    InternFlag.NO_FOLLOWUP: ("超30天未跟踪", "No follow-up 30d"),
    InternFlag.PAST_END: ("已过结束日期", "Past end date"),
}

#: Longer explanations (detail screen, help).
FLAG_HELP: dict[InternFlag, tuple[str, str]] = {
    InternFlag.NOT_ON_DUTY: (
        f"已审核通过，开始日期后{NOT_ON_DUTY_AFTER_DAYS}天仍未上岗",
        f"Approved but not on duty {NOT_ON_DUTY_AFTER_DAYS} days after the start date",
    ),
    InternFlag.NO_INSURANCE: ("已上岗但未登记保险", "On duty but no insurance recorded"),
    InternFlag.ENDING_SOON: (
        f"实习将在{ENDING_WITHIN_DAYS}天内结束",
        f"The internship ends within {ENDING_WITHIN_DAYS} days",
    ),
    InternFlag.APPRAISAL_MISSING: (
        "实习已完成，尚未收到鉴定表复印件",
        "Completed, but the appraisal copy has not been received",
    ),
    InternFlag.EVALUATION_MISSING: (
        "实习已完成，单位或学生评价缺失",
        "Completed, but the employer's or the student's evaluation is missing",
    ),
    InternFlag.NO_FOLLOWUP: (
        f"超过{FOLLOWUP_EVERY_DAYS}天没有跟踪记录",
        f"No follow-up for {FOLLOWUP_EVERY_DAYS} days",
    ),
    InternFlag.PAST_END: (
        "实习结束日期已过，仍为已上岗：请登记实习完成",
        "Still on duty after the end date: mark the internship complete",
    ),
}


@dataclass(frozen=True)
class InternFacts:
    """What the flags need about one intern."""

    status: Status
    start_date: dt.date
    end_date: dt.date
    on_duty_date: dt.date | None = None
    completed_date: dt.date | None = None
    insurance_recorded: bool = False
    appraisal_copy_received: dt.date | None = None
    employer_score: int | None = None
    student_score: int | None = None
    last_followup: dt.date | None = None


def _followup_since(f: InternFacts) -> dt.date:
    """The day the 30 days without a follow-up count from: the last follow-up,
    but never before the intern went on duty."""
    start = f.on_duty_date or f.start_date
    return max(f.last_followup, start) if f.last_followup is not None else start


def intern_flags(f: InternFacts, today: dt.date) -> list[InternFlag]:
    """The flags of one intern on ``today``, in ``FLAG_ORDER``."""
    flags: set[InternFlag] = set()
    status = Status(f.status)
    late = (today - f.start_date).days >= NOT_ON_DUTY_AFTER_DAYS
    if status == Status.APPROVED and f.on_duty_date is None and late:
        flags.add(InternFlag.NOT_ON_DUTY)
    if status == Status.ON_DUTY:
        if not f.insurance_recorded:
            flags.add(InternFlag.NO_INSURANCE)
        if today > f.end_date:
            flags.add(InternFlag.PAST_END)
        else:
            if (f.end_date - today).days <= ENDING_WITHIN_DAYS:
                flags.add(InternFlag.ENDING_SOON)
            if (today - _followup_since(f)).days >= FOLLOWUP_EVERY_DAYS:
                flags.add(InternFlag.NO_FOLLOWUP)
    if status == Status.COMPLETED:
        if f.appraisal_copy_received is None:
            flags.add(InternFlag.APPRAISAL_MISSING)
        if f.employer_score is None or f.student_score is None:
            flags.add(InternFlag.EVALUATION_MISSING)
    return [fl for fl in FLAG_ORDER if fl in flags]


def followup_due(f: InternFacts) -> dt.date | None:
    """When the next follow-up is due (on-duty interns before their end date only)."""
    if Status(f.status) != Status.ON_DUTY:
        return None
    due = _followup_since(f) + dt.timedelta(days=FOLLOWUP_EVERY_DAYS)
    return due if due <= f.end_date else None


def days_done(f: InternFacts, today: dt.date) -> tuple[int, int]:
    """(days done, days in total) of the internship; both dates inclusive."""
    total = max((f.end_date - f.start_date).days + 1, 0)
    status = Status(f.status)
    if status in COMPLETED_STATUSES:
        end = min(f.completed_date or f.end_date, f.end_date)
        return max(min((end - f.start_date).days + 1, total), 0), total
    if status != Status.ON_DUTY:
        return 0, total
    start = max(f.on_duty_date or f.start_date, f.start_date)
    done = (min(today, f.end_date) - start).days + 1
    return max(min(done, total), 0), total


def flag_labels(flags: Iterable[InternFlag], lang: str = "zh") -> str:
    i = 1 if lang == "en" else 0
    return ("," if lang == "en" else "、").join(FLAG_LABELS[fl][i] for fl in flags)


# ------------------------------------------------------------ deadline ----


@dataclass(frozen=True)
class DeadlineView:
    """The withdrawal deadline as shown everywhere a request appears."""

    stamp_date: dt.date
    due: dt.date
    #: Working days from today to ``due``: 0 due today, < 0 overdue (days late).
    days_left: int
    #: Years without calendar data (Monday-Friday used); empty = exact.
    fallback_years: frozenset[int]
    #: Set when the request was submitted; then nothing is "left".
    submitted_date: dt.date | None = None

    @property
    def approximate(self) -> bool:
        return bool(self.fallback_years)

    @property
    def submitted(self) -> bool:
        return self.submitted_date is not None

    @property
    def overdue(self) -> bool:
        """Open and past the deadline."""
        return not self.submitted and self.days_left < 0

    @property
    def due_today(self) -> bool:
        return not self.submitted and self.days_left == 0

    @property
    def late(self) -> bool:
        """Submitted after the deadline."""
        return self.submitted_date is not None and self.submitted_date > self.due

    def left_text(self, lang: str = "zh") -> str:
        en = lang == "en"
        if self.submitted:
            if self.late:
                return "submitted late" if en else "逾期提交"
            return "submitted on time" if en else "按时提交"
        if self.days_left < 0:
            n = -self.days_left
            return f"overdue by {n} working day{'s' if n != 1 else ''}" if en else f"已逾期{n}个工作日"
        if self.days_left == 0:
            return "due today" if en else "今天到期"
        n = self.days_left
        return f"{n} working day{'s' if n != 1 else ''} left" if en else f"剩余{n}个工作日"

    def note(self, lang: str = "zh") -> str:
        """The visible fallback note; empty when the calendar data is complete."""
        return missing_calendar_note(self.fallback_years, lang)

    def text(self, lang: str = "zh") -> str:
        """One line: due date, days left, and the Mon-Fri mark when approximate."""
        mark = "*" if self.approximate else ""
        return (
            f"{self.due.isoformat()}{mark} ({self.left_text(lang)})"
            if lang == "en"
            else (f"{self.due.isoformat()}{mark}（{self.left_text(lang)}）")
        )


def missing_calendar_note(years: Iterable[int], lang: str = "zh") -> str:
    ys = sorted(set(years))
    if not ys:
        return ""
    if lang == "en":
        return (
            f"* Calendar data missing for {', '.join(map(str, ys))}: the deadline counts Monday-Friday only"
        )
    return f"* 缺少{'、'.join(map(str, ys))}年节假日数据：截止日期仅按周一至周五计算"


def deadline_view(
    calendar: WorkCalendar,
    stamp_date: dt.date,
    today: dt.date,
    submitted_date: dt.date | None = None,
) -> DeadlineView:
    d = calendar.withdrawal_deadline(stamp_date)
    # Counting the days left may also pass through a year without data.
    lo, hi = sorted((submitted_date or today, d.due))
    missing = set(d.fallback_years) | {
        y for y in range(lo.year, hi.year + 1) if lo != hi and not calendar.has_year(y)
    }
    # A submitted request: count from the submission (how early or late it was),
    # never across the months since.
    left = calendar.working_days_left(submitted_date or today, d.due)
    return DeadlineView(stamp_date, d.due, left, frozenset(missing), submitted_date)


# ------------------------------------------------------ input checks ----


def _err(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


def _check_intern(status: Status | str, zh: str, en: str) -> Status:
    st = Status(status)
    if st not in INTERN_STATUSES:
        raise _err("not_an_intern", zh, en)
    return st


def check_followup_channel(channel: str) -> None:
    if channel not in FOLLOWUP_CHANNELS:
        raise _err(
            "bad_channel",
            "跟踪方式须为：" + "、".join(FOLLOWUP_CHANNELS),
            "The channel must be one of: phone, visit, WeChat, other",
        )


def check_followup_staff(staff: str) -> None:
    check_text(staff, MAX_NAME, ("跟踪人员", "staff member"),
               _err("staff_required", "请填写跟踪人员", "Enter the staff member who followed up"))


def check_followup_note(note: str) -> None:
    check_text(note, MAX_NOTE, ("跟踪情况", "note"),
               _err("note_required", "请填写跟踪情况", "Enter a note on the follow-up"))


#: The lower bound of tracking dates (follow-ups, the appraisal copy).
START_DATE = ("实习开始日期", "start date of the internship")


def tracking_from(start_date: dt.date, on_duty_date: dt.date | None) -> dt.date:
    """The first day tracking dates may fall on: the start date, or the
    on-duty date when the intern went on duty earlier."""
    return min(start_date, on_duty_date) if on_duty_date is not None else start_date


def check_followup(
    status: Status | str, date: dt.date | None, channel: str, staff: str, note: str, today: dt.date,
    start_date: dt.date | None = None,
) -> None:
    """A follow-up (跟踪记录) for an intern: dated from the internship's start
    date (``start_date``) to today."""
    _check_intern(status, "只能为已审核通过的实习生添加跟踪记录", "Follow-ups can only be added for approved interns")
    if date is None:
        raise _err("date_required", "请填写跟踪日期", "Enter the date of the follow-up")
    check_not_future(date, today, ("跟踪日期", "follow-up date"))
    check_not_before(date, start_date, ("跟踪日期", "follow-up date"), START_DATE)
    check_followup_channel(channel)
    check_followup_staff(staff)
    check_followup_note(note)


def check_score(score: int | None, who: tuple[str, str]) -> None:
    if score is not None and not 0 <= score <= 100:
        raise _err(
            "bad_score",
            f"{who[0]}须为0至100的整数",
            f"The {who[1]} must be a whole number from 0 to 100",
        )


def parse_score(text: str, who: tuple[str, str]) -> int | None:
    """'' -> None (not entered); otherwise 0..100 or DomainError."""
    text = text.strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise _err(
            "bad_score", f"{who[0]}须为0至100的整数", f"The {who[1]} must be a whole number from 0 to 100"
        ) from None
    check_score(value, who)
    return value


#: The tracking fields appraisal (鉴定) needs.
APPRAISAL_FIELDS = frozenset({"appraisal_copy_received", "employer_score", "student_score"})

EMPLOYER_SCORE = ("单位评价", "employer's evaluation")
STUDENT_SCORE = ("学生评价", "student's evaluation")


def check_responsible_staff(name: str) -> None:
    """The username of the staff member responsible for an intern ('' clears it)."""
    check_text(name, MAX_STAFF_USERNAME, ("负责人", "responsible staff name"))


def check_any_change(fields: Collection[str]) -> None:
    """An update names at least one field."""
    if not fields:
        raise _err("nothing_to_change", "没有要修改的内容", "Nothing to change")


ON_DUTY_DATE = ("上岗日期", "on-duty date")


def on_duty_move(
    status: Status | str, role: Role | str, on_duty_date: dt.date, start_date: dt.date, end_date: dt.date
) -> Status:
    """Recording the day an intern went on duty (上岗日期): for an approved
    intern it is the move to on duty (checked as that move, for ``role``);
    for one on duty or later it corrects the date. The day lies within the
    position's dates. Returns the intern's status afterwards."""
    st = _check_intern(status, "只能为已审核通过的实习生登记上岗日期", "An on-duty date can only be set for approved interns")
    if not start_date <= on_duty_date <= end_date:
        raise _err(
            "on_duty_outside_position",
            f"上岗日期（{on_duty_date}）须在岗位起止日期之间（{start_date} 至 {end_date}）",
            f"The on-duty date ({on_duty_date}) must lie within the position's dates ({start_date} to {end_date})",
        )
    if st == Status.APPROVED:
        return check_transition(st, Action.ON_DUTY, acting_role(role, Action.ON_DUTY))
    return st


def check_tracking(
    status: Status | str,
    today: dt.date,
    *,
    on_duty_date: dt.date | None = None,
    insurance_recorded: bool | None = None,
    appraisal_copy_received: dt.date | None = None,
    employer_score: int | None = None,
    student_score: int | None = None,
    responsible_staff: str | None = None,
    start_date: dt.date | None = None,
    cleared: Collection[str] = (),
) -> None:
    """Tracking fields being set on one intern (only the given ones); the
    appraisal copy is received from the internship's ``start_date`` on.
    ``cleared``: the fields being emptied (an appraised intern keeps the
    appraisal copy and both evaluations)."""
    st = _check_intern(
        status, "只能为已审核通过的实习生记录跟踪信息", "Tracking fields can only be set for approved interns"
    )
    if st == Status.APPRAISED and set(cleared) & APPRAISAL_FIELDS:
        raise _err(
            "appraised",
            "已鉴定的实习生不能清除鉴定表或评价",
            "An appraised intern keeps the appraisal copy and both evaluations",
        )
    if on_duty_date is not None:
        check_not_future(on_duty_date, today, ON_DUTY_DATE)
        if st == Status.APPROVED:
            st = Status.ON_DUTY  # the fields after it see an intern on duty
    if insurance_recorded and st == Status.APPROVED:
        raise _err(
            "not_on_duty",
            "学生尚未上岗，不能登记保险",
            "The intern is not on duty yet; insurance cannot be recorded",
        )
    if appraisal_copy_received is not None:
        if st not in COMPLETED_STATUSES:
            raise _err(
                "not_completed",
                "实习完成后才能登记鉴定表",
                "The appraisal copy can only be recorded after the internship is completed",
            )
        what = ("鉴定表收到日期", "appraisal copy date")
        check_not_future(appraisal_copy_received, today, what)
        check_not_before(appraisal_copy_received, start_date, what, START_DATE)
    if employer_score is not None or student_score is not None:
        if st not in COMPLETED_STATUSES:
            raise _err(
                "not_completed",
                "实习完成后才能登记评价",
                "Evaluations can only be recorded after the internship is completed",
            )
        check_score(employer_score, EMPLOYER_SCORE)
        check_score(student_score, STUDENT_SCORE)
    if responsible_staff is not None:
        check_responsible_staff(responsible_staff)


def check_appraisal_ready(
    appraisal_copy_received: dt.date | None, employer_score: int | None, student_score: int | None
) -> None:
    """Appraisal (鉴定) needs the appraisal copy and both evaluations recorded."""
    missing = [
        (zh, en) for zh, en, v in (
            ("鉴定表收到日期", "appraisal copy received", appraisal_copy_received),
            (EMPLOYER_SCORE[0], EMPLOYER_SCORE[1], employer_score),
            (STUDENT_SCORE[0], STUDENT_SCORE[1], student_score),
        ) if v is None
    ]
    if missing:
        raise _err(
            "appraisal_incomplete",
            "鉴定前须录入：" + "、".join(z for z, _ in missing),
            "Before appraisal record: " + ", ".join(e for _, e in missing),
        )


def check_nomination_note(note: str) -> None:
    check_text(note, MAX_NOMINATION_NOTE, ("推荐理由", "note"),
               _err("note_required", "请填写推荐理由", "Enter a note for the nomination"))


def check_nomination(status: Status | str, already: bool, note: str) -> None:
    """Nominating an intern as excellent (优秀实习生)."""
    if Status(status) not in COMPLETED_STATUSES:
        raise _err(
            "not_completed",
            "只能推荐已完成实习的学生",
            "Only interns who completed their internship can be nominated",
        )
    if already:
        raise _err("already_nominated", "该实习生已被推荐", "This intern is already nominated")
    check_nomination_note(note)


#: Kinds staff may add by hand (WITHDREW is written automatically on submit,
#: EXCELLENT via a nomination; staff may still add them as corrections).
STAFF_KINDS: tuple[IntegrityKind, ...] = tuple(IntegrityKind)
_KINDS = frozenset(k.value for k in IntegrityKind)


def integrity_kind(kind: object) -> IntegrityKind:
    """The kind of a staff integrity entry, or ``bad_kind``."""
    if isinstance(kind, str) and kind in _KINDS:
        return IntegrityKind(kind)
    raise _err("bad_kind", f"未知记录类型：{kind}", f"Unknown kind: {kind}")


def check_integrity_note(note: str) -> None:
    check_text(note, MAX_NOTE, ("原因", "reason"), _err("reason_required", "请填写原因", "Enter a reason"))


def check_integrity_entry(kind: IntegrityKind | str, date: dt.date | None, note: str, today: dt.date) -> None:
    """A staff integrity entry: a kind, a date not in the future, and a reason."""
    integrity_kind(kind)
    if date is None:
        raise _err("date_required", "请填写日期", "Enter the date")
    check_not_future(date, today, ("记录日期", "entry date"))
    check_integrity_note(note)


def parse_date(text: str, what: tuple[str, str] = ("日期", "date")) -> dt.date:
    """YYYY-MM-DD (also YYYY/MM/DD, YYYYMMDD) or DomainError."""
    t = text.strip().replace("/", "-")
    if len(t) == 8 and t.isdigit():
        t = f"{t[:4]}-{t[4:6]}-{t[6:]}"
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        raise _err(
            "bad_date",
            f"{what[0]}格式应为 YYYY-MM-DD：{text!r}",
            f"The {what[1]} must be YYYY-MM-DD: {text!r}",
        ) from None
