"""The graduate-services screens in the app against the real demo server
(real client core, real SQLite cache): the graduates list with its filters
and bulk actions, a session's attendance, the hardship ledger and a case,
the dashboard lines, and the keys each role is offered."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import DataTable, Input, OptionList, Select

from tests.support import Harness, text_of, wait_for, wait_signed_in
from zhumeng_tui.domain.graduates import EmploymentStatus, GraduateFlag, NeedKind
from zhumeng_tui.domain.hardship import CaseState
from zhumeng_tui.screens.case_detail import CaseDetailScreen
from zhumeng_tui.screens.coverage import CoverageScreen
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.graduate_detail import GraduateDetailScreen
from zhumeng_tui.screens.graduate_dialogs import GraduateSearchDialog, SessionPickDialog
from zhumeng_tui.screens.graduates import GraduatesScreen
from zhumeng_tui.screens.hardship import HardshipScreen
from zhumeng_tui.screens.session_detail import SessionDetailScreen
from zhumeng_tui.screens.sessions import SessionsScreen
from zhumeng_tui.services import CaseFilter, GraduateFilter, ServedFilter
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow

SIZE = (100, 30)


async def open_graduates(pilot: object, app: object) -> GraduatesScreen:
    await pilot.press("7")  # type: ignore[attr-defined]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, GraduatesScreen)
    await wait_for(pilot, lambda: screen.rows is not None and not screen._loading, "graduates listed")  # type: ignore[arg-type]
    return screen


async def form_open(pilot: object, app: object) -> FormScreen[object]:
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen)  # type: ignore[attr-defined]
                   and bool(app.screen.query("#form-error")), "form open")  # type: ignore[arg-type, attr-defined]
    return app.screen  # type: ignore[attr-defined,no-any-return]


def footer_text(app: object) -> str:
    """The descriptions of the keys the footer offers."""
    bindings = app.active_bindings.values()  # type: ignore[attr-defined]
    return " ".join(b.binding.description for b in bindings if b.binding.show and b.enabled)


async def test_filters_select_all_and_set_employment_in_bulk(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        screen = await open_graduates(pilot, app)
        assert screen.rows is not None and len(screen.rows.ids) == len(services.graduate_ids_matching(GraduateFilter()))
        assert screen.check_action("export", ()) and "导出" in footer_text(app)  # o writes the list as shown
        screen.query_one("#g-need", Select).value = NeedKind.GUIDANCE.value
        screen.query_one("#g-served", Select).value = ServedFilter.UNSERVED.value
        want = services.graduate_ids_matching(GraduateFilter(need=NeedKind.GUIDANCE, served=ServedFilter.UNSERVED))
        await wait_for(pilot, lambda: screen.rows is not None and list(screen.rows.ids) == want, "filtered")
        assert want
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: screen.selected == set(want), "all matching selected")
        assert "已选 " + str(len(want)) in text_of(screen, "#q-selection")
        await pilot.press("e")
        form = await form_open(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "请选择就业状态" in text_of(form, "#form-error")
        form.query_one("#fld-status", Select).value = EmploymentStatus.SIGNED.value
        form.query_one("#fld-date", Input).value = (services.today() + dt.timedelta(days=1)).isoformat()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "不能晚于今天" in text_of(form, "#form-error")
        form.query_one("#fld-date", Input).value = services.today().isoformat()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: any(f"已保存 {len(want)} 条" in str(n.message) for n in app._notifications),
                       "saved")
        assert all(services.graduate_detail(g).graduate.employment_status == "signed" for g in want)
        screen.query_one("#g-status", Select).value = "employed"
        await wait_for(pilot, lambda: screen.rows is not None and set(want) <= set(screen.rows.ids), "employed")


async def test_attendance_for_the_selection_serves_their_need(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        session = next(s for s in services.graduate_options().sessions if s.serves == NeedKind.GUIDANCE)
        screen = await open_graduates(pilot, app)
        screen.query_one("#g-need", Select).value = NeedKind.GUIDANCE.value
        screen.query_one("#g-served", Select).value = ServedFilter.UNSERVED.value
        want = services.graduate_ids_matching(GraduateFilter(need=NeedKind.GUIDANCE, served=ServedFilter.UNSERVED))
        await wait_for(pilot, lambda: screen.rows is not None and list(screen.rows.ids) == want, "filtered")
        await pilot.press("space", "space")
        chosen = want[:2]
        assert screen.selected == set(chosen)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionPickDialog), "session picker")
        picker = app.screen.query_one(OptionList)
        picker.highlighted = next(i for i in range(picker.option_count)
                                  if picker.get_option_at_index(i).id == str(session.id))
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("已保存 2 条" in str(n.message) for n in app._notifications), "saved")
        for g in chosen:
            need = next(n for n in services.graduate_detail(g).needs if n.need.kind == NeedKind.GUIDANCE)
            assert [x.id for x in need.sessions] == [session.id]
        # served now: they leave the "not served" list when it is read again
        await wait_for(pilot, lambda: screen.rows is not None and not set(chosen) & set(screen.rows.ids), "reloaded")


async def test_a_session_records_the_unserved_and_found_graduates(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await open_graduates(pilot, app)
        await pilot.press("l")
        sessions = app.screen
        assert isinstance(sessions, SessionsScreen)
        await wait_for(pilot, lambda: bool(sessions._rows), "sessions listed")
        # a new session: refused without a title, then recorded and opened
        await pilot.press("n")
        form = await form_open(pilot, app)
        form.query_one("#fld-kind", Select).value = "course"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "请填写活动主题" in text_of(form, "#form-error")
        form.query_one("#fld-title", Input).value = "Excel 数据处理培训班"
        form.query_one("#fld-provider", Input).value = "市职业技能培训中心"
        form.query_one("#fld-place", Input).value = "信息楼301"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen), "the new session opened")
        detail = app.screen
        assert isinstance(detail, SessionDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None and detail.detail.session.id > 0, "session shown")
        assert detail.detail is not None and detail.detail.session.serves == NeedKind.TRAINING
        unserved = [a.graduate_id for a in detail.detail.unserved]
        assert unserved == services.graduate_ids_matching(GraduateFilter(need=NeedKind.TRAINING,
                                                                         served=ServedFilter.UNSERVED))
        await pilot.press("space", "space", "r")
        await wait_for(pilot, lambda: detail.detail is not None and len(detail.detail.attendees) == 2, "recorded")
        assert {a.graduate_id for a in detail.detail.attendees} == set(unserved[:2])
        assert detail.query_one("#sd-attendees", DataTable).row_count == 2
        # by search: 姓名 or pinyin initials
        target = services.find_graduates("2023")[0]
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, GraduateSearchDialog), "search")
        dialog = app.screen
        dialog.query_one("#find-text", Input).value = target.student_no
        await wait_for(pilot, lambda: bool(dialog.rows), "found")  # type: ignore[attr-defined]
        await pilot.press("enter", "space", "ctrl+s")
        await wait_for(pilot, lambda: detail.detail is not None
                       and target.graduate_id in {a.graduate_id for a in detail.detail.attendees}, "found recorded")


async def test_the_ledger_and_a_case_with_its_refusals(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await pilot.press("8")
        ledger = app.screen
        assert isinstance(ledger, HardshipScreen)
        await wait_for(pilot, lambda: bool(ledger._rows), "cases listed")
        assert all(r.state == CaseState.OPEN for r in ledger._rows)
        assert len(ledger._rows) == len(services.query_cases(CaseFilter()))
        assert ledger.check_action("export", ()) and "导出" in footer_text(app)
        ledger.query_one("#h-flag", Select).value = "no_plan"
        await wait_for(pilot, lambda: bool(ledger._rows) and all("no_plan" in r.flags for r in ledger._rows),
                       "cases without a plan")
        case = ledger._rows[0]
        await pilot.press("enter")
        detail = app.screen
        assert isinstance(detail, CaseDetailScreen)
        await wait_for(pilot, lambda: detail.detail is not None, "case shown")
        assert "无帮扶计划" in text_of(detail, "#cd-flags")
        assert "回访" in footer_text(app)
        await pilot.press("v")
        form = await form_open(pilot, app)
        form.query_one("#fld-date", Input).value = (services.today() + dt.timedelta(days=1)).isoformat()
        form.query_one("#fld-outcome", Select).value = "continue"
        form.query_one("#fld-note", Input).value = "电话联系，正在准备面试"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "不能晚于今天" in text_of(form, "#form-error")
        assert detail.detail is not None
        form.query_one("#fld-date", Input).value = (detail.detail.case.opened_on - dt.timedelta(days=1)).isoformat()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "不能早于建档日期" in text_of(form, "#form-error")
        form.query_one("#fld-date", Input).value = services.today().isoformat()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: detail.detail is not None and any(
            v.note == "电话联系，正在准备面试" for v in detail.detail.case.visits), "visit added")
        await pilot.press("p")
        form = await form_open(pilot, app)
        form.query_one("#fld-measures", Input).value = "每周推荐3个岗位"
        form.query_one("#fld-target", Input).value = (services.today() + dt.timedelta(days=30)).isoformat()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: detail.detail is not None and detail.detail.case.plan is not None, "plan set")
        assert "无帮扶计划" not in text_of(detail, "#cd-flags")
        await pilot.press("c")
        form = await form_open(pilot, app)
        form.query_one("#fld-reason", Select).value = "other"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "须写明原因" in text_of(form, "#form-error")
        form.query_one("#fld-note", Input).value = "学生入伍体检合格，待入伍"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: detail.detail is not None and detail.detail.case.state == CaseState.CLOSED,
                       "closed")
        assert "学生入伍体检合格" in text_of(detail, "#cd-closed")
        assert not detail.check_action("visit", ())
        assert services.case_detail(case.id).case.state == CaseState.CLOSED


async def test_a_case_opened_from_a_graduate(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        busy = {c.graduate_id for c in services.query_cases(CaseFilter(state=None))}
        gid = next(g for g in services.graduate_ids_matching(GraduateFilter()) if g not in busy)
        await app.push_screen(GraduateDetailScreen(gid))
        screen = app.screen
        assert isinstance(screen, GraduateDetailScreen)
        await wait_for(pilot, lambda: screen.detail is not None and screen.options is not None, "graduate shown")
        assert "h 建立档案" in text_of(screen, "#gd-case")
        await pilot.press("h")
        form = await form_open(pilot, app)
        form.query_one("#fld-cat_special").value = True  # type: ignore[attr-defined]
        form.query_one("#fld-officer", Select).value = "demo-univ2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "须说明具体困难" in text_of(form, "#form-error")
        form.query_one("#fld-note_special", Input).value = "母亲重病"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, CaseDetailScreen), "case opened")
        case_screen = app.screen
        assert isinstance(case_screen, CaseDetailScreen)
        await wait_for(pilot, lambda: case_screen.detail is not None and case_screen.detail.case.id > 0, "synced")
        assert case_screen.detail is not None and case_screen.detail.case.officer == "demo-univ2"
        assert "母亲重病" in text_of(case_screen, "#cd-info")
        assert "建档 0 天未回访" in text_of(case_screen, "#cd-info")


async def test_dashboard_lines_open_the_list_they_count(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 60)) as pilot:
        services = await wait_signed_in(pilot, app)
        board = app.screen
        assert isinstance(board, DashboardScreen)
        await wait_for(pilot, lambda: board.dashboard is not None, "dashboard")
        lines = board.dashboard.graduates  # type: ignore[union-attr]
        assert [line.key for line in lines][:5] == [f"graduates:unserved:{k.value}" for k in NeedKind]
        guidance = lines[0]
        board._open(guidance.key)
        screen = app.screen
        assert isinstance(screen, GraduatesScreen)
        await wait_for(pilot, lambda: screen.rows is not None and not screen._loading, "listed")
        assert screen.rows is not None and len(screen.rows.ids) == guidance.count
        assert screen.query_one("#g-need", Select).value == "guidance"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), "back")
        no_visit = next(line for line in lines if line.key == "hardship:no_visit")
        board._open(no_visit.key)
        ledger = app.screen
        assert isinstance(ledger, HardshipScreen)
        await wait_for(pilot, lambda: bool(ledger._rows), "ledger")
        assert len(ledger._rows) == no_visit.count == len(services.query_cases(no_visit.target))  # type: ignore[arg-type]


async def test_read_only_and_city_accounts_are_offered_only_what_they_may_do(harness: Harness) -> None:
    app = harness.app("demo-viewer", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        screen = await open_graduates(pilot, app)
        for action in ("attendance", "employment"):
            assert not screen.check_action(action, ())
        case = services.query_cases(CaseFilter())[0]
        await app.push_screen(CaseDetailScreen(case.id))
        detail = app.screen
        await wait_for(pilot, lambda: detail.detail is not None, "case")  # type: ignore[attr-defined]
        for action in ("visit", "plan", "subsidy", "close_case", "officer"):
            assert not detail.check_action(action, ())
        assert "回访" not in footer_text(app) and "结案" not in footer_text(app)
    app = harness.app("demo-city", presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        board = app.screen
        await wait_for(pilot, lambda: board.dashboard is not None, "dashboard")  # type: ignore[attr-defined]
        await pilot.press("2")
        await pilot.pause()
        assert app.screen is board  # no review queue for a city account
        screen = await open_graduates(pilot, app)
        assert screen.check_action("attendance", ()) and not screen.check_action("employment", ())
        assert screen.rows is not None and len(screen.rows.ids) == len(services.graduate_ids_matching(GraduateFilter()))
        assert services.graduate_ids_matching(GraduateFilter(flag=GraduateFlag.UNSERVED))


async def test_coverage_from_the_graduates_list(harness: Harness) -> None:
    app = harness.app(presynced=True)
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_signed_in(pilot, app)
        await open_graduates(pilot, app)
        await pilot.press("c")
        screen = app.screen
        assert isinstance(screen, CoverageScreen)
        await wait_for(pilot, lambda: bool(screen._rows), "coverage listed")
        want = services.coverage()
        assert [r.department_name for r in screen._rows] == [r.department_name for r in want]
        total = want[-1]
        table = screen.query_one(DataTable)
        cells = [str(c) for c in table.get_row_at(table.row_count - 1)]
        assert cells[0] == "合计"
        kind = NeedKind.GUIDANCE
        assert cells[1].startswith(f"{total.served[kind]}/{total.needed[kind]} ")
