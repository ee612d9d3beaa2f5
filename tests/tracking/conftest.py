"""Fixtures for the tracking tests: a real demo server on loopback (uvicorn),
the real client core with a real SQLite cache, and the real app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from zhumeng_server.testing import DEMO_PASSWORD, make_demo_app, serve_on_loopback
from zhumeng_tui.app import LaunchOptions, ZhumengApp
from zhumeng_tui.screens.record_list import RecordListScreen
from zhumeng_tui.services.local import LocalServices, connect

#: Stamping today, 30 Sep 2026, runs across 国庆 (1-7 Oct) to Sat 10 Oct (调休).
TODAY = dt.date(2026, 9, 30)


class Server:
    def __init__(self, app: Any, url: str, today: dt.date) -> None:
        self.app = app
        self.url = url
        self.today = today


def start_server(tmp_path: Path, today: dt.date, students: int = 200) -> Iterator[Server]:
    d = tmp_path / f"server-{today.isoformat()}"
    d.mkdir(parents=True, exist_ok=True)
    app = make_demo_app(d, students=students, seed=1, today=today)
    with serve_on_loopback(app) as url:
        yield Server(app, url, today)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    yield from start_server(tmp_path, TODAY)


async def open_services(
    server: Server,
    tmp_path: Path,
    username: str = "demo-univ",
    transport: httpx.AsyncBaseTransport | None = None,
    sync: bool = True,
) -> LocalServices:
    """The services as the app builds them (``services.local.connect``), on the server's day."""
    services = await connect(
        server.url,
        username=username,
        password=DEMO_PASSWORD,
        data_dir=tmp_path / f"cache-{username}",
        transport=transport,
        today=lambda: server.today,
    )
    if sync:
        await services.sync()
    return services


def make_app(server: Server, tmp_path: Path, username: str = "demo-univ") -> ZhumengApp:
    async def connector(url: str, user: str, password: str | None) -> LocalServices:
        return await open_services(server, tmp_path, user)

    options = LaunchOptions(
        server_url=server.url,
        username=username,
        password=DEMO_PASSWORD,
        sync_on_start=False,
        sync_interval=0,
        data_dir=tmp_path / "app-data",
    )
    return ZhumengApp(options, connector)


async def wait_for(pilot: Any, cond: Callable[[], bool], timeout: float = 10.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def in_province(ts: LocalServices, ids: list[int]) -> list[int]:
    """The ids whose student is in-province (the campus may change them)."""
    cache = ts.cache
    out = []
    for i in ids:
        app = cache.get_record("application", i) or {}
        student = cache.get_record("student", int(app.get("student_id", 0))) or {}
        if not student.get("out_of_province"):
            out.append(i)
    return out


ListT = TypeVar("ListT", bound=RecordListScreen[Any, Any])


async def open_list(pilot: Any, app: ZhumengApp, screen: ListT) -> ListT:
    """Push a tracking list (withdrawals, integrity...) and wait for its rows."""
    await app.push_screen(screen)
    assert app.screen is screen
    await wait_for(pilot, lambda: bool(screen._rows))
    return screen
