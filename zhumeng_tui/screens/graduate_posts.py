"""A graduate's recommended posts: the three best verified, unexpired posts
with why each was picked (or why none fits), computed from the cache (offline
too) with the ranking the server uses; and the posts pushed to the graduate
with their answers.

Keys: ``p`` pushes the three, ``enter`` on a pushed post records the answer
(已录用 also records the graduate employed).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.domain.posts import Answer
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.post_forms import answer_form
from zhumeng_tui.services import GraduatePosts
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.posts_common import answer_text, post_line
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text


class GraduatePostsScreen(DataScreen[GraduatePosts]):
    TITLE_TEXT = ("推荐岗位", "Recommended posts")
    HELP_TEXT = (
        "为该毕业生推荐的三个已审核、未过期岗位（按专业、技能、意向城市、学历排序，尽量来自不同单位），"
        "每个都写明推荐理由；没有合适岗位时说明原因。p 推送这三个岗位，回车为已推送的岗位登记反馈。",
        "Three verified, unexpired posts for this graduate (by major, skills, preferred city, education; from"
        " different employers where possible), each with its reasons; none fitting: why. p pushes them,"
        " enter records the answer to a pushed post.",
    )
    DEFAULT_CSS = """
    GraduatePostsScreen #gp-body { height: 1fr; padding: 0 1; }
    GraduatePostsScreen #gp-head { text-style: bold; }
    GraduatePostsScreen DataTable { height: auto; max-height: 10; margin-top: 1; }
    """
    BINDINGS: ClassVar = [
        K("p", "push", "推送", "Push", id="graduate_posts.push"),
        K("enter", "answer", "登记反馈", "Answer", id="graduate_posts.answer"),
    ]
    RELOAD_ON_RESUME = True

    def __init__(self, graduate_id: int, who: str) -> None:
        super().__init__()
        self.graduate_id = graduate_id
        self.who = who
        self.value: GraduatePosts | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="gp-body"):
            yield Static(self.who, id="gp-head")
            yield Static(tr("计算推荐中…", "Recommending…"), id="gp-picks")
            pushes: DataTable[str | Text] = DataTable(id="gp-pushes", cursor_type="row")
            yield pushes
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#gp-pushes", DataTable)
        for label in (tr("推送日期", "Pushed"), tr("岗位", "Post"), tr("反馈", "Answer"), tr("反馈日期", "On"),
                      tr("本地", "Local")):
            table.add_column(label)

    def fetch(self) -> GraduatePosts:
        return self.services.graduate_posts(self.graduate_id)

    def show(self, value: GraduatePosts) -> None:
        self.value = value
        out = Text()
        if value.picks:
            for i, pk in enumerate(value.picks, start=1):
                out.append(f"{i}. {post_line(pk.post)}", style="bold")
                if pk.pushed:
                    out.append(tr("（已推送）", " (pushed)"))
                out.append(f"\n   {pk.reasons}\n")
        else:
            out.append(tr("没有合适的岗位：", "No fitting post: "), style="bold")
            out.append(value.reason or "")
        self.query_one("#gp-picks", Static).update(out)
        table = self.query_one("#gp-pushes", DataTable)
        table.clear()
        for line in value.pushes:
            title = f"{line.post.title} · {line.post.employer}" if line.post else f"#{line.push.post_id}"
            table.add_row(fmt_date(line.push.pushed_on), title, answer_text(line.push.answer),
                          fmt_date(line.push.answered_on) if line.push.answered_on else "",
                          local_text(line.local_state))
        if not value.pushes:
            table.add_row("", Text(tr("尚未推送岗位", "No post pushed yet"), style="dim"), "", "", "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "push":
            return may(self.role, Change.PUSH_POSTS)
        if action == "answer":
            return may(self.role, Change.ANSWER_PUSH)
        return super().check_action(action, parameters)

    def action_push(self) -> None:
        if self.value is None:
            return
        if not self.value.picks:
            self.notify(tr("没有可推送的岗位", "No post to push"), severity="warning")
            return
        self.send_change(partial(self.services.push_recommendations, [self.graduate_id]))

    def action_answer(self) -> None:
        v = self.value
        row = self.query_one("#gp-pushes", DataTable).cursor_row
        if v is None or not v.pushes or not 0 <= row < len(v.pushes):
            return
        line = v.pushes[row]
        title = line.post.title if line.post else f"#{line.push.post_id}"

        def send(value: tuple[Answer, dt.date] | None) -> None:
            if value is not None:
                self.send_change(partial(self.services.answer_push, line.push.id, *value))

        self.app.push_screen(answer_form(title, line.push.pushed_on, self.services.today()), send)

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_answer()
