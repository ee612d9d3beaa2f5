"""Integrity archive (诚信档案): per student and as a list.

Kind, date, source (automatic / staff) and note of every entry. Staff add an
entry with a reason (``a``); nothing is ever deleted — a correction is a new
entry.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Input, Select, Static

from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, IntegrityKind, IntegritySource
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.services import IntegrityFilter, IntegrityRow
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import kind_text, local_text, source_text, tracking


class IntegrityScreen(ZScreen):
    """The integrity archive; ``student_id`` narrows it to one student."""

    TITLE_TEXT = ("诚信档案", "Integrity archive")
    HELP_TEXT = (
        "诚信档案：放弃岗位、未按时上岗、优秀实习生、信息不实、其他。系统自动记录或工作人员添加；"
        "记录永不删除，更正请新增一条。",
        "Integrity archive: withdrew, late start, excellent intern, false information, other."
        " Written automatically or by staff; never deleted — a correction is a new entry.",
    )
    DEFAULT_CSS = """
    IntegrityScreen #g-filters { height: 1; }
    IntegrityScreen #g-search { width: 1fr; }
    IntegrityScreen #g-kind { width: 20; }
    IntegrityScreen DataTable { height: 1fr; }
    IntegrityScreen #g-count { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="integrity.search", key_display="/"),
        K("a", "add", "添加记录", "Add entry", id="integrity.add"),
        K("enter", "student", "该生档案", "This student", id="integrity.student", show=False),
        K("ctrl+r", "reload", "刷新", "Reload", id="integrity.reload"),
    ]

    def __init__(self, student_id: int | None = None, student_label: str = "") -> None:
        super().__init__()
        self.student_id = student_id
        self.student_label = student_label
        self._rows: list[IntegrityRow] = []

    def compose(self) -> ComposeResult:
        title = tr("诚信档案", "Integrity archive")
        if self.student_label:
            title += f"：{self.student_label}" if tr("zh", "en") == "zh" else f": {self.student_label}"
        yield StatusHeader(title)
        with Horizontal(id="g-filters"):
            yield Input(
                placeholder=tr("/ 搜索 姓名·学号·拼音首字母", "/ search name, no., initials"),
                id="g-search",
                compact=True,
            )
            yield Select[str](
                [(tr_pair(INTEGRITY_LABELS[k]), k.value) for k in IntegrityKind],
                prompt=tr("全部类型", "All kinds"),
                id="g-kind",
                compact=True,
            )
        table: DataTable[str | Text] = DataTable(id="g-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="g-count")
        yield Footer()

    def on_mount(self) -> None:
        if self.student_id is not None:
            self.query_one("#g-search", Input).display = False
        table = self.query_one("#g-table", DataTable)
        for label in (
            tr("日期", "Date"),
            tr("学号", "No."),
            tr("姓名", "Name"),
            tr("院系", "Department"),
            tr("类型", "Kind"),
            tr("来源", "Source"),
            tr("说明", "Note"),
            tr("本地", "Local"),
        ):
            table.add_column(label)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def current_filter(self) -> IntegrityFilter:
        kind = self.query_one("#g-kind", Select).value
        return IntegrityFilter(
            text=self.query_one("#g-search", Input).value.strip(),
            student_id=self.student_id,
            kind=None if kind is Select.NULL or not kind else IntegrityKind(str(kind)),
        )

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self.current_filter())

    @work(thread=True, exclusive=True, exit_on_error=False, group="integrity-load")
    def _load(self, f: IntegrityFilter) -> None:
        rows = tracking(self.services).query_integrity(f)
        self.deliver(self._show, rows)

    def _show(self, rows: list[IntegrityRow]) -> None:
        self._rows = rows
        table = self.query_one("#g-table", DataTable)
        table.clear()
        for r in rows:
            e = r.entry
            style = (
                "bold red"
                if e.kind in (IntegrityKind.WITHDREW, IntegrityKind.FALSE_INFO, IntegrityKind.LATE_START)
                else ("green" if e.kind == IntegrityKind.EXCELLENT else "")
            )
            table.add_row(
                e.date.isoformat(),
                r.student_no,
                r.student_name,
                r.department_name,
                Text(kind_text(e.kind), style=style),
                Text(source_text(e.source), style="dim" if e.source == IntegritySource.AUTOMATIC else ""),
                e.note,
                local_text(r.local_state),
                key=str(e.id),
            )
        self.query_one("#g-count", Static).update(tr(f"共 {len(rows)} 条", f"{len(rows)} entries"))

    @on(Input.Changed, "#g-search")
    @on(Select.Changed, "#g-kind")
    def _filter_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#g-search")
    def _search_done(self) -> None:
        self.query_one("#g-table", DataTable).focus()

    def action_search(self) -> None:
        if self.student_id is None:
            self.query_one("#g-search", Input).focus()

    @on(DataTable.RowSelected, "#g-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_student()

    def action_student(self) -> None:
        """The highlighted entry's student: their whole archive."""
        if self.student_id is not None:
            return
        table = self.query_one("#g-table", DataTable)
        if not self._rows or not 0 <= table.cursor_row < len(self._rows):
            return
        r = self._rows[table.cursor_row]
        self.app.push_screen(IntegrityScreen(r.entry.student_id, f"{r.student_name} {r.student_no}"))

    def action_add(self) -> None:
        from zhumeng_tui.screens.interns import open_integrity_form

        if self.student_id is not None:
            open_integrity_form(self, self.student_id, self.student_label, None, self.reload)
            return
        table = self.query_one("#g-table", DataTable)
        if not self._rows or not 0 <= table.cursor_row < len(self._rows):
            self.notify(
                tr(
                    "请先选中一名学生的记录（或在实习生详情中按 n）",
                    "Select a student's entry first (or press n in an intern's detail)",
                ),
                severity="warning",
            )
            return
        r = self._rows[table.cursor_row]
        open_integrity_form(self, r.entry.student_id, f"{r.student_name} {r.student_no}", None, self.reload)
