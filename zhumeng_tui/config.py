"""User configuration: ``<user config dir>/config.toml`` (TOML).

    server_url = "https://zhumeng.example.edu.cn"
    username = "demo-univ"
    language = "zh"            # zh | en
    theme = "textual-dark"
    page_size = 10000          # changes per request when syncing (10 .. 10000)
    insecure_token_file = false

    [keymap]                   # binding id -> keys (comma-separated, or a list)
    "review.confirm" = "c"

A malformed file raises :class:`ConfigError` naming the file and line; a bad
value names the key and what is allowed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

APP_NAME = "zhumeng-tui"
LANGUAGES = ("zh", "en")
PAGE_SIZE_RANGE = (10, 10_000)
_THEME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LINE_RE = re.compile(r"line (\d+)(?:, column (\d+))?")


class ConfigError(Exception):
    def __init__(self, path: Path, message_zh: str, message_en: str, *, line: int | None = None,
                 key: str | None = None) -> None:
        where = f"{path}" + (f":{line}" if line else "")
        self.path = path
        self.line = line
        self.key = key
        self.message_zh = f"配置文件 {where} 有误：{message_zh}"
        self.message_en = f"Config file {where}: {message_en}"
        super().__init__(self.message_en)

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


@dataclass
class Config:
    server_url: str | None = None
    username: str | None = None
    language: str = "zh"
    theme: str | None = None
    keymap: dict[str, list[str]] = field(default_factory=dict)
    #: Changes asked for per request when syncing; None: the built-in 10,000.
    #: Smaller pages lose less to a dropped connection and show progress more
    #: often on a slow link; larger ones need fewer requests.
    page_size: int | None = None
    insecure_token_file: bool = False
    path: Path | None = None


KEYS = ("server_url", "username", "language", "theme", "keymap", "page_size", "insecure_token_file")


#: What a server address may be (the config file's ``server_url``, ``--server``).
SERVER_URL_ALLOWED = (
    "以 http:// 或 https:// 开头的网址，含主机名（如 https://zhumeng.example.edu.cn）",
    "a URL starting with http:// or https:// and naming a host (https://zhumeng.example.edu.cn, say)",
)


def server_url_ok(url: str) -> bool:
    """Is ``url`` an http(s) address of a host (a port, if any, in range; no spaces)?"""
    from urllib.parse import urlsplit

    if not url or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def insecure_http(url: str) -> bool:
    """Does ``url`` send the password and token unencrypted over a network
    (``http://`` to a host other than this machine)?"""
    import ipaddress
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


INSECURE_HTTP_REFUSED = (
    "拒绝连接 {url}：http:// 会把密码和登录令牌以明文发送到网络上。请使用 https:// 地址；"
    "确需在可信网络中使用 http 时，请加 --allow-insecure-http 参数（界面顶部将一直显示警告）。",
    "Refusing {url}: http:// sends the password and the sign-in token unencrypted over the network. "
    "Use an https:// address; if you must use http on a trusted network, pass --allow-insecure-http "
    "(a warning then stays in the header).",
)


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _bad(path: Path, key: str, got: Any, allowed_zh: str, allowed_en: str) -> ConfigError:
    return ConfigError(
        path,
        f"“{key}” 的值 {got!r} 无效，允许：{allowed_zh}",
        f"bad value {got!r} for '{key}'; allowed: {allowed_en}",
        key=key,
    )


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _LINE_RE.search(str(exc))
        line = int(m.group(1)) if m else None
        raise ConfigError(path, f"TOML 格式错误（{exc}）", f"not valid TOML ({exc})", line=line) from None
    cfg = Config(path=path)
    for key in data:
        if key not in KEYS:
            raise ConfigError(path, f"未知的设置项“{key}”，可用：{', '.join(KEYS)}",
                              f"unknown setting '{key}'; known settings: {', '.join(KEYS)}", key=key)
    if "server_url" in data:
        v = data["server_url"]
        if not isinstance(v, str) or not server_url_ok(v):
            raise _bad(path, "server_url", v, *SERVER_URL_ALLOWED)
        cfg.server_url = v.rstrip("/")
    if "username" in data:
        v = data["username"]
        if not isinstance(v, str) or not v.strip() or len(v) > 64:
            raise _bad(path, "username", v, "1-64 个字符的用户名", "a user name of 1-64 characters")
        cfg.username = v.strip()
    if "language" in data:
        v = data["language"]
        if v not in LANGUAGES:
            raise _bad(path, "language", v, "zh 或 en", "zh or en")
        cfg.language = v
    if "theme" in data:
        v = data["theme"]
        if not isinstance(v, str) or not _THEME_RE.match(v):
            raise _bad(path, "theme", v, "主题名称（字母、数字、- 或 _）", "a theme name (letters, digits, - or _)")
        cfg.theme = v
    if "page_size" in data:
        v = data["page_size"]
        lo, hi = PAGE_SIZE_RANGE
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise _bad(path, "page_size", v, f"{lo} 到 {hi} 之间的整数", f"an integer from {lo} to {hi}")
        cfg.page_size = v
    if "insecure_token_file" in data:
        v = data["insecure_token_file"]
        if not isinstance(v, bool):
            raise _bad(path, "insecure_token_file", v, "true 或 false", "true or false")
        cfg.insecure_token_file = v
    if "keymap" in data:
        v = data["keymap"]
        if not isinstance(v, dict):
            raise _bad(path, "keymap", v, "一个表：绑定编号 = \"按键\"", 'a table: binding-id = "keys"')
        for bid, keys in v.items():
            if isinstance(keys, str):
                parts = [k.strip() for k in keys.split(",") if k.strip()]
            elif isinstance(keys, list) and all(isinstance(k, str) for k in keys):
                parts = [k.strip() for k in keys if k.strip()]
            else:
                raise _bad(path, f"keymap.{bid}", keys, "按键字符串或字符串列表", "a key string or a list of strings")
            if not parts:
                raise _bad(path, f"keymap.{bid}", keys, "至少一个按键", "at least one key")
            cfg.keymap[str(bid)] = parts
    return cfg


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults."""
    path = path or default_config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise ConfigError(path, f"无法读取（{exc.strerror}）", f"cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(path, "不是 UTF-8 编码", "not UTF-8 text", line=line) from None
    return parse_config(text, path)
