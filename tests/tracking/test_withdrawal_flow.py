"""A withdrawal through all four steps, in the app against a real demo server.

The university account files it and records the statement, the stamp and the
submission in the TUI; the department account records the counsellor's
signature (its own client and cache). Bad input is refused in the form before
anything is sent, and the server refuses it too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.support import DemoServer, Harness, interns, open_services, text_of, wait_for, wait_signed_in
from zhumeng_tui.api_client.errors import ApiError
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.integrity import IntegrityKind
from zhumeng_tui.domain.status import Status
from zhumeng_tui.domain.withdrawal import Step, StepInput, WithdrawalState
from zhumeng_tui.screens.dialogs import ConfirmDialog
from zhumeng_tui.screens.intern_detail import InternDetailScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.services import AppFilter, IntegrityFilter, SortSpec
from zhumeng_tui.services.local import LocalServices
from zhumeng_tui.widgets.columns import fit
from zhumeng_tui.widgets.detail_table import ACTOR_WIDTH
from zhumeng_tui.widgets.form import FormScreen

pytestmark = pytest.mark.slow


def candidate(ts: LocalServices, department_id: int | None) -> int:
    """An approved intern of ``department_id``, not on duty, no open withdrawal."""
    rows = ts.query_interns(
        AppFilter(statuses=frozenset({Status.APPROVED}), department_id=department_id), SortSpec()
    )
    for app_id in rows.ids:
        try:
            ts.check_filing(app_id)
        except DomainError:
            continue
        return app_id
    raise AssertionError("no approved intern to withdraw in the demo data")


async def server_refuses_stamp(ts: LocalServices, withdrawal_id: int, version: int, date: dt.date) -> None:
    """Send the stamp step straight to the server, past the local checks: it is refused."""
    with pytest.raises(ApiError):
        await ts.api.send(
            "POST",
            f"/withdrawals/{withdrawal_id}/steps",
            {"step": "stamp", "date": date.isoformat(), "name": "张三"},
            idempotency_key=f"stamp-{ts.me.username}-{withdrawal_id}",
            if_match=version,
        )


async def fill(pilot, values: dict[str, str]) -> FormScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormScreen) and bool(pilot.app.screen.query("#form-error")))
    form = pilot.app.screen
    assert isinstance(form, FormScreen)
    for key, value in values.items():
        form.query_one(f"#fld-{key}", Input).value = value
    await pilot.press("ctrl+s")
    await pilot.pause()
    return form


def step_rows(screen) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = screen.query_one("#wd-steps", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_withdrawal_through_all_four_steps(server: DemoServer, harness: Harness, tmp_path: Path) -> None:
    dept = await open_services(server, tmp_path / "cache", "demo-dept", sync=True)
    dept_id = dept.me.department_id
    assert dept_id is not None
    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        univ = await wait_signed_in(pilot, app)
        assert isinstance(univ, LocalServices)
        ts = univ
        app_id = candidate(ts, dept_id)

        # file it from the intern's detail (d)
        await app.push_screen(InternDetailScreen(app_id))
        await wait_for(pilot, lambda: app.screen.info is not None)  # type: ignore[attr-defined]
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))  # asks first
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, WithdrawalDetailScreen) and app.screen.detail is not None
        )
        screen = app.screen
        assert isinstance(screen, WithdrawalDetailScreen)
        wid = screen.withdrawal_id
        assert wid > 0, "the server named the request"
        # a second open request for the same application is refused before sending
        with pytest.raises(DomainError) as e:
            await ts.file_withdrawal(app_id)
        assert e.value.code == "withdrawal_already_open"

        # a step out of order is refused locally ...
        with pytest.raises(DomainError) as e:
            await ts.record_withdrawal_step(wid, Step.STAMP, StepInput(date=server.today, name="张主任"))
        assert e.value.code == "step_out_of_order"
        # ... and by the server
        assert screen.detail is not None
        await server_refuses_stamp(ts, wid, screen.detail.withdrawal.version, server.today)

        # 1. statement: a future date is refused in the form, today is fine
        await pilot.press("r")
        form = await fill(
            pilot, {"date": (server.today + dt.timedelta(days=1)).isoformat(), "text": "本人因考研放弃实习岗位"}
        )
        assert app.screen is form
        assert "不能晚于今天" in text_of(form, "#form-error")
        await fill(pilot, {"date": server.today.isoformat()})
        await wait_for(
            pilot,
            lambda: screen.detail is not None and screen.detail.withdrawal.state == WithdrawalState.STATEMENT,
        )
        assert step_rows(screen)[0][1] == server.today.isoformat()

        # 2. the counsellor's signature is a department step: the university is refused
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        await dept.sync()
        with pytest.raises(DomainError) as e:  # an empty counsellor name is refused
            await dept.record_withdrawal_step(wid, Step.COUNSELLOR, StepInput(date=server.today, name="  "))
        assert e.value.code == "name_required"
        result = await dept.record_withdrawal_step(
            wid, Step.COUNSELLOR, StepInput(date=server.today, name="王辅导员")
        )
        assert result.ok and not result.queued

        await univ.sync()
        screen.reload()
        await wait_for(
            pilot,
            lambda: (
                screen.detail is not None and screen.detail.withdrawal.state == WithdrawalState.COUNSELLOR
            ),
        )

        # 3. the stamp: dated before the counsellor's signature is refused
        await pilot.press("r")
        form = await fill(pilot, {"date": (server.today - dt.timedelta(days=1)).isoformat()})
        assert app.screen is form
        assert "不能早于" in text_of(form, "#form-error")
        await fill(pilot, {"date": server.today.isoformat(), "name": "张主任"})
        await wait_for(
            pilot,
            lambda: screen.detail is not None and screen.detail.withdrawal.state == WithdrawalState.STAMPED,
        )
        # across 国庆: 1-7 Oct off, 8 and 9 Oct, and Sat 10 Oct (调休) is the third working day
        deadline = text_of(screen, "#wd-deadline")
        assert "2026-10-10" in deadline and "剩余3个工作日" in deadline
        assert text_of(screen, "#wd-note") == ""

        # 4. submitted to the employer
        await pilot.press("r")
        await fill(pilot, {"date": server.today.isoformat()})
        await wait_for(
            pilot,
            lambda: screen.detail is not None and screen.detail.withdrawal.state == WithdrawalState.SUBMITTED,
        )
        assert screen.detail is not None
        assert screen.detail.application.status == Status.WITHDRAWN
        assert "按时提交" in text_of(screen, "#wd-deadline")
        rows = step_rows(screen)
        assert [r[0][:1] for r in rows] == ["✓"] * 4
        names = screen.detail.actors  # who recorded each step, by name (a long one cut with …)
        assert names["demo-dept"] != "demo-dept"
        assert rows[1][2] == fit(names["demo-dept"], ACTOR_WIDTH).rstrip()
        assert rows[2][2] == fit(names["demo-univ"], ACTOR_WIDTH).rstrip()

        # no more steps; the integrity entry appears after the sync
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
        await univ.sync()
        entries = ts.query_integrity(IntegrityFilter(student_id=screen.detail.student.id))
        assert any(
            r.entry.kind == IntegrityKind.WITHDREW and r.entry.application_id == app_id for r in entries
        )
    await dept.close()


async def test_withdrawing_an_intern_on_duty_is_refused(server: DemoServer, tmp_path: Path) -> None:
    ts = await open_services(server, tmp_path / "cache", sync=True)
    on_duty = interns(ts, Status.ON_DUTY)[0]
    with pytest.raises(DomainError) as e:
        await ts.file_withdrawal(on_duty)
    assert e.value.code == "withdrawal_on_duty"
    assert "已上岗" in e.value.message_zh
    # the server refuses it too
    with pytest.raises(ApiError):
        await ts.api.send(
            "POST", "/withdrawals", {"application_id": on_duty}, idempotency_key="t-on-duty"
        )
    await ts.close()


async def test_department_account_cannot_stamp(server: DemoServer, harness: Harness, tmp_path: Path) -> None:
    univ = await open_services(server, tmp_path / "cache", "demo-univ", sync=True)
    dept = await open_services(server, tmp_path / "cache", "demo-dept", sync=True)
    assert dept.me.department_id is not None
    app_id = candidate(univ, dept.me.department_id)
    filed = await univ.file_withdrawal(app_id)
    assert filed.ok and filed.record_id
    wid = filed.record_id
    assert (await univ.record_withdrawal_step(wid, Step.STATEMENT, StepInput(date=server.today, text="个人原因"))).ok
    await dept.sync()
    assert (
        await dept.record_withdrawal_step(wid, Step.COUNSELLOR, StepInput(date=server.today, name="王辅导员"))
    ).ok

    with pytest.raises(DomainError) as e:
        await dept.record_withdrawal_step(wid, Step.STAMP, StepInput(date=server.today, name="张三"))
    assert e.value.code == "role_not_allowed"
    assert "高校账号" in e.value.message_zh
    # the server refuses it too
    await server_refuses_stamp(dept, wid, dept.withdrawal_detail(wid).withdrawal.version, server.today)

    # in the app: r on the request says so and opens no form
    app = harness.app("demo-dept", presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_signed_in(pilot, app)
        await app.push_screen(WithdrawalDetailScreen(wid))
        screen = app.screen
        assert isinstance(screen, WithdrawalDetailScreen)
        await wait_for(pilot, lambda: screen.detail is not None)
        assert "须由高校账号记录" in text_of(screen, "#wd-next")
        # r is not offered to this account at this step
        assert "record" not in {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, FormScreen)
    await univ.close()
    await dept.close()


async def test_new_request_from_the_list_by_student_number(harness: Harness) -> None:
    from zhumeng_tui.screens.withdrawals import WithdrawalsScreen

    app = harness.app(presynced=True)
    async with app.run_test(size=(120, 40)) as pilot:
        ts = await wait_signed_in(pilot, app)
        no_on_duty = ts.intern_detail(interns(ts, Status.ON_DUTY)[0]).detail.student.student_no
        approved = candidate(ts, None)
        no_approved = ts.intern_detail(approved).detail.student.student_no
        await app.push_screen(WithdrawalsScreen())
        listing = app.screen
        await pilot.press("n")
        form = await fill(pilot, {"student_no": no_on_duty})
        assert app.screen is form
        assert "已上岗" in text_of(form, "#form-error")
        await fill(pilot, {"student_no": no_approved})
        await wait_for(
            pilot, lambda: isinstance(app.screen, WithdrawalDetailScreen) and app.screen.detail is not None
        )
        assert app.screen.detail.student.student_no == no_approved  # type: ignore[attr-defined]
        app.pop_screen()
        await wait_for(pilot, lambda: any(r.student_no == no_approved for r in listing._rows))  # type: ignore[attr-defined]
