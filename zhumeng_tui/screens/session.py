"""The session: signing in again over the current screen when the server
ended the session (expired or revoked), and the token shown for
``ZHUMENG_TOKEN`` where there is no keyring."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.widgets.keys import K, Localized, focus_now


class SessionExpiredDialog(Localized, ModalScreen[None]):
    """"登录已失效": the password again, over whatever screen is open. The
    queued changes wait and are sent once the session is back."""

    DEFAULT_CSS = """
    SessionExpiredDialog { align: center middle; }
    SessionExpiredDialog > Vertical { width: 64; max-width: 100%; height: auto; border: thick $error;
                                      background: $surface; padding: 0 1; }
    SessionExpiredDialog .title { text-style: bold; color: $error; }
    SessionExpiredDialog #session-error { color: $error; text-style: bold; height: auto; }
    """
    BINDINGS: ClassVar = [
        K("ctrl+s", "submit", "登录", "Sign in", id="session.submit"),
        K("escape", "later", "稍后", "Later", id="session.later"),
    ]

    class Submitted(Message):
        def __init__(self, password: str) -> None:
            super().__init__()
            self.password = password

    def __init__(self, username: str, pending: int) -> None:
        super().__init__()
        self.username = username
        self.pending = pending

    def compose(self) -> ComposeResult:
        waiting = tr(f"，{self.pending} 条修改等待发送", f"; {self.pending} change(s) wait to be sent") if self.pending else ""
        with Vertical():
            yield Static(tr("登录已失效", "Session expired"), classes="title")
            yield Static(tr(f"服务器已结束本次登录（过期或被注销）{waiting}。请输入 {self.username} 的密码：",
                            f"The server ended this session (expired or revoked){waiting}. "
                            f"Enter the password of {self.username}:"), markup=False)
            yield Input(password=True, placeholder=tr("密码", "Password"), id="session-password")
            yield Static("", id="session-error")
            yield Static(tr("回车登录 · Esc 稍后（可用 ctrl+r 再次打开）", "enter signs in · esc later (ctrl+r asks again)"),
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def action_submit(self) -> None:
        password = self.query_one(Input).value
        if not password:
            self.show_error(tr("请输入密码", "Enter your password"))
            return
        self.query_one("#session-error", Static).update(tr("登录中…", "Signing in…"))
        self.post_message(self.Submitted(password))

    def show_error(self, text: str) -> None:
        self.query_one("#session-error", Static).update(text)
        field = self.query_one(Input)
        field.value = ""
        focus_now(field)

    def action_later(self) -> None:
        self.dismiss(None)


class TokenDialog(Localized, ModalScreen[None]):
    """The session's token and the three ways to keep it (no keyring here)."""

    DEFAULT_CSS = """
    TokenDialog { align: center middle; }
    TokenDialog > Vertical { width: 96%; height: auto; border: thick $accent; background: $surface; padding: 0 1; }
    TokenDialog .title { text-style: bold; }
    TokenDialog #token-line { color: $warning; }
    """
    BINDINGS: ClassVar = [K("escape,enter", "close", "关闭", "Close", id="token.close", key_display="esc")]

    def __init__(self, token: str, how_to_keep: str) -> None:
        super().__init__()
        self._token = token
        self._how = how_to_keep

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(tr("登录令牌", "Sign-in token"), classes="title")
            yield Static(self._how, markup=False)
            yield Static(tr("在 shell 中执行（不要分享给他人）：", "In your shell (share it with no one):"))
            yield Static(f"export ZHUMENG_TOKEN={self._token}", id="token-line", markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
