"""The review queue at 80x24: ``ctrl+a`` from the search box, a section key
that opens the queue afresh, what an empty result says, keys typed ahead
(the search box, the reason dialog)."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Input, OptionList

from tests.app.test_app import open_queue
from tests.support import Harness, burst, text_of, wait_for
from zhumeng_tui.domain.status import Action
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.dialogs import COMMON_REASONS, OWN_CHECKS, ReasonDialog
from zhumeng_tui.screens.review import ReviewQueueScreen
from zhumeng_tui.widgets.filter_bar import FilterBar

pytestmark = pytest.mark.slow

SIZE = (80, 24)


async def test_select_all_from_the_search_box(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await pilot.press("slash", *"2022")
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: bool(screen.selected), what="selection")
        assert screen.rows is not None
        f = screen.build_filter()
        ids = app.services.ids_matching(f)  # type: ignore[union-attr]
        everyone = app.services.ids_matching(dataclasses.replace(f, text=""))  # type: ignore[union-attr]
        assert screen.selected == set(ids) and len(ids) < len(everyone)  # only the matches


async def test_a_section_key_opens_the_queue_without_a_hidden_selection(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: bool(screen.selected), what="selection")
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen) and app.screen is not screen)
        fresh = app.screen
        assert isinstance(fresh, ReviewQueueScreen)
        await wait_for(pilot, lambda: fresh.rows is not None and not fresh._loading)
        assert not fresh.selected
        assert "已选 0" in text_of(fresh, "#q-selection")


async def test_an_empty_result_says_so(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await pilot.press("slash", *"zzzzqqq")
        await wait_for(pilot, lambda: screen.rows is not None and not screen.rows.ids and not screen._loading)
        line = screen.table.render_line(1).text
        assert "没有符合条件的记录" in line and "0 清除筛选" in line
        await pilot.press("escape", "0")
        await wait_for(pilot, lambda: screen.rows is not None and bool(screen.rows.ids))


async def test_what_is_typed_right_after_the_search_key_goes_into_the_search_box(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        burst(app, "slash", *"lxm")
        await wait_for(pilot, lambda: screen.query_one(FilterBar).search.value == "lxm", what="lxm in the box")
        await wait_for(pilot, lambda: screen.rows is not None and not screen._loading)
        assert screen.build_filter().text == "lxm"


async def test_a_section_key_then_the_search_key_and_a_name_at_once(harness: Harness) -> None:
    """``2``, ``/`` and initials typed in one go on the dashboard: the queue
    opens and searches for the initials (none of them is lost or typed as
    text of the key before it)."""
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.dashboard is not None)
        burst(app, "2", "slash", *"wf")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), what="the queue")
        screen = app.screen
        assert isinstance(screen, ReviewQueueScreen)
        await wait_for(pilot, lambda: screen.query_one(FilterBar).search.value == "wf", what="wf in the box")
        assert app.focused is screen.query_one(FilterBar).search


async def test_keys_still_queued_when_the_app_closes_are_dropped(harness: Harness) -> None:
    """Keys typed just as the app closes (a burst, then the app ends before
    handling them): they go nowhere, and the app ends without an error
    (the screens are gone by the time their turn comes)."""
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.dashboard is not None)
        burst(app, "2", "slash", *"wf")


async def test_words_typed_right_after_picking_a_common_reason_go_on_in_the_box(harness: Harness) -> None:
    """In the reason dialog, ``enter`` on a common reason and words typed
    straight after it: the box holds the reason and the words, and a second
    ``enter`` sends both. ``enter`` on "each student's own checks" answers
    that at once."""
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen) and app.screen.dashboard is not None)
        picked: list[object] = []
        await app.push_screen(ReasonDialog(Action.REJECT, 3), picked.append)
        dialog = app.screen
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList), what="the reasons list focused")
        first = COMMON_REASONS[Action.REJECT][0][0]
        burst(app, "enter", *"xyz")
        box = dialog.query_one("#reason", Input)
        await wait_for(pilot, lambda: box.value == first + "xyz", what="the reason and xyz in the box")
        assert app.focused is box
        await pilot.press("enter")
        await wait_for(pilot, lambda: picked == [first + "xyz"], what="the reason sent")
        # a return offers each student's own failing checks first: enter on it answers that
        await app.push_screen(ReasonDialog(Action.RETURN, 3), picked.append)
        await wait_for(pilot, lambda: isinstance(app.focused, OptionList), what="the reasons list focused")
        await pilot.press("enter")
        await wait_for(pilot, lambda: picked[1:] == [OWN_CHECKS], what="own checks picked")
