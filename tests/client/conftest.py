"""Fixtures for the client-core tests: a real demo server (in-process ASGI or
loopback uvicorn) and a fault-injecting transport around it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from zhumeng_server.testing import make_demo_app
from zhumeng_tui.api_client.client import ApiClient
from zhumeng_tui.services.local import LocalServices, connect

TODAY = dt.date(2026, 3, 10)
PASSWORD = "zhumeng-demo"


class FaultTransport(httpx.AsyncBaseTransport):
    """Wraps a real transport and injects failures.

    ``offline``: every request fails to connect. ``plan``: faults for the next
    matching requests, consumed in order, each ``(method or None, fault)``:
      "refuse"  connection refused before anything reached the server
      "lose"    the server applied the request but the answer is lost (ReadTimeout)
      "503"     the server answers 503 without doing anything
      "dup"     the request reaches the server twice (the first answer is dropped)
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.offline = False
        self.plan: list[tuple[str | None, str]] = []
        self.log: list[tuple[str, str, str | None, str]] = []  # method, path, key, outcome

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


@pytest.fixture
def demo_app(tmp_path: Path) -> Any:
    (tmp_path / "server").mkdir(exist_ok=True)
    return make_demo_app(tmp_path / "server", students=200, seed=1, today=TODAY)


@pytest.fixture
def fault(demo_app: Any) -> FaultTransport:
    return FaultTransport(httpx.ASGITransport(app=demo_app))


async def open_client(
    tmp_path: Path, transport: httpx.AsyncBaseTransport, username: str = "demo-univ", **kw: Any
) -> LocalServices:
    """The services as the app builds them (``services.local.connect``), on the
    demo server's day unless ``today`` says otherwise."""
    api = ApiClient("http://demo.test", transport=transport, retries=kw.pop("retries", 0), backoff=0.001)
    kw.setdefault("today", lambda: TODAY)
    svc = await connect(
        "http://demo.test", username=username, password=PASSWORD, data_dir=tmp_path / "data", api=api, **kw
    )
    svc.engine.backoff = 0.0
    return svc


@pytest.fixture
async def univ(tmp_path: Path, fault: FaultTransport) -> AsyncIterator[LocalServices]:
    svc = await open_client(tmp_path, fault)
    await svc.sync()
    yield svc
    await svc.close()


async def server_app(transport: httpx.AsyncBaseTransport, aid: int, username: str = "demo-univ") -> dict[str, Any]:
    """The application as the server has it now (a fresh, fault-free client)."""
    async with ApiClient("http://demo.test", transport=transport, retries=0) as api:
        await api.login(username, PASSWORD)
        return (await api.get_application(aid)).model_dump(mode="json")
