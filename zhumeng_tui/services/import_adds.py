"""The kinds of import that add records rather than change fields.

- ``attendance`` (签到表): a row says a graduate attended a session. Its key
  is the 学号 and the session; the session is named as the sessions screen
  shows it, its date and its title (``2026-03-10 就业指导讲座``), or by its
  title alone when no other session in scope has that title. A row is new
  (the attendance is recorded) or already recorded (unchanged); refused for
  an unknown session or 学号, a name that does not match, a graduate outside
  the account's scope or of another university than the session, a session
  not yet held or (a city account) not run by its city. The new rows go as
  ``POST /sessions/{id}/attendance``, one request per session.
- ``posts`` (岗位信息, a job board's export): a post is recognised by its
  employer, title and city among the posts still valid; a row naming none
  adds a post (``POST /posts``, one each, unverified), a row naming one with
  the same values is unchanged, and one with other values is refused (an
  import adds posts; it does not change them).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from zhumeng_tui.api_client.schemas import PostCreate
from zhumeng_tui.cache import sheets as sql
from zhumeng_tui.cache.graduates import attendance_of
from zhumeng_tui.cache.outbox import NEW_RECORD, Mutation
from zhumeng_tui.domain import cells
from zhumeng_tui.domain import graduates as gd
from zhumeng_tui.domain import posts as ps
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import Change
from zhumeng_tui.domain.status import Role
from zhumeng_tui.services.graduates import attendance_mutation
from zhumeng_tui.services.import_base import (
    KEY,
    NAME,
    ColumnError,
    Context,
    CurrentRecord,
    ImportColumn,
    ImportKind,
    Pair,
    Planned,
    RowKey,
    yes_no,
)
from zhumeng_tui.services.posts import new_post

# ------------------------------------------------------------ attendance --


def session_name(date: dt.date | str, title: str) -> str:
    """A session as a sign-in sheet names it: ``2026-03-10 就业指导讲座``."""
    return f"{date} {title}"


def _session_text(value: Any) -> str:
    return re.sub(r"\s+", " ", cells.cell_text(value))


def find_sessions(text: str, sessions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sessions ``text`` names: by date and title (the date in any way a
    cell writes one), else by title alone."""
    head, _, rest = text.partition(" ")
    try:
        day = cells.parse_date(head, ("活动日期", "session date")).isoformat() if rest else None
    except DomainError:
        day = None
    if day is not None:
        return [s for s in sessions if str(s.get("date")) == day and str(s.get("title", "")).strip() == rest.strip()]
    return [s for s in sessions if str(s.get("title", "")).strip() == text]


@dataclass(frozen=True)
class AttendanceTarget:
    """A graduate at a session: ``fields["attended"]`` says whether it is recorded."""

    graduate: sql.AttendeeTarget
    session: dict[str, Any]

    @property
    def id(self) -> int:
        return self.graduate.id

    @property
    def version(self) -> int:
        return self.graduate.version

    @property
    def name(self) -> str:
        return self.graduate.name

    @property
    def out_of_province(self) -> bool:
        return self.graduate.out_of_province

    @property
    def fields(self) -> dict[str, Any]:
        return {"attended": int(self.session["id"]) in self.graduate.sessions}


def _unknown_session(text: str) -> ColumnError:
    example = session_name(dt.date(2026, 3, 10), "就业指导讲座")
    return ColumnError("session", DomainError(
        "unknown_session", f"没有“{text}”这个服务活动：请写活动日期和主题，如“{example}”（与服务活动列表一致）",
        f"No service session “{text}”: write its date and title, e.g. “{example}” (as the sessions list shows)"))


def _attendance_targets(ctx: Context, keys: Collection[RowKey]) -> dict[RowKey, list[Any] | DomainError]:
    sessions = sql.session_records(ctx.cache)
    graduates = sql.attendees_by_no(ctx.cache, [k[0] for k in keys])
    named: dict[str, list[dict[str, Any]]] = {}
    out: dict[RowKey, list[Any] | DomainError] = {}
    for key in keys:
        no, text = key
        found = named.get(text)
        if found is None:
            found = named[text] = find_sessions(text, sessions)
        if not found:
            out[key] = _unknown_session(text)
        elif len(found) > 1:
            days = "、".join(str(s.get("date")) for s in found)
            out[key] = ColumnError("session", DomainError(
                "ambiguous_session", f"有 {len(found)} 个名为“{text}”的活动（{days}）：请在主题前写上活动日期",
                f"{len(found)} sessions are called “{text}” ({days}): write the date before the title"))
        elif no in graduates:
            out[key] = [AttendanceTarget(g, found[0]) for g in graduates[no]]
    return out


def _check_attendance(ctx: Context, target: AttendanceTarget, values: dict[str, Any]) -> None:
    """The checks the attendance endpoint makes, each naming its column."""
    s = target.session
    if int(s["id"]) <= 0:
        raise ColumnError("session", DomainError(
            "not_synced", "该活动尚未同步到服务器：请联网同步后再导入签到",
            "This session has not reached the server yet: sync, then import the attendance"))
    if ctx.role == Role.CITY and (ctx.me is None or s.get("city") != ctx.me.city):
        raise ColumnError("session", DomainError(
            "not_organiser", "只能为本市主办的活动登记签到",
            "A city account records attendance only at the sessions its city runs"))
    try:
        gd.check_attendance(dt.date.fromisoformat(str(s["date"])), [target.id], ctx.today)
    except DomainError as e:
        raise ColumnError("session", e) from None
    if target.graduate.university_id != s.get("university_id"):
        raise ColumnError(KEY.field, DomainError(
            "other_university", "该毕业生不是本次活动所在高校的学生",
            "This graduate is not at the university the session took place at"))


def _attendance_mutations(ctx: Context, planned: list[Planned], current: CurrentRecord) -> list[Mutation]:
    """One ``POST /sessions/{id}/attendance`` per session (per ``MAX_ATTENDEES``
    graduates), leaving out whoever is recorded by then."""
    by_session: dict[int, tuple[dict[str, Any], dict[int, int | None]]] = {}
    for p in planned:
        t: AttendanceTarget = p.target
        session, graduates = by_session.setdefault(int(t.session["id"]), (t.session, {}))
        graduates[t.id] = t.graduate.department_id
    out = []
    username = ctx.me.username if ctx.me is not None else ""
    for sid, (session, graduates) in by_session.items():
        already = attendance_of(ctx.cache, sid)
        new = [(gid, dept) for gid, dept in graduates.items() if gid not in already]
        for i in range(0, len(new), gd.MAX_ATTENDEES):
            out.append(attendance_mutation(sid, int(session["university_id"]), new[i : i + gd.MAX_ATTENDEES],
                                           username))
    return out


def _attendance_effects(ctx: Context, planned: list[Planned]) -> list[str]:
    """How many attendances at how many sessions, and the needs they serve
    for the first time (``graduates.served_needs``), by kind."""
    sessions = {int(p.target.session["id"]) for p in planned}
    lines = [ctx.t((f"{len(planned)} 条新签到，涉及 {len(sessions)} 个活动",
                    f"{len(planned)} new attendances at {len(sessions)} sessions"))]
    served: dict[int, set[str]] = {}
    newly: Counter[str] = Counter()
    for p in planned:
        g: sql.AttendeeTarget = p.target.graduate
        kind = str(p.target.session.get("serves"))
        before = served.setdefault(g.id, {str(n) for n in gd.served_needs(g.needs, g.attended_serves)})
        if kind in g.needs and kind not in before:
            newly[kind] += 1
            before.add(kind)
    for need in gd.NeedKind:
        if n := newly[need.value]:
            zh, en = gd.NEED_LABELS[need]
            lines.append(ctx.t((f"{n} 名毕业生的“{zh}”需求将由此得到服务",
                                f"{n} graduates' need for {en.lower()} will be served")))
    return lines


SESSION = ImportColumn("session", ("活动", "Session"), ("服务活动", "活动名称", "活动主题", "签到活动", "Service session"),
                       _session_text)
ATTENDED = ImportColumn("attended", ("签到", "Attended"), show=yes_no)

ATTENDANCE = ImportKind(
    "attendance", ("活动签到表", "Attendance (sign-in sheet)"), Change.RECORD_ATTENDANCE,
    (KEY, NAME, SESSION),
    _attendance_targets,
    _check_attendance,
    _attendance_mutations,
    _attendance_effects,
    unknown=("未知学号（不是本账号可见的毕业生）", "Unknown student number (not a graduate this account sees)"),
    key=(KEY, SESSION),
    implied=((ATTENDED, True),),
    is_new=lambda target: not target.fields["attended"],
)

# ----------------------------------------------------------------- posts --


def _text(check: Callable[[str], None]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cells.cell_text(value)
        check(text)
        return text

    return parse


def _majors(value: Any) -> list[str]:
    text = cells.cell_text(value)
    return [] if text in ("不限", "专业不限", "无", "any") else ps.check_majors(gd.split_list(text))


def _openings(value: Any) -> int:
    n = cells.parse_whole_number(value, ("招聘人数", "openings"))
    ps.check_openings(n)
    return n


def _valid_until(value: Any) -> str:
    return cells.parse_date(value, ("有效期", "valid-until date")).isoformat()


def _salary(value: Any) -> list[int | None]:
    return list(ps.parse_salary(cells.cell_text(value)))


def _amount(what: Pair) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        n = cells.parse_whole_number(value, what)
        ps.check_salary(n, None)
        return n

    return parse


def _label(labels: dict[Any, Pair]) -> Callable[[Any, str], str]:
    return lambda value, lang: labels[value][1 if lang == "en" else 0] if value else ""


EMPLOYER = ImportColumn("employer", ("用人单位", "Employer"), ("单位名称", "企业名称", "公司名称", "招聘单位", "Company"),
                        _text(ps.check_employer))
TITLE = ImportColumn("title", ("岗位名称", "Title"), ("职位名称", "岗位", "职位", "Job title", "Position"),
                     _text(ps.check_post_title))
CITY = ImportColumn("city", ("工作城市", "City"), ("工作地点", "城市", "Work city", "Location"), _text(ps.check_post_city))
POST_COLUMNS = (
    EMPLOYER, TITLE, CITY,
    ImportColumn("category", ("岗位类别", "Category"), ("职位类别", "岗位类型", "类别"), _text(ps.check_category)),
    ImportColumn("salary", ("薪资范围", "Salary"), ("月薪", "薪资", "薪酬", "工资", "Salary range"), _salary,
                 lambda v, lang: ps.salary_text(*v) if v else ""),
    ImportColumn("salary_min", ("月薪下限", "Salary from"), ("最低月薪", "薪资下限"), _amount(("月薪下限", "salary from"))),
    ImportColumn("salary_max", ("月薪上限", "Salary to"), ("最高月薪", "薪资上限"), _amount(("月薪上限", "salary to"))),
    ImportColumn("majors", ("专业要求", "Majors"), ("专业", "所需专业", "招聘专业"), _majors,
                 lambda v, lang: "、".join(v) if v else ("不限" if v == [] else "")),
    ImportColumn("skills", ("技能要求", "Skills"), ("技能", "岗位技能"),
                 lambda v: ps.check_post_skills(gd.split_list(cells.cell_text(v))), lambda v, lang: "、".join(v or ())),
    ImportColumn("education", ("学历要求", "Education"), ("学历", "最低学历"),
                 lambda v: ps.parse_education(cells.cell_text(v)).value, _label(ps.EDUCATION_LABELS)),
    ImportColumn("openings", ("招聘人数", "Openings"), ("人数", "需求人数", "招聘数量"), _openings),
    ImportColumn("valid_until", ("有效期至", "Valid until"), ("截止日期", "有效期", "岗位有效期", "Deadline"), _valid_until),
    ImportColumn("source", ("岗位来源", "Source"), ("来源", "信息来源"), lambda v: ps.parse_source(cells.cell_text(v)).value,
                 _label(ps.SOURCE_LABELS)),
)
_POST_LABELS = {c.field: c.label for c in POST_COLUMNS}
#: What a new post needs besides its key (the others have defaults).
_REQUIRED = ("category", "valid_until", "source")


@dataclass(frozen=True)
class PostTarget:
    """A valid post a row's employer, title and city name (``id`` NEW_RECORD: none; the row adds it)."""

    id: int
    version: int
    key: RowKey
    fields: dict[str, Any]
    name: str = ""
    out_of_province: bool = False


def _post_fields(p: dict[str, Any]) -> dict[str, Any]:
    return {"category": p.get("category"), "salary": [p.get("salary_min"), p.get("salary_max")],
            "salary_min": p.get("salary_min"), "salary_max": p.get("salary_max"),
            "majors": list(p.get("majors") or []), "skills": list(p.get("skills") or []),
            "education": p.get("education"), "openings": p.get("openings"), "valid_until": p.get("valid_until"),
            "source": p.get("source")}


def _post_targets(ctx: Context, keys: Collection[RowKey]) -> dict[RowKey, list[Any] | DomainError]:
    found: dict[RowKey, list[Any] | DomainError] = {k: [] for k in keys}
    for p in sql.valid_posts_of(ctx.cache, {k[0] for k in keys}, ctx.today.isoformat()):
        key = (p.get("employer"), p.get("title"), p.get("city"))
        if key in found:
            targets = found[key]
            assert isinstance(targets, list)
            targets.append(PostTarget(int(p["id"]), int(p["version"]), key, _post_fields(p)))
    for key, targets in found.items():
        if not targets:
            found[key] = [PostTarget(NEW_RECORD, 0, key, {})]
    return found


def _check_post(ctx: Context, target: PostTarget, values: dict[str, Any]) -> None:
    """A new post has what the server needs and is not yet expired; a post
    already there is not changed by an import."""
    if target.id != NEW_RECORD:
        field = next(iter(values))
        raise ColumnError(field, DomainError(
            "post_exists", "已有同一用人单位、岗位名称、工作城市的有效岗位，但此列与之不同：导入只新增岗位，不修改已有岗位",
            "A valid post with this employer, title and city exists with another value here: an import adds posts,"
            " it does not change them"))
    for field in _REQUIRED:
        if field not in values:
            zh, en = _POST_LABELS[field]
            raise ColumnError(field, DomainError(f"{field}_required", f"新岗位须填写“{zh}”",
                                                 f"A new post needs its {en.lower()}"))
    try:
        ps.check_valid_until(dt.date.fromisoformat(values["valid_until"]), ctx.today)
    except DomainError as e:
        raise ColumnError("valid_until", e) from None
    try:
        ps.check_salary(*_salary_range(values))
    except DomainError as e:
        raise ColumnError("salary_max", e) from None


def _salary_range(values: dict[str, Any]) -> tuple[int | None, int | None]:
    """The salary a row gives: its range column, else its from and to columns."""
    if "salary" in values:
        low, high = values["salary"]
        return low, high
    return values.get("salary_min"), values.get("salary_max")


def _post_mutations(ctx: Context, planned: list[Planned], current: CurrentRecord) -> list[Mutation]:
    """One ``POST /posts`` per new post."""
    assert ctx.me is not None
    out = []
    for p in planned:
        t: PostTarget = p.target
        v = p.values
        low, high = _salary_range(v)
        data = PostCreate.model_validate({
            "employer": t.key[0], "title": t.key[1], "city": t.key[2], "category": v["category"],
            "salary_min": low, "salary_max": high, "majors": v.get("majors", []), "skills": v.get("skills", []),
            "education": v.get("education") or ps.Education.ANY.value, "openings": v.get("openings", 1),
            "valid_until": dt.date.fromisoformat(v["valid_until"]), "source": v["source"]})
        out.append(new_post(data, ctx.me, ctx.today))
    return out


POSTS = ImportKind(
    "posts", ("岗位信息（招聘网站导出）", "Job posts (job board export)"), Change.CREATE_POST,
    POST_COLUMNS,
    _post_targets,
    _check_post,
    _post_mutations,
    lambda ctx, planned: [ctx.t((f"将新增 {len(planned)} 个岗位（待审核：审核后才会推荐）",
                                  f"{len(planned)} posts will be added (unverified: recommended once verified)"))],
    key=(EMPLOYER, TITLE, CITY),
    is_new=lambda target: target.id == NEW_RECORD,
)
