"""Shared bits of the job-post screens: the words for sources, education and
answers, and a post's salary and one-line description."""

from __future__ import annotations

from rich.text import Text

from zhumeng_tui.api_client.schemas import JobPost
from zhumeng_tui.domain.posts import (
    ANSWER_LABELS,
    EDUCATION_LABELS,
    SOURCE_LABELS,
    Answer,
    Education,
    PostSource,
)
from zhumeng_tui.i18n import tr, tr_pair


def source_text(source: PostSource | str) -> str:
    return tr_pair(SOURCE_LABELS[PostSource(source)])


def education_text(education: Education | str) -> str:
    return tr_pair(EDUCATION_LABELS[Education(education)])


def answer_text(answer: Answer | str | None) -> Text:
    if answer is None:
        return Text(tr("待反馈", "No answer yet"), style="dim")
    return Text(tr_pair(ANSWER_LABELS[Answer(answer)]), style="bold" if answer == Answer.HIRED else "")


def salary_text(p: JobPost) -> str:
    if p.salary_min is None and p.salary_max is None:
        return tr("面议", "negotiable")
    if p.salary_min is not None and p.salary_max is not None:
        return f"{p.salary_min}-{p.salary_max}"
    return str(p.salary_min or p.salary_max)


def verified_text(p: JobPost) -> Text:
    if p.verified_on is None:
        return Text(tr("未审核", "Not verified"), style="bold")
    return Text(tr("已审核", "Verified"))


def post_line(p: JobPost) -> str:
    """``Python开发工程师 · 成都天府软件 · 成都市 · 6000-9000元 · 至2026-06-30``."""
    return tr(f"{p.title} · {p.employer} · {p.city} · {salary_text(p)}元/月 · 至{p.valid_until}",
              f"{p.title} · {p.employer} · {p.city} · {salary_text(p)} yuan/month · until {p.valid_until}")
