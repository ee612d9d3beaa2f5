"""Snapshots of the interns list and a withdrawal's detail (fixed demo data,
fixed today) at 80x24 and 120x40. Update with ``pytest --snapshot-update``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Harness, wait_for, wait_signed_in
from tests.tracking.conftest import open_list
from zhumeng_tui.screens.interns import InternsScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen

pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]


def _stamped_id(rows: list[Any]) -> int:
    """The demo request stamped today (deadline across 国庆)."""
    return next(
        r.id for r in rows if r.deadline is not None and not r.deadline.overdue and not r.deadline.submitted
    )


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_interns_list_snapshot(
    harness: Harness, snap_compare: Any, size: tuple[int, int]
) -> None:
    app = harness.app(presynced=True)

    async def run_before(pilot: Any) -> None:
        await wait_signed_in(pilot, app)
        await app.push_screen(InternsScreen())
        screen = app.screen
        await wait_for(pilot, lambda: getattr(screen, "rows", None) is not None)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_withdrawal_detail_snapshot(
    harness: Harness, snap_compare: Any, size: tuple[int, int]
) -> None:
    app = harness.app(presynced=True)

    async def run_before(pilot: Any) -> None:
        await wait_signed_in(pilot, app)
        listing = await open_list(pilot, app, WithdrawalsScreen())
        await app.push_screen(WithdrawalDetailScreen(_stamped_id(listing._rows)))
        detail = app.screen
        await wait_for(pilot, lambda: getattr(detail, "detail", None) is not None)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
