"""The hardship ledger (困难毕业生台账): a case per graduate from a family in
hardship, with a responsible officer, a one-to-one plan (分类帮扶计划), dated
visits (回访), the job-seeking subsidy (求职创业补贴: applied -> approved ->
paid) and how the case ends.

A case stays open until the graduate is employed, continues study, enlists or
starts a business (each a closing reason that must match the graduate's
employment status), or is closed with a written reason. The flags say which
open cases need attention today (:func:`case_flags`).

Pure: the server and the client call the same checks; an imported row is
checked as the form that makes the same change is (:func:`parse_category`
takes the labels a spreadsheet uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    EMPLOYED,
    EmploymentStatus,
    Label,
    unemployed_near_graduation,
)
from zhumeng_tui.domain.inputs import check_in_range, check_not_future, check_text

#: An open case without a visit for this many days is flagged.
VISIT_EVERY_DAYS = 30
#: A subsidy applied for and not paid this many days later is flagged.
SUBSIDY_WAIT_DAYS = 30
MAX_NOTE = 2000
MAX_CATEGORY_NOTE = 200
MAX_MEASURES = 2000
MAX_OFFICER = 64
#: The largest subsidy (元) a case records: a larger figure is a typo.
MAX_SUBSIDY = 100_000


def _err(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


# ---------------------------------------------------------- categories ----


class Category(StrEnum):
    POVERTY = "poverty"  # 脱贫家庭
    ZERO_EMPLOYMENT = "zero_employment"  # 零就业家庭
    DISABILITY = "disability"  # 残疾（家庭成员或本人）
    SPECIAL = "special"  # 特殊困难


CATEGORY_LABELS: dict[Category, Label] = {
    Category.POVERTY: ("脱贫家庭", "Lifted out of poverty"),
    Category.ZERO_EMPLOYMENT: ("零就业家庭", "Zero-employment family"),
    Category.DISABILITY: ("残疾", "Disability"),
    Category.SPECIAL: ("特殊困难", "Special hardship"),
}


def parse_category(value: object) -> Category:
    if isinstance(value, str):
        text = value.strip()
        for c, (zh, en) in CATEGORY_LABELS.items():
            if text in (c.value, zh) or text.lower() == en.lower() or (len(text) >= 2 and zh.startswith(text)):
                return c
    raise _err("bad_category", f"未知的困难类别：{value}（可选：脱贫家庭、零就业家庭、残疾、特殊困难）",
               f"Unknown hardship category: {value} (one of: poverty, zero-employment, disability, special)")


@dataclass(frozen=True)
class CategoryEntry:
    """One category that applies, with its note (required for 特殊困难: which hardship)."""

    category: Category
    note: str = ""


def check_categories(entries: Sequence[CategoryEntry]) -> list[CategoryEntry]:
    """At least one category, each once, in their fixed order; a note for 特殊困难."""
    if not entries:
        raise _err("category_required", "请至少选择一个困难类别", "Choose at least one hardship category")
    seen: dict[Category, CategoryEntry] = {}
    for e in entries:
        c = parse_category(e.category)
        if c in seen:
            raise _err("duplicate_category", f"困难类别重复：{CATEGORY_LABELS[c][0]}",
                       f"Category given twice: {CATEGORY_LABELS[c][1]}")
        note = e.note.strip()
        check_text(note, MAX_CATEGORY_NOTE, ("类别说明", "category note"))
        if c == Category.SPECIAL and not note:
            raise _err("note_required", "“特殊困难”须说明具体困难", "Say what the special hardship is")
        seen[c] = CategoryEntry(c, note)
    return [seen[c] for c in Category if c in seen]


# ------------------------------------------------------------- officer ----


class OfficerKind(StrEnum):
    EMPLOYMENT = "employment"  # 就业服务专员
    TALENT = "talent"  # 人才服务专员


OFFICER_LABELS: dict[OfficerKind, Label] = {
    OfficerKind.EMPLOYMENT: ("就业服务专员", "Employment officer"),
    OfficerKind.TALENT: ("人才服务专员", "Talent officer"),
}


def officer_kind(value: object) -> OfficerKind:
    if isinstance(value, str):
        for k, (zh, en) in OFFICER_LABELS.items():
            if value.strip() in (k.value, zh) or value.strip().lower() == en.lower():
                return k
    raise _err("bad_officer_kind", "专员类别须为：就业服务专员或人才服务专员",
               "The officer must be an employment officer or a talent officer")


def check_officer(username: str) -> None:
    """The username of the responsible officer (a staff account of the case's
    university: the server checks that against its accounts)."""
    check_text(username, MAX_OFFICER, ("帮扶专员", "officer"),
               _err("officer_required", "请选择帮扶专员", "Choose the responsible officer"))


# ---------------------------------------------------------------- plan ----


def check_plan(measures: str, target_date: dt.date | None, opened_on: dt.date) -> None:
    """The one-to-one plan: its measures and a target date not before the case opened."""
    check_text(measures, MAX_MEASURES, ("帮扶措施", "measures"),
               _err("measures_required", "请填写帮扶措施", "Enter the measures of the plan"))
    if target_date is None:
        raise _err("date_required", "请填写计划目标日期", "Enter the target date of the plan")
    check_in_range(target_date, ("目标日期", "target date"))
    if target_date < opened_on:
        raise _err("date_before_opened", f"目标日期（{target_date}）不能早于建档日期（{opened_on}）",
                   f"The target date ({target_date}) cannot be before the case was opened ({opened_on})")


# -------------------------------------------------------------- visits ----

VISIT_CHANNELS: tuple[str, ...] = ("电话", "微信", "面谈", "走访", "其他")
VISIT_CHANNEL_LABELS: dict[str, Label] = {
    "电话": ("电话", "Phone"),
    "微信": ("微信", "WeChat"),
    "面谈": ("面谈", "In person"),
    "走访": ("走访", "Home visit"),
    "其他": ("其他", "Other"),
}


class VisitOutcome(StrEnum):
    CONTINUE = "continue"  # 继续帮扶
    JOB_RECOMMENDED = "job_recommended"  # 已推荐岗位
    INTERVIEWING = "interviewing"  # 参加面试
    OFFER = "offer"  # 已获录用
    UNREACHABLE = "unreachable"  # 未联系上


OUTCOME_LABELS: dict[VisitOutcome, Label] = {
    VisitOutcome.CONTINUE: ("继续帮扶", "Continue"),
    VisitOutcome.JOB_RECOMMENDED: ("已推荐岗位", "Jobs recommended"),
    VisitOutcome.INTERVIEWING: ("参加面试", "Interviewing"),
    VisitOutcome.OFFER: ("已获录用", "Offer received"),
    VisitOutcome.UNREACHABLE: ("未联系上", "Not reached"),
}


def check_visit_channel(channel: str) -> None:
    if channel not in VISIT_CHANNELS:
        raise _err("bad_channel", "回访方式须为：" + "、".join(VISIT_CHANNELS),
                   "The channel must be one of: phone, WeChat, in person, home visit, other")


def visit_outcome(value: object) -> VisitOutcome:
    if isinstance(value, str):
        for o, (zh, en) in OUTCOME_LABELS.items():
            if value.strip() in (o.value, zh) or value.strip().lower() == en.lower():
                return o
    raise _err("bad_outcome", "回访结果须为：" + "、".join(zh for zh, _ in OUTCOME_LABELS.values()),
               "The outcome must be one of: " + ", ".join(en.lower() for _, en in OUTCOME_LABELS.values()))


def check_visit_note(note: str) -> None:
    check_text(note, MAX_NOTE, ("回访情况", "note"), _err("note_required", "请填写回访情况", "Enter a note on the visit"))


def check_visit(date: dt.date | None, channel: str, note: str, outcome: object, opened_on: dt.date,
                today: dt.date) -> VisitOutcome:
    """A visit (回访): dated between the opening of the case and today, with a
    channel, a note and an outcome."""
    if date is None:
        raise _err("date_required", "请填写回访日期", "Enter the date of the visit")
    check_not_future(date, today, ("回访日期", "visit date"))
    if date < opened_on:
        raise _err("date_before_opened", f"回访日期（{date}）不能早于建档日期（{opened_on}）",
                   f"The visit ({date}) cannot be before the case was opened ({opened_on})")
    check_visit_channel(channel)
    check_visit_note(note)
    return visit_outcome(outcome)


# ------------------------------------------------------------- subsidy ----


class SubsidyStep(StrEnum):
    APPLIED = "applied"  # 已申请
    APPROVED = "approved"  # 已审批
    PAID = "paid"  # 已发放


SUBSIDY_LABELS: dict[SubsidyStep, Label] = {
    SubsidyStep.APPLIED: ("已申请", "Applied"),
    SubsidyStep.APPROVED: ("已审批", "Approved"),
    SubsidyStep.PAID: ("已发放", "Paid"),
}
SUBSIDY_ORDER: tuple[SubsidyStep, ...] = tuple(SubsidyStep)


@dataclass(frozen=True)
class SubsidyFacts:
    """The subsidy so far: the date of each step done."""

    applied_on: dt.date | None = None
    approved_on: dt.date | None = None
    paid_on: dt.date | None = None

    def date_of(self, step: SubsidyStep) -> dt.date | None:
        return {SubsidyStep.APPLIED: self.applied_on, SubsidyStep.APPROVED: self.approved_on,
                SubsidyStep.PAID: self.paid_on}[step]

    @property
    def state(self) -> SubsidyStep | None:
        """The last step done (None: not applied for)."""
        done = [s for s in SUBSIDY_ORDER if self.date_of(s) is not None]
        return done[-1] if done else None

    @property
    def next_step(self) -> SubsidyStep | None:
        st = self.state
        if st is None:
            return SubsidyStep.APPLIED
        i = SUBSIDY_ORDER.index(st)
        return SUBSIDY_ORDER[i + 1] if i + 1 < len(SUBSIDY_ORDER) else None


def subsidy_step(value: object) -> SubsidyStep:
    if isinstance(value, str):
        for s, (zh, en) in SUBSIDY_LABELS.items():
            if value.strip() in (s.value, zh) or value.strip().lower() == en.lower():
                return s
    raise _err("bad_step", f"未知的补贴步骤：{value}", f"Unknown subsidy step: {value}")


def check_amount(amount: int | None) -> None:
    if amount is None or not 1 <= amount <= MAX_SUBSIDY:
        raise _err("bad_amount", f"补贴金额须为1至{MAX_SUBSIDY}元的整数",
                   f"The amount must be a whole number of yuan from 1 to {MAX_SUBSIDY}")


def check_subsidy_step(facts: SubsidyFacts, step: object, date: dt.date | None, amount: int | None,
                       case_open: bool, opened_on: dt.date, today: dt.date) -> SubsidyStep:
    """The next step of the subsidy, in order, each dated on or after the one
    before (never paid before approved) and not in the future. The
    application gives the amount; the approval may state the approved one.
    A closed case takes no new application (one made before may still be
    approved and paid)."""
    st = subsidy_step(step)
    expected = facts.next_step
    zh, en = SUBSIDY_LABELS[st]
    if expected is None:
        raise _err("subsidy_done", "补贴已发放，没有后续步骤", "The subsidy has been paid; there is no further step")
    if st != expected:
        e_zh, e_en = SUBSIDY_LABELS[expected]
        raise _err("step_out_of_order", f"请先记录“{e_zh}”，再记录“{zh}”", f"Record '{e_en}' before '{en}'")
    if st == SubsidyStep.APPLIED and not case_open:
        raise _err("case_closed", "帮扶已结案，不能再申请补贴", "The case is closed; no new subsidy application")
    if date is None:
        raise _err("date_required", f"请填写“{zh}”的日期", f"Enter the date of '{en}'")
    check_not_future(date, today, (f"“{zh}”的日期", f"date of '{en}'"))
    i = SUBSIDY_ORDER.index(st)
    if i == 0:
        if date < opened_on:
            raise _err("date_before_opened", f"申请日期（{date}）不能早于建档日期（{opened_on}）",
                       f"The application ({date}) cannot be before the case was opened ({opened_on})")
        check_amount(amount)
    else:
        before = SUBSIDY_ORDER[i - 1]
        b_date = facts.date_of(before)
        assert b_date is not None
        if date < b_date:
            b_zh, b_en = SUBSIDY_LABELS[before]
            raise _err("date_before_previous_step", f"“{zh}”的日期（{date}）不能早于“{b_zh}”（{b_date}）",
                       f"The date of '{en}' ({date}) cannot be before '{b_en}' ({b_date})")
        if amount is not None:
            if st != SubsidyStep.APPROVED:
                raise _err("amount_not_here", "金额在申请或审批时填写", "The amount is given when applying or approving")
            check_amount(amount)
    return st


# --------------------------------------------------------------- cases ----


class CaseState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


CASE_STATE_LABELS: dict[CaseState, Label] = {
    CaseState.OPEN: ("帮扶中", "Open"),
    CaseState.CLOSED: ("已结案", "Closed"),
}


class CloseReason(StrEnum):
    EMPLOYED = "employed"  # 已就业
    FURTHER_STUDY = "further_study"  # 升学
    ENLISTED = "enlisted"  # 参军
    ENTREPRENEUR = "entrepreneur"  # 自主创业
    OTHER = "other"  # 其他（须写明原因）


CLOSE_LABELS: dict[CloseReason, Label] = {
    CloseReason.EMPLOYED: ("已就业", "Employed"),
    CloseReason.FURTHER_STUDY: ("升学", "Further study"),
    CloseReason.ENLISTED: ("参军", "Enlisted"),
    CloseReason.ENTREPRENEUR: ("自主创业", "Own business"),
    CloseReason.OTHER: ("其他（写明原因）", "Other (written reason)"),
}

#: The employment statuses each closing reason stands for.
_CLOSES: dict[CloseReason, frozenset[EmploymentStatus]] = {
    CloseReason.EMPLOYED: EMPLOYED,
    CloseReason.FURTHER_STUDY: frozenset({EmploymentStatus.FURTHER_STUDY}),
    CloseReason.ENLISTED: frozenset({EmploymentStatus.ENLISTED}),
    CloseReason.ENTREPRENEUR: frozenset({EmploymentStatus.ENTREPRENEUR}),
}


def close_reason_for(status: EmploymentStatus | str) -> CloseReason | None:
    """The reason that closes a case of a graduate with this status (None: none does)."""
    for reason, statuses in _CLOSES.items():
        if EmploymentStatus(status) in statuses:
            return reason
    return None


def close_reason(value: object) -> CloseReason:
    if isinstance(value, str):
        for r, (zh, en) in CLOSE_LABELS.items():
            if value.strip() in (r.value, zh) or value.strip().lower() == en.lower():
                return r
    raise _err("bad_reason", f"未知的结案原因：{value}", f"Unknown reason for closing: {value}")


def check_open_state(state: CaseState | str) -> None:
    if CaseState(state) != CaseState.OPEN:
        raise _err("case_closed", "该帮扶已结案，不能再修改", "The case is closed; it cannot be changed")


def check_close(state: CaseState | str, reason: object, note: str, status: EmploymentStatus | str) -> CloseReason:
    """Closing an open case: a reason that matches the graduate's employment
    status (employed, further study, enlisted, own business), or ``other``
    with a written reason."""
    check_open_state(state)
    r = close_reason(reason)
    check_text(note, MAX_NOTE, ("结案说明", "note"))
    if r == CloseReason.OTHER:
        if not note.strip():
            raise _err("reason_required", "以“其他”结案须写明原因", "Closing for another reason needs a written reason")
        return r
    if EmploymentStatus(status) not in _CLOSES[r]:
        zh, en = CLOSE_LABELS[r]
        raise _err("status_mismatch", f"毕业生的就业状态不是“{zh}”：请先登记就业状态，或以“其他”结案并写明原因",
                   f"The graduate's employment status is not '{en}': record it first, or close for another"
                   " reason with a written reason")
    return r


def check_new_case(has_open_case: bool) -> None:
    if has_open_case:
        raise _err("case_exists", "该毕业生已有未结案的帮扶记录", "This graduate already has an open case")


# --------------------------------------------------------------- flags ----


class CaseFlag(StrEnum):
    NO_PLAN = "no_plan"  # open, no one-to-one plan
    NO_VISIT = "no_visit"  # open, no visit for 30 days
    PLAN_OVERDUE = "plan_overdue"  # open, the plan's target date has passed
    UNEMPLOYED = "unemployed"  # open, not employed within 60 days of graduation
    SUBSIDY_WAITING = "subsidy_waiting"  # applied for, not paid 30 days later


CASE_FLAG_LABELS: dict[CaseFlag, Label] = {
    CaseFlag.NO_PLAN: ("无帮扶计划", "No plan"),
    CaseFlag.NO_VISIT: ("超30天未回访", "No visit 30d"),
    CaseFlag.PLAN_OVERDUE: ("计划已逾期", "Plan overdue"),
    CaseFlag.UNEMPLOYED: ("临近毕业未就业", "Unemployed near graduation"),
    CaseFlag.SUBSIDY_WAITING: ("补贴超30天未发放", "Subsidy unpaid 30d"),
}


@dataclass(frozen=True)
class CaseFacts:
    """What the flags need to know about a case and its graduate."""

    state: CaseState
    opened_on: dt.date
    graduation_date: dt.date
    employment_status: EmploymentStatus
    plan_target: dt.date | None = None
    has_plan: bool = False
    last_visit: dt.date | None = None
    subsidy: SubsidyFacts = SubsidyFacts()


def days_since_visit(facts: CaseFacts, today: dt.date) -> int:
    """Days since the last visit (or since the case was opened)."""
    return (today - (facts.last_visit or facts.opened_on)).days


def case_flags(f: CaseFacts, today: dt.date) -> list[CaseFlag]:
    """The flags of one case on ``today``, in their fixed order."""
    flags: set[CaseFlag] = set()
    if CaseState(f.state) == CaseState.OPEN:
        if not f.has_plan:
            flags.add(CaseFlag.NO_PLAN)
        elif f.plan_target is not None and today > f.plan_target:
            flags.add(CaseFlag.PLAN_OVERDUE)
        if days_since_visit(f, today) >= VISIT_EVERY_DAYS:
            flags.add(CaseFlag.NO_VISIT)
        if unemployed_near_graduation(f.employment_status, f.graduation_date, today):
            flags.add(CaseFlag.UNEMPLOYED)
    s = f.subsidy
    if s.applied_on is not None and s.paid_on is None and (today - s.applied_on).days >= SUBSIDY_WAIT_DAYS:
        flags.add(CaseFlag.SUBSIDY_WAITING)
    return [fl for fl in CaseFlag if fl in flags]


def flag_text(flags: Iterable[CaseFlag], lang: str = "zh") -> str:
    i = 1 if lang == "en" else 0
    return ("," if lang == "en" else "、").join(CASE_FLAG_LABELS[f][i] for f in flags)
