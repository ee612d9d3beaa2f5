"""汇总台账 (key L): the summary ledger for the provincial report, per
department (a campus account) or per university (a city or province
account), then the total: graduates and needs with coverage, employment by
status, hardship cases, subsidies, posts pushed and answers. One table at a
time, chosen with the select (or ``[`` / ``]``); ``g`` shows the table's
chart instead (:class:`ChartView`: a bar group per department or university,
with its numbers) and back."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from zhumeng_tui.i18n import get_lang, tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import ExportRequest, Ledger
from zhumeng_tui.widgets.chart import ChartView
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K, focus_now


class LedgerScreen(DataScreen[Ledger], ExportsList):
    TITLE_TEXT = ("汇总台账", "Summary ledger")
    HELP_TEXT = (
        "省级报表的汇总台账：按院系（高校账号）或按高校（市州、省级账号）统计毕业生、服务需求与覆盖率、就业状态、"
        "困难帮扶、求职创业补贴、岗位推送与反馈，最后一行为合计。表格比屏幕宽时用 ← → 左右滚动（院系或高校一列不动）。"
        "[ 与 ] 切换表格；g 在表格与其图表之间切换"
        "（每个院系或高校一组柱形，下方为图中的数字，表头的 █ ░ ▒ 对应柱形的填充）；o 导出省级报表用的台账"
        "（.xlsx 每表一页、首行为标题；.csv）。",
        "The summary ledger of the provincial report, per department (a university account) or per university"
        " (a city or province account): graduates, needs and coverage, employment, hardship cases, subsidies,"
        " posts pushed and answers; the last row is the total. A table wider than the screen scrolls with ← →"
        " (the department or university column stays). [ and ] switch tables; g switches between"
        " the table and its chart (bars per department or university, its numbers below, the headings'"
        " █ ░ ▒ being the bars' fills); o writes the ledger for the provincial report (.xlsx: a sheet per"
        " table under a title row; .csv).",
    )
    DEFAULT_CSS = """
    LedgerScreen #lg-top { height: 1; }
    LedgerScreen #lg-title { width: 1fr; padding: 0 1; text-style: bold; }
    LedgerScreen #lg-table-choice { width: 28; }
    LedgerScreen #lg-table { height: 1fr; }
    LedgerScreen #lg-chart { display: none; }
    """
    BINDINGS: ClassVar = [
        K("left_square_bracket", "table(-1)", "上一表", "Previous table", id="ledger.prev", key_display="["),
        K("right_square_bracket", "table(1)", "下一表", "Next table", id="ledger.next", key_display="]"),
        K("g", "toggle_chart", "图表/表格", "Chart/table", id="ledger.chart"),
    ]
    RELOAD_ON_RESUME = True

    def __init__(self) -> None:
        super().__init__()
        self.ledger: Ledger | None = None
        self._shown: int | None = None
        #: The chart of the table is shown in its place.
        self.chart_shown = False

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with Horizontal(id="lg-top"):
            yield Static(tr("统计中…", "Counting…"), id="lg-title")
            yield Select[int]([(t, i) for i, t in enumerate(Ledger.titles(get_lang()))], value=0, allow_blank=False,
                              id="lg-table-choice", compact=True)
        # the name column stays when the table scrolls sideways (most tables are wider than 80 columns)
        yield DataTable(id="lg-table", cursor_type="row", zebra_stripes=True, fixed_columns=1)
        yield ChartView(id="lg-chart")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#lg-table", DataTable).focus()

    def fetch(self) -> Ledger:
        return self.services.ledger()

    def show(self, value: Ledger) -> None:
        self.ledger = value
        self.query_one("#lg-title", Static).update(f"{value.title} · {value.date}")
        choice = self.query_one("#lg-table-choice", Select)
        self._draw(choice.value if isinstance(choice.value, int) else 0)

    def _draw(self, index: int) -> None:
        if self.ledger is None:
            return
        self._shown = index
        table_ = self.ledger.tables(get_lang())[index]
        columns, rows = table_.columns, table_.rows
        table = self.query_one("#lg-table", DataTable)
        table.clear(columns=True)
        # the group's names measured here: the first draw would size the column by its label only
        table.add_column(columns[0], width=max(cell_len(str(x)) for x in [columns[0], *(r[0] for r in rows)]))
        table.add_columns(*columns[1:])
        for row in rows:
            table.add_row(*(str(c) for c in row))
        self.query_one(ChartView).show(self.ledger.charts(get_lang())[index])

    @on(Select.Changed, "#lg-table-choice")
    def _table_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, int) and event.value != self._shown:
            self._draw(event.value)

    def export_requests(self) -> list[ExportRequest]:
        return [ExportRequest("ledger", None)]

    def action_table(self, step: int) -> None:
        if self.ledger is None:
            return
        choice = self.query_one("#lg-table-choice", Select)
        n = len(Ledger.titles(get_lang()))
        current = choice.value if isinstance(choice.value, int) else 0
        choice.value = (current + step) % n

    def action_toggle_chart(self) -> None:
        self.chart_shown = not self.chart_shown
        chart = self.query_one(ChartView)
        table = self.query_one("#lg-table", DataTable)
        chart.display, table.display = self.chart_shown, not self.chart_shown
        focus_now(chart.table if self.chart_shown else table)
