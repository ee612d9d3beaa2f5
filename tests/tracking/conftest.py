"""The tracking tests' own fixtures: the demo server on a loopback port on a
day whose withdrawal deadlines run across the National Day holiday, and a way
to open one of the tracking lists."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

import pytest
from textual.pilot import Pilot

from tests.support import DemoServer, ServerFactory, wait_for
from zhumeng_tui.app import ZhumengApp
from zhumeng_tui.screens.record_list import RecordListScreen

#: A request stamped on 30 Sep 2026 is due across 国庆 (1-7 Oct) on Sat 10 Oct (调休).
NATIONAL_DAY_EVE = dt.date(2026, 9, 30)


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server(today=NATIONAL_DAY_EVE, loopback=True)


ListT = TypeVar("ListT", bound=RecordListScreen[Any, Any])


async def open_list(pilot: Pilot[object], app: ZhumengApp, screen: ListT) -> ListT:
    """Push a tracking list (withdrawals, integrity...) and wait for its rows."""
    await app.push_screen(screen)
    assert app.screen is screen
    await wait_for(pilot, lambda: bool(screen._rows), f"rows of {type(screen).__name__}")
    return screen
