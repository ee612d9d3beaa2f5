"""The export key, the print keys, the statistics screen and the import
screen, driven with Pilot against a server on a loopback port; the written
files read back and compared with what the screen showed."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import docx
import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, Select, Static

from tests.sheets.conftest import read_xlsx, xlsx
from tests.support import DemoServer, Harness, ServerFactory, wait_for, wait_synced
from zhumeng_tui.app import ZhumengApp
from zhumeng_tui.screens.export_dialog import ExportDialog
from zhumeng_tui.screens.import_screen import ImportScreen
from zhumeng_tui.screens.interns import InternsScreen
from zhumeng_tui.screens.missing import MissingScreen
from zhumeng_tui.screens.review import ReviewQueueScreen
from zhumeng_tui.screens.statistics import StatisticsScreen
from zhumeng_tui.screens.withdrawal_detail import WithdrawalDetailScreen
from zhumeng_tui.screens.withdrawals import WithdrawalsScreen
from zhumeng_tui.services import COLUMN_LABELS
from zhumeng_tui.widgets.columns import formatter
from zhumeng_tui.widgets.palette import screen_actions

pytestmark = pytest.mark.slow

SIZE = (100, 30)


@pytest.fixture
def server(make_server: ServerFactory) -> DemoServer:
    return make_server(loopback=True)


def notified(app: ZhumengApp, text: str) -> bool:
    return any(text in str(n.message) for n in app._notifications)


async def export_to(pilot: Any, app: ZhumengApp, folder: Path, name: str, fmt: str | None = None) -> Path:
    """Press ``o`` (unless the dialog is open), choose ``fmt``, write ``folder/name``; the file."""
    if not isinstance(app.screen, ExportDialog):
        await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the export dialog")
    dialog = app.screen
    if fmt is not None:
        dialog.query_one("#x-format", Select).value = fmt
        await pilot.pause()
    dialog.query_one("#x-folder", Input).value = str(folder)
    dialog.query_one("#x-name", Input).value = name
    await pilot.press("ctrl+s")
    path = folder / name
    await wait_for(pilot, lambda: notified(app, str(path)), f"the app says it wrote {path}")
    return path


def shown_cells(screen: ReviewQueueScreen, column: str) -> list[str]:
    """What the application table shows in ``column``, row by row."""
    rows = screen.rows
    assert rows is not None
    fmt, at = formatter(column), rows.columns.index(column)
    return [fmt(rows.row(i)[at]) for i in range(len(screen.table.ids))]


def text(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


async def test_the_review_queue_exports_what_it_shows(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen) and app.screen.rows is not None)
        screen = app.screen
        assert isinstance(screen, ReviewQueueScreen)
        await pilot.press("S")  # 学号 descending
        await wait_for(pilot, lambda: screen.sort.descending and not screen._loading, "sorted")
        path = await export_to(pilot, app, tmp_path, "all.xlsx")
        rows = read_xlsx(path)
        header = rows[0]
        for column in ("student_no", "name", "status", "worst", "failed_checks", "department", "employer"):
            at = header.index(COLUMN_LABELS[column][0])
            assert [r[at] or "" for r in rows[1:]] == shown_cells(screen, column), column
        # with rows selected, only those
        assert app.focused is screen.table, app.focused
        await pilot.press("home", "space", "down", "space", "space")
        picked = [i for i in screen.table.ids if i in screen.selected]
        assert len(picked) == 3
        path = await export_to(pilot, app, tmp_path, "picked.csv", "csv")
        with path.open(encoding="utf-8-sig") as f:
            got = [r[0] for r in list(csv.reader(f))[1:]]
        nos = shown_cells(screen, "student_no")
        assert got == [nos[list(screen.table.ids).index(i)] for i in picked]


async def test_a_record_list_exports_its_table(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=(160, 30)) as pilot:  # wide enough for every column
        await wait_synced(pilot, app)
        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalsScreen) and app.screen.table.row_count > 0)
        screen = app.screen
        assert isinstance(screen, WithdrawalsScreen)
        shown = [[text(c) for c in screen.table.get_row_at(i)] for i in range(screen.table.row_count)]
        path = await export_to(pilot, app, tmp_path, "w.xlsx")
        rows = read_xlsx(path)
        assert rows[0][:4] == ["学号", "姓名", "截止日期", "剩余"]
        assert [[r[0], r[1], r[3] or "", r[5], r[6], r[7]] for r in rows[1:]] == [
            [s[0], s[1], s[3], s[4], s[6], s[7]] for s in shown]
        assert [r[2].date().isoformat() if r[2] else "—" for r in rows[1:]] == [s[2].rstrip("*") for s in shown]


async def test_the_missing_view_exports_and_still_copies(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, MissingScreen) and bool(app.screen.groups))
        screen = app.screen
        assert isinstance(screen, MissingScreen)
        assert "missing.copy" in {b.id for _, b, _ in screen_actions(screen)}
        path = await export_to(pilot, app, tmp_path, "missing.xlsx")
        rows = read_xlsx(path)
        assert [r[0] for r in rows[1:]] == [s.student_no for g in screen.groups for s in g.students]
        assert [r[4] for r in rows[1:]] == [g.label for g in screen.groups for _ in g.students]


async def test_print_the_final_list_and_a_withdrawal_request(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, InternsScreen) and app.screen.rows is not None)
        screen = app.screen
        assert isinstance(screen, InternsScreen)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert app.screen.query_one("#x-format", Select).value == "docx"
        assert app.screen.query_one("#x-list", Select).value == 1  # the final list
        path = await export_to(pilot, app, tmp_path, "final.docx")
        table = docx.Document(str(path)).tables[0]
        assert len(table.rows) == len(screen.table.ids) + 1
        assert notified(app, "Word")
        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalsScreen) and app.screen.table.row_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, WithdrawalDetailScreen) and app.screen.detail is not None)
        detail = app.screen.detail
        assert detail is not None
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        assert detail.student.student_no in app.screen.query_one("#x-name", Input).value
        path = await export_to(pilot, app, tmp_path, "request.docx")
        cells = "\n".join(c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells)
        assert detail.student.name in cells and detail.position.title in cells


async def test_an_existing_file_is_replaced_only_when_confirmed(harness: Harness, tmp_path: Path) -> None:
    target = tmp_path / "taken.csv"
    target.write_text("keep me", encoding="utf-8")
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("5")
        await wait_for(pilot, lambda: app.screen.query("#g-table") and app.screen.table.row_count > 0)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        dialog.query_one("#x-format", Select).value = "csv"
        await pilot.pause()
        dialog.query_one("#x-folder", Input).value = str(tmp_path)
        dialog.query_one("#x-name", Input).value = "taken.csv"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog) and "已存在" in str(
            app.screen.query_one("#x-error", Static).render()), "asked before replacing")
        assert target.read_text(encoding="utf-8") == "keep me"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, str(target)))
        assert target.read_text(encoding="utf-8-sig").startswith("日期,学号,姓名")


async def test_statistics_show_their_numbers_and_export_them(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("9")
        await wait_for(pilot, lambda: isinstance(app.screen, StatisticsScreen) and bool(app.screen.charts))
        screen = app.screen
        assert isinstance(screen, StatisticsScreen)
        chart = screen.charts[0]
        table = screen.query_one(f"#view-{chart.key} DataTable", DataTable)
        await wait_for(pilot, lambda: table.row_count == len(chart.categories))
        first = [text(c) for c in table.get_row_at(0)]
        assert chart.categories[0].startswith(first[1].removesuffix("…")) and first[-1] == str(chart.total(0))
        path = await export_to(pilot, app, tmp_path, "chart.xlsx")
        rows = read_xlsx(path)
        assert [r[0] for r in rows[1:]] == list(chart.categories)
        assert [r[-1] for r in rows[1:]] == [chart.total(i) for i in range(len(chart.categories))]


def _unverified(services: Any, n: int) -> list[dict[str, Any]]:
    out = []
    for s in services.records("student"):
        if not s["realname_verified"] and not s["out_of_province"]:
            out.append(s)
    return out[:n]


async def test_import_shows_the_analysis_then_sends_on_confirm(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        services = await wait_synced(pilot, app) or app.services
        assert app.services is not None
        students = _unverified(app.services, 2)
        path = xlsx(tmp_path / "学籍.xlsx", [["学号", "姓名", "实名认证"],
                                             *([s["student_no"], s["name"], "是"] for s in students),
                                             ["0000", "无名", "是"]])
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await wait_for(pilot, lambda: screen.query_one("#im-kind", Select).value == "roster", "kinds loaded")
        field = screen.query_one("#im-path", Input)
        field.value = str(path)
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.analysis is not None, "analysed")
        summary = str(screen.query_one("#im-summary", Static).render())
        assert "读取 3 行：将修改 2 行，未变化 0 行，拒绝 1 行" in summary
        assert "2 名学生由受阻变为可审核" in summary or "名学生由受阻变为可审核" in summary
        assert screen.query_one("#im-changes", DataTable).row_count == 2
        refused = screen.query_one("#im-refused", DataTable)
        assert [text(c) for c in refused.get_row_at(0)][:2] == ["4", "学号"]
        assert app.services.record("student", students[0]["id"])["realname_verified"] is False  # not yet
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "已保存 2 条"), "saved")
        assert app.services.record("student", students[0]["id"])["realname_verified"] is True
        assert not screen.check_action("apply", ())  # sent once
        del services


async def _import_in_screen(pilot: Any, app: ZhumengApp, kind: str, path: Path) -> ImportScreen:
    """Open the import screen, pick ``kind`` and ``path``, and wait for the analysis."""
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    select = screen.query_one("#im-kind", Select)
    await wait_for(pilot, lambda: select.value is not Select.NULL, "kinds loaded")
    select.value = kind
    field = screen.query_one("#im-path", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen.analysis is not None, "analysed")
    return screen


async def test_a_sign_in_sheet_in_the_import_screen(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        services = app.services
        assert services is not None
        today = services.today().isoformat()
        sessions = services.records("service_session")
        titles = [s["title"] for s in sessions]
        session = next(s for s in sessions if s["date"] <= today and titles.count(s["title"]) == 1)
        attended = {(a["graduate_id"], a["session_id"]) for a in services.records("attendance")}
        students = {s["id"]: s for s in services.records("student")}
        g = next(g for g in services.records("graduate") if (g["id"], session["id"]) not in attended)
        name = f"{session['date']} {session['title']}"
        path = xlsx(tmp_path / "签到.xlsx", [["学号", "姓名", "活动"],
                                             [students[g["student_id"]]["student_no"], "", name],
                                             [students[g["student_id"]]["student_no"], "", "没有这个活动"]])
        screen = await _import_in_screen(pilot, app, "attendance", path)
        summary = str(screen.query_one("#im-summary", Static).render())
        assert "读取 2 行：将新增 1 行，将修改 0 行，未变化 0 行，拒绝 1 行" in summary
        changes = screen.query_one("#im-changes", DataTable)
        assert [text(c.label) for c in changes.columns.values()][1] == "学号 · 活动"
        assert [text(c) for c in changes.get_row_at(0)][3:] == ["签到", "否", "是"]
        assert [text(c) for c in screen.query_one("#im-refused", DataTable).get_row_at(0)][:2] == ["3", "活动"]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "已保存 1 条"), "saved")
        assert any(a["graduate_id"] == g["id"] and a["session_id"] == session["id"]
                   for a in services.records("attendance"))


async def test_a_job_board_export_in_the_import_screen(harness: Harness, tmp_path: Path) -> None:
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        services = app.services
        assert services is not None
        path = xlsx(tmp_path / "岗位.xlsx", [
            ["用人单位", "岗位名称", "工作城市", "岗位类别", "薪资范围", "有效期至", "岗位来源"],
            ["蜀道测试科技有限公司", "测试工程师", "绵阳市", "技术研发", "5000-7000", "2026-05-31", "用人单位自报"],
            ["蜀道测试科技有限公司", "运维工程师", "绵阳市", "技术研发", "五千", "2026-05-31", "用人单位自报"],
        ])
        screen = await _import_in_screen(pilot, app, "posts", path)
        summary = str(screen.query_one("#im-summary", Static).render())
        assert "读取 2 行：将新增 1 行，将修改 0 行，未变化 0 行，拒绝 1 行" in summary
        assert "将新增 1 个岗位（待审核" in summary
        changes = screen.query_one("#im-changes", DataTable)
        assert [text(c.label) for c in changes.columns.values()][1] == "用人单位 · 岗位名称 · 工作城市"
        assert [text(c) for c in screen.query_one("#im-refused", DataTable).get_row_at(0)][:2] == ["3", "薪资范围"]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "已保存 1 条"), "saved")
        made = [p for p in services.records("job_post") if p["employer"] == "蜀道测试科技有限公司"]
        assert len(made) == 1 and made[0]["verified_on"] is None and made[0]["salary_max"] == 7000


async def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(harness: Harness, tmp_path: Path) -> None:
    photo = tmp_path / "photo.xlsx"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    app = harness.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#im-kind", Select).value == "roster")
        field = screen.query_one("#im-path", Input)
        field.value = str(photo)
        field.focus()
        await pilot.press("enter")
        error = screen.query_one("#im-error", Static)
        await wait_for(pilot, lambda: "不是表格文件" in str(error.render()), "the refusal shown")
        assert screen.analysis is None and not list(tmp_path.glob("*错误行*"))


async def test_a_viewer_exports_but_is_offered_no_import(harness: Harness, tmp_path: Path) -> None:
    app = harness.app("demo-viewer")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        assert not app.check_action("goto", ("import",))
        assert "app.go_import" not in {b.id for _, b, _ in screen_actions(app.screen)}
        await pilot.press("i")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ImportScreen)
        await pilot.press("2")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewQueueScreen) and app.screen.rows is not None)
        assert "list.export" in {b.id for _, b, _ in screen_actions(app.screen)}
        path = await export_to(pilot, app, tmp_path, "viewer.csv", "csv")
        assert path.exists()


async def test_a_department_is_offered_the_imports_of_its_role_only(harness: Harness) -> None:
    app = harness.app("demo-dept")
    async with app.run_test(size=SIZE) as pilot:
        await wait_synced(pilot, app)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportScreen))
        kind = app.screen.query_one("#im-kind", Select)
        await wait_for(pilot, lambda: kind.value == "tracking", "the tracking import offered")
        assert [v for _, v in kind._options if v is not Select.NULL] == ["tracking", "needs", "hardship", "attendance"]
