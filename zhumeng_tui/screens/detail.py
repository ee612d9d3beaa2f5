"""One application: student (ID masked), position and employer, report form,
every eligibility check with its reason, history, integrity entries, follow-ups,
withdrawals and the local pending / conflict state. Scrollable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from zhumeng_tui.domain.eligibility import CHECK_LABELS, CheckId, CheckResult
from zhumeng_tui.domain.integrity import INTEGRITY_LABELS, SOURCE_LABELS
from zhumeng_tui.domain.permissions import provincial_only
from zhumeng_tui.domain.status import STATUS_LABELS, Action, Role, Status, allowed_actions, history_label
from zhumeng_tui.i18n import get_lang, tr, tr_pair
from zhumeng_tui.screens.data_screen import DataScreen, Loaded
from zhumeng_tui.screens.review_flow import REVIEW_BINDINGS, ReviewActionsMixin, ReviewDone
from zhumeng_tui.services import ApplicationDetail, ReviewPreview
from zhumeng_tui.widgets.columns import LOCAL_STATE_LABELS
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import yes_no

RESULT_MARK = {
    CheckResult.PASS: ("✓", "ok"),
    CheckResult.WARN: ("!", "warn"),
    CheckResult.FAIL: ("✗", "fail"),
}


def _kv(pairs: list[tuple[str, object]]) -> str:
    width = max((cell_len(k) for k, _ in pairs), default=0)
    out = []
    for k, v in pairs:
        pad = " " * (width - cell_len(k))
        out.append(f"[b]{escape(k)}[/b]{pad}  {escape('' if v is None else str(v))}")
    return "\n".join(out)


def _status(value: str | Status | None) -> str:
    if value is None:
        return ""
    try:
        return tr_pair(STATUS_LABELS[Status(value)])
    except ValueError:
        return str(value)


def render_detail(d: ApplicationDetail) -> list[tuple[str, str, str]]:
    """(section id, title, markup body) for each section."""
    a, s, p, e = d.application, d.student, d.position, d.employer
    sections: list[tuple[str, str, str]] = []
    fails = sum(1 for c in a.checks if CheckResult(c.result) == CheckResult.FAIL)
    warns = sum(1 for c in a.checks if CheckResult(c.result) == CheckResult.WARN)
    verdict = (
        tr(f"✗ {fails}项不通过", f"✗ {fails} failing") if fails else tr("✓ 审核项全部通过", "✓ all checks pass")
    )
    if warns:
        verdict += tr(f" · ! {warns}项警告", f" · ! {warns} warning(s)")
    summary = f"[b]{escape(s.name)}[/b] {escape(s.student_no)} · {escape(_status(a.status))} · {verdict}"
    sections.append(("summary", "", summary))
    if d.local_state:
        label = tr_pair(LOCAL_STATE_LABELS.get(d.local_state, (d.local_state, d.local_state)))
        msg = escape(d.local_message or "")
        hint = ""
        if d.local_state in ("conflict", "rejected") and d.may_retry:
            hint = "\n" + tr("R 基于服务器当前记录重新发送 · D 放弃本地修改", "R send again on the current record · D discard my change")
        elif d.local_state in ("conflict", "rejected"):
            hint = "\n" + tr("该修改在服务器当前的记录上已不能执行 · D 放弃本地修改",
                              "That change no longer applies to the server's record · D discard it")
        sections.append(("local", tr("本地状态", "Local state"), f"[b]{label}[/b] {msg}{hint}"))
    sections.append(
        (
            "student",
            tr("学生", "Student"),
            _kv(
                [
                    (tr("姓名", "Name"), s.name),
                    (tr("学号", "Student no."), s.student_no),
                    (tr("身份证号", "ID number"), s.id_number_masked),
                    (tr("性别", "Sex"), s.gender),
                    (tr("院系", "Department"), d.department_name),
                    (tr("专业/年级", "Major/grade"), f"{s.major} {s.grade} {s.degree}"),
                    (tr("学籍状态", "Enrolment"), f"{s.enrollment_status} · " + (tr("全日制", "full-time") if s.full_time else tr("非全日制", "part-time"))),
                    (tr("实名认证", "Real name"), yes_no(s.realname_verified)),
                    (tr("高校认证", "Univ. certified"), yes_no(s.univ_certified)),
                    (tr("生源地", "Origin"), s.origin + (tr("（省外高校）", " (out of province)") if s.out_of_province else "")),
                    (tr("毕业年份", "Graduation"), s.graduation_year),
                    (tr("电话", "Phone"), s.phone),
                    (tr("困难类别", "Hardship"), tr("无", "none") if s.hardship == "none" else s.hardship),
                ]
            ),
        )
    )
    sections.append(
        (
            "position",
            tr("岗位与用人单位", "Position and employer"),
            _kv(
                [
                    (tr("岗位", "Position"), p.title),
                    (tr("用人单位", "Employer"), f"{e.name}（{e.type}）"),
                    (tr("地区", "Region"), p.region),
                    (tr("期限", "Dates"), f"{p.start_date} — {p.end_date}（{(p.end_date - p.start_date).days + 1}{tr('天', ' days')}）"),
                    (tr("名额", "Quota"), p.quota),
                    (tr("认证团委", "Certified by"), e.certifying_committee),
                ]
            ),
        )
    )
    app_pairs: list[tuple[str, object]] = [
        (tr("状态", "Status"), _status(a.status)),
        (tr("投递时间", "Applied"), a.applied_at.strftime("%Y-%m-%d %H:%M")),
    ]
    if a.reason:
        app_pairs.append((tr("原因", "Reason"), a.reason))
    if a.acknowledged:
        app_pairs.append(
            (tr("已确认警告", "Acknowledged"), "、".join(tr_pair(CHECK_LABELS[c]) for c in a.acknowledged))
        )
    sections.append(("application", tr("申请", "Application") + f" #{a.id}", _kv(app_pairs)))
    f = a.report_form
    if f is None:
        form = f"[b]✗ {tr('未提交报到单', 'No report form submitted')}[/b]"
    else:
        missing = tr("（缺）", "(missing)")
        form = _kv(
            [
                (tr("姓名", "Name"), f.student_name or missing),
                (tr("学号", "Student no."), f.student_no or missing),
                (tr("用人单位", "Employer"), f.employer_name or missing),
                (tr("岗位", "Position"), f.position_title or missing),
                (tr("开始日期", "Start"), f.start_date or missing),
                (tr("结束日期", "End"), f.end_date or missing),
            ]
        )
    sections.append(("form", tr("报到单", "Report form"), form))
    lines = []
    for c in a.checks:
        mark, cls = RESULT_MARK[CheckResult(c.result)]
        label = tr_pair(CHECK_LABELS[CheckId(c.check)])
        reason = c.reason_en if get_lang() == "en" else c.reason_zh
        text = f"{mark} {escape(label)}：{escape(reason)}" if get_lang() == "zh" else f"{mark} {escape(label)}: {escape(reason)}"
        lines.append(f"[b]{text}[/b]" if cls != "ok" else text)
    sections.append(("checks", tr("资格审核", "Eligibility checks"), "\n".join(lines) or tr("无", "none")))
    hist = []
    for h in a.history:
        move = ""
        if h.to_status:
            move = (f"{_status(h.from_status)}→" if h.from_status else "") + _status(h.to_status)
        text = f"{h.at:%Y-%m-%d %H:%M} {d.actors.get(h.by, h.by)} {tr_pair(history_label(h.action))} {move}".rstrip()
        if h.reason:
            text += f" · {h.reason}"
        if h.acknowledged:
            text += tr(" · 确认警告：", " · acknowledged: ") + "、".join(tr_pair(CHECK_LABELS[c]) for c in h.acknowledged)
        hist.append(escape(text))
    sections.append(("history", tr("历史", "History"), "\n".join(hist) or tr("无", "none")))
    integ = [
        escape(
            f"{i.date} {tr_pair(INTEGRITY_LABELS[i.kind])} · {i.note} · {tr_pair(SOURCE_LABELS[i.source])} {d.actors.get(i.created_by, i.created_by)}"
        )
        for i in d.integrity
    ]
    sections.append(("integrity", tr("诚信档案", "Integrity record"), "\n".join(integ) or tr("无", "none")))
    if d.followups:
        fu = [escape(f"{x.date} {x.channel} {x.staff} · {x.note}") for x in d.followups]
        sections.append(("followups", tr("跟踪记录", "Follow-ups"), "\n".join(fu)))
    if d.withdrawals:
        wd = []
        for w in d.withdrawals:
            text = f"#{w.id} {w.state} {w.filed_at:%Y-%m-%d}"
            if w.deadline:
                text += tr(f" · 截止 {w.deadline}", f" · due {w.deadline}")
                if w.deadline_approximate:
                    text += tr("（无节假日数据，按周一至周五计）", " (no holiday data: Mon-Fri)")
            wd.append(escape(text))
        sections.append(("withdrawals", tr("放弃岗位申请", "Withdrawals"), "\n".join(wd)))
    return sections


class LocalDismissed(Message):
    """The user discarded the application's refused or conflicting change."""


class DetailScreen(DataScreen[ApplicationDetail], ReviewActionsMixin):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("申请详情", "Application")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "学生、岗位、报到单、资格审核、历史与诚信档案。上下键/翻页滚动；审核键只作用于本条申请。",
        "Student, position, report form, checks, history and integrity record. Up/down/page to scroll; "
        "review keys act on this application only.",
    )
    BINDINGS: ClassVar = [
        *REVIEW_BINDINGS,
        K("R", "retry_local", "重新发送", "Send again", id="detail.retry"),
        K("D", "dismiss_local", "放弃本地修改", "Discard my change", id="detail.dismiss"),
    ]

    DEFAULT_CSS = """
    DetailScreen VerticalScroll { height: 1fr; padding: 0 1; }
    DetailScreen .section-title { text-style: bold reverse; margin-top: 1; padding: 0 1; }
    DetailScreen .section { padding: 0 1; }
    """

    def __init__(self, application_id: int) -> None:
        super().__init__()
        self.application_id = application_id
        self.detail: ApplicationDetail | None = None

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with VerticalScroll(id="detail"):
            yield Static(tr("加载中…", "Loading…"), id="detail-loading")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#detail").focus()

    def fetch(self) -> ApplicationDetail:
        return self.services.application_detail(self.application_id)

    async def show(self, value: ApplicationDetail) -> None:
        self.detail = value
        scroll = self.query_one("#detail", VerticalScroll)
        y = scroll.scroll_y
        await scroll.remove_children()
        widgets: list[Static] = []
        for sid, title, body in render_detail(value):
            if title:
                widgets.append(Static(title, classes="section-title", id=f"t-{sid}"))
            widgets.append(Static(body, classes="section", id=f"s-{sid}"))
        await scroll.mount_all(widgets)
        scroll.scroll_to(y=y, animate=False)
        self.refresh_bindings()

    def review_targets(self) -> list[int]:
        return [self.application_id]

    def reads_only(self) -> bool:
        return self.detail is not None and provincial_only(self.role, self.detail.student.out_of_province)

    def _has_local_problem(self) -> bool:
        return self.detail is not None and self.detail.local_state in ("conflict", "rejected")

    def action_retry_local(self) -> None:
        if self.detail is not None and self.detail.may_retry and self.services.me.role != Role.VIEWER:
            self.retry_local()

    @work(exclusive=True, exit_on_error=False, group="review")
    async def retry_local(self) -> None:
        result = await self.services.retry_review(self.application_id)
        preview = ReviewPreview(Action.CONFIRM, 1, [self.application_id], [], {})
        self.post_message(ReviewDone(preview.action, result, preview))
        r = result.results[0] if result.results else None
        if r is not None and not r.ok:
            self.notify(r.message or r.code or "", severity="error")
        else:
            self.notify(tr("已重新发送", "Sent again") if r and not r.queued else tr("已排队待发送", "Queued"))

    def action_dismiss_local(self) -> None:
        if self._has_local_problem():
            self.dismiss_local(self.next_generation())

    @work(thread=True, exclusive=True, exit_on_error=False, group=DataScreen.LOAD_GROUP)
    def dismiss_local(self, generation: int) -> None:
        self.services.dismiss_local(self.application_id)
        self.post_message(LocalDismissed())
        self.post_message(Loaded(self.fetch(), generation))

    @on(LocalDismissed)
    def _dismissed(self) -> None:
        self.zapp.local_changed(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_local":
            return self.detail is not None and self.detail.may_retry and self.role != Role.VIEWER
        if action == "dismiss_local":
            return self._has_local_problem() and self.role != Role.VIEWER
        allowed = super().check_action(action, parameters)
        if action == "review" and allowed and self.detail is not None:
            # only the moves this application's status allows, none on the province's
            status = self.detail.application.status
            return Action(str(parameters[0])) in allowed_actions(status, self.role) and not self.reads_only()
        return allowed

    def describe_applications(self, ids: Sequence[int]) -> dict[int, str]:
        d = self.detail
        if d is None:
            return {}
        return {i: f"{d.student.student_no} {d.student.name}" for i in ids if i == d.application.id}

    @on(ReviewDone)
    def _review_done(self, event: ReviewDone) -> None:
        self.reload()
        self.zapp.local_changed(self)
