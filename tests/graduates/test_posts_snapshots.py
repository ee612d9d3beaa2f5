"""Snapshots of the job-post screens (fixed demo data, fixed today) at 80x24
and 120x40: the posts list (J), a post, a graduate's recommended posts and
the summary ledger (L) and the chart of its employment table (``]`` then
``g``; also without colour: the bars' fills tell the series apart). Update
with ``make snapshots``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.screen import Screen

from tests.graduates.test_snapshots import tables_measured
from tests.support import Harness, wait_for, wait_signed_in
from zhumeng_tui.screens.graduate_posts import GraduatePostsScreen
from zhumeng_tui.screens.ledger import LedgerScreen
from zhumeng_tui.screens.post_detail import PostDetailScreen
from zhumeng_tui.screens.posts import PostsScreen
from zhumeng_tui.services import GraduateFilter, PostFilter, Services
from zhumeng_tui.widgets.chart import ChartView

pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]


def _post(s: Services) -> Screen[Any]:
    """The first valid post pushed to someone."""
    return PostDetailScreen(next(r.post.id for r in s.query_posts(PostFilter()) if r.pushed))


def _recommended(s: Services) -> Screen[Any]:
    """A graduate with pushes and recommendations."""
    gid = next(g for g in s.graduate_ids_matching(GraduateFilter()) if s.graduate_posts(g).pushes
               and s.graduate_posts(g).picks)
    return GraduatePostsScreen(gid, "张三  2023010001  ·  软件工程")


SCREENS: dict[str, tuple[Callable[[Services], Screen[Any]], str]] = {
    "posts": (lambda s: PostsScreen(), "_rows"),
    "post": (_post, "detail"),
    "recommended": (_recommended, "value"),
    "ledger": (lambda s: LedgerScreen(), "ledger"),
    "ledger_chart": (lambda s: LedgerScreen(), "ledger"),
}

#: Keys pressed once the screen is shown, and what they lead to.
KEYS: dict[str, tuple[list[str], Callable[[Screen[Any]], bool]]] = {
    "ledger_chart": (["right_square_bracket", "g"], lambda screen: screen.query_one(ChartView).display
                     and getattr(screen.query_one(ChartView).chart, "key", None) == "ledger-1"),
}


def _run_before(app: Any, name: str) -> Callable[[Any], Awaitable[None]]:
    make, loaded = SCREENS[name]

    async def run_before(pilot: Any) -> None:
        services = await wait_signed_in(pilot, app)
        screen = make(services)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: bool(getattr(screen, loaded, None)), f"{name} shown")
        if name in KEYS:
            keys, reached = KEYS[name]
            await pilot.press(*keys)
            await wait_for(pilot, lambda: reached(screen), f"{name} after {keys}")
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: tables_measured(screen), "the tables' column widths measured")

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
@pytest.mark.parametrize("name", list(SCREENS))
def test_posts_snapshot(harness: Harness, snap_compare: Any, name: str, size: tuple[int, int]) -> None:
    app = harness.app(presynced=True)
    assert snap_compare(app, terminal_size=size, run_before=_run_before(app, name))


def test_ledger_chart_without_colour_snapshot(harness: Harness, snap_compare: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = harness.app(presynced=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_run_before(app, "ledger_chart"))
