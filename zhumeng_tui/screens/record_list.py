"""A short list of records in a ``DataTable``: the tracking lists' scaffolding.

The withdrawals, integrity and excellent-intern lists are small (hundreds of
rows, not the review queue's hundreds of thousands), so they use Textual's own
``DataTable``. They share the layout (header, a filter row, the table, a count
line, the footer), the load in a thread worker whose rows come back as a
:class:`RecordsLoaded` message (an answer for an earlier filter is dropped),
reloading when the screen comes back, and ``enter`` on a row. A subclass of
``RecordListScreen[Filter, Row]`` gives::

    ID = "w"                                    # widget ids: w-table, w-count
    COLUMNS = [(("学号", "No."), "no"), ...]    # labels and column keys
    def compose_filters(self): ...              # the filter row (optional)
    def filter_values(self) -> Filter: ...      # read the filter widgets
    def fetch(self, f: Filter) -> list[Row]: ...  # runs in the worker thread
    def cells(self, row) -> Sequence[...]       # one table row
    def row_key(self, row) -> str
    def count_text(self, rows) -> str           # the line under the table
    def action_open(self): ...                  # enter: uses self.highlighted()
    EXPORT_LIST = "withdrawals"                 # what ``o`` writes, with filter_values()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import ExportRequest
from zhumeng_tui.widgets.columns import fit, fitting_widths
from zhumeng_tui.widgets.filter_bar import search_placeholder
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import focus_now

FilterT = TypeVar("FilterT")
RowT = TypeVar("RowT")
ValueT = TypeVar("ValueT")
Cell = str | Text


class RecordsLoaded(Message, Generic[RowT]):
    """The rows of a list for the filter of load ``generation``."""

    def __init__(self, rows: list[RowT], generation: int) -> None:
        super().__init__()
        self.rows = rows
        self.generation = generation


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def _cut(cell: Cell, width: int) -> Cell:
    """``cell`` in ``width`` cells, ending with … when longer."""
    if cell_len(_plain(cell)) <= width:
        return cell
    if isinstance(cell, Text):
        cut = cell.copy()
        cut.truncate(width, overflow="ellipsis")
        return cut
    return fit(cell, width).rstrip()


class RecordListScreen(ExportsList, Generic[FilterT, RowT]):
    """Header, filter row, table, count line, footer; see the module docstring."""

    ID: ClassVar[str] = "r"
    #: How to reach the filters (the help screen shows it).
    FILTER_HELP: ClassVar[tuple[str, str]] = (
        "筛选：/ 进入搜索框，Tab / shift+Tab 移到其他筛选，回车展开选项，esc 回到列表。",
        "Filters: / goes to the search box, Tab / shift+Tab to the other filters, enter opens one,"
        " esc goes back to the list.",
    )
    #: The list ``o`` writes (``services.export``) with the screen's filter.
    EXPORT_LIST: ClassVar[str] = ""
    COLUMNS: ClassVar[Sequence[tuple[tuple[str, str], str | None]]] = ()
    RELOAD_ON_RESUME = True
    #: The list has the focus as soon as it is composed (not the search box,
    #: the first focusable widget): a key typed right after the one that
    #: opened the screen is the list's.
    AUTO_FOCUS: ClassVar[str | None] = "DataTable"

    DEFAULT_CSS = """
    RecordListScreen .filters { height: 1; }
    RecordListScreen .search { width: 1fr; }
    RecordListScreen DataTable { height: 1fr; }
    RecordListScreen .count { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[RowT] = []
        self._generation = 0
        #: The filter of the last load.
        self._filter: FilterT | None = None

    # ----------------------------------------------------------- hooks ----

    def list_title(self) -> str:
        return self.title_text()

    def compose_filters(self) -> ComposeResult:
        """The widgets of the filter row (``search_box()``, selects)."""
        yield from ()

    def compose_below(self) -> ComposeResult:
        """Widgets under the count line."""
        yield from ()

    def fetch(self, f: FilterT) -> list[RowT]:
        """The rows for ``f`` (see ``filter_values``); runs in a worker thread."""
        raise NotImplementedError

    def filter_values(self) -> FilterT:
        """What ``fetch`` needs from the filter widgets, read on the UI thread."""
        raise NotImplementedError

    def cells(self, row: RowT) -> Sequence[Cell]:
        raise NotImplementedError

    def row_key(self, row: RowT) -> str:
        raise NotImplementedError

    def count_text(self, rows: list[RowT]) -> str:
        return tr(f"共 {len(rows)} 条", f"{len(rows)} rows")

    def after_show(self, rows: list[RowT]) -> None:
        """Called after new rows are shown."""

    def action_open(self) -> None:
        """``enter`` on a row."""

    def declares_exports(self) -> bool:
        return bool(self.EXPORT_LIST)

    def export_requests(self) -> list[ExportRequest]:
        return [ExportRequest(self.EXPORT_LIST, self.filter_values())] if self.EXPORT_LIST else []

    # --------------------------------------------------------- compose ----

    @property
    def table(self) -> DataTable[Cell]:
        return self.query_one(f"#{self.ID}-table", DataTable)

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.list_title())
        with Horizontal(id=f"{self.ID}-filters", classes="filters"):
            yield from self.compose_filters()
        table: DataTable[Cell] = DataTable(id=f"{self.ID}-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id=f"{self.ID}-count", classes="count")
        yield from self.compose_below()
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill()
        focus_now(self.table)
        if not self.RELOAD_ON_RESUME:  # otherwise the first load is when the screen is shown
            self.reload()

    def _fill(self) -> None:
        """The rows in the columns that fit the table's width (``fitting_widths``):
        the last one shown cut with …, the rest left out (the detail shows them);
        no sideways scrolling."""
        table = self.table
        labels = [tr(zh, en) for (zh, en), _ in self.COLUMNS]
        rows = [list(self.cells(r)) for r in self._rows]
        natural = [max([cell_len(label), *(cell_len(_plain(r[i])) for r in rows)]) for i, label in enumerate(labels)]
        widths = fitting_widths(natural, table.size.width - table.styles.scrollbar_size_vertical)
        current = table.cursor_row
        table.clear(columns=True)
        for ((_, key), label, width, whole) in zip(self.COLUMNS, labels, widths, natural, strict=False):
            table.add_column(fit(label, width).rstrip() if width < whole else label, key=key, width=width)
        for r, row in zip(self._rows, rows, strict=True):
            table.add_row(*(_cut(c, w) for c, w in zip(row, widths, strict=False)), key=self.row_key(r))
        if rows:
            table.move_cursor(row=min(max(current, 0), len(rows) - 1))

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)  # once the table has its new size

    # ------------------------------------------------------------ load ----

    def reload(self) -> None:
        self._generation += 1
        self._filter = self.filter_values()
        self._load(self._filter, self._generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="record-list")
    def _load(self, f: FilterT, generation: int) -> None:
        self.post_message(RecordsLoaded(self.fetch(f), generation))

    @on(RecordsLoaded)
    def _show(self, event: RecordsLoaded[RowT]) -> None:
        if event.generation != self._generation:
            return  # an earlier filter's answer, come late
        rows = self._rows = event.rows
        self._fill()
        self.query_one(f"#{self.ID}-count", Static).update(self.count_text(rows))
        self.after_show(rows)

    def highlighted(self) -> RowT | None:
        """The row under the cursor, if any."""
        row = self.table.cursor_row
        return self._rows[row] if self._rows and 0 <= row < len(self._rows) else None

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # -------------------------------------------------------- filters ----

    def search_box(self) -> Input:
        return Input(placeholder=search_placeholder(), id=f"{self.ID}-search", classes="search", compact=True)

    def select_value(self, widget_id: str, convert: Callable[[str], ValueT]) -> ValueT | None:
        """A filter select's value, converted (None for its prompt)."""
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value is Select.NULL or not value else convert(str(value))

    def search_text(self) -> str:
        found = self.query(f"#{self.ID}-search")
        return found.first(Input).value.strip() if found else ""

    @on(Input.Changed)
    @on(Select.Changed)
    def _filter_changed(self, event: Input.Changed | Select.Changed) -> None:
        event.stop()
        if self.filter_values() != self._filter:  # not a select taking its first value
            self.reload()

    @on(Input.Submitted)
    def _search_done(self, event: Input.Submitted) -> None:
        event.stop()
        focus_now(self.table)

    def action_search(self) -> None:
        found = self.query(f"#{self.ID}-search")
        if found and found.first(Input).display:
            focus_now(found.first(Input))
