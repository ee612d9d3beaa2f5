"""The app in a real browser: ``serve-web`` driven by Chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
import openpyxl
import pytest

from tests.support import DemoServer, open_services, until
from tests.web.browser import Tab, browser
from tests.web.conftest import ServeWeb, needs_chromium
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.cache.pinyin import name_pinyin
from zhumeng_tui.services import AppFilter, SortSpec

pytestmark = [pytest.mark.slow, needs_chromium]


async def sign_in(tab: Tab, user: str, password: str) -> None:
    tab.mark()
    await tab.type(user)
    await tab.wait_for_text(user)
    await tab.press("Tab")  # the password typed right after it goes to the password field
    await tab.type(password)
    await tab.wait_for_text("•" * len(password))
    tab.mark()
    await tab.press("Enter")


async def rare_name(server: DemoServer, data_dir: Path) -> tuple[str, str, int]:
    """A student in the review queue whose pinyin initials few others share:
    (name, initials, how many rows the initials find)."""
    services = await open_services(server, data_dir, "demo-univ", sync=True)
    try:
        rows = services.query_applications(AppFilter(), SortSpec()).table
        names = [n for n in rows.column("name").to_pylist() if len(n) == 3]
        best: tuple[str, str, int] | None = None
        for name in names[:200]:
            initials = name_pinyin(name)[1]
            found = len(services.query_applications(AppFilter(text=initials), SortSpec()).ids)
            if best is None or found < best[2]:
                best = (name, initials, found)
        assert best is not None
        return best
    finally:
        await services.close()


async def test_sign_in_review_queue_search_and_export_download(
    server: DemoServer, serve_web: ServeWeb, tmp_path: Path
) -> None:
    name, initials, matches = await rare_name(server, tmp_path / "probe")
    before = server.tokens()
    web = serve_web()
    async with browser(tmp_path / "profile") as context:
        page = await context.new_page()
        tab = Tab(page)
        await tab.open(web.url, "密码")

        # the page names a font stack whose CJK part this machine has, and a
        # Chinese character is drawn in two cells, not one or three
        assert await page.evaluate("""async () => {
            const faces = await document.fonts.load('16px "Roboto Mono"', '审核队列');
            return faces.some(f => f.unicodeRange.includes('U+2E80-9FFF') && f.status === 'loaded');
        }""")
        cell, wide = await page.evaluate("""() => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = '16px "Roboto Mono"';
            return [c.measureText('W').width, c.measureText('审').width];
        }""")
        assert cell < wide <= 2 * cell

        # the sign-in screen is shown; the user name and password are the app's own
        await sign_in(tab, "demo-univ", DEMO_PASSWORD)
        await tab.wait_for_text("待我审核", "审核队列", "已同步")  # the dashboard, in Chinese; the first sync done
        await until(lambda: server.tokens() == before + 1, "signed in on the server", 60)

        tab.mark()
        await tab.press("2")
        await tab.wait_for_text("学号", "姓名", " 条")  # the rows are in
        tab.mark()
        await tab.press("/")
        await tab.wait_for_text("全选")  # the footer is drawn again for the search box (its one key)
        await tab.type(initials)
        await tab.wait_for_text(initials, name, f"共 {matches:,} 条")

        # export the list as shown: the browser receives the file
        tab.mark()
        await tab.press("Escape")  # out of the search box: the list's keys are shown again
        await tab.wait_for_text("导出表格")
        tab.mark()
        await tab.press("o")
        await tab.wait_for_text("文件名（浏览器下载）")
        assert "文件夹" not in tab.drawn(since_mark=True)
        async with page.expect_download(timeout=60_000) as info:
            await tab.press("Control+s")
        download = await info.value
        assert download.suggested_filename.endswith(".xlsx")
        assert "审核队列" in download.suggested_filename
        saved = tmp_path / "received.xlsx"
        await download.save_as(saved)
        sheet = openpyxl.load_workbook(saved, read_only=True).active
        values = list(sheet.iter_rows(values_only=True))
        header, rows = values[0], values[1:]
        names = [row[header.index("姓名")] for row in rows]
        assert name in names
        assert len(rows) == matches
        assert all(name_pinyin(str(n))[1].startswith(initials) for n in names)
        await tab.wait_for_text("已交给浏览器下载")

        # closing the tab ends its app process, which revokes its token
        await page.close()
        await until(lambda: server.tokens() == before, "the session's token revoked", 60)
    # nothing of the export was left on the host, nor any token
    data = tmp_path / "data"
    assert not [p for p in data.rglob("*") if p.suffix in (".xlsx", ".csv", ".docx")]
    assert "host-token" not in web.output()


async def test_wrong_password_refused_and_sessions_over_the_cap(
    server: DemoServer, serve_web: ServeWeb, tmp_path: Path
) -> None:
    web = serve_web("--max-sessions", "1")
    async with browser(tmp_path / "profile") as context:
        first = Tab(await context.new_page())
        await first.open(web.url, "密码")
        await sign_in(first, "demo-univ", "not-the-password")
        await first.wait_for_text("用户名或密码错误")

        second = await context.new_page()
        response = await second.goto(web.url)
        assert response is not None and response.status == 503
        assert "同时在线的会话已满（1 个）" in await second.inner_text("body")

        # a session that ends frees its place
        await first.page.close()
        await until(lambda: httpx.get(web.url + "/", timeout=5).status_code == 200, "a place free again", 60)
