"""Snapshots of the graduate-services screens (fixed demo data, fixed today)
at 80x24 and 120x40: the graduates list (7), the hardship ledger (8), a
case, a session and a graduate. Update with ``make snapshots``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import DataTable

from tests.support import Harness, wait_for, wait_signed_in
from zhumeng_tui.domain.graduates import GraduateFlag
from zhumeng_tui.screens.case_detail import CaseDetailScreen
from zhumeng_tui.screens.graduate_detail import GraduateDetailScreen
from zhumeng_tui.screens.graduates import GraduatesScreen
from zhumeng_tui.screens.hardship import HardshipScreen
from zhumeng_tui.screens.session_detail import SessionDetailScreen
from zhumeng_tui.services import CaseFilter, GraduateFilter, Services, SessionFilter

pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]


def tables_measured(screen: Screen[Any]) -> bool:
    """Every table of the screen has measured its columns for the rows it holds
    (a DataTable does that when the app is next idle)."""
    return all(not t._require_update_dimensions and not t._updated_cells for t in screen.query(DataTable))


def _case(s: Services) -> Screen[Any]:
    """An open case with a plan, visits and a subsidy waiting."""
    return CaseDetailScreen(next(c.id for c in s.query_cases(CaseFilter()) if c.subsidy and c.plan_target))


def _session(s: Services) -> Screen[Any]:
    """The session with the most attendees."""
    return SessionDetailScreen(max(s.query_sessions(SessionFilter()), key=lambda r: r.attendees).session.id)


def _graduate(s: Services) -> Screen[Any]:
    """A graduate with an open case and a need."""
    case = next(c for c in s.query_cases(CaseFilter()) if s.graduate_detail(c.graduate_id).needs)
    return GraduateDetailScreen(case.graduate_id)


SCREENS: dict[str, tuple[Callable[[Services], Screen[Any]], str]] = {
    "graduates": (lambda s: GraduatesScreen(), "rows"),
    "graduates_unserved": (lambda s: GraduatesScreen(GraduateFilter(flag=GraduateFlag.UNSERVED)), "rows"),
    "hardship": (lambda s: HardshipScreen(), "_rows"),
    "case": (_case, "detail"),
    "session": (_session, "detail"),
    "graduate": (_graduate, "detail"),
}


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_graduate_services_snapshot(harness: Harness, snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    app = harness.app(presynced=True)
    make, loaded = SCREENS[name]

    async def run_before(pilot: Any) -> None:
        services = await wait_signed_in(pilot, app)
        screen = make(services)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: bool(getattr(screen, loaded, None)), f"{name} shown")
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: tables_measured(screen), "the tables' column widths measured")
        for table in screen.query(DataTable):
            # Textual keys its cached cell renders without the column width: a
            # render made before the widths were measured would be shown again
            table._update_count += 1
            table.refresh()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
