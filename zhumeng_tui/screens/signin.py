"""Sign-in (``--server URL``) and the start-up loading state."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, LoadingIndicator, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen, error_text
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.keys import K, focus_now


class LoadingScreen(ZScreen):
    """"正在启动演示服务器…" / "正在连接…" while the app gets its services."""

    TITLE_TEXT: ClassVar[tuple[str, str]] = ("启动", "Starting")
    DEFAULT_CSS = """
    LoadingScreen { align: center middle; }
    LoadingScreen #loading-box { width: 50; height: auto; border: round $accent; padding: 1 2; }
    LoadingScreen LoadingIndicator { height: 1; }
    LoadingScreen #loading-text { text-align: center; width: 100%; }
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="loading-box"):
            yield Static(self._text, id="loading-text")
            yield LoadingIndicator()
        yield KeyFooter()

    def set_text(self, text: str) -> None:
        self.query_one("#loading-text", Static).update(text)


class SignInScreen(ZScreen):
    """User name + password. Errors appear under the field they concern."""

    TITLE_TEXT: ClassVar[tuple[str, str]] = ("登录", "Sign in")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "输入用户名和密码，回车登录。",
        "Enter your user name and password; enter signs in.",
    )
    BINDINGS: ClassVar = [
        K("ctrl+s", "submit", "登录", "Sign in", id="signin.submit"),
        # priority: handled as they arrive, so what is typed right after them
        # (credentials pasted or typed quickly over SSH) goes to the field
        # they move to, not into the one they leave
        K("enter", "enter", "下一项 / 登录", "Next field / sign in", id="signin.enter", show=False, priority=True),
        K("tab", "app.focus_next", "下一项", "Next field", id="signin.next", show=False, priority=True),
        K("shift+tab", "app.focus_previous", "上一项", "Previous field", id="signin.previous", show=False,
          priority=True),
    ]
    DEFAULT_CSS = """
    SignInScreen { align: center middle; }
    SignInScreen #signin-box { width: 60; max-width: 100%; height: auto; border: round $accent; padding: 0 2; }
    SignInScreen .title { text-style: bold; margin-bottom: 1; }
    SignInScreen .error { color: $error; text-style: bold; height: auto; }
    SignInScreen Button { margin-top: 1; }
    """

    class Submitted(Message):
        def __init__(self, username: str, password: str) -> None:
            super().__init__()
            self.username = username
            self.password = password

    def __init__(self, server_url: str, username: str = "", message: str = "", *, password: str = "") -> None:
        """``username`` / ``password``: what the fields are filled with (the
        demo account in a browser session of the demo)."""
        super().__init__()
        self.server_url = server_url
        self.username = username
        self.message = message
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(id="signin-box"):
            yield Static(tr("登录 ", "Sign in to ") + self.server_url, classes="title", markup=False)
            yield Label(tr("用户名", "User name"))
            yield Input(value=self.username, placeholder=tr("用户名", "User name"), id="username")
            yield Static("", id="username-error", classes="error")
            yield Label(tr("密码", "Password"))
            yield Input(self.password, placeholder=tr("密码", "Password"), password=True, id="password")
            yield Static(self.message, id="password-error", classes="error")
            with Center():
                yield Button(tr("登录", "Sign in"), id="signin", variant="primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        (self.query_one("#password") if self.username else self.query_one("#username")).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return False
        return super().check_action(action, parameters)

    def action_enter(self) -> None:
        """In the user name: on to the password; anywhere else: sign in, once
        the keys typed into the field before this one are in it (a priority
        key is handled as it arrives, ahead of them)."""
        focused = self.focused
        if focused is self.query_one("#username", Input):
            focus_now(self.query_one("#password", Input))
        elif focused is not None:
            focused.call_later(self.action_submit)
        else:
            self.action_submit()

    @on(Button.Pressed, "#signin")
    def action_submit(self) -> None:
        if self.query_one("#signin", Button).disabled:
            return  # signing in already
        user = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        self.query_one("#username-error", Static).update("")
        self.query_one("#password-error", Static).update("")
        if not user:
            self.query_one("#username-error", Static).update(tr("请输入用户名", "Enter your user name"))
            focus_now(self.query_one("#username", Input))
            return
        if not password:
            self.query_one("#password-error", Static).update(tr("请输入密码", "Enter your password"))
            focus_now(self.query_one("#password", Input))
            return
        self.set_busy(True)
        self.post_message(self.Submitted(user, password))

    def set_busy(self, busy: bool) -> None:
        self.query_one("#signin", Button).disabled = busy
        self.query_one("#signin", Button).label = tr("登录中…", "Signing in…") if busy else tr("登录", "Sign in")

    def show_error(self, error: BaseException) -> None:
        """Bad password -> under the password field; offline -> the same place, says so."""
        self.set_busy(False)
        code = getattr(error, "code", "")
        if code in ("unauthorized", "bad_credentials", "invalid_credentials"):
            text = tr("用户名或密码错误，请重试", "Wrong user name or password; try again")
            pw = self.query_one("#password", Input)
            pw.value = ""
            focus_now(pw)
        elif code == "offline":
            text = tr(
                f"无法连接服务器 {self.server_url}（离线或地址有误）：{error_text(error)}",
                f"Cannot reach {self.server_url} (offline or wrong address): {error_text(error)}",
            )
        else:
            text = error_text(error)
        self.query_one("#password-error", Static).update(text)
