"""A browser tab on ``serve-web`` for the tests: Chromium driven by
Playwright, and what the app drew in it.

The terminal in the page draws on a canvas, so what the app shows is read
from what the app sent to the tab: the bytes on the tab's websocket, with
the terminal's control sequences taken out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, WebSocket, async_playwright

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

_CONTROL = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Tab:
    """One page of the app: keys in, text drawn out."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._received: list[bytes] = []
        self._mark = 0
        page.on("websocket", self._watch)

    def _watch(self, websocket: WebSocket) -> None:
        websocket.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        self._received.append(payload if isinstance(payload, bytes) else payload.encode())

    def drawn(self, since_mark: bool = False) -> str:
        """The text the app drew (since :meth:`mark`)."""
        data = b"".join(self._received)
        if since_mark:
            data = data[self._mark:]
        return _CONTROL.sub(b"", data).decode("utf-8", "replace")

    def mark(self) -> None:
        """Later :meth:`wait_for_text` calls look only at what is drawn after this."""
        self._mark = sum(len(x) for x in self._received)

    async def wait_for_text(self, *texts: str, timeout: float = 60.0) -> None:
        """Until every one of ``texts`` was drawn since the mark; after
        ``timeout`` seconds (a guard against a hang) fail saying which were not."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            drawn = self.drawn(since_mark=True)
            missing = [t for t in texts if t not in drawn]
            if not missing:
                return
            if loop.time() > end:
                await self.page.screenshot(path=str(Path("/tmp") / "zhumeng-web-failure.png"))
                raise AssertionError(f"not drawn within {timeout:g} s: {missing}\n--- drawn ---\n{drawn[-3000:]}")
            await asyncio.sleep(0.1)

    async def open(self, url: str, first_text: str) -> None:
        """Open the page; once ``first_text`` is drawn, the keyboard goes to the app."""
        await self.page.goto(url)
        await self.wait_for_text(first_text)
        await self.page.focus("#terminal .xterm-helper-textarea")

    async def press(self, *keys: str) -> None:
        for key in keys:
            await self.page.keyboard.press(key)

    async def type(self, text: str) -> None:
        await self.page.keyboard.type(text, delay=20)


@asynccontextmanager
async def browser(profile: Path) -> AsyncIterator[BrowserContext]:
    """Chromium (headless, an empty profile in ``profile``) that accepts downloads."""
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            accept_downloads=True, viewport={"width": 1280, "height": 800}, locale="zh-CN",
        )
        try:
            yield context
        finally:
            await context.close()
