"""One graduate: the profile (intent to stay, cities, skills, employment),
each need with whether it is served and by which session, the sessions
attended, the hardship case and the flags.

Keys: ``n`` needs and intentions, ``e`` employment status, ``a`` attendance
at a session, ``h`` the hardship case (opens it, or opens a new one), ``r``
the recommended posts (and those pushed, with their answers).
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from zhumeng_tui.api_client.schemas import CaseCreate, GraduateUpdate
from zhumeng_tui.domain.hardship import CaseState
from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ChangeApplied
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.graduate_actions import (
    GraduateOptionsLoaded,
    record_attendance,
    recordable,
    set_employment,
)
from zhumeng_tui.screens.graduate_forms import open_case_form, profile_form
from zhumeng_tui.services import GraduateDetail, GraduateOptions
from zhumeng_tui.widgets.graduates_common import (
    case_state_text,
    categories_text,
    employment_text,
    graduate_flags_text,
    need_text,
    sep,
    session_kind_text,
    stay_text,
)
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text


class CaseOpened(ChangeApplied):
    """A hardship case was opened: the screen opens it."""


class GraduateDetailScreen(DataScreen[GraduateDetail]):
    TITLE_TEXT = ("毕业生", "Graduate")
    HELP_TEXT = (
        "毕业生的服务需求与是否已服务（参加过服务该需求的活动即为已服务）、参加的活动、就业状态、困难帮扶。"
        "n 修改需求与意向，e 登记就业状态，a 登记签到，h 困难帮扶档案，r 推荐岗位。",
        "A graduate's needs and whether each is served (by attending a session serving it), the sessions"
        " attended, employment status, hardship case. n needs and intentions, e employment status,"
        " a attendance, h the hardship case, r the recommended posts.",
    )
    DEFAULT_CSS = """
    GraduateDetailScreen #gd-body { height: 1fr; padding: 0 1; }
    GraduateDetailScreen #gd-head { text-style: bold; }
    GraduateDetailScreen DataTable { height: auto; max-height: 8; margin-top: 1; }
    GraduateDetailScreen #gd-local { color: $warning; }
    """
    BINDINGS: ClassVar = [
        K("n", "profile", "需求与意向", "Needs", id="graduate.profile"),
        K("e", "employment", "就业状态", "Employment", id="graduate.employment"),
        K("a", "attendance", "签到", "Attendance", id="graduate.attendance"),
        K("h", "hardship", "困难帮扶", "Hardship case", id="graduate.hardship", footer_en="Hardship"),
        K("r", "posts", "推荐岗位", "Recommended posts", id="graduate.posts", footer_en="Posts"),
    ]
    RELOAD_ON_RESUME = True

    def __init__(self, graduate_id: int) -> None:
        super().__init__()
        self.graduate_id = graduate_id
        self.detail: GraduateDetail | None = None
        self.options: GraduateOptions | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="gd-body"):
            yield Static(tr("加载中…", "Loading…"), id="gd-head")
            yield Static("", id="gd-info")
            yield Static("", id="gd-flags")
            needs: DataTable[str | Text] = DataTable(id="gd-needs", cursor_type="row", show_cursor=False)
            yield needs
            attended: DataTable[str | Text] = DataTable(id="gd-sessions", cursor_type="row", show_cursor=False)
            yield attended
            yield Static("", id="gd-case")
            yield Static("", id="gd-local")
        yield Footer()

    def on_mount(self) -> None:
        needs = self.query_one("#gd-needs", DataTable)
        for label in (tr("服务需求", "Need"), tr("是否已服务", "Served"), tr("登记日期", "Recorded"),
                      tr("来源", "Source")):
            needs.add_column(label)
        sessions = self.query_one("#gd-sessions", DataTable)
        for label in (tr("日期", "Date"), tr("形式", "Kind"), tr("参加的活动", "Session attended"),
                      tr("服务需求", "Serves")):
            sessions.add_column(label)
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="graduate-options")
    def _load_options(self) -> None:
        self.post_message(GraduateOptionsLoaded(self.services.graduate_options()))

    @on(GraduateOptionsLoaded)
    def _options(self, event: GraduateOptionsLoaded) -> None:
        self.options = event.options

    def fetch(self) -> GraduateDetail:
        return self.services.graduate_detail(self.graduate_id)

    def show(self, value: GraduateDetail) -> None:
        d = self.detail = value
        g, s = d.graduate, d.student
        self.query_one("#gd-head", Static).update(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {s.major} {s.degree}")
        cities = sep().join(g.preferred_cities) or "—"
        skills = sep().join(g.skills) or "—"
        status = employment_text(g.employment_status) + (f"（{g.employment_date}）" if g.employment_date else "")
        self.query_one("#gd-info", Static).update(Text(tr(
            f"{g.cohort}届 · 毕业日期 {g.graduation_date} · 留省意愿：{stay_text(g.stay_intent)}\n"
            f"意向城市：{cities}\n技能：{skills}\n就业状态：{status}",
            f"{g.cohort} cohort · graduates {g.graduation_date} · stay: {stay_text(g.stay_intent)}\n"
            f"Preferred cities: {cities}\nSkills: {skills}\nEmployment: {status}",
        )))
        flags = graduate_flags_text(d.flags)
        self.query_one("#gd-flags", Static).update(Text(tr("提示：", "Flags: ")) + flags if d.flags else "")
        needs = self.query_one("#gd-needs", DataTable)
        needs.clear()
        for line in d.needs:
            served = (Text("✓ " + sep().join(x.title for x in line.sessions)) if line.served
                      else Text(tr("✗ 未服务", "✗ not served"), style="bold"))
            source = tr("问卷导入", "survey") if line.need.source == "survey" else tr("工作人员", "staff")
            needs.add_row(need_text(line.need.kind), served, fmt_date(line.need.recorded_on), source)
        if not d.needs:
            needs.add_row(Text(tr("未提出服务需求", "No needs recorded"), style="dim"), "", "", "")
        sessions = self.query_one("#gd-sessions", DataTable)
        sessions.clear()
        for x in d.attended:
            sessions.add_row(fmt_date(x.date), session_kind_text(x.kind), x.title, need_text(x.serves))
        if not d.attended:
            sessions.add_row(Text(tr("尚未参加活动", "No session attended"), style="dim"), "", "", "")
        case = d.case
        if case is None:
            text = tr("困难帮扶：无（h 建立档案）", "Hardship: none (h opens a case)")
        else:
            text = tr(f"困难帮扶：{case_state_text(case.state)} · {categories_text(c.category for c in case.categories)}"
                      "（h 打开）", f"Hardship: {case_state_text(case.state)} · "
                      f"{categories_text(c.category for c in case.categories)} (h opens it)")
        self.query_one("#gd-case", Static).update(text)
        local = ""
        if d.local_state:
            local = tr("本地：", "Local: ") + str(local_text(d.local_state))
            if d.local_message:
                local += f" — {d.local_message}"
        self.query_one("#gd-local", Static).update(local)

    # ----------------------------------------------------------- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        change = {"profile": Change.UPDATE_GRADUATE, "employment": Change.SET_EMPLOYMENT,
                  "attendance": Change.RECORD_ATTENDANCE}.get(action)
        if change is not None:
            return may(self.role, change)
        return super().check_action(action, parameters)

    def action_profile(self) -> None:
        d = self.detail
        if d is None:
            return

        def send(update: GraduateUpdate | None) -> None:
            if update is not None:
                self.send_change(partial(self.services.update_graduate, self.graduate_id, update))

        self.app.push_screen(profile_form(d.graduate), send)

    def action_employment(self) -> None:
        if self.detail is not None:
            set_employment(self, [self.graduate_id], self.detail.graduate.employment_status)

    def action_attendance(self) -> None:
        if self.options is not None:
            record_attendance(self, recordable(self, self.options), [self.graduate_id])

    def action_hardship(self) -> None:
        d = self.detail
        if d is None:
            return
        from zhumeng_tui.screens.case_detail import CaseDetailScreen

        if d.case is not None and (d.case.state == CaseState.OPEN or not may(self.role, Change.OPEN_CASE)):
            self.app.push_screen(CaseDetailScreen(d.case.id))
            return
        if not may(self.role, Change.OPEN_CASE):
            self.notify(tr("该毕业生没有困难帮扶档案", "This graduate has no hardship case"))
            return
        if self.options is None:
            return

        def send(data: CaseCreate | None) -> None:
            if data is not None:
                self.send_change(partial(self.services.open_case, data), CaseOpened)

        self.app.push_screen(open_case_form(self.graduate_id, self.options.officers), send)

    def action_posts(self) -> None:
        d = self.detail
        if d is None:
            return
        from zhumeng_tui.screens.graduate_posts import GraduatePostsScreen

        self.app.push_screen(GraduatePostsScreen(self.graduate_id,
                                                 f"{d.student.name}  {d.student.student_no}  ·  {d.student.major}"))

    @on(CaseOpened)
    def _case_opened(self, event: CaseOpened) -> None:
        opened = event.results[0]
        if opened.ok:
            from zhumeng_tui.screens.case_detail import CaseDetailScreen

            self.app.push_screen(CaseDetailScreen(opened.record_id))
