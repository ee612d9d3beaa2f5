"""One intern (实习生详情): facts, flags, tracking fields, follow-ups and the timeline.

Every tracking field is editable from the keyboard: the tracking actions
(:class:`~zhumeng_tui.screens.tracking_actions.TrackingActions`: follow-up,
insurance, responsible staff, withdrawal, nomination) plus the appraisal and
an integrity entry, and ``w`` / ``g`` open the intern's withdrawal request and
integrity archive.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import (
    FLAG_HELP,
    FOLLOWUP_CHANNEL_LABELS,
    check_appraisal_ready,
    tracking_from,
)
from zhumeng_tui.domain.permissions import PROVINCIAL_ONLY, Change, provincial_only
from zhumeng_tui.domain.status import STATUS_LABELS, Action, Status, allowed_actions
from zhumeng_tui.domain.withdrawal import OPEN_STATES, check_filing
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.base import error_text
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.dialogs import ConfirmDialog
from zhumeng_tui.screens.integrity import IntegrityScreen, add_integrity_entry
from zhumeng_tui.screens.intern_forms import appraisal_form
from zhumeng_tui.screens.tracking_actions import TrackingActions
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.services import InternDetail, MutationResult
from zhumeng_tui.widgets.columns import fit
from zhumeng_tui.widgets.detail_table import ACTOR_WIDTH, DetailTable
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text, yes_no

#: The moves of an internship the university records (the employer reports
#: them on the platform): (Chinese, English) of the confirmation.
ADVANCE_MOVES: dict[Action, tuple[str, str]] = {
    Action.ON_DUTY: ("登记上岗", "Mark on duty"),
    Action.COMPLETE: ("登记实习完成", "Mark complete"),
    Action.APPRAISE: ("登记已鉴定", "Mark appraised"),
}


class InternDetailScreen(DataScreen[InternDetail], TrackingActions):
    """One intern: facts, flags, tracking fields, follow-ups and the timeline."""

    TITLE_TEXT = ("实习生详情", "Intern")
    HELP_TEXT = (
        "实习生的全部记录：时间线、跟踪记录、保险、鉴定表与双方评价、负责人。",
        "Everything about one intern: timeline, follow-ups, insurance, appraisal copy and both"
        " evaluations, responsible staff.",
    )
    BINDINGS: ClassVar = [
        K("u", "advance", "推进状态", "Next status", id="intern.advance"),
        K("f", "followup", "跟踪", "Follow-up", id="intern.followup"),
        K("a", "appraisal", "鉴定/评价", "Appraisal", id="intern.appraisal"),
        K("b", "insurance", "保险", "Insurance", id="intern.insurance", show=False),
        K("t", "assign_staff", "负责人", "Staff", id="intern.staff", show=False),
        K("d", "withdraw", "放弃", "Withdraw", id="intern.withdraw"),
        K("w", "open_withdrawal", "放弃申请", "Withdrawal", id="intern.open_withdrawal", show=False),
        K("e", "nominate", "推荐优秀", "Nominate", id="intern.nominate", show=False),
        K("g", "integrity", "诚信档案", "Integrity", id="intern.integrity"),
        K(
            "n",
            "integrity_entry",
            "添加诚信记录",
            "Add integrity entry",
            id="intern.integrity_entry",
            show=False,
        ),
    ]
    DEFAULT_CSS = """
    InternDetailScreen #id-body { height: 1fr; padding: 0 1; scrollbar-gutter: stable; }
    InternDetailScreen #id-head { text-style: bold; }
    InternDetailScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    InternDetailScreen #id-flags { color: $warning; }
    InternDetailScreen DetailTable { max-height: 12; }
    """

    ACTION_CHANGES: ClassVar = {"appraisal": Change.SET_TRACKING, "integrity_entry": Change.ADD_INTEGRITY}

    RELOAD_ON_RESUME = True

    def __init__(self, application_id: int) -> None:
        super().__init__()
        self.application_id = application_id
        self.info: InternDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="id-body"):
            yield Static(tr("加载中…", "Loading…"), id="id-head")
            yield Static("", id="id-facts")
            yield Static("", id="id-flags")
            yield Static(tr("跟踪信息", "Tracking"), classes="section")
            yield Static("", id="id-tracking")
            yield Static(tr("跟踪记录", "Follow-ups"), classes="section")
            yield DetailTable(id="id-followups")
            yield Static(tr("时间线", "Timeline"), classes="section")
            yield DetailTable(id="id-timeline")
        yield KeyFooter()

    def fetch(self) -> InternDetail:
        return self.services.intern_detail(self.application_id)

    def show(self, value: InternDetail) -> None:
        info = self.info = value
        d = info.detail
        a, s, p, e = d.application, d.student, d.position, d.employer
        self.query_one("#id-head", Static).update(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {tr_pair(STATUS_LABELS[a.status])}"
        )
        # one fact a line: a date never breaks across lines at 80 columns
        self.query_one("#id-facts", Static).update(
            tr(
                f"用人单位：{e.name}（{e.type}，{p.region}）\n岗位：{p.title}\n"
                f"实习期：{p.start_date} 至 {p.end_date} · 已实习 {info.days_done}/{info.days_total} 天\n"
                f"上岗日期：{fmt_date(a.on_duty_date)}",
                f"Employer: {e.name} ({e.type}, {p.region})\nPosition: {p.title}\n"
                f"Internship: {p.start_date} to {p.end_date} · {info.days_done}/{info.days_total} days done\n"
                f"On duty: {fmt_date(a.on_duty_date)}",
            )
        )
        if info.flags:
            flags = Text(tr("提示：", "Flags: "), style="bold")
            for i, fl in enumerate(info.flags):
                if i:
                    flags.append(tr("；", "; "))
                flags.append(tr_pair(FLAG_HELP[fl]), style="bold yellow")
        else:
            flags = Text(tr("提示：无", "Flags: none"), style="dim")
        if self.reads_only():
            flags.append("\n" + tr(*PROVINCIAL_ONLY), style="bold")
        self.query_one("#id-flags", Static).update(flags)
        due = "  " + tr(f"下次跟踪：{info.followup_due}", f"Next follow-up: {info.followup_due}") if info.followup_due else ""
        local = ""
        if d.local_state:
            local = "\n" + tr("本地：", "Local: ") + str(local_text(d.local_state))
            if d.local_message:
                local += f" — {d.local_message}"
        open_w = [w for w in d.withdrawals if w.state in OPEN_STATES]
        wline = ""
        if open_w:
            wline = "\n" + tr("有未完成的放弃岗位申请（w 打开）", "Open withdrawal request (w opens it)")
        excellent = ""
        if a.excellent_nominated:
            excellent = "\n" + tr(
                f"已推荐为优秀实习生：{a.excellent_note or ''}",
                f"Nominated excellent: {a.excellent_note or ''}",
            )
        staff = d.actors.get(a.responsible_staff, a.responsible_staff) if a.responsible_staff else "—"
        self.query_one("#id-tracking", Static).update(
            tr(
                f"负责人：{staff}  保险：{yes_no(a.insurance_recorded)}"
                f"  鉴定表：{fmt_date(a.appraisal_copy_received)}\n"
                f"单位评价：{_score(a.employer_score)}  学生评价：{_score(a.student_score)}{due}",
                f"Staff: {staff}  Insurance: {yes_no(a.insurance_recorded)}"
                f"  Appraisal copy: {fmt_date(a.appraisal_copy_received)}\n"
                f"Employer's evaluation: {_score(a.employer_score)}  Student's: {_score(a.student_score)}{due}",
            )
            + excellent
            + wline
            + local
        )
        self._fill_tables(info)
        self.refresh_bindings()

    def _fill_tables(self, info: InternDetail) -> None:
        """The follow-ups and the timeline; the note and the event last, wrapping
        at the edge, never who or when."""
        d = info.detail
        followups: list[list[str]] = [
            [f.date.isoformat(), tr_pair(FOLLOWUP_CHANNEL_LABELS.get(f.channel, (f.channel, f.channel))), f.staff,
             f.note]
            for f in reversed(d.followups)
        ] or [["—", "", "", tr("暂无跟踪记录（f 添加）", "No follow-ups yet (f adds one)")]]
        self.query_one("#id-followups", DetailTable).fill(
            [tr("日期", "Date"), tr("方式", "Channel"), tr("人员", "Staff"), tr("情况", "Note")], followups)
        lang = get_lang()
        # a long name ends with … so that the event keeps its room at 80 columns
        timeline: list[list[str]] = [
            [fmt_date(ev.at), fit(ev.by, ACTOR_WIDTH).rstrip(), ev.text_en if lang == "en" else ev.text_zh]
            for ev in reversed(info.timeline)
        ]
        self.query_one("#id-timeline", DetailTable).fill(
            [tr("时间", "When"), tr("操作人", "By"), tr("事件", "Event")], timeline)

    # -------------------------------------------------------- actions --

    def tracking_targets(self) -> list[int]:
        return [self.application_id]

    def intern_status(self) -> Status | None:
        return self.info.detail.application.status if self.info else None

    def nominated(self) -> bool:
        return self.info is not None and self.info.detail.application.excellent_nominated

    def target_label(self, application_id: int) -> str:
        if self.info is None:
            return f"#{application_id}"
        s = self.info.detail.student
        return f"{s.student_no} {s.name}"

    def reads_only(self) -> bool:
        return self.info is not None and provincial_only(self.role, self.info.detail.student.out_of_province)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "advance":
            return self._next_move() is not None and not self.reads_only()
        return super().check_action(action, parameters)

    def _next_move(self) -> Action | None:
        """The move this account may make next on the intern (上岗, 实习完成, 鉴定), if any."""
        if self.info is None:
            return None
        a = self.info.detail.application
        moves = [m for m in allowed_actions(a.status, self.role) if m in ADVANCE_MOVES]
        return moves[0] if moves else None

    def action_advance(self) -> None:
        move = self._next_move()
        if move is None or self.info is None:
            return
        a = self.info.detail.application
        if move == Action.APPRAISE and self._refused_now(
            lambda: check_appraisal_ready(a.appraisal_copy_received, a.employer_score, a.student_score)
        ):
            return
        today = self.services.today()
        zh, en = ADVANCE_MOVES[move]
        label = self.target_label(self.application_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self.send_change(partial(self._advance, move))

        self.app.push_screen(
            ConfirmDialog(tr(zh, en), tr(f"{label}：{zh}（{today}）？", f"{label}: {en.lower()} ({today})?"),
                          tr("确认", "Confirm")),
            answered,
        )

    async def _advance(self, move: Action) -> MutationResult:
        return (await self.services.review([self.application_id], move, None, [])).results[0]

    def intern_start(self) -> dt.date | None:
        if self.info is None:
            return None
        return tracking_from(self.info.detail.position.start_date, self.info.detail.application.on_duty_date)

    def action_withdraw(self) -> None:
        if self.info is not None:
            d = self.info.detail
            try:
                check_filing(d.application.status, any(w.state in OPEN_STATES for w in d.withdrawals))
            except DomainError as e:
                self.notify(error_text(e), severity="error")
                return
        super().action_withdraw()

    def action_open_withdrawal(self) -> None:
        if self.info is None:
            return
        ws = sorted(self.info.detail.withdrawals, key=lambda w: (w.state not in OPEN_STATES, -w.id))
        if not ws:
            self.notify(tr("没有放弃岗位申请", "No withdrawal request"), severity="warning")
            return
        self.app.push_screen(WithdrawalDetailScreen(ws[0].id))

    def action_appraisal(self) -> None:
        if self.info is None:
            return
        d = self.info.detail
        start = tracking_from(d.position.start_date, d.application.on_duty_date)
        form = appraisal_form(d.application, start, self.services.today())
        self.app.push_screen(form, partial(self._send_tracking, [self.application_id]))

    def action_integrity(self) -> None:
        if self.info is None:
            return
        s = self.info.detail.student
        self.app.push_screen(IntegrityScreen(student_id=s.id, student_label=f"{s.name} {s.student_no}"))

    def action_integrity_entry(self) -> None:
        if self.info is None:
            return
        s = self.info.detail.student
        add_integrity_entry(self, s.id, f"{s.name} {s.student_no}", self.application_id)


def _score(value: int | None) -> str:
    return "—" if value is None else str(value)
