"""The headless subcommands of ``zhumeng-tui`` (``zhumeng-tui [options] COMMAND``).

Each module adds its subparser with ``add_parser(subparsers)`` and sets
``run`` (``(args, Session) -> exit status``) as its default. They share the
app's sign-in, cache and outbox through :class:`Session`, which the
composition root (``zhumeng_tui.cli``) builds from the global options. A
failure ends with one line saying why and a non-zero exit status
(:data:`EXIT`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhumeng_tui.app import Connected, Connector, DemoStarter

#: Exit statuses of the headless commands (2 is argparse's: a bad command line).
EXIT = {
    "ok": 0,
    "failed": 1,
    "unreachable": 3,
    "sign_in": 4,
    "disk_full": 5,
}


@dataclass
class Session:
    """What a headless command needs to reach the server the way the app does."""

    #: None: the embedded demo server (in the data dir), as the app.
    server_url: str | None
    username: str | None
    demo_account: str
    connector: Connector
    demo_starter: DemoStarter
    data_dir: Path | None
    lang: str
    #: Asks for the password when there is no valid stored sign-in (None: no terminal to ask on).
    ask_password: Callable[[str, str], str] | None = None

    async def connect(self) -> tuple[Connected, Callable[[], None]]:
        """Sign in as the app would: the demo account on the embedded demo
        server, or the stored sign-in (then the password, when a terminal
        can ask for it). Returns the services and how to stop what was
        started. Raises ``Unauthorised`` when no sign-in is possible."""
        import asyncio

        from zhumeng_tui.api_client.errors import Unauthorised
        from zhumeng_tui.app import DEMO_PASSWORD

        if self.server_url is None:
            url, stop = await asyncio.to_thread(self.demo_starter)
            try:
                return await self._connect(url, self.demo_account, DEMO_PASSWORD), stop
            except BaseException:
                stop()
                raise
        if not self.username:
            raise Unauthorised("no_user", "需要用户名：在子命令前加 --user NAME（或在配置文件中设置）",
                               "A user name is needed: --user NAME before the command (or in the config file)")
        try:
            return await self._connect(self.server_url, self.username, None), _nothing
        except Unauthorised:
            if self.ask_password is None:
                raise
        password = await asyncio.to_thread(self.ask_password, self.server_url, self.username)
        return await self._connect(self.server_url, self.username, password), _nothing

    async def _connect(self, url: str, username: str, password: str | None) -> Connected:
        from zhumeng_tui.app import Connected

        answer = await self.connector(url, username, password)
        return answer if isinstance(answer, Connected) else Connected(answer)


def _nothing() -> None:
    pass
