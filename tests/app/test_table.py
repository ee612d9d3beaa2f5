"""The application table on its own: what a user sees and does with it.

The table shows a real :class:`ApplicationRows` result held in memory (the
same class the cache's lazy results are), inside a small host app driven by
Pilot.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult

from zhumeng_tui.services import ApplicationRows, SortSpec
from zhumeng_tui.widgets.app_table import ApplicationTable

pytestmark = pytest.mark.slow

COLUMNS = ["student_no", "name", "status", "department", "employer", "position"]
SIZE = (60, 12)  # the header and eleven rows


def make_rows(n: int) -> ApplicationRows:
    table = pa.table(
        {
            "student_no": [f"2024{i:06d}" for i in range(n)],
            "name": [f"学生{i}" for i in range(n)],
            "status": ["matched" if i % 2 else "applied" for i in range(n)],
            "department": ["计算机科学与技术学院"] * n,
            "employer": [f"第{i}研究所" for i in range(n)],
            "position": ["科研助理"] * n,
        }
    )
    return ApplicationRows(ids=[1000 + i for i in range(n)], table=table, columns=COLUMNS)


class Host(App[None]):
    def __init__(self, rows: ApplicationRows) -> None:
        super().__init__()
        self.rows = rows
        self.selected: set[int] = set()
        self.opened: list[int] = []
        self.headers: list[str] = []

    def compose(self) -> ComposeResult:
        yield ApplicationTable(self.selected)

    def on_mount(self) -> None:
        table = self.query_one(ApplicationTable)
        table.show_rows(self.rows, sort=SortSpec("student_no"))
        table.focus()

    def on_application_table_opened(self, event: ApplicationTable.Opened) -> None:
        self.opened.append(event.application_id)

    def on_application_table_header_selected(self, event: ApplicationTable.HeaderSelected) -> None:
        self.headers.append(event.column)


def screen_lines(app: App[Any]) -> list[str]:
    """The table's lines as drawn on the screen now."""
    table = app.query_one(ApplicationTable)
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def shown_numbers(app: App[Any]) -> list[str]:
    return [line.split()[0] for line in screen_lines(app)[1:] if line.strip()]


async def test_cursor_keys_move_and_scroll_under_a_fixed_header() -> None:
    app = Host(make_rows(200))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        assert table.current_id == 1000
        assert shown_numbers(app)[0] == "2024000000"

        await pilot.press("down", "down")
        assert table.current_id == 1002
        await pilot.press("pagedown")
        assert table.cursor_row == 2 + 11  # a page: the eleven rows in view
        await pilot.press("end")
        await pilot.pause()
        assert table.current_id == 1199
        lines = screen_lines(app)
        assert "学号" in lines[0] and "姓名" in lines[0]  # the header stays on top
        assert shown_numbers(app)[-1] == "2024000199"  # the last row is in view
        assert "2024000000" not in shown_numbers(app)

        await pilot.press("pageup")
        assert table.cursor_row == 199 - 11
        await pilot.press("home")
        await pilot.pause()
        assert table.current_id == 1000
        assert shown_numbers(app)[0] == "2024000000"
        await pilot.press("up")  # already on the first row: stays
        assert table.current_id == 1000


async def test_the_columns_that_fit_are_shown_the_next_cut() -> None:
    app = Host(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        header, first = screen_lines(app)[0], screen_lines(app)[1]
        assert header.split()[:4] == ["✓", "学号", "↑", "姓名"] and "状态" in header and "院系" in header
        assert "用人单位" not in header  # left out: the detail shows it
        assert table.column_names == ["student_no", "name", "status", "department"]
        assert "计算机科学与技…" in first  # the department is cut to the room left
        assert table.virtual_size.width <= table.scrollable_content_region.width  # nothing to scroll to
        await pilot.resize_terminal(120, 12)
        await pilot.pause()
        assert "用人单位" in screen_lines(app)[0]


async def test_marks_follow_the_selection() -> None:
    app = Host(make_rows(20))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        app.selected.update({1001, 1003})
        table.refresh_marks()
        await pilot.pause()
        marked = [line.startswith(" ✓ ") for line in screen_lines(app)[1:6]]
        assert marked == [False, True, False, True, False]
        app.selected.discard(1001)
        table.refresh_marks()
        await pilot.pause()
        marked = [line.startswith(" ✓ ") for line in screen_lines(app)[1:6]]
        assert marked == [False, False, False, True, False]


async def test_cells_show_labels_not_codes() -> None:
    app = Host(make_rows(3))
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        lines = screen_lines(app)
        assert "已投递" in lines[1] and "双选成功" in lines[2]
        assert "applied" not in lines[1]


async def test_enter_opens_the_row_under_the_cursor() -> None:
    app = Host(make_rows(50))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert app.opened == [1003]


async def test_a_click_moves_the_cursor_and_a_second_click_opens() -> None:
    app = Host(make_rows(50))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        await pilot.click(ApplicationTable, offset=(20, 5))  # the fifth row under the header
        await pilot.pause()
        assert table.current_id == 1004
        assert app.opened == []
        await pilot.click(ApplicationTable, offset=(20, 5))
        await pilot.pause()
        assert app.opened == [1004]


async def test_header_shows_the_sort_and_a_click_on_it_asks_for_that_column() -> None:
    app = Host(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        assert "学号" in screen_lines(app)[0] and "↑" in screen_lines(app)[0]
        table.show_rows(app.rows, sort=SortSpec("name", descending=True))
        await pilot.pause()
        header = screen_lines(app)[0]
        assert "↓" in header and "↑" not in header
        assert header.index("姓名") < header.index("↓") < header.index("状态")
        status_x = cell_len(header[: header.index("状态")])  # cells, not characters
        await pilot.click(ApplicationTable, offset=(status_x + 1, 0))
        await pilot.pause()
        assert app.headers == ["status"]


async def test_new_rows_keep_the_cursor_on_the_same_application() -> None:
    rows = make_rows(30)
    app = Host(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        await pilot.press("down", "down", "down", "down", "down")
        assert table.current_id == 1005
        odd = ApplicationRows(ids=rows.ids[1::2], table=rows.table.take(list(range(1, 30, 2))), columns=COLUMNS)
        table.show_rows(odd)
        await pilot.pause()
        assert table.current_id == 1005 and table.cursor_row == 2


async def test_fewer_rows_scroll_to_their_own_end() -> None:
    rows = make_rows(200)
    app = Host(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        assert shown_numbers(app)[-1] == "2024000199"
        fewer = ApplicationRows(ids=rows.ids[:150], table=rows.table.slice(0, 150), columns=COLUMNS)
        table.show_rows(fewer)
        await pilot.pause()
        assert table.current_id == 1000 and shown_numbers(app)[0] == "2024000000"
        await pilot.press("end")
        await pilot.pause()
        assert table.current_id == 1149
        assert shown_numbers(app)[-1] == "2024000149"
        table.scroll_end(animate=False, immediate=True)  # as far as the scrollbar goes
        await pilot.pause()
        assert shown_numbers(app)[-1] == "2024000149"  # on the last line, no blank lines under it
        assert len(shown_numbers(app)) == table.scrollable_content_region.height - 1


async def test_an_empty_result_says_so() -> None:
    app = Host(make_rows(5))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(ApplicationTable)
        await pilot.pause()
        table.show_rows(make_rows(0))
        await pilot.pause()
        lines = screen_lines(app)
        assert "学号" in lines[0]
        assert "没有符合条件的记录" in lines[1]
        assert table.current_id is None
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.opened == []
