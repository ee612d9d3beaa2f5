"""Interns, follow-ups offline, the dashboard and the Mon-Fri fallback, in the
app against a real demo server (real client core, real SQLite cache)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, OptionList

from tests.faults import FaultTransport
from tests.support import (
    DemoServer,
    Harness,
    ServerFactory,
    in_province,
    interns,
    open_services,
    text_of,
    wait_for,
    wait_signed_in,
)
from tests.tracking.conftest import open_list
from zhumeng_tui.api_client.schemas import TrackingUpdate
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.interns import InternFacts, InternFlag, intern_flags
from zhumeng_tui.domain.status import Status
from zhumeng_tui.domain.withdrawal import Step, StepInput
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.interns import InternsScreen
from zhumeng_tui.screens.record_list import RecordsLoaded
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen
from zhumeng_tui.services import AppFilter, LocalState, SortSpec, WithdrawalFilter
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow


@pytest.fixture
def server_2027(make_server: ServerFactory) -> DemoServer:
    """A server whose today falls in 2027, a year without calendar data."""
    return make_server(today=dt.date(2027, 1, 8), loopback=True)


async def test_interns_list_in_every_sort_order(server: DemoServer, tmp_path: Path) -> None:
    """The interns list reads its rows a page at a time; every column sorts,
    the rows follow the order, and each row holds that intern's values."""
    from zhumeng_tui.services import INTERN_COLUMNS

    ts = await open_services(server, tmp_path / "cache", sync=True)
    everyone = ts.query_interns(AppFilter(), SortSpec())
    assert len(everyone.ids) > 20
    for column in INTERN_COLUMNS:
        for descending in (False, True):
            rows = ts.query_interns(AppFilter(), SortSpec(column, descending))
            assert sorted(rows.ids) == sorted(everyone.ids), column
            if column in ("employer_type", "responsible_staff", "city", "status", "start_date"):
                values = [rows.row(n)[INTERN_COLUMNS.index(column)] for n in range(len(rows.ids))]
                assert values == sorted(values, reverse=descending), column
            if column == "days":
                days = [rows.row(n)[INTERN_COLUMNS.index(column)] for n in range(len(rows.ids))]
                done_total = [tuple(int(x) for x in d.split("/")) for d in days if d]
                assert done_total == sorted(done_total, reverse=descending)
    no, status = INTERN_COLUMNS.index("student_no"), INTERN_COLUMNS.index("status")
    for n in (0, len(everyone.ids) - 1):
        record = ts.record("application", everyone.ids[n])
        assert record is not None and everyone.row(n)[status] == record["status"]
    numbers = [everyone.row(n)[no] for n in range(len(everyone.ids))]
    assert numbers == sorted(numbers)
    await ts.close()


async def test_sql_flags_agree_with_the_domain_rules(server: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server, tmp_path / "cache", sync=True)
    rows = ts.query_interns(AppFilter(), SortSpec())
    assert rows.ids
    flagged = 0
    for app_id in rows.ids:
        info = ts.intern_detail(app_id)
        a, p = info.detail.application, info.detail.position
        facts = InternFacts(
            a.status,
            p.start_date,
            p.end_date,
            a.on_duty_date,
            a.completed_date,
            a.insurance_recorded,
            a.appraisal_copy_received,
            a.employer_score,
            a.student_score,
            max((f.date for f in info.detail.followups), default=None),
        )
        expected = intern_flags(facts, server.today)
        assert info.flags == expected
        for flag in InternFlag:
            ids = ts.intern_ids_matching(AppFilter(intern_flag=flag.value))
            assert (app_id in ids) == (flag in expected), (app_id, flag)
        flagged += bool(expected)
    assert len(ts.intern_ids_matching(AppFilter(intern_flag="any"))) == flagged
    # every intern status and nothing else
    statuses = set(rows.table.column("status").to_pylist())
    assert statuses <= {"approved", "on_duty", "completed", "appraised"}
    # the review queue can filter by flag too (dashboard lines)
    via_queue = ts.ids_matching(AppFilter(intern_flag=InternFlag.NO_FOLLOWUP.value))
    assert sorted(via_queue) == sorted(
        ts.intern_ids_matching(AppFilter(intern_flag=InternFlag.NO_FOLLOWUP.value))
    )
    await ts.close()


async def test_overdue_request_on_the_dashboard_and_at_the_top(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        ol = app.screen.query_one(OptionList)
        await wait_for(
            pilot,
            lambda: any(
                "放弃岗位申请已逾期" in str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)
            ),
        )
        line = next(
            str(ol.get_option_at_index(i).prompt)
            for i in range(ol.option_count)
            if "放弃岗位申请已逾期" in str(ol.get_option_at_index(i).prompt)
        )
        assert line.startswith("✗") and line.rstrip().endswith("1")
        labels = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        assert any("需关注的实习生" in x for x in labels)
        assert any("待跟踪" in x for x in labels)

        # enter on the line opens the overdue requests
        ol.focus()
        ol.highlighted = ol.get_option_index("tracking:withdrawals_overdue")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalsScreen))
        screen = app.screen
        assert isinstance(screen, WithdrawalsScreen)
        await wait_for(pilot, lambda: bool(screen._rows))
        assert all(r.deadline is not None and r.deadline.overdue for r in screen._rows)
        first = screen._rows[0]
        assert first.deadline is not None and first.deadline.overdue
        table = screen.query_one("#w-table", DataTable)
        cell = table.get_cell(table.coordinate_to_cell_key((0, 0)).row_key, "left")
        assert "已逾期" in str(cell) and "red" in str(cell.style)  # type: ignore[union-attr]
        assert "逾期 1" in text_of(screen, "#w-count")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, WithdrawalDetailScreen) and app.screen.detail is not None
        )
        assert "已逾期" in text_of(app.screen, "#wd-deadline")


async def test_deadline_in_a_year_without_calendar_data(server_2027: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server_2027, tmp_path / "cache", sync=True)
    assert not ts.calendar().has_year(2027)
    app = Harness(server_2027, tmp_path / "app").app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        screen = await open_list(pilot, app, WithdrawalsScreen())
        assert any(r.deadline is not None and r.deadline.approximate for r in screen._rows)
        assert "2027年节假日数据：截止日期仅按周一至周五计算" in text_of(screen, "#w-note")
        stamped = next(r for r in screen._rows if r.deadline is not None and not r.deadline.overdue)
        await app.push_screen(WithdrawalDetailScreen(stamped.id))
        detail = app.screen
        await wait_for(pilot, lambda: detail.detail is not None)  # type: ignore[attr-defined]
        assert "*" in text_of(detail, "#wd-deadline")
        assert "周一至周五" in text_of(detail, "#wd-note")
    await ts.close()


async def test_followup_added_offline_then_synced(server: DemoServer, harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        ts = await wait_signed_in(pilot, app)
        app_id = interns(ts, Status.ON_DUTY)[0]
        harness.faults.offline = True
        await app.push_screen(InternDetailScreen(app_id))
        screen = app.screen
        assert isinstance(screen, InternDetailScreen)
        await wait_for(pilot, lambda: screen.info is not None)
        before = len(screen.info.detail.followups)  # type: ignore[union-attr]
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        form.query_one("#fld-date", Input).value = (server.today + dt.timedelta(days=2)).isoformat()
        form.query_one("#fld-note", Input).value = "电话回访，学生适应良好"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "不能晚于今天" in text_of(form, "#form-error")
        form.query_one("#fld-date", Input).value = server.today.isoformat()
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: screen.info is not None and len(screen.info.detail.followups) == before + 1
        )
        added = screen.info.detail.followups[-1]  # type: ignore[union-attr]
        assert added.id < 0 and added.note == "电话回访，学生适应良好"
        assert ts.local_state("followup", added.id)[0] == LocalState.PENDING
        assert any("离线" in str(n.message) for n in app._notifications)
        assert InternFlag.NO_FOLLOWUP not in screen.info.flags  # type: ignore[union-attr]

        harness.faults.offline = False
        status = await ts.sync()
        assert status.pending == 0 and status.rejected == 0
        screen.reload()
        await wait_for(pilot, lambda: screen.info is not None and screen.info.detail.followups[-1].id > 0)
        synced = [f for f in screen.info.detail.followups if f.note == "电话回访，学生适应良好"]  # type: ignore[union-attr]
        assert len(synced) == 1 and synced[0].created_by == "demo-univ"
        rows = screen.query_one("#id-followups", DataTable)
        assert "电话回访" in str(rows.get_row_at(0)[3])


async def test_interns_list_filters_selection_and_bulk_staff(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        await app.push_screen(InternsScreen(AppFilter(intern_flag=InternFlag.NO_INSURANCE.value)))
        screen = app.screen
        assert isinstance(screen, InternsScreen)
        await wait_for(pilot, lambda: screen.rows is not None)
        assert screen.rows is not None and screen.rows.ids
        n = len(screen.rows.ids)
        assert set(screen.rows.table.column("status").to_pylist()) == {"on_duty"}
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: len(screen.selected) == n)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        from textual.widgets import Select

        sel = form.query_one("#fld-staff", Select)
        sel.value = "demo-univ"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                screen.rows is not None
                and set(screen.rows.table.column("responsible_staff").to_pylist()) == {app.services.me.display_name}
            ),
        )  # the staff member's name, not the login
        # insurance in bulk clears the flag
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.rows is not None and not screen.rows.ids)


async def test_tracking_fields_checked_before_sending(server: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server, tmp_path / "cache", sync=True)
    completed = interns(ts, Status.COMPLETED)[0]
    on_duty = interns(ts, Status.ON_DUTY)[0]
    with pytest.raises(DomainError, match="bad_score"):
        await ts.set_tracking([completed], TrackingUpdate.model_construct(employer_score=120))
    with pytest.raises(DomainError, match="not_completed"):
        await ts.set_tracking([on_duty], TrackingUpdate(employer_score=80))
    res = await ts.set_tracking(
        [completed], TrackingUpdate(appraisal_copy_received=server.today, employer_score=90, student_score=88)
    )
    assert res[0].ok and not res[0].queued
    assert InternFlag.APPRAISAL_MISSING not in ts.intern_detail(completed).flags
    # nominate, then the list for the year-end selection
    nom = await ts.nominate_excellent(completed, "表现优秀，单位评价高")
    assert nom.ok
    assert any(
        r.application_id == completed for r in ts.query_excellent(server.today.year) + ts.query_excellent(None)
    )
    with pytest.raises(DomainError, match="already_nominated"):
        await ts.nominate_excellent(completed, "again")
    # cancelling needs a reason; a cancelled request can take no more steps
    open_rows = ts.query_withdrawals(WithdrawalFilter(state="open"))
    target = next(r for r in open_rows if r.deadline is None and in_province(ts, [r.application_id]))
    with pytest.raises(DomainError, match="reason_required"):
        await ts.record_withdrawal_step(target.id, Step.CANCEL, StepInput(text=" "))
    assert (await ts.record_withdrawal_step(target.id, Step.CANCEL, StepInput(text="学生改变主意"))).ok
    with pytest.raises(DomainError, match="withdrawal_closed"):
        await ts.record_withdrawal_step(target.id, Step.STATEMENT, StepInput(date=server.today, text="x"))
    await ts.close()


async def test_screens_in_english(harness: Harness) -> None:
    from zhumeng_tui.i18n import get_lang, set_lang
    from zhumeng_tui.screens.excellent import ExcellentScreen
    from zhumeng_tui.screens.integrity import IntegrityScreen

    old = get_lang()
    set_lang("en")
    try:
        app = harness.app(presynced=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_signed_in(pilot, app)
            w = await open_list(pilot, app, WithdrawalsScreen(state=None))
            assert "overdue" in text_of(w, "#w-count")
            await pilot.press("enter")
            await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
            assert "Deadline" in text_of(app.screen, "#wd-deadline")
            await open_list(pilot, app, IntegrityScreen())
            await pilot.press("enter")  # one student's archive
            await wait_for(
                pilot, lambda: isinstance(app.screen, IntegrityScreen) and app.screen.student_id is not None
            )
            ts = app.services
            assert ts is not None
            if not ts.query_excellent(None):
                assert (await ts.nominate_excellent(interns(ts, Status.COMPLETED)[0], "Excellent work")).ok
            await open_list(pilot, app, ExcellentScreen())
            await pilot.press("enter")
            await wait_for(
                pilot, lambda: isinstance(app.screen, InternDetailScreen) and app.screen.info is not None
            )
            assert "Employer" in text_of(app.screen, "#id-facts")
            assert "Flags" in text_of(app.screen, "#id-flags")
    finally:
        set_lang(old)


async def test_appraisal_scores_and_nomination_in_the_detail(server: DemoServer, harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        ts = await wait_signed_in(pilot, app)
        ids = ts.query_interns(
            AppFilter(statuses=frozenset({Status.COMPLETED}), intern_flag=InternFlag.APPRAISAL_MISSING.value),
            SortSpec(),
        ).ids
        app_id = in_province(ts, ids)[0]
        await app.push_screen(InternDetailScreen(app_id))
        screen = app.screen
        assert isinstance(screen, InternDetailScreen)
        await wait_for(pilot, lambda: screen.info is not None)
        assert InternFlag.APPRAISAL_MISSING in screen.info.flags  # type: ignore[union-attr]
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        form.query_one("#fld-copy", Input).value = server.today.isoformat()
        form.query_one("#fld-employer_score", Input).value = "101"
        form.query_one("#fld-student_score", Input).value = "90"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "0至100" in text_of(form, "#form-error")
        form.query_one("#fld-employer_score", Input).value = "95"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: screen.info is not None and screen.info.detail.application.employer_score == 95,
        )
        assert screen.info is not None and screen.info.flags == []
        assert "单位评价：95" in text_of(screen, "#id-tracking")
        # the server's record, once it is back: the update is its newest history
        # event, and the timeline shows it (where it sorts among the demo's
        # events of the pinned day depends on the hour the test runs at)
        await wait_for(pilot, lambda: screen.info is not None
                       and screen.info.detail.application.history[-1].action == "tracking")
        timeline = screen.query_one("#id-timeline", DataTable)
        assert any("更新跟踪信息" in str(timeline.get_row_at(i)[2]) for i in range(timeline.row_count))

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen) and bool(app.screen.query("#form-error")))
        form = app.screen
        form.query_one("#fld-note", Input).value = "实习期间表现突出"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: screen.info is not None and screen.info.detail.application.excellent_nominated,
        )
        assert "已推荐为优秀实习生" in text_of(screen, "#id-tracking")


async def test_keys_open_the_tracking_screens(harness: Harness) -> None:
    from zhumeng_tui.screens.excellent import ExcellentScreen
    from zhumeng_tui.screens.integrity import IntegrityScreen

    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        # the app's own section keys
        for key, cls in (
            ("3", InternsScreen),
            ("4", WithdrawalsScreen),
            ("5", IntegrityScreen),
            ("6", ExcellentScreen),
        ):
            await pilot.press(key)
            await wait_for(pilot, lambda cls=cls: isinstance(app.screen, cls))  # type: ignore[misc]
            app.pop_screen()
            await pilot.pause()


async def test_submission_offline_is_optimistic_then_synced(server: DemoServer, tmp_path: Path) -> None:
    from zhumeng_tui.domain.integrity import IntegrityKind
    from zhumeng_tui.domain.withdrawal import WithdrawalState
    from zhumeng_tui.services import IntegrityFilter

    network = FaultTransport(server.transport())
    ts = await open_services(server, tmp_path / "cache", transport=network, sync=True)
    row = next(
        r
        for r in ts.query_withdrawals(WithdrawalFilter(state="open"))
        if r.state == WithdrawalState.STAMPED
        and in_province(ts, [r.application_id])
        and not r.deadline.overdue  # type: ignore[union-attr]
    )
    network.offline = True
    result = await ts.record_withdrawal_step(row.id, Step.SUBMIT, StepInput(date=server.today))
    assert result.ok and result.queued
    detail = ts.withdrawal_detail(row.id)
    assert detail.withdrawal.state == WithdrawalState.SUBMITTED and detail.local_state == "pending"
    assert detail.application.status == Status.WITHDRAWN
    assert row.application_id not in ts.intern_ids_matching(AppFilter())
    network.offline = False
    await ts.sync()
    detail = ts.withdrawal_detail(row.id)
    assert detail.local_state is None and detail.withdrawal.state == WithdrawalState.SUBMITTED
    assert detail.application.status == Status.WITHDRAWN
    entries = ts.query_integrity(IntegrityFilter(student_id=row.student_id))
    assert [e.entry.kind for e in entries if e.entry.application_id == row.application_id] == [
        IntegrityKind.WITHDREW
    ]
    await ts.close()


async def test_a_list_left_while_it_loads_does_not_fail(harness: Harness) -> None:
    """A worker's result that arrives after its screen was closed is dropped:
    the app keeps running and shows no error."""
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        screen = await open_list(pilot, app, WithdrawalsScreen())
        rows = list(screen._rows)
        app.pop_screen()
        await pilot.pause()
        screen.post_message(RecordsLoaded(rows, screen._generation))  # what the load worker does when it finishes late
        await pilot.pause(0.2)
        assert app.is_running and not isinstance(app.screen, WithdrawalsScreen)
        assert not app._notifications


async def test_an_earlier_searchs_late_answer_does_not_replace_the_list(harness: Harness) -> None:
    """Typing in a list's search box starts a load per keystroke; one that
    finishes after a later one is dropped, so the list matches the box."""
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        screen = await open_list(pilot, app, WithdrawalsScreen(state=None))
        everything = list(screen._rows)
        no = everything[0].student_no
        await pilot.press("slash", *no)
        await wait_for(pilot, lambda: all(r.student_no.startswith(no) for r in screen._rows))
        shown = screen.table.row_count
        assert shown < len(everything)
        screen.post_message(RecordsLoaded(everything, screen._generation - 1))  # the answer for an earlier text
        await pilot.pause(0.2)
        assert screen.table.row_count == shown and len(screen._rows) == shown
