"""Statistics (统计): one tab per chart (``services.statistics``): applications
by department and status, interns by flag, withdrawal requests by month with
the late ones apart.

Each tab draws the chart (textual-plotext) above its numbers: the table says
what each bar is (a category's number on the chart, its name in the table)
and every count, so the screen reads the same without colour. ``o`` exports
the table of the chart shown.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import Chart, ExportRequest
from zhumeng_tui.widgets.columns import MIN_CUT_WIDTH, fit
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader

#: The table's space either side of a cell, and the room kept for its scrollbar.
CELL_PADDING = 1
SCROLLBAR = 2

#: The series' colours: on the chart (plotext names) and in the table (Rich styles).
SERIES_COLOURS = (("blue+", "bright_blue"), ("green+", "bright_green"), ("orange+", "dark_orange"),
                  ("red+", "bright_red"), ("magenta+", "bright_magenta"), ("cyan+", "bright_cyan"))


def axis_labels(chart: Chart) -> list[str]:
    """The categories as the chart's axis shows them: as they are when short
    and plain, else their number (the table names them); plotext counts
    every character one cell wide, so Chinese labels would slip."""
    if all(c.isascii() and len(c) <= 8 for c in chart.categories):
        return list(chart.categories)
    return [str(i) for i in range(1, len(chart.categories) + 1)]


class StatisticsScreen(DataScreen[list[Chart]], ExportsList):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("统计", "Statistics")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "统计图表：各院系申请（按状态）、需关注的实习生（按提示）、放弃岗位申请（按月，逾期单列）。"
        "每张图下方的表格给出全部数字（图中的编号对应表格第一列）。←/→ 切换图表，o 导出当前图表的数字。",
        "Charts: applications by department and status, interns by flag, withdrawals by month (late ones"
        " apart). The table under each chart gives every number (the chart's numbers are the table's first"
        " column). left/right switch charts; o exports the numbers of the chart shown.",
    )
    DEFAULT_CSS = """
    StatisticsScreen TabbedContent { height: 1fr; }
    StatisticsScreen TabPane { padding: 0; }
    StatisticsScreen .chart-pane { height: 1fr; }
    StatisticsScreen PlotextPlot { height: 1fr; min-height: 6; }
    StatisticsScreen DataTable { height: auto; max-height: 9; }
    StatisticsScreen .chart-note { color: $text-muted; height: auto; padding: 0 1; }
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
                await tabs.add_pane(TabPane(chart.title, Vertical(
                    PlotextPlot(id=f"plot-{chart.key}"),
                    DataTable(id=f"table-{chart.key}", cursor_type="row", zebra_stripes=True),
                    Static(chart.note, classes="chart-note"),
                    classes="chart-pane"), id=pane_id))
            self._draw(chart)

    def _draw(self, chart: Chart) -> None:
        plot = self.query_one(f"#plot-{chart.key}", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        labels = axis_labels(chart)
        if chart.categories:
            values = [list(s.values) for s in chart.series]
            colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)][0] for i in range(len(chart.series))]
            if len(values) == 1:
                plt.bar(labels, values[0], color=colours[0], width=0.6)
            else:
                plt.stacked_bar(labels, values, color=colours, width=0.6)  # type: ignore[arg-type]
            top = max((chart.total(i) for i in range(len(chart.categories))), default=0)
            step = max(1, -(-top // 5))
            plt.yticks(list(range(0, top + step, step)))  # counts: whole numbers
        plot.refresh()
        self._fill_table(chart, labels != list(chart.categories))

    def _fill_table(self, chart: Chart, numbered: bool) -> None:
        """The chart's numbers; the category names are cut with … where the
        counts would otherwise run past the screen's right edge."""
        table = self.query_one(f"#table-{chart.key}", DataTable)
        table.clear(columns=True)
        totals = len(chart.series) > 1
        counts = [(s.label, [str(v) for v in s.values]) for s in chart.series]
        if totals:
            counts.append((tr("合计", "Total"), [str(chart.total(i)) for i in range(len(chart.categories))]))
        taken = sum(max([cell_len(label), *map(len, values)]) + 2 * CELL_PADDING for label, values in counts)
        if numbered:
            taken += len(str(len(chart.categories))) + 2 * CELL_PADDING
        room = max(MIN_CUT_WIDTH, self.size.width - SCROLLBAR - taken - 2 * CELL_PADDING)
        if numbered:
            table.add_column("#")
        table.add_column(chart.category_label)
        for i, s in enumerate(chart.series):
            table.add_column(Text(s.label, style=SERIES_COLOURS[i % len(SERIES_COLOURS)][1] + " bold"))
        if totals:
            table.add_column(counts[-1][0])
        for i, category in enumerate(chart.categories):
            cells: list[str | Text] = [str(i + 1)] if numbered else []
            cells += [fit(category, room).rstrip(), *(str(s.values[i]) for s in chart.series)]
            table.add_row(*cells, *([Text(str(chart.total(i)), style="bold")] if totals else []))
        if not chart.categories:
            table.add_row(*([""] if numbered else []), tr("（没有数据）", "(no data)"),
                          *("" for _ in chart.series), *(["0"] if totals else []))

    def on_resize(self) -> None:
        for chart in self.charts:
            self._fill_table(chart, axis_labels(chart) != list(chart.categories))

    def shown_chart(self) -> str | None:
        active = self.query_one(TabbedContent).active
        return active.removeprefix("chart-") if active else None

    def export_requests(self) -> list[ExportRequest]:
        key = self.shown_chart()
        return [ExportRequest("statistics", key)] if key else []

    @on(TabbedContent.TabActivated)
    def _tab(self, event: TabbedContent.TabActivated) -> None:
        for chart in self.charts:
            if f"chart-{chart.key}" == event.pane.id:
                self.query_one(f"#plot-{chart.key}", PlotextPlot).refresh()
