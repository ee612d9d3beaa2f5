"""``zhumeng-tui sync`` run as a person or a cron job would: a subprocess
against the reference server on a loopback port, with the app's cache and
sign-in. Progress on stderr, a summary on stdout, and on failure one line
and a non-zero exit status."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import DemoServer, ServerFactory, child_env, sign_in_token
from zhumeng_tui.cache.outbox import Mutation, MutationItem
from zhumeng_tui.cache.store import Cache, cache_path
from zhumeng_tui.commands import EXIT

pytestmark = pytest.mark.slow



def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None, code: str | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``zhumeng-tui --data-dir ... --config ... ARGS`` (or ``code`` run
    before ``cli.main``, for a fault planted in the child) with the user's
    directories and keyring out of the way."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    full_env = child_env(home, **(env or {}))
    argv = ["--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "none.toml"), *args]
    prog = textwrap.dedent(code or "") + f"\nfrom zhumeng_tui import cli\nraise SystemExit(cli.main({argv!r}))\n"
    return subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, env=full_env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def cached(server: DemoServer, tmp_path: Path, username: str = "demo-univ") -> Cache:
    return Cache(cache_path(server.url, username, tmp_path / "data"))


@pytest.fixture
def loopback(make_server: ServerFactory) -> DemoServer:
    return make_server(loopback=True)


def test_sync_fills_the_apps_cache_and_prints_a_summary(loopback: DemoServer, tmp_path: Path) -> None:
    env = {"ZHUMENG_TOKEN": sign_in_token(loopback.url)}
    done = run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "sync", env=env)
    assert done.returncode == 0, done.stderr
    assert "同步完成：收到" in done.stdout and "发送 0 项更改，冲突 0，被拒 0" in done.stdout
    # not a terminal: plain progress lines, records and bytes so far
    assert "同步中：" in done.stderr and "条记录" in done.stderr and "MB" in done.stderr and "\r" not in done.stderr
    cache = cached(loopback, tmp_path)
    n = cache.conn().execute("SELECT count(*) FROM m_application").fetchone()[0]
    assert n > 0 and cache.conn().execute("SELECT count(*) FROM app_view").fetchone()[0] == n
    assert not cache.view_stale and cache.cursor > 0
    cache.close()
    # again: nothing new, still a summary, in English when asked
    again = run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "--lang", "en", "sync", env=env)
    assert again.returncode == 0, again.stderr
    assert "Synced: 0 records received" in again.stdout


def test_sync_sends_the_outbox(loopback: DemoServer, tmp_path: Path) -> None:
    env = {"ZHUMENG_TOKEN": sign_in_token(loopback.url)}
    assert run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "sync", env=env).returncode == 0
    cache = cached(loopback, tmp_path)
    rec = cache.conn().execute("SELECT data FROM m_application WHERE status = 'dept_confirmed' AND worst = 'pass'"
                               " LIMIT 1").fetchone()
    import json

    app = json.loads(rec[0])
    cache.outbox.add(Mutation("record", "POST", f"/applications/{app['id']}/actions",
                              {"action": "reject", "reason": "材料不全"},
                              [MutationItem("application", app["id"], {**app, "status": "rejected"})],
                              if_match=app["version"]))
    cache.close()
    # the options may come after the command too (the cache is the same one)
    done = run(tmp_path, "sync", "--server", loopback.url, "--user", "demo-univ", env=env)
    assert done.returncode == 0, done.stderr
    assert "发送 1 项更改" in done.stdout
    cache = cached(loopback, tmp_path)
    assert [e.state for e in cache.outbox.entries()] == ["done"]
    assert cache.get_record("application", app["id"])["status"] == "rejected"  # type: ignore[index]
    cache.close()


def test_server_unreachable_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    done = run(tmp_path, "--server", f"http://127.0.0.1:{port}", "--user", "demo-univ", "sync",
               env={"ZHUMENG_TOKEN": "t"})
    assert done.returncode == EXIT["unreachable"]
    assert done.stderr.strip().count("\n") == 0 and "无法连接服务器" in done.stderr
    assert done.stderr.count("无法连接服务器") == 1  # said once
    assert done.stdout == ""


def test_expired_sign_in_is_one_line(loopback: DemoServer, tmp_path: Path) -> None:
    done = run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "sync",
               env={"ZHUMENG_TOKEN": "not-a-valid-token"})
    assert done.returncode == EXIT["sign_in"]
    assert done.stderr.strip().count("\n") == 0 and "登录" in done.stderr


def test_no_sign_in_without_a_terminal_is_one_line(loopback: DemoServer, tmp_path: Path) -> None:
    done = run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "sync")
    assert done.returncode == EXIT["sign_in"]
    assert done.stderr.strip().count("\n") == 0 and "需要登录" in done.stderr
    assert done.stderr.count("需要登录") == 1  # said once


def test_disk_full_while_writing_the_cache(loopback: DemoServer, tmp_path: Path) -> None:
    # the cache write fails the way SQLite reports a full disk
    plant = """
        import sqlite3
        from zhumeng_tui.cache.store import Cache
        def full(self, *args, **kwargs):
            raise sqlite3.OperationalError("database or disk is full")
        Cache.apply_changes = full
    """
    done = run(tmp_path, "--server", loopback.url, "--user", "demo-univ", "sync",
               env={"ZHUMENG_TOKEN": sign_in_token(loopback.url)}, code=plant)
    assert done.returncode == EXIT["disk_full"], done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("磁盘已满") and "cache-" in last


@pytest.mark.skipif(shutil.which("unshare") is None or sys.platform != "linux", reason="needs unshare (Linux)")
@pytest.mark.parametrize("size", ["1m", "4m"])
def test_disk_full_on_a_tiny_filesystem(loopback: DemoServer, tmp_path: Path, size: str) -> None:
    """A real full disk: the cache on a tmpfs of 1 MiB (in a private mount
    namespace), where not even an empty cache fits, or of 4 MiB, where it
    does and the first sync needs more."""
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no private mount namespace here")
    data = tmp_path / "data"
    data.mkdir()
    env = child_env(tmp_path, ZHUMENG_TOKEN=sign_in_token(loopback.url))
    script = (f"mount -t tmpfs -o size={size} tmpfs {data} && exec {sys.executable} -m zhumeng_tui.cli"
              f" --data-dir {data} --config {tmp_path / 'none.toml'} --server {loopback.url} --user demo-univ sync")
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, env=env, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == EXIT["disk_full"], done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("磁盘已满")
    assert (size == "4m") == any(line.startswith("同步中") for line in lines), lines  # the sync got going


def test_the_other_headless_commands_fail_with_the_same_statuses(loopback: DemoServer, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from zhumeng_tui import cli

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    common = ["--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "none.toml"), "--user", "demo-univ"]
    monkeypatch.setenv("ZHUMENG_TOKEN", "t")
    assert cli.main([*common, "--server", f"http://127.0.0.1:{port}", "export", "interns"]) == EXIT["unreachable"]
    assert "无法连接服务器" in capsys.readouterr().err
    monkeypatch.setenv("ZHUMENG_TOKEN", "not-a-valid-token")
    assert cli.main([*common, "--server", loopback.url, "export", "interns"]) == EXIT["sign_in"]
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0 and err.startswith("需要登录：")
