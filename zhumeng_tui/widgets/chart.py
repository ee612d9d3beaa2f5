"""A chart and its numbers (:class:`ChartView`): the bars (textual-plotext)
above a table that names every bar and gives every count.

Each series has a colour *and* a fill pattern (█ ░ ▒ …), shown on the bars and
before the series' name in the table's header, so the chart reads the same
in 16 or 256 colours and with ``NO_COLOR``. The axis numbers the categories
when their names would not fit (the table's first column gives the number).
A chart with nothing to draw says so in place of empty axes.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from zhumeng_tui.i18n import tr
from zhumeng_tui.services import Chart
from zhumeng_tui.widgets.columns import MIN_CUT_WIDTH, fit

#: The table's space either side of a cell, and the room kept for its scrollbar.
CELL_PADDING = 1
SCROLLBAR = 2

#: Each series' look: colour on the chart (plotext name), colour in the table
#: (Rich style), and the fill of its bars (shown before its name in the table).
SERIES_STYLES = (("blue+", "bright_blue", "█"), ("green+", "bright_green", "░"),
                 ("orange+", "dark_orange", "▒"), ("red+", "bright_red", "#"),
                 ("magenta+", "bright_magenta", "="), ("cyan+", "bright_cyan", "+"))


def series_style(i: int) -> tuple[str, str, str]:
    return SERIES_STYLES[i % len(SERIES_STYLES)]


def axis_labels(chart: Chart) -> list[str]:
    """The categories as the chart's axis shows them: as they are when short
    and plain, else their number (the table names them); plotext counts
    every character one cell wide, so Chinese labels would slip."""
    if all(c.isascii() and len(c) <= 8 for c in chart.categories):
        return list(chart.categories)
    return [str(i) for i in range(1, len(chart.categories) + 1)]


def series_heading(chart: Chart, i: int) -> Text:
    """A series' column heading: its bars' fill in its colour, then its name
    (in the text's own colour, readable whatever the terminal's colours)."""
    _, style, fill = series_style(i)
    return Text.assemble((fill, style), (chart.series[i].label, "bold"))


class ChartView(Vertical):
    """One chart above its numbers and its note; :meth:`show` draws it."""

    DEFAULT_CSS = """
    ChartView { height: 1fr; }
    ChartView PlotextPlot { height: 1fr; min-height: 6; }
    ChartView .chart-empty { height: 1fr; min-height: 3; content-align: center middle; color: $text-muted; }
    ChartView DataTable { height: auto; max-height: 9; }
    ChartView .chart-note { color: $text-muted; height: auto; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.chart: Chart | None = None

    def compose(self) -> ComposeResult:
        plot = PlotextPlot()
        plot.display = False  # no axes before there is a chart
        yield plot
        yield Static(classes="chart-empty")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(classes="chart-note")

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(DataTable)

    def show(self, chart: Chart) -> None:
        self.chart = chart
        plot = self.query_one(PlotextPlot)
        empty = self.query_one(".chart-empty", Static)
        plot.display, empty.display = not chart.empty, chart.empty
        empty.update(tr("没有记录，无图可画。", "No records: nothing to draw.") if not chart.categories else
                     tr("各项均为 0，无图可画。", "Every count is 0: nothing to draw."))
        note = self.query_one(".chart-note", Static)
        note.update(chart.note)
        note.display = bool(chart.note)
        if not chart.empty:
            self._plot(plot, chart)
        self._fill_table(chart)

    def _plot(self, plot: PlotextPlot, chart: Chart) -> None:
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        labels = axis_labels(chart)
        values = [list(s.values) for s in chart.series]
        colours = [series_style(i)[0] for i in range(len(values))]
        markers = [series_style(i)[2] for i in range(len(values))]
        if len(values) == 1:
            plt.bar(labels, values[0], color=colours[0], marker=markers[0], width=0.6)
        elif chart.stacked:
            plt.stacked_bar(labels, values, color=colours, marker=markers, width=0.6)  # type: ignore[arg-type]
        else:
            plt.multiple_bar(labels, values, color=colours, marker=markers, width=0.8)  # type: ignore[arg-type]
        top = max(chart.total(i) if chart.stacked else max(s.values[i] for s in chart.series)
                  for i in range(len(chart.categories)))
        step = max(1, -(-top // 5))
        plt.yticks(list(range(0, top + step, step)))  # counts: whole numbers
        plot.refresh()

    def _fill_table(self, chart: Chart) -> None:
        """The chart's numbers; the category names are cut with … where the
        counts would otherwise run past the right edge."""
        table = self.table
        table.clear(columns=True)
        numbered = not chart.empty and axis_labels(chart) != list(chart.categories)  # the axis numbers them
        headings = [series_heading(chart, i) for i in range(len(chart.series))]
        counts = [(h.plain, [str(v) for v in s.values]) for h, s in zip(headings, chart.series, strict=True)]
        if chart.has_total:
            counts.append((tr("合计", "Total"), [str(chart.total(i)) for i in range(len(chart.categories))]))
        counts += [(c.label, list(c.cells)) for c in chart.extra]
        taken = sum(max([cell_len(label), *map(cell_len, values)]) + 2 * CELL_PADDING for label, values in counts)
        if numbered:
            taken += len(str(len(chart.categories))) + 2 * CELL_PADDING
        width = self.size.width or self.app.size.width
        room = max(MIN_CUT_WIDTH, width - SCROLLBAR - taken - 2 * CELL_PADDING)
        if numbered:
            table.add_column("#")
        table.add_column(chart.category_label)
        for heading in headings:
            table.add_column(heading)
        if chart.has_total:
            table.add_column(tr("合计", "Total"))
        for column in chart.extra:
            table.add_column(column.label)
        for i, category in enumerate(chart.categories):
            cells: list[str | Text] = [str(i + 1)] if numbered else []
            cells += [fit(category, room).rstrip(), *(str(s.values[i]) for s in chart.series)]
            if chart.has_total:
                cells.append(Text(str(chart.total(i)), style="bold"))
            table.add_row(*cells, *(c.cells[i] for c in chart.extra))
        if not chart.categories:
            table.add_row(*([""] if numbered else []), tr("（没有数据）", "(no data)"),
                          *("" for _ in chart.series), *(["0"] if chart.has_total else []),
                          *("" for _ in chart.extra))

    def on_resize(self) -> None:
        if self.chart is not None:
            self._fill_table(self.chart)
