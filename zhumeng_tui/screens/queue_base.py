"""A list of applications with filters, search, sort and selection.

``QueueScreenBase`` is the reusable queue: header, ``FilterBar`` (search +
department / status / check), ``ApplicationTable`` (draws only the rows in
view, with a ✓ column) and the ``SelectionLine``. The query runs in a thread worker (the
facade's ``query_applications``); the search box is debounced; results come
back as ``RowsLoaded`` messages and stale ones are dropped.

Reuse (e.g. the interns screen)::

    class InternsScreen(QueueScreenBase):
        QUEUE_NAME = "interns"            # its own selection set in app state
        TITLE_TEXT = ("实习跟踪", "Interns")
        STATUSES = sorted(INTERN_STATUSES)  # choices of the status select
        VISIBLE_COLUMNS = ["student_no", "name", "employer", "status", "intern_flag"]
        SHOW_CHECK_FILTER = False
        BINDINGS = [K("f", "followup", "跟踪记录", "Follow-up", id="interns.followup")]

        def base_filter(self) -> AppFilter:    # always applied
            return AppFilter(statuses=frozenset(INTERN_STATUSES))

        def action_followup(self) -> None:
            ids = self.targets()               # selection, or the row under the cursor
            ...

Hooks: ``base_filter()``, ``adjust_filter(f)`` (extra controls),
``compose_extra()`` (widgets under the filter bar), ``on_rows(rows)``,
``open_application(id)`` (default: the detail screen), ``describe_applications``.
Helpers: ``self.table``, ``self.selected`` (the set), ``self.targets()``,
``self.current_filter``, ``self.reload()``. Keys provided: ``/`` search,
``space`` toggle, ``v`` (or shift+space) range from the last anchor, ``ctrl+a``
all matching the filter, ``ctrl+d`` clear, ``s`` / ``S`` sort column /
direction, ``0`` clear filters, ``enter`` open, ``escape`` (leave search ->
clear selection -> back), ``o`` export the list as shown (``EXPORT_LISTS``).
Subclasses add their own bindings with ``K``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Select, Static

from zhumeng_tui.domain.eligibility import CheckResult
from zhumeng_tui.domain.status import Role, Status
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import AppFilter, ApplicationRows, ExportRequest, SortSpec
from zhumeng_tui.widgets.app_table import ApplicationTable
from zhumeng_tui.widgets.columns import column_label
from zhumeng_tui.widgets.filter_bar import FilterBar
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K, focus_now
from zhumeng_tui.widgets.selection_line import SelectionLine


class RowsLoaded(Message):
    def __init__(self, rows: ApplicationRows, generation: int) -> None:
        super().__init__()
        self.rows = rows
        self.generation = generation


class IdsMatched(Message):
    def __init__(self, ids: list[int]) -> None:
        super().__init__()
        self.ids = ids


class DepartmentsLoaded(Message):
    def __init__(self, departments: list[tuple[int, str]]) -> None:
        super().__init__()
        self.departments = departments


class QueueScreenBase(ExportsList):
    """Filter bar + application table + selection; see the module docstring."""

    QUEUE_NAME: ClassVar[str] = "queue"
    #: The lists ``o`` writes (``services.export``), as shown: filter, sort, the selection if any.
    EXPORT_LISTS: ClassVar[tuple[str, ...]] = ("applications",)
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("申请列表", "Applications")
    STATUSES: ClassVar[Sequence[Status]] = tuple(Status)
    VISIBLE_COLUMNS: ClassVar[list[str] | None] = None
    SHOW_CHECK_FILTER: ClassVar[bool] = True
    #: How to reach the filters (the help screen shows it).
    FILTER_HELP: ClassVar[tuple[str, str]] = (
        "筛选：/ 进入搜索框，Tab / shift+Tab 依次到院系、状态等筛选，回车展开选项，esc 回到列表；0 清除全部筛选。",
        "Filters: / goes to the search box, Tab / shift+Tab to the department, status and other filters,"
        " enter opens one, esc goes back to the list; 0 clears every filter.",
    )

    #: The list has the focus as soon as it is composed (not the search box,
    #: the first focusable widget): a key typed right after the one that
    #: opened the screen is the list's (``2`` then ``/`` and a name).
    AUTO_FOCUS: ClassVar[str | None] = "ApplicationTable"
    BINDINGS: ClassVar = [
        K("space", "toggle_select", "选择", "Select", id="queue.toggle", key_display="space", footer_en="Mark"),
        # priority: also from the search box (whose own ctrl+a moves to the start of the text)
        K("ctrl+a", "select_all", "全选", "Select all matching", id="queue.select_all", footer_en="All", priority=True),
        # the search box's placeholder shows "/ 搜索": the footer keeps its room for the actions
        K("slash", "search", "搜索", "Search", id="queue.search", key_display="/", show=False),
        K("v,shift+space", "select_range", "连选", "Select range", id="queue.range", show=False),
        K("ctrl+d", "clear_selection", "清除选择", "Clear selection", id="queue.clear", show=False),
        K("s", "sort", "排序", "Sort", id="queue.sort", show=False),
        K("S", "sort_reverse", "倒序", "Reverse sort", id="queue.sort_reverse", show=False),
        K("0", "clear_filters", "清除筛选", "Clear filters", id="queue.clear_filters", show=False),
        K("escape", "escape", "返回", "Back", id="screen.back", show=False, key_display="esc"),
    ]

    DEFAULT_CSS = """
    QueueScreenBase #q-preset { height: 1; padding: 0 1; }
    """

    def __init__(self, preset: AppFilter | None = None, preset_label: str | None = None) -> None:
        super().__init__()
        self.preset = preset or AppFilter()
        self.preset_label = preset_label
        self.sort = SortSpec()
        self.rows: ApplicationRows | None = None
        self.current_filter: AppFilter = AppFilter()
        self._generation = 0
        self._anchor: int | None = None
        self._loading = False
        self._departments_loaded = False
        #: Focus the search box when the screen opens (``/`` from the dashboard).
        self.start_in_search = False

    # ----------------------------------------------------------- hooks ----

    def base_filter(self) -> AppFilter:
        """The part of the filter that is always applied."""
        return AppFilter()

    def adjust_filter(self, f: AppFilter) -> AppFilter:
        """Last chance to change the filter (extra controls of a subclass)."""
        return f

    def compose_extra(self) -> ComposeResult:
        """Widgets shown between the filter bar and the table."""
        yield from ()

    def visible_columns(self) -> list[str] | None:
        """The columns to show, most important first (a department account
        sees only its own department: no 院系 column)."""
        names = self.VISIBLE_COLUMNS
        if names is None or self.role != Role.DEPARTMENT:
            return names
        return [c for c in names if c != "department"]

    def on_rows(self, rows: ApplicationRows) -> None:
        """Called after new rows are shown."""

    def open_application(self, application_id: int) -> None:
        from zhumeng_tui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(application_id))

    def declares_exports(self) -> bool:
        return bool(self.EXPORT_LISTS)

    def export_requests(self) -> list[ExportRequest]:
        selection = frozenset(self.selected) or None
        return [ExportRequest(name, self.current_filter, self.sort, selection) for name in self.EXPORT_LISTS]

    def describe_applications(self, ids: Sequence[int]) -> dict[int, str]:
        """学号 and name of these applications (the lines of a bulk result), read
        in one go; an id without them is left out."""
        rows = self.rows
        if rows is None:
            return {}
        # who, and which post (one student may have several applications in a batch)
        at = [rows.columns.index(c) for c in ("student_no", "name", "student_name", "position") if c in rows.columns]
        out = {}
        for app_id, values in rows.rows_of(ids).items():
            text = " ".join(str(values[i]) for i in at if values[i] is not None)
            if text:
                out[app_id] = text
        return out

    # --------------------------------------------------------- compose ----

    @property
    def selected(self) -> set[int]:
        return self.zapp.selection(self.QUEUE_NAME)

    @property
    def table(self) -> ApplicationTable:
        return self.query_one(ApplicationTable)

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        p = self.preset
        status = next(iter(p.statuses)) if len(p.statuses) == 1 else None
        yield FilterBar(
            self.STATUSES,
            departments=self.role != Role.DEPARTMENT,
            status=status,
            check=p.check if p.check_result == CheckResult.FAIL else None,
            department_id=p.department_id,
            text=p.text,
        )
        if self.preset_label:
            yield Static(tr("筛选：", "Filter: ") + self.preset_label + tr("  （0 清除）", "  (0 clears)"), id="q-preset")
        yield from self.compose_extra()
        yield ApplicationTable(self.selected, id="q-table")
        yield SelectionLine(id="q-selection")
        yield KeyFooter()

    def on_mount(self) -> None:
        if not self.SHOW_CHECK_FILTER:
            for w in self.query("#f-check"):
                w.display = False
        if self.start_in_search:
            self.query_one(FilterBar).focus_search()
        else:
            focus_now(self.table)
        self._update_line()
        self.load_departments()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.rows is not None:
            self.table.refresh_marks()
            self._update_line()

    # ---------------------------------------------------------- filter ----

    def build_filter(self) -> AppFilter:
        bar = self.query_one(FilterBar).current()
        base = self.base_filter()
        p = self.preset
        statuses = frozenset({bar.status}) if bar.status else (p.statuses if len(p.statuses) != 1 else frozenset())
        if not statuses:
            statuses = base.statuses
        f = dataclasses.replace(
            base,
            text=bar.text,
            department_id=self._department(bar.department_id, base.department_id),
            statuses=statuses,
            check=bar.check if bar.check else (p.check if p.check_result != CheckResult.FAIL else None),
            check_result=p.check_result if (p.check and not bar.check) else CheckResult.FAIL,
            actionable=p.actionable or base.actionable,
            local_state=p.local_state or base.local_state,
            intern_flag=p.intern_flag or base.intern_flag,
            employer_id=p.employer_id or base.employer_id,
            city=p.city or base.city,
        )
        return self.adjust_filter(f)

    def _department(self, chosen: int | None, base: int | None) -> int | None:
        if self.query("#f-dept"):
            # a university account: the select says (it starts at the preset)
            if chosen is None and not self._departments_loaded:
                return self.preset.department_id or base
            return chosen if chosen is not None else base
        return self.preset.department_id or base

    def reload(self) -> None:
        """Run the query again with the current filter and sort."""
        self.current_filter = self.build_filter()
        self._generation += 1
        self._loading = True
        self._update_line()
        self.run_query(self.current_filter, self.sort, self._generation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def run_query(self, f: AppFilter, sort: SortSpec, generation: int) -> None:
        rows = self.services.query_applications(f, sort)
        self.post_message(RowsLoaded(rows, generation))

    @work(thread=True, exclusive=True, exit_on_error=False, group="departments")
    def load_departments(self) -> None:
        if self.role == Role.DEPARTMENT:
            return
        self.post_message(DepartmentsLoaded(self.services.departments()))

    @on(DepartmentsLoaded)
    def _departments(self, event: DepartmentsLoaded) -> None:
        self.query_one(FilterBar).set_departments(event.departments)
        self._departments_loaded = True

    @on(RowsLoaded)
    def _rows_loaded(self, event: RowsLoaded) -> None:
        if event.generation != self._generation:
            return
        self._loading = False
        self.rows = event.rows
        self.table.show_rows(event.rows, self.visible_columns(), self.sort)
        self._update_line()
        self.on_rows(event.rows)

    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.reload()

    def _update_line(self) -> None:
        total = None if self.rows is None else len(self.rows.ids)
        arrow = "↓" if self.sort.descending else "↑"
        sort = tr("排序：", "sort: ") + column_label(self.sort.column) + arrow
        self.query_one(SelectionLine).show(total, len(self.selected), sort, busy=self._loading and total is not None)

    def refresh_selection(self) -> None:
        self.table.refresh_marks()
        self._update_line()

    # ------------------------------------------------------- selection ----

    def targets(self) -> list[int]:
        """The selection (in no particular order), or the row under the cursor."""
        if self.selected:
            return sorted(self.selected)
        current = self.table.current_id
        return [current] if current is not None else []

    def action_search(self) -> None:
        self.query_one(FilterBar).focus_search()

    def action_toggle_select(self) -> None:
        table = self.table
        app_id = table.current_id
        if app_id is None:
            return
        if app_id in self.selected:
            self.selected.discard(app_id)
        else:
            self.selected.add(app_id)
        self._anchor = table.cursor_row
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(table.cursor_row + 1)
        self.refresh_selection()

    def action_select_range(self) -> None:
        table = self.table
        if not table.ids:
            return
        anchor = self._anchor if self._anchor is not None else table.cursor_row
        lo, hi = sorted((anchor, table.cursor_row))
        self.selected.update(table.ids[lo : hi + 1])
        self._anchor = table.cursor_row
        self.refresh_selection()

    def action_select_all(self) -> None:
        self.select_all_matching(self.build_filter())

    @work(thread=True, exclusive=True, exit_on_error=False, group="select-all")
    def select_all_matching(self, f: AppFilter) -> None:
        self.post_message(IdsMatched(self.services.ids_matching(f)))

    @on(IdsMatched)
    def _ids_matched(self, event: IdsMatched) -> None:
        self.selected.update(event.ids)
        self.refresh_selection()
        self.notify(
            tr(f"已选中筛选结果 {len(event.ids):,} 条", f"Selected {len(event.ids):,} matching rows"),
            timeout=3,
        )

    def action_clear_selection(self) -> None:
        self.selected.clear()
        self._anchor = None
        self.refresh_selection()

    def action_escape(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) or (focused is not None and not isinstance(focused, ApplicationTable)):
            focus_now(self.table)
        elif self.selected:
            self.action_clear_selection()
        else:
            self.action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "escape":
            return True
        return super().check_action(action, parameters)

    # ------------------------------------------------------ sort/filter ----

    def action_sort(self) -> None:
        names = self.table.column_names
        if not names:
            return
        try:
            i = names.index(self.sort.column)
        except ValueError:
            i = -1
        self.sort = SortSpec(names[(i + 1) % len(names)], self.sort.descending)
        self.reload()

    def action_sort_reverse(self) -> None:
        self.sort = SortSpec(self.sort.column, not self.sort.descending)
        self.reload()

    def action_clear_filters(self) -> None:
        self.preset = AppFilter()
        self.preset_label = None
        for w in self.query("#q-preset"):
            w.remove()
        self.query_one(FilterBar).search.value = ""
        # the filter bar's selects and those a subclass adds (compose_extra)
        for sel in self.query(Select):
            sel.clear()
        self.reload()

    @on(ApplicationTable.HeaderSelected)
    def _header(self, event: ApplicationTable.HeaderSelected) -> None:
        event.stop()
        col = event.column
        desc = not self.sort.descending if col == self.sort.column else False
        self.sort = SortSpec(col, desc)
        self.reload()

    @on(ApplicationTable.Opened)
    def _opened(self, event: ApplicationTable.Opened) -> None:
        self.open_application(event.application_id)
