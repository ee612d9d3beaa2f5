"""Excellent interns (优秀实习生): the nominations for the year-end selection.

Nominate a completed intern from the interns list or an intern's detail
(``e``, with a note); this list shows every nomination, by year.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Select, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.services import ExcellentRow
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import local_text, tracking


class ExcellentScreen(ZScreen):
    TITLE_TEXT = ("优秀实习生", "Excellent interns")
    HELP_TEXT = (
        "已推荐的优秀实习生，供年终评选。在实习生列表或详情中按 e 推荐（须已完成实习）。",
        "Nominated excellent interns for the year-end selection. Press e on a completed intern"
        " (list or detail) to nominate.",
    )
    DEFAULT_CSS = """
    ExcellentScreen #x-year { width: 20; }
    ExcellentScreen DataTable { height: 1fr; }
    ExcellentScreen #x-count { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        K("enter", "open", "打开", "Open", id="excellent.open", show=False),
        K("ctrl+r", "reload", "刷新", "Reload", id="excellent.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[ExcellentRow] = []

    def compose(self) -> ComposeResult:
        yield StatusHeader(tr("优秀实习生推荐名单", "Excellent intern nominations"))
        year = tracking(self.services).today().year
        yield Select[str](
            [(str(y), str(y)) for y in range(year, year - 4, -1)],
            prompt=tr("全部年度", "All years"),
            id="x-year",
            compact=True,
        )
        table: DataTable[str | Text] = DataTable(id="x-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="x-count")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#x-table", DataTable)
        for label in (
            tr("学号", "No."),
            tr("姓名", "Name"),
            tr("院系", "Department"),
            tr("用人单位", "Employer"),
            tr("岗位", "Position"),
            tr("结束", "End"),
            tr("单位评价", "Employer"),
            tr("学生评价", "Student"),
            tr("推荐理由", "Note"),
            tr("本地", "Local"),
        ):
            table.add_column(label)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        v = self.query_one("#x-year", Select).value
        self._load(None if v is Select.NULL or not v else int(str(v)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="excellent-load")
    def _load(self, year: int | None) -> None:
        rows = tracking(self.services).query_excellent(year)
        self.deliver(self._show, rows)

    def _show(self, rows: list[ExcellentRow]) -> None:
        self._rows = rows
        table = self.query_one("#x-table", DataTable)
        table.clear()
        for r in rows:
            table.add_row(
                r.student_no,
                r.student_name,
                r.department_name,
                r.employer_name,
                r.position_title,
                r.end_date.isoformat(),
                "—" if r.employer_score is None else str(r.employer_score),
                "—" if r.student_score is None else str(r.student_score),
                r.note,
                local_text(r.local_state),
                key=str(r.application_id),
            )
        self.query_one("#x-count", Static).update(tr(f"共 {len(rows)} 名", f"{len(rows)} nominated"))

    @on(Select.Changed, "#x-year")
    def _year_changed(self) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#x-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one("#x-table", DataTable)
        if not self._rows or not 0 <= table.cursor_row < len(self._rows):
            return
        from zhumeng_tui.screens.interns import InternDetailScreen

        self.app.push_screen(InternDetailScreen(self._rows[table.cursor_row].application_id))
