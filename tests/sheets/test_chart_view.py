"""The chart widget shared by the statistics and ledger screens: a chart with
nothing to draw says so in place of empty axes, and every series is told
apart by its bars' fill as well as its colour (the fill heads its column)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from zhumeng_tui.services import Chart, ChartColumn, ChartSeries
from zhumeng_tui.widgets.chart import ChartView

pytestmark = pytest.mark.slow


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ChartView()


def chart(values: list[tuple[int, ...]], categories: tuple[str, ...], *, stacked: bool = True) -> Chart:
    return Chart("c", "补贴", "院系", categories,
                 tuple(ChartSeries(label, v) for label, v in zip(["已申请", "已审批", "已发放"], values, strict=False)),
                 stacked=stacked, extra=(ChartColumn("金额", tuple("0" for _ in categories)),))


def cells(table: DataTable[object]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def headings(table: DataTable[object]) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


async def test_a_chart_with_nothing_to_draw_says_so() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ChartView)
        view.show(chart([(0, 0), (0, 0)], ("理学院", "文学院")))
        await pilot.pause()
        assert not view.query_one(PlotextPlot).display
        assert "各项均为 0" in str(view.query_one(".chart-empty", Static).render())
        assert cells(view.table) == [["理学院", "0", "0", "0", "0"], ["文学院", "0", "0", "0", "0"]]
        view.show(chart([(), ()], ()))
        await pilot.pause()
        assert "没有记录" in str(view.query_one(".chart-empty", Static).render())
        assert cells(view.table)[0][0] == "（没有数据）"
        view.show(chart([(3, 0), (1, 0)], ("理学院", "文学院")))
        await pilot.pause()
        assert view.query_one(PlotextPlot).display and not view.query_one(".chart-empty", Static).display


async def test_series_are_told_apart_by_their_fill_and_side_by_side_ones_have_no_total() -> None:
    app = ChartApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(ChartView)
        view.show(chart([(3, 2), (1, 0)], ("理学院", "文学院")))
        await pilot.pause()
        assert headings(view.table) == ["#", "院系", "█已申请", "░已审批", "合计", "金额"]
        assert cells(view.table)[0] == ["1", "理学院", "3", "1", "4", "0"]
        view.show(chart([(3, 2), (1, 0), (1, 0)], ("理学院", "文学院"), stacked=False))
        await pilot.pause()
        assert headings(view.table) == ["#", "院系", "█已申请", "░已审批", "▒已发放", "金额"]
        drawn = str(view.query_one(PlotextPlot).render())
        assert "█" in drawn and "░" in drawn and "▒" in drawn
