"""What the tracking screens do with results: ``ctrl+r`` syncs and the screens
show what changed on the server, a form's value reaches the services, and a
result that arrives after its screen closed is dropped."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Select

from tests.support import DemoServer, Harness, in_province, open_services, text_of, wait_for, wait_signed_in
from tests.tracking.conftest import open_list
from zhumeng_tui.domain.integrity import IntegrityKind
from zhumeng_tui.domain.withdrawal import Step, StepInput, WithdrawalState
from zhumeng_tui.screens.base import ChangeApplied
from zhumeng_tui.screens.data_screen import Loaded
from zhumeng_tui.screens.help import HelpScreen
from zhumeng_tui.screens.integrity import IntegrityScreen
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen
from zhumeng_tui.services import AppFilter, MutationResult, SortSpec, WithdrawalFilter
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow


def state_cell(screen: WithdrawalsScreen, withdrawal_id: int) -> str:
    table = screen.query_one("#w-table", DataTable)
    return str(table.get_cell(str(withdrawal_id), "state"))


async def test_ctrl_r_syncs_and_the_withdrawal_screens_show_a_change_made_elsewhere(
    server: DemoServer, harness: Harness, tmp_path: Path
) -> None:
    other = await open_services(server, tmp_path / "other", sync=True)
    target = next(
        r
        for r in other.query_withdrawals(WithdrawalFilter(state="open"))
        if r.deadline is None and in_province(other, [r.application_id])
    )
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        listing = await open_list(pilot, app, WithdrawalsScreen(state=None))
        assert state_cell(listing, target.id) != "已撤销"
        await app.push_screen(WithdrawalDetailScreen(target.id))
        detail = app.screen
        assert isinstance(detail, WithdrawalDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None)

        # ctrl+r is "sync now" here too, as the help says
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = text_of(app.screen, "#help-keys")
        assert "立即同步" in keys and "刷新" not in keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is detail)

        # someone else cancels the request on the server
        cancelled = await other.record_withdrawal_step(target.id, Step.CANCEL, StepInput(text="学生改变主意"))
        assert cancelled.ok and not cancelled.queued
        await pilot.pause(0.2)
        assert detail.detail is not None and detail.detail.withdrawal.state != WithdrawalState.CANCELLED

        await pilot.press("ctrl+r")
        await wait_for(
            pilot,
            lambda: detail.detail is not None and detail.detail.withdrawal.state == WithdrawalState.CANCELLED,
        )
        assert "已撤销" in text_of(detail, "#wd-head")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is listing and state_cell(listing, target.id) == "已撤销")
    await other.close()


async def test_an_integrity_entry_from_the_form_reaches_the_archive(server: DemoServer, harness: Harness) -> None:
    """The form's kind, date and reason are what the services store and the archive shows."""
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        ts = await wait_signed_in(pilot, app)
        everyone = await open_list(pilot, app, IntegrityScreen())
        row = next(  # the campus may add entries for its in-province students only
            r for r in everyone._rows if not (ts.record("student", r.entry.student_id) or {}).get("out_of_province")
        )
        archive = await open_list(
            pilot, app, IntegrityScreen(row.entry.student_id, f"{row.student_name} {row.student_no}")
        )
        before = len(archive._rows)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        form.query_one("#fld-kind", Select).value = IntegrityKind.FALSE_INFO.value
        form.query_one("#fld-date", Input).value = (server.today - dt.timedelta(days=3)).isoformat()
        form.query_one("#fld-note", Input).value = "报到单信息与学籍不符"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is archive and len(archive._rows) == before + 1)
        added = next(r.entry for r in archive._rows if r.entry.note == "报到单信息与学籍不符")
        assert added.kind == IntegrityKind.FALSE_INFO
        assert added.date == server.today - dt.timedelta(days=3)
        assert added.student_id == row.entry.student_id
        assert any("已保存" in str(n.message) for n in app._notifications)


async def test_a_result_for_a_closed_intern_screen_is_dropped(harness: Harness) -> None:
    """The intern's data or a change's outcome arriving after the screen was
    closed does nothing: no error, no notification, the app keeps running."""
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        ts = await wait_signed_in(pilot, app)
        app_id = ts.query_interns(AppFilter(), SortSpec()).ids[0]
        screen = InternDetailScreen(app_id)
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.info is not None)
        info = screen.info
        assert info is not None
        app.pop_screen()
        await pilot.pause()
        assert not screen.post_message(Loaded(info, screen._generation))  # what a late load does
        assert not screen.post_message(ChangeApplied([MutationResult(ok=True, record_id=1)]))  # a late change
        await pilot.pause(0.2)
        assert app.is_running and not isinstance(app.screen, InternDetailScreen)
        assert not app._notifications
