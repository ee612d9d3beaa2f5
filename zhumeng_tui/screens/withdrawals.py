"""Withdrawal requests (放弃岗位, DESIGN 3.3): the list and one request.

The list shows every request in scope with its progress, the deadline (3
working days after the university stamp, on the Chinese working-day calendar)
and the working days left; overdue requests are red and at the top. When a
year has no calendar data the screen says the deadline counts Monday-Friday.

The detail shows the four steps with who and when, and records the next one
(``r``) or cancels the request with a reason (``c``). Every step is checked
locally with :func:`zhumeng_tui.domain.withdrawal.check_step` before it is
queued, so a step out of order, a future date or a stamp before the
counsellor's signature is refused with a message before anything is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Select, Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import missing_calendar_note
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.domain.withdrawal import STEP_LABELS, Step, StepInput, check_step
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.screens.record_list import Cell, RecordListScreen
from zhumeng_tui.services import (
    AppFilter,
    SortSpec,
    WithdrawalDetail,
    WithdrawalFilter,
    WithdrawalListState,
    WithdrawalRow,
    withdrawal_facts,
)
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import (
    deadline_cells,
    deadline_style,
    fmt_date,
    local_text,
    result_message,
    state_text,
    tracking,
)
from zhumeng_tui.widgets.tracking_forms import Field, FormScreen, Values

STATE_FILTERS: list[tuple[tuple[str, str], str]] = [
    (("未完成", "Open"), "open"),
    (("已逾期", "Overdue"), "overdue"),
    (("已提交", "Submitted"), "submitted"),
    (("已撤销", "Cancelled"), "cancelled"),
]

STEP_ORDER = (Step.STATEMENT, Step.COUNSELLOR, Step.STAMP, Step.SUBMIT)


class WithdrawalsScreen(RecordListScreen[WithdrawalRow]):
    """Every withdrawal request in scope; overdue first."""

    TITLE_TEXT = ("放弃岗位申请", "Withdrawals")
    HELP_TEXT = (
        "放弃岗位申请：截止日期为高校盖章后3个工作日（按国家法定节假日与调休计算）。逾期的申请标红并排在最前。",
        "Withdrawal requests: the deadline is 3 working days after the university stamp (Chinese"
        " holidays and make-up days). Overdue requests are red and at the top.",
    )
    DEFAULT_CSS = """
    WithdrawalsScreen #w-filters { height: 1; }
    WithdrawalsScreen #w-search { width: 1fr; }
    WithdrawalsScreen #w-state { width: 18; }
    WithdrawalsScreen DataTable { height: 1fr; }
    WithdrawalsScreen #w-note { color: $warning; height: auto; padding: 0 1; }
    WithdrawalsScreen #w-count { height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar = [
        K("slash", "search", "搜索", "Search", id="withdrawals.search", key_display="/"),
        K("enter", "open", "打开", "Open", id="withdrawals.open", show=False),
        K("n", "new", "新申请", "New request", id="withdrawals.new"),
        K("ctrl+r", "reload", "刷新", "Reload", id="withdrawals.reload"),
    ]
    ID = "w"
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

    def __init__(self, state: str | None = "open", department_id: int | None = None) -> None:
        super().__init__()
        self._state = state
        self._department_id = department_id

    def compose_filters(self) -> ComposeResult:
        with Horizontal(id="w-filters"):
            yield self.search_box()
            yield Select[str](
                [(tr_pair(label), value) for label, value in STATE_FILTERS],
                prompt=tr("全部", "All"),
                value=self._state if self._state else Select.NULL,
                id="w-state",
                compact=True,
            )

    def compose_below(self) -> ComposeResult:
        yield Static("", id="w-note")

    def filter_values(self) -> Any:
        return WithdrawalFilter(
            text=self.search_text(),
            department_id=self._department_id,
            state=self.select_value("w-state", WithdrawalListState),
        )

    def fetch(self, values: Any) -> list[WithdrawalRow]:
        return tracking(self.services).query_withdrawals(values)

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
        ts = tracking(self.services)
        found: dict[str, int] = {}

        def validate(values: Values) -> None:
            no = str(values.get("student_no") or "").strip()
            if not no:
                raise DomainError("student_required", "请输入学号", "Enter the student number")
            rows = ts.query_interns(
                AppFilter(text=no, statuses=frozenset({Status.APPROVED, Status.ON_DUTY})), SortSpec()
            )
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
            found["id"] = app_id

        def done(values: Values | None) -> None:
            if values is not None and "id" in found:
                self._file(found["id"])

        self.app.push_screen(
            FormScreen(
                tr("新的放弃岗位申请", "New withdrawal request"),
                [Field("student_no", tr("学号", "Student number"), "text")],
                validate,
                tr(
                    "只有“高校审核通过”且尚未上岗的实习可以申请放弃。",
                    "Only an approved internship not yet on duty can be withdrawn.",
                ),
            ),
            done,
        )

    @work(exclusive=True, exit_on_error=False, group="withdrawal-file")
    async def _file(self, application_id: int) -> None:
        try:
            result = await tracking(self.services).file_withdrawal(application_id)
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        message, severity = result_message(result)
        self.notify(message, severity=severity)  # type: ignore[arg-type]
        self.reload()
        if result.ok and result.record_id is not None:
            self.app.push_screen(WithdrawalDetailScreen(result.record_id))


class WithdrawalDetailScreen(ZScreen):
    """One withdrawal request: the steps, the deadline, record / cancel."""

    TITLE_TEXT = ("放弃岗位申请详情", "Withdrawal request")
    HELP_TEXT = (
        "依次记录：书面说明（内容与日期）→ 辅导员签字（院系账号）→ 高校盖章（高校账号）→ 提交用人单位（高校账号）。"
        "提交须在盖章后3个工作日内；提交后申请状态变为“已放弃”并自动记入诚信档案。提交前可撤销（须填写原因）。",
        "Record in order: written statement (text and date) -> counsellor signature (department"
        " account) -> university stamp (university account) -> submitted to the employer (university"
        " account), within 3 working days of the stamp. Submitting withdraws the application and"
        " writes an integrity entry. Before submission a request can be cancelled with a reason.",
    )
    DEFAULT_CSS = """
    WithdrawalDetailScreen #wd-body { height: 1fr; padding: 0 1; }
    WithdrawalDetailScreen #wd-head { text-style: bold; }
    WithdrawalDetailScreen #wd-steps { height: auto; max-height: 8; margin: 1 0 0 0; }
    WithdrawalDetailScreen #wd-deadline { margin-top: 1; }
    WithdrawalDetailScreen #wd-note { color: $warning; }
    WithdrawalDetailScreen #wd-local { color: $warning; }
    """
    BINDINGS: ClassVar = [
        K("r", "record", "记录下一步", "Record next step", id="withdrawal.record"),
        K("c", "cancel_request", "撤销申请", "Cancel request", id="withdrawal.cancel"),
        K("ctrl+r", "reload", "刷新", "Reload", id="withdrawal.reload"),
    ]

    def __init__(self, withdrawal_id: int) -> None:
        super().__init__()
        self.withdrawal_id = withdrawal_id
        self.detail: WithdrawalDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="wd-body"):
            yield Static(tr("加载中…", "Loading…"), id="wd-head")
            yield Static("", id="wd-info")
            table: DataTable[str | Text] = DataTable(id="wd-steps", cursor_type="row", show_cursor=False)
            yield table
            yield Static("", id="wd-deadline")
            yield Static("", id="wd-note")
            yield Static("", id="wd-next")
            yield Static("", id="wd-local")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#wd-steps", DataTable)
        for label in (
            tr("步骤", "Step"),
            tr("日期", "Date"),
            tr("内容/签字人", "Text / name"),
            tr("记录人", "By"),
            tr("记录时间", "Recorded"),
        ):
            table.add_column(label)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="withdrawal-detail")
    def _load(self) -> None:
        detail = tracking(self.services).withdrawal_detail(self.withdrawal_id)
        self.deliver(self._show, detail)

    def _show(self, d: WithdrawalDetail) -> None:
        self.detail = d
        w, s = d.withdrawal, d.student
        self.query_one("#wd-head", Static).update(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {state_text(w.state)}"
        )
        self.query_one("#wd-info", Static).update(
            tr(
                f"用人单位：{d.employer.name}（{d.employer.type}）  岗位：{d.position.title}\n"
                f"实习期：{d.position.start_date} 至 {d.position.end_date}  "
                f"申请状态：{tr_pair(STATUS_LABELS[d.application.status])}\n"
                f"提出：{w.filed_by}  {fmt_date(w.filed_at)}",
                f"Employer: {d.employer.name} ({d.employer.type})  Position: {d.position.title}\n"
                f"Internship: {d.position.start_date} to {d.position.end_date}  "
                f"Application: {tr_pair(STATUS_LABELS[d.application.status])}\n"
                f"Filed by {w.filed_by}  {fmt_date(w.filed_at)}",
            )
        )
        table = self.query_one("#wd-steps", DataTable)
        table.clear()
        done = {rec.step: rec for rec in w.steps}
        for step in STEP_ORDER:
            rec = done.get(step)
            label = tr_pair(STEP_LABELS[step])
            if rec is None:
                marker = "→ " if step == d.next_step else "  "
                table.add_row(
                    Text(marker + label, style="bold" if marker.strip() else "dim"), "—", "", "", ""
                )
                continue
            what = rec.text if step == Step.STATEMENT else rec.name or ""
            table.add_row("✓ " + label, fmt_date(rec.date), _short(what or ""), rec.by, fmt_date(rec.at))
        cancel = done.get(Step.CANCEL)
        if cancel is not None:
            table.add_row(
                Text("✗ " + tr_pair(STEP_LABELS[Step.CANCEL]), style="bold"),
                fmt_date(cancel.date),
                _short(cancel.text or ""),
                cancel.by,
                fmt_date(cancel.at),
            )
        lang = get_lang()
        if d.deadline is None:
            dl = tr(
                "截止日期：盖章后计算（盖章后3个工作日内提交用人单位）",
                "Deadline: set by the stamp (3 working days after it)",
            )
            self.query_one("#wd-deadline", Static).update(dl)
            self.query_one("#wd-note", Static).update("")
        else:
            style = deadline_style(d.deadline) or "bold"
            text = Text(tr("截止日期：", "Deadline: "))
            text.append(d.deadline.text(lang), style=style)
            if d.deadline.overdue:
                text.append(tr("  已逾期！", "  OVERDUE"), style="bold red")
            self.query_one("#wd-deadline", Static).update(text)
            self.query_one("#wd-note", Static).update(d.deadline.note(lang))
        nxt = ""
        if d.next_step is not None:
            nxt = tr(
                f"下一步：{tr_pair(STEP_LABELS[d.next_step])}", f"Next: {tr_pair(STEP_LABELS[d.next_step])}"
            )
            if not d.may_record:
                role_zh = "院系" if d.next_step == Step.COUNSELLOR else "高校"
                role_en = "department" if d.next_step == Step.COUNSELLOR else "university"
                nxt += tr(f"（须由{role_zh}账号记录）", f" (to be recorded by a {role_en} account)")
        self.query_one("#wd-next", Static).update(nxt)
        local = ""
        if d.local_state:
            local = tr("本地：", "Local: ") + str(local_text(d.local_state))
            if d.local_message:
                local += f" — {d.local_message}"
        self.query_one("#wd-local", Static).update(local)

    # ------------------------------------------------------------ actions --

    def _check(self, step: Step, data: StepInput) -> None:
        assert self.detail is not None
        ts = tracking(self.services)
        check_step(withdrawal_facts(self.detail.withdrawal), step, data, self.services.me.role, ts.today())

    def action_record(self) -> None:
        d = self.detail
        if d is None:
            return
        if d.next_step is None:
            self.notify(tr("该申请已结束，不能再记录", "This request is closed"), severity="warning")
            return
        step = d.next_step
        today = tracking(self.services).today()
        try:  # refuse before opening the form when the role may not record it
            self._check(step, StepInput(date=today, text="x", name="x"))
        except DomainError as e:
            if e.code in ("role_not_allowed", "withdrawal_closed", "step_out_of_order"):
                self.notify(e.message(get_lang()), severity="error")
                return
        self.app.push_screen(self.step_form(step, today), self._after_form(step))

    def step_form(self, step: Step, today: dt.date) -> FormScreen:
        title = tr(f"记录：{tr_pair(STEP_LABELS[step])}", f"Record: {tr_pair(STEP_LABELS[step])}")
        fields: list[Field] = []
        if step == Step.STATEMENT:
            fields = [
                Field("date", tr("收到书面说明的日期", "Date the statement was received"), "date", today),
                Field("text", tr("书面说明内容", "Statement text"), "text"),
            ]
        elif step == Step.COUNSELLOR:
            fields = [
                Field("name", tr("辅导员姓名", "Counsellor's name"), "text"),
                Field("date", tr("签字日期", "Date signed"), "date", today),
            ]
        elif step == Step.STAMP:
            fields = [
                Field("name", tr("盖章确认人", "Stamp confirmed by"), "text", self.services.me.display_name),
                Field("date", tr("盖章日期", "Date stamped"), "date", today),
            ]
        elif step == Step.SUBMIT:
            fields = [Field("date", tr("提交用人单位日期", "Date submitted to the employer"), "date", today)]

        def validate(values: Values) -> None:
            self._check(step, _step_input(values))

        hint = ""
        if step == Step.SUBMIT:
            hint = tr(
                "提交后申请状态变为“已放弃”，并自动记入诚信档案。",
                "Submitting withdraws the application and writes an integrity entry.",
            )
        return FormScreen(title, fields, validate, hint)

    def _after_form(self, step: Step):  # type: ignore[no-untyped-def]
        def done(values: Values | None) -> None:
            if values is not None:
                self._send(step, _step_input(values))

        return done

    def action_cancel_request(self) -> None:
        d = self.detail
        if d is None:
            return
        try:
            self._check(Step.CANCEL, StepInput(text="x"))
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return

        def validate(values: Values) -> None:
            self._check(Step.CANCEL, _step_input(values))

        form = FormScreen(
            tr("撤销放弃岗位申请", "Cancel the withdrawal request"),
            [Field("text", tr("撤销原因", "Reason"), "text")],
            validate,
            tr("撤销后申请记录保留，不会删除。", "The request is kept (nothing is deleted)."),
        )
        self.app.push_screen(form, self._after_form(Step.CANCEL))

    @work(exclusive=True, exit_on_error=False, group="withdrawal-send")
    async def _send(self, step: Step, data: StepInput) -> None:
        try:
            result = await tracking(self.services).record_withdrawal_step(self.withdrawal_id, step, data)
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        message, severity = result_message(result)
        self.notify(message, severity=severity)  # type: ignore[arg-type]
        self.reload()


def _step_input(values: Values) -> StepInput:
    text = values.get("text")
    name = values.get("name")
    return StepInput(
        date=values.get("date"),
        text=str(text) if text is not None else None,
        name=str(name) if name is not None else None,
    )


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
