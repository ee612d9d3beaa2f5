"""The browser tests run ``zhumeng-tui --server URL serve-web`` as a process
against the demo server on a loopback port, and drive it with Playwright in
Debian's Chromium (``/usr/bin/chromium``, headless). Without that Chromium
the browser tests are skipped, and say so."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import DemoServer, ServerFactory
from zhumeng_server.testing import free_port

CHROMIUM = Path("/usr/bin/chromium")
#: The machine's closed network refuses Chromium's background connections:
#: none are made, and the profile starts empty.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"browser tests need Chromium at {CHROMIUM} (Debian: apt-get install chromium fonts-noto-cjk)",
)


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server(loopback=True)


@dataclass
class WebApp:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


#: ``serve_web(*options)`` -> the running server (stopped after the test).
ServeWeb = Callable[..., WebApp]


@pytest.fixture
def serve_web(server: DemoServer, tmp_path: Path) -> Iterator[ServeWeb]:
    """Starts ``zhumeng-tui --server <the demo server> serve-web`` with
    ``options`` on a free loopback port, its data dir and config dir in
    ``tmp_path``; waits until the page answers."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str) -> WebApp:
        port = free_port()
        log = tmp_path / f"serve-web-{port}.log"
        env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "ZHUMENG_TOKEN": "host-token"}
        argv = [sys.executable, "-m", "zhumeng_tui.cli", "--server", server.url, "--data-dir",
                str(tmp_path / "data"), "serve-web", "--port", str(port), *options]
        with log.open("wb") as out:
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        started.append(process)
        url = f"{'https' if '--ssl-certfile' in options else 'http'}://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(url + "/", timeout=2, verify=False)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("serve-web did not start:\n" + log.read_text(errors="replace")) from None
                time.sleep(0.2)
        return WebApp(url, process, log)

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
