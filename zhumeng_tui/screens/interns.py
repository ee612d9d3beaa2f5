"""Interns (实习跟踪): the list and one intern.

The list reuses the review queue (:class:`QueueScreenBase`: filter bar, ``/``
search, ``space``/``ctrl+a`` selection, the ✓ column) over every approved /
on-duty / completed / appraised intern in scope, with extra filters for the
flag, employer and city. The detail shows the timeline of every event, the
follow-up log and the tracking fields, all editable from the keyboard.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Select, Static

from zhumeng_tui.api_client.schemas import TrackingUpdate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, IntegrityKind
from zhumeng_tui.domain.interns import (
    EMPLOYER_SCORE,
    FLAG_HELP,
    FLAG_LABELS,
    FOLLOWUP_CHANNEL_LABELS,
    FOLLOWUP_CHANNELS,
    STUDENT_SCORE,
    InternFlag,
    check_followup,
    check_integrity_entry,
    check_tracking,
    parse_score,
)
from zhumeng_tui.domain.status import INTERN_STATUSES, STATUS_LABELS, Status
from zhumeng_tui.domain.withdrawal import OPEN_STATES, check_filing
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.base import ZScreen
from zhumeng_tui.screens.queue_base import IdsMatched, QueueScreenBase, RowsLoaded
from zhumeng_tui.services import (
    INTERN_COLUMNS,
    AppFilter,
    InternDetail,
    InternFilterOptions,
    MutationResult,
    SortSpec,
)
from zhumeng_tui.widgets.app_table import COLUMN_LABELS, COLUMN_WIDTHS
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import fmt_date, local_text, result_message, tracking, yes_no
from zhumeng_tui.widgets.tracking_forms import Field, FormScreen, Values

# Labels and widths of the interns-only columns (additive: the table reads these maps).
COLUMN_LABELS.setdefault("employer_type", ("单位类型", "Type"))
COLUMN_LABELS.setdefault("days", ("天数", "Days"))
COLUMN_WIDTHS.setdefault("employer_type", 8)
COLUMN_WIDTHS.setdefault("days", 7)
COLUMN_WIDTHS.setdefault("intern_flag", 20)
COLUMN_WIDTHS.setdefault("responsible_staff", 10)

INTERN_STATUS_ORDER = (Status.APPROVED, Status.ON_DUTY, Status.COMPLETED, Status.APPRAISED)


def _notify_results(screen: ZScreen, results: list[MutationResult]) -> None:
    if len(results) == 1:
        message, severity = result_message(results[0])
        screen.notify(message, severity=severity)  # type: ignore[arg-type]
        return
    ok = sum(1 for r in results if r.ok)
    queued = sum(1 for r in results if r.ok and r.queued)
    bad = [r for r in results if not r.ok]
    text = tr(f"已保存 {ok} 条", f"{ok} saved")
    if queued:
        text += tr(f"（{queued} 条离线待发送）", f" ({queued} pending, offline)")
    if bad:
        text += tr(f"，{len(bad)} 条被拒绝：", f", {len(bad)} refused: ") + (
            bad[0].message or bad[0].code or ""
        )
    screen.notify(text, severity="error" if bad else "information")


class TrackingActions(ZScreen):
    """The tracking forms shared by the list (on the targets) and the detail."""

    def tracking_targets(self) -> list[int]:
        return []

    def _refresh_after(self) -> None:
        return

    # -- responsible staff (bulk) --

    def action_assign_staff(self) -> None:
        ids = self.tracking_targets()
        if not ids:
            return
        self._open_staff_form(ids)

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff-options")
    def _open_staff_form(self, ids: list[int]) -> None:
        options = tracking(self.services).intern_filter_options()
        self.deliver(self._staff_form, ids, options)

    def _staff_form(self, ids: list[int], options: InternFilterOptions) -> None:
        choices = [(f"{s.display_name} ({s.username})", s.username) for s in options.staff]
        fields = [
            Field(
                "staff",
                tr("负责人", "Responsible staff"),
                "select" if choices else "text",
                options=choices,
            )
        ]
        title = tr(f"指定负责人（{len(ids)} 名实习生）", f"Assign responsible staff ({len(ids)} interns)")

        def validate(values: Values) -> None:
            if not values.get("staff"):
                raise DomainError("staff_required", "请选择负责人", "Choose a staff member")

        def done(values: Values | None) -> None:
            if values is not None:
                self._send_tracking(ids, TrackingUpdate(responsible_staff=str(values["staff"])))

        self.app.push_screen(FormScreen(title, fields, validate), done)

    # -- insurance (bulk) --

    def action_insurance(self) -> None:
        ids = self.tracking_targets()
        if not ids:
            return
        title = tr(f"登记保险（{len(ids)} 名实习生）", f"Insurance ({len(ids)} interns)")
        fields = [Field("insurance", tr("已登记保险", "Insurance recorded"), "check", True)]

        def done(values: Values | None) -> None:
            if values is not None:
                self._send_tracking(ids, TrackingUpdate(insurance_recorded=bool(values["insurance"])))

        self.app.push_screen(FormScreen(title, fields), done)

    @work(exclusive=True, exit_on_error=False, group="tracking-send")
    async def _send_tracking(self, ids: list[int], update: TrackingUpdate) -> None:
        try:
            results = await tracking(self.services).set_tracking(ids, update)
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        _notify_results(self, results)
        self._refresh_after()

    # -- follow-up --

    def action_followup(self) -> None:
        ids = self.tracking_targets()
        if len(ids) != 1:
            if ids:
                self.notify(tr("请只选择一名实习生", "Choose one intern"), severity="warning")
            return
        self.open_followup_form(ids[0], None)

    def open_followup_form(self, application_id: int, status: Status | None) -> None:
        ts = tracking(self.services)
        today = ts.today()
        me = self.services.me
        fields = [
            Field("date", tr("跟踪日期", "Date"), "date", today),
            Field(
                "channel",
                tr("方式", "Channel"),
                "select",
                "电话",
                options=[(tr_pair(FOLLOWUP_CHANNEL_LABELS[c]), c) for c in FOLLOWUP_CHANNELS],
            ),
            Field("staff", tr("跟踪人员", "Staff"), "text", me.display_name),
            Field("note", tr("跟踪情况", "Note"), "text"),
        ]

        def validate(values: Values) -> None:
            check_followup(
                status or Status.ON_DUTY,
                values.get("date"),
                str(values.get("channel") or ""),
                str(values.get("staff") or ""),
                str(values.get("note") or ""),
                today,
            )

        def done(values: Values | None) -> None:
            if values is not None:
                self._send_followup(application_id, values)

        self.app.push_screen(FormScreen(tr("添加跟踪记录", "Add a follow-up"), fields, validate), done)

    @work(exclusive=True, exit_on_error=False, group="followup-send")
    async def _send_followup(self, application_id: int, values: Values) -> None:
        try:
            result = await tracking(self.services).add_followup(
                application_id,
                values["date"],
                str(values["channel"]),
                str(values["staff"]),
                str(values["note"]),
            )
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        _notify_results(self, [result])
        self._refresh_after()

    # -- withdrawal --

    def action_withdraw(self) -> None:
        ids = self.tracking_targets()
        if len(ids) != 1:
            if ids:
                self.notify(tr("请只选择一名实习生", "Choose one intern"), severity="warning")
            return
        self._file_withdrawal(ids[0])

    @work(exclusive=True, exit_on_error=False, group="withdrawal-file")
    async def _file_withdrawal(self, application_id: int) -> None:
        try:
            result = await tracking(self.services).file_withdrawal(application_id)
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        _notify_results(self, [result])
        if result.ok and result.record_id is not None:
            from zhumeng_tui.screens.withdrawals import WithdrawalDetailScreen

            self.app.push_screen(WithdrawalDetailScreen(result.record_id))
        self._refresh_after()

    # -- excellent --

    def action_nominate(self) -> None:
        ids = self.tracking_targets()
        if len(ids) != 1:
            if ids:
                self.notify(tr("请只选择一名实习生", "Choose one intern"), severity="warning")
            return
        application_id = ids[0]

        def validate(values: Values) -> None:
            if not str(values.get("note") or "").strip():
                raise DomainError("note_required", "请填写推荐理由", "Enter a note for the nomination")

        def done(values: Values | None) -> None:
            if values is not None:
                self._send_nomination(application_id, str(values["note"]))

        self.app.push_screen(
            FormScreen(
                tr("推荐优秀实习生", "Nominate as excellent intern"),
                [Field("note", tr("推荐理由", "Note"), "text")],
                validate,
                tr(
                    "只能推荐已完成实习的学生；推荐会记入诚信档案。",
                    "Only completed interns; the nomination is recorded in the integrity archive.",
                ),
            ),
            done,
        )

    @work(exclusive=True, exit_on_error=False, group="nominate-send")
    async def _send_nomination(self, application_id: int, note: str) -> None:
        try:
            result = await tracking(self.services).nominate_excellent(application_id, note)
        except DomainError as e:
            self.notify(e.message(get_lang()), severity="error")
            return
        _notify_results(self, [result])
        self._refresh_after()


class InternsScreen(TrackingActions, QueueScreenBase):
    """Every intern in scope, with flags; reuses the review queue component."""

    QUEUE_NAME = "interns"
    TITLE_TEXT = ("实习跟踪", "Interns")
    HELP_TEXT = (
        "已审核通过、已上岗、实习完成、已鉴定的实习生。提示：逾期未上岗（开始日期后3天）、未登记保险、"
        "7天内结束、未收鉴定表或评价缺失、超30天未跟踪。",
        "Approved, on-duty, completed and appraised interns. Flags: not on duty 3 days after the"
        " start, no insurance, ending within 7 days, appraisal copy or evaluations missing, no"
        " follow-up for 30 days.",
    )
    STATUSES = INTERN_STATUS_ORDER
    SHOW_CHECK_FILTER = False
    VISIBLE_COLUMNS: ClassVar[list[str] | None] = INTERN_COLUMNS
    BINDINGS: ClassVar = [
        K("f", "followup", "跟踪", "Follow-up", id="interns.followup"),
        K("t", "assign_staff", "负责人", "Staff", id="interns.staff"),
        K("b", "insurance", "保险", "Insurance", id="interns.insurance"),
        K("d", "withdraw", "放弃岗位", "Withdraw", id="interns.withdraw"),
        K("e", "nominate", "推荐优秀", "Nominate", id="interns.nominate", show=False),
    ]
    DEFAULT_CSS = """
    InternsScreen #i-filters { height: 1; width: 100%; }
    InternsScreen #i-filters > Select { width: 1fr; }
    """

    def base_filter(self) -> AppFilter:
        return AppFilter(statuses=frozenset(INTERN_STATUSES))

    def compose_extra(self) -> ComposeResult:
        with Horizontal(id="i-filters"):
            yield Select[str](
                [(tr("任一提示", "Any flag"), "any")]
                + [(tr_pair(FLAG_LABELS[f]), f.value) for f in InternFlag],
                prompt=tr("全部提示", "All flags"),
                value=self.preset.intern_flag or Select.NULL,
                id="i-flag",
                compact=True,
            )
            yield Select[str]([], prompt=tr("全部单位", "All employers"), id="i-employer", compact=True)
            yield Select[str]([], prompt=tr("全部地区", "All cities"), id="i-city", compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._load_options()

    @work(thread=True, exclusive=True, exit_on_error=False, group="intern-options")
    def _load_options(self) -> None:
        options = tracking(self.services).intern_filter_options()
        self.deliver(self._show_options, options)

    def _show_options(self, options: InternFilterOptions) -> None:
        emp = self.query_one("#i-employer", Select)
        emp.set_options([(name, str(i)) for i, name in options.employers])
        city = self.query_one("#i-city", Select)
        city.set_options([(c, c) for c in options.cities])
        if self.preset.employer_id is not None:
            emp.value = str(self.preset.employer_id)
        if self.preset.city:
            city.value = self.preset.city

    def adjust_filter(self, f: AppFilter) -> AppFilter:
        def val(sel_id: str) -> str | None:
            found = self.query(f"#{sel_id}")
            if not found:
                return None
            v = found.first(Select).value
            return None if v is Select.NULL or v is None or v is False else str(v)

        flag, emp, city = val("i-flag"), val("i-employer"), val("i-city")
        return dataclasses.replace(
            f,
            intern_flag=("any" if flag == "any" else InternFlag(flag)) if flag else f.intern_flag,
            employer_id=int(emp) if emp else f.employer_id,
            city=city or f.city,
        )

    @on(Select.Changed, "#i-flag, #i-employer, #i-city")
    def _extra_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="query")
    def run_query(self, f: AppFilter, sort: SortSpec, generation: int) -> None:
        rows = tracking(self.services).query_interns(f, sort)
        self.post_message(RowsLoaded(rows, generation))

    @work(thread=True, exclusive=True, exit_on_error=False, group="select-all")
    def select_all_matching(self, f: AppFilter) -> None:
        self.post_message(IdsMatched(tracking(self.services).intern_ids_matching(f)))

    def open_application(self, application_id: int) -> None:
        self.app.push_screen(InternDetailScreen(application_id))

    def tracking_targets(self) -> list[int]:
        return self.targets()

    def _refresh_after(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()


class InternDetailScreen(TrackingActions):
    """One intern: facts, flags, tracking fields, follow-ups and the timeline."""

    TITLE_TEXT = ("实习生详情", "Intern")
    HELP_TEXT = (
        "实习生的全部记录：时间线、跟踪记录、保险、鉴定表与双方评价、负责人。",
        "Everything about one intern: timeline, follow-ups, insurance, appraisal copy and both"
        " evaluations, responsible staff.",
    )
    BINDINGS: ClassVar = [
        K("f", "followup", "跟踪", "Follow-up", id="intern.followup"),
        K("a", "appraisal", "鉴定/评价", "Appraisal", id="intern.appraisal"),
        K("b", "insurance", "保险", "Insurance", id="intern.insurance"),
        K("t", "assign_staff", "负责人", "Staff", id="intern.staff"),
        K("d", "withdraw", "放弃岗位", "Withdraw", id="intern.withdraw"),
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
    InternDetailScreen #id-body { height: 1fr; padding: 0 1; }
    InternDetailScreen #id-head { text-style: bold; }
    InternDetailScreen .section { text-style: bold; margin-top: 1; color: $accent; }
    InternDetailScreen #id-flags { color: $warning; }
    InternDetailScreen DataTable { height: auto; max-height: 12; }
    """

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
            fu: DataTable[str] = DataTable(id="id-followups", cursor_type="row", show_cursor=False)
            yield fu
            yield Static(tr("时间线", "Timeline"), classes="section")
            tl: DataTable[str] = DataTable(id="id-timeline", cursor_type="row", show_cursor=False)
            yield tl
        yield Footer()

    def on_mount(self) -> None:
        fu = self.query_one("#id-followups", DataTable)
        for label in (tr("日期", "Date"), tr("方式", "Channel"), tr("人员", "Staff"), tr("情况", "Note")):
            fu.add_column(label)
        tl = self.query_one("#id-timeline", DataTable)
        for label in (tr("时间", "When"), tr("事件", "Event"), tr("操作人", "By")):
            tl.add_column(label)
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    def _refresh_after(self) -> None:
        self.reload()

    def tracking_targets(self) -> list[int]:
        return [self.application_id]

    @work(thread=True, exclusive=True, exit_on_error=False, group="intern-detail")
    def _load(self) -> None:
        info = tracking(self.services).intern_detail(self.application_id)
        self.deliver(self._show, info)

    def _show(self, info: InternDetail) -> None:
        self.info = info
        d = info.detail
        a, s, p, e = d.application, d.student, d.position, d.employer
        self.query_one("#id-head", Static).update(
            f"{s.name}  {s.student_no}  ·  {d.department_name}  ·  {tr_pair(STATUS_LABELS[a.status])}"
        )
        self.query_one("#id-facts", Static).update(
            tr(
                f"用人单位：{e.name}（{e.type}，{p.region}）  岗位：{p.title}\n"
                f"实习期：{p.start_date} 至 {p.end_date}  已实习 {info.days_done}/{info.days_total} 天"
                f"  上岗日期：{fmt_date(a.on_duty_date)}",
                f"Employer: {e.name} ({e.type}, {p.region})  Position: {p.title}\n"
                f"Internship: {p.start_date} to {p.end_date}  {info.days_done}/{info.days_total} days done"
                f"  On duty: {fmt_date(a.on_duty_date)}",
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
        self.query_one("#id-flags", Static).update(flags)
        due = f"  {tr('下次跟踪', 'Next follow-up')}: {info.followup_due}" if info.followup_due else ""
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
        self.query_one("#id-tracking", Static).update(
            tr(
                f"负责人：{a.responsible_staff or '—'}  保险：{yes_no(a.insurance_recorded)}"
                f"  鉴定表：{fmt_date(a.appraisal_copy_received)}\n"
                f"单位评价：{_score(a.employer_score)}  学生评价：{_score(a.student_score)}{due}",
                f"Staff: {a.responsible_staff or '—'}  Insurance: {yes_no(a.insurance_recorded)}"
                f"  Appraisal copy: {fmt_date(a.appraisal_copy_received)}\n"
                f"Employer's evaluation: {_score(a.employer_score)}  Student's: {_score(a.student_score)}{due}",
            )
            + excellent
            + wline
            + local
        )
        fu = self.query_one("#id-followups", DataTable)
        fu.clear()
        for f in reversed(d.followups):
            fu.add_row(
                f.date.isoformat(),
                tr_pair(FOLLOWUP_CHANNEL_LABELS.get(f.channel, (f.channel, f.channel))),
                f.staff,
                f.note,
            )
        if not d.followups:
            fu.add_row("—", "", "", tr("暂无跟踪记录（f 添加）", "No follow-ups yet (f adds one)"))
        tl = self.query_one("#id-timeline", DataTable)
        tl.clear()
        lang = get_lang()
        for ev in reversed(info.timeline):
            tl.add_row(fmt_date(ev.at), ev.text_en if lang == "en" else ev.text_zh, ev.by)

    # -------------------------------------------------------- actions --

    def action_followup(self) -> None:
        status = self.info.detail.application.status if self.info else None
        self.open_followup_form(self.application_id, status)

    def action_withdraw(self) -> None:
        if self.info is not None:
            d = self.info.detail
            try:
                check_filing(d.application.status, any(w.state in OPEN_STATES for w in d.withdrawals))
            except DomainError as e:
                self.notify(e.message(get_lang()), severity="error")
                return
        super().action_withdraw()

    def action_open_withdrawal(self) -> None:
        if self.info is None:
            return
        ws = sorted(self.info.detail.withdrawals, key=lambda w: (w.state not in OPEN_STATES, -w.id))
        if not ws:
            self.notify(tr("没有放弃岗位申请", "No withdrawal request"), severity="warning")
            return
        from zhumeng_tui.screens.withdrawals import WithdrawalDetailScreen

        self.app.push_screen(WithdrawalDetailScreen(ws[0].id))

    def action_appraisal(self) -> None:
        if self.info is None:
            return
        a = self.info.detail.application
        today = tracking(self.services).today()
        fields = [
            Field(
                "copy",
                tr("鉴定表收到日期（空：未收到）", "Appraisal copy received (empty: not yet)"),
                "date",
                a.appraisal_copy_received,
            ),
            Field(
                "employer_score",
                tr("单位评价（0-100）", "Employer's evaluation (0-100)"),
                "int",
                a.employer_score,
            ),
            Field(
                "student_score",
                tr("学生评价（0-100）", "Student's evaluation (0-100)"),
                "int",
                a.student_score,
            ),
        ]

        def parse(values: Values) -> TrackingUpdate:
            es = parse_score(str(values.get("employer_score") or ""), EMPLOYER_SCORE)
            ss = parse_score(str(values.get("student_score") or ""), STUDENT_SCORE)
            copy = values.get("copy")
            check_tracking(a.status, today, appraisal_copy_received=copy, employer_score=es, student_score=ss)
            return TrackingUpdate(appraisal_copy_received=copy, employer_score=es, student_score=ss)

        def validate(values: Values) -> None:
            update = parse(values)
            if not update.model_dump(exclude_none=True):
                raise DomainError("nothing_to_change", "没有要修改的内容", "Nothing to change")

        def done(values: Values | None) -> None:
            if values is not None:
                self._send_tracking([self.application_id], parse(values))

        self.app.push_screen(
            FormScreen(tr("鉴定表与评价", "Appraisal and evaluations"), fields, validate), done
        )

    def action_integrity(self) -> None:
        if self.info is None:
            return
        from zhumeng_tui.screens.integrity import IntegrityScreen

        s = self.info.detail.student
        self.app.push_screen(IntegrityScreen(student_id=s.id, student_label=f"{s.name} {s.student_no}"))

    def action_integrity_entry(self) -> None:
        if self.info is None:
            return
        s = self.info.detail.student
        open_integrity_form(self, s.id, f"{s.name} {s.student_no}", self.application_id, self.reload)


def open_integrity_form(
    screen: ZScreen,
    student_id: int,
    label: str,
    application_id: int | None,
    after: Callable[[], None],
) -> None:
    """Add a staff integrity entry (kind, date, reason); refused locally first."""
    ts = tracking(screen.services)
    today = ts.today()
    fields = [
        Field(
            "kind",
            tr("类型", "Kind"),
            "select",
            IntegrityKind.OTHER.value,
            options=[(tr_pair(INTEGRITY_LABELS[k]), k.value) for k in IntegrityKind],
        ),
        Field("date", tr("日期", "Date"), "date", today),
        Field("note", tr("原因/说明", "Reason"), "text"),
    ]

    def validate(values: Values) -> None:
        check_integrity_entry(
            str(values.get("kind") or ""), values.get("date"), str(values.get("note") or ""), today
        )

    def done(values: Values | None) -> None:
        if values is not None:
            _send_integrity(screen, student_id, application_id, values, after)

    screen.app.push_screen(
        FormScreen(
            tr(f"添加诚信档案记录：{label}", f"Add an integrity entry: {label}"),
            fields,
            validate,
            tr("记录不可删除；更正请另加一条。", "Entries are never deleted; add a new one to correct."),
        ),
        done,
    )


def _send_integrity(
    screen: ZScreen, student_id: int, application_id: int | None, values: Values, after: Callable[[], None]
) -> None:
    async def run() -> None:
        try:
            result = await tracking(screen.services).add_integrity(
                student_id,
                IntegrityKind(str(values["kind"])),
                values["date"],
                str(values["note"]),
                application_id,
            )
        except DomainError as e:
            screen.notify(e.message(get_lang()), severity="error")
            return
        _notify_results(screen, [result])
        after()

    screen.run_worker(run(), exclusive=True, group="integrity-send")


def _score(value: int | None) -> str:
    return "—" if value is None else str(value)
