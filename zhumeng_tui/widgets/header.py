"""The header bar: app name + screen, who is signed in (role, scope), sync state.

Sync state reads 已同步 / 同步中 n/N (with a progress bar on the first sync) /
尚未同步 (no first sync completed yet) / 离线·N条待发送 / N条冲突·M条被拒绝 — text first, colour second, so it stays readable
with NO_COLOR=1.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from zhumeng_tui.api_client.schemas import Me
from zhumeng_tui.domain.status import Role
from zhumeng_tui.i18n import tr
from zhumeng_tui.services import SyncStatus

ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.UNIVERSITY: ("高校", "University"),
    Role.DEPARTMENT: ("院系", "Department"),
    Role.VIEWER: ("只读", "Viewer"),
    Role.PROVINCE: ("省级", "Province"),
    Role.CITY: ("市州", "City"),
    Role.EMPLOYER: ("用人单位", "Employer"),
    Role.SYSTEM: ("系统", "System"),
}


def who_text(me: Me) -> str:
    role = tr(*ROLE_LABELS.get(me.role, (me.role.value, me.role.value)))
    scope = me.department_name or me.university_name or ""
    name = me.display_name or me.username
    if scope and scope in name:  # "计算机学院团委" already says which department
        return f"{name}·{role}"
    return f"{name}·{role}" + (f"·{scope}" if scope else "")


def sync_text(status: SyncStatus) -> tuple[str, str]:
    """(text, css class) for a sync status."""
    if status.syncing:
        if status.total:
            return tr(f"同步中 {status.done:,}/{status.total:,}", f"Syncing {status.done:,}/{status.total:,}"), "busy"
        if status.done:
            return tr(f"同步中·已收 {status.done:,} 条", f"Syncing·{status.done:,} received"), "busy"
        return tr("同步中…", "Syncing…"), "busy"
    if status.signed_out:
        return tr("登录已失效", "Session expired") + (
            tr(f"·{status.pending}条待发送", f"·{status.pending} pending") if status.pending else ""), "offline"
    problems = status.conflicts + status.rejected
    parts_zh = [f"{n}条{zh}" for n, zh in ((status.conflicts, "冲突"), (status.rejected, "被拒绝")) if n]
    parts_en = [f"{n} {en}" for n, en in ((status.conflicts, "conflicts"), (status.rejected, "refused")) if n]
    if not status.online:
        if status.pending:
            return tr(f"离线·{status.pending}条待发送", f"Offline·{status.pending} pending"), "offline"
        return tr("离线", "Offline"), "offline"
    if problems:
        return tr("·".join(parts_zh), " · ".join(parts_en)), "conflict"
    if status.pending:
        return tr(f"{status.pending}条待发送", f"{status.pending} pending"), "busy"
    if status.first_sync:  # before the first pull starts, or after one that stopped half-way
        return tr("尚未同步", "Not synced yet"), "busy"
    return tr("已同步", "Synced"), "ok"


class StatusHeader(Horizontal):
    """One line: 逐梦 · screen | who | sync (+ progress bar on first sync)."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; width: 100%; dock: top; }
    StatusHeader > #h-title { width: auto; padding: 0 1; text-style: bold; }
    StatusHeader > #h-who { width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusHeader > #h-sync { width: auto; padding: 0 1; }
    StatusHeader > #h-insecure { width: auto; padding: 0 1; color: $error; text-style: bold; display: none; }
    StatusHeader > #h-insecure.-show { display: block; }
    StatusHeader > ProgressBar { width: 20; display: none; }
    StatusHeader > ProgressBar.-show { display: block; }
    StatusHeader > ProgressBar Bar { width: 12; }
    """

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(tr("逐梦", "Zhumeng") + (f" · {self._title}" if self._title else ""), id="h-title")
        yield Static("", id="h-who")
        yield Static(tr("⚠未加密", "⚠Unencrypted"), id="h-insecure")
        yield ProgressBar(total=None, show_eta=False, show_percentage=True, id="h-progress")
        yield Static("", id="h-sync")

    def on_mount(self) -> None:
        app = self.app
        services = getattr(app, "services", None)
        if services is not None:
            self.show_me(services.me)
        status = getattr(app, "last_sync_status", None)
        if status is not None:
            self.show_sync(status)
        options = getattr(app, "options", None)
        self.query_one("#h-insecure", Static).set_class(bool(getattr(options, "insecure_connection", False)), "-show")

    def show_me(self, me: Me) -> None:
        self.query_one("#h-who", Static).update(who_text(me))

    def show_sync(self, status: SyncStatus) -> None:
        text, cls = sync_text(status)
        sync = self.query_one("#h-sync", Static)
        sync.update(text)
        sync.set_classes(cls)
        bar = self.query_one(ProgressBar)
        # a bar only when the total is known (an unknown one would read "--%")
        show = status.syncing and status.first_sync and bool(status.total)
        bar.set_class(show, "-show")
        if show:
            bar.update(total=status.total, progress=status.done)
