"""Withdrawal requests (放弃岗位申请): the list.

Every request in scope with its progress, the deadline (3 working days after
the university stamp, on the Chinese working-day calendar) and the working
days left; overdue requests are red and at the top. When a year has no
calendar data the screen says the deadline counts Monday-Friday. ``enter``
opens a request (:mod:`zhumeng_tui.screens.withdrawal_detail`); ``n`` files a
new one for an approved intern, found by 学号.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Select, Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import missing_calendar_note
from zhumeng_tui.domain.status import Status
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.screens.withdrawal_detail import FilesWithdrawals, WithdrawalDetailScreen
from zhumeng_tui.services import AppFilter, SortSpec, WithdrawalFilter, WithdrawalListState, WithdrawalRow
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.form import Field, FormScreen, FormValues
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import (
    deadline_cells,
    deadline_style,
    local_text,
    state_text,
)

#: The choices of the state filter (``WithdrawalFilter.state``).
STATE_FILTERS: list[tuple[tuple[str, str], WithdrawalListState]] = [
    (("未完成", "Open"), WithdrawalListState.OPEN),
    (("已逾期", "Overdue"), WithdrawalListState.OVERDUE),
    (("已提交", "Submitted"), WithdrawalListState.SUBMITTED),
    (("已撤销", "Cancelled"), WithdrawalListState.CANCELLED),
]


class WithdrawalsScreen(RecordListScreen[WithdrawalFilter, WithdrawalRow], FilesWithdrawals):
    """Every withdrawal request in scope; overdue first."""

    TITLE_TEXT = ("放弃岗位申请", "Withdrawals")
    HELP_TEXT = (
        "放弃岗位申请：截止日期为高校盖章后3个工作日（按国家法定节假日与调休计算）。逾期的申请标红并排在最前。",
        "Withdrawal requests: the deadline is 3 working days after the university stamp (Chinese"
        " holidays and make-up days). Overdue requests are red and at the top.",
    )
    DEFAULT_CSS = """
    WithdrawalsScreen #w-state { width: 18; }
    WithdrawalsScreen #w-note { color: $warning; height: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="withdrawals.search", key_display="/"),
        K("enter", "open", "打开", "Open", id="withdrawals.open", show=False),
        K("n", "new", "新申请", "New request", id="withdrawals.new"),
    ]
    ID = "w"
    EXPORT_LIST = "withdrawals"
    COLUMNS = (
        (("学号", "No."), "no"),
        (("姓名", "Name"), "name"),
        # Deadline first: it must be in view at 80 columns.
        (("截止日期", "Deadline"), "due"),
        (("剩余", "Left"), "left"),
        (("进度", "Progress"), "state"),
        (("本地", "Local"), "local"),
        (("院系", "Department"), "dept"),
        (("用人单位", "Employer"), "employer"),
    )

    def __init__(self, state: WithdrawalListState | None = WithdrawalListState.OPEN, department_id: int | None = None) -> None:
        super().__init__()
        self._state = state
        self._department_id = department_id

    def compose_filters(self) -> ComposeResult:
        yield self.search_box()
        yield Choice(
            [(tr_pair(label), value) for label, value in STATE_FILTERS],
            prompt=tr("全部", "All"),
            value=self._state if self._state else Select.NULL,
            id="w-state",
            compact=True,
        )

    def compose_below(self) -> ComposeResult:
        yield Static("", id="w-note")

    def filter_values(self) -> WithdrawalFilter:
        return WithdrawalFilter(
            text=self.search_text(),
            department_id=self._department_id,
            state=self.select_value("w-state", WithdrawalListState),
        )

    def fetch(self, f: WithdrawalFilter) -> list[WithdrawalRow]:
        return self.services.query_withdrawals(f)

    def cells(self, r: WithdrawalRow) -> Sequence[Cell]:
        due, left = deadline_cells(r.deadline)
        style = deadline_style(r.deadline)
        return (
            Text(r.student_no, style=style),
            Text(r.student_name, style=style),
            due,
            left,
            Text(state_text(r.state), style=style),
            local_text(r.local_state),
            r.department_name,
            r.employer_name,
        )

    def row_key(self, r: WithdrawalRow) -> str:
        return str(r.id)

    def count_text(self, rows: list[WithdrawalRow]) -> str:
        overdue = sum(r.deadline is not None and r.deadline.overdue for r in rows)
        count = tr(f"共 {len(rows)} 条", f"{len(rows)} requests")
        if overdue:
            count += tr(f" · [b red]逾期 {overdue}[/]", f" · [b red]{overdue} overdue[/]")
        return count

    def after_show(self, rows: list[WithdrawalRow]) -> None:
        missing = {y for r in rows if r.deadline is not None for y in r.deadline.fallback_years}
        self.query_one("#w-note", Static).update(missing_calendar_note(missing, get_lang()))

    def action_open(self) -> None:
        row = self.highlighted()
        if row is not None:
            self.app.push_screen(WithdrawalDetailScreen(row.id))

    def action_new(self) -> None:
        """File a request for an approved intern (by 学号), checked before sending."""
        form = FormScreen(
            tr("新的放弃岗位申请", "New withdrawal request"),
            [Field("student_no", tr("学号", "Student number"))],
            self._intern_to_withdraw,
            tr(
                "只有“高校审核通过”且尚未上岗的实习可以申请放弃。",
                "Only an approved internship not yet on duty can be withdrawn.",
            ),
        )

        def send(application_id: int | None) -> None:
            if application_id is not None:
                self.file_withdrawal(application_id)

        self.app.push_screen(form, send)

    def _intern_to_withdraw(self, values: FormValues) -> int:
        """The application of the intern whose 学号 was entered, if a request may be filed for it."""
        no = values.text("student_no").strip()
        if not no:
            raise DomainError("student_required", "请输入学号", "Enter the student number")
        ts = self.services
        rows = ts.query_interns(AppFilter(text=no, statuses=frozenset({Status.APPROVED, Status.ON_DUTY})), SortSpec())
        exact = [
            (i, st)
            for i, sno, st in zip(
                rows.ids,
                rows.table.column("student_no").to_pylist(),
                rows.table.column("status").to_pylist(),
                strict=True,
            )
            if sno == no
        ]
        if not exact:
            raise DomainError(
                "not_found",
                f"没有学号为 {no} 的已审核通过的实习生",
                f"No approved intern with student number {no}",
            )
        app_id = next((i for i, st in exact if st == Status.APPROVED.value), exact[0][0])
        ts.check_filing(app_id)
        return int(app_id)
