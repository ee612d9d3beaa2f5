"""The tests' only stand-in: a real HTTP transport that injects network and
server faults between the client and a real server."""

from __future__ import annotations

import httpx

Fault = str
"""One of: ``"refuse"``, ``"lose"``, ``"503"``, ``"dup"`` (see :class:`FaultTransport`)."""


class FaultTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport (by default plain HTTP, for a server on a
    loopback port) and injects failures.

    ``offline``: every request fails to connect. ``plan``: faults for the next
    matching requests, consumed in order, each ``(method or None, fault)``:
      "refuse"  connection refused before anything reached the server
      "lose"    the server applied the request but the answer is lost (ReadTimeout)
      "503"     the server answers 503 without doing anything
      "dup"     the request reaches the server twice (the first answer is dropped)
    ``log``: every request as ``(method, path, Idempotency-Key, outcome)``.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.offline = False
        self.plan: list[tuple[str | None, Fault]] = []
        self.log: list[tuple[str, str, str | None, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key")
        if self.offline:
            self.log.append((request.method, request.url.path, key, "offline"))
            raise httpx.ConnectError("[Errno 111] Connection refused (injected)", request=request)
        fault = None
        for i, (method, f) in enumerate(self.plan):
            if method is None or method == request.method:
                fault = f
                del self.plan[i]
                break
        self.log.append((request.method, request.url.path, key, fault or "ok"))
        if fault == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused (injected)", request=request)
        if fault == "503":
            return httpx.Response(
                503,
                json={"error": {"code": "unavailable", "message_zh": "服务暂不可用", "message_en": "Unavailable"}},
                request=request,
            )
        resp = await self.inner.handle_async_request(request)
        if fault == "lose":
            await resp.aread()
            raise httpx.ReadTimeout("answer lost (injected)", request=request)
        if fault == "dup":
            await resp.aread()
            resp = await self.inner.handle_async_request(request)
        return resp

    async def aclose(self) -> None:
        await self.inner.aclose()
