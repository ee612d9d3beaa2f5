"""The home screen: what needs action now.

Lines: waiting for this account's decision, returned, blockers by check,
counts by status, then ``Dashboard.extra`` (lines other features add — the
interns/withdrawal tracking lines are rendered here generically). ``enter`` on a
line opens the review queue filtered to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from zhumeng_tui.domain.status import Role
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.services import CaseFilter, Dashboard, DashboardLine, GraduateFilter, WithdrawalListState
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K

SEVERITY_MARK = {"error": "✗", "warn": "!", "normal": " "}


def _open_interns(line: DashboardLine) -> Screen[Any] | None:
    if line.filter.intern_flag is None:
        return None
    from zhumeng_tui.screens.interns import InternsScreen

    return InternsScreen(line.filter, line_label(line))


def _open_withdrawals(line: DashboardLine) -> Screen[Any] | None:
    from zhumeng_tui.screens.withdrawals import WithdrawalsScreen

    state = WithdrawalListState.OVERDUE if line.key.endswith("overdue") else WithdrawalListState.OPEN
    return WithdrawalsScreen(state=state, department_id=line.filter.department_id)


def _open_graduates(line: DashboardLine) -> Screen[Any] | None:
    if not isinstance(line.target, GraduateFilter):
        return None
    from zhumeng_tui.screens.graduates import GraduatesScreen

    return GraduatesScreen(line.target, line_label(line))


def _open_hardship(line: DashboardLine) -> Screen[Any] | None:
    if not isinstance(line.target, CaseFilter):
        return None
    from zhumeng_tui.screens.hardship import HardshipScreen

    return HardshipScreen(line.target)


#: Which screen a dashboard line opens, by key prefix (first match wins; an
#: opener may return None to pass). Lines without a match open the review
#: queue with ``line.filter``. Other features register their lines here.
DASHBOARD_OPENERS: dict[str, Callable[[DashboardLine], Screen[Any] | None]] = {
    "tracking:withdrawals": _open_withdrawals,
    "tracking:": _open_interns,
    "graduates:": _open_graduates,
    "hardship:": _open_hardship,
}


#: The sections of the lines other features add (``Dashboard.extra``), by key
#: prefix, in the order shown: (Chinese, English) heading.
DASHBOARD_SECTIONS: dict[str, tuple[str, str]] = {
    "provincial:": ("省级审核（本校只读）", "Provincial review (read-only here)"),
    "tracking:": ("跟踪", "Tracking"),
    "local:": ("我的修改（未被服务器接受）", "My changes not accepted"),
}


def pad(text: str, width: int) -> str:
    """Pad to ``width`` terminal cells (CJK characters are two cells wide)."""
    return text + " " * max(0, width - cell_len(text))


def line_label(line: DashboardLine) -> str:
    return tr(line.label_zh, line.label_en)


class DashboardScreen(DataScreen[Dashboard]):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("待办", "To do")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "现在需要处理的事项。上下移动，回车打开对应的筛选列表。",
        "What needs action now. Move with up/down; enter opens the filtered list.",
    )

    BINDINGS: ClassVar = [
        K("enter", "open_line", "打开", "Open", id="dashboard.open"),
        K("l", "queue", "审核队列", "Review queue", id="dashboard.queue"),
        K("slash", "search", "搜索学生", "Find a student", id="dashboard.search", key_display="/"),
        K("m", "missing", "缺材料名单", "Who is missing what", id="dashboard.missing"),
    ]

    RELOAD_ON_RESUME = True

    DEFAULT_CSS = """
    DashboardScreen OptionList, DashboardScreen OptionList:focus { height: 1fr; border: none; }
    DashboardScreen #d-empty { height: auto; padding: 0 1; text-style: bold; }
    DashboardScreen #d-sections { height: auto; padding: 0 1; color: $text-muted; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.dashboard: Dashboard | None = None
        self._lines: dict[str, DashboardLine] = {}

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with Vertical():
            yield Static(tr("正在读取本地数据…", "Reading local data…"), id="d-empty")
            yield OptionList(id="d-lines")
        yield Static(
            tr(
                "1待办 2审核 3实习 4放弃岗位 5诚信 6优秀 7毕业生服务 8困难帮扶 J岗位 L台账",
                "1 to-do 2 review 3 interns 4 withdraw 5 integrity 6 excellent 7 graduates 8 hardship J posts"
                " L ledger",
            ) if self.role != Role.CITY else tr("1待办 7毕业生服务 8困难帮扶 J岗位信息 L汇总台账",
                                                "1 to-do 7 graduates 8 hardship J posts L ledger"),
            id="d-sections",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("queue", "search", "missing") and self.role == Role.CITY:
            return False  # no internship records
        return super().check_action(action, parameters)

    def fetch(self) -> Dashboard:
        return self.services.dashboard()

    def show(self, value: Dashboard) -> None:
        d = self.dashboard = value
        options: list[Option | None] = []
        self._lines = {}
        every = [d.waiting, d.returned, *d.blockers, *d.extra, *d.graduates, *d.by_status]
        width = min(44, max(cell_len(line_label(x)) for x in every) + 4)

        def add(line: DashboardLine, indent: str = "") -> None:
            self._lines[line.key] = line
            mark = SEVERITY_MARK.get(line.severity, " ")
            if line.count == 0 and line.severity != "normal":
                mark = " "
            label = escape(pad(indent + line_label(line), width))
            options.append(Option(f"{mark} {label} {line.count:>7,}", id=line.key))

        def head(zh: str, en: str) -> None:
            options.append(Option(f"[b]{tr(zh, en)}[/b]", disabled=True))

        # a city account has no internship records: only the graduate services
        internships = self.role != Role.CITY
        if internships:
            head("需要处理", "Needs action")
            add(d.waiting)
            add(d.returned)
            head("缺少材料（被阻止的申请）", "Blockers (applications held up)")
            if d.blockers:
                for line in d.blockers:
                    add(line, "  ")
            else:
                options.append(Option("  " + tr("无", "None"), disabled=True))
            # lines added by other features, under their section's heading
            for prefix, (zh, en) in DASHBOARD_SECTIONS.items():
                lines = [x for x in d.extra if x.key.startswith(prefix)]
                if lines:
                    head(zh, en)
                    for line in lines:
                        add(line, "  ")
            if any(line_label(x).endswith("*") for x in d.extra):
                options.append(Option(tr("  * 缺少节假日数据，截止日期按周一至周五计算",
                                         "  * No holiday data: deadlines count Monday-Friday"), disabled=True))
        if d.graduates:
            head("毕业生服务", "Graduate services")
            for line in d.graduates:
                add(line, "  ")
        if internships:
            head("按状态", "By status")
            for line in d.by_status:
                add(line, "  ")
        ol = self.query_one(OptionList)
        highlighted = ol.highlighted
        ol.clear_options()
        ol.add_options([o for o in options if o is not None])
        if highlighted is not None and highlighted < ol.option_count:
            ol.highlighted = highlighted
        else:
            ol.highlighted = 1
        empty = self.query_one("#d-empty", Static)
        status = self.zapp.last_sync_status
        if status is not None and status.signed_out:
            self.show_session_ended()
        elif status is not None and status.first_sync:
            empty.update(tr("首次同步中，数据下载完成后显示…", "First sync: the numbers appear when it is done…"))
            empty.display = True
        else:
            empty.display = False

    def show_session_ended(self, ended: bool = True) -> None:
        """"登录已失效" above the lines until the user has signed in again."""
        empty = self.query_one("#d-empty", Static)
        if ended:
            empty.update(tr("登录已失效：修改将在重新登录后发送（ctrl+r 重新登录）",
                            "Session expired: changes are sent once you sign in again (ctrl+r to sign in)"))
        empty.display = ended

    def _open(self, key: str | None) -> None:
        if key is None or key not in self._lines:
            return
        line = self._lines[key]
        for prefix, opener in DASHBOARD_OPENERS.items():
            if line.key.startswith(prefix):
                try:
                    screen = opener(line)
                except Exception as err:  # a section that fails to load must not crash the app
                    self.notify(str(err), title=tr("无法打开", "Cannot open"), severity="error")
                    return
                if screen is not None:
                    self.app.push_screen(screen)
                    return
        from zhumeng_tui.screens.review import ReviewQueueScreen

        self.app.push_screen(ReviewQueueScreen(line.filter, line_label(line)))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option.id)

    def action_open_line(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            self._open(ol.get_option_at_index(ol.highlighted).id)

    def action_queue(self) -> None:
        from zhumeng_tui.screens.review import ReviewQueueScreen

        self.app.push_screen(ReviewQueueScreen())

    def action_search(self) -> None:
        from zhumeng_tui.screens.review import ReviewQueueScreen

        screen = ReviewQueueScreen()
        screen.start_in_search = True
        self.app.push_screen(screen)

    def action_missing(self) -> None:
        from zhumeng_tui.screens.missing import MissingScreen

        self.app.push_screen(MissingScreen())
