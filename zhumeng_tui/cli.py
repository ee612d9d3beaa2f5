"""`zhumeng-tui` command line.

    zhumeng-tui                               # embedded demo server, signed in as demo-univ
    zhumeng-tui --demo-account demo-dept      # ... as the department account
    zhumeng-tui --server https://host --user alice
    zhumeng-tui --lang en
    zhumeng-tui --server https://host --user alice sync
    zhumeng-tui export interns --format csv --output interns.csv
    zhumeng-tui import roster 学籍.xlsx --dry-run
    zhumeng-tui --server https://host --user alice logout
    zhumeng-tui serve-web --port 8080         # the app in web browsers (zhumeng_tui.web)

Settings come from the config file (``zhumeng_tui.config``) and are overridden
by the options. Tokens are looked up and kept by ``zhumeng_tui.secrets``.

This module is the composition root: the only place that builds the services
implementation (:func:`zhumeng_tui.services.local.connect`) and hands it to
the app, which knows only the contract (``zhumeng_tui.services``). The
headless subcommands (``sync``, ``export``, ``import``) sign in the same way (the
embedded demo server without ``--server``; the stored token otherwise), use
the same cache and outbox, and run a function of ``zhumeng_tui.commands``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zhumeng_tui.app import Connected, Connector, DemoStarter
    from zhumeng_tui.config import Config
    from zhumeng_tui.services import Services


def add_global_options(p: argparse.ArgumentParser, *, repeated: bool = False) -> None:
    """The options of the app and of every command. ``repeated``: a command's
    copy of them, so they may also come after its name (one left out there
    keeps what was given before the name, or the default)."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if repeated else value

    p.add_argument("--server", metavar="URL", default=default(None),
                   help="central API server (default: built-in demo server)")
    p.add_argument("--user", metavar="NAME", default=default(None), help="user name to sign in with")
    p.add_argument("--lang", choices=("zh", "en"), default=default(None),
                   help="interface language (default: zh, or the config file)")
    p.add_argument(
        "--demo-account",
        choices=("demo-univ", "demo-dept", "demo-viewer", "demo-city"),
        default=default("demo-univ"),
        help="demo mode: the account to sign in as (default: demo-univ)",
    )
    p.add_argument("--demo-students", type=int, default=default(3000), metavar="N",
                   help="demo mode: students to generate")
    p.add_argument(
        "--insecure-token-file",
        action="store_true",
        default=default(None),
        help="keep the sign-in token in a 0600 file when no OS keyring is available (a warning is shown)",
    )
    p.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=default(False),
        help="allow an http:// server other than this machine (the password and token travel unencrypted; "
        "the header keeps a warning)",
    )
    p.add_argument("--data-dir", type=Path, metavar="DIR", default=default(None),
                   help="where the local cache (and demo data) live")
    p.add_argument("--config", type=Path, metavar="FILE", default=default(None),
                   help="config file (default: the user config dir)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zhumeng-tui",
        description="逐梦计划 实习管理（终端版）/ Zhumeng internship office, in the terminal. "
        "Without --server it starts a built-in demo server.",
    )
    add_global_options(p)
    sub = p.add_subparsers(dest="command", metavar="COMMAND",
                           title="headless commands (the options above go before or after the command)")
    add_commands(sub)
    sub.add_parser("logout", help="sign out: revoke the stored token on the server and forget it here")
    for command in sub.choices.values():
        add_global_options(command, repeated=True)
    return p


async def logout(url: str, username: str, insecure_token_file: bool, lang: str) -> int:
    """``zhumeng-tui logout``: revoke the stored token on the server, then
    remove it locally (also when the server cannot be reached: the token is
    then still valid there until it expires, and the message says so)."""
    from zhumeng_tui import secrets
    from zhumeng_tui.api_client.client import ApiClient
    from zhumeng_tui.api_client.errors import ApiError, Unauthorised

    found = await asyncio.to_thread(secrets.load_token, url, username, insecure_token_file=insecure_token_file)
    if found.token is None:
        print("没有已保存的登录令牌" if lang != "en" else "No stored sign-in token", file=sys.stderr)
        return 0
    note = ""
    async with ApiClient(url, token=found.token, retries=0) as api:
        try:
            await api.logout()
        except Unauthorised:
            pass  # revoked or expired already
        except ApiError as err:
            note = err.message(lang)
    if found.source != "env":
        await asyncio.to_thread(secrets.delete_token, url, username)
    if note:
        print((f"服务器未能注销令牌（{note}），已删除本机令牌；令牌在过期前仍有效" if lang != "en" else
               f"The server did not revoke the token ({note}); it was removed here and stays valid until it expires"),
              file=sys.stderr)
        return 1
    done = "已退出登录" if lang != "en" else "Signed out"
    if found.source == "env":
        done += ("；请同时删除环境变量 ZHUMENG_TOKEN" if lang != "en" else "; unset ZHUMENG_TOKEN as well")
    print(f"{done}: {username}@{url}")
    return 0


class _Names:
    """The choices of an argument, read when an argument is checked (so the
    app's start does not import what only a subcommand needs)."""

    def __init__(self, load: Callable[[], list[str]]) -> None:
        self._load = load

    def __contains__(self, name: object) -> bool:
        return name in self._load()

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())


def _list_names() -> list[str]:
    from zhumeng_tui.services.exports import LISTS

    return [n for n in LISTS if n != "statistics"]


def _import_kinds() -> list[str]:
    from zhumeng_tui.services.import_kinds import KINDS

    return list(KINDS)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The headless subcommands; each sets ``run`` to an async function of
    (services, args, lang) -> exit status."""
    sy = sub.add_parser(
        "sync", help="send the outbox, pull everything new in scope, print a summary",
        description="Sync the local cache with the server, as the app does: send the changes waiting in the "
        "outbox, pull what changed, print a summary. Uses the app's sign-in and cache (--server, --user, "
        "--data-dir: before or after 'sync').")
    sy.set_defaults(run=_run_sync)
    ex = sub.add_parser("export", help="write a list to .xlsx / .csv (/ .docx to print)",
                        description="Write a list (the whole list, as the app shows it unfiltered) to a file.")
    ex.add_argument("list", metavar="LIST", choices=_Names(_list_names),
                    help="one of: %(choices)s")
    ex.add_argument("--format", choices=("xlsx", "csv", "docx"), default="xlsx",
                    help="xlsx (default), csv (UTF-8 with BOM), docx (a list to print: final-list)")
    ex.add_argument("--output", type=Path, metavar="FILE",
                    help="the file to write (default: the list's name and today's date, here)")
    ex.set_defaults(run=_run_export)
    im = sub.add_parser("import", help="import a spreadsheet (.xlsx / .csv): analyse, then send",
                        description="Analyse a spreadsheet (what changes, what is refused and why), then send the "
                        "changes through the outbox. Refused rows are written beside the file.")
    im.add_argument("kind", metavar="KIND", choices=_Names(_import_kinds), help="one of: %(choices)s")
    im.add_argument("file", type=Path, metavar="FILE")
    im.add_argument("--dry-run", action="store_true", help="only analyse: send nothing")
    im.set_defaults(run=_run_import)
    from zhumeng_tui.web.serve import add_command as add_serve_web

    add_serve_web(sub)


async def _run_sync(services: Services, args: argparse.Namespace, lang: str) -> int:
    from zhumeng_tui.commands.sync import sync_command

    return await sync_command(services, sys.stderr, sys.stdout)


async def _run_export(services: Services, args: argparse.Namespace, lang: str) -> int:
    from zhumeng_tui.commands.sheets import Printer, export_command

    return await export_command(services, args.list, args.format, args.output, Printer(lang))


async def _run_import(services: Services, args: argparse.Namespace, lang: str) -> int:
    from zhumeng_tui.commands.sheets import Printer, import_command

    return await import_command(services, args.kind, args.file, args.dry_run, Printer(lang))


async def run_headless(args: argparse.Namespace, config: Config, lang: str) -> int:
    """Sign in as the app does, run the subcommand, close everything."""
    from zhumeng_tui.api_client.errors import Unauthorised
    from zhumeng_tui.app import DEMO_PASSWORD, Connected
    from zhumeng_tui.screens.base import error_text

    server = args.server or config.server_url
    insecure = bool(args.insecure_token_file if args.insecure_token_file is not None else config.insecure_token_file)
    data_dir: Path | None = args.data_dir
    if data_dir is None and server is None:
        data_dir = _default_data_dir() / "demo"
    cache_keys: dict[str, str] = {}
    connector = make_connector(data_dir, insecure, lang, remember=False, cache_keys=cache_keys,
                               page_size=config.page_size)
    stop: Callable[[], None] | None = None
    try:
        if server is None:
            url, stop = await asyncio.to_thread(make_demo_starter(data_dir, args.demo_students, cache_keys))
            connected = await connector(url, args.demo_account, DEMO_PASSWORD)
        else:
            user = args.user or config.username
            if not user:
                print(_t(lang, "请用 --user 指定用户名（或写入配置文件的 username）",
                         "Give the user name with --user (or username in the config file)"), file=sys.stderr)
                return 2
            try:
                connected = await connector(server.rstrip("/"), user, None)
            except Unauthorised:
                if not sys.stdin.isatty():
                    raise
                password = await asyncio.to_thread(_ask_password, server, user)
                connected = await connector(server.rstrip("/"), user, password)
    except Exception as e:  # no server, no sign-in: one line, not a traceback
        status, prefix = _connect_failure(e, data_dir)
        print((prefix + error_text(e)).replace("\n", " "), file=sys.stderr)
        if stop is not None:
            await asyncio.to_thread(stop)
        return status
    if not isinstance(connected, Connected):
        connected = Connected(connected)
    for warning in connected.warnings:
        print(warning, file=sys.stderr)
    services = connected.services
    try:
        return int(await args.run(services, args, lang))
    finally:
        await services.close()
        if stop is not None:
            await asyncio.to_thread(stop)


def _connect_failure(e: Exception, data_dir: Path | None) -> tuple[int, str]:
    """The exit status of a headless command that could not sign in, and
    what to say before the error's own message (an unreachable server's
    says so itself)."""
    import errno
    import sqlite3

    from zhumeng_tui.api_client.errors import Offline, Unauthorised
    from zhumeng_tui.commands import EXIT
    from zhumeng_tui.i18n import tr

    if isinstance(e, Unauthorised):
        return EXIT["sign_in"], tr("需要登录：", "Sign-in needed: ")
    if isinstance(e, Offline):
        return EXIT["unreachable"], ""
    full = isinstance(e, sqlite3.OperationalError) and "full" in str(e).lower()
    if full or (isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT)):
        return EXIT["disk_full"], tr(f"磁盘已满（{data_dir}）：", f"Disk full ({data_dir}): ")
    return EXIT["failed"], ""


def _ask_password(url: str, username: str) -> str:
    import getpass

    from zhumeng_tui.i18n import tr

    return getpass.getpass(tr(f"{username} 在 {url} 的密码：", f"Password for {username} at {url}: "))


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def make_connector(
    data_dir: Path | None,
    insecure_token_file: bool,
    lang: str,
    remember: bool,
    cache_keys: dict[str, str] | None = None,
    page_size: int | None = None,
) -> Connector:
    """(url, user, password|None) -> Connected. Without a password, the stored token is used.

    ``cache_keys`` maps a server URL to the name its local cache is kept under
    (the embedded demo server gets a new port each start; its cache should not).
    ``page_size``: changes per request when syncing (the config's ``page_size``).
    """

    async def connect(url: str, username: str, password: str | None) -> Connected:
        from zhumeng_tui import secrets
        from zhumeng_tui.api_client.client import ApiClient
        from zhumeng_tui.app import Connected
        from zhumeng_tui.i18n import tr
        from zhumeng_tui.services.local import connect as services_connect

        warnings: list[str] = []
        token: str | None = None
        source: str | None = None
        if password is None:
            lookup = await asyncio.to_thread(
                secrets.load_token, url, username, insecure_token_file=insecure_token_file
            )
            token, source = lookup.token, lookup.source
            if lookup.warning(lang):
                warnings.append(lookup.warning(lang) or "")
        key = (cache_keys or {}).get(url)
        services = await services_connect(
            key or url,
            username=username,
            password=password,
            data_dir=data_dir,
            lang=lang,
            api=ApiClient(url, token=token),
            page_size=page_size,
        )

        async def remember_token(new_token: str) -> list[str]:
            """Keep ``new_token`` where tokens are kept; what to tell the user."""
            nonlocal source
            try:
                saved = await asyncio.to_thread(
                    secrets.save_token, url, username, new_token, insecure_token_file=insecure_token_file
                )
            except secrets.SecretsError as err:
                source = None
                return [tr("登录令牌未保存，下次需重新输入密码（F9 显示令牌）。\n",
                           "The token was not saved; you will be asked for the password next time "
                           "(F9 shows the token).\n") + err.message(lang)]
            source = saved.source
            return [saved.warning(lang) or ""] if saved.warning(lang) else []

        async def forget_token() -> None:
            await asyncio.to_thread(secrets.delete_token, url, username)

        if password is not None and remember:
            new_token = services.token
            if new_token:
                warnings.extend(await remember_token(new_token))
        return Connected(
            services, warnings,
            remember=remember_token if remember else None,
            forget=forget_token if remember else None,
            in_keyring=source == "keyring" or not remember,
            how_to_keep=secrets.THREE_WAYS_EN if lang == "en" else secrets.THREE_WAYS_ZH,
        )

    return connect


def make_demo_starter(
    data_dir: Path | None, students: int, cache_keys: dict[str, str] | None = None
) -> DemoStarter:
    """Starts the embedded demo server. Its URL has a new port each time, so the
    cache is keyed by the demo database instead (a warm cache survives restarts
    and is dropped when the demo data is regenerated)."""

    def start() -> tuple[str, Callable[[], None]]:
        from zhumeng_server.embedded import start_demo_server

        base = data_dir or _default_data_dir()
        server = start_demo_server(base / "demo-server", students=students)
        if cache_keys is not None:
            # a regenerated demo database is a new file (new inode): a new cache
            stamp = server.database.stat().st_ino
            cache_keys[server.url] = f"http://embedded-demo.invalid/{students}-{stamp}"
        return server.url, server.stop

    return start


def _default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("zhumeng-tui"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    from zhumeng_tui.config import (
        INSECURE_HTTP_REFUSED,
        SERVER_URL_ALLOWED,
        ConfigError,
        insecure_http,
        load_config,
        server_url_ok,
    )
    from zhumeng_tui.i18n import set_lang

    try:
        config = load_config(args.config)
    except ConfigError as err:
        print(err.message(args.lang or "zh"), file=sys.stderr)
        return 2
    lang = args.lang or config.language or "zh"
    set_lang(lang)  # before the app is imported: binding texts are picked at start-up

    if args.server is not None and not server_url_ok(args.server):
        allowed = SERVER_URL_ALLOWED[1 if lang == "en" else 0]
        print(f"--server {args.server!r} 无效：须为{allowed}" if lang != "en" else
              f"--server {args.server!r} is not a server address: use {allowed}", file=sys.stderr)
        return 2
    server = args.server or config.server_url
    insecure_connection = bool(server and insecure_http(server))
    if insecure_connection and not args.allow_insecure_http:
        print(INSECURE_HTTP_REFUSED[1 if lang == "en" else 0].format(url=server), file=sys.stderr)
        return 2
    if getattr(args, "serve", None) is not None:
        return int(args.serve(args, config, lang))
    if getattr(args, "run", None) is not None:
        return asyncio.run(run_headless(args, config, lang))
    insecure = bool(args.insecure_token_file if args.insecure_token_file is not None else config.insecure_token_file)
    if args.command == "logout":
        username = args.user or config.username
        if not server or not username:
            print("logout 需要 --server 和 --user（或配置文件中的 server_url 和 username）" if lang != "en" else
                  "logout needs --server and --user (or server_url and username in the config file)", file=sys.stderr)
            return 2
        return asyncio.run(logout(server.rstrip("/"), username, insecure, lang))

    from zhumeng_tui.app import LaunchOptions, ZhumengApp

    data_dir: Path | None = args.data_dir
    if data_dir is None and server is None:
        data_dir = _default_data_dir() / "demo"
    options = LaunchOptions(
        server_url=server.rstrip("/") if server else None,
        username=args.user or (config.username if server else None),
        demo_account=args.demo_account,
        keymap={k: ",".join(v) for k, v in config.keymap.items()},
        data_dir=data_dir,
        theme=config.theme,
        insecure_connection=insecure_connection,
    )
    cache_keys: dict[str, str] = {}
    connector = make_connector(
        data_dir, insecure, lang, remember=server is not None, cache_keys=cache_keys, page_size=config.page_size
    )
    app = ZhumengApp(options, connector, make_demo_starter(data_dir, args.demo_students, cache_keys))
    app.run()
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
