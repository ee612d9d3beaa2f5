"""The job-post screens in the app against the real demo server: the posts
list and its filters, verifying a post, a graduate's three explained
recommendations with push and answer, the bulk push from the graduates list,
the summary ledger, and the keys each role is offered."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Select, Static

from tests.graduates.test_screens import footer_text, form_open, open_graduates
from tests.support import Harness, text_of, wait_for, wait_signed_in
from zhumeng_tui.domain.graduates import EmploymentStatus
from zhumeng_tui.domain.posts import Answer
from zhumeng_tui.screens.graduate_detail import GraduateDetailScreen
from zhumeng_tui.screens.graduate_posts import GraduatePostsScreen
from zhumeng_tui.screens.ledger import LedgerScreen
from zhumeng_tui.screens.post_detail import PostDetailScreen
from zhumeng_tui.screens.posts import PostsScreen
from zhumeng_tui.services import GraduateFilter, PostFilter, Services
from zhumeng_tui.widgets.chart import ChartView
from zhumeng_tui.widgets.palette import screen_actions

pytestmark = pytest.mark.slow

SIZE = (100, 30)


def saved(app: object, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)  # type: ignore[attr-defined]


def fresh_graduate(services: Services) -> int:
    """An unemployed graduate with recommendations and nothing pushed yet."""
    pushed = {x["graduate_id"] for x in services.records("post_push")}  # type: ignore[attr-defined]
    return next(g for g in services.graduate_ids_matching(GraduateFilter(employment=EmploymentStatus.UNEMPLOYED))
                if g not in pushed and services.graduate_posts(g).picks)


async def test_posts_list_filters_and_verifying_a_post(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await pilot.press("J")
        screen = app.screen
        assert isinstance(screen, PostsScreen)
        await wait_for(pilot, lambda: bool(screen._rows), "posts listed")
        assert len(screen._rows) == len(services.query_posts(PostFilter()))
        await wait_for(pilot, lambda: screen.options is not None, "options")
        screen.query_one("#p-city", Select).value = "成都市"
        screen.query_one("#p-verified", Select).value = "no"
        want = services.query_posts(PostFilter(city="成都市", verified=False))
        await wait_for(pilot, lambda: [r.post.id for r in screen._rows] == [r.post.id for r in want], "filtered")
        mine = next(r for r in want if r.post.university_id == 1)
        screen.table.move_cursor(row=want.index(mine))
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, PostDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None, "post shown")
        assert "未审核" in text_of(detail, "#pd-info") and "审核" in footer_text(app)
        await pilot.press("v")
        await wait_for(pilot, lambda: saved(app, "已保存"), "verified")
        await wait_for(pilot, lambda: detail.detail is not None and detail.detail.post.verified_on is not None,
                       "shown verified")
        assert "demo-univ 于" in text_of(detail, "#pd-info")
        assert not detail.check_action("verify", ())


async def test_three_explained_recommendations_push_and_answer(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        gid = fresh_graduate(services)
        await app.push_screen(GraduateDetailScreen(gid))
        detail = app.screen
        await wait_for(pilot, lambda: detail.detail is not None, "graduate")  # type: ignore[attr-defined]
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, GraduatePostsScreen)
        await wait_for(pilot, lambda: screen.value is not None, "recommended")
        picks = services.graduate_posts(gid).picks
        shown = text_of(screen, "#gp-picks")
        for i, pk in enumerate(picks, start=1):
            assert f"{i}. {pk.post.title}" in shown and pk.reasons in shown
        assert "尚未推送岗位" in str(screen.query_one("#gp-pushes", DataTable).get_row_at(0)[1])
        await pilot.press("p")
        await wait_for(pilot, lambda: saved(app, f"已保存 {len(picks)} 条"), "pushed")
        await wait_for(pilot, lambda: screen.value is not None and len(screen.value.pushes) == len(picks), "pushes")
        table = screen.query_one("#gp-pushes", DataTable)
        table.focus()
        await pilot.press("enter")
        form = await form_open(pilot, app)
        form.query_one("#fld-answer", Select).value = Answer.HIRED.value
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and screen.value is not None
                       and screen.value.pushes[0].push.answer == Answer.HIRED, "answered")
        assert services.graduate_detail(gid).graduate.employment_status == EmploymentStatus.SIGNED


async def test_bulk_push_from_the_graduates_list(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        screen = await open_graduates(pilot, app)
        pushed = {x["graduate_id"] for x in services.records("post_push")}  # type: ignore[attr-defined]
        assert screen.rows is not None
        ids = [g for g in screen.rows.ids[:20] if g not in pushed and services.graduate_posts(g).picks][:2]
        assert len(ids) == 2
        for g in ids:
            screen.selected.add(g)
        summary = services.preview_push(ids)
        await pilot.press("p")
        form = await form_open(pilot, app)
        assert f"向 2 名毕业生推送 {summary.posts} 个岗位" in text_of(form, "#form-hint")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: saved(app, f"已保存 {summary.posts} 条"), "pushed")
        assert all(services.graduate_posts(g).pushes for g in ids)


async def test_the_ledger_shows_the_services_numbers(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await pilot.press("L")
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        await wait_for(pilot, lambda: screen.ledger is not None, "ledger")
        ledger = services.ledger()
        table = screen.query_one("#lg-table", DataTable)
        total = table.get_row_at(table.row_count - 1)
        assert total[0] == "合计" and total[1] == str(ledger.rows[-1].graduates)
        assert "四川逐梦大学" in str(screen.query_one("#lg-title", Static).render())
        await pilot.press("]")
        await wait_for(pilot, lambda: screen.query_one("#lg-table-choice", Select).value == 1, "next table")
        total = table.get_row_at(table.row_count - 1)
        assert total[2] == str(ledger.rows[-1].employment[EmploymentStatus.UNEMPLOYED])


async def test_a_ledger_wider_than_the_screen_scrolls_with_its_names_in_place(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("L")
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        await wait_for(pilot, lambda: screen.ledger is not None, "ledger")
        table = screen.query_one("#lg-table", DataTable)
        await pilot.press("]", "]")  # the hardship table: its last column is off the screen at 80 columns
        await wait_for(pilot, lambda: screen.query_one("#lg-table-choice", Select).value == 2, "hardship table")
        last = str(list(table.columns.values())[-1].label)
        assert table.virtual_size.width > table.size.width

        def shown() -> list[str]:
            return [table.render_line(y).text for y in range(table.size.height)]

        assert not any(last in line for line in shown())
        for _ in range(30):
            await pilot.press("right")
        await pilot.pause()
        lines = shown()
        assert table.scroll_x > 0 and any(last in line for line in lines)
        # the name column stays: the heading and the total's label still start their lines
        assert lines[0].lstrip().startswith("院系")
        assert any(line.lstrip().startswith("合计") for line in lines)


async def test_the_ledger_switches_to_each_tables_chart_and_back(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await pilot.press("L")
        screen = app.screen
        assert isinstance(screen, LedgerScreen)
        await wait_for(pilot, lambda: screen.ledger is not None, "ledger")
        assert "图表/表格" in footer_text(app) and "ledger.chart" in {b.id for _, b, _ in screen_actions(screen)}
        table, view = screen.query_one("#lg-table", DataTable), screen.query_one(ChartView)
        assert table.display and not view.display
        await pilot.press("g")
        await wait_for(pilot, lambda: view.display and not table.display and view.table.has_focus, "the chart shown")
        rows = [r for r in services.ledger().rows if r.key is not None]
        assert [str(c.label) for c in view.table.columns.values()][1:] == ["院系", "█需求", "░已服务", "覆盖率"]
        shown = [[str(c) for c in view.table.get_row_at(i)] for i in range(view.table.row_count)]
        assert [s[0] for s in shown] == [str(i) for i in range(1, len(rows) + 1)]  # the axis's numbers
        assert [s[2:] for s in shown] == [
            [str(sum(r.needed.values())), str(sum(r.served.values())),
             f"{100 * sum(r.served.values()) / sum(r.needed.values()):.0f}%" if sum(r.needed.values()) else "—"]
            for r in rows]
        await pilot.press("]")
        await wait_for(pilot, lambda: view.chart is not None and view.chart.key == "ledger-1", "the employment chart")
        heads = [str(c.label) for c in view.table.columns.values()]
        assert heads[2:] == ["█已就业", "░其他去向", "▒暂不就业", "#未就业", "合计", "就业率"]
        by_status = [[str(c) for c in view.table.get_row_at(i)] for i in range(view.table.row_count)]
        assert [s[6] for s in by_status] == [str(r.graduates) for r in rows]  # every graduate in one bar part
        assert [s[5] for s in by_status] == [str(r.employment[EmploymentStatus.UNEMPLOYED]) for r in rows]
        await pilot.press("g")
        await wait_for(pilot, lambda: table.display and not view.display and table.has_focus, "the table back")
        assert table.get_row_at(table.row_count - 1)[1] == str(services.ledger().rows[-1].graduates)


async def test_each_role_is_offered_only_what_it_may_do(harness: Harness) -> None:
    app = harness.app("demo-viewer", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("J")
        screen = app.screen
        assert isinstance(screen, PostsScreen) and not screen.check_action("new", ())
        assert "发布岗位" not in footer_text(app)
        graduates = await open_graduates(pilot, app)
        assert not graduates.check_action("push", ())
    app = harness.app("demo-dept", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("J")
        screen = app.screen
        assert isinstance(screen, PostsScreen) and not screen.check_action("new", ())
        graduates = await open_graduates(pilot, app)
        assert graduates.check_action("push", ())
    app = harness.app("demo-city", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await pilot.press("J")
        screen = app.screen
        assert isinstance(screen, PostsScreen) and screen.check_action("new", ())
        await pilot.press("L")
        ledger = app.screen
        assert isinstance(ledger, LedgerScreen)
        await wait_for(pilot, lambda: ledger.ledger is not None, "ledger")
        assert ledger.ledger is not None and ledger.ledger.by == "university"
        assert ledger.ledger.rows[-1].graduates == len(services.graduate_ids_matching(GraduateFilter()))
        await pilot.press("g")
        view = ledger.query_one(ChartView)
        await wait_for(pilot, lambda: view.display and view.table.row_count > 0, "the city's chart")
        assert [str(c.label) for c in view.table.columns.values()][:2] == ["#", "高校"]
        assert [str(view.table.get_row_at(i)[1]) for i in range(view.table.row_count)] == [
            r.name for r in ledger.ledger.rows[:-1]]  # a bar group per university of the city
