"""Shared bits of the graduate-services screens: the words for codes (needs,
statuses, categories, flags...) and the one-line description of a session."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text

from zhumeng_tui.api_client.schemas import ServiceSession
from zhumeng_tui.domain.graduates import (
    EMPLOYMENT_LABELS,
    GRADUATE_FLAG_LABELS,
    NEED_LABELS,
    SESSION_LABELS,
    STAY_LABELS,
    EmploymentStatus,
    GraduateFlag,
    NeedKind,
    SessionKind,
    StayIntent,
)
from zhumeng_tui.domain.hardship import (
    CASE_FLAG_LABELS,
    CASE_STATE_LABELS,
    CATEGORY_LABELS,
    CLOSE_LABELS,
    OFFICER_LABELS,
    OUTCOME_LABELS,
    SUBSIDY_LABELS,
    VISIT_CHANNEL_LABELS,
    CaseFlag,
    CaseState,
    Category,
    CloseReason,
    OfficerKind,
    SubsidyStep,
    VisitOutcome,
)
from zhumeng_tui.i18n import get_lang, tr_pair


def sep() -> str:
    return "、" if get_lang() == "zh" else ", "


def need_text(kind: NeedKind | str) -> str:
    return tr_pair(NEED_LABELS[NeedKind(kind)])


def employment_text(status: EmploymentStatus | str) -> str:
    return tr_pair(EMPLOYMENT_LABELS[EmploymentStatus(status)])


def stay_text(intent: StayIntent | str) -> str:
    return tr_pair(STAY_LABELS[StayIntent(intent)])


def session_kind_text(kind: SessionKind | str) -> str:
    return tr_pair(SESSION_LABELS[SessionKind(kind)])


def category_text(category: Category | str) -> str:
    return tr_pair(CATEGORY_LABELS[Category(category)])


def categories_text(categories: Iterable[Category | str]) -> str:
    return sep().join(category_text(c) for c in categories)


def case_state_text(state: CaseState | str) -> str:
    return tr_pair(CASE_STATE_LABELS[CaseState(state)])


def officer_kind_text(kind: OfficerKind | str) -> str:
    return tr_pair(OFFICER_LABELS[OfficerKind(kind)])


def outcome_text(outcome: VisitOutcome | str) -> str:
    return tr_pair(OUTCOME_LABELS[VisitOutcome(outcome)])


def channel_text(channel: str) -> str:
    return tr_pair(VISIT_CHANNEL_LABELS.get(channel, (channel, channel)))


def subsidy_text(step: SubsidyStep | str | None) -> str:
    return tr_pair(SUBSIDY_LABELS[SubsidyStep(step)]) if step else ""


def close_text(reason: CloseReason | str) -> str:
    return tr_pair(CLOSE_LABELS[CloseReason(reason)])


def case_flags_text(flags: Iterable[CaseFlag]) -> Text:
    """The flags of a case in words, bold (NO_COLOR keeps them readable)."""
    return Text(sep().join(tr_pair(CASE_FLAG_LABELS[f]) for f in flags), style="bold yellow")


def graduate_flags_text(flags: Iterable[GraduateFlag]) -> Text:
    return Text(sep().join(tr_pair(GRADUATE_FLAG_LABELS[f]) for f in flags), style="bold yellow")


def session_line(s: ServiceSession) -> str:
    """``2026-03-05 讲座 求职技巧（就业指导）``."""
    return f"{s.date} {session_kind_text(s.kind)} {s.title}（{need_text(s.serves)}）" if get_lang() == "zh" else (
        f"{s.date} {session_kind_text(s.kind)} {s.title} ({need_text(s.serves)})")
