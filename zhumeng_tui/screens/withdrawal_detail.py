"""One withdrawal request (放弃岗位申请): its four steps, the deadline, record / cancel.

The detail shows the four steps with who and when, and records the next one
(``r``) or cancels the request with a reason (``c``); ``p`` writes the request
as a document to print (the four steps, blanks to sign where a step is still
to come, the deadline). Every step is checked
locally (``check_withdrawal_step``: the rule the services apply before
queueing) in the form, so a step out of order, a future date or a stamp
before the counsellor's signature is refused with a message before anything
is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import PROVINCIAL_ONLY, Change, provincial_only
from zhumeng_tui.domain.status import STATUS_LABELS, Role
from zhumeng_tui.domain.withdrawal import STEP_LABELS, STEP_RULES, Step, StepInput
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.base import ChangeApplied, ZScreen, error_text
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.dialogs import ConfirmDialog
from zhumeng_tui.screens.export_dialog import ExportChoice, ExportOffer
from zhumeng_tui.screens.export_flow import ExportFlow
from zhumeng_tui.services import ExportRequest, ExportResult, FileFormat, Progress, WithdrawalDetail
from zhumeng_tui.widgets.columns import fit
from zhumeng_tui.widgets.detail_table import ACTOR_WIDTH, DetailTable
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.form import Field, FieldKind, FormScreen, FormValues
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import deadline_style, fmt_date, local_text, state_text

STEP_ORDER = (Step.STATEMENT, Step.COUNSELLOR, Step.STAMP, Step.SUBMIT)

#: Checks a step's input (raises DomainError).
StepCheck = Callable[[Step, StepInput], None]


def step_form(step: Step, today: dt.date, my_name: str, check: StepCheck) -> FormScreen[StepInput]:
    """The form of one step (``Step.CANCEL`` included); returns the checked input."""
    title = tr(f"记录：{tr_pair(STEP_LABELS[step])}", f"Record: {tr_pair(STEP_LABELS[step])}")
    hint = ""
    fields: list[Field] = []
    if step == Step.STATEMENT:
        fields = [
            Field("date", tr("收到书面说明的日期", "Date the statement was received"), FieldKind.DATE, today),
            Field("text", tr("书面说明内容", "Statement text")),
        ]
    elif step == Step.COUNSELLOR:
        fields = [
            Field("name", tr("辅导员姓名", "Counsellor's name")),
            Field("date", tr("签字日期", "Date signed"), FieldKind.DATE, today),
        ]
    elif step == Step.STAMP:
        fields = [
            Field("name", tr("盖章确认人", "Stamp confirmed by"), FieldKind.TEXT, my_name),
            Field("date", tr("盖章日期", "Date stamped"), FieldKind.DATE, today),
        ]
    elif step == Step.SUBMIT:
        fields = [Field("date", tr("提交用人单位日期", "Date submitted to the employer"), FieldKind.DATE, today)]
        hint = tr(
            "提交后申请状态变为“已放弃”，并自动记入诚信档案。",
            "Submitting withdraws the application and writes an integrity entry.",
        )
    elif step == Step.CANCEL:
        title = tr("撤销放弃岗位申请", "Cancel the withdrawal request")
        fields = [Field("text", tr("撤销原因", "Reason"))]
        hint = tr("撤销后申请记录保留，不会删除。", "The request is kept (nothing is deleted).")
    keys = {f.key for f in fields}

    def parse(values: FormValues) -> StepInput:
        data = StepInput(
            date=values.date("date"),
            text=values.text("text") if "text" in keys else None,
            name=values.text("name") if "name" in keys else None,
        )
        check(step, data)
        return data

    return FormScreen(title, fields, parse, hint)


class WithdrawalFiled(ChangeApplied):
    """A withdrawal request was filed: the screen opens it."""


class FilesWithdrawals(ZScreen):
    """A screen that files withdrawal requests and then opens the new one."""

    ACTION_CHANGES: ClassVar = {"withdraw": Change.FILE_WITHDRAWAL, "new": Change.FILE_WITHDRAWAL}

    def file_withdrawal(self, application_id: int, label: str | None = None) -> None:
        """File a request for ``application_id`` (checked locally first); with
        ``label`` (who it is for), after the user confirms."""
        if label is None:
            self.send_change(partial(self.services.file_withdrawal, application_id), WithdrawalFiled)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.file_withdrawal(application_id)

        self.app.push_screen(
            ConfirmDialog(
                tr("提交放弃岗位申请", "File a withdrawal request"),
                tr(
                    f"为 {label} 提交放弃岗位申请？\n提交后依次记录书面说明、辅导员签字、高校盖章，"
                    "盖章后3个工作日内提交用人单位；提交前可撤销。",
                    f"File a withdrawal request for {label}?\nThen record the statement, the counsellor's"
                    " signature and the stamp, and submit to the employer within 3 working days of the"
                    " stamp; it can be cancelled before that.",
                ),
                tr("提交申请", "File request"),
            ),
            answered,
        )

    @on(WithdrawalFiled)
    def _withdrawal_filed(self, event: WithdrawalFiled) -> None:
        filed = event.results[0]
        if filed.ok:
            self.app.push_screen(WithdrawalDetailScreen(filed.record_id))


class WithdrawalDetailScreen(DataScreen[WithdrawalDetail], ExportFlow):
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
    WithdrawalDetailScreen #wd-body { height: 1fr; padding: 0 1; scrollbar-gutter: stable; }
    WithdrawalDetailScreen #wd-head { text-style: bold; }
    WithdrawalDetailScreen #wd-steps { max-height: 8; margin: 1 0 0 0; }
    WithdrawalDetailScreen #wd-deadline { margin-top: 1; }
    WithdrawalDetailScreen #wd-note { color: $warning; }
    WithdrawalDetailScreen #wd-local { color: $warning; }
    """
    BINDINGS: ClassVar = [
        K("r", "record", "记录下一步", "Record next step", id="withdrawal.record"),
        K("c", "cancel_request", "撤销申请", "Cancel request", id="withdrawal.cancel"),
        K("p", "export", "打印申请表", "Print the request", id="withdrawal.print", footer_en="Print"),
    ]

    RELOAD_ON_RESUME = True

    def __init__(self, withdrawal_id: int) -> None:
        super().__init__()
        self.withdrawal_id = withdrawal_id
        self.detail: WithdrawalDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="wd-body"):
            yield Static(tr("加载中…", "Loading…"), id="wd-head")
            yield Static("", id="wd-info")
            yield DetailTable(id="wd-steps")
            yield Static("", id="wd-deadline")
            yield Static("", id="wd-note")
            yield Static("", id="wd-next")
            yield Static("", id="wd-local")
        yield KeyFooter()

    def step_labels(self) -> list[str]:
        # the free text last: it wraps at the edge, never who or when
        return [tr("步骤", "Step"), tr("日期", "Date"), tr("记录人", "By"), tr("记录时间", "Recorded"),
                tr("内容/签字人", "Text / name")]

    def _actor(self, username: str) -> str:
        """Who recorded a step, by name, cut with … to keep the steps' room."""
        name = self.detail.actors.get(username, username) if self.detail else username
        return fit(name, ACTOR_WIDTH).rstrip()

    def fetch(self) -> WithdrawalDetail:
        return self.services.withdrawal_detail(self.withdrawal_id)

    # ``p``: the request as a document (the export flow, writing a form instead of a list)

    def export_requests(self) -> list[ExportRequest]:
        return [ExportRequest("withdrawal-request", self.withdrawal_id)]

    def export_offers(self, requests: list[ExportRequest]) -> list[ExportOffer]:
        path = self.services.withdrawal_document_path(self.withdrawal_id)
        return [ExportOffer(requests[0], tr("放弃实习岗位申请表", "Withdrawal request"), {FileFormat.DOCX: path})]

    def write_export(self, choice: ExportChoice, progress: Progress) -> ExportResult:
        return self.services.print_withdrawal(self.withdrawal_id, choice.path, overwrite=choice.overwrite)

    def show(self, value: WithdrawalDetail) -> None:
        d = self.detail = value
        w, s = d.withdrawal, d.student
        self.query_one("#wd-head", Static).update(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {state_text(w.state)}"
        )
        self.query_one("#wd-info", Static).update(
            tr(
                f"用人单位：{d.employer.name}（{d.employer.type}）\n岗位：{d.position.title}\n"
                f"实习期：{d.position.start_date} 至 {d.position.end_date} · "
                f"申请状态：{tr_pair(STATUS_LABELS[d.application.status])}\n"
                f"提出：{d.actors.get(w.filed_by, w.filed_by)}  {fmt_date(w.filed_at)}",
                f"Employer: {d.employer.name} ({d.employer.type})\nPosition: {d.position.title}\n"
                f"Internship: {d.position.start_date} to {d.position.end_date} · "
                f"Application: {tr_pair(STATUS_LABELS[d.application.status])}\n"
                f"Filed by {d.actors.get(w.filed_by, w.filed_by)}  {fmt_date(w.filed_at)}",
            )
        )
        rows: list[list[str | Text]] = []
        done = {rec.step: rec for rec in w.steps}
        for step in STEP_ORDER:
            rec = done.get(step)
            label = tr_pair(STEP_LABELS[step])
            if rec is None:
                marker = "→ " if step == d.next_step else "  "
                rows.append([Text(marker + label, style="bold" if marker.strip() else "dim"), "—", "", "", ""])
                continue
            what = rec.text if step == Step.STATEMENT else rec.name or ""
            rows.append(["✓ " + label, fmt_date(rec.date), self._actor(rec.by), fmt_date(rec.at),
                         _short(what or "")])
        cancel = done.get(Step.CANCEL)
        if cancel is not None:
            rows.append([Text("✗ " + tr_pair(STEP_LABELS[Step.CANCEL]), style="bold"), fmt_date(cancel.date),
                         self._actor(cancel.by), fmt_date(cancel.at), _short(cancel.text or "")])
        self.query_one("#wd-steps", DetailTable).fill(self.step_labels(), rows)
        lang = get_lang()
        if d.deadline is None and d.next_step is None:
            self.query_one("#wd-deadline", Static).update("")
            self.query_one("#wd-note", Static).update("")
        elif d.deadline is None:
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
            if self.reads_only():
                nxt += "\n" + tr(*PROVINCIAL_ONLY)
            elif not d.may_record:
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
        self.refresh_bindings()

    # ------------------------------------------------------------ actions --

    def _check(self, step: Step, data: StepInput) -> None:
        self.services.check_withdrawal_step(self.withdrawal_id, step, data)

    def _open_form(self, step: Step, today: dt.date) -> None:
        def send(data: StepInput | None) -> None:
            if data is not None:
                ts = self.services
                self.send_change(partial(ts.record_withdrawal_step, self.withdrawal_id, step, data))

        self.app.push_screen(step_form(step, today, self.services.me.display_name, self._check), send)

    def reads_only(self) -> bool:
        return self.detail is not None and provincial_only(self.role, self.detail.student.out_of_province)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("record", "cancel_request"):
            d = self.detail
            if d is None or d.next_step is None or self.reads_only():
                return False  # loading, closed (nothing to record or cancel), or the province's
            if action == "record":
                return d.may_record
            return Role(self.role) in STEP_RULES[Step.CANCEL][2]
        return super().check_action(action, parameters)

    def action_record(self) -> None:
        d = self.detail
        if d is None:
            return
        if d.next_step is None:
            self.notify(tr("该申请已结束，不能再记录", "This request is closed"), severity="warning")
            return
        step = d.next_step
        today = self.services.today()
        try:  # refuse before opening the form when the role may not record it
            self._check(step, StepInput(date=today, text="x", name="x"))
        except DomainError as e:
            if e.code in ("role_not_allowed", "withdrawal_closed", "step_out_of_order"):
                self.notify(error_text(e), severity="error")
                return
        self._open_form(step, today)

    def action_cancel_request(self) -> None:
        if self.detail is None:
            return
        try:
            self._check(Step.CANCEL, StepInput(text="x"))
        except DomainError as e:
            self.notify(error_text(e), severity="error")
            return
        self._open_form(Step.CANCEL, self.services.today())


def _short(text: str, n: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
