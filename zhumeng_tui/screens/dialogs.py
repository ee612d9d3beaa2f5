"""Modal dialogs: reason picker, review confirmation, review result, message.

Each dialog is typed by what it returns: the reason (``str``), the
acknowledged checks (``list[CheckId]``), or nothing; ``None`` means cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, OptionList, Static
from textual.widgets.option_list import Option

from zhumeng_tui.domain.eligibility import CHECK_LABELS, CheckId
from zhumeng_tui.domain.status import ACTION_LABELS, Action
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.services import ReviewPreview, ReviewResult
from zhumeng_tui.widgets.keys import K, Localized, focus_now

COMMON_REASONS: dict[Action, list[tuple[str, str]]] = {
    Action.REJECT: [
        ("不符合实习资格条件", "Does not meet the eligibility conditions"),
        ("岗位与所学专业不匹配", "Position does not match the student's major"),
        ("提供信息不实", "False information provided"),
        ("学生本人申请撤回", "Withdrawn at the student's request"),
    ],
    Action.RETURN: [
        ("报到单缺失或不完整，请补充", "Report form missing or incomplete"),
        ("报到单信息与记录不一致，请核对", "Report form does not match the record"),
        ("请先完成实名认证", "Please complete real-name verification"),
        ("请先完成高校认证", "Please complete university certification"),
        ("请核对实习起止时间", "Please check the internship dates"),
    ],
}

CODE_LABELS: dict[str, tuple[str, str]] = {
    "illegal_transition": ("状态不符", "Wrong status"),
    "check_failed": ("资格审核未通过", "Eligibility check failed"),
    "out_of_scope": ("不在本账号范围", "Out of scope"),
    "provincial_review": ("省级审核（只读）", "Provincial review (read-only)"),
    "role_not_allowed": ("无权操作", "Not allowed for this role"),
    "reason_required": ("须填写原因", "Reason required"),
    "version_conflict": ("记录已被他人修改（冲突）", "Changed by someone else (conflict)"),
    "conflict": ("记录已被他人修改（冲突）", "Changed by someone else (conflict)"),
    "pending": ("已有待发送的修改", "Already has a pending change"),
    "batch_overlap": ("同批时间重叠", "Overlaps another in this batch"),
    "nothing_failing": ("无未通过的审核项", "No failing check"),
}


#: The confirmation's line for the approvals held back as overlapping in the batch.
BATCH_OVERLAP_SUMMARY = (
    "同一学生时间重叠的申请只能通过其一，均未发送：请在详情中选定后单独审核",
    "One student's overlapping applications: none sent; approve the chosen one from its detail",
)


def code_label(code: str | None) -> str:
    if not code:
        return tr("失败", "Failed")
    pair = CODE_LABELS.get(code)
    return tr_pair(pair) if pair else code


def refusal_lines(groups: dict[tuple[str, str], int], limit: int) -> list[tuple[tuple[str, str], int]]:
    """The (code, message) groups to list: every kind of reason at least once
    (its most frequent message), then the most frequent of the rest."""
    ranked = sorted(groups.items(), key=lambda kv: -kv[1])
    chosen: list[tuple[tuple[str, str], int]] = []
    codes: set[str] = set()
    for key, n in ranked:
        if key[0] not in codes:
            codes.add(key[0])
            chosen.append((key, n))
    for key, n in ranked:
        if len(chosen) >= max(limit, len(codes)):
            break
        if (key, n) not in chosen:
            chosen.append((key, n))
    return sorted(chosen[: max(limit, len(codes))], key=lambda kv: -kv[1])


def reason_lines(reasons: dict[int, str], limit: int = 4) -> str:
    """What each student will be told, the most common first, with counts."""
    counts: dict[str, int] = defaultdict(int)
    for text in reasons.values():
        counts[text] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    lines = [tr("原因（各学生分别）：", "Reasons (each student's own):")]
    lines += [f"  · ×{n}  {text}" for text, n in ranked[:limit]]
    if len(ranked) > limit:
        rest = sum(n for _t, n in ranked[limit:])
        lines.append(tr(f"  · ×{rest}  其他组合", f"  · ×{rest}  other combinations"))
    return "\n".join(lines)


class AckBox(Checkbox):
    """A checkbox whose state is readable without colour: "X" when ticked, blank when not."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "X" if self.value else " "


ResultT = TypeVar("ResultT")


class _Dialog(Localized, ModalScreen[ResultT]):
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; padding: 0 1; background: $panel; }
    _Dialog .title { text-style: bold; }
    _Dialog .error { color: $error; text-style: bold; }
    _Dialog .warn { color: $warning; }
    _Dialog .hint { color: $text-muted; text-align: right; }
    _Dialog VerticalScroll { height: auto; max-height: 12; }
    _Dialog VerticalScroll#confirm-body { max-height: 16; }
    _Dialog Horizontal.buttons { height: auto; align-horizontal: right; margin-top: 1; }
    _Dialog Horizontal.buttons Button { margin-left: 2; }
    _Dialog OptionList { height: auto; max-height: 8; }
    _Dialog Checkbox { height: auto; }
    """


class _InfoDialog(_Dialog[None]):
    """A dialog that only informs: its #close button has the focus and closes it."""

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class OwnChecks:
    """The reason picked for a return: each student's own failing checks."""


#: The one ``OwnChecks`` (what ``ReasonDialog`` returns for that choice).
OWN_CHECKS = OwnChecks()


class _ReasonList(OptionList):
    """The common reasons. Picking one (``enter`` or a click) calls
    ``on_pick`` at once, not through a message: what it does with the focus
    is done before the keys typed right after the pick are handled."""

    def __init__(self, *options: Option, on_pick: Callable[[Option], None], id: str) -> None:
        super().__init__(*options, id=id)
        self._on_pick = on_pick

    def action_select(self) -> None:
        option = self.highlighted_option
        if option is not None and not option.disabled:
            self._on_pick(option)


class ReasonDialog(_Dialog[str | OwnChecks | None]):
    """Pick a common reason or type one. Returns the reason, ``OWN_CHECKS``
    (a return: each student's own failing checks) or None (cancel)."""

    BINDINGS: ClassVar = [K("escape", "cancel", "取消", "Cancel", id="reason.cancel", key_display="esc")]

    def __init__(self, action: Action, count: int) -> None:
        super().__init__()
        self.action = action
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                tr(
                    f"{tr_pair(ACTION_LABELS[self.action])} {self.count} 条：请选择或填写原因",
                    f"{tr_pair(ACTION_LABELS[self.action])} {self.count}: pick or type a reason",
                ),
                classes="title",
            )
            own = []
            if self.action == Action.RETURN:
                own = [Option(tr("各学生未通过的审核项（每人各自的原因）",
                                 "Each student's own failing checks (a reason per student)"), id="own")]
            yield _ReasonList(
                *own,
                *[Option(tr(zh, en), id=str(i)) for i, (zh, en) in enumerate(COMMON_REASONS.get(self.action, []))],
                on_pick=self._picked,
                id="reasons",
            )
            yield Input(
                placeholder=tr("或输入原因，回车确定", "or type a reason, enter to use it"), id="reason", compact=True,
                select_on_focus=False,  # a picked reason stays: what is typed goes on after it
            )
            yield Static("", id="reason-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(tr("取消", "Cancel"), id="cancel", compact=True)
                yield Button(tr("下一步", "Next"), id="ok", variant="primary", compact=True)

    def _picked(self, option: Option) -> None:
        """A common reason into the box, and the focus with it (words typed
        right after the pick go on after the reason); "own checks" answers."""
        if option.id == "own":
            self.dismiss(OWN_CHECKS)
            return
        box = self.query_one("#reason", Input)
        box.value = str(option.prompt)
        box.cursor_position = len(box.value)
        focus_now(box)

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.query_one("#reason-error", Static).update(tr("请填写原因", "A reason is required"))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewConfirmDialog(_Dialog[list[CheckId] | None]):
    """How many will be sent, refused (grouped by why), warnings to acknowledge.

    Returns the acknowledged check ids (possibly empty) or None (cancel).
    """

    BINDINGS: ClassVar = [
        K("escape", "cancel", "取消", "Cancel", id="confirm.cancel", key_display="esc"),
        K("ctrl+s", "send", "发送", "Send", id="confirm.send"),
    ]
    #: Refusal reasons listed one by one; the rest are summed up.
    MAX_GROUPS: ClassVar[int] = 6

    def __init__(self, preview: ReviewPreview, reason: str | None) -> None:
        super().__init__()
        self.preview = preview
        self.reason = reason

    def compose(self) -> ComposeResult:
        p = self.preview
        action = tr_pair(ACTION_LABELS[p.action])
        groups: dict[tuple[str, str], int] = defaultdict(int)
        for r in p.refused:
            # each overlap names the other post (the result lists them): here one line for all
            message = BATCH_OVERLAP_SUMMARY if r.code == "batch_overlap" else r.message
            groups[(r.code, tr(*message) if isinstance(message, tuple) else message)] += 1
        with Vertical():
            with VerticalScroll(id="confirm-body"):
                yield Static(tr(f"{action}：共选 {p.total} 条", f"{action}: {p.total} selected"), classes="title")
                yield Static(
                    tr(f"将发送 {len(p.will_send)} 条", f"{len(p.will_send)} will be sent"),
                    id="will-send",
                )
                if self.reason:
                    yield Static(tr("原因：", "Reason: ") + self.reason, markup=False)
                if p.reasons:
                    yield Static(reason_lines(p.reasons), id="own-reasons", markup=False)
                if p.refused:
                    lines = [tr(f"不会发送 {len(p.refused)} 条：", f"{len(p.refused)} will not be sent:")]
                    shown = refusal_lines(groups, self.MAX_GROUPS)
                    for (code, message), n in shown:
                        label = code_label(code)
                        # The message usually names the kind already ("资格审核未通过：报到单").
                        text = message if message.startswith(label) else f"{label}  {message}"
                        lines.append(f"  · ×{n}  {text}")
                    rest = len(p.refused) - sum(n for _k, n in shown)
                    if rest:
                        lines.append(
                            tr(
                                f"  · ×{rest}  以上原因的其他组合（见结果明细）",
                                f"  · ×{rest}  other combinations of these reasons (see the result)",
                            )
                        )
                    yield Static("\n".join(lines), id="refused", classes="warn", markup=False)
                if p.warnings:
                    yield Static(
                        tr("以下警告须逐项确认知悉后才能发送：", "Acknowledge each warning before sending:"),
                        classes="title",
                    )
                    for check, ids in p.warnings.items():
                        yield AckBox(
                            tr(
                                f"已核实：{tr_pair(CHECK_LABELS[CheckId(check)])} 警告（{len(ids)} 条）",
                                f"Checked: {tr_pair(CHECK_LABELS[CheckId(check)])} warning ({len(ids)})",
                            ),
                            id=f"ack-{CheckId(check).value}",
                            compact=True,
                        )
            with Horizontal(classes="buttons"):
                yield Button(tr("取消", "Cancel"), id="cancel", compact=True)
                yield Button(
                    tr(f"发送 {len(p.will_send)} 条", f"Send {len(p.will_send)}"),
                    id="send",
                    variant="primary",
                    disabled=True,
                    compact=True,
                )
            yield Static(
                tr("tab 切换 · space 勾选 · ctrl+s 发送 · esc 取消", "tab move · space tick · ctrl+s send · esc cancel"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self._update_send()
        boxes = self.query(Checkbox)
        if boxes:
            boxes.first().focus()
        else:
            send = self.query_one("#send", Button)
            (send if not send.disabled else self.query_one("#cancel", Button)).focus()

    def acknowledged(self) -> list[CheckId]:
        return [CheckId(cb.id.removeprefix("ack-")) for cb in self.query(Checkbox) if cb.value and cb.id]

    def _update_send(self) -> None:
        all_ack = all(cb.value for cb in self.query(Checkbox))
        send = self.query_one("#send", Button)
        n = len(self.preview.will_send)
        send.disabled = not (n and all_ack)
        if not n:
            send.label = tr("无可发送", "Nothing to send")
        elif not all_ack:
            send.label = tr("请先确认警告", "Acknowledge first")
        else:
            send.label = tr(f"发送 {n} 条", f"Send {n}")

    @on(Checkbox.Changed)
    def _ack(self) -> None:
        self._update_send()

    @on(Button.Pressed, "#send")
    def action_send(self) -> None:
        self._update_send()
        if not self.query_one("#send", Button).disabled:
            self.dismiss(self.acknowledged())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewResultDialog(_InfoDialog):
    """Per item: what succeeded, what was queued (offline), what did not."""

    BINDINGS: ClassVar = [
        K("escape,enter", "close", "关闭", "Close", id="result.close", key_display="esc"),
        K("down", "scroll_lines(1)", "向下", "Down", id="result.down", show=False),
        K("up", "scroll_lines(-1)", "向上", "Up", id="result.up", show=False),
        K("pagedown", "scroll_lines(10)", "下一页", "Page down", id="result.page_down", show=False),
        K("pageup", "scroll_lines(-10)", "上一页", "Page up", id="result.page_up", show=False),
    ]
    #: Lines of results shown at once (the list scrolls past them).
    SHOWN_LINES = 12

    def __init__(
        self,
        action: Action,
        result: ReviewResult,
        preview: ReviewPreview | None = None,
        describe: Callable[[int], str] | None = None,
    ) -> None:
        super().__init__()
        self.action = action
        self.result = result
        self.preview = preview
        self.describe = describe or (lambda i: f"#{i}")

    def compose(self) -> ComposeResult:
        results = self.result.results
        ok = [r for r in results if r.ok and not r.queued]
        queued = [r for r in results if r.ok and r.queued]
        failed = [r for r in results if not r.ok]
        refused = self.preview.refused if self.preview else []
        action = tr_pair(ACTION_LABELS[self.action])
        summary = tr(
            f"{action}：成功 {len(ok)} 条，待发送 {len(queued)} 条，失败 {len(failed)} 条，未发送 {len(refused)} 条",
            f"{action}: {len(ok)} done, {len(queued)} pending, {len(failed)} failed, {len(refused)} not sent",
        )
        lines: list[str] = []
        for r in failed:
            lines.append(f"✗ {self.describe(r.record_id)}  {code_label(r.code)} {r.message or ''}")
        for rf in refused:
            lines.append(f"✗ {self.describe(rf.application_id)}  {code_label(rf.code)} {rf.message}")
        for r in queued:
            lines.append(f"… {self.describe(r.record_id)}  " + tr("离线，已排队待发送", "offline, queued"))
        for r in ok:
            lines.append(f"✓ {self.describe(r.record_id)}")
        with Vertical():
            yield Static(summary, classes="title", id="result-summary")
            if failed or refused:
                yield Static(
                    tr("失败和未发送的仍保持选中。", "Failed and unsent ones stay selected."), classes="warn"
                )
            if queued:
                yield Static(
                    tr("离线：已保存在本地，联网后自动发送。", "Offline: saved locally, sent when back online."),
                    classes="warn",
                )
            with VerticalScroll(id="result-scroll"):
                yield Static("\n".join(lines), id="result-lines", markup=False)
            if len(lines) > self.SHOWN_LINES:
                yield Static(tr(f"共 {len(lines)} 行 · ↑/↓ PgUp/PgDn 翻看", f"{len(lines)} lines · up/down, PgUp/PgDn scroll"),
                             classes="hint", id="result-more")
            with Horizontal(classes="buttons"):
                yield Button(tr("关闭", "Close"), id="close", variant="primary", compact=True)

    def action_scroll_lines(self, lines: int) -> None:
        self.query_one("#result-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)


class MessageDialog(_InfoDialog):
    """A titled message with an OK button (worker errors that need attention)."""

    BINDINGS: ClassVar = [K("escape,enter", "close", "关闭", "Close", id="message.close", key_display="esc")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self._title = title
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="title error")
            yield Static(self._message, markup=False)
            with Horizontal(classes="buttons"):
                yield Button(tr("确定", "OK"), id="close", variant="primary", compact=True)


class ConfirmDialog(_Dialog[bool]):
    """A question before a change that cannot be taken back: ``True`` when
    confirmed (ctrl+s or the button), ``False`` on escape."""

    BINDINGS: ClassVar = [
        K("ctrl+s", "confirm", "确认", "Confirm", id="confirm.ok", key_display="^s"),
        K("escape", "cancel", "取消", "Cancel", id="confirm.cancel", key_display="esc"),
    ]

    def __init__(self, title: str, message: str, confirm_label: str) -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, classes="title", id="confirm-title", markup=False)
            yield Static(self._message, id="confirm-message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(tr("取消", "Cancel"), id="cancel", compact=True)
                yield Button(self._confirm_label, id="ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
