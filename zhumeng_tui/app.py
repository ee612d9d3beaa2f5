"""The Textual app (thin: wires screens, bindings, workers).

Start-up: with no server configured the app starts the embedded demo server
in a thread worker (showing "正在启动演示服务器…") and signs in as demo-univ;
with ``--server URL`` it tries the stored token and otherwise shows the
sign-in screen. Once it has a :class:`~zhumeng_tui.services.Services` it shows
the dashboard and syncs: on start, every ``sync_interval`` seconds and on
``ctrl+r`` (the same key on every screen). When a sync brings changes -- and
always after ``ctrl+r`` -- the screen on top reads its data again, and the
screens under it do when they come back. Every I/O step runs in a worker whose
result comes back as a message; a failing worker becomes a notification,
never a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import sys
import weakref
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import App, ScreenStackError, SystemCommand
from textual.command import CommandPalette
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.worker import Worker, WorkerState

from zhumeng_tui.domain.status import Role
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen, error_text
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.dialogs import MessageDialog
from zhumeng_tui.screens.help import HelpScreen
from zhumeng_tui.screens.session import SessionExpiredDialog, TokenDialog
from zhumeng_tui.screens.signin import LoadingScreen, SignInScreen
from zhumeng_tui.services import Services, SyncStatus
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K, Localized
from zhumeng_tui.widgets.palette import ActionsProvider, ZCommandPalette


@dataclass
class Connected:
    """What a connector returns: the services and warnings to show once; how
    to keep a new token (after signing in again) and forget it (sign-out),
    each returning warnings to show; whether the token is in a keyring, and
    if not, what the user can do about it."""

    services: Services
    warnings: list[str] = field(default_factory=list)
    remember: Callable[[str], Awaitable[list[str]]] | None = None
    forget: Callable[[], Awaitable[None]] | None = None
    in_keyring: bool = True
    how_to_keep: str = ""


#: (server URL, username, password or None for a stored token) -> Connected.
Connector = Callable[[str, str, str | None], Awaitable[Connected | Services]]
#: Starts the embedded demo server (blocking; run in a thread) -> (url, stop).
DemoStarter = Callable[[], tuple[str, Callable[[], None]]]

#: Top-level sections: name -> (module, screen class). Screens are imported
#: when first opened (keeps start-up fast).
SECTIONS: dict[str, tuple[str, str]] = {
    "dashboard": ("zhumeng_tui.screens.dashboard", "DashboardScreen"),
    "review": ("zhumeng_tui.screens.review", "ReviewQueueScreen"),
    "interns": ("zhumeng_tui.screens.interns", "InternsScreen"),
    "withdrawals": ("zhumeng_tui.screens.withdrawals", "WithdrawalsScreen"),
    "integrity": ("zhumeng_tui.screens.integrity", "IntegrityScreen"),
    "excellent": ("zhumeng_tui.screens.excellent", "ExcellentScreen"),
    "graduates": ("zhumeng_tui.screens.graduates", "GraduatesScreen"),
    "hardship": ("zhumeng_tui.screens.hardship", "HardshipScreen"),
    "statistics": ("zhumeng_tui.screens.statistics", "StatisticsScreen"),
    "import": ("zhumeng_tui.screens.import_screen", "ImportScreen"),
    "posts": ("zhumeng_tui.screens.posts", "PostsScreen"),
    "ledger": ("zhumeng_tui.screens.ledger", "LedgerScreen"),
}
#: The sections a city account (市州) has: it sees no internship records.
CITY_SECTIONS = frozenset({"dashboard", "graduates", "hardship", "posts", "ledger"})

DEMO_ACCOUNTS = ("demo-univ", "demo-dept", "demo-viewer", "demo-city")
#: How often the app looks whether its terminal is still there, and its exit
#: status when it is not (as a process ended by the hang-up signal: 128 + 1).
TERMINAL_CHECK_S = 2.0
TERMINAL_GONE = 129
#: The error code that means the server ended the session (expired or revoked).
SESSION_ENDED = "unauthorized"
DEMO_PASSWORD = "zhumeng-demo"


@dataclass
class LaunchOptions:
    #: None: start the embedded demo server.
    server_url: str | None = None
    username: str | None = None
    password: str | None = None
    demo_account: str = "demo-univ"
    keymap: dict[str, str] = field(default_factory=dict)
    sync_interval: float = 30.0
    #: Sync on start (tests turn it off to control timing).
    sync_on_start: bool = True
    data_dir: Path | None = None
    theme: str | None = None
    #: Always show the sign-in screen (a browser session): ``username`` and
    #: ``password`` only fill its fields (the demo account in demo mode).
    sign_in_shown: bool = False
    #: The server is reached over http:// through a network (allowed by the user): the header says so.
    insecure_connection: bool = False


class ServicesReady(Message):
    def __init__(self, connected: Connected | Services) -> None:
        super().__init__()
        if not isinstance(connected, Connected):  # a connector may return bare Services
            connected = Connected(connected)
        self.connected = connected
        self.services = connected.services
        self.warnings = connected.warnings


class SessionResumed(Message):
    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = warnings


class SessionRefused(Message):
    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class ConnectFailed(Message):
    def __init__(self, error: BaseException, need_sign_in: bool) -> None:
        super().__init__()
        self.error = error
        self.need_sign_in = need_sign_in


class SyncProgress(Message):
    def __init__(self, status: SyncStatus) -> None:
        super().__init__()
        self.status = status


class SyncFinished(Message):
    def __init__(self, status: SyncStatus, applied: int) -> None:
        super().__init__()
        self.status = status
        self.applied = applied


class ZhumengApp(Localized, App[None]):
    CSS_PATH = "theme/app.tcss"
    TITLE = "逐梦"
    COMMANDS: ClassVar = {ActionsProvider}

    BINDINGS: ClassVar = [
        K("ctrl+p", "command_palette", "命令面板", "Command palette", id="app.palette", footer_en="Palette", show=False, priority=True),
        K("q", "quit_app", "退出", "Quit", id="app.quit", show=False),
        K("ctrl+r", "sync", "立即同步", "Sync now", id="app.sync", show=False),
        K("1", "goto('dashboard')", "待办首页", "Dashboard", id="app.go_dashboard", show=False),
        K("2", "goto('review')", "审核队列", "Review queue", id="app.go_review", show=False),
        K("3", "goto('interns')", "实习跟踪", "Interns", id="app.go_interns", show=False),
        K("4", "goto('withdrawals')", "放弃岗位申请", "Withdrawals", id="app.go_withdrawals", show=False),
        K("5", "goto('integrity')", "诚信档案", "Integrity record", id="app.go_integrity", show=False),
        K("6", "goto('excellent')", "优秀实习生", "Excellent interns", id="app.go_excellent", show=False),
        K("7", "goto('graduates')", "毕业生服务", "Graduate services", id="app.go_graduates", show=False),
        K("8", "goto('hardship')", "困难帮扶台账", "Hardship ledger", id="app.go_hardship", show=False),
        K("9", "goto('statistics')", "统计图表", "Statistics", id="app.go_statistics", show=False),
        K("i", "goto('import')", "导入表格", "Import a spreadsheet", id="app.go_import", show=False),
        K("J", "goto('posts')", "岗位信息", "Job posts", id="app.go_posts", show=False),
        K("L", "goto('ledger')", "汇总台账", "Summary ledger", id="app.go_ledger", show=False),
        K("f10", "sign_out", "退出登录", "Sign out", id="app.sign_out", show=False),
        K("f9", "show_token", "显示登录令牌", "Show the sign-in token", id="app.show_token", show=False),
    ]

    def __init__(
        self,
        options: LaunchOptions,
        connector: Connector,
        demo_starter: DemoStarter | None = None,
    ) -> None:
        super().__init__()
        self.options = options
        self.connector = connector
        self.demo_starter = demo_starter
        self.services: Services | None = None
        self.last_sync_status: SyncStatus | None = None
        self._selections: dict[str, set[int]] = {}
        self._stop_demo: Callable[[], None] | None = None
        self._sync_timer: Timer | None = None
        #: ``ctrl+r`` asked for a sync: reload the screen shown when it is done.
        self._reload_after_sync = False
        self._executor: ThreadPoolExecutor | None = None
        self.server_url: str | None = options.server_url
        self.connected: Connected | None = None
        #: key -> the widget Textual sent it to (see :meth:`on_event`)
        self._key_sent_to: weakref.WeakKeyDictionary[events.Key, Widget | None] = weakref.WeakKeyDictionary()

    # ------------------------------------------------------------ state ----

    def selection(self, name: str) -> set[int]:
        """The selection set (application ids) of a list, kept across screens."""
        return self._selections.setdefault(name, set())

    async def on_event(self, event: events.Event) -> None:
        """A key is handled where the focus is when its turn comes.

        Textual sends each key to the widget focused when the key arrives, and
        the binding it may trigger runs only when it comes back up from there.
        Keys typed quickly after one that moves the focus (``/`` and a name)
        were all sent to the old widget, came back unhandled after the focus
        moved, and were lost. Such a key is handled again, as if it had just
        arrived. (A key the old widget takes itself, such as a letter typed
        into a box, stays where it went: the sign-in screen's keys that leave
        a box are priority bindings for that reason.)
        """
        if isinstance(event, events.Key):
            try:
                focused = self.focused
            except ScreenStackError:  # closing: the screens are gone, and a key still queued goes nowhere
                return
            if not event.is_forwarded:
                self._key_sent_to[event] = focused
            elif event in self._key_sent_to and self._key_sent_to.pop(event) is not focused:
                await self.on_event(events.Key(event.key, event.character))  # (and followed again)
                return
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A steady text cursor: nothing is redrawn twice a second over SSH, and
        # the screen looks the same whenever it is looked at.
        if isinstance(event.widget, Input | TextArea):
            event.widget.cursor_blink = False

    # ---------------------------------------------------------- startup ----

    def on_mount(self) -> None:
        # Our own pool for thread workers and asyncio.to_thread, so that on the
        # way out we can wait for in-flight cache work before closing the cache.
        self._executor = ThreadPoolExecutor(thread_name_prefix="zhumeng")
        asyncio.get_running_loop().set_default_executor(self._executor)
        self._watch_terminal()
        if self.options.theme and self.options.theme in self.available_themes:
            self.theme = self.options.theme
        if self.options.keymap:
            self.set_keymap(self.options.keymap)
        if self.options.sign_in_shown and self.options.server_url is not None:
            self.push_screen(SignInScreen(self.options.server_url, self.options.username or "",
                                          password=self.options.password or ""))
        elif self.options.server_url is None:
            self.push_screen(LoadingScreen(tr("正在启动演示服务器…", "Starting the demo server…")))
            self.boot_demo()
        elif self.options.username and self.options.password:
            self.push_screen(LoadingScreen(tr("正在连接…", "Connecting…")))
            self.sign_in(self.options.username, self.options.password)
        elif self.options.username:
            self.push_screen(LoadingScreen(tr("正在连接…", "Connecting…")))
            self.sign_in(self.options.username, None)
        else:
            self.push_screen(SignInScreen(self.options.server_url))

    @work(exclusive=True, exit_on_error=False, group="connect")
    async def boot_demo(self) -> None:
        assert self.demo_starter is not None, "no server URL and no demo server available"
        try:
            url, stop = await asyncio.to_thread(self.demo_starter)
        except Exception as e:
            self.post_message(ConnectFailed(e, need_sign_in=False))
            return
        self._stop_demo = stop
        self.server_url = url
        user = self.options.demo_account
        try:
            connected = await self.connector(url, user, DEMO_PASSWORD)
        except Exception as e:
            self.post_message(ConnectFailed(e, need_sign_in=False))
            return
        self.post_message(ServicesReady(connected))

    @work(exclusive=True, exit_on_error=False, group="connect")
    async def sign_in(self, username: str, password: str | None) -> None:
        assert self.server_url is not None
        try:
            connected = await self.connector(self.server_url, username, password)
        except Exception as e:
            self.post_message(ConnectFailed(e, need_sign_in=True))
            return
        self.post_message(ServicesReady(connected))

    @on(SignInScreen.Submitted)
    def _submitted(self, event: SignInScreen.Submitted) -> None:
        self.sign_in(event.username, event.password)

    @on(ConnectFailed)
    def _connect_failed(self, event: ConnectFailed) -> None:
        screen = self.screen
        if isinstance(screen, SignInScreen):
            screen.show_error(event.error)
            return
        if event.need_sign_in and self.server_url:
            message = ""
            if getattr(event.error, "code", "") not in ("unauthorized", "no_credentials"):
                message = error_text(event.error)
            self._replace_start_screens(SignInScreen(self.server_url, self.options.username or "", message))
            return
        message = error_text(event.error)
        self.push_screen(
            MessageDialog(tr("无法启动", "Could not start"), message),
            lambda _result: self.exit(return_code=1, message=message),
        )

    def _replace_start_screens(self, screen: Screen[Any]) -> None:
        """Show ``screen`` in place of everything shown during start-up.

        ``switch_screen`` would only replace the top screen: with the command
        palette or help opened while the demo server starts, the loading
        screen would stay underneath and ``escape`` would go back to it."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    @on(ServicesReady)
    def _services_ready(self, event: ServicesReady) -> None:
        self.services = event.services
        self.connected = event.connected
        self.last_sync_status = self._safe_sync_status()
        self._replace_start_screens(DashboardScreen())
        for warning in event.warnings:
            self.notify(warning, severity="warning", timeout=20)
        if self.options.sync_on_start:
            self.start_sync()
        if self.options.sync_interval > 0:
            self._sync_timer = self.set_interval(self.options.sync_interval, self.start_sync)

    # -------------------------------------------------------------- sync ----

    def _safe_sync_status(self) -> SyncStatus | None:
        if self.services is None:
            return None
        try:
            return self.services.sync_status()
        except Exception:
            return None

    def action_sync(self) -> None:
        """``ctrl+r``: sync now; the screen shown reads its data again when it is done.
        With the session ended, it asks for the password again first."""
        if self.services is not None:
            status = self._safe_sync_status()
            if status is not None and status.signed_out:
                self._session_ended()
                return
            self._reload_after_sync = True
            self.start_sync()

    # ---------------------------------------------------------- session ----

    def _session_ended(self) -> None:
        """The server ended the session: the header and dashboard say so and
        the password is asked for over the current screen."""
        status = self._safe_sync_status()
        if status is not None:
            self.last_sync_status = status
            self._show_sync(status)
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_session_ended()
        if self.services is None or any(isinstance(s, SessionExpiredDialog) for s in self.screen_stack):
            return
        self.push_screen(SessionExpiredDialog(self.services.me.username, status.pending if status else 0))

    @on(SessionExpiredDialog.Submitted)
    def _resume_submitted(self, event: SessionExpiredDialog.Submitted) -> None:
        self.resume_session(event.password)

    @work(exclusive=True, exit_on_error=False, group="session")
    async def resume_session(self, password: str) -> None:
        services = self.services
        assert services is not None
        try:
            token = await services.sign_in_again(password)
        except Exception as e:
            self.post_message(SessionRefused(e))
            return
        remember = self.connected.remember if self.connected else None
        warnings = await remember(token) if remember is not None else []
        self.post_message(SessionResumed(warnings))

    @on(SessionRefused)
    def _session_refused(self, event: SessionRefused) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, SessionExpiredDialog):
                screen.show_error(error_text(event.error))

    @on(SessionResumed)
    def _session_resumed(self, event: SessionResumed) -> None:
        if isinstance(self.screen, SessionExpiredDialog):
            self.screen.dismiss(None)
        status = self._safe_sync_status()
        pending = status.pending if status is not None else 0
        self.notify(tr(f"已重新登录，正在发送 {pending} 条待发送的修改", f"Signed in again; sending {pending} queued change(s)")
                    if pending else tr("已重新登录", "Signed in again"), timeout=6)
        for warning in event.warnings:
            self.notify(warning, severity="warning", timeout=20)
        for screen in self.screen_stack:
            if isinstance(screen, DashboardScreen):
                screen.show_session_ended(False)
        self._reload_after_sync = True
        self.start_sync()

    def action_sign_out(self) -> None:
        """Revoke the session on the server, forget the stored token, quit."""
        if self.services is not None:
            self.sign_out()

    @work(exclusive=True, exit_on_error=False, group="session")
    async def sign_out(self) -> None:
        """The token is forgotten here also when the server cannot be reached
        (the message then says it stays valid there until it expires)."""
        services = self.services
        assert services is not None
        name = services.me.username
        lines = [tr(f"已退出登录：{name}", f"Signed out: {name}")]
        try:
            await services.sign_out()
        except Exception as e:
            lines.append(tr(f"服务器未能注销令牌（{error_text(e)}），令牌在过期前仍有效",
                            f"The server did not revoke the token ({error_text(e)}); it stays valid until it expires"))
        if self.connected is not None and self.connected.forget is not None:
            await self.connected.forget()
        status = self._safe_sync_status()
        if status is not None and status.pending:
            lines.append(tr(f"{status.pending} 条修改尚未发送，下次登录后发送",
                            f"{status.pending} change(s) not sent yet; they are sent at the next sign-in"))
        self.exit(message="\n".join(lines))

    def action_show_token(self) -> None:
        """Show the session's token (to put in ZHUMENG_TOKEN) where no keyring keeps it."""
        if self.services is not None and self.services.token:
            how = self.connected.how_to_keep if self.connected else ""
            self.clear_notifications()  # a toast must not cover the token
            self.push_screen(TokenDialog(self.services.token, how))

    def start_sync(self) -> None:
        """Push the outbox and pull what changed, in a worker (on start and every
        ``sync_interval``); not while the session is ended (``ctrl+r`` asks for
        the password)."""
        status = self._safe_sync_status()
        if self.services is not None and not (status is not None and status.signed_out):
            self.run_sync()

    @work(exclusive=True, exit_on_error=False, group="sync")
    async def run_sync(self) -> None:
        services = self.services
        assert services is not None
        before = self._safe_sync_status()
        first = bool(before and before.first_sync)

        def progress(done: int, total: int | None) -> None:
            self.post_message(
                SyncProgress(
                    SyncStatus(
                        online=True,
                        syncing=True,
                        done=done,
                        total=total,
                        pending=before.pending if before else 0,
                        conflicts=before.conflicts if before else 0,
                        first_sync=first,
                    )
                )
            )

        progress(0, None)
        status = await services.sync(progress)
        self.post_message(SyncFinished(status, status.done))

    @on(SyncProgress)
    def _sync_progress(self, event: SyncProgress) -> None:
        self._show_sync(event.status)

    @on(SyncFinished)
    def _sync_finished(self, event: SyncFinished) -> None:
        self.last_sync_status = event.status
        self._show_sync(event.status)
        if event.applied or self._reload_after_sync:
            self._reload_after_sync = False
            self._reload_screens()

    def local_changed(self, origin: Screen[Any]) -> None:
        """A change was made, sent or dismissed on ``origin``: the header counts
        it now, and the other screens read their data again when back on top."""
        self.refresh_sync_status()
        for screen in self.screen_stack:
            if screen is not origin and isinstance(screen, ZScreen):
                screen.mark_stale()

    def refresh_sync_status(self) -> None:
        status = self._safe_sync_status()
        if status is not None:
            self.last_sync_status = status
            self._show_sync(status)

    def _show_sync(self, status: SyncStatus) -> None:
        self.last_sync_status = status if not status.syncing else self.last_sync_status
        for screen in self.screen_stack:
            for header in screen.query(StatusHeader):
                if header.is_mounted:  # one still being put together shows the last status when it is
                    header.show_sync(status)

    def _reload_screens(self) -> None:
        """The data changed: the screen on top reloads now; the ones under it
        (also under a dialog or the command palette, where Textual would not
        redraw them) when they are back on top."""
        for screen in self.screen_stack:
            if isinstance(screen, ZScreen):
                if screen is self.screen:
                    screen.reload()
                else:
                    screen.mark_stale()

    # ----------------------------------------------------------- errors ----

    def report_worker_error(self, worker: Worker[Any]) -> None:
        error = worker.error
        if getattr(error, "code", None) == SESSION_ENDED:
            self._session_ended()
            return
        if worker.group == "sync":
            status = self._safe_sync_status()
            if status is not None:
                status.online = False
                self._show_sync(status)
            self.notify(
                tr("同步失败：", "Sync failed: ") + error_text(error), severity="warning", timeout=6
            )
            return
        self.notify(error_text(error), title=tr("操作失败", "Failed"), severity="error", timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_worker_error(event.worker)

    # ---------------------------------------------------------- actions ----

    async def action_quit_app(self) -> None:
        await self.action_quit()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        """``ctrl+p``: the command palette, in the user's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(ZCommandPalette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's own commands, in the user's language (keys are in ActionsProvider)."""
        yield SystemCommand(tr("切换主题", "Change theme"), tr("更换配色主题", "Pick a colour theme"), self.action_change_theme)
        yield SystemCommand(
            tr("保存截图", "Save screenshot"), tr("把当前屏幕保存为 SVG 文件", "Save the screen as an SVG file"),
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )

    def action_goto(self, section: str) -> None:
        """Top-level sections (keys 1-8, 9 statistics, i import, J job posts, L the summary ledger): back to
        the dashboard, then open the section."""
        if self.services is None or section not in SECTIONS:
            return
        while len(self.screen_stack) > 2 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()
        if section == "dashboard":
            return
        module, name = SECTIONS[section]
        try:
            factory = getattr(importlib.import_module(module), name)
        except Exception as err:  # a section that fails to load must not crash the app
            self.notify(f"{module}.{name}: {err}", title=tr("无法打开", "Cannot open"), severity="error")
            return
        # a section opens afresh: no filter, and no selection left over out of sight
        queue = getattr(factory, "QUEUE_NAME", None)
        if queue is not None:
            self._selections.pop(queue, None)
        self.push_screen(factory())

    def _in_dialog(self) -> bool:
        """A dialog or form is open (not the palette or the help screen)."""
        screen = self.screen
        return isinstance(screen, ModalScreen) and not isinstance(screen, (CommandPalette, HelpScreen))

    def _watch_terminal(self) -> None:
        """Leave when the terminal the app runs on hangs up (an SSH connection
        dropped, a window closed) and nobody tells the app: started through
        ``make run`` or a script, the hang-up signal goes to them, not to the
        app, which would otherwise run on for nobody, its input loop spinning
        on a closed terminal. Queued changes are safe in the outbox."""
        if self.is_headless or self.is_web or sys.__stdin__ is None:
            return
        try:
            fd = sys.__stdin__.fileno()
        except (ValueError, OSError):
            return
        if not os.isatty(fd):
            return

        def check() -> None:
            if not os.isatty(fd):
                self.exit(return_code=TERMINAL_GONE)

        self.set_interval(TERMINAL_CHECK_S, check)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "goto" and self.services is not None and self.services.me.role == Role.CITY:
            return parameters[0] in CITY_SECTIONS and not self._in_dialog()
        if action == "goto" and parameters == ("import",):
            # a read-only account imports nothing: no key, no palette entry; nor
            # does a browser session (it cannot hand the host a file to read)
            return (self.services is not None and not self._in_dialog() and self.services.me.role != Role.VIEWER
                    and not self.is_web)
        if action in ("sync", "goto"):
            return self.services is not None and not self._in_dialog()
        if action == "sign_out":
            return self.services is not None and self.options.server_url is not None and not self._in_dialog()
        if action == "show_token":
            return (self.services is not None and self.connected is not None and not self.connected.in_keyring
                    and not self._in_dialog())
        if action == "quit_app":
            # q in a dialog is not "quit" (ctrl+q still is)
            return not self._in_dialog()
        return True

    async def on_unmount(self) -> None:
        if self._sync_timer is not None:
            self._sync_timer.stop()
        # Workers were cancelled, but a thread may still be inside a cache
        # transaction (e.g. applying a sync page): let it finish first.
        loop = asyncio.get_running_loop()
        fresh = ThreadPoolExecutor()
        loop.set_default_executor(fresh)
        if self._executor is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    loop.run_in_executor(fresh, partial(self._executor.shutdown, wait=True)), timeout=15
                )
        if self.services is not None:
            with contextlib.suppress(Exception):
                await self.services.close()
        if self._stop_demo is not None:
            await asyncio.to_thread(self._stop_demo)
