"""The application table: a textual-fastdatatable DataTable (Arrow backend).

Building blocks of every list of applications (review queue, interns, ...):

``ApplicationTable``
    Shows an :class:`~zhumeng_tui.services.ApplicationRows` result. The Arrow
    table is used as is (no copy, no per-row Python objects); a leading ``✓``
    column is computed on the fly from a *selection set* (a ``set[int]`` of
    application ids owned by the screen/app), and cells are formatted only when
    they are drawn (status codes -> labels, local state -> 待发送/冲突). Column
    widths are fixed per column name, so showing 200,000 rows never measures
    200,000 strings. ``show_rows(rows)`` swaps the data in place (cursor kept on
    the same application when it is still there); ``refresh_marks()`` redraws
    after the selection changed.

``FilterBar``
    Search input (姓名 / 学号 / pinyin initials, debounced) and compact
    selects for department, status and failing check. Posts
    ``FilterBar.Changed`` with the pieces; the screen folds them into an
    :class:`~zhumeng_tui.services.AppFilter`.

``SelectionLine``
    "共 N 条 · 已选 M" under the table, always visible.

The screen class that puts these together (filter + table + selection keys +
query worker) is :class:`zhumeng_tui.screens.queue_base.QueueScreenBase`; see
its docstring for how to build a new list screen on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pyarrow as pa
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import on
from textual._segment_tools import line_crop
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.color import Color
from textual.containers import Horizontal
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input, Select, Static
from textual_fastdatatable import ArrowBackend
from textual_fastdatatable.data_table import DataTable

from zhumeng_tui.domain.eligibility import CHECK_LABELS, CheckId
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.services import ApplicationRows
from zhumeng_tui.widgets.keys import K, Localized

MARK_COLUMN = "✓"

#: Column name -> (中文, English) header label. Unknown columns show their name.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"),
    "student_no": ("学号", "Student no."),
    "name": ("姓名", "Name"),
    "student_name": ("姓名", "Name"),
    "gender": ("性别", "Sex"),
    "department": ("院系", "Department"),
    "department_name": ("院系", "Department"),
    "major": ("专业", "Major"),
    "grade": ("年级", "Grade"),
    "degree": ("学历", "Degree"),
    "employer": ("用人单位", "Employer"),
    "employer_name": ("用人单位", "Employer"),
    "position": ("岗位", "Position"),
    "position_title": ("岗位", "Position"),
    "title": ("岗位", "Position"),
    "region": ("地区", "Region"),
    "city": ("地区", "Region"),
    "status": ("状态", "Status"),
    "checks": ("审核", "Checks"),
    "check": ("审核", "Checks"),
    "worst": ("审核", "Checks"),
    "blockers": ("缺少", "Missing"),
    "failed_checks": ("缺少", "Missing"),
    "local_state": ("本地", "Local"),
    "applied_at": ("投递时间", "Applied"),
    "start_date": ("开始", "Start"),
    "end_date": ("结束", "End"),
    "on_duty_date": ("上岗", "On duty"),
    "phone": ("电话", "Phone"),
    "version": ("版本", "Ver."),
    "intern_flag": ("提示", "Flag"),
    "responsible_staff": ("负责人", "Staff"),
}

#: Fixed display widths (cells, without padding). Unknown columns get 10.
COLUMN_WIDTHS: dict[str, int] = {
    MARK_COLUMN: 1,
    "id": 6,
    "student_no": 12,
    "name": 8,
    "student_name": 8,
    "gender": 4,
    "department": 18,
    "department_name": 14,
    "major": 12,
    "grade": 6,
    "degree": 4,
    "employer": 18,
    "employer_name": 18,
    "position": 14,
    "position_title": 14,
    "title": 14,
    "region": 8,
    "city": 8,
    "status": 12,
    "checks": 8,
    "check": 8,
    "worst": 8,
    "blockers": 16,
    "failed_checks": 16,
    "local_state": 6,
    "applied_at": 10,
    "start_date": 10,
    "end_date": 10,
    "on_duty_date": 10,
    "phone": 11,
}

LOCAL_STATE_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("待发送", "pending"),
    "conflict": ("冲突", "conflict"),
    "rejected": ("被拒绝", "refused"),
}

RESULT_LABELS: dict[str, tuple[str, str]] = {
    "pass": ("通过", "pass"),
    "warn": ("警告", "warn"),
    "fail": ("不通过", "FAIL"),
}


def column_width(name: str) -> int:
    """Display width of a column: fixed per name, wide enough for its labels."""
    width = COLUMN_WIDTHS.get(name, 10)
    if name == "status":
        width = max(cell_len(tr_pair(p)) for p in STATUS_LABELS.values())
    elif name == "local_state":
        width = max(cell_len(tr_pair(p)) for p in LOCAL_STATE_LABELS.values())
    elif name in ("checks", "check", "worst"):
        width = max(cell_len(tr_pair(p)) for p in RESULT_LABELS.values())
    return max(width, cell_len(column_label(name)))


def fit(value: Any, width: int) -> str:
    """``value`` as text exactly ``width`` cells wide: padded, or cut with ``…``."""
    if width <= 0:
        return ""
    text = "" if value is None else str(value).replace("\n", " ")
    if cell_len(text) > width:
        # a wide character that does not fit leaves a pad space: "…" goes right after the text
        return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)
    return set_cell_size(text, width)


def search_placeholder() -> str:
    """The hint in every search box (the rule: ``domain.search``)."""
    return tr("/ 搜索 姓名·学号·拼音首字母", "/ search name, no., initials")


def column_label(name: str) -> str:
    pair = COLUMN_LABELS.get(name)
    return tr_pair(pair) if pair else name


def _fmt_status(value: Any) -> Any:
    try:
        return tr_pair(STATUS_LABELS[Status(value)])
    except (ValueError, KeyError):
        return value


def _fmt_local(value: Any) -> Any:
    pair = LOCAL_STATE_LABELS.get(str(value)) if value else None
    return tr_pair(pair) if pair else ("" if value is None else value)


def _fmt_result(value: Any) -> Any:
    pair = RESULT_LABELS.get(str(value)) if value else None
    return tr_pair(pair) if pair else value


def _fmt_checks(value: Any) -> Any:
    """A list of check ids (or a comma/space separated string) -> labels."""
    if value is None:
        return ""
    parts = value if isinstance(value, list) else str(value).replace(",", " ").split()
    out = []
    for p in parts:
        try:
            out.append(tr_pair(CHECK_LABELS[CheckId(p)]))
        except ValueError:
            out.append(str(p))
    return "、".join(out) if tr("zh", "en") == "zh" else ", ".join(out)


def _fmt_datetime(value: Any) -> Any:
    if value is None:
        return ""
    s = str(value)
    return s[:10] if len(s) > 10 and s[4] == "-" else value


FORMATTERS: dict[str, Callable[[Any], Any]] = {
    "status": _fmt_status,
    "local_state": _fmt_local,
    "checks": _fmt_result,
    "check": _fmt_result,
    "worst": _fmt_result,
    "blockers": _fmt_checks,
    "failed_checks": _fmt_checks,
    "applied_at": _fmt_datetime,
}


class RowsBackend(ArrowBackend):
    """The table's view of an :class:`ApplicationRows`: a ✓ column from a
    selection set, then the ``visible`` columns.

    Only the rows being drawn are read (``ApplicationRows.row``, a page at a
    time) and formatted; column widths are fixed (no measuring pass). The
    Arrow table underneath is empty: it only names the columns.
    """

    def __init__(
        self,
        rows: ApplicationRows,
        names: list[str],
        selected: set[int],
        widths: list[int],
        formatters: list[Callable[[Any], Any] | None],
    ) -> None:
        super().__init__(pa.table({n: pa.array([], pa.string()) for n in [MARK_COLUMN, *names]}))
        self.rows = rows
        self.ids = rows.ids
        self.selected = selected
        self._widths = widths
        self._formatters = formatters
        self._positions = [rows.columns.index(n) for n in names]

    @property
    def row_count(self) -> int:
        return len(self.ids)

    @property
    def source_row_count(self) -> int:
        return len(self.ids)

    @property
    def column_content_widths(self) -> list[int]:
        return self._widths

    def _format(self, column_index: int, value: Any) -> Any:
        if column_index == 0:
            return MARK_COLUMN if value else ""
        fmt = self._formatters[column_index]
        return fmt(value) if fmt is not None else value

    def get_row_at(self, index: int) -> Sequence[Any]:
        values = self.rows.row(index)
        return [self._format(0, self.ids[index] in self.selected),
                *(self._format(i, values[p]) for i, p in enumerate(self._positions, start=1))]

    def get_cell_at(self, row_index: int, column_index: int) -> Any:
        if column_index == 0:
            return self._format(0, self.ids[row_index] in self.selected)
        return self._format(column_index, self.rows.row(row_index)[self._positions[column_index - 1]])

    def get_column_at(self, column_index: int) -> list[Any]:
        return [self.get_cell_at(i, column_index) for i in range(self.row_count)]


def build_backend(
    rows: ApplicationRows, selected: set[int], visible: Sequence[str] | None = None
) -> RowsBackend:
    """The backend for ``rows``: a ✓ column plus the ``visible`` columns."""
    names = _names(rows, visible)
    widths = [column_width(n) for n in [MARK_COLUMN, *names]]
    formatters: list[Callable[[Any], Any] | None] = [None, *(FORMATTERS.get(n) for n in names)]
    return RowsBackend(rows, names, selected, widths, formatters)


def _names(rows: ApplicationRows, visible: Sequence[str] | None) -> list[str]:
    """The columns shown: ``visible`` (those the rows have), else all of them."""
    return [c for c in (visible or rows.columns) if c in rows.columns] or list(rows.columns)


class ApplicationTable(Localized, DataTable):
    """A fast, row-cursor table of applications with a ✓ selection column."""

    BINDINGS: ClassVar = [
        K("enter", "select_cursor", "打开", "Open", id="table.open", show=False),
    ]

    DEFAULT_CSS = """
    ApplicationTable { height: 1fr; max-height: 100%; }
    """

    class Opened(Message):
        """enter on a row."""

        def __init__(self, application_id: int) -> None:
            super().__init__()
            self.application_id = application_id

    class Highlighted(Message):
        def __init__(self, application_id: int | None, row: int) -> None:
            super().__init__()
            self.application_id = application_id
            self.row = row

    def __init__(self, selected: set[int], *, id: str | None = None) -> None:
        self.selected = selected
        self._style_cache: dict[tuple[Any, ...], tuple[Style, Style]] = {}
        self._header_cache: dict[tuple[Any, ...], Strip] = {}
        self._body_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(1000)
        self.ids: Sequence[int] = []
        self.visible_columns: list[str] | None = None
        self.column_names: list[str] = []
        empty = ApplicationRows(ids=[], table=pa.table({"student_no": pa.array([], pa.string())}), columns=["student_no"])
        backend = build_backend(empty, selected)
        super().__init__(
            backend=backend,
            cursor_type="row",
            show_row_labels=False,
            render_markup=False,
            zebra_stripes=True,
            id=id,
        )
        self._set_names(empty, None)
        # ctrl+a means "select all rows matching the filter" (the screen's key),
        # not the widget's "select all cells": let it reach the screen.
        self._bindings.key_to_bindings.pop("ctrl+a", None)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """A body row drawn directly: each value cut to its column's fixed
        width (``…`` when longer), in the library's zebra / cursor / hover
        styles. The library renders every cell through Rich (about 1 ms a
        line here, so each new result cost ~40 ms of drawing); this is about
        a tenth of that. The header row keeps the library's path."""
        row_index = y - 1
        if row_index == -1 and self.show_header:
            # the header: the same until the columns, the size or the theme change
            hover = self.hover_coordinate.column if self.hover_coordinate.row == -1 else None
            hkey = (tuple(c.label.plain for c in self.ordered_columns), x1, x2, self.size.width, base_style,
                    hover, self._pseudo_class_state)
            header = self._header_cache.get(hkey)
            if header is None:
                header = super()._render_line(y, x1, x2, base_style)
                self._header_cache = {hkey: header}
            return header
        if (row_index < 0 or row_index >= self.row_count or self.cursor_type != "row"
                or self.fixed_columns or self.fixed_rows or self.backend is None):
            return super()._render_line(y, x1, x2, base_style)
        width = self.size.width
        on_cursor = self.show_cursor and self.cursor_coordinate.row == row_index
        on_hover = self._show_hover_cursor and self.hover_coordinate.row == row_index
        key = (y, x1, x2, width, on_cursor, on_hover, base_style, self._update_count, self._pseudo_class_state)
        strip = self._body_cache.get(key)
        if strip is not None:
            return strip
        style, fill_style = self._row_styles(row_index % 2, on_cursor, on_hover, base_style)
        style += Style.from_meta({"row": row_index, "column": 0})
        columns = self.ordered_columns
        values = self.backend.get_row_at(row_index)
        segments = [Segment(f" {fit(v, c.render_width - 2)} ", style) for v, c in zip(values, columns, strict=False)]
        used = sum(c.render_width for c in columns)
        segments.append(Segment(" " * max(0, width - used), fill_style))
        strip = Strip(line_crop(segments, x1, x2, max(used, width))).adjust_cell_length(width, base_style).simplify()
        self._body_cache[key] = strip
        return strip

    def _row_styles(self, odd: int, cursor: bool, hover: bool, base_style: Style) -> tuple[Style, Style]:
        """(cell style, style of the space right of the last column), as the
        library computes them; cached until the next data or theme change."""
        key = (odd, cursor, hover, base_style, self._update_count, self._pseudo_class_state)
        found = self._style_cache.get(key)
        if found is None:
            row_style = self._get_row_style(odd, base_style)
            component_style, post_style = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, False, self.show_cursor, self._show_hover_cursor, False,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
            )
            faded = Color.from_rich_color(row_style.bgcolor).blend(self.background_colors[1], factor=0.25)
            found = (row_style + component_style + post_style,
                     Style.from_color(color=row_style.color, bgcolor=faded.rich_color))
            if len(self._style_cache) > 64:
                self._style_cache.clear()
            self._style_cache[key] = found
        return found

    def _set_names(self, rows: ApplicationRows, visible: Sequence[str] | None) -> None:
        names = _names(rows, visible)
        self.column_names = names
        self._column_labels = [Text(MARK_COLUMN), *[Text(column_label(n)) for n in names]]

    def show_rows(self, rows: ApplicationRows, visible: Sequence[str] | None = None) -> None:
        """Swap in a new result, keeping the cursor on the same application."""
        current = self.current_id
        self.visible_columns = list(visible) if visible else None
        self.ids = rows.ids
        self.backend = build_backend(rows, self.selected, visible)
        self.backend.render_markup = False
        self._set_names(rows, visible)
        # The widget has no public "replace data" (upstream says: remount);
        # a remount loses focus and cursor, so reset its derived state here.
        self._ordered_columns = None
        self._require_update_dimensions = False
        self._update_count += 1
        self._clear_caches()
        self._set_virtual_size(len(rows.ids))
        row = 0
        if current is not None:
            try:
                row = rows.ids.index(current)
            except ValueError:
                row = 0
        self.move_cursor(row=min(row, max(len(rows.ids) - 1, 0)), column=0, animate=False)
        self.refresh()

    def _set_virtual_size(self, row_count: int) -> None:
        """The scrollable size for ``row_count`` rows. When the columns are the
        same and the rows overflow the view before and after (a scrollbar
        either way), only the scrollbar changes: skip the relayout of the whole
        screen that setting ``virtual_size`` costs (~40 ms per keystroke)."""
        header = self.header_height if self.show_header else 0
        new = Size(sum(c.render_width for c in self.ordered_columns) + self._row_label_column_width,
                   row_count + header)
        old = self.virtual_size
        view = self.size.height
        if view and old.width == new.width and old.height > view and new.height > view:
            self.set_reactive(DataTable.virtual_size, new)
            self._scroll_update(new)
        else:
            self.virtual_size = new

    def refresh_marks(self) -> None:
        """Redraw after the selection set changed."""
        self._update_count += 1
        self._clear_caches()
        self.refresh()

    @property
    def current_id(self) -> int | None:
        if not self.ids or self.cursor_row < 0 or self.cursor_row >= len(self.ids):
            return None
        return self.ids[self.cursor_row]

    @on(DataTable.RowSelected)
    def _opened(self, event: DataTable.RowSelected) -> None:
        event.stop()
        app_id = self.current_id
        if app_id is not None:
            self.post_message(self.Opened(app_id))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Highlighted(self.current_id, event.cursor_row))


ALL = "__all__"


class FilterBar(Horizontal):
    """Search box + department/status/check selects; posts ``Changed`` (debounced)."""

    DEFAULT_CSS = """
    FilterBar { height: 1; width: 100%; }
    FilterBar > Input { width: 1fr; min-width: 12; }
    FilterBar > Select { width: 18; }
    FilterBar > Select#f-status { width: 16; }
    FilterBar > Select#f-check { width: 16; }
    """

    DEBOUNCE: ClassVar[float] = 0.15

    class Changed(Message):
        def __init__(
            self,
            text: str,
            department_id: int | None,
            status: Status | None,
            check: CheckId | None,
        ) -> None:
            super().__init__()
            self.text = text
            self.department_id = department_id
            self.status = status
            self.check = check

    def __init__(
        self,
        statuses: Sequence[Status],
        *,
        departments: bool = True,
        status: Status | None = None,
        check: CheckId | None = None,
        department_id: int | None = None,
        text: str = "",
    ) -> None:
        super().__init__()
        self._statuses = list(statuses)
        self._show_departments = departments
        self._init = (text, department_id, status, check)
        #: The pending debounce (``loop.call_later``: its deadline counts from the
        #: keystroke, where a Textual timer counts from when its task first runs).
        self._timer: asyncio.TimerHandle | None = None

    def compose(self) -> ComposeResult:
        text, _department_id, status, check = self._init
        yield Input(
            value=text,
            placeholder=search_placeholder(),
            id="f-search",
            compact=True,
        )
        if self._show_departments:
            # options arrive later (set_departments); the preset is applied then
            yield Select[str]([], prompt=tr("全部院系", "All departments"), id="f-dept", compact=True)
        yield Select[str](
            [(tr_pair(STATUS_LABELS[s]), s.value) for s in self._statuses],
            prompt=tr("全部状态", "All statuses"),
            id="f-status",
            compact=True,
            value=status.value if status is not None else Select.NULL,
        )
        yield Select[str](
            [(tr("缺：", "Fails: ") + tr_pair(CHECK_LABELS[c]), c.value) for c in CheckId],
            prompt=tr("全部审核", "All checks"),
            id="f-check",
            compact=True,
            value=check.value if check is not None else Select.NULL,
        )

    def set_departments(self, departments: Sequence[tuple[int, str]]) -> None:
        if not self._show_departments:
            return
        sel = self.query_one("#f-dept", Select)
        value = sel.value
        if value is Select.NULL and self._init[1] is not None:
            value = str(self._init[1])  # the preset department, first time round
        sel.set_options([(name, str(i)) for i, name in departments])
        if value is not Select.NULL and any(str(i) == value for i, _ in departments):
            sel.value = value

    def focus_search(self) -> None:
        self.query_one("#f-search", Input).focus()

    @property
    def search(self) -> Input:
        return self.query_one("#f-search", Input)

    def current(self) -> Changed:
        def val(sel_id: str) -> str | None:
            found = self.query(f"#{sel_id}")
            if not found:
                return None
            v = found.first(Select).value
            return None if v is Select.NULL or v is None else str(v)

        dept = val("f-dept")
        status = val("f-status")
        check = val("f-check")
        return self.Changed(
            self.query_one("#f-search", Input).value.strip(),
            int(dept) if dept else None,
            Status(status) if status else None,
            CheckId(check) if check else None,
        )

    def _emit(self) -> None:
        self._timer = None
        if self.is_attached:
            self.post_message(self.current())

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    @on(Input.Changed, "#f-search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.DEBOUNCE, self._emit)

    @on(Input.Submitted, "#f-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.cancel()
        self._emit()
        table = self.screen.query(ApplicationTable)
        if table:
            table.first().focus()

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        self._emit()


class SelectionLine(Static):
    """共 N 条 · 已选 M · sort — always visible under the table."""

    DEFAULT_CSS = """
    SelectionLine { height: 1; width: 100%; padding: 0 1; }
    """

    def show(self, total: int | None, selected: int, sort: str = "", busy: bool = False) -> None:
        parts = []
        if total is None:
            parts.append(tr("加载中…", "Loading…"))
        else:
            parts.append(tr(f"共 {total:,} 条", f"{total:,} rows"))
        parts.append(tr(f"已选 {selected:,}", f"{selected:,} selected"))
        if sort:
            parts.append(sort)
        if busy:
            parts.append(tr("查询中…", "querying…"))
        self.update(" · ".join(parts), layout=False)  # one line, always: no relayout of the screen
