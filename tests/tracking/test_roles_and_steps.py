"""What each account is offered on the tracking screens at 80x24, and the
steps of an internship the university records: keys a read-only account
cannot use are not shown, refusals known in advance come before any form,
filing a withdrawal asks first, closed requests offer no step, the interns'
filters all clear with 0, the appraisal form sends only what changed, and
an intern is marked on duty, complete and appraised from the keyboard."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tests.support import (
    DemoServer,
    Harness,
    in_province,
    interns,
    open_services,
    text_of,
    wait_for,
    wait_signed_in,
)
from tests.tracking.conftest import open_list
from zhumeng_tui.app import ZhumengApp
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import InternFlag
from zhumeng_tui.domain.status import Status
from zhumeng_tui.domain.withdrawal import OPEN_STATES
from zhumeng_tui.screens.detail import DetailScreen
from zhumeng_tui.screens.dialogs import ConfirmDialog
from zhumeng_tui.screens.integrity import IntegrityScreen
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.interns import InternsScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen
from zhumeng_tui.services import AppFilter, InternDetail, Services, SortSpec, WithdrawalFilter
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow

SIZE = (80, 24)


def offered(app: ZhumengApp) -> set[str]:
    """The actions of the screen on top that the footer, help and palette offer."""
    return {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}


async def open_interns(pilot, app: ZhumengApp, preset: AppFilter | None = None) -> InternsScreen:  # type: ignore[no-untyped-def]
    await app.push_screen(InternsScreen(preset))
    screen = app.screen
    assert isinstance(screen, InternsScreen)
    await wait_for(pilot, lambda: screen.rows is not None and bool(screen.rows.ids))
    return screen


async def open_intern(pilot, app: ZhumengApp, app_id: int) -> InternDetailScreen:  # type: ignore[no-untyped-def]
    await app.push_screen(InternDetailScreen(app_id))
    screen = app.screen
    assert isinstance(screen, InternDetailScreen)
    await wait_for(pilot, lambda: screen.info is not None)
    return screen


async def test_the_viewer_is_offered_no_write_key(harness: Harness) -> None:
    app = harness.app("demo-viewer", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        await open_interns(pilot, app)
        keys = offered(app)
        assert not keys & {"followup", "assign_staff", "insurance", "withdraw", "nominate"}, keys
        assert "search" in keys
        for key in "ftbde":
            await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, InternsScreen)  # no form opened
        await open_intern(pilot, app, interns(ts, Status.COMPLETED)[0])
        assert not offered(app) & {"appraisal", "advance", "integrity_entry", "followup"}
        await open_list(pilot, app, WithdrawalsScreen())
        assert "new" not in offered(app)
        await open_list(pilot, app, IntegrityScreen())
        assert "add" not in offered(app)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, IntegrityScreen)


async def test_an_out_of_province_intern_is_read_only_for_the_university(
    harness: Harness, server: DemoServer, tmp_path: Path
) -> None:
    """The province reviews out-of-province students: their intern and
    withdrawal screens say so and offer no change, instead of a form that
    would be refused once filled in."""
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        theirs = [i for i in ts.query_interns(AppFilter(statuses=frozenset({Status.COMPLETED})), SortSpec()).ids
                  if not in_province(ts, [i])]
        ours = interns(ts, Status.COMPLETED)[0]
        screen = await open_intern(pilot, app, ours)
        assert {"appraisal", "followup"} <= offered(app)
        assert "本校只读" not in text_of(screen, "#id-flags")
        screen = await open_intern(pilot, app, theirs[0])
        assert "省外高校学生由省级团委审核，本校只读" in text_of(screen, "#id-flags")
        assert not offered(app) & {"appraisal", "advance", "followup", "assign_staff", "insurance", "withdraw",
                                   "nominate", "integrity_entry"}, offered(app)
        for key in "aufd":
            await pilot.press(key)
        await pilot.pause()
        assert app.screen is screen  # no form opened

        # on the interns list, the one-intern forms are refused before they open
        listed = await open_interns(pilot, app, AppFilter(statuses=frozenset({Status.COMPLETED})))
        listed.table.move_cursor(listed.rows.ids.index(theirs[0]))
        app.clear_notifications()
        for key in "fed":
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is listed, key
        refusals = [str(n.message) for n in app._notifications]
        assert len(refusals) == 3 and all("本校只读" in m for m in refusals), refusals
        listed.table.move_cursor(listed.rows.ids.index(ours))
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is listed)

        # their applications under review offer no review key either
        matched = ts.ids_matching(AppFilter(statuses=frozenset({Status.MATCHED})))
        for app_id, may_review in ((in_province(ts, matched)[0], True),
                                   (next(i for i in matched if not in_province(ts, [i])), False)):
            await app.push_screen(DetailScreen(app_id))
            review = app.screen
            await wait_for(pilot, lambda: getattr(review, "detail", None) is not None)  # noqa: B023
            assert ("review('reject')" in offered(app)) is may_review
            await pilot.press("x")
            await pilot.pause()
            assert (app.screen is not review) is may_review  # the rejection asks its reason
            while app.screen is not review:
                await pilot.press("escape")
                await pilot.pause()

        # the province files a withdrawal for one of them
        province = await open_services(server, tmp_path / "province", "demo-province", sync=True)
        approved = province.query_interns(AppFilter(statuses=frozenset({Status.APPROVED})), SortSpec()).ids
        filed = next(i for i in approved if not in_province(ts, [i]) and may_file(province, i))
        result = await province.file_withdrawal(filed)
        assert result.ok and not result.queued
        await province.close()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bool(ts.query_withdrawals(WithdrawalFilter(application_id=filed))))
        (request,) = ts.query_withdrawals(WithdrawalFilter(application_id=filed))
        await app.push_screen(WithdrawalDetailScreen(request.id))
        detail = app.screen
        await wait_for(pilot, lambda: getattr(detail, "detail", None) is not None)
        assert "本校只读" in text_of(detail, "#wd-next")
        assert not offered(app) & {"record", "cancel_request"}


async def test_refusals_known_in_advance_come_before_the_form(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        on_duty = interns(ts, Status.ON_DUTY)[0]
        screen = await open_intern(pilot, app, on_duty)
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen
        assert any("只能推荐已完成实习的学生" in str(n.message) for n in app._notifications)
        await pilot.press("d")
        await pilot.pause()
        assert app.screen is screen
        assert any("学生已上岗" in str(n.message) for n in app._notifications)


def may_file(ts: Services, app_id: int) -> bool:
    try:
        ts.check_filing(app_id)
    except DomainError:
        return False
    return True


async def test_filing_a_withdrawal_asks_first(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        approved = next(i for i in interns(ts, Status.APPROVED) if may_file(ts, i))
        screen = await open_intern(pilot, app, approved)

        def requests() -> int:
            return len(ts.query_withdrawals(WithdrawalFilter(application_id=approved)))

        before = requests()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert screen.info is not None and screen.info.detail.student.name in text_of(app.screen, "#confirm-message")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and requests() == before
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalDetailScreen))
        assert requests() == before + 1


async def test_a_closed_request_offers_no_step(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        listing = await open_list(pilot, app, WithdrawalsScreen(state=None))
        closed = next(r for r in listing._rows if r.state not in OPEN_STATES)
        open_one = next(r for r in listing._rows if r.state in OPEN_STATES)
        await app.push_screen(WithdrawalDetailScreen(open_one.id))
        detail = app.screen
        await wait_for(pilot, lambda: getattr(detail, "detail", None) is not None)
        assert "cancel_request" in offered(app)
        await app.push_screen(WithdrawalDetailScreen(closed.id))
        detail = app.screen
        await wait_for(pilot, lambda: getattr(detail, "detail", None) is not None)
        assert not offered(app) & {"record", "cancel_request"}
        assert "盖章后计算" not in text_of(detail, "#wd-deadline")


async def test_zero_clears_the_interns_own_filters(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        screen = await open_interns(pilot, app, AppFilter(intern_flag=InternFlag.NO_INSURANCE.value))
        flagged = len(screen.rows.ids)  # type: ignore[union-attr]
        assert screen.query_one("#i-flag", Select).value == InternFlag.NO_INSURANCE.value
        await pilot.press("0")
        await wait_for(pilot, lambda: screen.rows is not None and len(screen.rows.ids) > flagged)
        assert screen.query_one("#i-flag", Select).value is Select.NULL
        assert screen.current_filter.intern_flag is None


async def open_intern_with_appraisal_copy(pilot, app: ZhumengApp, ts: Services) -> InternDetailScreen:  # type: ignore[no-untyped-def]
    """The detail of a completed intern whose appraisal copy was received."""
    app_id = next(i for i in interns(ts, Status.COMPLETED)
                  if (ts.record("application", i) or {}).get("appraisal_copy_received"))
    return await open_intern(pilot, app, app_id)


async def test_the_appraisal_form_sends_only_what_changed(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        screen = await open_intern_with_appraisal_copy(pilot, app, ts)
        events = len(screen.info.timeline)  # type: ignore[union-attr]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "没有要修改的内容" in text_of(form, "#form-error")
        form.query_one("#fld-copy", Input).value = ""
        await pilot.press("ctrl+s")
        # the copy is cleared at once; the timeline names the change when the
        # server's record of it (its history event) comes back
        await wait_for(pilot, lambda: screen.info is not None
                       and screen.info.detail.application.appraisal_copy_received is None)
        await wait_for(pilot, lambda: screen.info is not None and len(screen.info.timeline) == events + 1)
        assert screen.info.detail.application.appraisal_copy_received is None  # type: ignore[union-attr]


async def test_a_read_begun_before_a_change_and_ending_after_it_is_not_shown(harness: Harness) -> None:
    """Coming back from the form starts a read; if it is slower than the read
    made once the server answered, the screen still ends on the change."""
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        screen = await open_intern_with_appraisal_copy(pilot, app, ts)
        read = ts.intern_detail
        held = threading.Event()
        calls = 0

        def slow_first(application_id: int) -> InternDetail:
            nonlocal calls
            calls += 1
            value = read(application_id)
            if calls == 1:
                held.wait(30)
            return value

        ts.intern_detail = slow_first  # type: ignore[method-assign]
        try:
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.query_one("#fld-copy", Input).value = ""
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: calls >= 2 and screen.info is not None
                           and screen.info.detail.application.appraisal_copy_received is None)
        finally:
            held.set()
        await wait_for(pilot, lambda: not screen.workers)
        await pilot.pause(0.1)
        assert screen.info is not None and screen.info.detail.application.appraisal_copy_received is None
        assert "鉴定表：—" in text_of(screen, "#id-tracking")


async def test_an_intern_is_marked_on_duty_then_complete_then_appraised(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        ts = await wait_signed_in(pilot, app)
        today = ts.today()
        screen = await open_intern(pilot, app, interns(ts, Status.APPROVED)[0])

        async def advance(expected: Status) -> None:
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.info is not None
                           and screen.info.detail.application.status == expected)

        await advance(Status.ON_DUTY)
        assert screen.info.detail.application.on_duty_date == today  # type: ignore[union-attr]
        await advance(Status.COMPLETED)
        await pilot.press("u")
        await pilot.pause()
        assert app.screen is screen
        assert any("鉴定前须录入" in str(n.message) for n in app._notifications)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        for key, value in {"copy": today.isoformat(), "employer_score": "90", "student_score": "88"}.items():
            form.query_one(f"#fld-{key}", Input).value = value
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen and screen.info is not None
                       and screen.info.detail.application.student_score == 88)
        await advance(Status.APPRAISED)
        assert "advance" not in offered(app)


async def test_the_interns_layout_holds_after_a_detail_and_a_search(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_signed_in(pilot, app)
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, InternsScreen))
        screen = app.screen
        assert isinstance(screen, InternsScreen)
        await wait_for(pilot, lambda: screen.rows is not None and not screen._loading)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InternDetailScreen) and app.screen.info is not None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("slash", *"2022")
        await wait_for(pilot, lambda: screen.current_filter.text == "2022" and not screen._loading)
        assert app.screen is screen  # the digits went to the search box, not to the section keys
        assert screen.query_one("#f-search", Input).value == "2022"
        line, footer = screen.query_one("#q-selection"), screen.query_one("Footer")
        assert line.region.y == SIZE[1] - 2 and line.region.height == 1 and "共" in str(line.render())
        assert footer.region.y == SIZE[1] - 1
        assert screen.max_scroll_y == 0  # the screen itself never scrolls
