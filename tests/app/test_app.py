"""The app against a real demo server and the real client core."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select, Static

from tests.support import Harness, burst, open_services, wait_for, wait_synced
from zhumeng_server.testing import DEMO_PASSWORD
from zhumeng_tui.cache.pinyin import name_pinyin
from zhumeng_tui.domain.status import Status
from zhumeng_tui.screens.dashboard import DashboardScreen
from zhumeng_tui.screens.detail import DetailScreen
from zhumeng_tui.screens.dialogs import ReviewConfirmDialog, ReviewResultDialog
from zhumeng_tui.screens.help import HelpScreen
from zhumeng_tui.screens.missing import MissingScreen
from zhumeng_tui.screens.review import ReviewQueueScreen
from zhumeng_tui.screens.signin import SignInScreen
from zhumeng_tui.services import AppFilter, SortSpec
from zhumeng_tui.widgets.app_table import ApplicationTable
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.palette import screen_actions

pytestmark = pytest.mark.slow

SIZE = (100, 30)


def statuses_of(screen: ReviewQueueScreen) -> set[str]:
    assert screen.rows is not None
    return set(screen.rows.table.column("status").to_pylist())


async def open_queue(pilot, app) -> ReviewQueueScreen:
    await wait_synced(pilot, app)
    await pilot.press("l")
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen), what="queue")
    screen = app.screen
    assert isinstance(screen, ReviewQueueScreen)
    await wait_for(pilot, lambda: screen.rows is not None and not screen._loading, what="rows")
    return screen


async def reloaded(pilot, screen: ReviewQueueScreen, action) -> None:
    generation = screen._generation
    action()
    await wait_for(pilot, lambda: screen._generation > generation and not screen._loading, what="reload")


# ------------------------------------------------------------- sign in ----


async def sign_in_refused(pilot, app, password: str) -> Static:  # type: ignore[no-untyped-def]
    """Type demo-univ and ``password`` on the sign-in screen; the error it shows."""
    await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.screen.query("#username"))
    await pilot.click("#username")
    await pilot.press(*"demo-univ", "enter", *password, "enter")
    error = app.screen.query_one("#password-error", Static)
    await wait_for(pilot, lambda: str(error.render()).strip() != "", what="error shown")
    return error


async def test_sign_in_bad_password_then_good(harness: Harness) -> None:
    app = harness.app(username=None, password=None)
    async with app.run_test(size=SIZE) as pilot:
        error = await sign_in_refused(pilot, app, "wrong-password")
        assert "用户名或密码错误" in str(error.render())
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#password", Input).value == ""  # cleared for a retry
        await pilot.press(*DEMO_PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        header = app.screen.query_one(StatusHeader)
        who = header.query_one("#h-who", Static)
        await wait_for(pilot, lambda: "高校" in str(who.render()), what="who is signed in, in the header")


async def test_sign_in_offline_says_so(harness: Harness) -> None:
    harness.faults.offline = True
    app = harness.app(username=None, password=None)
    async with app.run_test(size=SIZE) as pilot:
        error = await sign_in_refused(pilot, app, DEMO_PASSWORD)
        assert "无法连接服务器" in str(error.render())


# ---------------------------------------------------- filter and search ----


async def test_filter_and_search(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        all_rows = len(screen.rows.ids)
        assert all_rows > 50
        table = screen.query_one(ApplicationTable)
        assert table.row_count == all_rows

        # status filter
        sel = screen.query_one("#f-status", Select)
        await reloaded(pilot, screen, lambda: setattr(sel, "value", Status.MATCHED.value))
        assert statuses_of(screen) == {"matched"}
        matched = len(screen.rows.ids)
        assert 0 < matched < all_rows
        await reloaded(pilot, screen, sel.clear)

        # search by 学号 prefix, typed (debounced)
        numbers = screen.rows.table.column("student_no").to_pylist()
        target_no = numbers[len(numbers) // 2]
        await pilot.press("slash")
        assert isinstance(screen.focused, Input)
        generation = screen._generation
        await pilot.press(*target_no)
        await wait_for(pilot, lambda: screen._generation > generation and not screen._loading)
        # the debounce may fire on a prefix while keys are still arriving: wait for the whole 学号
        await wait_for(pilot, lambda: screen.current_filter.text == target_no and not screen._loading
                       and screen.rows is not None and len(screen.rows.ids) < all_rows)
        assert set(screen.rows.table.column("student_no").to_pylist()) == {target_no}

        # search by pinyin initials finds the student
        search = screen.query_one("#f-search", Input)
        await reloaded(pilot, screen, lambda: setattr(search, "value", ""))
        names = screen.rows.table.column("name").to_pylist()
        name = next(n for n in names if len(n) == 2) if any(len(n) == 2 for n in names) else names[0]
        initials = name_pinyin(name)[1]
        await reloaded(pilot, screen, lambda: setattr(search, "value", initials))
        assert name in screen.rows.table.column("name").to_pylist()
        assert len(screen.rows.ids) < all_rows
        # ... and by the 2-character name itself
        await reloaded(pilot, screen, lambda: setattr(search, "value", name))
        assert set(screen.rows.table.column("name").to_pylist()) == {name}

        # sort cycles the column
        await reloaded(pilot, screen, lambda: setattr(search, "value", ""))
        screen.table.focus()
        await reloaded(pilot, screen, screen.action_sort)
        assert screen.sort.column != "student_no"


# ------------------------------------------------------------ bulk review ----


async def select_all_and_confirm(pilot, app, screen: ReviewQueueScreen) -> ReviewResultDialog:
    screen.table.focus()
    await pilot.press("ctrl+a")
    expected = set(app.services.ids_matching(screen.current_filter))
    await wait_for(pilot, lambda: screen.selected == expected, what="all selected")
    line = str(screen.query_one("#q-selection", Static).render())
    assert f"已选 {len(expected):,}" in line
    await pilot.press("c")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ReviewConfirmDialog) and bool(app.screen.query("#send")),
        what="confirm dialog shown",
    )
    dialog = app.screen
    assert isinstance(dialog, ReviewConfirmDialog)
    preview = dialog.preview
    assert preview.total == len(expected)
    assert preview.will_send and preview.refused, "the queue mixes statuses: some are refused"
    assert "不会发送" in str(dialog.query_one("#refused", Static).render())
    send = dialog.query_one("#send")
    boxes = list(dialog.query(Checkbox))
    if boxes:
        assert send.disabled, "sending needs every warning acknowledged"
        for box in boxes:
            box.value = True
        await pilot.pause(0.05)
    assert not send.disabled
    await pilot.click("#send")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ReviewResultDialog) and bool(app.screen.query("#result-summary")),
        what="result dialog shown",
    )
    result = app.screen
    assert isinstance(result, ReviewResultDialog)
    return result


async def test_select_all_and_confirm_in_bulk(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        result_dialog = await select_all_and_confirm(pilot, app, screen)
        results = result_dialog.result.results
        sent_ok = {r.record_id for r in results if r.ok}
        assert sent_ok and all(not r.queued for r in results)
        refused = {r.application_id for r in result_dialog.preview.refused}
        summary = str(result_dialog.query_one("#result-summary", Static).render())
        assert f"成功 {len(sent_ok)} 条" in summary and f"未发送 {len(refused)} 条" in summary
        # each line names the student (学号 and name), not just an id
        one = app.services.record("application", next(iter(sent_ok)))
        student = app.services.record("student", one["student_id"])
        lines = str(result_dialog.query_one("#result-lines", Static).render())
        assert f"✓ {student['student_no']} {student['name']}" in lines
        assert "#" not in lines
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: not screen._loading)
        # the refused ones stay selected, the confirmed ones do not
        assert screen.selected == refused | set(result_dialog.result.failed_ids)
        # the server has them
        detail = app.services.application_detail(next(iter(sent_ok)))
        assert detail.application.status == Status.DEPT_CONFIRMED
        assert detail.local_state is None


async def test_bulk_confirm_offline_then_sync(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        sel = screen.query_one("#f-status", Select)
        await reloaded(pilot, screen, lambda: setattr(sel, "value", Status.MATCHED.value))
        harness.faults.offline = True
        # mix in rows the department cannot confirm
        await reloaded(pilot, screen, sel.clear)
        result_dialog = await select_all_and_confirm(pilot, app, screen)
        queued = {r.record_id for r in result_dialog.result.results if r.ok and r.queued}
        assert queued, "offline: the confirmations are queued"
        assert "待发送" in str(result_dialog.query_one("#result-summary", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen and not screen._loading)
        # rows show 待发送, header says offline with N pending
        rows = screen.rows
        local = dict(zip(rows.ids, rows.table.column("local_state").to_pylist(), strict=True))
        assert all(local[i] == "pending" for i in queued)
        first = rows.ids.index(next(iter(queued)))
        assert screen.table.row_cells(first)[1] == "待发送"
        app.refresh_sync_status()
        await pilot.pause(0.1)
        sync = str(screen.query_one(StatusHeader).query_one("#h-sync", Static).render())
        assert "待发送" in sync
        # back online: ctrl+r sends the outbox
        harness.faults.offline = False
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.services.sync_status().pending == 0, what="outbox sent")
        await wait_synced(pilot, app)
        detail = app.services.application_detail(next(iter(queued)))
        assert detail.application.status == Status.DEPT_CONFIRMED
        assert detail.local_state is None
        sync = str(screen.query_one(StatusHeader).query_one("#h-sync", Static).render())
        assert "已同步" in sync


# ------------------------------------------------------------------ roles ----


async def test_viewer_has_no_action_keys(harness: Harness) -> None:
    app = harness.app("demo-viewer")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        actions = {b.action for _n, b, _k in screen_actions(screen)}
        assert not any(a.startswith("review") for a in actions)
        assert "toggle_select" in actions  # reading and selecting still work
        footer_keys = {key for key, ab in screen.active_bindings.items() if ab.binding.show}
        assert not footer_keys & {"c", "a", "x", "r"}
        screen.table.focus()
        await pilot.press("space", "c", "a", "x", "r")
        await pilot.pause(0.2)
        assert app.screen is screen  # nothing opened, nothing failed
        # the detail screen is read-only too
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert not any(b.action.startswith("review") for _n, b, _k in screen_actions(app.screen))


async def test_department_keys_differ_from_university(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        ids = {b.id for _n, b, _k in screen_actions(screen)}
        assert {"review.confirm", "review.reject", "review.return"} <= ids
        assert "review.approve" not in ids


# ------------------------------------------------- help, palette, keymap ----


async def test_help_lists_the_screen_keys(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = str(app.screen.query_one("#help-keys", Static).render())
        for words in ("审核通过", "全选", "搜索", "选择", "退出"):
            assert words in text
        # how to reach the filters is said too
        assert "Tab" in str(app.screen.query_one("#help-filters", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


async def test_keymap_remaps_by_binding_id(harness: Harness) -> None:
    app = harness.app("demo-dept", keymap={"review.confirm": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        screen.table.focus()
        await pilot.press("space", "f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewConfirmDialog), what="f5 confirms")


async def test_detail_and_missing(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_queue(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail is not None)
        detail = app.screen
        await pilot.pause(0.1)
        for sid in ("student", "position", "form", "checks", "history", "integrity"):
            assert detail.query_one(f"#s-{sid}", Static)
        student = str(detail.query_one("#s-student", Static).render())
        assert "**" in student  # ID number masked
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MissingScreen) and app.screen.groups)
        await pilot.press("y")
        assert app.clipboard.startswith("学号\t姓名\t院系\t电话\t缺少\n")
        assert app.clipboard.count("\n") > 2


@pytest.mark.parametrize("lang", ["en"])
async def test_english(harness: Harness, lang: str) -> None:
    from zhumeng_tui.i18n import set_lang

    set_lang(lang)
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        line = str(screen.query_one("#q-selection", Static).render())
        assert "selected" in line
        assert any(b.description == "Approve" for _n, b, _k in screen_actions(screen))


async def test_query_is_the_facade(harness: Harness) -> None:
    """The table shows exactly what the facade returns for the same filter."""
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        rows = app.services.query_applications(AppFilter(), SortSpec())
        assert screen.rows.ids == rows.ids


async def test_dashboard_lines_open_filtered_lists(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        await wait_for(pilot, lambda: dash.dashboard is not None)
        board = dash.dashboard
        assert board.waiting.count > 0
        # the highlighted first line is "waiting for my decision"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen))
        queue = app.screen
        await wait_for(pilot, lambda: queue.rows is not None and not queue._loading)
        assert len(queue.rows.ids) == board.waiting.count
        assert statuses_of(queue) == {"dept_confirmed"}
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dash)
        # a blocker line
        blocker = board.blockers[0]
        dash._open(blocker.key)
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen))
        queue = app.screen
        await wait_for(pilot, lambda: queue.rows is not None and not queue._loading)
        assert len(queue.rows.ids) == blocker.count
        # sections by number
        await pilot.press("3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InternsScreen")
        await pilot.press("1")
        await wait_for(pilot, lambda: app.screen is dash)


async def test_typing_in_search_does_not_trigger_keys(harness: Harness) -> None:
    """q, c, space and digits typed into the search box are text, not commands."""
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await pilot.press("slash", "q", "c", "space", "2")
        search = screen.query_one("#f-search", Input)
        assert search.value == "qc 2"
        assert app.is_running and app.screen is screen
        assert not screen.selected
        await pilot.press("escape")  # leaves the search box
        assert isinstance(screen.focused, ApplicationTable)


async def test_palette_lists_app_and_screen_actions(harness: Harness) -> None:
    from zhumeng_tui.widgets.palette import ActionsProvider

    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        provider = ActionsProvider(screen)
        found = [hit.text async for hit in provider.discover()]
        for text in ("确认", "全选", "搜索", "立即同步", "退出", "实习跟踪"):
            assert text in found
        hits = [hit.text async for hit in provider.search("qr")]  # pinyin initials of 确认
        assert "确认" in hits
        hits = [hit.text async for hit in provider.search("confirm")]
        assert "确认" in hits


async def test_selection_keys(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        screen.table.focus()
        ids = list(screen.rows.ids)
        await pilot.press("space")  # selects row 0, moves to row 1
        assert screen.selected == {ids[0]}
        await pilot.press("down", "down", "v")  # range from the anchor (row 0) to row 3
        assert screen.selected == set(ids[0:4])
        assert screen.table.row_cells(2)[0] == "✓"
        await pilot.press("space")  # toggles row 3 off
        assert screen.selected == set(ids[0:3])
        await pilot.press("ctrl+d")
        assert not screen.selected
        await pilot.press("space", "escape")  # escape clears the selection first ...
        assert not screen.selected and app.screen is screen
        await pilot.press("escape")  # ... then goes back
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        # the selection is app state: it is still there after an application's detail
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen))
        queue = app.screen
        assert isinstance(queue, ReviewQueueScreen)
        await wait_for(pilot, lambda: queue.rows is not None and not queue._loading)
        await pilot.press("space", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is queue)
        assert queue.selected == {queue.rows.ids[0]}  # type: ignore[union-attr]


async def test_department_filter(harness: Harness) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        await wait_for(pilot, lambda: screen._departments_loaded, what="departments")
        dept_id, dept_name = app.services.departments()[0]
        sel = screen.query_one("#f-dept", Select)
        await reloaded(pilot, screen, lambda: setattr(sel, "value", str(dept_id)))
        assert screen.current_filter.department_id == dept_id
        assert set(screen.rows.table.column("department").to_pylist()) == {dept_name}
        # a department account has no department select: its scope is the department
        assert screen.query("#f-dept")
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        assert not screen.query("#f-dept")
        assert len(set(screen.rows.table.column("department").to_pylist())) == 1
        assert "department" not in screen.table.column_names  # one department: no 院系 column


async def test_conflict_is_shown_and_can_be_discarded(harness: Harness, tmp_path: Path) -> None:
    """An offline confirm that meets a change made meanwhile on the server is a
    conflict: shown in the header, the row and the detail, never dropped silently."""
    from zhumeng_tui.domain.status import Action

    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        sel = screen.query_one("#f-status", Select)
        await reloaded(pilot, screen, lambda: setattr(sel, "value", Status.MATCHED.value))
        target = screen.rows.ids[0]
        harness.faults.offline = True
        result = await app.services.review([target], Action.RETURN, "请补充报到单", [])
        assert result.results[0].queued
        # meanwhile, someone else decides on the server
        other = await open_services(harness.server, tmp_path / "other")
        await other.sync()
        done = await other.review([target], Action.REJECT, "不符合条件", [])
        assert done.results[0].ok, done.results[0]
        await other.close()
        harness.faults.offline = False
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.services.sync_status().conflicts + app.services.sync_status().rejected > 0)
        await wait_synced(pilot, app)
        sync = str(screen.query_one(StatusHeader).query_one("#h-sync", Static).render())
        assert "冲突" in sync
        app.services.application_detail(target)
        await app.push_screen(DetailScreen(target))
        detail = app.screen
        await wait_for(pilot, lambda: isinstance(detail, DetailScreen) and detail.detail is not None)
        await pilot.pause(0.1)
        assert detail.detail.local_state in ("conflict", "rejected")
        assert "D" in detail.active_bindings or "shift+d" in detail.active_bindings
        # a return cannot apply to a rejected application: R is not offered, and the
        # message says who did what meanwhile (not version numbers)
        assert not ({"R", "shift+r"} & set(detail.active_bindings))
        assert not detail.detail.may_retry
        message = detail.detail.local_message or ""
        assert "驳回：不符合条件" in message and "版本" not in message, message
        await pilot.press("D")
        await wait_for(pilot, lambda: detail.detail.local_state is None, what="dismissed")
        assert detail.detail.application.status == Status.REJECTED

        def header() -> str:
            return str(app.screen.query_one(StatusHeader).query_one("#h-sync", Static).render())

        # the header and the queue's row forget it at once, without a sync
        await wait_for(pilot, lambda: "冲突" not in header() and "拒绝" not in header(), what="header cleared")
        await pilot.press("escape")

        def row_state() -> object:
            rows = screen.rows
            assert rows is not None
            return rows.rows_of([target])[target][rows.columns.index("local_state")]

        await wait_for(pilot, lambda: app.screen is screen and not screen._loading and not row_state(),
                       what="row cleared")
        assert "冲突" not in header()


async def test_demo_server_failure_is_a_message_not_a_crash() -> None:
    from zhumeng_tui.app import LaunchOptions, ZhumengApp
    from zhumeng_tui.screens.dialogs import MessageDialog
    from zhumeng_tui.screens.signin import LoadingScreen

    def broken_demo() -> tuple[str, object]:
        raise OSError("disk full (injected)")

    async def never(url: str, user: str, password: str | None) -> object:
        raise AssertionError("not reached")

    app = ZhumengApp(LaunchOptions(sync_interval=0), never, broken_demo)  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MessageDialog), what="error dialog")
        assert "disk full" in app.screen._message
        assert isinstance(app.screen_stack[-2], LoadingScreen)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code == 1


async def test_palette_opened_during_start_up_leaves_no_loading_screen(harness: Harness) -> None:
    """Opening the command palette while the app is still connecting must not
    leave the loading screen under the dashboard (escape would go back to it)."""
    import asyncio

    from textual.command import CommandPalette

    from zhumeng_tui.app import ZhumengApp
    from zhumeng_tui.screens.base import ZScreen

    release = asyncio.Event()
    inner = harness.connector()

    async def gated(url: str, username: str, password: str | None):  # type: ignore[no-untyped-def]
        await release.wait()
        return await inner(url, username, password)

    template = harness.app()
    app = ZhumengApp(template.options, gated)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")  # while still connecting
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        release.set()
        await wait_for(pilot, lambda: any(isinstance(s, DashboardScreen) for s in app.screen_stack), what="dash")
        await pilot.press("escape")  # close the palette if it is still open
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard on top")
        await pilot.press("escape")  # nothing to go back to
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert [s for s in app.screen_stack if isinstance(s, ZScreen)] == [app.screen]


async def test_ctrl_r_on_the_detail_shows_a_decision_made_elsewhere_then_the_queue_does(
    harness: Harness, tmp_path: Path
) -> None:
    """ctrl+r syncs; the screen on top (the detail) shows the server's change,
    and the queue under it shows it too when it is back on top."""
    from zhumeng_tui.domain.status import Action

    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_queue(pilot, app)
        sel = screen.query_one("#f-status", Select)
        await reloaded(pilot, screen, lambda: setattr(sel, "value", Status.MATCHED.value))
        target = screen.rows.ids[0]
        screen.table.focus()
        screen.table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.detail is not None)
        detail = app.screen
        assert detail.detail.application.id == target
        other = await open_services(harness.server, tmp_path / "other")
        await other.sync()
        done = await other.review([target], Action.REJECT, "不符合条件", [])
        assert done.results[0].ok, done.results[0]
        await other.close()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: detail.detail.application.status == Status.REJECTED, what="detail reloaded")
        await wait_for(pilot, lambda: "已驳回" in str(detail.query_one("#s-application", Static).render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: not screen._loading and target not in screen.rows.ids, what="queue reloaded")


@pytest.mark.parametrize("between", ["tab", "enter"])
async def test_sign_in_typed_at_once(harness: Harness, between: str) -> None:
    """User name, tab (or enter), password and enter as a paste or a quick
    typist over SSH delivers them (all queued before the app handles the
    first): each part lands in its field, and a second enter does not sign in
    a second time."""
    app = harness.app(username=None, password=None)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and app.focused is not None)
        before = harness.server.tokens()
        burst(app, *"demo-univ", between, *DEMO_PASSWORD, "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
        assert harness.server.tokens() == before + 1

