"""The Chinese interface at 80x24 has no English from Textual or from the
records: the command palette, an open select list, the history of an
application and the names of the people who did things."""

from __future__ import annotations

import pytest
from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Select

from tests.app.test_app import open_queue
from tests.support import Harness, wait_for, wait_synced
from zhumeng_tui.screens.detail import DetailScreen, render_detail

pytestmark = pytest.mark.slow

SIZE = (80, 24)


async def test_the_palette_speaks_chinese(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        assert "搜索命令" in str(palette.query_one(CommandInput).placeholder)
        await pilot.press(*"zzzzqx")
        commands = palette.query_one(CommandList)

        def lines() -> list[str]:
            return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]

        await wait_for(pilot, lambda: any("没有匹配的命令" in line for line in lines()))
        await pilot.pause(0.8)  # past Textual's own "no matches" delay
        assert not any("No matches" in line for line in lines())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and app.screen is not palette)
        commands = app.screen.query_one(CommandList)  # the system commands are listed too, in Chinese
        await wait_for(pilot, lambda: any("切换主题" in line for line in lines()))


async def test_an_open_select_list_names_its_key_in_chinese(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        select = screen.query_one("#f-status", Select)
        select.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: select.expanded)
        descriptions = {b.binding.description for b in screen.active_bindings.values()}
        assert "关闭列表" in descriptions and "Dismiss menu" not in descriptions


async def test_history_names_people_and_events_in_words(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        target = screen.rows.ids[0]  # type: ignore[union-attr]
        await app.push_screen(DetailScreen(target))
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)
        history = next(body for sid, _t, body in render_detail(detail.detail) if sid == "history")  # type: ignore[arg-type]
        assert "平台 投递申请 已投递" in history
        assert "system" not in history and " apply" not in history
        logins = {"demo-dept", "demo-univ"} | {f"demo-dept{i:02d}" for i in range(2, 13)}
        assert not any(f" {login} " in history for login in logins), history
