"""Snapshot tests (pytest-textual-snapshot) of the dashboard, the review queue
and the detail screen at 80x24 and 120x40, against the demo server with fixed
data (seed 1, today 2026-03-10). Regenerate after an intended change with
``make snapshots`` and look at the SVGs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Harness, wait_for, wait_synced
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.detail import DetailScreen
from zhumeng_tui.screens.review import ReviewQueueScreen

pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]


def _size_id(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


async def _dashboard(pilot: Any) -> None:
    app = pilot.app
    await wait_synced(pilot, app)
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.dashboard is not None)
    await pilot.pause(0.2)


async def _queue(pilot: Any) -> None:
    app = pilot.app
    await _dashboard(pilot)
    await pilot.press("2")
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.rows is not None and not screen._loading)
    await pilot.press("space", "space", "down")
    await pilot.pause(0.2)


async def _detail(pilot: Any) -> None:
    app = pilot.app
    await _queue(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail is not None)
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_dashboard_snapshot(snap_compare: Any, harness: Harness, size: tuple[int, int]) -> None:
    assert snap_compare(harness.app(), terminal_size=size, run_before=_dashboard)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_queue_snapshot(snap_compare: Any, harness: Harness, size: tuple[int, int]) -> None:
    assert snap_compare(harness.app(), terminal_size=size, run_before=_queue)


@pytest.mark.parametrize("size", SIZES, ids=_size_id)
def test_detail_snapshot(snap_compare: Any, harness: Harness, size: tuple[int, int]) -> None:
    assert snap_compare(harness.app(), terminal_size=size, run_before=_detail)
