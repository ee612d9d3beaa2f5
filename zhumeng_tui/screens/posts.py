"""岗位信息 (key J): the job posts in scope, valid ones first, with their
employer, city, salary, education, whether verified and how many graduates
they were pushed to. Filters: search (employer, title), city, category,
major, verified, expired. ``n`` adds a post, ``enter`` opens one
(:mod:`zhumeng_tui.screens.post_detail`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Select

from zhumeng_tui.api_client.schemas import PostCreate
from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ChangeApplied
from zhumeng_tui.screens.post_detail import PostDetailScreen
from zhumeng_tui.screens.post_forms import post_form
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import PostFilter, PostOptions, PostRow
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.posts_common import education_text, salary_text, verified_text
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text

#: The verified select's values and the expired select's.
_VERIFIED = {"yes": True, "no": False}
_EXPIRED = {"valid": False, "expired": True, "all": None}


class PostOptionsLoaded(Message):
    def __init__(self, options: PostOptions) -> None:
        super().__init__()
        self.options = options


class PostAdded(ChangeApplied):
    """A post was added: the screen opens it."""


class PostsScreen(RecordListScreen[PostFilter, PostRow]):
    TITLE_TEXT = ("岗位信息", "Job posts")
    HELP_TEXT = (
        "岗位信息：人社归集、校园招聘、用人单位自报的岗位，审核后才会推荐给毕业生。"
        "按城市、类别、专业、审核状态、是否过期筛选；n 发布岗位，回车打开岗位（v 审核）。",
        "Job posts from the HR bureau, campus recruitment and employers; only verified posts are recommended."
        " Filter by city, category, major, verified, expired; n adds a post, enter opens one (v verifies).",
    )
    DEFAULT_CSS = """
    PostsScreen #p-city, PostsScreen #p-category { width: 14; }
    PostsScreen #p-major { width: 18; }
    PostsScreen #p-verified, PostsScreen #p-expired { width: 12; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="posts.search", key_display="/"),
        K("enter", "open", "打开", "Open", id="posts.open", show=False),
        K("n", "new", "发布岗位", "New post", id="posts.new"),
    ]
    ID = "p"
    EXPORT_LIST = "posts"
    COLUMNS = (
        (("岗位", "Title"), "title"),
        (("用人单位", "Employer"), "employer"),
        (("城市", "City"), "city"),
        (("月薪", "Salary"), "salary"),
        (("学历", "Edu."), "education"),
        (("审核", "Verified"), "verified"),
        (("有效期至", "Until"), "until"),
        (("推送", "Pushed"), "pushed"),
        (("类别", "Category"), "category"),
        (("本地", "Local"), "local"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.options: PostOptions | None = None

    def compose_filters(self) -> ComposeResult:
        box = self.search_box()
        box.placeholder = tr("/ 搜索 单位·岗位", "/ search employer, title")
        yield box
        yield Select[str]([], prompt=tr("全部城市", "All cities"), id="p-city", compact=True)
        yield Select[str]([], prompt=tr("全部类别", "All categories"), id="p-category", compact=True)
        yield Select[str]([], prompt=tr("全部专业", "All majors"), id="p-major", compact=True)
        yield Select[str]([(tr("已审核", "Verified"), "yes"), (tr("未审核", "Not verified"), "no")],
                          prompt=tr("审核:全部", "Any"), id="p-verified", compact=True)
        yield Select[str]([(tr("有效", "Valid"), "valid"), (tr("已过期", "Expired"), "expired"),
                           (tr("全部", "All"), "all")], value="valid", allow_blank=False, id="p-expired",
                          compact=True)

    def on_mount(self) -> None:
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="post-options")
    def _load_options(self) -> None:
        self.post_message(PostOptionsLoaded(self.services.post_options()))

    @on(PostOptionsLoaded)
    def _options(self, event: PostOptionsLoaded) -> None:
        self.options = o = event.options
        self.query_one("#p-city", Select).set_options([(c, c) for c in o.cities])
        self.query_one("#p-category", Select).set_options([(c, c) for c in o.categories])
        self.query_one("#p-major", Select).set_options([(m, m) for m in o.majors])

    def filter_values(self) -> PostFilter:
        expired = self.query_one("#p-expired", Select).value
        return PostFilter(text=self.search_text(), city=self.select_value("p-city", str),
                          category=self.select_value("p-category", str), major=self.select_value("p-major", str),
                          verified=self.select_value("p-verified", _VERIFIED.__getitem__),
                          expired=_EXPIRED.get(str(expired), False))

    def fetch(self, f: PostFilter) -> list[PostRow]:
        return self.services.query_posts(f)

    def cells(self, r: PostRow) -> Sequence[Cell]:
        p = r.post
        until = fmt_date(p.valid_until) + (tr("（过期）", " (expired)") if r.expired else "")
        return (p.title, p.employer, p.city, salary_text(p), education_text(p.education), verified_text(p), until,
                str(r.pushed), p.category, local_text(r.local_state))

    def row_key(self, r: PostRow) -> str:
        return str(r.post.id)

    def count_text(self, rows: list[PostRow]) -> str:
        verified = sum(1 for r in rows if r.post.verified_on is not None)
        return tr(f"共 {len(rows)} 个岗位 · 已审核 {verified}", f"{len(rows)} posts · {verified} verified")

    def action_open(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.app.push_screen(PostDetailScreen(row.post.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return may(self.role, Change.CREATE_POST)
        return super().check_action(action, parameters)

    def action_new(self) -> None:
        def send(data: PostCreate | None) -> None:
            if data is not None:
                self.send_change(partial(self.services.add_post, data), PostAdded)

        cities = self.options.cities if self.options else []
        self.app.push_screen(post_form(self.services.today(), cities), send)

    @on(PostAdded)
    def _added(self, event: PostAdded) -> None:
        added = event.results[0]
        if added.ok:
            self.app.push_screen(PostDetailScreen(added.record_id))
