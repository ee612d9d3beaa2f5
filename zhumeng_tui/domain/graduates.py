"""Graduate services (公共就业服务进校园): the graduating cohort, what each
graduate asked for (服务需求清单), their employment status, the service
sessions run for them and who attended.

Pure: values in, errors or answers out. The server checks every change with
these functions and the client checks the same before it queues one, so a
refusal reads the same on both sides; an imported spreadsheet row is checked
by the same functions as the form that makes the same change
(:func:`parse_need`, :func:`parse_stay_intent` and :func:`parse_employment`
take the Chinese labels a survey export uses as well as the codes).

The rule of coverage lives here once (:func:`served_needs`): a need is
served when the graduate attended at least one session that serves that
kind of need. The cache answers it in SQL with the same definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.inputs import check_in_range, check_not_future, check_text

#: Graduates still without a job this many days before their graduation date
#: (and any time after it) are flagged.
UNEMPLOYED_WARNING_DAYS = 60
MAX_CITIES = 10
MAX_CITY = 20
MAX_SKILLS = 30
MAX_SKILL = 30
MAX_TITLE = 100
MAX_PROVIDER = 100
MAX_PLACE = 100
#: The most graduates one attendance request names.
MAX_ATTENDEES = 5000

Label = tuple[str, str]
E = TypeVar("E", bound=StrEnum)


def _err(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


def _parse(labels: Mapping[E, Label], value: object) -> E | None:
    """The member named by its code or by either of its labels (case and
    surrounding space ignored), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    for member, (zh, en) in labels.items():
        if text in (member.value, zh) or text.lower() == en.lower():
            return member
    return None


def _choices(labels: Mapping[E, Label]) -> tuple[str, str]:
    return "、".join(zh for zh, _ in labels.values()), ", ".join(en for _, en in labels.values())


# ------------------------------------------------------------ needs ----


class NeedKind(StrEnum):
    """A service a graduate asks for (服务需求)."""

    GUIDANCE = "guidance"  # 就业指导
    ENTREPRENEURSHIP = "entrepreneurship"  # 创业指导
    TRAINING = "training"  # 职业技能培训
    SUBSIDY = "subsidy"  # 求职创业补贴
    POLICY = "policy"  # 政策咨询


NEED_LABELS: dict[NeedKind, Label] = {
    NeedKind.GUIDANCE: ("就业指导", "Career guidance"),
    NeedKind.ENTREPRENEURSHIP: ("创业指导", "Entrepreneurship guidance"),
    NeedKind.TRAINING: ("职业技能培训", "Skills training"),
    NeedKind.SUBSIDY: ("求职创业补贴", "Job-seeking subsidy"),
    NeedKind.POLICY: ("政策咨询", "Policy advice"),
}


class NeedSource(StrEnum):
    """How a need was recorded."""

    STAFF = "staff"  # entered by staff
    SURVEY = "survey"  # imported from a survey export


NEED_SOURCE_LABELS: dict[NeedSource, Label] = {
    NeedSource.STAFF: ("工作人员录入", "Staff"),
    NeedSource.SURVEY: ("问卷导入", "Survey import"),
}


def parse_need(value: object) -> NeedKind:
    """A need by its code or its label (``就业指导``, ``guidance``), or ``bad_need``."""
    found = _parse(NEED_LABELS, value)
    if found is None:
        zh, en = _choices(NEED_LABELS)
        raise _err("bad_need", f"未知的服务需求：{value}（可选：{zh}）", f"Unknown service need: {value} (one of: {en})")
    return found


def check_needs(needs: Iterable[object]) -> list[NeedKind]:
    """Every need known; returned in their fixed order, each once."""
    given = {parse_need(n) for n in needs}
    return [k for k in NeedKind if k in given]


@dataclass(frozen=True)
class NeedEntry:
    """One need of a graduate, with when, how and by whom it was recorded."""

    kind: NeedKind
    recorded_on: dt.date
    source: NeedSource
    by: str


def merge_needs(current: Sequence[NeedEntry], kinds: Iterable[object], source: NeedSource, today: dt.date,
                by: str) -> list[NeedEntry]:
    """The needs after setting them to ``kinds``: a need kept keeps when and how
    it was first recorded, a new one is recorded today (in their fixed order)."""
    keep = {e.kind: e for e in current}
    return [keep.get(k) or NeedEntry(k, today, source, by) for k in check_needs(kinds)]


def need_source(value: object) -> NeedSource:
    found = _parse(NEED_SOURCE_LABELS, value)
    if found is None:
        raise _err("bad_source", f"未知的需求来源：{value}", f"Unknown source of a need: {value}")
    return found


# ------------------------------------------------------------- intent ----


class StayIntent(StrEnum):
    """留省意愿: does the graduate mean to stay in the province?"""

    YES = "yes"
    NO = "no"
    UNDECIDED = "undecided"


STAY_LABELS: dict[StayIntent, Label] = {
    StayIntent.YES: ("愿意留省", "Stay"),
    StayIntent.NO: ("不留省", "Leave"),
    StayIntent.UNDECIDED: ("未定", "Undecided"),
}

#: What a survey writes for each answer, beyond the labels.
_STAY_WORDS: dict[str, StayIntent] = {"是": StayIntent.YES, "否": StayIntent.NO, "愿意": StayIntent.YES,
                                      "不愿意": StayIntent.NO, "待定": StayIntent.UNDECIDED}


def parse_stay_intent(value: object) -> StayIntent:
    if isinstance(value, str) and value.strip() in _STAY_WORDS:
        return _STAY_WORDS[value.strip()]
    found = _parse(STAY_LABELS, value)
    if found is None:
        raise _err("bad_stay_intent", f"留省意愿须为：是、否或未定（{value}）",
                   f"The intent to stay must be yes, no or undecided ({value})")
    return found


def check_cities(cities: Sequence[str]) -> list[str]:
    """Preferred cities: each filled in and short, at most ``MAX_CITIES``; blanks
    and repeats dropped."""
    out: list[str] = []
    for c in cities:
        c = c.strip()
        if not c or c in out:
            continue
        check_text(c, MAX_CITY, ("意向城市", "preferred city"))
        out.append(c)
    if len(out) > MAX_CITIES:
        raise _err("too_many", f"意向城市最多{MAX_CITIES}个", f"At most {MAX_CITIES} preferred cities")
    return out


def check_skills(skills: Sequence[str]) -> list[str]:
    """Skills (tags): each short, at most ``MAX_SKILLS``; blanks and repeats dropped."""
    out: list[str] = []
    for s in skills:
        s = s.strip()
        if not s or s in out:
            continue
        check_text(s, MAX_SKILL, ("技能", "skill"))
        out.append(s)
    if len(out) > MAX_SKILLS:
        raise _err("too_many", f"技能最多{MAX_SKILLS}项", f"At most {MAX_SKILLS} skills")
    return out


def split_list(text: str) -> list[str]:
    """A list typed in one box (or a spreadsheet cell): separated by commas,
    顿号, semicolons, slashes or spaces."""
    for sep in ("，", "、", "；", ";", "/", "|", "\n", " "):
        text = text.replace(sep, ",")
    return [p.strip() for p in text.split(",") if p.strip()]


# ---------------------------------------------------------- employment ----


class EmploymentStatus(StrEnum):
    UNEMPLOYED = "unemployed"  # 未就业
    SIGNED = "signed"  # 已就业：签约（就业协议）
    CONTRACT = "contract"  # 已就业：劳动合同
    FLEXIBLE = "flexible"  # 已就业：灵活就业
    FURTHER_STUDY = "further_study"  # 升学
    ABROAD = "abroad"  # 出国
    ENLISTED = "enlisted"  # 参军
    ENTREPRENEUR = "entrepreneur"  # 自主创业
    NOT_SEEKING = "not_seeking"  # 暂不就业


EMPLOYMENT_LABELS: dict[EmploymentStatus, Label] = {
    EmploymentStatus.UNEMPLOYED: ("未就业", "Not employed"),
    EmploymentStatus.SIGNED: ("已就业·签约", "Employed: signed"),
    EmploymentStatus.CONTRACT: ("已就业·劳动合同", "Employed: contract"),
    EmploymentStatus.FLEXIBLE: ("已就业·灵活就业", "Employed: flexible"),
    EmploymentStatus.FURTHER_STUDY: ("升学", "Further study"),
    EmploymentStatus.ABROAD: ("出国", "Abroad"),
    EmploymentStatus.ENLISTED: ("参军", "Enlisted"),
    EmploymentStatus.ENTREPRENEUR: ("自主创业", "Own business"),
    EmploymentStatus.NOT_SEEKING: ("暂不就业", "Not seeking"),
}

#: The three kinds of 已就业.
EMPLOYED: frozenset[EmploymentStatus] = frozenset(
    {EmploymentStatus.SIGNED, EmploymentStatus.CONTRACT, EmploymentStatus.FLEXIBLE}
)


def parse_employment(value: object) -> EmploymentStatus:
    """A status by code or label (``签约`` and ``劳动合同`` and ``灵活就业`` alone too)."""
    if isinstance(value, str):
        for s in EMPLOYED:
            if value.strip() == EMPLOYMENT_LABELS[s][0].split("·")[1]:
                return s
    found = _parse(EMPLOYMENT_LABELS, value)
    if found is None:
        zh, en = _choices(EMPLOYMENT_LABELS)
        raise _err("bad_status", f"未知的就业状态：{value}（可选：{zh}）",
                   f"Unknown employment status: {value} (one of: {en})")
    return found


def check_employment(status: object, date: dt.date | None, today: dt.date) -> EmploymentStatus:
    """An employment status and the date it was reached (not in the future)."""
    st = parse_employment(status)
    if date is None:
        raise _err("date_required", "请填写就业状态的日期", "Enter the date of the employment status")
    check_not_future(date, today, ("就业状态日期", "date of the employment status"))
    return st


def check_graduation_date(date: dt.date, cohort: int) -> None:
    """A graduation date in the year of the graduate's cohort (届)."""
    check_in_range(date, ("毕业日期", "graduation date"))
    if date.year != cohort:
        raise _err("bad_graduation_date", f"毕业日期（{date}）须在{cohort}年内（{cohort}届）",
                   f"The graduation date ({date}) must be in {cohort} (the {cohort} cohort)")


def default_graduation_date(cohort: int) -> dt.date:
    """Graduates leave at the end of June unless a date is given."""
    return dt.date(cohort, 6, 30)


def unemployed_near_graduation(status: EmploymentStatus | str, graduation_date: dt.date, today: dt.date) -> bool:
    """Still without a job within ``UNEMPLOYED_WARNING_DAYS`` of graduating (or after)."""
    return (EmploymentStatus(status) == EmploymentStatus.UNEMPLOYED
            and (graduation_date - today).days <= UNEMPLOYED_WARNING_DAYS)


# ------------------------------------------------------------ sessions ----


class SessionKind(StrEnum):
    """The form of a service session."""

    LECTURE = "lecture"  # 讲座
    SEMINAR = "seminar"  # 座谈
    VISIT = "visit"  # 观摩
    COURSE = "course"  # 培训班
    CONSULTATION = "consultation"  # 一对一咨询
    STARTUP_TRAINING = "startup_training"  # 创业培训


SESSION_LABELS: dict[SessionKind, Label] = {
    SessionKind.LECTURE: ("讲座", "Lecture"),
    SessionKind.SEMINAR: ("座谈", "Seminar"),
    SessionKind.VISIT: ("观摩", "Site visit"),
    SessionKind.COURSE: ("培训班", "Course"),
    SessionKind.CONSULTATION: ("一对一咨询", "One-to-one"),
    SessionKind.STARTUP_TRAINING: ("创业培训", "Start-up training"),
}

#: The need a session of each kind usually serves (the form's default).
USUAL_NEED: dict[SessionKind, NeedKind] = {
    SessionKind.LECTURE: NeedKind.GUIDANCE,
    SessionKind.SEMINAR: NeedKind.GUIDANCE,
    SessionKind.VISIT: NeedKind.GUIDANCE,
    SessionKind.COURSE: NeedKind.TRAINING,
    SessionKind.CONSULTATION: NeedKind.POLICY,
    SessionKind.STARTUP_TRAINING: NeedKind.ENTREPRENEURSHIP,
}


def parse_session_kind(value: object) -> SessionKind:
    found = _parse(SESSION_LABELS, value)
    if found is None:
        zh, en = _choices(SESSION_LABELS)
        raise _err("bad_session_kind", f"未知的活动形式：{value}（可选：{zh}）",
                   f"Unknown kind of session: {value} (one of: {en})")
    return found


def check_session_title(title: str) -> None:
    check_text(title, MAX_TITLE, ("活动主题", "title"), _err("title_required", "请填写活动主题", "Enter the title"))


def check_session_provider(provider: str) -> None:
    check_text(provider, MAX_PROVIDER, ("主讲/提供方", "provider"),
               _err("provider_required", "请填写主讲人或提供方", "Enter who provides the session"))


def check_session_place(place: str) -> None:
    check_text(place, MAX_PLACE, ("地点", "place"), _err("place_required", "请填写地点", "Enter the place"))


def check_session(kind: object, serves: object, title: str, date: dt.date | None, provider: str,
                  place: str) -> tuple[SessionKind, NeedKind]:
    """A new session: its kind, the need it serves, a title, a date (a planned
    session may lie ahead), who provides it and where."""
    k = parse_session_kind(kind)
    need = parse_need(serves)
    check_session_title(title)
    if date is None:
        raise _err("date_required", "请填写活动日期", "Enter the date of the session")
    check_in_range(date, ("活动日期", "session date"))
    check_session_provider(provider)
    check_session_place(place)
    return k, need


def check_attendance(session_date: dt.date, graduate_ids: Sequence[int], today: dt.date) -> None:
    """Attendance is recorded for a session that has taken place, for a few
    graduates at a time."""
    if session_date > today:
        raise _err("session_not_held", f"活动（{session_date}）尚未举行，不能登记签到",
                   f"The session ({session_date}) has not taken place yet; attendance cannot be recorded")
    if not graduate_ids:
        raise _err("nobody", "请选择参加活动的毕业生", "Choose the graduates who attended")
    if len(graduate_ids) > MAX_ATTENDEES:
        raise _err("too_many", f"一次最多登记{MAX_ATTENDEES}人", f"At most {MAX_ATTENDEES} graduates at a time")


# ------------------------------------------------------------ coverage ----


def served_needs(needs: Iterable[NeedKind | str], attended: Iterable[NeedKind | str]) -> set[NeedKind]:
    """The needs that are served: those among ``needs`` that a session the
    graduate attended serves (``attended``: the need each of those sessions
    serves)."""
    return {NeedKind(n) for n in needs} & {NeedKind(a) for a in attended}


class GraduateFlag(StrEnum):
    UNSERVED = "unserved"  # a need nobody has served yet
    UNEMPLOYED = "unemployed"  # not employed within 60 days of graduation


GRADUATE_FLAG_LABELS: dict[GraduateFlag, Label] = {
    GraduateFlag.UNSERVED: ("需求未服务", "Need not served"),
    GraduateFlag.UNEMPLOYED: ("临近毕业未就业", "Not employed near graduation"),
}


def graduate_flags(needs: Iterable[NeedKind | str], attended: Iterable[NeedKind | str],
                   status: EmploymentStatus | str, graduation_date: dt.date, today: dt.date) -> list[GraduateFlag]:
    """The flags of one graduate on ``today``, in their fixed order."""
    needs = {NeedKind(n) for n in needs}
    flags = set()
    if needs - served_needs(needs, attended):
        flags.add(GraduateFlag.UNSERVED)
    if unemployed_near_graduation(status, graduation_date, today):
        flags.add(GraduateFlag.UNEMPLOYED)
    return [f for f in GraduateFlag if f in flags]
