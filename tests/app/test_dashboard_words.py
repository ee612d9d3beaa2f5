"""The dashboard and the missing list at 80x24 say what they count: out-of-
province students are not "missing material", each section has its own
lines, the missing list gives students and applications, and the header
during the first sync shows what it knows."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList

from tests.support import Harness, wait_for, wait_synced
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.missing import MissingScreen
from zhumeng_tui.services import SyncStatus
from zhumeng_tui.widgets.header import sync_text

SIZE = (80, 24)


def sections(ol: OptionList) -> dict[str, list[str]]:
    """Heading -> the lines under it (headings are the disabled bold options)."""
    out: dict[str, list[str]] = {}
    current = ""
    for i in range(ol.option_count):
        option = ol.get_option_at_index(i)
        text = str(option.prompt)
        if option.disabled and text.startswith("[b]"):
            current = text.removeprefix("[b]").removesuffix("[/b]")
            out[current] = []
        else:
            out.setdefault(current, []).append(text)
    return out


@pytest.mark.slow
async def test_the_dashboard_sections_and_the_missing_list_agree(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        await wait_for(pilot, lambda: dash.dashboard is not None)
        dash.reload()
        await pilot.pause(0.3)
        shown = sections(dash.query_one(OptionList))
        blockers = shown["缺少材料（被阻止的申请）"]
        assert not any("省外" in line for line in blockers), blockers
        assert any("省外高校学生" in line for line in shown["省级审核（本校只读）"])
        assert not any("拒绝" in line or "冲突" in line for line in shown["跟踪"])
        counts = {line.split()[1]: int(line.split()[-1].replace(",", "")) for line in blockers}
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MissingScreen) and bool(app.screen.groups))
        missing = app.screen
        assert isinstance(missing, MissingScreen)
        assert {g.label for g in missing.groups} == set(counts)
        for g in missing.groups:
            assert g.applications == counts[g.label]
            assert len(g.students) <= g.applications
        heads = [str(o.prompt) for o in missing.query_one(OptionList)._options if o.disabled]
        assert all("名学生" in h and "条申请" in h for h in heads), heads


def test_the_first_sync_says_how_much_arrived() -> None:
    status = SyncStatus(online=True, syncing=True, done=4000, total=None, pending=0, conflicts=0, first_sync=True)
    text, _cls = sync_text(status)
    assert text == "同步中·已收 4,000 条"
    assert sync_text(SyncStatus(online=True, syncing=True, done=0, total=None, pending=0, conflicts=0))[0] == "同步中…"


def test_a_cache_without_a_first_sync_never_reads_synced() -> None:
    """Before the first pull starts (and after one that stopped half-way) the
    header says so, instead of 已同步 over an empty dashboard."""
    waiting = SyncStatus(online=True, syncing=False, first_sync=True)
    assert sync_text(waiting) == ("尚未同步", "busy")
    assert sync_text(SyncStatus(online=True, syncing=False, first_sync=False)) == ("已同步", "ok")
    assert sync_text(SyncStatus(online=False, syncing=False, first_sync=True))[0] == "离线"
