"""The application table: a Line-API ``ScrollView`` that draws only the rows
on screen.

It shows an :class:`~zhumeng_tui.services.ApplicationRows` result. The
scrollable (virtual) size is one line per row plus the header; for each line
Textual asks for (``render_line``), the table reads that row from the result
(``ApplicationRows.row``: a page of rows at a time, read on first use), formats
its cells through the column registry (:mod:`zhumeng_tui.widgets.columns`) and
keeps the drawn line in a small cache. So 200,000 matching rows cost one id
list and the thirty-odd lines in view, never 200,000 rows.

The header line stays at the top while the rows scroll under it and shows the
sort column with ↑/↓. A leading ``✓`` column is computed from a *selection
set* (a ``set[int]`` of application ids owned by the screen): after changing
it, call :meth:`ApplicationTable.refresh_marks`. The row cursor moves with
up/down/pgup/pgdn/home/end and a mouse click. The columns that fit the width
are shown, in the order the screen gives them (the first that does not fit is
cut to the room left; the detail shows the rest). ``enter`` (or a click on the cursor row) posts
:class:`ApplicationTable.Opened`; a cursor move posts
:class:`ApplicationTable.Highlighted`; a click on a header label posts
:class:`ApplicationTable.HeaderSelected`.

A screen uses it through :meth:`ApplicationTable.show_rows` (swap in a new
result; the cursor stays on the same application when it is still there),
``current_id`` (the application under the cursor) and ``ids`` (the ids in
display order). :class:`zhumeng_tui.screens.queue_base.QueueScreenBase` puts
it together with the filter bar and the selection line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from zhumeng_tui.i18n import tr
from zhumeng_tui.services import ApplicationRows, SortSpec
from zhumeng_tui.widgets.columns import MARK_COLUMN, MIN_CUT_WIDTH, column_label, column_width, fit, formatter
from zhumeng_tui.widgets.keys import K, Localized


@dataclass(frozen=True)
class _Column:
    name: str
    width: int  # cells of text, without the one-cell pad on each side
    position: int  # index of the value in a row of the result; -1 for the ✓ column
    format: Callable[[Any], str]


@dataclass(frozen=True)
class _Styles:
    base: Style
    header: Style
    rows: tuple[Style, Style]  # even, odd
    cursor: Style
    hover: Style
    empty: Style


class ApplicationTable(Localized, ScrollView, inherit_bindings=False):
    """A row-cursor table of applications with a ✓ selection column."""

    BINDINGS: ClassVar = [
        K("enter", "open", "打开", "Open", id="table.open", show=False),
        K("up", "cursor_up", "上一行", "Up", id="table.up", show=False),
        K("down", "cursor_down", "下一行", "Down", id="table.down", show=False),
        K("pageup", "page_up", "上一页", "Page up", id="table.page_up", show=False),
        K("pagedown", "page_down", "下一页", "Page down", id="table.page_down", show=False),
        K("home", "first_row", "第一行", "First row", id="table.first", show=False),
        K("end", "last_row", "最后一行", "Last row", id="table.last", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "app-table--header",
        "app-table--even-row",
        "app-table--cursor",
        "app-table--hover",
        "app-table--empty",
    }

    DEFAULT_CSS = """
    ApplicationTable {
        height: 1fr;
        max-height: 100%;
        background: $surface;
        color: $text;
    }
    ApplicationTable > .app-table--header { text-style: bold; background: $primary; color: $text; }
    ApplicationTable > .app-table--even-row { background: $primary 10%; }
    ApplicationTable:dark > .app-table--even-row { background: $primary 15%; }
    ApplicationTable > .app-table--cursor { background: $secondary; color: $text; }
    ApplicationTable > .app-table--hover { background: $secondary 50%; }
    ApplicationTable > .app-table--empty { color: $text-muted; text-style: italic; }
    """

    class Opened(Message):
        """enter (or a click) on the cursor row."""

        def __init__(self, application_id: int) -> None:
            super().__init__()
            self.application_id = application_id

    class Highlighted(Message):
        """The cursor is on another row (or the rows changed under it)."""

        def __init__(self, application_id: int | None, row: int) -> None:
            super().__init__()
            self.application_id = application_id
            self.row = row

    class HeaderSelected(Message):
        """A click on the header label of a data column."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(self, selected: set[int], *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: The selection set (owned by the screen): its rows show ``✓``.
        self.selected = selected
        #: Application ids in display order.
        self.ids: Sequence[int] = []
        #: The data columns shown, in order (the ✓ column not included).
        self.column_names: list[str] = []
        self._wanted: list[str] = []
        self.cursor_row = 0
        self._rows: ApplicationRows | None = None
        self._columns: list[_Column] = []
        self._sort: SortSpec | None = None
        self._hover_row: int | None = None
        self._styles: _Styles | None = None
        self._header: Strip | None = None
        self._lines: LRUCache[tuple[int, int], Strip] = LRUCache(256)

    # ------------------------------------------------------------ data ----

    def show_rows(
        self, rows: ApplicationRows, visible: Sequence[str] | None = None, sort: SortSpec | None = None
    ) -> None:
        """Show a new result: the ``visible`` columns (those the rows have;
        all of them when None) and ``sort``'s arrow in the header. The cursor
        stays on the same application when it is still there."""
        current = self.current_id
        names = [c for c in (visible or rows.columns) if c in rows.columns] or list(rows.columns)
        self._rows = rows
        self.ids = rows.ids
        self._wanted = names
        self._sort = sort
        self._hover_row = None
        self._layout_columns()
        row = 0
        if current is not None:
            with suppress(ValueError):
                row = rows.ids.index(current)
        self.cursor_row = row
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self.current_id, row))
        self.refresh()

    def _layout_columns(self) -> None:
        """The columns that fit the width, in the order given: each whole, and
        the first one that does not fit cut to the room left (when there is
        enough of it for a few characters); the rest are left out (the detail
        shows them). Before the first layout, every column."""
        rows = self._rows
        if rows is None:
            return
        room = self.size.width - self.styles.scrollbar_size_vertical
        columns = [_Column(MARK_COLUMN, column_width(MARK_COLUMN), -1, str)]
        used = columns[0].width + 2
        for name in self._wanted:
            width = column_width(name)
            if room > 0 and used + width + 2 > room:
                left = room - used - 2
                if left >= MIN_CUT_WIDTH and len(columns) > 1:
                    columns.append(_Column(name, left, rows.columns.index(name), formatter(name)))
                break
            columns.append(_Column(name, width, rows.columns.index(name), formatter(name)))
            used += width + 2
        self._columns = columns
        self.column_names = [c.name for c in columns[1:]]
        self._header = None
        self._lines.clear()
        self._set_virtual_size(Size(sum(c.width + 2 for c in self._columns), 1 + max(len(self.ids), 1)))

    def on_resize(self, event: events.Resize) -> None:
        if self._rows is not None:
            self._layout_columns()
            self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """The scrollable size: the header plus a line per row. When only the
        number of rows changes and they overflow the view before and after
        (the vertical scrollbar stays), the scrollbar is updated in place:
        assigning ``virtual_size`` lays out the whole screen again (~25 ms a
        filter keystroke) although no widget changes size."""
        if self.show_vertical_scrollbar and size.width == self.virtual_size.width and size.height > self._view.height:
            self.set_reactive(ApplicationTable.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            self.scroll_y = min(self.scroll_y, self.max_scroll_y)
        else:
            self.virtual_size = size

    def refresh_marks(self) -> None:
        """Redraw after the selection set changed."""
        self._lines.clear()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.ids)

    @property
    def current_id(self) -> int | None:
        """The application under the cursor (None when there are no rows)."""
        if 0 <= self.cursor_row < len(self.ids):
            return self.ids[self.cursor_row]
        return None

    def row_cells(self, row: int) -> list[str]:
        """The texts of row ``row`` as shown: ``✓`` (or empty), then each
        visible column formatted (status labels, 待发送, ...)."""
        assert self._rows is not None
        values = self._rows.row(row)
        mark = MARK_COLUMN if self.ids[row] in self.selected else ""
        return [mark, *(c.format(values[c.position]) for c in self._columns[1:])]

    # ---------------------------------------------------------- cursor ----

    @property
    def _view(self) -> Size:
        """The size of the lines on screen (the scrollbars not included)."""
        return self.scrollable_content_region.size

    @property
    def _body_height(self) -> int:
        """Rows in view under the header."""
        return max(1, self._view.height - 1)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped to the rows) and scroll it into view."""
        row = max(0, min(row, len(self.ids) - 1))
        old = self.cursor_row
        self.cursor_row = row
        if row != old:
            for r in (old, row):
                self.refresh_line(1 + r)
            self.post_message(self.Highlighted(self.current_id, row))
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        """Scroll as little as needed for the cursor row to be in view."""
        row, top = self.cursor_row, round(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + self._body_height:
            self.scroll_to(y=row - self._body_height + 1, animate=False)

    def _keyboard(self) -> None:
        """A key moves the cursor: the mouse hover highlight goes."""
        if self._hover_row is not None:
            self._set_hover(None)

    def action_cursor_up(self) -> None:
        self._keyboard()
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._keyboard()
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self._keyboard()
        page = self._body_height
        self.scroll_to(y=max(0, round(self.scroll_y) - page), animate=False)
        self.move_cursor(self.cursor_row - page)

    def action_page_down(self) -> None:
        self._keyboard()
        page = self._body_height
        self.scroll_to(y=round(self.scroll_y) + page, animate=False)
        self.move_cursor(self.cursor_row + page)

    def action_first_row(self) -> None:
        self._keyboard()
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self._keyboard()
        self.move_cursor(len(self.ids) - 1)

    def action_open(self) -> None:
        app_id = self.current_id
        if app_id is not None:
            self.post_message(self.Opened(app_id))

    # ----------------------------------------------------------- mouse ----

    def _column_starts(self) -> list[int]:
        starts, x = [], 0
        for c in self._columns:
            starts.append(x)
            x += c.width + 2
        return starts

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse: -1 on the header, None off the rows."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        if offset.y == 0:
            return -1
        row = round(self.scroll_y) + offset.y - 1
        return row if row < len(self.ids) else None

    def _set_hover(self, row: int | None) -> None:
        old, self._hover_row = self._hover_row, row
        for r in (old, row):
            if r is not None:
                self.refresh_line(1 + r)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        row = row if row is not None and row >= 0 else None
        if row != self._hover_row:
            self._set_hover(row)

    def on_leave(self, event: events.Leave) -> None:
        self._set_hover(None)

    def on_click(self, event: events.Click) -> None:
        row = self._row_at(event)
        if row is None:
            return
        event.stop()
        if row == -1:
            offset = event.get_content_offset(self)
            assert offset is not None
            x = offset.x + round(self.scroll_x)
            for start, column in zip(self._column_starts(), self._columns, strict=True):
                if start <= x < start + column.width + 2:
                    if column.position >= 0:
                        self.post_message(self.HeaderSelected(column.name))
                    break
        elif row == self.cursor_row:
            self.action_open()
        else:
            self.move_cursor(row)

    # ---------------------------------------------------------- render ----

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._header = None
        self._lines.clear()

    def _get_styles(self) -> _Styles:
        if self._styles is None:
            base = self.rich_style
            style = self.get_component_rich_style
            self._styles = _Styles(
                base=base,
                header=style("app-table--header"),
                rows=(style("app-table--even-row"), base),
                cursor=style("app-table--cursor"),
                hover=style("app-table--hover"),
                empty=style("app-table--empty"),
            )
        return self._styles

    def _header_line(self) -> Strip:
        if self._header is None:
            sort = self._sort
            parts = []
            for c in self._columns:
                if c.position < 0:
                    text = fit(c.name, c.width)
                elif sort is not None and sort.column == c.name:
                    text = fit(column_label(c.name), c.width - 2) + (" ↓" if sort.descending else " ↑")
                else:
                    text = fit(column_label(c.name), c.width)
                parts.append(f" {text} ")
            self._header = Strip([Segment("".join(parts), self._get_styles().header)])
        return self._header

    def _row_style(self, row: int) -> tuple[int, Style]:
        styles = self._get_styles()
        if row == self.cursor_row:
            return 2, styles.cursor
        if row == self._hover_row:
            return 3, styles.hover
        return row % 2, styles.rows[row % 2]

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self._view.width
        x2 = scroll_x + width
        styles = self._get_styles()
        if y == 0:
            return self._header_line().crop_extend(scroll_x, x2, styles.header)
        row = scroll_y + y - 1
        if row >= len(self.ids):
            if row == 0 and self._rows is not None:
                text = " " + tr("没有符合条件的记录：按 0 清除筛选，或 / 修改搜索",
                                "No rows match: 0 clears the filters, / changes the search")
                return Strip([Segment(text, styles.empty)]).crop_extend(scroll_x, x2, styles.base)
            return Strip.blank(width, styles.base)
        variant, style = self._row_style(row)
        key = (row, variant)
        line = self._lines.get(key)
        if line is None:
            text = "".join(f" {fit(v, c.width)} " for v, c in zip(self.row_cells(row), self._columns, strict=True))
            line = Strip([Segment(text, style)])
            self._lines[key] = line
        return line.crop_extend(scroll_x, x2, style)
