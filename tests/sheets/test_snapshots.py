"""Snapshots of the statistics screen (at 80x24 and 120x40, and without
colour: the numbers carry it) and of the export dialog at 80x24, against the
demo server with fixed data (seed 1, today 2026-03-10). Regenerate after an
intended change with ``make snapshots`` and look at the SVGs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from tests.support import DemoServer, Harness, ServerFactory, wait_for, wait_synced
from zhumeng_tui.screens.export_dialog import ExportDialog
from zhumeng_tui.screens.statistics import StatisticsScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen

pytestmark = pytest.mark.slow


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server(loopback=True)


async def _statistics(pilot: Any) -> None:
    app = pilot.app
    await wait_synced(pilot, app)
    await pilot.press("9")
    await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen) and bool(app.screen.charts))
    await pilot.pause(0.3)


async def _export_dialog(pilot: Any) -> None:
    app = pilot.app
    await wait_synced(pilot, app)
    await pilot.press("4")
    await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalsScreen) and app.screen.table.row_count > 0)
    # the columns take their widths from the rows on the next idle; the list
    # behind the dialog is drawn as it was when the dialog opened
    await wait_for(pilot, lambda: app.screen.table.columns["no"].content_width >= len("2023020001"))
    await pilot.pause()
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
    app.screen.query_one("#x-folder", Input).value = "/home/staff/Documents"  # the proposed folder differs per machine
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_statistics_snapshot(snap_compare: Any, harness: Harness, size: tuple[int, int]) -> None:
    assert snap_compare(harness.app(), terminal_size=size, run_before=_statistics)


def test_statistics_without_colour_snapshot(snap_compare: Any, harness: Harness,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(harness.app(), terminal_size=(80, 24), run_before=_statistics)


def test_export_dialog_snapshot(snap_compare: Any, harness: Harness) -> None:
    assert snap_compare(harness.app(), terminal_size=(80, 24), run_before=_export_dialog)
