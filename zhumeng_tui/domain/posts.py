"""Job posts (岗位信息), the recommendations made from them and the answers
graduates give to the posts pushed to them.

Pure: values in, errors or answers out. The server checks every post, push and
answer with these functions, and :func:`recommend` is the one ranking both the
server's recommendations endpoint and the client (offline, from its cache)
use, so the same data gives the same three posts with the same reasons.

The ranking (:func:`recommend`): only verified, unexpired posts with openings
that are open to the graduate's university; never a post the graduate turned
down or already holds. A post fits when its majors include the graduate's
major or one of the same discipline group (a post open to every major fits
when a skill matches), when the graduate's education meets the post's, and,
when the graduate named preferred cities, when it is in one of them. Fitting
posts are scored (major exact 200, same group 100, any major 0, so the major
ranks first; then 10 per matching skill up to 30; preferred city 20, or 10
for a graduate staying in the province without a city; education exactly as
asked 5) and picked best first (ties by id), three different employers where
possible.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import EMPLOYED, EmploymentStatus, StayIntent, _parse
from zhumeng_tui.domain.inputs import check_in_range, check_not_future, check_text
from zhumeng_tui.domain.status import Role

Label = tuple[str, str]

#: How many posts a graduate is recommended.
PICKS = 3
MAX_EMPLOYER = 100
MAX_POST_TITLE = 100
MAX_CATEGORY = 20
MAX_POST_CITY = 20
MAX_MAJORS = 20
MAX_MAJOR = 50
MAX_POST_SKILLS = 20
MAX_OPENINGS = 10000
MAX_SALARY = 1_000_000
#: The most graduates one push names.
MAX_PUSH = 5000

# weights of the ranking (see the module's docstring): the major's tiers lie
# further apart than everything else adds up to (at most 55)
W_MAJOR, W_GROUP, W_ANY_MAJOR = 200, 100, 0
W_SKILL, W_SKILLS_MAX = 10, 30
W_CITY, W_STAY = 20, 10
W_EDUCATION = 5


def _err(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


# ------------------------------------------------------------- values ----


class PostSource(StrEnum):
    """Where a post comes from."""

    HRSS = "hrss"  # 人社归集
    CAMPUS = "campus"  # 校园招聘
    EMPLOYER = "employer"  # 用人单位自报


SOURCE_LABELS: dict[PostSource, Label] = {
    PostSource.HRSS: ("人社归集", "HR bureau"),
    PostSource.CAMPUS: ("校园招聘", "Campus recruitment"),
    PostSource.EMPLOYER: ("用人单位自报", "Employer"),
}


class Education(StrEnum):
    """The education a post asks for (学历要求), lowest first."""

    ANY = "any"  # 不限
    JUNIOR = "junior"  # 专科
    BACHELOR = "bachelor"  # 本科
    MASTER = "master"  # 硕士
    DOCTOR = "doctor"  # 博士


EDUCATION_LABELS: dict[Education, Label] = {
    Education.ANY: ("不限", "Any"),
    Education.JUNIOR: ("专科", "Junior college"),
    Education.BACHELOR: ("本科", "Bachelor"),
    Education.MASTER: ("硕士", "Master"),
    Education.DOCTOR: ("博士", "Doctorate"),
}
_EDU_RANK = {e: i for i, e in enumerate(Education)}


class Answer(StrEnum):
    """A graduate's answer to a pushed post."""

    INTERESTED = "interested"  # 感兴趣
    APPLIED = "applied"  # 已投递
    HIRED = "hired"  # 已录用
    UNSUITABLE = "unsuitable"  # 不合适


ANSWER_LABELS: dict[Answer, Label] = {
    Answer.INTERESTED: ("感兴趣", "Interested"),
    Answer.APPLIED: ("已投递", "Applied"),
    Answer.HIRED: ("已录用", "Hired"),
    Answer.UNSUITABLE: ("不合适", "Not suitable"),
}

#: Suggested categories (a post may name another).
CATEGORIES = ("技术研发", "财务会计", "市场销售", "行政文秘", "教育培训", "医疗护理", "工程建设", "生产制造",
              "法律事务", "文化传媒", "设计创意", "公共管理")

#: Discipline groups (学科门类): a major of the same group is a near fit.
DISCIPLINE_GROUPS: dict[str, tuple[str, ...]] = {
    "计算机类": ("计算机科学与技术", "软件工程", "网络工程", "数据科学与大数据技术", "信息安全", "人工智能"),
    "经济管理类": ("会计学", "财务管理", "市场营销", "国际经济与贸易", "工商管理", "人力资源管理", "金融学"),
    "外语类": ("英语", "日语", "翻译", "商务英语", "俄语", "法语"),
    "机械类": ("机械设计制造及其自动化", "车辆工程", "材料成型及控制工程", "机械电子工程"),
    "土木建筑类": ("土木工程", "建筑环境与能源应用工程", "工程管理", "建筑学", "给排水科学与工程"),
    "化学材料类": ("应用化学", "材料科学与工程", "高分子材料与工程", "化学工程与工艺"),
    "中文新闻类": ("汉语言文学", "新闻学", "广告学", "网络与新媒体"),
    "法学类": ("法学", "知识产权"),
    "医学类": ("护理学", "临床医学", "药学", "预防医学"),
    "艺术类": ("视觉传达设计", "环境设计", "音乐学", "数字媒体艺术"),
    "数学统计类": ("数学与应用数学", "统计学", "信息与计算科学"),
    "电气电子类": ("电气工程及其自动化", "自动化", "电子信息工程", "通信工程"),
}
_GROUP_OF: dict[str, str] = {major: g for g, majors in DISCIPLINE_GROUPS.items() for major in majors}


def discipline_of(major: str) -> str | None:
    """The discipline group of a major, or None for a major the table does not know."""
    return _GROUP_OF.get(major.strip())


def parse_source(value: object) -> PostSource:
    found = _parse(SOURCE_LABELS, value)
    if found is None:
        raise _err("bad_source", f"未知的岗位来源：{value}（可选：人社归集、校园招聘、用人单位自报）",
                   f"Unknown source of a post: {value} (one of: HR bureau, Campus recruitment, Employer)")
    return found


def parse_education(value: object) -> Education:
    """An education level by code or label (``本科``, ``bachelor``; blank: 不限)."""
    if isinstance(value, str) and value.strip() in ("", "学历不限", "大专"):
        return Education.JUNIOR if value.strip() == "大专" else Education.ANY
    found = _parse(EDUCATION_LABELS, value)
    if found is None:
        raise _err("bad_education", f"未知的学历要求：{value}（可选：不限、专科、本科、硕士、博士）",
                   f"Unknown education: {value} (one of: any, junior college, bachelor, master, doctorate)")
    return found


def education_of_degree(degree: str) -> Education:
    """A student's 学历 (本科 / 硕士 / 博士 / 专科) as an education level (unknown: 不限)."""
    try:
        return parse_education(degree)
    except DomainError:
        return Education.ANY


def meets_education(have: Education | str, wanted: Education | str) -> bool:
    """Does a graduate with ``have`` meet a post asking for ``wanted``?"""
    return _EDU_RANK[Education(have)] >= _EDU_RANK[Education(wanted)]


def parse_answer(value: object) -> Answer:
    found = _parse(ANSWER_LABELS, value)
    if found is None:
        raise _err("bad_answer", f"未知的反馈：{value}（可选：感兴趣、已投递、已录用、不合适）",
                   f"Unknown answer: {value} (one of: interested, applied, hired, not suitable)")
    return found


# ------------------------------------------------------------- checks ----


def check_employer(value: str) -> None:
    check_text(value, MAX_EMPLOYER, ("用人单位", "employer"),
               _err("employer_required", "请填写用人单位", "Enter the employer"))


def check_post_title(value: str) -> None:
    check_text(value, MAX_POST_TITLE, ("岗位名称", "title"),
               _err("title_required", "请填写岗位名称", "Enter the title of the post"))


def check_category(value: str) -> None:
    check_text(value, MAX_CATEGORY, ("岗位类别", "category"),
               _err("category_required", "请填写岗位类别", "Enter the category of the post"))


def check_post_city(value: str) -> None:
    check_text(value, MAX_POST_CITY, ("工作城市", "city"),
               _err("city_required", "请填写工作城市", "Enter the city of the post"))


def _tags(values: Sequence[str], limit: int, each: int, what: Label) -> list[str]:
    out: list[str] = []
    for v in values:
        v = v.strip()
        if v and v not in out:
            check_text(v, each, what)
            out.append(v)
    if len(out) > limit:
        raise _err("too_many", f"{what[0]}最多{limit}项", f"At most {limit} {what[1]}s")
    return out


def check_majors(majors: Sequence[str]) -> list[str]:
    """The majors a post wants (none: any major); blanks and repeats dropped."""
    return _tags(majors, MAX_MAJORS, MAX_MAJOR, ("专业要求", "major"))


def check_post_skills(skills: Sequence[str]) -> list[str]:
    return _tags(skills, MAX_POST_SKILLS, 30, ("技能要求", "skill"))


def check_salary(low: int | None, high: int | None) -> None:
    """A monthly salary range in 元: each from 1 to 1,000,000, the low end not above the high."""
    for v in (low, high):
        if v is not None and not 1 <= v <= MAX_SALARY:
            raise _err("bad_salary", f"月薪须在1至{MAX_SALARY}元之间（{v}）",
                       f"The monthly salary must be between 1 and {MAX_SALARY} yuan ({v})")
    if low is not None and high is not None and low > high:
        raise _err("bad_salary", f"月薪下限（{low}）不能高于上限（{high}）",
                   f"The low end of the salary ({low}) cannot be above the high end ({high})")


_UNITS = {"": 1, "元": 1, "k": 1000, "千": 1000, "w": 10000, "万": 10000}
_AMOUNT = r"(\d+(?:\.\d+)?)\s*(k|千|w|万|元)?"
_SALARY_RE = re.compile(rf"^{_AMOUNT}\s*(?:(?:-|~|～|—|–|至|到)+\s*{_AMOUNT})?\s*(?:/\s*月|每月|/month|元)?\s*(以上|以下)?$")
_NEGOTIABLE = frozenset({"", "面议", "薪资面议", "工资面议", "negotiable"})


def parse_salary(text: str) -> tuple[int | None, int | None]:
    """A monthly salary range as a job board writes it, in 元: ``5000-8000``,
    ``5k-8k``, ``0.5-0.8万``, ``6000元/月``, ``8000以上`` (no upper end),
    ``面议`` (neither end); then :func:`check_salary`."""
    t = text.strip().lower().replace(",", "").replace("，", "").replace(" ", "")
    if t in _NEGOTIABLE:
        return None, None
    m = _SALARY_RE.match(t)
    if m is None:
        raise _err("bad_salary", f"看不懂的月薪：{text}（写法如 5000-8000、5k-8k、8000以上、面议）",
                   f"Cannot read the salary: {text} (write e.g. 5000-8000, 5k-8k, 8000以上, 面议)")
    low_n, low_u, high_n, high_u, bound = m.groups()
    low_unit = _UNITS[low_u or high_u or ""]
    low: int | None = round(float(low_n) * low_unit)
    high: int | None = round(float(high_n) * _UNITS[high_u or ""]) if high_n else low
    if bound == "以上" and not high_n:
        high = None
    elif bound == "以下" and not high_n:
        low = None
    check_salary(low, high)
    return low, high


def salary_text(low: int | None, high: int | None) -> str:
    """``5000–8000``, ``8000以上``, ``5000以下``, ``面议``."""
    if low is None and high is None:
        return "面议"
    if high is None:
        return f"{low}以上"
    if low is None:
        return f"{high}以下"
    return str(low) if low == high else f"{low}–{high}"


def check_openings(n: int) -> None:
    if not 1 <= n <= MAX_OPENINGS:
        raise _err("bad_openings", f"招聘人数须在1至{MAX_OPENINGS}之间（{n}）",
                   f"The number of openings must be between 1 and {MAX_OPENINGS} ({n})")


def check_valid_until(valid_until: dt.date | None, today: dt.date) -> None:
    """A new post is valid until today or later."""
    if valid_until is None:
        raise _err("date_required", "请填写岗位有效期", "Enter the date the post is valid until")
    check_in_range(valid_until, ("有效期", "valid-until date"))
    if valid_until < today:
        raise _err("post_expired", f"有效期（{valid_until}）已过", f"The post expired on {valid_until}")


def check_verify(verified_on: dt.date | None, valid_until: dt.date, today: dt.date) -> None:
    """A post is verified once, while it is valid."""
    if verified_on is not None:
        raise _err("already_verified", f"该岗位已于{verified_on}审核", f"This post was verified on {verified_on}")
    if valid_until < today:
        raise _err("post_expired", f"岗位已过期（{valid_until}），不能审核",
                   f"The post expired on {valid_until}; it cannot be verified")


def may_verify(role: Role | str, account_university: int | None, account_city: str | None,
               post_university: int | None, post_owner_city: str | None, post_university_city: str | None) -> bool:
    """Who verifies a post: the province any; a university its own; a city
    account its city's and those of the universities in its city. A
    province-wide post (no university, no city) is the province's."""
    role = Role(role)
    if role == Role.PROVINCE:
        return True
    if role == Role.UNIVERSITY:
        return post_university is not None and post_university == account_university
    if role == Role.CITY and account_city is not None:
        return post_owner_city == account_city or (post_university is not None
                                                   and post_university_city == account_city)
    return False


def check_verifier(role: Role | str, account_university: int | None, account_city: str | None,
                   post_university: int | None, post_owner_city: str | None,
                   post_university_city: str | None) -> None:
    if not may_verify(role, account_university, account_city, post_university, post_owner_city,
                      post_university_city):
        raise _err("not_verifier", "该岗位不在本账号的审核范围内（全省岗位由省级审核）",
                   "This post is outside what this account verifies (the province verifies province-wide posts)")


def check_pushable(verified: bool, valid_until: dt.date, today: dt.date) -> None:
    """Only a verified, unexpired post is pushed."""
    if not verified:
        raise _err("post_not_verified", "岗位未审核，不能推送", "The post is not verified; it cannot be pushed")
    if valid_until < today:
        raise _err("post_expired", f"岗位已过期（{valid_until}），不能推送",
                   f"The post expired on {valid_until}; it cannot be pushed")


def check_push_size(graduate_ids: Sequence[int]) -> None:
    if not graduate_ids:
        raise _err("nobody", "请选择要推送的毕业生", "Choose the graduates to push posts to")
    if len(graduate_ids) > MAX_PUSH:
        raise _err("too_many", f"一次最多推送{MAX_PUSH}人", f"At most {MAX_PUSH} graduates at a time")


def check_answer(answer: object, date: dt.date | None, pushed_on: dt.date, today: dt.date) -> Answer:
    """A graduate's answer, dated between the push and today."""
    a = parse_answer(answer)
    if date is None:
        raise _err("date_required", "请填写反馈日期", "Enter the date of the answer")
    check_not_future(date, today, ("反馈日期", "date of the answer"))
    if date < pushed_on:
        raise _err("answer_before_push", f"反馈日期（{date}）不能早于推送日期（{pushed_on}）",
                   f"The answer ({date}) cannot be dated before the push ({pushed_on})")
    return a


def employment_after(answer: Answer | str, current: EmploymentStatus | str) -> EmploymentStatus | None:
    """The employment status an answer sets: 已录用 makes an unemployed graduate
    已就业·签约 (a graduate already employed keeps their status); None: unchanged."""
    if Answer(answer) == Answer.HIRED and EmploymentStatus(current) not in EMPLOYED:
        return EmploymentStatus.SIGNED
    return None


# ------------------------------------------------------- recommending ----


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What the ranking reads of a post. ``university_id`` / ``owner_city``:
    a post added by a university is for its graduates, one added by a city
    account for the universities of that city; neither: the whole province."""

    id: int
    employer: str
    title: str
    city: str
    majors: tuple[str, ...]
    skills: tuple[str, ...]
    education: Education
    verified: bool
    valid_until: dt.date
    openings: int = 1
    university_id: int | None = None
    owner_city: str | None = None
    #: Computed: the discipline groups of ``majors``, the skills as a set, the
    #: education's rank, and whether every university's graduates may have it.
    groups: frozenset[str] = field(init=False, compare=False, repr=False)
    skill_set: frozenset[str] = field(init=False, compare=False, repr=False)
    edu_rank: int = field(init=False, compare=False, repr=False)
    for_all: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "groups", frozenset(g for g in map(discipline_of, self.majors) if g is not None))
        object.__setattr__(self, "skill_set", frozenset(self.skills))
        object.__setattr__(self, "edu_rank", _EDU_RANK[self.education])
        object.__setattr__(self, "for_all", self.university_id is None and self.owner_city is None)


@dataclass(frozen=True)
class GraduateFacts:
    """What the ranking reads of a graduate. ``excluded``: the posts they turned
    down or hold (answers 不合适 and 已录用)."""

    major: str
    skills: tuple[str, ...]
    stay_intent: StayIntent
    preferred_cities: tuple[str, ...]
    education: Education
    university_id: int
    university_city: str | None = None
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Pick:
    """One recommended post, with its score and its reasons in words."""

    post_id: int
    score: int
    reasons: tuple[Label, ...]

    def text(self, lang: str = "zh") -> str:
        """``专业对口：计算机科学与技术 · 技能：Python、SQL · 意向城市：成都市``."""
        return " · ".join(en if lang == "en" else zh for zh, en in self.reasons)


@dataclass(frozen=True)
class Recommendation:
    """Up to three posts, best first; none: ``reason`` says why."""

    picks: tuple[Pick, ...] = ()
    reason: Label | None = None


def open_to(post: PostFacts, university_id: int, university_city: str | None) -> bool:
    """Is the post for the graduates of this university (its scope)?"""
    if post.university_id is not None:
        return post.university_id == university_id
    if post.owner_city is not None:
        return post.owner_city == university_city
    return True


def recommendable(post: PostFacts, today: dt.date) -> bool:
    """Verified, unexpired, with openings."""
    return post.verified and post.valid_until >= today and post.openings > 0


def _join(items: Iterable[str]) -> str:
    return "、".join(items)


#: Points for n matching skills (a post names at most ``MAX_POST_SKILLS``).
_SKILL_POINTS = tuple(min(W_SKILLS_MAX, W_SKILL * n) for n in range(MAX_POST_SKILLS + 1))


class _Fit:
    """One graduate's side of the ranking, worked out once (see :func:`score`)."""

    __slots__ = ("cities", "city", "edu", "grad", "group", "skills")

    def __init__(self, grad: GraduateFacts) -> None:
        self.grad = grad
        self.group = discipline_of(grad.major)
        self.skills = frozenset(grad.skills)
        self.cities = frozenset(grad.preferred_cities)
        self.edu = _EDU_RANK[grad.education]
        self.city = W_CITY if self.cities else W_STAY if grad.stay_intent == StayIntent.YES else 0

    def base(self, post: PostFacts) -> tuple[int, bool] | None:
        """The score without the skills, and whether the post fits only with a
        matching skill (a post open to every major); None when it does not fit
        (education, preferred cities, major)."""
        if _EDU_RANK[post.education] > self.edu:
            return None
        if self.cities and post.city not in self.cities:
            return None
        if self.grad.major in post.majors:
            points, needs_skill = W_MAJOR, False
        elif self.group is not None and self.group in post.groups:
            points, needs_skill = W_GROUP, False
        elif not post.majors:
            points, needs_skill = W_ANY_MAJOR, True
        else:
            return None
        if post.education != Education.ANY and post.education == self.grad.education:
            points += W_EDUCATION
        return points + self.city, needs_skill

    def points(self, post: PostFacts) -> int | None:
        """The post's score, or None when it does not fit."""
        base = self.base(post)
        return None if base is None else self.add_skills(base[0], base[1], post.skill_set)

    def add_skills(self, base: int, needs_skill: bool, post_skills: frozenset[str]) -> int | None:
        n = len(self.skills & post_skills) if self.skills else 0
        if needs_skill and not n:
            return None
        return base + _SKILL_POINTS[n]

    def reasons(self, post: PostFacts) -> tuple[Label, ...]:
        """Why a fitting post was picked, in words, in the order of the ranking's parts."""
        grad = self.grad
        common = tuple(s for s in post.skills if s in self.skills)
        out: list[Label] = []
        if grad.major in post.majors:
            out.append((f"专业对口：{grad.major}", f"Major: {grad.major}"))
        elif self.group is not None and self.group in post.groups:
            out.append((f"相近专业：{self.group}", f"Related major: {self.group}"))
        else:
            out.append(("专业不限", "Any major"))
        if common:
            out.append((f"技能：{_join(common)}", f"Skills: {', '.join(common)}"))
        if self.cities:
            out.append((f"意向城市：{post.city}", f"Preferred city: {post.city}"))
        elif grad.stay_intent == StayIntent.YES:
            out.append((f"留省就业：{post.city}", f"Stays in the province: {post.city}"))
        else:
            out.append((f"工作城市：{post.city}", f"City: {post.city}"))
        if post.education != Education.ANY and post.education == grad.education:
            zh, en = EDUCATION_LABELS[post.education]
            out.append((f"学历：{zh}", f"Education: {en}"))
        return tuple(out)


def score(grad: GraduateFacts, post: PostFacts) -> Pick | None:
    """The post's score for the graduate and the reasons, or None when it does
    not fit (major, education, preferred cities; see the module's docstring).
    Scope, verification, expiry and exclusions are :func:`candidate`'s."""
    fit = _Fit(grad)
    points = fit.points(post)
    return None if points is None else Pick(post.id, points, fit.reasons(post))


def candidate(grad: GraduateFacts, post: PostFacts, today: dt.date) -> bool:
    """May the post be recommended to the graduate at all (before fitting)?"""
    return (recommendable(post, today) and post.id not in grad.excluded
            and open_to(post, grad.university_id, grad.university_city))


def pick_three(scored: Iterable[tuple[int, PostFacts]]) -> list[tuple[int, PostFacts]]:
    """The best three (score, then id), three different employers where possible.
    ``scored``: (score, post) of each fitting post."""
    ranked = [sp for _, _, sp in sorted((-sp[0], sp[1].id, sp) for sp in scored)]
    out: list[tuple[int, PostFacts]] = []
    employers: set[str] = set()
    for sp in ranked:
        if sp[1].employer not in employers:
            out.append(sp)
            employers.add(sp[1].employer)
            if len(out) == PICKS:
                return out
    chosen = {p.id for _, p in out}
    out += [sp for sp in ranked if sp[1].id not in chosen][:PICKS - len(out)]
    return sorted(out, key=lambda sp: (-sp[0], sp[1].id))


def no_fit_reason(grad: GraduateFacts, fits_elsewhere: bool) -> Label:
    """Why no post fits: nothing in the preferred cities although a post fits
    elsewhere (``fits_elsewhere``), or nothing for the major at all."""
    major = grad.major or "—"
    if grad.preferred_cities and fits_elsewhere:
        cities = _join(grad.preferred_cities)
        return (f"意向城市（{cities}）没有适合该专业（{major}）的岗位",
                f"No post for this major ({major}) in the preferred cities ({', '.join(grad.preferred_cities)})")
    return (f"没有适合该专业（{major}）的已审核岗位", f"No verified post for this major ({major})")


def recommend(grad: GraduateFacts, posts: Iterable[PostFacts], today: dt.date) -> Recommendation:
    """Up to three posts for the graduate, best first, with their reasons; no
    fitting post: an empty list and the reason. Deterministic: the same data
    gives the same answer in any order of ``posts``."""
    return PostIndex(today, list(posts)).recommend(grad)


@dataclass
class PostIndex:
    """The recommendable posts grouped by major, discipline group and city, so
    that many graduates are recommended without scanning every post for each
    (``recommend`` for many graduates over the same posts).

    Posts are scored tier by tier of the major (exact, same group, any major):
    a lower tier is read only when the ones above give fewer than three
    employers, since none of its posts could rank above theirs."""

    today: dt.date
    posts: list[PostFacts]
    _by_major: dict[tuple[str, str | None], list[PostFacts]] = field(default_factory=dict)
    _by_group: dict[tuple[str, str | None], list[PostFacts]] = field(default_factory=dict)
    _any: dict[str | None, list[PostFacts]] = field(default_factory=dict)
    _said: dict[tuple[object, ...], tuple[Label, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for p in sorted(self.posts, key=lambda p: p.id):
            if not recommendable(p, self.today):
                continue
            for city in (p.city, None):
                if not p.majors:
                    self._any.setdefault(city, []).append(p)
                for major in p.majors:
                    self._by_major.setdefault((major, city), []).append(p)
                for group in p.groups:
                    self._by_group.setdefault((group, city), []).append(p)

    def _tier(self, tier: int, fit: _Fit, city: str | None) -> list[PostFacts]:
        if tier == 0:
            return self._by_major.get((fit.grad.major, city), [])
        if tier == 1:
            return self._by_group.get((fit.group, city), []) if fit.group else []
        return self._any.get(city, []) if fit.skills else []

    def _scored(self, fit: _Fit, cities: tuple[str | None, ...]) -> list[tuple[int, PostFacts]]:
        """(score, post) of the fitting posts, tier by tier (``_Fit.points``,
        written out: this is the hot loop)."""
        grad = fit.grad
        major, excluded, skills, edu, city_points = grad.major, grad.excluded, fit.skills, fit.edu, fit.city
        university, university_city = grad.university_id, grad.university_city
        same_edu = grad.education
        out: list[tuple[int, PostFacts]] = []
        employers: set[str] = set()
        for tier, tier_points in enumerate((W_MAJOR, W_GROUP, W_ANY_MAJOR)):
            if len(employers) >= PICKS:
                break
            for city in cities:
                for p in self._tier(tier, fit, city):
                    if p.edu_rank > edu or (tier == 1 and major in p.majors):
                        continue
                    if excluded and p.id in excluded:
                        continue
                    if not p.for_all and not open_to(p, university, university_city):
                        continue
                    n = len(skills & p.skill_set) if skills else 0
                    if tier == 2 and not n:
                        continue
                    points = tier_points + city_points + _SKILL_POINTS[n]
                    if p.education == same_edu and p.education != Education.ANY:
                        points += W_EDUCATION
                    out.append((points, p))
                    employers.add(p.employer)
        return out

    def recommend(self, grad: GraduateFacts) -> Recommendation:
        fit = _Fit(grad)
        scored = self._scored(fit, tuple(grad.preferred_cities) or (None,))
        if not scored:
            elsewhere = bool(grad.preferred_cities) and bool(self._scored(_Fit(_anywhere(grad)), (None,)))
            return Recommendation((), no_fit_reason(grad, elsewhere))
        return Recommendation(tuple(Pick(p.id, points, self._reasons(fit, p)) for points, p in pick_three(scored)))

    def _reasons(self, fit: _Fit, p: PostFacts) -> tuple[Label, ...]:
        """``fit.reasons(p)``, kept: what they depend on recurs from graduate to graduate."""
        g = fit.grad
        key = (p.id, g.major, fit.skills & p.skill_set, bool(fit.cities), g.stay_intent, g.education)
        found = self._said.get(key)
        if found is None:
            found = self._said[key] = fit.reasons(p)
        return found


def _anywhere(grad: GraduateFacts) -> GraduateFacts:
    return GraduateFacts(grad.major, grad.skills, grad.stay_intent, (), grad.education, grad.university_id,
                         grad.university_city, grad.excluded)


def answer_counts(answers: Iterable[Answer | str | None]) -> Mapping[str, int]:
    """Pushes by answer (``pending``: not answered yet), in the answers' order."""
    out = {"pending": 0, **{a.value: 0 for a in Answer}}
    for a in answers:
        out[a or "pending"] += 1
    return out
