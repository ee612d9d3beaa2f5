"""Token storage (env -> keyring with a timeout -> opted-in file) and config."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from zhumeng_tui import secrets
from zhumeng_tui.config import ConfigError, load_config

URL, USER = "http://srv", "demo-univ"


class HangingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(30)


def file_keyring(tmp_path: Path) -> Any:
    from keyrings.alt.file import PlaintextKeyring

    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring.cfg")  # type: ignore[misc]
    return kr


def test_env_wins(tmp_path: Path) -> None:
    got = secrets.load_token(URL, USER, env={"ZHUMENG_TOKEN": "from-env"}, backend=fail.Keyring(),
                             config_dir=tmp_path)
    assert (got.token, got.source) == ("from-env", "env")


class EmptyChainer(chainer.ChainerBackend):
    backends = []  # type: ignore[assignment]  # noqa: RUF012


@pytest.mark.parametrize("backend", [fail.Keyring(), EmptyChainer()])
def test_no_keyring_says_the_three_ways(tmp_path: Path, backend: Any) -> None:
    with pytest.raises(secrets.NoKeyring) as e:
        secrets.save_token(URL, USER, "tok", backend=backend, config_dir=tmp_path)
    for lang in ("zh", "en"):
        msg = e.value.message(lang)
        assert "ZHUMENG_TOKEN" in msg and "--insecure-token-file" in msg and "insecure_token_file = true" in msg
    assert "keyring" in e.value.message("en")
    assert not (tmp_path / secrets.TOKEN_FILE).exists()
    # nothing stored: lookup finds nothing (the app asks for a password)
    assert secrets.load_token(URL, USER, backend=backend, config_dir=tmp_path, env={}).token is None


def test_no_keyring_opted_in_file_is_0600_with_warning(tmp_path: Path) -> None:
    saved = secrets.save_token(URL, USER, "tok", backend=fail.Keyring(), config_dir=tmp_path,
                               insecure_token_file=True)
    assert saved.source == "file" and saved.warning("en") and "plain text" in saved.warning("en")  # type: ignore[operator]
    f = tmp_path / secrets.TOKEN_FILE
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    got = secrets.load_token(URL, USER, backend=fail.Keyring(), config_dir=tmp_path, env={},
                             insecure_token_file=True)
    assert (got.token, got.source) == ("tok", "file") and got.warning("zh")
    # without the opt-in the file is not read
    assert secrets.load_token(URL, USER, backend=fail.Keyring(), config_dir=tmp_path, env={}).token is None
    secrets.delete_token(URL, USER, backend=fail.Keyring(), config_dir=tmp_path)
    assert secrets.load_token(URL, USER, backend=fail.Keyring(), config_dir=tmp_path, env={},
                              insecure_token_file=True).token is None


def test_hanging_keyring_times_out_with_clear_message(tmp_path: Path) -> None:
    kr = HangingKeyring()
    t = time.monotonic()
    with pytest.raises(secrets.KeyringTimeout) as e:
        secrets.load_token(URL, USER, backend=kr, timeout=0.3, env={}, config_dir=tmp_path)
    assert time.monotonic() - t < 2
    assert "0.3" in e.value.message("en") and "ZHUMENG_TOKEN" in e.value.message("en")
    with pytest.raises(secrets.KeyringTimeout):
        secrets.save_token(URL, USER, "tok", backend=kr, timeout=0.3, config_dir=tmp_path)
    kr.release.set()


class MemoryKeyring(KeyringBackend):
    """Stands for a real keyring (the secret is kept by another process)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


def test_a_backend_that_writes_plain_files_is_no_keyring(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    with pytest.raises(secrets.NoKeyring) as e:
        secrets.save_token(URL, USER, "tok-123", backend=kr, config_dir=tmp_path)
    assert "ZHUMENG_TOKEN" in e.value.message("zh") and "--insecure-token-file" in e.value.message("en")
    assert not (tmp_path / "keyring.cfg").exists()  # the token is not written there

    class Chain(chainer.ChainerBackend):
        backends = [kr]  # type: ignore[assignment]  # noqa: RUF012

    with pytest.raises(secrets.NoKeyring):
        secrets.save_token(URL, USER, "tok-123", backend=Chain(), config_dir=tmp_path)
    real = MemoryKeyring()

    class Mixed(chainer.ChainerBackend):
        backends = [kr, real]  # type: ignore[assignment]  # noqa: RUF012

    assert secrets.save_token(URL, USER, "tok-123", backend=Mixed(), config_dir=tmp_path).source == "keyring"
    assert list(real.kept.values()) == ["tok-123"] and not (tmp_path / "keyring.cfg").exists()


def test_working_keyring_round_trip(tmp_path: Path) -> None:
    kr = MemoryKeyring()
    saved = secrets.save_token(URL, USER, "tok-123", backend=kr, config_dir=tmp_path)
    assert saved.source == "keyring" and saved.warning() is None
    got = secrets.load_token(URL, USER, backend=kr, env={}, config_dir=tmp_path)
    assert (got.token, got.source) == ("tok-123", "keyring")
    assert secrets.load_token("http://other", USER, backend=kr, env={}, config_dir=tmp_path).token is None
    secrets.delete_token(URL, USER, backend=kr, config_dir=tmp_path)
    assert secrets.load_token(URL, USER, backend=kr, env={}, config_dir=tmp_path).token is None


# ---------------------------------------------------------------- config --


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_defaults_when_missing(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "nope.toml")
    assert cfg.language == "zh" and cfg.page_size is None and not cfg.insecure_token_file


def test_config_read(tmp_path: Path) -> None:
    p = write(tmp_path, 'server_url = "https://zm.example.cn/"\nlanguage = "en"\ntheme = "nord"\n'
                        'page_size = 500\ninsecure_token_file = true\nusername = "demo-univ"\n'
                        '[keymap]\n"review.confirm" = "c, ctrl+k"\n"app.quit" = ["q"]\n')
    cfg = load_config(p)
    assert cfg.server_url == "https://zm.example.cn" and cfg.language == "en" and cfg.theme == "nord"
    assert cfg.page_size == 500 and cfg.insecure_token_file and cfg.username == "demo-univ"
    assert cfg.keymap == {"review.confirm": ["c", "ctrl+k"], "app.quit": ["q"]}


def test_malformed_config_names_file_and_line(tmp_path: Path) -> None:
    p = write(tmp_path, 'language = "zh"\n\nserver_url = \n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert e.value.line == 3
    assert str(p) in e.value.message("en") and f"{p}:3" in e.value.message("zh")


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ('language = "fr"', "language", "zh or en"),
        ("page_size = 0", "page_size", "10 to 10000"),
        ('insecure_token_file = "yes"', "insecure_token_file", "true or false"),
        ('server_url = "ftp://x"', "server_url", "http://"),
        ("colour = 1", "colour", "known settings"),
        ('[keymap]\n"a.b" = 3', "keymap.a.b", "key string"),
    ],
)
def test_bad_value_names_key_and_allowed(tmp_path: Path, text: str, key: str, allowed: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    assert e.value.key == key
    assert key in e.value.message("en") and allowed in e.value.message("en")


@pytest.mark.parametrize("url,insecure", [
    ("http://127.0.0.1:8765", False), ("http://localhost:8765", False), ("http://[::1]:8765", False),
    ("http://127.8.0.1", False), ("https://zhumeng.example.edu.cn", False),
    ("http://zhumeng.example.edu.cn", True), ("http://10.0.0.5:8765", True), ("http://localhost.evil.cn", True),
])
def test_http_to_another_machine_is_insecure(url: str, insecure: bool) -> None:
    from zhumeng_tui.config import insecure_http

    assert insecure_http(url) is insecure


@pytest.mark.parametrize("url", ["notaurl", "ftp://zhumeng.example.edu.cn", "https://", "https://localhost:99999",
                                 "https://zhumeng example.edu.cn", "zhumeng.example.edu.cn"])
@pytest.mark.parametrize("command", [[], ["sync"]])
def test_a_server_address_that_is_not_one_is_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, command: list[str]
) -> None:
    from zhumeng_tui import cli

    # before the command's name or after it
    code = cli.main(["--config", str(tmp_path / "none.toml"), "--data-dir", str(tmp_path), "--user", "alice",
                     *command, "--server", url])
    err = capsys.readouterr().err
    assert code == 2 and f"--server {url!r}" in err and "https://" in err
    assert not list(tmp_path.iterdir())  # no cache made, nothing asked of a server
    config = tmp_path / "config.toml"
    config.write_text(f'server_url = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.key == "server_url" and "https://" in caught.value.message("en")


@pytest.mark.parametrize("command", [[], ["export", "interns"], ["logout"]])
def test_the_app_refuses_http_to_another_machine_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    from zhumeng_tui import cli

    code = cli.main(["--config", str(tmp_path / "none.toml"), "--server", "http://zhumeng.example.edu.cn",
                     "--data-dir", str(tmp_path), "--user", "alice", *command])
    err = capsys.readouterr().err
    assert code == 2 and "http://zhumeng.example.edu.cn" in err and "--allow-insecure-http" in err
