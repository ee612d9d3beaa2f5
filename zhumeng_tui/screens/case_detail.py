"""One hardship case: the graduate, the categories, the officer, the
one-to-one plan, the visits (newest first), the subsidy's steps and the
flags; how it was closed.

Keys: ``v`` add a visit, ``p`` the plan, ``b`` the next step of the subsidy,
``c`` close with a reason, ``o`` categories and officer.
Each form checks its input with the rule the server applies (a visit before
the case was opened or in the future, a subsidy paid before it was approved,
closing without a reason...), so a refusal is shown before anything is sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from zhumeng_tui.domain.hardship import SUBSIDY_ORDER, CaseState
from zhumeng_tui.domain.permissions import Change, may
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.graduate_actions import GraduateOptionsLoaded
from zhumeng_tui.screens.graduate_forms import case_form, close_form, plan_form, subsidy_form, visit_form
from zhumeng_tui.services import CaseDetail, GraduateOptions, MutationResult
from zhumeng_tui.widgets.form import FormScreen
from zhumeng_tui.widgets.graduates_common import (
    case_flags_text,
    case_state_text,
    category_text,
    channel_text,
    close_text,
    employment_text,
    officer_kind_text,
    outcome_text,
    subsidy_text,
)
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text

T = TypeVar("T")


class CaseDetailScreen(DataScreen[CaseDetail]):
    TITLE_TEXT = ("困难帮扶档案", "Hardship case")
    HELP_TEXT = (
        "一对一帮扶：帮扶计划（措施与目标日期）、回访记录、求职创业补贴（申请→审批→发放）。"
        "毕业生就业、升学、参军或自主创业后结案；其他情况结案须写明原因。"
        "v 回访，p 帮扶计划，b 补贴下一步，c 结案，o 类别与专员。",
        "One-to-one help: the plan (measures, target date), visits, the job-seeking subsidy (applied ->"
        " approved -> paid). Close once the graduate is employed, studying, enlisted or in business;"
        " otherwise with a written reason. v visit, p plan, b next subsidy step, c close, o categories"
        " and officer.",
    )
    DEFAULT_CSS = """
    CaseDetailScreen #cd-body { height: 1fr; padding: 0 1; }
    CaseDetailScreen #cd-head { text-style: bold; }
    CaseDetailScreen .caption { margin-top: 1; text-style: bold; }
    CaseDetailScreen DataTable { height: auto; max-height: 8; }
    CaseDetailScreen #cd-local { color: $warning; }
    """
    BINDINGS: ClassVar = [
        K("v", "visit", "回访", "Visit", id="case.visit"),
        K("p", "plan", "帮扶计划", "Plan", id="case.plan"),
        K("b", "subsidy", "补贴", "Subsidy", id="case.subsidy"),
        K("c", "close_case", "结案", "Close", id="case.close"),
        K("o", "officer", "类别与专员", "Officer", id="case.officer"),
    ]
    RELOAD_ON_RESUME = True

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.options: GraduateOptions | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="cd-body"):
            yield Static(tr("加载中…", "Loading…"), id="cd-head")
            yield Static("", id="cd-info")
            yield Static("", id="cd-flags")
            yield Static("", id="cd-plan")
            yield Static(tr("求职创业补贴", "Job-seeking subsidy"), classes="caption")
            subsidy: DataTable[str | Text] = DataTable(id="cd-subsidy", cursor_type="row", show_cursor=False)
            yield subsidy
            yield Static("", id="cd-visits-caption", classes="caption")
            visits: DataTable[str | Text] = DataTable(id="cd-visits", cursor_type="row", show_cursor=False)
            yield visits
            yield Static("", id="cd-closed")
            yield Static("", id="cd-local")
        yield Footer()

    def on_mount(self) -> None:
        subsidy = self.query_one("#cd-subsidy", DataTable)
        for label in (tr("步骤", "Step"), tr("日期", "Date"), tr("金额（元）", "Amount (yuan)")):
            subsidy.add_column(label)
        visits = self.query_one("#cd-visits", DataTable)
        for label in (tr("日期", "Date"), tr("方式", "Channel"), tr("结果", "Outcome"), tr("回访情况", "Note"),
                      tr("记录人", "By")):
            visits.add_column(label)
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="graduate-options")
    def _load_options(self) -> None:
        self.post_message(GraduateOptionsLoaded(self.services.graduate_options()))

    @on(GraduateOptionsLoaded)
    def _options(self, event: GraduateOptionsLoaded) -> None:
        self.options = event.options

    def fetch(self) -> CaseDetail:
        return self.services.case_detail(self.case_id)

    def show(self, value: CaseDetail) -> None:
        d = self.detail = value
        c, g, s = d.case, d.graduate, d.student
        self.query_one("#cd-head", Static).update(Text(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {case_state_text(c.state)}"))
        cats = "\n".join(f"  {category_text(x.category)}" + (f"：{x.note}" if x.note else "") for x in c.categories)
        since = tr(f"距上次回访 {d.days_since_visit} 天", f"{d.days_since_visit} days since the last visit") if c.visits \
            else tr(f"建档 {d.days_since_visit} 天未回访", f"no visit in {d.days_since_visit} days")
        self.query_one("#cd-info", Static).update(Text(tr(
            f"困难类别：\n{cats}\n帮扶专员：{d.officer_name}（{officer_kind_text(c.officer_kind)}）\n"
            f"建档：{c.opened_on} · 就业状态：{employment_text(g.employment_status)} · 毕业日期 {g.graduation_date}"
            + (f" · {since}" if c.state == CaseState.OPEN else ""),
            f"Categories:\n{cats}\nOfficer: {d.officer_name} ({officer_kind_text(c.officer_kind)})\n"
            f"Opened {c.opened_on} · employment: {employment_text(g.employment_status)} · graduates"
            f" {g.graduation_date}" + (f" · {since}" if c.state == CaseState.OPEN else ""),
        )))
        self.query_one("#cd-flags", Static).update(
            Text(tr("提示：", "Flags: ")) + case_flags_text(d.flags) if d.flags else "")
        if c.plan is None:
            plan = Text(tr("帮扶计划：无（p 制定）", "Plan: none (p makes one)"), style="bold")
        else:
            plan = Text(tr(f"帮扶计划：{c.plan.measures}\n目标日期：{c.plan.target_date}",
                           f"Plan: {c.plan.measures}\nTarget date: {c.plan.target_date}"))
        self.query_one("#cd-plan", Static).update(plan)
        subsidy = self.query_one("#cd-subsidy", DataTable)
        subsidy.clear()
        record = c.subsidy
        for step in SUBSIDY_ORDER:
            date = record.facts().date_of(step) if record else None
            marker = "✓ " if date else ("→ " if step == d.next_subsidy_step else "  ")
            amount = str(record.amount) if record and date and step != SUBSIDY_ORDER[-1] else ""
            subsidy.add_row(marker + subsidy_text(step), fmt_date(date) if date else "—", amount)
        visits = self.query_one("#cd-visits", DataTable)
        visits.clear()
        for v in sorted(c.visits, key=lambda v: v.date, reverse=True):
            visits.add_row(fmt_date(v.date), channel_text(v.channel), outcome_text(v.outcome), _short(v.note), v.by)
        if not c.visits:
            visits.add_row(Text(tr("尚无回访", "No visit yet"), style="dim"), "", "", "", "")
        self.query_one("#cd-visits-caption", Static).update(
            tr(f"回访记录（{len(c.visits)}）", f"Visits ({len(c.visits)})"))
        closed = ""
        if c.state == CaseState.CLOSED and c.close_reason:
            closed = tr(f"已于 {c.closed_on} 结案：{close_text(c.close_reason)}", f"Closed {c.closed_on}: "
                        f"{close_text(c.close_reason)}") + (f" — {c.close_note}" if c.close_note else "")
        self.query_one("#cd-closed", Static).update(Text(closed))
        local = ""
        if d.local_state:
            local = tr("本地：", "Local: ") + str(local_text(d.local_state))
            if d.local_message:
                local += f" — {d.local_message}"
        self.query_one("#cd-local", Static).update(Text(local))

    # ----------------------------------------------------------- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("visit", "plan", "subsidy", "close_case", "officer"):
            if not may(self.role, Change.CHANGE_CASE):
                return False
            d = self.detail
            if d is not None and d.case.state == CaseState.CLOSED:
                # a closed case: only a subsidy applied for before may still go on
                return action == "subsidy" and d.case.subsidy is not None and d.next_subsidy_step is not None
        return super().check_action(action, parameters)

    def _form(self, form: FormScreen[T], call: Callable[[int, T], Awaitable[MutationResult]]) -> None:
        """Show ``form``; what it returns is sent with ``call(case id, value)``."""

        def done(value: T | None) -> None:
            if value is not None:
                self.send_change(partial(call, self.case_id, value))

        self.app.push_screen(form, done)

    def action_visit(self) -> None:
        if self.detail is not None:
            self._form(visit_form(self.detail.case, self.services.today()), self.services.add_visit)

    def action_plan(self) -> None:
        if self.detail is not None:
            self._form(plan_form(self.detail.case), self.services.set_plan)

    def action_subsidy(self) -> None:
        d = self.detail
        if d is None:
            return
        if d.next_subsidy_step is None:
            self.notify(tr("补贴已发放", "The subsidy has been paid"))
            return
        self._form(subsidy_form(d.case, d.next_subsidy_step, self.services.today()),
                   self.services.record_subsidy)

    def action_close_case(self) -> None:
        d = self.detail
        if d is not None:
            self._form(close_form(d.case, d.graduate.employment_status), self.services.close_case)

    def action_officer(self) -> None:
        d = self.detail
        if d is not None and self.options is not None:
            self._form(case_form(d.case, self.options.officers), self.services.update_case)


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"

