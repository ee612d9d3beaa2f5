"""The app counts days on the server's date (the server decides deadlines
on it), even when this machine's clock says another day."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.support import DemoServer, open_services
from zhumeng_tui.services import WithdrawalFilter, WithdrawalListState


async def test_days_left_count_from_the_servers_date(server: DemoServer, tmp_path: Path) -> None:
    behind = server.today - dt.timedelta(days=3)
    ts = await open_services(server, tmp_path / "cache", today=lambda: behind, sync=True)
    assert ts.me.today == server.today
    assert ts.today() == server.today
    on_time = await open_services(server, tmp_path / "cache2", sync=True)
    rows = ts.query_withdrawals(WithdrawalFilter(state=WithdrawalListState.OPEN))
    same = on_time.query_withdrawals(WithdrawalFilter(state=WithdrawalListState.OPEN))
    assert [r.deadline for r in rows] == [r.deadline for r in same]
    await ts.close()
    # signed in again a day later on this machine's clock: still the server's day
    again = await open_services(server, tmp_path / "cache", today=lambda: behind + dt.timedelta(days=1))
    assert again.today() == server.today
    await again.close()
    await on_time.close()
