"""``zhumeng-tui serve-web``: the app in a browser.

    zhumeng-tui serve-web                                   # demo, http://127.0.0.1:8080
    zhumeng-tui --server https://api.example.edu.cn serve-web --host 0.0.0.0 --behind-proxy \\
        --public-url https://zhumeng.example.edu.cn

Without ``--server`` one embedded demo server is started here and shared by
every browser session. Each tab runs its own app process
(:mod:`zhumeng_tui.web.session`) with the host's data dir. A non-loopback
address is refused without TLS (``--ssl-certfile/--ssl-keyfile``) unless
``--behind-proxy`` says a TLS proxy is in front. An ``http://`` server
through a network is refused as by the app (``--allow-insecure-http``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

    from zhumeng_tui.config import Config


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    web = sub.add_parser(
        "serve-web", help="serve the app to web browsers (one app process per tab)",
        description="Serve the app to web browsers: each tab runs its own app process and signs in with "
        "user name and password. Without --server, one built-in demo server is shared by all tabs.")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    web.add_argument("--public-url", metavar="URL",
                     help="the address browsers use, when it differs (a proxy in front): https://...")
    web.add_argument("--max-sessions", type=_positive_int, default=20, metavar="N",
                     help="browser sessions running at once (default: 20); past it a page says so")
    web.add_argument("--idle-minutes", type=_positive_float, default=30.0, metavar="MIN",
                     help="a session without input this long is ended and signed out (default: 30)")
    web.add_argument("--ssl-certfile", type=Path, metavar="FILE", help="serve over TLS with this certificate")
    web.add_argument("--ssl-keyfile", type=Path, metavar="FILE", help="... and this private key")
    web.add_argument("--behind-proxy", action="store_true",
                     help="a TLS proxy is in front: allow a non-loopback address without --ssl-certfile")
    web.set_defaults(serve=serve_web)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_refusal(args: argparse.Namespace, lang: str) -> str | None:
    """Why the options cannot be served as given, or None."""
    if bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        return _t(lang, "--ssl-certfile 和 --ssl-keyfile 需要一起给出",
                  "--ssl-certfile and --ssl-keyfile go together: give both")
    for path in (args.ssl_certfile, args.ssl_keyfile):
        if path is not None and not Path(path).is_file():
            return _t(lang, f"找不到文件：{path}", f"No such file: {path}")
    if not is_loopback(args.host) and not args.ssl_certfile and not args.behind_proxy:
        return _t(
            lang,
            f"拒绝在 {args.host} 上以明文 HTTP 提供服务：密码和数据会在网络上明文传输。\n"
            "请用 --ssl-certfile/--ssl-keyfile 启用 TLS；或在学校的 HTTPS 代理之后运行，并加 --behind-proxy"
            "（通常同时用 --public-url https://...）；或只在本机（127.0.0.1）提供服务。",
            f"Refusing to serve plain HTTP on {args.host}: passwords and data would cross the network "
            "unencrypted.\nUse TLS with --ssl-certfile/--ssl-keyfile; or run behind the university's HTTPS "
            "proxy and say so with --behind-proxy (usually with --public-url https://...); or serve on "
            "127.0.0.1 only.",
        )
    return None


def session_command(server_url: str, *, lang: str, data_dir: Path | None, cache_key: str | None,
                    config: Path | None, username: str | None, demo_account: str | None,
                    insecure_connection: bool = False) -> str:
    """The shell command that runs one tab's app process (``insecure_connection``:
    an http:// server through a network, allowed with ``--allow-insecure-http``)."""
    import shlex

    argv = [sys.executable, "-m", "zhumeng_tui.web.session", "--server", server_url, "--lang", lang]
    if insecure_connection:
        argv.append("--insecure-connection")
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    if cache_key:
        argv += ["--cache-key", cache_key]
    if config is not None:
        argv += ["--config", str(config)]
    if demo_account:
        argv += ["--demo-account", demo_account]
    elif username:
        argv += ["--user", username]
    return shlex.join(argv)


def serve_web(args: argparse.Namespace, config: Config, lang: str) -> int:
    """Check the options, start the shared demo server when there is no
    ``--server``, serve until stopped."""
    import ssl

    from zhumeng_tui.cli import _default_data_dir, make_demo_starter
    from zhumeng_tui.config import insecure_http
    from zhumeng_tui.web.server import WebServer

    refusal = bind_refusal(args, lang)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    context: ssl.SSLContext | None = None
    if args.ssl_certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(args.ssl_certfile, args.ssl_keyfile)
        except (OSError, ssl.SSLError) as err:
            print(_t(lang, f"无法读取证书或私钥：{err}", f"Cannot load the certificate or key: {err}"),
                  file=sys.stderr)
            return 2
    server_url: str | None = args.server or config.server_url
    data_dir: Path | None = args.data_dir
    stop: Callable[[], None] | None = None
    cache_key: str | None = None
    if server_url is None:
        data_dir = data_dir or _default_data_dir() / "demo"
        cache_keys: dict[str, str] = {}
        print(_t(lang, "正在启动演示服务器…", "Starting the demo server…"), file=sys.stderr)
        server_url, stop = make_demo_starter(data_dir, args.demo_students, cache_keys)()
        cache_key = cache_keys.get(server_url)
    command = session_command(
        server_url.rstrip("/"), lang=lang, data_dir=data_dir, cache_key=cache_key, config=args.config,
        username=args.user or config.username, demo_account=args.demo_account if stop is not None else None,
        insecure_connection=insecure_http(server_url))
    server = WebServer(
        command, host=args.host, port=args.port, title=_t(lang, "逐梦计划 实习管理", "Zhumeng internships"),
        public_url=args.public_url.rstrip("/") if args.public_url else None, max_sessions=args.max_sessions,
        idle_seconds=args.idle_minutes * 60, ssl_context=context)
    try:
        server.serve()
    finally:
        if stop is not None:
            stop()
    return 0
