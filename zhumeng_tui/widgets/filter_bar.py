"""The filter bar above a list of applications: a search box (姓名 / 学号 /
pinyin initials, debounced) and compact selects for department, status and
failing check. It posts :class:`FilterBar.Changed` with the pieces; the screen
folds them into an :class:`~zhumeng_tui.services.AppFilter`."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select

from zhumeng_tui.domain.eligibility import CHECK_LABELS, CheckId
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.i18n import tr, tr_pair
from zhumeng_tui.widgets.app_table import ApplicationTable
from zhumeng_tui.widgets.choice import Choice
from zhumeng_tui.widgets.keys import focus_now


def search_placeholder() -> str:
    """The hint in every search box (the rule: ``domain.search``)."""
    return tr("/ 搜索 姓名·学号·拼音首字母", "/ search name, no., initials")


class FilterBar(Horizontal):
    """Search box + department/status/check selects; posts ``Changed`` (debounced)."""

    DEFAULT_CSS = """
    FilterBar { height: 1; width: 100%; }
    FilterBar > Input { width: 1fr; min-width: 12; }
    FilterBar > Select { width: 18; }
    FilterBar > Select#f-status { width: 16; }
    FilterBar > Select#f-check { width: 16; }
    """

    DEBOUNCE: ClassVar[float] = 0.15

    class Changed(Message):
        def __init__(
            self,
            text: str,
            department_id: int | None,
            status: Status | None,
            check: CheckId | None,
        ) -> None:
            super().__init__()
            self.text = text
            self.department_id = department_id
            self.status = status
            self.check = check

    def __init__(
        self,
        statuses: Sequence[Status],
        *,
        departments: bool = True,
        status: Status | None = None,
        check: CheckId | None = None,
        department_id: int | None = None,
        text: str = "",
    ) -> None:
        super().__init__()
        self._statuses = list(statuses)
        self._show_departments = departments
        self._init = (text, department_id, status, check)
        #: The pending debounce (``loop.call_later``: its deadline counts from the
        #: keystroke, where a Textual timer counts from when its task first runs).
        self._timer: asyncio.TimerHandle | None = None

    def compose(self) -> ComposeResult:
        text, _department_id, status, check = self._init
        yield Input(
            value=text,
            placeholder=search_placeholder(),
            id="f-search",
            compact=True,
        )
        if self._show_departments:
            # options arrive later (set_departments); the preset is applied then
            yield Choice([], prompt=tr("全部院系", "All departments"), id="f-dept", compact=True)
        yield Choice(
            [(tr_pair(STATUS_LABELS[s]), s.value) for s in self._statuses],
            prompt=tr("全部状态", "All statuses"),
            id="f-status",
            compact=True,
            value=status.value if status is not None else Select.NULL,
        )
        yield Choice(
            [(tr("缺：", "Fails: ") + tr_pair(CHECK_LABELS[c]), c.value) for c in CheckId],
            prompt=tr("全部审核", "All checks"),
            id="f-check",
            compact=True,
            value=check.value if check is not None else Select.NULL,
        )

    def set_departments(self, departments: Sequence[tuple[int, str]]) -> None:
        if not self._show_departments:
            return
        sel = self.query_one("#f-dept", Select)
        value = sel.value
        if value is Select.NULL and self._init[1] is not None:
            value = str(self._init[1])  # the preset department, first time round
        sel.set_options([(name, str(i)) for i, name in departments])
        if value is not Select.NULL and any(str(i) == value for i, _ in departments):
            sel.value = value

    def focus_search(self) -> None:
        focus_now(self.query_one("#f-search", Input))

    @property
    def search(self) -> Input:
        return self.query_one("#f-search", Input)

    def current(self) -> Changed:
        def val(sel_id: str) -> str | None:
            found = self.query(f"#{sel_id}")
            if not found:
                return None
            v = found.first(Select).value
            return None if v is Select.NULL or v is None else str(v)

        dept = val("f-dept")
        status = val("f-status")
        check = val("f-check")
        return self.Changed(
            self.query_one("#f-search", Input).value.strip(),
            int(dept) if dept else None,
            Status(status) if status else None,
            CheckId(check) if check else None,
        )

    def _emit(self) -> None:
        self._timer = None
        if self.is_attached:
            self.post_message(self.current())

    def on_unmount(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    @on(Input.Changed, "#f-search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(self.DEBOUNCE, self._emit)

    @on(Input.Submitted, "#f-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.cancel()
        self._emit()
        table = self.screen.query(ApplicationTable)
        if table:
            focus_now(table.first())

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        event.stop()
        self._emit()
