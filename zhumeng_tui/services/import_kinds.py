"""The kinds of import, each a declaration (``services.import_base``): its
name (the ``zhumeng-tui import`` KIND), who may run it, the key columns
(学号 for the kinds here), the columns it reads (headers in both languages and
the other names a file may use, and how a cell becomes a value, with the
domain's checks), the records a key names, the check of a change against its
record, the outbox entries the changes become, and what the changes do
beyond themselves. The kinds that add records (attendance, job posts) are
declared in ``services.import_adds``.

Adding a kind is one :class:`ImportKind` in :data:`KINDS` (see
``docs/sheets.md``); reading the file, matching the columns, refusing rows,
the analysis, the refused-rows file, the dialog and the headless command
need nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from zhumeng_tui.cache import sheets as sql
from zhumeng_tui.cache.outbox import NEW_RECORD, Mutation, MutationItem
from zhumeng_tui.domain import cells, roster
from zhumeng_tui.domain import graduates as gd
from zhumeng_tui.domain import hardship as hs
from zhumeng_tui.domain.eligibility import CheckId, CheckResult, StudentFacts, student_checks
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import check_score, check_tracking, on_duty_move, tracking_from
from zhumeng_tui.domain.permissions import Change, check_not_provincial
from zhumeng_tui.domain.status import INTERN_STATUSES, Status
from zhumeng_tui.services.exports import TRACKING_HEADERS
from zhumeng_tui.services.import_adds import ATTENDANCE, POSTS
from zhumeng_tui.services.import_base import (
    KEY,
    NAME,
    ColumnError,
    Context,
    ImportColumn,
    ImportKind,
    Pair,
    Planned,
    by_student_no,
    changed_values,
    in_batches,
    iso_date,
    yes_no,
    yes_no_cell,
)

#: Statuses in which a failing check blocks the campus's decision.
_REVIEW = frozenset({Status.MATCHED.value, Status.DEPT_CONFIRMED.value, Status.RETURNED.value})


def _score(what: Pair) -> Callable[[Any], int]:
    def parse(v: Any) -> int:
        n = cells.parse_whole_number(v, what)
        check_score(n, what)
        return n

    return parse


# ---------------------------------------------------------------- roster --


def _phone(value: Any) -> str:
    """A mobile number; spaces, dashes and a +86 prefix are dropped."""
    text = cells.parse_student_no(value)
    if not (len(text) == 11 and text.isdigit()):
        text = re.sub(r"^(\+?86)(?=1\d{10}$)", "", re.sub(r"[\s\-]", "", text))
    roster.check_phone(text)
    return text


def _enrollment(value: Any) -> str:
    text = cells.cell_text(value)
    roster.check_enrollment_status(text)
    return text


def _check_roster(ctx: Context, target: sql.RosterStudent, values: dict[str, Any]) -> None:
    check_not_provincial(ctx.role, target.out_of_province)
    roster.check_roster_update(roster.RosterUpdate(**values))


def _roster_mutations(
    ctx: Context, planned: list[Planned], current: Callable[[str, int], dict[str, Any] | None]
) -> list[Mutation]:
    out = []
    for chunk in in_batches(planned):
        items, body = [], []
        for p in chunk:
            record = current("student", p.target.id)
            if record is None:
                continue
            values = changed_values(record, p.values)
            if not values:
                continue
            body.append({"id": p.target.id, "version": int(record["version"]), "update": values})
            items.append(MutationItem("student", p.target.id, {**record, **values}))
        if items:
            out.append(Mutation("student_batch", "POST", "/students/roster:batch", {"items": body}, items))
    return out


def _blocked(results: Sequence[dict[CheckId, str]]) -> bool:
    return any(r == CheckResult.FAIL.value for checks in results for r in checks.values())


def _roster_effects(ctx: Context, planned: list[Planned]) -> list[str]:
    """How many students move from blocked (an application under review fails
    a check) to clear, and back, once their student checks are evaluated
    again with the new values (``eligibility.student_checks``)."""
    apps = sql.review_checks(ctx.cache, [p.target.id for p in planned], _REVIEW)
    cleared = blocked = 0
    for p in planned:
        before = apps.get(p.target.id, [])
        if not before:
            continue
        f = {**p.target.fields, **p.values}
        facts = StudentFacts(p.target.name, "", str(f["enrollment_status"] or ""), bool(f["full_time"]),
                             bool(f["realname_verified"]), bool(f["univ_certified"]), p.target.out_of_province)
        new = {o.check: o.result.value for o in student_checks(facts)}
        after = [{**checks, **new} for checks in before]
        was, now = _blocked(before), _blocked(after)
        cleared += was and not now
        blocked += now and not was
    return [ctx.t((f"{cleared} 名学生由受阻变为可审核", f"{cleared} students move from blocked to clear")),
            ctx.t((f"{blocked} 名学生由可审核变为受阻", f"{blocked} students move from clear to blocked"))]


ROSTER = ImportKind(
    "roster", ("学籍信息（学生名册）", "Student records (roster)"), Change.UPDATE_ROSTER,
    (KEY, NAME,
     ImportColumn("enrollment_status", ("学籍状态", "Enrolment status"), ("学籍", "Enrollment status"), _enrollment),
     ImportColumn("full_time", ("学习形式", "Study mode"), ("是否全日制", "Full-time"), lambda v: roster.parse_study_mode(
         cells.cell_text(v)), lambda v, lang: "" if v is None else roster.study_mode_text(bool(v))),
     ImportColumn("realname_verified", ("实名认证", "Real-name verified"), ("是否实名认证", "Real name verified"),
                  yes_no_cell(roster.REALNAME.label), yes_no),
     ImportColumn("univ_certified", ("高校认证", "University-certified"), ("是否高校认证", "University certified"),
                  yes_no_cell(roster.CERTIFIED.label), yes_no),
     ImportColumn("phone", ("联系电话", "Phone"), ("手机", "手机号", "手机号码", "电话", "Mobile"), _phone)),
    by_student_no(sql.roster_students),
    _check_roster,
    _roster_mutations,
    _roster_effects,
)


# -------------------------------------------------------------- tracking --


def _check_tracking(ctx: Context, target: sql.InternRecord, values: dict[str, Any]) -> None:
    """The checks the tracking change meets on the server, field by field so a
    refusal names its column (``DomainError.field``)."""
    check_not_provincial(ctx.role, target.out_of_province)
    status = target.status
    typed = {k: dt.date.fromisoformat(v) if k in _DATES and v else v for k, v in values.items()}
    on_duty = typed.get("on_duty_date") or target.fields.get("on_duty_date")
    since = tracking_from(dt.date.fromisoformat(target.start_date),
                          dt.date.fromisoformat(on_duty) if isinstance(on_duty, str) else on_duty)
    for name, value in typed.items():
        try:
            if name == "on_duty_date":
                status = on_duty_move(status, ctx.role, value, dt.date.fromisoformat(target.start_date),
                                      dt.date.fromisoformat(target.end_date)).value
            check_tracking(status, ctx.today, start_date=since, **{name: value})  # type: ignore[arg-type]
        except DomainError as e:
            raise ColumnError(name, e) from None


_DATES = frozenset({"on_duty_date", "appraisal_copy_received"})


def _tracking_mutations(
    ctx: Context, planned: list[Planned], current: Callable[[str, int], dict[str, Any] | None]
) -> list[Mutation]:
    out = []
    for chunk in in_batches(planned):
        items, body = [], []
        for p in chunk:
            record = current("application", p.target.id)
            if record is None:
                continue
            values = changed_values(record, p.values)
            if not values:
                continue
            local = {**record, **values}
            if "on_duty_date" in values and record.get("status") == Status.APPROVED.value:
                local["status"] = Status.ON_DUTY.value
            body.append({"id": p.target.id, "version": int(record["version"]), "update": values})
            items.append(MutationItem("application", p.target.id, local))
        if items:
            out.append(Mutation("batch", "POST", "/applications/tracking:batch", {"items": body}, items))
    return out


def _tracking_effects(ctx: Context, planned: list[Planned]) -> list[str]:
    on_duty = sum(1 for p in planned if "on_duty_date" in p.values and p.target.status == Status.APPROVED.value)
    return [ctx.t((f"{on_duty} 名实习生将登记为已上岗", f"{on_duty} interns will be marked on duty"))] if on_duty else []


TRACKING = ImportKind(
    "tracking", ("实习跟踪（上岗、保险、鉴定、评价）", "Internship tracking (on duty, insurance, appraisal, scores)"),
    Change.SET_TRACKING,
    (KEY, NAME,
     ImportColumn("on_duty_date", TRACKING_HEADERS["on_duty_date"], ("上岗时间", "到岗日期", "on duty date"),
                  iso_date(TRACKING_HEADERS["on_duty_date"])),
     ImportColumn("insurance_recorded", TRACKING_HEADERS["insurance_recorded"],
                  ("是否购买保险", "保险登记", "已登记保险"), yes_no_cell(TRACKING_HEADERS["insurance_recorded"]), yes_no),
     ImportColumn("appraisal_copy_received", TRACKING_HEADERS["appraisal_copy_received"],
                  ("鉴定表", "鉴定表日期", "收到鉴定表日期"), iso_date(TRACKING_HEADERS["appraisal_copy_received"])),
     ImportColumn("employer_score", TRACKING_HEADERS["employer_score"], ("单位评价", "用人单位评分", "employer score"),
                  _score(TRACKING_HEADERS["employer_score"])),
     ImportColumn("student_score", TRACKING_HEADERS["student_score"], ("学生评分", "student score"),
                  _score(TRACKING_HEADERS["student_score"]))),
    by_student_no(lambda cache, nos: sql.interns_by_no(cache, sorted(s.value for s in INTERN_STATUSES), nos)),
    _check_tracking,
    _tracking_mutations,
    _tracking_effects,
    ("未知学号（不是本账号可见的实习生）", "Unknown student number (not an intern this account sees)"),
)

# ----------------------------------------------------------------- needs --


def _needs(value: Any) -> list[str]:
    """A survey's needs cell (``就业指导、创业指导``; blank or 无: none), in their fixed order."""
    text = cells.cell_text(value)
    if text.strip() in ("无", "没有", "none", "-"):
        return []
    return [k.value for k in gd.check_needs(gd.split_list(text))]


def _list(check: Callable[[Sequence[str]], list[str]]) -> Callable[[Any], list[str]]:
    return lambda value: check(gd.split_list(cells.cell_text(value)))


def _joined(value: Any, lang: str) -> str:
    return "、".join(str(v) for v in value or ())


def _needs_text(value: Any, lang: str) -> str:
    return "、".join((gd.NEED_LABELS[gd.NeedKind(v)][1 if lang == "en" else 0]) for v in value or ())


def _check_needs(ctx: Context, target: sql.GraduateTarget, values: dict[str, Any]) -> None:
    """The graduate-update rules, field by field (the parse step ran the checks of each value)."""
    if "stay_intent" in values:
        try:
            gd.parse_stay_intent(values["stay_intent"])
        except DomainError as e:
            raise ColumnError("stay_intent", e) from None


def _needs_mutations(
    ctx: Context, planned: list[Planned], current: Callable[[str, int], dict[str, Any] | None]
) -> list[Mutation]:
    """A ``POST /graduates/needs:batch`` per 1,000 graduates (needs recorded as from a survey)."""
    out = []
    for chunk in in_batches(planned):
        items, body = [], []
        for p in chunk:
            record = current("graduate", p.target.id)
            if record is None:
                continue
            now = {"needs": [n.get("kind") for n in record.get("needs") or ()],
                   "stay_intent": record.get("stay_intent"),
                   "preferred_cities": record.get("preferred_cities") or [], "skills": record.get("skills") or []}
            values = changed_values(now, p.values)
            if not values:
                continue
            local = {**record, **{k: v for k, v in values.items() if k != "needs"}}
            if "needs" in values:
                kept = {n.get("kind"): n for n in record.get("needs") or ()}
                local["needs"] = [kept.get(k) or {"kind": k, "recorded_on": ctx.today.isoformat(), "source": "survey",
                                                  "by": ""} for k in values["needs"]]
            body.append({"id": p.target.id, "version": int(record["version"]),
                         "update": {**values, "need_source": gd.NeedSource.SURVEY.value}})
            items.append(MutationItem("graduate", p.target.id, local))
        if items:
            out.append(Mutation("batch", "POST", "/graduates/needs:batch", {"items": body}, items))
    return out


NEEDS = ImportKind(
    "needs", ("毕业生服务需求（问卷）", "Graduates' needs (survey)"), Change.UPDATE_GRADUATE,
    (KEY, NAME,
     ImportColumn("needs", ("服务需求", "Needs"), ("需求", "就业服务需求", "需要的服务"), _needs, _needs_text),
     ImportColumn("stay_intent", ("留省意愿", "Stays in the province"), ("是否留川", "是否留省", "留川意愿"),
                  lambda v: gd.parse_stay_intent(cells.cell_text(v)).value),
     ImportColumn("preferred_cities", ("意向城市", "Preferred cities"), ("就业意向城市", "期望城市"),
                  _list(gd.check_cities), _joined),
     ImportColumn("skills", ("技能", "Skills"), ("技能特长", "专业技能"), _list(gd.check_skills), _joined)),
    by_student_no(sql.graduates_by_no),
    _check_needs,
    _needs_mutations,
    unknown=("未知学号（不是本账号可见的毕业生）", "Unknown student number (not a graduate this account sees)"),
)

# -------------------------------------------------------------- hardship --

_NOTE = re.compile(r"^(.*?)\s*[（(：:]\s*(.*?)\s*[）)]?\s*$")


def _categories(value: Any) -> list[dict[str, str]]:
    """``脱贫家庭、特殊困难（父亲重病）``: the categories, a note in brackets
    (or after a colon); in their fixed order (``hardship.check_categories``)."""
    entries = []
    for part in re.split(r"[、,，;；/|\n]+", cells.cell_text(value)):
        part = part.strip()
        if not part:
            continue
        m = _NOTE.match(part)
        name, note = (m.group(1), m.group(2)) if m and m.group(2) else (part, "")
        entries.append(hs.CategoryEntry(hs.parse_category(name), note))
    return [{"category": e.category.value, "note": e.note} for e in hs.check_categories(entries)]


def _categories_text(value: Any, lang: str) -> str:
    out = []
    for c in value or ():
        label = hs.CATEGORY_LABELS[hs.Category(c["category"])][1 if lang == "en" else 0]
        out.append(f"{label}（{c['note']}）" if c.get("note") else label)
    return "、".join(out)


def _officer(value: Any) -> str:
    text = cells.cell_text(value).strip()
    hs.check_officer(text)
    return text


def _check_case(ctx: Context, target: sql.CaseTarget, values: dict[str, Any]) -> None:
    """A new case needs its categories and officer; the officer is a staff
    account of the graduate's university."""
    if target.case_id is None:
        for name in ("categories", "officer"):
            if name not in values:
                raise ColumnError(name, DomainError(
                    f"{name}_required", "该毕业生没有进行中的帮扶档案：新建档案须填写困难类别和帮扶专员",
                    "This graduate has no open case: a new case needs its categories and officer"))
    officer = values.get("officer")
    if officer is not None and officer not in sql.staff_at(ctx.cache, target.university_id):
        raise ColumnError("officer", DomainError("unknown_staff", f"本校没有用户名为 {officer} 的工作人员",
                                                 f"No staff account named {officer} at this university"))


def _case_mutations(
    ctx: Context, planned: list[Planned], current: Callable[[str, int], dict[str, Any] | None]
) -> list[Mutation]:
    """A new case (``POST /hardship``) or the open one's change (``PATCH``), one request each."""
    out = []
    for p in planned:
        t: sql.CaseTarget = p.target
        if t.case_id is None:
            graduate = current("graduate", t.id)
            if graduate is None:
                continue
            body = {"graduate_id": t.id, "categories": p.values["categories"], "officer": p.values["officer"],
                    "officer_kind": p.values.get("officer_kind") or hs.OfficerKind.EMPLOYMENT.value}
            local = {**body, "id": NEW_RECORD, "version": 1, "seq": 0, "university_id": graduate["university_id"],
                     "department_id": graduate["department_id"], "state": hs.CaseState.OPEN.value,
                     "opened_on": ctx.today.isoformat(), "opened_by": "", "visits": []}
            out.append(Mutation("record", "POST", "/hardship", body, [MutationItem("hardship_case", NEW_RECORD, local)]))
            continue
        case = current("hardship_case", t.case_id)
        if case is None:
            continue
        now = {"categories": [{"category": c.get("category"), "note": c.get("note") or ""}
                              for c in case.get("categories") or ()],
               "officer": case.get("officer"), "officer_kind": case.get("officer_kind")}
        values = changed_values(now, p.values)
        if values:
            out.append(Mutation("record", "PATCH", f"/hardship/{t.case_id}", values,
                                [MutationItem("hardship_case", t.case_id, {**case, **values})],
                                if_match=int(case["version"])))
    return out


HARDSHIP = ImportKind(
    "hardship", ("困难毕业生台账", "Hardship ledger"), Change.OPEN_CASE,
    (KEY, NAME,
     ImportColumn("categories", ("困难类别", "Categories"), ("困难类型", "帮扶类别"), _categories, _categories_text),
     ImportColumn("officer", ("帮扶专员", "Officer"), ("负责人", "专员", "就业服务专员"), _officer),
     ImportColumn("officer_kind", ("专员类型", "Officer kind"), ("专员类别",),
                  lambda v: hs.officer_kind(cells.cell_text(v)).value)),
    by_student_no(sql.hardship_targets),
    _check_case,
    _case_mutations,
    unknown=("未知学号（不是本账号可见的毕业生）", "Unknown student number (not a graduate this account sees)"),
    is_new=lambda target: target.case_id is None,
)

#: Every kind of import by name.
KINDS: dict[str, ImportKind] = {k.name: k for k in (ROSTER, TRACKING, NEEDS, HARDSHIP, ATTENDANCE, POSTS)}


def import_kind(name: str) -> ImportKind:
    found = KINDS.get(name)
    if found is None:
        names = ", ".join(KINDS)
        raise DomainError("unknown_import", f"没有名为 {name} 的导入；可导入：{names}",
                          f"There is no import named {name}; imports: {names}")
    return found
