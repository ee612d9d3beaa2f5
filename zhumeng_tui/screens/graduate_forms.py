"""The forms of the graduate services and the hardship ledger.

Each function builds one :class:`~zhumeng_tui.widgets.form.FormScreen`: its
fields and the parse step that checks the input with the domain rule the
services and the server apply, returning the request the services send (a
``GraduateUpdate``, a ``SessionCreate``, a ``VisitCreate``...). A refusal is
shown in the form and nothing is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from zhumeng_tui.api_client.schemas import (
    CaseClose,
    CaseCreate,
    CaseUpdate,
    CategoryIn,
    Graduate,
    GraduateUpdate,
    HardshipCase,
    PlanRequest,
    SessionCreate,
    Staff,
    SubsidyStepRequest,
    VisitCreate,
)
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import (
    EMPLOYMENT_LABELS,
    NEED_LABELS,
    SESSION_LABELS,
    STAY_LABELS,
    USUAL_NEED,
    EmploymentStatus,
    NeedKind,
    StayIntent,
    check_cities,
    check_employment,
    check_needs,
    check_session,
    check_skills,
    split_list,
)
from zhumeng_tui.domain.hardship import (
    CATEGORY_LABELS,
    CLOSE_LABELS,
    OFFICER_LABELS,
    OUTCOME_LABELS,
    SUBSIDY_LABELS,
    VISIT_CHANNELS,
    CaseState,
    CategoryEntry,
    CloseReason,
    OfficerKind,
    SubsidyFacts,
    SubsidyStep,
    check_categories,
    check_close,
    check_officer,
    check_plan,
    check_subsidy_step,
    check_visit,
    close_reason_for,
    officer_kind,
    visit_outcome,
)
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.widgets.form import Field, FieldKind, FormScreen, FormValues
from zhumeng_tui.widgets.graduates_common import channel_text

Choices = list[tuple[str, str]]


def _choices(labels: Mapping[Any, tuple[str, str]]) -> Choices:
    return [(tr_pair(label), str(code)) for code, label in labels.items()]


def _int(text: str, what: tuple[str, str]) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise DomainError("bad_amount", f"{what[0]}须为整数", f"The {what[1]} must be a whole number") from None


# --------------------------------------------------------------- graduates ----


def profile_form(g: Graduate) -> FormScreen[GraduateUpdate]:
    """A graduate's needs (one box each), intent to stay, preferred cities and skills."""
    asked = {n.kind for n in g.needs}
    fields = [Field(f"need_{k.value}", tr_pair(NEED_LABELS[k]), FieldKind.CHECK, k in asked) for k in NeedKind]
    fields += [
        Field("stay", tr("留省意愿", "Intent to stay in the province"), FieldKind.SELECT, g.stay_intent.value,
              _choices(STAY_LABELS)),
        Field("cities", tr("意向城市（用逗号或顿号分隔）", "Preferred cities (separated by commas)"),
              FieldKind.TEXT, "、".join(g.preferred_cities)),
        Field("skills", tr("技能（用逗号或顿号分隔）", "Skills (separated by commas)"), FieldKind.TEXT, "、".join(g.skills)),
    ]

    def parse(values: FormValues) -> GraduateUpdate:
        needs = check_needs(k for k in NeedKind if values.checked(f"need_{k.value}"))
        cities = check_cities(split_list(values.text("cities")))
        skills = check_skills(split_list(values.text("skills")))
        stay = StayIntent(values.choice("stay") or g.stay_intent)
        update = GraduateUpdate(
            needs=needs if needs != [n.kind for n in g.needs] else None,
            stay_intent=stay if stay != g.stay_intent else None,
            preferred_cities=cities if cities != g.preferred_cities else None,
            skills=skills if skills != g.skills else None,
        )
        if not update.model_dump(exclude_none=True, exclude={"need_source"}):
            raise DomainError("nothing_to_change", "没有要修改的内容", "Nothing to change")
        return update

    return FormScreen(tr("服务需求与意向", "Needs and intentions"), fields, parse,
                      tr("勾选毕业生提出的服务需求；新增的需求记为今天由工作人员录入。",
                         "Tick the services the graduate asked for; a new one is recorded today, by staff."))


def employment_form(count: int, today: dt.date,
                    current: EmploymentStatus | None = None) -> FormScreen[tuple[EmploymentStatus, dt.date]]:
    """The employment status (and its date) of ``count`` graduates."""
    fields = [
        Field("status", tr("就业状态", "Employment status"), FieldKind.SELECT,
              current.value if current else None, _choices(EMPLOYMENT_LABELS)),
        Field("date", tr("日期", "Date"), FieldKind.DATE, today),
    ]

    def parse(values: FormValues) -> tuple[EmploymentStatus, dt.date]:
        status = values.choice("status")
        if status is None:
            raise DomainError("status_required", "请选择就业状态", "Choose the employment status")
        date = values.date("date")
        st = check_employment(status, date, today)
        assert date is not None
        return st, date

    return FormScreen(tr(f"登记就业状态（{count} 名毕业生）", f"Employment status ({count} graduates)"), fields, parse)


# ---------------------------------------------------------------- sessions ----


def session_form(today: dt.date, universities: Sequence[tuple[int, str]],
                 own_university: int | None) -> FormScreen[SessionCreate]:
    """A new service session; a city account names the university it is at."""
    fields = []
    if own_university is None:
        fields.append(Field("university", tr("所在高校", "University"), FieldKind.SELECT,
                            str(universities[0][0]) if len(universities) == 1 else None,
                            [(name, str(i)) for i, name in universities]))
    fields += [
        Field("title", tr("活动主题", "Title")),
        Field("kind", tr("形式", "Kind"), FieldKind.SELECT, None, _choices(SESSION_LABELS)),
        Field("serves", tr("服务需求（空：按形式）", "Need served (empty: as usual for the kind)"), FieldKind.SELECT,
              None, _choices(NEED_LABELS)),
        Field("date", tr("日期", "Date"), FieldKind.DATE, today),
        Field("provider", tr("主讲人/提供方", "Provider")),
        Field("place", tr("地点", "Place")),
    ]

    def parse(values: FormValues) -> SessionCreate:
        kind = values.choice("kind")
        if kind is None:
            raise DomainError("bad_session_kind", "请选择活动形式", "Choose the kind of session")
        serves = values.choice("serves") or USUAL_NEED[check_session(kind, "guidance", "x", today, "x", "x")[0]]
        k, need = check_session(kind, serves, values.text("title"), values.date("date"), values.text("provider"),
                                values.text("place"))
        university = own_university
        if university is None:
            chosen = values.choice("university")
            if chosen is None:
                raise DomainError("university_required", "请选择活动所在的高校", "Choose the university")
            university = int(chosen)
        date = values.date("date")
        assert date is not None
        return SessionCreate(university_id=university if own_university is None else None, kind=k, serves=need,
                             title=values.text("title").strip(), date=date, provider=values.text("provider").strip(),
                             place=values.text("place").strip())

    return FormScreen(tr("登记服务活动", "Record a service session"), fields, parse,
                      tr("毕业生参加某一需求的活动后，该需求即算已服务。",
                         "A need counts as served once the graduate attended a session serving it."))


# ------------------------------------------------------------------- cases ----


def _category_fields(current: Sequence[CategoryEntry]) -> list[Field]:
    have = {e.category: e.note for e in current}
    fields = []
    for c, (zh, en) in CATEGORY_LABELS.items():
        fields.append(Field(f"cat_{c.value}", tr(zh, en), FieldKind.CHECK, c in have))
        fields.append(Field(f"note_{c.value}", tr(f"{zh}：说明" + ("（必填）" if c.value == "special" else ""),
                                                  f"{en}: note" + (" (required)" if c.value == "special" else "")),
                            FieldKind.TEXT, have.get(c, "")))
    return fields


def _categories(values: FormValues) -> list[CategoryIn]:
    chosen = [CategoryEntry(c, values.text(f"note_{c.value}")) for c in CATEGORY_LABELS
              if values.checked(f"cat_{c.value}")]
    return [CategoryIn(category=e.category, note=e.note) for e in check_categories(chosen)]


def _officer_fields(officers: Sequence[Staff], officer: str | None, kind: OfficerKind | None) -> list[Field]:
    return [
        Field("officer", tr("帮扶专员（本校工作人员）", "Officer (staff of this university)"), FieldKind.SELECT, officer,
              [(f"{s.display_name} ({s.username})", s.username) for s in officers]),
        Field("officer_kind", tr("专员类别", "Kind of officer"), FieldKind.SELECT,
              kind.value if kind else OfficerKind.EMPLOYMENT.value, _choices(OFFICER_LABELS)),
    ]


def open_case_form(graduate_id: int, officers: Sequence[Staff]) -> FormScreen[CaseCreate]:
    """Open a hardship case: the categories that apply and the responsible officer."""

    def parse(values: FormValues) -> CaseCreate:
        categories = _categories(values)
        officer = values.choice("officer") or ""
        check_officer(officer)
        return CaseCreate(graduate_id=graduate_id, categories=categories, officer=officer,
                          officer_kind=officer_kind(values.choice("officer_kind")))

    return FormScreen(tr("建立困难帮扶档案", "Open a hardship case"),
                      [*_category_fields([]), *_officer_fields(officers, None, None)], parse,
                      tr("可多选；“特殊困难”须写明具体困难。", "Several may apply; say what a special hardship is."))


def case_form(case: HardshipCase, officers: Sequence[Staff]) -> FormScreen[CaseUpdate]:
    """Change the categories and the officer of a case."""
    current = [CategoryEntry(c.category, c.note) for c in case.categories]

    def parse(values: FormValues) -> CaseUpdate:
        categories = _categories(values)
        officer = values.choice("officer") or case.officer
        kind = officer_kind(values.choice("officer_kind"))
        update = CaseUpdate(
            categories=categories if [(c.category, c.note) for c in categories] != [
                (c.category, c.note) for c in case.categories] else None,
            officer=officer if officer != case.officer else None,
            officer_kind=kind if kind != case.officer_kind else None,
        )
        if not update.model_dump(exclude_none=True):
            raise DomainError("nothing_to_change", "没有要修改的内容", "Nothing to change")
        return update

    return FormScreen(tr("困难类别与帮扶专员", "Categories and officer"),
                      [*_category_fields(current), *_officer_fields(officers, case.officer, case.officer_kind)], parse)


def plan_form(case: HardshipCase) -> FormScreen[PlanRequest]:
    """The one-to-one plan (分类帮扶计划): measures and a target date."""
    plan = case.plan
    fields = [
        Field("measures", tr("帮扶措施", "Measures"), FieldKind.TEXT, plan.measures if plan else ""),
        Field("target", tr("目标日期", "Target date"), FieldKind.DATE, plan.target_date if plan else None),
    ]

    def parse(values: FormValues) -> PlanRequest:
        target = values.date("target")
        check_plan(values.text("measures"), target, case.opened_on)
        assert target is not None
        return PlanRequest(measures=values.text("measures").strip(), target_date=target)

    return FormScreen(tr("一对一帮扶计划", "One-to-one plan"), fields, parse)


def visit_form(case: HardshipCase, today: dt.date) -> FormScreen[VisitCreate]:
    """A visit (回访): date, channel, outcome, note."""
    fields = [
        Field("date", tr("回访日期", "Date"), FieldKind.DATE, today),
        Field("channel", tr("方式", "Channel"), FieldKind.SELECT, VISIT_CHANNELS[0],
              [(channel_text(c), c) for c in VISIT_CHANNELS]),
        Field("outcome", tr("结果", "Outcome"), FieldKind.SELECT, None, _choices(OUTCOME_LABELS)),
        Field("note", tr("回访情况", "Note")),
    ]

    def parse(values: FormValues) -> VisitCreate:
        date = values.date("date")
        channel = values.choice("channel") or ""
        outcome = values.choice("outcome")
        if outcome is None:
            raise DomainError("bad_outcome", "请选择回访结果", "Choose the outcome of the visit")
        checked = check_visit(date, channel, values.text("note"), outcome, case.opened_on, today)
        assert date is not None
        return VisitCreate(date=date, channel=channel, note=values.text("note").strip(), outcome=visit_outcome(checked))

    return FormScreen(tr("添加回访记录", "Add a visit"), fields, parse)


def subsidy_form(case: HardshipCase, step: SubsidyStep, today: dt.date) -> FormScreen[SubsidyStepRequest]:
    """The next step of the job-seeking subsidy (applied: the amount)."""
    zh, en = SUBSIDY_LABELS[step]
    fields = [Field("date", tr(f"“{zh}”日期", f"Date ({en.lower()})"), FieldKind.DATE, today)]
    if step in (SubsidyStep.APPLIED, SubsidyStep.APPROVED):
        label = ("申请金额（元）", "Amount applied for (yuan)") if step == SubsidyStep.APPLIED else (
            "审批金额（元，空：与申请相同）", "Amount approved (yuan; empty: as applied)")
        fields.append(Field("amount", tr(*label), FieldKind.INT))
    facts = case.subsidy.facts() if case.subsidy else None

    def parse(values: FormValues) -> SubsidyStepRequest:
        amount = _int(values.text("amount"), ("金额", "amount")) if step != SubsidyStep.PAID else None
        date = values.date("date")
        check_subsidy_step(facts or SubsidyFacts(), step, date, amount, case.state == CaseState.OPEN,
                           case.opened_on, today)
        assert date is not None
        return SubsidyStepRequest(step=step, date=date, amount=amount)

    return FormScreen(tr(f"求职创业补贴：{zh}", f"Job-seeking subsidy: {en.lower()}"), fields, parse)


def close_form(case: HardshipCase, status: EmploymentStatus) -> FormScreen[CaseClose]:
    """Close a case: the reason its graduate's status gives, or another with a written reason."""
    usual = close_reason_for(status) or CloseReason.OTHER
    fields = [
        Field("reason", tr("结案原因", "Reason"), FieldKind.SELECT, usual.value, _choices(CLOSE_LABELS)),
        Field("note", tr("说明（以“其他”结案时必填）", "Note (required for another reason)")),
    ]

    def parse(values: FormValues) -> CaseClose:
        reason = check_close(case.state, values.choice("reason"), values.text("note"), status)
        return CaseClose(reason=reason, note=values.text("note").strip())

    return FormScreen(tr("结案", "Close the case"), fields, parse,
                      tr("毕业生已就业、升学、参军或自主创业时结案；否则须写明原因。",
                         "Close when the graduate is employed, studying, enlisted or in business; otherwise"
                         " write the reason."))
