"""A real HTTP transport that can be switched off: the app and tracking tests'
only stand-in, used to simulate losing the network (connection refused)."""

from __future__ import annotations

import httpx


class Switch(httpx.AsyncBaseTransport):
    """A real transport that can be switched off (connection refused)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.offline = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            raise httpx.ConnectError("[Errno 111] Connection refused (injected)", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
