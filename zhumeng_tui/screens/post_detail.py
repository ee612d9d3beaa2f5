"""One job post: what it offers and asks for, where it comes from, who
verified it and when, and the answers of the graduates it was pushed to.
``v`` verifies it (offered to the accounts that may: a university its own, a
city account its city's, the province any)."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from zhumeng_tui.domain.posts import ANSWER_LABELS, Answer
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.services import PostDetail
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.graduates_common import sep
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.posts_common import education_text, salary_text, source_text
from zhumeng_tui.widgets.tracking_common import local_text


class PostDetailScreen(DataScreen[PostDetail]):
    TITLE_TEXT = ("岗位", "Job post")
    HELP_TEXT = (
        "岗位的要求、来源与审核；推送给毕业生后的反馈。v 审核（只有审核过的岗位会被推荐）。",
        "The post's requirements, source and verification; the answers of the graduates it was pushed to."
        " v verifies it (only verified posts are recommended).",
    )
    DEFAULT_CSS = """
    PostDetailScreen #pd-body { height: 1fr; padding: 0 1; }
    PostDetailScreen #pd-head { text-style: bold; }
    PostDetailScreen #pd-local { color: $warning; }
    """
    BINDINGS: ClassVar = [K("v", "verify", "审核", "Verify", id="post.verify")]
    RELOAD_ON_RESUME = True

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id
        self.detail: PostDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="pd-body"):
            yield Static(tr("加载中…", "Loading…"), id="pd-head")
            yield Static("", id="pd-info")
            yield Static("", id="pd-answers")
            yield Static("", id="pd-local")
        yield KeyFooter()

    def fetch(self) -> PostDetail:
        return self.services.post_detail(self.post_id)

    def show(self, value: PostDetail) -> None:
        d = self.detail = value
        p = d.post
        self.query_one("#pd-head", Static).update(f"{p.title} · {p.employer}")
        majors = sep().join(p.majors) or tr("不限", "any")
        skills = sep().join(p.skills) or "—"
        if p.verified_on:
            verified = tr(f"{p.verified_by} 于 {p.verified_on} 审核", f"verified by {p.verified_by} on {p.verified_on}")
        else:
            verified = tr("未审核（不会被推荐）", "not verified (not recommended)")
        scope = (tr("本校", "this university") if p.university_id else p.owner_city or tr("全省", "province-wide"))
        expired = tr("（已过期）", " (expired)") if d.expired else ""
        self.query_one("#pd-info", Static).update(Text(tr(
            f"类别：{p.category} · 工作城市：{p.city} · 月薪：{salary_text(p)}元 · 招聘 {p.openings} 人\n"
            f"专业要求：{majors}\n技能要求：{skills}\n学历要求：{education_text(p.education)}\n"
            f"有效期至：{p.valid_until}{expired}\n来源：{source_text(p.source)} · 面向：{scope} · 发布：{p.created_by}\n"
            f"审核：{verified}",
            f"Category: {p.category} · City: {p.city} · Salary: {salary_text(p)} yuan · {p.openings} openings\n"
            f"Majors: {majors}\nSkills: {skills}\nEducation: {education_text(p.education)}\n"
            f"Valid until: {p.valid_until}{expired}\nSource: {source_text(p.source)} · For: {scope} · by"
            f" {p.created_by}\nVerification: {verified}",
        )))
        parts = [f"{tr_pair(ANSWER_LABELS[a])} {d.answers.get(a.value, 0)}" for a in Answer]
        total = sum(d.answers.values())
        self.query_one("#pd-answers", Static).update(
            tr(f"已推送 {total} 人 · 待反馈 {d.answers.get('pending', 0)} · ", f"Pushed to {total} · no answer "
               f"{d.answers.get('pending', 0)} · ") + " · ".join(parts))
        local = ""
        if d.local_state:
            local = tr("本地：", "Local: ") + str(local_text(d.local_state))
            if d.local_message:
                local += f" — {d.local_message}"
        self.query_one("#pd-local", Static).update(local)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "verify":
            return self.detail is not None and self.detail.may_verify
        return super().check_action(action, parameters)

    def action_verify(self) -> None:
        self.send_change(partial(self.services.verify_post, self.post_id))
