"""Integrity archive (诚信档案): per student and as a list.

Kind, date, source (automatic / staff) and note of every entry. Staff add an
entry with a reason (``a``); nothing is ever deleted — a correction is a new
entry. The same form adds an entry from an intern's detail
(:func:`add_integrity_entry`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult

from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, IntegrityKind, IntegritySource
from zhumeng_tui.domain.permissions import Change
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.screens.intern_forms import IntegrityInput, integrity_form
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import IntegrityFilter, IntegrityRow
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import kind_text, local_text, source_text


def add_integrity_entry(screen: ZScreen, student_id: int, label: str, application_id: int | None = None) -> None:
    """Open the integrity-entry form for a student; ``screen`` sends the entry and reloads."""

    def send(entry: IntegrityInput | None) -> None:
        if entry is not None:
            ts = screen.services
            screen.send_change(partial(ts.add_integrity, student_id, entry.kind, entry.date, entry.note, application_id))

    screen.app.push_screen(integrity_form(label, screen.services.today()), send)


class IntegrityScreen(RecordListScreen[IntegrityFilter, IntegrityRow]):
    """The integrity archive; ``student_id`` narrows it to one student."""

    TITLE_TEXT = ("诚信档案", "Integrity archive")
    HELP_TEXT = (
        "诚信档案：放弃岗位、未按时上岗、优秀实习生、信息不实、其他。系统自动记录或工作人员添加；"
        "记录永不删除，更正请新增一条。",
        "Integrity archive: withdrew, late start, excellent intern, false information, other."
        " Written automatically or by staff; never deleted — a correction is a new entry.",
    )
    DEFAULT_CSS = """
    IntegrityScreen #g-kind { width: 20; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="integrity.search", key_display="/"),
        K("a", "add", "添加记录", "Add entry", id="integrity.add"),
        K("enter", "open", "该生档案", "This student", id="integrity.student", show=False),
    ]
    ACTION_CHANGES: ClassVar = {"add": Change.ADD_INTEGRITY}
    ID = "g"
    EXPORT_LIST = "integrity"
    COLUMNS = (
        (("日期", "Date"), None),
        (("学号", "No."), None),
        (("姓名", "Name"), None),
        (("院系", "Department"), None),
        (("类型", "Kind"), None),
        (("来源", "Source"), None),
        (("说明", "Note"), None),
        (("本地", "Local"), None),
    )

    def __init__(self, student_id: int | None = None, student_label: str = "") -> None:
        super().__init__()
        self.student_id = student_id
        self.student_label = student_label

    def list_title(self) -> str:
        title = tr("诚信档案", "Integrity archive")
        if self.student_label:
            title += f"：{self.student_label}" if tr("zh", "en") == "zh" else f": {self.student_label}"
        return title

    def compose_filters(self) -> ComposeResult:
        search = self.search_box()
        search.display = self.student_id is None
        yield search
        yield Choice(
            [(tr_pair(INTEGRITY_LABELS[k]), k.value) for k in IntegrityKind],
            prompt=tr("全部类型", "All kinds"),
            id="g-kind",
            compact=True,
        )

    def filter_values(self) -> IntegrityFilter:
        return IntegrityFilter(
            text=self.search_text(), student_id=self.student_id, kind=self.select_value("g-kind", IntegrityKind)
        )

    def fetch(self, f: IntegrityFilter) -> list[IntegrityRow]:
        return self.services.query_integrity(f)

    def cells(self, r: IntegrityRow) -> Sequence[Cell]:
        e = r.entry
        style = (
            "bold red"
            if e.kind in (IntegrityKind.WITHDREW, IntegrityKind.FALSE_INFO, IntegrityKind.LATE_START)
            else ("green" if e.kind == IntegrityKind.EXCELLENT else "")
        )
        return (
            e.date.isoformat(),
            r.student_no,
            r.student_name,
            r.department_name,
            Text(kind_text(e.kind), style=style),
            Text(source_text(e.source), style="dim" if e.source == IntegritySource.AUTOMATIC else ""),
            e.note,
            local_text(r.local_state),
        )

    def row_key(self, r: IntegrityRow) -> str:
        return str(r.entry.id)

    def count_text(self, rows: list[IntegrityRow]) -> str:
        return tr(f"共 {len(rows)} 条", f"{len(rows)} entries")

    def action_open(self) -> None:
        """The highlighted entry's student: their whole archive."""
        if self.student_id is not None:
            return
        r = self.highlighted()
        if r is not None:
            self.app.push_screen(IntegrityScreen(r.entry.student_id, f"{r.student_name} {r.student_no}"))

    def action_add(self) -> None:
        if self.student_id is not None:
            add_integrity_entry(self, self.student_id, self.student_label)
            return
        r = self.highlighted()
        if r is None:
            self.notify(
                tr(
                    "请先选中一名学生的记录（或在实习生详情中按 n）",
                    "Select a student's entry first (or press n in an intern's detail)",
                ),
                severity="warning",
            )
            return
        add_integrity_entry(self, r.entry.student_id, f"{r.student_name} {r.student_no}")
