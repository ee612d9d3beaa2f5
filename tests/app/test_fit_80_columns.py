"""At 80 columns every screen's footer shows all its keys before the command
palette's, for each account: nothing cut, nothing hidden under ``^p``; the
statistics tables show every count, long names cut with …; lists and the
tables of a detail never run past the right edge; a long result of a bulk
review says how many lines it has and scrolls from the keyboard."""

from __future__ import annotations

import pytest
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets._footer import FooterKey

from tests.support import Harness, wait_for, wait_signed_in
from zhumeng_tui.app import ZhumengApp
from zhumeng_tui.domain.status import Action
from zhumeng_tui.i18n import set_lang
from zhumeng_tui.screens.dialogs import ReviewResultDialog
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.statistics import StatisticsScreen
from zhumeng_tui.services import AppFilter, MutationResult, ReviewResult, SortSpec

pytestmark = pytest.mark.slow

SIZE = (80, 24)

#: Section keys of every account, then the screens opened from the lists with enter.
SECTIONS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "m", "i", "J", "L"]


def footer_overflow(screen: Screen[object]) -> list[str]:
    """The footer keys of ``screen`` that reach into the palette key's room or past the edge."""
    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    limit = palette[0].region.x if palette else footer.region.right
    return [f"{k.key_display} {k.description}" for k in keys
            if not k.has_class("-command-palette") and k.region.right > limit]


async def _settled(pilot, app: ZhumengApp) -> Screen[object]:  # type: ignore[no-untyped-def]
    screen = app.screen
    await wait_for(pilot, lambda: all(w.is_finished for w in app.workers if w.node is screen))
    await pilot.pause(0.2)
    return screen


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("user", ["demo-univ", "demo-dept", "demo-viewer", "demo-city"])
async def test_every_footer_fits_80_columns(harness: Harness, user: str, lang: str) -> None:
    set_lang(lang)
    app = harness.app(user, presynced=True)
    cut: dict[str, list[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        home = app.screen
        for key in SECTIONS:
            await pilot.press(key)
            await pilot.pause(0.2)
            screen = await _settled(pilot, app)
            if screen is home and key != "1":
                continue  # not offered to this account
            cut[key] = footer_overflow(screen)
            if key in ("2", "3", "4", "7", "8", "J"):
                await pilot.press("enter")
                await pilot.pause(0.3)
                if app.screen is not screen:
                    cut[f"{key} enter"] = footer_overflow(await _settled(pilot, app))
                    await pilot.press("escape")
                    await wait_for(pilot, lambda s=screen: app.screen is s)  # type: ignore[misc]
            while app.screen is not home:
                await pilot.press("escape")
                await pilot.pause(0.1)
    assert {k: v for k, v in cut.items() if v} == {}
    assert ({"1", "7", "J", "L"} if user == "demo-city" else {"1", "2", "3", "9"}) <= set(cut)


async def test_statistics_tables_fit_80_columns(harness: Harness) -> None:
    app = harness.app("demo-univ", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen) and bool(app.screen.charts))
        screen = app.screen
        assert isinstance(screen, StatisticsScreen)
        for chart in screen.charts:
            screen.query_one("TabbedContent").active = f"chart-{chart.key}"  # type: ignore[attr-defined]
            table = screen.query_one(f"#view-{chart.key} DataTable", DataTable)
            await wait_for(pilot, lambda t=table, c=chart: t.row_count == max(1, len(c.categories)))  # type: ignore[misc]
            await pilot.pause(0.2)
            assert table.virtual_size.width <= table.scrollable_content_region.width, chart.key
        by_department = screen.charts[0]
        table = screen.query_one(f"#view-{by_department.key} DataTable", DataTable)
        shown = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        cut = [(s, full) for s, full in zip(shown, by_department.categories, strict=True) if s != full]
        assert cut and all(s.endswith("…") and full.startswith(s[:-1]) for s, full in cut)


def wider_than_view(screen: Screen[object]) -> list[str]:
    """The tables of ``screen`` whose content runs past their right edge."""
    return [str(t.id) for t in screen.query(DataTable) if t.virtual_size.width > t.scrollable_content_region.width]


async def test_lists_and_details_never_scroll_sideways(harness: Harness) -> None:
    app = harness.app("demo-univ", presynced=True)
    wide: dict[str, list[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        home = app.screen
        for key in ("4", "5", "6"):
            await pilot.press(key)
            screen = await _settled(pilot, app)
            wide[key] = wider_than_view(screen)
            if key == "4":
                await wait_for(pilot, lambda s=screen: s.query_one(DataTable).row_count > 0)  # type: ignore[misc]
                await pilot.press("enter")
                await wait_for(pilot, lambda s=screen: app.screen is not s and getattr(app.screen, "detail", None))  # type: ignore[misc]
                wide["4 enter"] = wider_than_view(await _settled(pilot, app))
            while app.screen is not home:
                await pilot.press("escape")
                await pilot.pause(0.1)
        await app.push_screen(InternDetailScreen(services.query_interns(AppFilter(), SortSpec()).ids[0]))
        await wait_for(pilot, lambda: getattr(app.screen, "info", None) is not None)
        wide["intern"] = wider_than_view(await _settled(pilot, app))
    assert {k: v for k, v in wide.items() if v} == {}


async def test_a_long_result_says_how_many_and_scrolls_from_the_keyboard(harness: Harness) -> None:
    app = harness.app("demo-univ", presynced=True)
    failed = [MutationResult(False, record_id=i, code="version_conflict", message="记录已被他人修改") for i in range(1, 21)]
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await app.push_screen(ReviewResultDialog(Action.APPROVE, ReviewResult(failed)))
        dialog = app.screen
        assert isinstance(dialog, ReviewResultDialog)
        await pilot.pause(0.2)
        assert "共 20 行" in str(dialog.query_one("#result-more", Static).render())
        scroll = dialog.query_one("#result-scroll", VerticalScroll)
        assert scroll.scroll_y == 0
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: scroll.scroll_y > 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not dialog)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_dashboard_names_every_section_at_80_columns(harness: Harness, lang: str) -> None:
    set_lang(lang)
    app = harness.app("demo-univ", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.pause(0.2)
        line = app.screen.query_one("#d-sections", Static)
        shown = "".join(strip.text for strip in line.render_lines(line.region.reset_offset))
        assert shown.split() == str(line.render()).split()  # every word on screen, none cut at the edge
        assert "L" in shown.split() or "L台账" in shown.split()
