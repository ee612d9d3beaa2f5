"""Where the sign-in token lives.

Lookup order: the ``ZHUMENG_TOKEN`` environment variable -> the OS keyring
(each call in a daemon thread with a timeout: some backends hang without a
desktop session) -> a 0600 file in the user config directory, ONLY when the
user opted in (``--insecure-token-file`` / ``insecure_token_file = true``),
and then with a warning the caller must show.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ENV_VAR = "ZHUMENG_TOKEN"
SERVICE = "zhumeng-tui"
KEYRING_TIMEOUT = 3.0
TOKEN_FILE = "tokens.json"

T = TypeVar("T")

THREE_WAYS_ZH = (
    "本机没有可用的系统密钥环（通过 SSH 登录时常见）。请任选一种方式保存登录令牌：\n"
    f"  1. 设置环境变量 {ENV_VAR}=<令牌>；\n"
    "  2. 安装并解锁一个密钥环（如 gnome-keyring / KWallet / macOS 钥匙串）；\n"
    "  3. 使用 --insecure-token-file 参数，或在配置文件中设置 insecure_token_file = true"
    "（令牌将以明文保存在仅本人可读的文件中）。"
)
THREE_WAYS_EN = (
    "No usable OS keyring here (common over SSH). Choose one way to keep the sign-in token:\n"
    f"  1. set the environment variable {ENV_VAR}=<token>;\n"
    "  2. install and unlock a keyring (gnome-keyring, KWallet, macOS Keychain ...);\n"
    "  3. pass --insecure-token-file, or set insecure_token_file = true in the config file"
    " (the token is then stored in plain text in a file only you can read)."
)


class SecretsError(Exception):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


class NoKeyring(SecretsError):
    def __init__(self, detail: str = "") -> None:
        extra = f"\n({detail})" if detail else ""
        super().__init__("no_keyring", THREE_WAYS_ZH + extra, THREE_WAYS_EN + extra)


class KeyringTimeout(SecretsError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            "keyring_timeout",
            f"系统密钥环在 {seconds:g} 秒内没有响应（可能需要桌面会话来解锁）。\n" + THREE_WAYS_ZH,
            f"The OS keyring did not answer within {seconds:g} s (it may need a desktop session to unlock).\n"
            + THREE_WAYS_EN,
        )


@dataclass
class TokenLookup:
    token: str | None
    source: str | None  # "env" | "keyring" | "file" | None
    warning_zh: str | None = None
    warning_en: str | None = None

    def warning(self, lang: str = "zh") -> str | None:
        return self.warning_en if lang == "en" else self.warning_zh


INSECURE_WARNING = (
    "警告：登录令牌以明文保存在 {path}（仅本人可读）。",
    "Warning: the sign-in token is stored in plain text in {path} (readable only by you).",
)


def account_key(server_url: str, username: str) -> str:
    return f"{username}@{server_url.rstrip('/')}"


def default_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("zhumeng-tui"))


def _with_timeout(fn: Callable[[], T], timeout: float) -> T:
    """Run ``fn`` in a daemon thread; a hung keyring cannot hang the app (or its exit)."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, fn()))
        except BaseException as exc:
            box.put((False, exc))

    threading.Thread(target=run, name="keyring", daemon=True).start()
    try:
        ok, value = box.get(timeout=timeout)
    except queue.Empty:
        raise KeyringTimeout(timeout) from None
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


#: Backends that keep secrets in plain (or merely encoded) files, or nowhere:
#: not a keyring.
_NOT_KEYRINGS = ("keyrings.alt.file", "keyring.backends.null", "keyring.backends.fail")


def writes_plain_files(kr: Any) -> bool:
    """Is ``kr`` a backend that writes the secret to a file anyone with the
    user's files can read (keyrings.alt's PlaintextKeyring and the like)?"""
    module = type(kr).__module__
    return module.startswith(_NOT_KEYRINGS) or "plaintext" in type(kr).__name__.lower()


def _why_not(kr: Any) -> str:
    name = f"{type(kr).__module__}.{type(kr).__name__}"
    if type(kr).__module__.startswith(("keyring.backends.null", "keyring.backends.fail")):
        return f"{name}: no keyring backend installed"
    return f"{name} writes plain files"


def keyring_backend(backend: Any = None) -> Any:
    """The keyring backend to use, or raise :class:`NoKeyring`. A backend
    that writes plain files counts as none."""
    import keyring
    from keyring.backends import chainer

    kr = backend if backend is not None else keyring.get_keyring()
    if isinstance(kr, chainer.ChainerBackend):
        real = [b for b in kr.backends if not writes_plain_files(b)]
        if not real:
            raise NoKeyring(", ".join(type(b).__name__ for b in kr.backends) or "no backends")
        return real[0]
    if writes_plain_files(kr):
        raise NoKeyring(_why_not(kr))
    return kr


def _file(config_dir: Path | None) -> Path:
    return (config_dir or default_config_dir()) / TOKEN_FILE


def _read_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_file(path: Path, data: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(dict(data), fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _warning(path: Path) -> tuple[str, str]:
    return INSECURE_WARNING[0].format(path=path), INSECURE_WARNING[1].format(path=path)


def load_token(
    server_url: str,
    username: str,
    *,
    insecure_token_file: bool = False,
    config_dir: Path | None = None,
    timeout: float = KEYRING_TIMEOUT,
    env: Mapping[str, str] | None = None,
    backend: Any = None,
) -> TokenLookup:
    """Find a stored token. Never raises for a missing keyring when nothing is
    stored: returns ``TokenLookup(None, None)`` (the caller asks for a password).
    A hanging keyring raises :class:`KeyringTimeout` (unless the opted-in file has a token)."""
    environ = os.environ if env is None else env
    tok = environ.get(ENV_VAR, "").strip()
    if tok:
        return TokenLookup(tok, "env")
    keyring_error: SecretsError | None = None
    try:
        kr = keyring_backend(backend)
        found = _with_timeout(lambda: kr.get_password(SERVICE, account_key(server_url, username)), timeout)
        if found:
            return TokenLookup(str(found), "keyring")
    except SecretsError as err:
        keyring_error = err
    except Exception as err:  # a backend error (locked, dbus gone): treat like no keyring
        keyring_error = NoKeyring(f"{type(err).__name__}: {err}")
    if insecure_token_file:
        path = _file(config_dir)
        found_file = _read_file(path).get(account_key(server_url, username))
        if found_file:
            zh, en = _warning(path)
            return TokenLookup(found_file, "file", zh, en)
    if isinstance(keyring_error, KeyringTimeout):
        raise keyring_error
    return TokenLookup(None, None)


def save_token(
    server_url: str,
    username: str,
    token: str,
    *,
    insecure_token_file: bool = False,
    config_dir: Path | None = None,
    timeout: float = KEYRING_TIMEOUT,
    backend: Any = None,
) -> TokenLookup:
    """Store ``token``: in the keyring, else (opted in only) in a 0600 file with a
    warning. Without either, raise :class:`NoKeyring` (the three ways) or
    :class:`KeyringTimeout`."""
    account = account_key(server_url, username)
    try:
        kr = keyring_backend(backend)
        _with_timeout(lambda: kr.set_password(SERVICE, account, token), timeout)
        return TokenLookup(token, "keyring")
    except SecretsError as err:
        if not insecure_token_file:
            raise
        del err
    except Exception as err:
        if not insecure_token_file:
            raise NoKeyring(f"{type(err).__name__}: {err}") from err
    path = _file(config_dir)
    data = _read_file(path)
    data[account] = token
    _write_file(path, data)
    zh, en = _warning(path)
    return TokenLookup(token, "file", zh, en)


def delete_token(
    server_url: str,
    username: str,
    *,
    config_dir: Path | None = None,
    timeout: float = KEYRING_TIMEOUT,
    backend: Any = None,
) -> None:
    """Forget the token everywhere it may be stored (sign-out). Never raises."""
    account = account_key(server_url, username)
    with contextlib.suppress(Exception):
        kr = keyring_backend(backend)
        _with_timeout(lambda: kr.delete_password(SERVICE, account), timeout)
    path = _file(config_dir)
    data = _read_file(path)
    if account in data:
        del data[account]
        with contextlib.suppress(OSError):
            _write_file(path, data)
