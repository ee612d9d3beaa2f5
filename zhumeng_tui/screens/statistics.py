"""Statistics (统计): one tab per chart (``services.statistics``): applications
by department and status, interns by flag, withdrawal requests by month with
the late ones apart.

Each tab draws the chart above its numbers (:class:`ChartView`): the table
says what each bar is (a category's number on the chart, its name in the
table) and every count. ``o`` exports the table of the chart shown.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.widgets import Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import Chart, ExportRequest
from zhumeng_tui.widgets.chart import ChartView
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader


class StatisticsScreen(DataScreen[list[Chart]], ExportsList):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("统计", "Statistics")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "统计图表：各院系申请（按状态）、需关注的实习生（按提示）、放弃岗位申请（按月，逾期单列）。"
        "每张图下方的表格给出全部数字（图中的编号对应表格第一列，表头的 █ ░ ▒ 对应图中柱形的填充）。"
        "←/→ 切换图表，o 导出当前图表的数字。",
        "Charts: applications by department and status, interns by flag, withdrawals by month (late ones"
        " apart). The table under each chart gives every number (the chart's numbers are the table's first"
        " column; the headings' █ ░ ▒ are the bars' fills). left/right switch charts; o exports the numbers"
        " of the chart shown.",
    )
    DEFAULT_CSS = """
    StatisticsScreen TabbedContent { height: 1fr; }
    StatisticsScreen TabPane { padding: 0; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[Chart] = []

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        yield Static(tr("加载中…", "Loading…"), id="st-loading")
        yield TabbedContent(id="st-tabs")
        yield KeyFooter()

    def fetch(self) -> list[Chart]:
        return self.services.statistics()

    async def show(self, value: list[Chart]) -> None:
        self.charts = value
        self.query_one("#st-loading", Static).display = False
        tabs = self.query_one(TabbedContent)
        for chart in value:
            pane_id = f"chart-{chart.key}"
            if not tabs.query(f"#{pane_id}"):
                await tabs.add_pane(TabPane(chart.title, ChartView(id=f"view-{chart.key}"), id=pane_id))
            self.query_one(f"#view-{chart.key}", ChartView).show(chart)

    def shown_chart(self) -> str | None:
        active = self.query_one(TabbedContent).active
        return active.removeprefix("chart-") if active else None

    def export_requests(self) -> list[ExportRequest]:
        key = self.shown_chart()
        return [ExportRequest("statistics", key)] if key else []

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        for plot in event.pane.query(PlotextPlot):
            plot.refresh()
