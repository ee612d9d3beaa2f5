"""困难帮扶台账 (section 8): the hardship cases in scope with their
categories, officer, plan, last visit and the days since, the subsidy and
the flags (no plan, no visit for 30 days, plan overdue, unemployed near
graduation, subsidy unpaid after 30 days). Open cases first; ``enter``
opens a case (:mod:`zhumeng_tui.screens.case_detail`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Select

from zhumeng_tui.domain.hardship import (
    CASE_FLAG_LABELS,
    CASE_STATE_LABELS,
    CATEGORY_LABELS,
    SUBSIDY_LABELS,
    VISIT_EVERY_DAYS,
    CaseFlag,
    CaseState,
    Category,
    SubsidyStep,
)
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.case_detail import CaseDetailScreen
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import CaseFilter, CaseRow
from zhumeng_tui.widgets.graduates_common import (
    case_flags_text,
    case_state_text,
    categories_text,
    subsidy_text,
)
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text

ANY = "any"
ALL = "all"


class HardshipScreen(RecordListScreen[CaseFilter, CaseRow]):
    EXPORT_LIST = "hardship"
    TITLE_TEXT = ("困难帮扶台账", "Hardship ledger")
    HELP_TEXT = (
        "脱贫家庭、零就业家庭、残疾及特殊困难家庭毕业生的帮扶台账：帮扶专员、一对一帮扶计划、回访、求职创业补贴。"
        "提示：无帮扶计划、超30天未回访、计划已逾期、临近毕业未就业、补贴超30天未发放。回车打开档案。",
        "Graduates from families in hardship: the officer, the one-to-one plan, visits, the job-seeking"
        " subsidy. Flags: no plan, no visit for 30 days, plan overdue, unemployed near graduation, subsidy"
        " unpaid after 30 days. enter opens a case.",
    )
    DEFAULT_CSS = """
    HardshipScreen #h-state { width: 12; }
    HardshipScreen #h-flag, HardshipScreen #h-subsidy, HardshipScreen #h-category { width: 16; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="hardship.search", key_display="/"),
        K("enter", "open", "打开", "Open", id="hardship.open", show=False),
    ]
    ID = "h"
    COLUMNS = (
        (("学号", "No."), "no"),
        (("姓名", "Name"), "name"),
        (("提示", "Flags"), "flags"),
        (("未回访", "Since visit"), "days"),
        (("计划", "Plan"), "plan"),
        (("补贴", "Subsidy"), "subsidy"),
        (("类别", "Category"), "categories"),
        (("专员", "Officer"), "officer"),
        (("最近回访", "Last visit"), "visit"),
        (("状态", "State"), "state"),
        (("院系", "Department"), "dept"),
        (("本地", "Local"), "local"),
    )

    def __init__(self, preset: CaseFilter | None = None) -> None:
        super().__init__()
        self.preset = preset or CaseFilter()

    def compose_filters(self) -> ComposeResult:
        p = self.preset
        yield self.search_box()
        yield Select[str]([(tr_pair(v), k.value) for k, v in CASE_STATE_LABELS.items()] + [(tr("全部", "All"), ALL)],
                          allow_blank=False, value=p.state.value if p.state else ALL, id="h-state", compact=True)
        yield Select[str]([(tr("任一提示", "Any flag"), ANY)] + [(tr_pair(v), k.value) for k, v in
                                                               CASE_FLAG_LABELS.items()],
                          prompt=tr("全部提示", "All flags"), value=p.flag or Select.NULL, id="h-flag", compact=True)
        yield Select[str]([(tr_pair(v), k.value) for k, v in SUBSIDY_LABELS.items()],
                          prompt=tr("补贴：全部", "Subsidy: all"), value=p.subsidy or Select.NULL, id="h-subsidy",
                          compact=True)
        yield Select[str]([(tr_pair(v), k.value) for k, v in CATEGORY_LABELS.items()],
                          prompt=tr("全部类别", "All categories"), value=p.category or Select.NULL, id="h-category",
                          compact=True)

    def filter_values(self) -> CaseFilter:
        state = self.select_value("h-state", str)
        chosen = self.select_value("h-flag", str)
        flag: CaseFlag | Literal["any"] | None = None
        if chosen is not None:
            flag = "any" if chosen == ANY else CaseFlag(chosen)
        return CaseFilter(
            text=self.search_text(),
            department_id=self.preset.department_id,
            state=None if state in (None, ALL) else CaseState(str(state)),
            flag=flag,
            category=self.select_value("h-category", Category),
            subsidy=self.select_value("h-subsidy", SubsidyStep),
        )

    def fetch(self, f: CaseFilter) -> list[CaseRow]:
        return self.services.query_cases(f)

    def cells(self, r: CaseRow) -> Sequence[Cell]:
        days: Cell = ""
        if r.days_since_visit is not None:
            days = Text(tr(f"{r.days_since_visit}天", f"{r.days_since_visit}d"),
                        style="bold" if r.days_since_visit >= VISIT_EVERY_DAYS else "")
        plan = fmt_date(r.plan_target) if r.plan_target else Text(tr("无", "none"), style="bold")
        return (r.student_no, r.name, case_flags_text(r.flags), days, plan, subsidy_text(r.subsidy) or "—",
                categories_text(r.categories), r.officer, fmt_date(r.last_visit), case_state_text(r.state),
                r.department_name, local_text(r.local_state))

    def row_key(self, r: CaseRow) -> str:
        return str(r.id)

    def count_text(self, rows: list[CaseRow]) -> str:
        flagged = sum(1 for r in rows if r.flags)
        text = tr(f"共 {len(rows)} 个帮扶档案", f"{len(rows)} cases")
        if flagged:
            text += tr(f" · [b]需关注 {flagged}[/]", f" · [b]{flagged} flagged[/]")
        return text

    def action_open(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.app.push_screen(CaseDetailScreen(row.id))
