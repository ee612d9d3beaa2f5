"""Excellent interns (优秀实习生): the nominations for the year-end selection.

Nominate a completed intern from the interns list or an intern's detail
(``e``, with a note); this list shows every nomination, by year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import ExcellentRow
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import local_text


class ExcellentScreen(RecordListScreen[int | None, ExcellentRow]):
    """Every nomination in scope; the filter is the year (None: every year)."""

    TITLE_TEXT = ("优秀实习生", "Excellent interns")
    HELP_TEXT = (
        "已推荐的优秀实习生，供年终评选。在实习生列表或详情中按 e 推荐（须已完成实习）。",
        "Nominated excellent interns for the year-end selection. Press e on a completed intern"
        " (list or detail) to nominate.",
    )
    DEFAULT_CSS = """
    ExcellentScreen #x-year { width: 20; }
    """
    BINDINGS: ClassVar = [
        K("enter", "open", "打开", "Open", id="excellent.open", show=False),
    ]
    ID = "x"
    EXPORT_LIST = "excellent"
    COLUMNS = (
        (("学号", "No."), None),
        (("姓名", "Name"), None),
        (("院系", "Department"), None),
        (("用人单位", "Employer"), None),
        (("岗位", "Position"), None),
        (("结束", "End"), None),
        (("单位评价", "Employer"), None),
        (("学生评价", "Student"), None),
        (("推荐理由", "Note"), None),
        (("本地", "Local"), None),
    )

    def list_title(self) -> str:
        return tr("优秀实习生推荐名单", "Excellent intern nominations")

    def compose_filters(self) -> ComposeResult:
        year = self.services.today().year
        yield Choice(
            [(str(y), str(y)) for y in range(year, year - 4, -1)],
            prompt=tr("全部年度", "All years"),
            id="x-year",
            compact=True,
        )

    def filter_values(self) -> int | None:
        return self.select_value("x-year", int)

    def fetch(self, f: int | None) -> list[ExcellentRow]:
        return self.services.query_excellent(f)

    def cells(self, r: ExcellentRow) -> Sequence[Cell]:
        return (
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
        )

    def row_key(self, r: ExcellentRow) -> str:
        return str(r.application_id)

    def count_text(self, rows: list[ExcellentRow]) -> str:
        return tr(f"共 {len(rows)} 名", f"{len(rows)} nominated")

    def action_open(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        self.app.push_screen(InternDetailScreen(row.application_id))
