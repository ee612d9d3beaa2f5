"""One browser tab's app process (``zhumeng-tui serve-web`` starts one per tab).

    python -m zhumeng_tui.web.session --server URL [--data-dir DIR] [--cache-key KEY]
        [--lang zh|en] [--config FILE] [--user NAME | --demo-account NAME]

The composition root of a browser session. The sign-in screen is always
shown (in demo mode filled with the demo account); the token lives in this
process's memory only: no keyring, no file, no ``ZHUMENG_TOKEN``. When the
app ends -- the tab was closed or idled out (the web server asks the app to
quit), or the user quit -- every token this process was given is revoked on
the server. The cache is the host's, with the same rules as the terminal
app: one database per server and account under the data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhumeng_tui.app import Connected
    from zhumeng_tui.services import Services


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m zhumeng_tui.web.session",
                                description="One browser tab's app process (started by zhumeng-tui serve-web).")
    p.add_argument("--server", required=True, metavar="URL")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--data-dir", type=Path, metavar="DIR")
    p.add_argument("--cache-key", metavar="KEY", help="the name the server's cache is kept under (the demo's)")
    p.add_argument("--config", type=Path, metavar="FILE")
    p.add_argument("--insecure-connection", action="store_true",
                   help="the server is reached over http:// through a network: the header says so")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", metavar="NAME", help="fill the user name field with NAME")
    who.add_argument("--demo-account", metavar="NAME", help="demo mode: fill the fields with this demo account")
    return p


async def revoke(server_url: str, tokens: list[str]) -> None:
    """Revoke ``tokens`` on the server; one already ended there, or a server
    out of reach (the token then ends at its idle timeout), is passed over."""
    from zhumeng_tui.api_client.client import ApiClient

    for token in tokens:
        with contextlib.suppress(Exception):
            async with ApiClient(server_url, token=token, retries=0) as api:
                await api.logout()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    from zhumeng_tui.config import ConfigError, load_config
    from zhumeng_tui.i18n import set_lang

    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(err.message(args.lang), file=sys.stderr)
        return 2
    set_lang(args.lang)

    from zhumeng_tui.api_client.errors import Unauthorised
    from zhumeng_tui.app import DEMO_PASSWORD, Connected, LaunchOptions, ZhumengApp
    from zhumeng_tui.cli import make_connector

    url = args.server.rstrip("/")
    base = make_connector(args.data_dir, insecure_token_file=False, lang=args.lang, remember=False,
                          cache_keys={url: args.cache_key} if args.cache_key else None, page_size=config.page_size)
    signed_in: list[Services] = []

    async def connect(server_url: str, username: str, password: str | None) -> Connected:
        if password is None:  # never a stored token: a browser session signs in with its password
            raise Unauthorised("no_credentials", "请输入密码登录", "Sign in with your password")
        connected = await base(server_url, username, password)
        if not isinstance(connected, Connected):
            connected = Connected(connected)
        signed_in.append(connected.services)
        return connected

    options = LaunchOptions(
        server_url=url,
        username=args.demo_account or args.user,
        password=DEMO_PASSWORD if args.demo_account else None,
        keymap={k: ",".join(v) for k, v in config.keymap.items()},
        data_dir=args.data_dir,
        theme=config.theme,
        sign_in_shown=True,
        insecure_connection=args.insecure_connection,
    )
    app = ZhumengApp(options, connect)
    try:
        app.run()
    finally:
        tokens = [t for t in (s.token for s in signed_in) if t]
        if tokens:
            asyncio.run(revoke(url, tokens))
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
