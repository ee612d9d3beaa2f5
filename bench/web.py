"""What a browser session of ``zhumeng-tui serve-web`` costs: the memory of
one tab's app process, signed in as the university account of the bench's
demo server, after its first sync and with the review queue open; then a
second tab of the same account (its cache is warm)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.client import server_url
from bench.registry import Context, Figure, bench

PASSWORD = "zhumeng-demo"


def _memory_kb(data_dir: Path) -> list[tuple[int, int]]:
    """(RSS, PSS) in kB of each session process whose data dir is ``data_dir``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"zhumeng_tui.web.session" not in argv or str(data_dir).encode() not in argv:
                continue
            fields = dict(line.split(":", 1) for line in (proc / "smaps_rollup").read_text().splitlines()[1:])
        except OSError:
            continue
        found.append((int(fields["Rss"].split()[0]), int(fields["Pss"].split()[0])))
    return found


async def _open_tab(url: str, until: list[bytes]) -> tuple[object, object]:
    """A tab without a browser: the websocket, signed in, once ``until`` were all drawn."""
    import aiohttp

    http = aiohttp.ClientSession()
    ws = await http.ws_connect(url.replace("http", "ws", 1) + "/ws?width=120&height=40")
    drawn = b""

    async def wait(texts: list[bytes]) -> None:
        nonlocal drawn
        drawn = b""
        while not all(t in drawn for t in texts):
            message = await ws.receive(timeout=600)
            if message.type != aiohttp.WSMsgType.BINARY:
                raise RuntimeError(f"the session ended: {message}")
            drawn += message.data

    await wait(["密码".encode()])
    for keys in ("demo-univ", "\t", PASSWORD, "\r"):  # at a person's pace: the focus moves after a key
        await ws.send_str(json.dumps(["stdin", keys]))
        await asyncio.sleep(0.5)
    await wait(until)
    await ws.send_str(json.dumps(["stdin", "2"]))  # the review queue
    await wait([" 条".encode()])
    return http, ws


@bench("browser session", order=60)
def web_figures(ctx: Context) -> list[Figure]:
    from zhumeng_server.testing import free_port

    url = server_url(ctx)
    data_dir = ctx.directory / "web-data"
    shutil.rmtree(data_dir, ignore_errors=True)  # the first tab's sync is the account's first
    port = free_port()
    log = (ctx.directory / "serve-web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "zhumeng_tui.cli", "--server", url, "--data-dir", str(data_dir), "serve-web",
         "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    page = f"http://127.0.0.1:{port}"

    async def run() -> list[Figure]:
        import httpx

        for _ in range(300):
            try:
                httpx.get(page + "/", timeout=2)
                break
            except httpx.TransportError:
                await asyncio.sleep(0.2)
        t = time.perf_counter()
        first = await _open_tab(page, ["待我审核".encode(), "已同步".encode()])
        first_s = time.perf_counter() - t
        await asyncio.sleep(2)
        (rss1, pss1), = _memory_kb(data_dir)
        t = time.perf_counter()
        second = await _open_tab(page, ["待我审核".encode(), "已同步".encode()])
        second_s = time.perf_counter() - t
        await asyncio.sleep(2)
        both = _memory_kb(data_dir)
        for http, ws in (first, second):
            await ws.close()  # type: ignore[attr-defined]
            await http.close()  # type: ignore[attr-defined]
        students = ctx.args.students
        return [
            Figure(f"first tab signed in and synced ({students:,} students)", first_s, "s", None,
                   "the account's first full sync"),
            Figure("RSS of a session, review queue open", rss1 / 1024, "MB", None, "university account"),
            Figure("PSS of a session, review queue open", pss1 / 1024, "MB", None, "shared pages split"),
            Figure("second tab of the account signed in (warm cache)", second_s, "s", None),
            Figure("RSS of two sessions of the account", sum(r for r, _ in both) / 1024, "MB", None),
        ]

    try:
        return asyncio.run(run())
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
