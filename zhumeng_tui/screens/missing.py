"""Who is still missing what: blocked students grouped by the failing check.

``enter`` opens the application; ``y`` copies the whole list to the clipboard
as tab-separated text (学号 姓名 院系 电话 缺少), ready for a spreadsheet or a
group chat.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.export_flow import ExportsList
from zhumeng_tui.services import ExportRequest, MissingGroup, MissingStudent
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K


def missing_tsv(groups: list[MissingGroup]) -> str:
    header = "\t".join(
        [tr("学号", "Student no."), tr("姓名", "Name"), tr("院系", "Department"), tr("电话", "Phone"), tr("缺少", "Missing")]
    )
    lines = [header]
    for g in groups:
        for s in g.students:
            cells = [s.student_no, s.name, s.department_name, s.phone, f"{g.label}：{s.reason}" if s.reason else g.label]
            lines.append("\t".join(c.replace("\t", " ").replace("\n", " ") for c in cells))
    return "\n".join(lines) + "\n"


def _student_lines(s: MissingStudent) -> Group:
    """A student to chase: who (one line, cut with … when too long), then the
    reason indented under it, wrapped and whole."""
    who = Text(f"  {s.student_no}  {s.name}  {s.phone}  {s.department_name}", no_wrap=True, overflow="ellipsis")
    reason = Table.grid(padding=0)
    reason.add_column(width=4)
    reason.add_column(ratio=1)
    reason.add_row("", Text(s.reason, style="dim"))
    return Group(who, reason)


class MissingScreen(DataScreen[list[MissingGroup]], ExportsList):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("缺材料名单", "Missing")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "被审核项阻止的学生，按缺少的内容分组。y 复制整个名单（制表符分隔，可粘贴到表格）；o 导出为 Excel 或 CSV 文件。",
        "Students blocked by a check, grouped by what is missing. y copies the list (tab-separated);"
        " o exports it to an Excel or CSV file.",
    )
    BINDINGS: ClassVar = [
        K("y", "copy", "复制名单", "Copy list", id="missing.copy"),
        K("enter", "open", "打开", "Open", id="missing.open"),
    ]
    DEFAULT_CSS = """
    MissingScreen OptionList, MissingScreen OptionList:focus { height: 1fr; border: none; }
    MissingScreen #m-summary { height: 1; padding: 0 1; }
    """

    def __init__(self, department_id: int | None = None) -> None:
        super().__init__()
        self.department_id = department_id
        self.groups: list[MissingGroup] = []

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        yield Static(tr("加载中…", "Loading…"), id="m-summary")
        yield OptionList(id="m-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def export_requests(self) -> list[ExportRequest]:
        return [ExportRequest("missing", self.department_id)]

    def fetch(self) -> list[MissingGroup]:
        return self.services.missing(self.department_id)

    def show(self, value: list[MissingGroup]) -> None:
        groups = self.groups = value
        ol = self.query_one(OptionList)
        ol.clear_options()
        students = sum(len(g.students) for g in groups)
        self.query_one("#m-summary", Static).update(
            tr(f"{len(groups)} 类问题 · {students} 人次 · y 复制", f"{len(groups)} kinds · {students} entries · y copies")
        )
        options: list[Option] = []
        for g in groups:
            count = tr(f"{len(g.students)} 名学生 · {g.applications} 条申请",
                       f"{len(g.students)} students · {g.applications} applications")
            options.append(Option(Text.assemble(("✗ " + g.label, "bold"), f"  {count}"), disabled=True))
            for s in g.students:
                options.append(Option(_student_lines(s), id=f"a{s.application_id}-{g.check}"))
        if not options:
            options.append(Option(tr("没有被阻止的学生", "Nobody is blocked"), disabled=True))
        ol.add_options(options)

    def action_copy(self) -> None:
        if not self.groups:
            self.notify(tr("名单为空", "The list is empty"), severity="warning")
            return
        text = missing_tsv(self.groups)
        self.app.copy_to_clipboard(text)
        self.notify(tr(f"已复制 {text.count(chr(10)) - 1} 行到剪贴板", f"Copied {text.count(chr(10)) - 1} rows"))

    def _open_option(self, option_id: str | None) -> None:
        if not option_id or not option_id.startswith("a"):
            return
        from zhumeng_tui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(int(option_id[1:].split("-")[0])))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open_option(event.option.id)

    def action_open(self) -> None:
        ol = self.query_one(OptionList)
        if ol.highlighted is not None:
            self._open_option(ol.get_option_at_index(ol.highlighted).id)
