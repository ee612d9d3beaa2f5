"""Service sessions (服务活动): every session at the universities in scope,
newest first, with its kind, the need it serves, who runs it and how many
attended. ``n`` records a new one, ``enter`` opens it
(:mod:`zhumeng_tui.screens.session_detail`)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Select

from zhumeng_tui.api_client.schemas import SessionCreate
from zhumeng_tui.domain.graduates import NEED_LABELS, SESSION_LABELS, NeedKind, SessionKind
from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.base import ChangeApplied
from zhumeng_tui.screens.graduate_actions import GraduateOptionsLoaded
from zhumeng_tui.screens.graduate_forms import session_form
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.screens.session_detail import SessionDetailScreen
from zhumeng_tui.services import GraduateOptions, SessionFilter, SessionRow
from zhumeng_tui.widgets.graduates_common import need_text, session_kind_text
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text


class SessionAdded(ChangeApplied):
    """A session was recorded: the screen opens it."""


class SessionsScreen(RecordListScreen[SessionFilter, SessionRow]):
    TITLE_TEXT = ("服务活动", "Service sessions")
    HELP_TEXT = (
        "进校园的服务活动（讲座、座谈、观摩、培训班、一对一咨询、创业培训）及其服务的需求。"
        "n 登记新活动，回车打开活动登记签到。",
        "Service sessions on campus (lectures, seminars, site visits, courses, one-to-one advice, start-up"
        " training) and the need each serves. n records a new one; enter opens it to record attendance.",
    )
    DEFAULT_CSS = """
    SessionsScreen #s-kind, SessionsScreen #s-serves { width: 18; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="sessions.search", key_display="/"),
        K("enter", "open", "打开", "Open", id="sessions.open", show=False),
        K("n", "new", "新活动", "New session", id="sessions.new"),
    ]
    ID = "s"
    COLUMNS = (
        (("日期", "Date"), "date"),
        (("主题", "Title"), "title"),
        (("人数", "Att."), "count"),
        (("形式", "Kind"), "kind"),
        (("服务需求", "Serves"), "serves"),
        (("主办", "Run by"), "organiser"),
        (("地点", "Place"), "place"),
        (("本地", "Local"), "local"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.options: GraduateOptions | None = None

    def compose_filters(self) -> ComposeResult:
        box = self.search_box()
        box.placeholder = tr("/ 搜索 主题·主讲·地点", "/ search title, provider, place")
        yield box
        yield Select[str]([(tr_pair(v), k.value) for k, v in SESSION_LABELS.items()],
                          prompt=tr("全部形式", "All kinds"), id="s-kind", compact=True)
        yield Select[str]([(tr_pair(v), k.value) for k, v in NEED_LABELS.items()],
                          prompt=tr("全部需求", "All needs"), id="s-serves", compact=True)

    def on_mount(self) -> None:
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="graduate-options")
    def _load_options(self) -> None:
        self.post_message(GraduateOptionsLoaded(self.services.graduate_options()))

    @on(GraduateOptionsLoaded)
    def _options(self, event: GraduateOptionsLoaded) -> None:
        self.options = event.options

    def filter_values(self) -> SessionFilter:
        return SessionFilter(text=self.search_text(), kind=self.select_value("s-kind", SessionKind),
                             serves=self.select_value("s-serves", NeedKind))

    def fetch(self, f: SessionFilter) -> list[SessionRow]:
        return self.services.query_sessions(f)

    def cells(self, r: SessionRow) -> Sequence[Cell]:
        s = r.session
        return (fmt_date(s.date), s.title, str(r.attendees), session_kind_text(s.kind), need_text(s.serves),
                r.organiser, s.place, local_text(r.local_state))

    def row_key(self, r: SessionRow) -> str:
        return str(r.session.id)

    def count_text(self, rows: list[SessionRow]) -> str:
        return tr(f"共 {len(rows)} 场活动 · {sum(r.attendees for r in rows)} 人次",
                  f"{len(rows)} sessions · {sum(r.attendees for r in rows)} attendances")

    def action_open(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.app.push_screen(SessionDetailScreen(row.session.id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            return may(self.role, Change.CREATE_SESSION)
        return super().check_action(action, parameters)

    def action_new(self) -> None:
        if self.options is None:
            return

        def send(data: SessionCreate | None) -> None:
            if data is not None:
                self.send_change(partial(self.services.add_session, data), SessionAdded)

        me = self.services.me
        self.app.push_screen(session_form(self.services.today(), self.options.universities, me.university_id), send)

    @on(SessionAdded)
    def _added(self, event: SessionAdded) -> None:
        added = event.results[0]
        if added.ok:
            self.app.push_screen(SessionDetailScreen(added.record_id))
