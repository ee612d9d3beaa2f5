"""The forms of job posts: a new post, a graduate's answer to a pushed post,
and the confirmation of a push. Each form checks its input with the domain
functions the services and the server apply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from zhumeng_tui.api_client.schemas import PostCreate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import split_list
from zhumeng_tui.domain.posts import (
    ANSWER_LABELS,
    CATEGORIES,
    EDUCATION_LABELS,
    SOURCE_LABELS,
    Answer,
    check_answer,
    check_category,
    check_employer,
    check_majors,
    check_openings,
    check_post_city,
    check_post_skills,
    check_post_title,
    check_salary,
    check_valid_until,
    parse_education,
    parse_source,
)
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.services import PushSummary
from zhumeng_tui.widgets.form import Field, FieldKind, FormScreen, FormValues


def _int(text: str, what: tuple[str, str]) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("not_a_number", f"{what[0]}须为整数（{text}）", f"The {what[1]} must be a whole number ({text})")
    return int(text)


def post_form(today: dt.date, cities: Sequence[str]) -> FormScreen[PostCreate]:
    """A new job post."""
    fields = [
        Field("employer", tr("用人单位", "Employer")),
        Field("title", tr("岗位名称", "Title")),
        Field("category", tr("岗位类别", "Category"), FieldKind.SELECT, None, [(c, c) for c in CATEGORIES]),
        Field("city", tr("工作城市", "City"), FieldKind.TEXT, cities[0] if cities else ""),
        Field("salary_min", tr("月薪下限（元）", "Monthly salary from (yuan)"), FieldKind.INT),
        Field("salary_max", tr("月薪上限（元）", "Monthly salary to (yuan)"), FieldKind.INT),
        Field("majors", tr("专业要求（逗号分隔，空：不限）", "Majors (comma-separated; empty: any)")),
        Field("skills", tr("技能要求（逗号分隔）", "Skills (comma-separated)")),
        Field("education", tr("学历要求", "Education"), FieldKind.SELECT, "bachelor",
              [(tr_pair(v), k.value) for k, v in EDUCATION_LABELS.items()]),
        Field("openings", tr("招聘人数", "Openings"), FieldKind.INT, 1),
        Field("valid_until", tr("有效期至", "Valid until"), FieldKind.DATE, today + dt.timedelta(days=60)),
        Field("source", tr("来源", "Source"), FieldKind.SELECT, "campus",
              [(tr_pair(v), k.value) for k, v in SOURCE_LABELS.items()]),
    ]

    def parse(values: FormValues) -> PostCreate:
        check_employer(values.text("employer"))
        check_post_title(values.text("title"))
        category = values.choice("category") or ""
        check_category(category)
        check_post_city(values.text("city"))
        low = _int(values.text("salary_min"), ("月薪下限", "salary"))
        high = _int(values.text("salary_max"), ("月薪上限", "salary"))
        check_salary(low, high)
        openings = _int(values.text("openings"), ("招聘人数", "openings")) or 0
        check_openings(openings)
        valid_until = values.date("valid_until")
        check_valid_until(valid_until, today)
        assert valid_until is not None
        return PostCreate(
            employer=values.text("employer").strip(), title=values.text("title").strip(), category=category,
            city=values.text("city").strip(), salary_min=low, salary_max=high,
            majors=check_majors(split_list(values.text("majors"))),
            skills=check_post_skills(split_list(values.text("skills"))),
            education=parse_education(values.choice("education") or ""), openings=openings,
            valid_until=valid_until, source=parse_source(values.choice("source")),
        )

    return FormScreen(tr("发布岗位信息", "Add a job post"), fields, parse,
                      tr("审核后的岗位才会推荐给毕业生。", "Only verified posts are recommended to graduates."))


def answer_form(title: str, pushed_on: dt.date, today: dt.date) -> FormScreen[tuple[Answer, dt.date]]:
    """A graduate's answer to a pushed post (已录用 also records them employed)."""
    fields = [
        Field("answer", tr("反馈", "Answer"), FieldKind.SELECT, None,
              [(tr_pair(v), k.value) for k, v in ANSWER_LABELS.items()]),
        Field("date", tr("日期", "Date"), FieldKind.DATE, today),
    ]

    def parse(values: FormValues) -> tuple[Answer, dt.date]:
        answer = values.choice("answer")
        if answer is None:
            raise DomainError("answer_required", "请选择反馈", "Choose the answer")
        date = values.date("date")
        a = check_answer(answer, date, pushed_on, today)
        assert date is not None
        return a, date

    return FormScreen(tr(f"登记反馈：{title}", f"Answer: {title}"), fields, parse,
                      tr("已录用：未就业的毕业生同时登记为已就业·签约。",
                         "Hired: a graduate not yet employed is also recorded as employed (signed)."))


def push_confirm(summary: PushSummary) -> FormScreen[bool]:
    """Confirm a push: how many graduates and posts, who has no fitting post."""
    hint = tr(
        f"向 {len(summary.graduate_ids)} 名毕业生推送 {summary.posts} 个岗位（困难毕业生优先）。"
        f"没有合适岗位：{summary.without} 人；已推送过的 {summary.already} 个不再推送。",
        f"Push {summary.posts} posts to {len(summary.graduate_ids)} graduates (hardship graduates first)."
        f" Without a fitting post: {summary.without}; {summary.already} already pushed are not sent again.",
    )
    return FormScreen(tr("推送推荐岗位", "Push the recommended posts"), [], lambda _: True, hint)
