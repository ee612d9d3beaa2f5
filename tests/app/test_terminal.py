"""The app on a real (pseudo-)terminal, as a process: when the terminal hangs
up and nobody sends the app the hang-up signal (it was started by ``make
run`` or a script, which got the signal instead), the app leaves instead of
running on for nobody."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.support import ServerFactory, child_env, sign_in_token
from zhumeng_tui.app import TERMINAL_GONE

pytestmark = pytest.mark.slow


def read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    """What the app wrote to the terminal until ``wanted`` appears (or the time is up)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:
                break
    return seen


def test_the_app_leaves_when_its_terminal_hangs_up(make_server: ServerFactory, tmp_path: Path) -> None:
    server = make_server(loopback=True)
    env = child_env(tmp_path, ZHUMENG_TOKEN=sign_in_token(server.url), TERM="xterm-256color")
    argv = ["--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "none.toml"),
            "--server", server.url, "--user", "demo-univ"]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # a session of its own and no controlling terminal: no hang-up signal reaches it
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from zhumeng_tui import cli\nraise SystemExit(cli.main({argv!r}))"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    os.close(slave)
    try:
        shown = read_until(master, "待办".encode(), timeout=60)
        assert "待办".encode() in shown, shown[-500:]
        os.close(master)  # the terminal hangs up
        master = -1
        code = proc.wait(timeout=30)
        assert code == TERMINAL_GONE
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
