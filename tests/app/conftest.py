"""Fixtures for the app tests: a real demo server on a loopback port
(``make_demo_app`` + uvicorn), the real client core with a real SQLite cache in
``tmp_path``, and the real app driven with ``App.run_test()`` + Pilot.

The only stand-in is :class:`Switch`, a real HTTP transport that can be
switched off to simulate losing the network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.switch import Switch
from zhumeng_server.testing import DEMO_PASSWORD, make_demo_app, serve_on_loopback
from zhumeng_tui.app import Connected, LaunchOptions, ZhumengApp
from zhumeng_tui.i18n import set_lang
from zhumeng_tui.services import Services
from zhumeng_tui.services.local import connect as services_connect

TODAY = dt.date(2026, 3, 10)


@dataclass
class Server:
    app: Any
    url: str


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    d = tmp_path / "server"
    d.mkdir()
    app = make_demo_app(d, students=200, seed=1, today=TODAY)
    with serve_on_loopback(app) as url:
        yield Server(app, url)


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    set_lang("zh")
    yield
    set_lang("zh")


@dataclass
class Harness:
    """Builds apps against ``server`` with a real cache under ``tmp_path``."""

    server: Server
    tmp_path: Path
    switch: Switch = field(default_factory=Switch)
    opened: list[Services] = field(default_factory=list)

    def connector(self) -> Callable[[str, str, str | None], Any]:
        async def connect(url: str, username: str, password: str | None) -> Connected:
            services = await services_connect(
                url,
                username=username,
                password=password,
                data_dir=self.tmp_path / "cache",
                transport=self.switch,
                today=lambda: TODAY,
            )
            self.opened.append(services)
            return Connected(services)

        return connect

    def app(
        self,
        username: str | None = "demo-univ",
        password: str | None = DEMO_PASSWORD,
        *,
        sync_on_start: bool = True,
        keymap: dict[str, str] | None = None,
    ) -> ZhumengApp:
        options = LaunchOptions(
            server_url=self.server.url,
            username=username,
            password=password,
            sync_on_start=sync_on_start,
            sync_interval=0,
            keymap=keymap or {},
            data_dir=self.tmp_path / "cache",
        )
        return ZhumengApp(options, self.connector())


@pytest.fixture
def harness(server: Server, tmp_path: Path) -> Harness:
    return Harness(server, tmp_path)


async def wait_for(pilot: Any, cond: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not cond():
        if loop.time() > end:
            raise AssertionError(f"condition not met in time: {what}")
        await pilot.pause(0.05)


async def wait_synced(pilot: Any, app: ZhumengApp) -> None:
    """Until the app has services and the first sync finished."""
    await wait_for(pilot, lambda: app.services is not None, what="signed in")
    await wait_for(
        pilot,
        lambda: not app.workers or all(w.group != "sync" or w.is_finished for w in app.workers),
        what="sync finished",
    )
    await wait_for(pilot, lambda: app.last_sync_status is not None and not app.last_sync_status.syncing)
    await pilot.pause(0.1)
