"""One service session: what it is, who attended, and who of those who asked
for the need it serves has not been served yet.

Attendance is added from the "not served" list (``space`` ticks, ``r``
records the ticked or the row under the cursor), by search (``/``: 姓名,
学号 or pinyin initials), or from the selection of the graduates list
(``g``). Only when this account may record attendance here (its role; a
city account: a session its city runs) and the session has taken place.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.data_screen import DataScreen
from zhumeng_tui.screens.graduate_dialogs import GraduateSearchDialog
from zhumeng_tui.services import AttendeeRow, SessionDetail
from zhumeng_tui.widgets.graduates_common import need_text, session_kind_text
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K
from zhumeng_tui.widgets.tracking_common import local_text


class SessionDetailScreen(DataScreen[SessionDetail]):
    TITLE_TEXT = ("服务活动", "Service session")
    HELP_TEXT = (
        "活动的签到名单，以及提出该项需求但尚未服务的毕业生。在“尚未服务”中空格勾选、r 登记签到；"
        "/ 按姓名或学号查找登记；g 登记毕业生列表中选中的毕业生。",
        "Who attended, and who asked for the need it serves and is not served yet. In 'not served'"
        " space ticks and r records attendance; / finds graduates by name or number; g records the"
        " graduates selected in the graduates list.",
    )
    DEFAULT_CSS = """
    SessionDetailScreen #sd-body { height: 1fr; padding: 0 1; }
    SessionDetailScreen #sd-head { text-style: bold; }
    SessionDetailScreen .caption { text-style: bold; }
    SessionDetailScreen DataTable { height: 1fr; }
    SessionDetailScreen #sd-note { color: $warning; }
    """
    BINDINGS: ClassVar = [
        K("space", "tick", "勾选", "Tick", id="session.tick", key_display="space"),
        K("r", "record", "登记签到", "Record", id="session.record"),
        K("slash", "find", "查找登记", "Find & record", id="session.find", key_display="/"),
        K("g", "from_selection", "登记列表所选", "Record selection", id="session.selection"),
    ]
    RELOAD_ON_RESUME = True

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.detail: SessionDetail | None = None
        self.ticked: set[int] = set()

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with Vertical(id="sd-body"):
            yield Static(tr("加载中…", "Loading…"), id="sd-head")
            yield Static("", id="sd-info")
            yield Static("", id="sd-note")
            yield Static("", id="sd-unserved-caption", classes="caption")
            unserved: DataTable[str | Text] = DataTable(id="sd-unserved", cursor_type="row")
            yield unserved
            yield Static("", id="sd-attendees-caption", classes="caption")
            attendees: DataTable[str | Text] = DataTable(id="sd-attendees", cursor_type="row")
            yield attendees
        yield Footer()

    def on_mount(self) -> None:
        for table_id, first in (("#sd-unserved", "✓"), ("#sd-attendees", "")):
            table = self.query_one(table_id, DataTable)
            for label in (first, tr("学号", "No."), tr("姓名", "Name"), tr("院系", "Department"), tr("本地", "Local")):
                table.add_column(label)
        self.query_one("#sd-unserved", DataTable).focus()

    def fetch(self) -> SessionDetail:
        return self.services.session_detail(self.session_id)

    def show(self, value: SessionDetail) -> None:
        d = self.detail = value
        s = d.session
        self.ticked &= {a.graduate_id for a in d.unserved}
        self.query_one("#sd-head", Static).update(Text(f"{s.title}  ·  {s.date}  ·  {session_kind_text(s.kind)}"))
        self.query_one("#sd-info", Static).update(Text(tr(
            f"服务需求：{need_text(s.serves)} · 主办：{d.organiser}\n主讲/提供方：{s.provider} · 地点：{s.place}",
            f"Serves: {need_text(s.serves)} · run by {d.organiser}\nProvider: {s.provider} · Place: {s.place}",
        )))
        note = ""
        if s.date > self.services.today():
            note = tr("活动尚未举行，举行后再登记签到", "The session has not taken place yet; record attendance after it")
        elif not d.may_record:
            note = tr("本账号不能为该活动登记签到", "This account cannot record attendance at this session")
        self.query_one("#sd-note", Static).update(note)
        self.query_one("#sd-unserved-caption", Static).update(tr(
            f"提出“{need_text(s.serves)}”需求、尚未服务：{len(d.unserved)} 人",
            f"Asked for '{need_text(s.serves)}', not served yet: {len(d.unserved)}"))
        self.query_one("#sd-attendees-caption", Static).update(
            tr(f"已签到：{len(d.attendees)} 人", f"Attended: {len(d.attendees)}"))
        self._fill("#sd-unserved", d.unserved, True)
        self._fill("#sd-attendees", d.attendees, False)

    def _fill(self, table_id: str, rows: list[AttendeeRow], marks: bool) -> None:
        table = self.query_one(table_id, DataTable)
        cursor = table.cursor_row
        table.clear()
        for r in rows:
            mark = "✓" if marks and r.graduate_id in self.ticked else ""
            table.add_row(mark, r.student_no, r.name, r.department_name, local_text(r.local_state),
                          key=str(r.graduate_id))
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))

    # ----------------------------------------------------------- actions --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("tick", "record", "find", "from_selection"):
            return self.detail is None or self.detail.may_record
        return super().check_action(action, parameters)

    def _current_unserved(self) -> AttendeeRow | None:
        d = self.detail
        table = self.query_one("#sd-unserved", DataTable)
        if d is None or not d.unserved or not 0 <= table.cursor_row < len(d.unserved):
            return None
        return d.unserved[table.cursor_row]

    def action_tick(self) -> None:
        row = self._current_unserved()
        if row is None:
            return
        self.ticked ^= {row.graduate_id}
        table = self.query_one("#sd-unserved", DataTable)
        table.update_cell_at(Coordinate(table.cursor_row, 0), "✓" if row.graduate_id in self.ticked else "")
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def _record(self, ids: list[int]) -> None:
        if ids:
            self.send_change(partial(self.services.record_attendance, self.session_id, ids))

    def action_record(self) -> None:
        if self.ticked:
            ids = sorted(self.ticked)
            self.ticked = set()
            self._record(ids)
            return
        row = self._current_unserved()
        if row is not None:
            self._record([row.graduate_id])

    def action_find(self) -> None:
        def send(ids: list[int] | None) -> None:
            if ids:
                self._record(ids)

        self.app.push_screen(GraduateSearchDialog(self.services, tr("查找毕业生并登记签到",
                                                                    "Find graduates and record attendance")), send)

    def action_from_selection(self) -> None:
        ids = sorted(self.zapp.selection("graduates"))
        if not ids:
            self.notify(tr("毕业生列表（7）中没有选中的毕业生", "No graduates are selected in the graduates list (7)"),
                        severity="warning")
            return
        self._record(ids)
