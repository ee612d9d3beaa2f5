"""The pickers of the graduate services: a session to record attendance at,
and graduates found by 姓名 / 学号 / pinyin.

``SessionPickDialog`` returns the chosen session's id; ``GraduateSearchDialog``
returns the ids of the graduates ticked (``space``) or the one under the
cursor. ``None``: cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from zhumeng_tui.api_client.schemas import ServiceSession
from zhumeng_tui.i18n import tr
from zhumeng_tui.services import AttendeeRow, Services
from zhumeng_tui.widgets.filter_bar import search_placeholder
from zhumeng_tui.widgets.graduates_common import session_line
from zhumeng_tui.widgets.keys import K, Localized, focus_now

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 76; max-width: 100%; height: auto; max-height: 100%;
    border: round $accent; padding: 0 1; background: $panel; }}
{name} .title {{ text-style: bold; }}
{name} .hint {{ color: $text-muted; }}
{name} OptionList {{ height: auto; max-height: 12; }}
"""


class SessionPickDialog(Localized, ModalScreen[int | None]):
    """Pick the session the graduates attended (those that have taken place, newest first)."""

    DEFAULT_CSS = _CSS.format(name="SessionPickDialog")
    BINDINGS: ClassVar = [K("escape", "cancel", "取消", "Cancel", id="pick.cancel", key_display="esc")]

    def __init__(self, sessions: Sequence[ServiceSession], count: int) -> None:
        super().__init__()
        self.sessions = list(sessions)
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(tr(f"为 {self.count} 名毕业生登记签到：选择活动", f"Attendance of {self.count} graduates:"
                            " choose the session"), classes="title")
            if self.sessions:
                yield OptionList(*[Option(Text(session_line(s)), id=str(s.id)) for s in self.sessions], id="sessions")
            else:
                yield Static(tr("没有已举行的活动：请先在服务活动列表（l）中登记", "No session has taken place yet:"
                                " record one in the sessions list (l) first"))
            yield Static(tr("回车选择 · esc 取消", "enter choose · esc cancel"), classes="hint")

    def on_mount(self) -> None:
        for w in self.query(OptionList):
            w.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class _Found(Message):
    def __init__(self, rows: list[AttendeeRow], text: str) -> None:
        super().__init__()
        self.rows = rows
        self.text = text


class GraduateSearchDialog(Localized, ModalScreen[list[int] | None]):
    """Find graduates by 姓名 / 学号 / pinyin initials; ``space`` ticks, ``ctrl+s`` records the ticked."""

    DEFAULT_CSS = _CSS.format(name="GraduateSearchDialog")
    BINDINGS: ClassVar = [
        K("ctrl+s", "done", "登记所选", "Record ticked", id="find.done"),
        K("space", "tick", "勾选", "Tick", id="find.toggle", key_display="space"),
        K("escape", "cancel", "取消", "Cancel", id="find.cancel", key_display="esc"),
    ]

    def __init__(self, services: Services, title: str) -> None:
        super().__init__()
        self.services = services
        self.title_text = title
        self.rows: list[AttendeeRow] = []
        self.ticked: dict[int, AttendeeRow] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Input(placeholder=search_placeholder(), id="find-text", compact=True)
            yield OptionList(id="found")
            yield Static("", id="find-count", classes="hint")
            yield Static(tr("space 勾选 · ctrl+s 登记所选 · esc 取消", "space tick · ctrl+s record ticked · esc cancel"),
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#find-text", Input).focus()

    @on(Input.Changed, "#find-text")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._find(event.value)

    @on(Input.Submitted, "#find-text")
    def _to_list(self, event: Input.Submitted) -> None:
        event.stop()
        focus_now(self.query_one("#found", OptionList))

    @work(thread=True, exclusive=True, exit_on_error=False, group="find-graduates")
    def _find(self, text: str) -> None:
        self.post_message(_Found(self.services.find_graduates(text), text))

    @on(_Found)
    def _show(self, event: _Found) -> None:
        if event.text != self.query_one("#find-text", Input).value:
            return
        self.rows = event.rows
        self._redraw()

    def _redraw(self) -> None:
        found = self.query_one("#found", OptionList)
        highlighted = found.highlighted
        found.clear_options()
        found.add_options([
            Option(Text(f"{'✓' if r.graduate_id in self.ticked else ' '} {r.student_no} {r.name}  {r.department_name}"),
                   id=str(r.graduate_id)) for r in self.rows
        ])
        if self.rows:
            found.highlighted = min(highlighted or 0, len(self.rows) - 1)
        self.query_one("#find-count", Static).update(
            tr(f"找到 {len(self.rows)} 人 · 已勾选 {len(self.ticked)} 人",
               f"{len(self.rows)} found · {len(self.ticked)} ticked"))

    def _current(self) -> AttendeeRow | None:
        found = self.query_one("#found", OptionList)
        i = found.highlighted
        return self.rows[i] if i is not None and 0 <= i < len(self.rows) else None

    def action_tick(self) -> None:
        row = self._current()
        if row is None or isinstance(self.focused, Input):
            return
        if row.graduate_id in self.ticked:
            del self.ticked[row.graduate_id]
        else:
            self.ticked[row.graduate_id] = row
        self._redraw()

    @on(OptionList.OptionSelected, "#found")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tick":
            return not isinstance(self.focused, Input)
        return True

    def action_done(self) -> None:
        if self.ticked:
            self.dismiss(list(self.ticked))
            return
        row = self._current()
        self.dismiss([row.graduate_id] if row is not None else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
