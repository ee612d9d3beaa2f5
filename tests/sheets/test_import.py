"""Imports: the analysis first (changes field by field, unchanged rows,
refused rows with row number, column and reason; students moving between
blocked and clear), nothing sent before the user confirms, the refused rows
written beside the input, the changes through the outbox (offline too), and
importing the same file again changing nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.faults import FaultTransport
from tests.sheets.conftest import csv_file, read_csv, read_xlsx, xlsx
from tests.support import DemoServer, open_services
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.status import Status
from zhumeng_tui.services import AppFilter, ExportRequest, FileFormat, SortSpec
from zhumeng_tui.services.local import LocalServices

HEADER = ["学号", "姓名", "学籍状态", "学习形式", "实名认证", "高校认证", "联系电话"]


def _students(svc: LocalServices) -> dict[int, dict[str, Any]]:
    return {s["id"]: s for s in svc.records("student")}


def _blocked_only_by(svc: LocalServices, check: str) -> list[dict[str, Any]]:
    """Students whose every application under review fails ``check`` and nothing else."""
    students = _students(svc)
    by_student: dict[int, list[dict[str, Any]]] = {}
    for a in svc.records("application"):
        if a["status"] in ("matched", "dept_confirmed", "returned"):
            by_student.setdefault(a["student_id"], []).append(a)
    out = []
    for sid, apps in by_student.items():
        failing = {c["check"] for a in apps for c in a["checks"] if c["result"] == "fail"}
        if failing == {check} and not students[sid]["out_of_province"]:
            out.append(students[sid])
    return out


def _clear(svc: LocalServices) -> list[dict[str, Any]]:
    students = _students(svc)
    apps = [a for a in svc.records("application") if a["status"] in ("matched", "dept_confirmed")]
    failing = {a["student_id"] for a in svc.records("application")
               if any(c["result"] == "fail" for c in a["checks"]) and a["status"] in ("matched", "dept_confirmed",
                                                                                       "returned")}
    return [students[a["student_id"]] for a in apps if a["student_id"] not in failing
            and not students[a["student_id"]]["out_of_province"]]


def _row(s: dict[str, Any], **change: Any) -> list[Any]:
    f = {**s, **change}
    return [f["student_no"], f["name"], f["enrollment_status"], "全日制" if f["full_time"] else "非全日制",
            "是" if f["realname_verified"] else "否", "是" if f["univ_certified"] else "否", f["phone"]]


async def test_roster_import_analyses_then_applies_once(univ: LocalServices, server: DemoServer,
                                                        tmp_path: Path) -> None:
    unverified = _blocked_only_by(univ, "realname")[0]
    part_time = _blocked_only_by(univ, "enrolled")[0]  # 非全日制
    clear = _clear(univ)[0]
    same = next(s for s in univ.records("student") if s["id"] not in {x["id"] for x in [unverified, part_time, clear]})
    path = xlsx(tmp_path / "学籍.xlsx", [
        [*HEADER, "备注"],
        [*_row(unverified, realname_verified=True), "已核实"],
        [*_row(part_time, full_time=True, phone="13900001111"), ""],
        [*_row(clear, enrollment_status="休学"), ""],
        [*_row(same), ""],
    ])
    before = server.app.state.server  # the server sees nothing until the import is confirmed
    analysis = univ.analyse_import("roster", path)
    assert analysis.rows_read == 4 and analysis.unchanged == 1 and not analysis.refused
    assert analysis.ignored_columns == ["备注"]
    assert analysis.field_counts == {"实名认证": 1, "学习形式": 1, "联系电话": 1, "学籍状态": 1}
    first = next(c for c in analysis.changes if c.key == part_time["student_no"])
    assert {(f.column, f.before, f.after) for f in first.changes} == {
        ("学习形式", "非全日制", "全日制"), ("联系电话", part_time["phone"], "13900001111")}
    assert analysis.effects == ["2 名学生由受阻变为可审核", "1 名学生由可审核变为受阻"]
    assert analysis.refused_file is None
    assert univ.record("student", unverified["id"])["realname_verified"] is False  # nothing sent yet
    assert before.engine is not None

    result = await univ.apply_import(analysis)
    assert (result.ok, result.queued, result.refused) == (3, 0, 0)
    await univ.sync()
    assert univ.record("student", unverified["id"])["realname_verified"] is True
    assert univ.record("student", part_time["id"])["full_time"] is True
    assert univ.record("student", clear["id"])["enrollment_status"] == "休学"
    cleared = [a for a in univ.records("application") if a["student_id"] == unverified["id"]]
    assert all(c["result"] == "pass" for a in cleared for c in a["checks"] if c["check"] == "realname")

    again = univ.analyse_import("roster", path)
    assert (len(again.changes), again.unchanged, len(again.refused)) == (0, 4, 0)
    assert await univ.apply_import(again) == type(result)(0, 0, 0)


async def test_csv_in_every_encoding_Excel_writes_reads_the_same(univ: LocalServices, tmp_path: Path) -> None:
    student = _blocked_only_by(univ, "realname")[0]
    rows = [HEADER, _row(student, realname_verified=True)]
    found = []
    for enc in ("utf-8", "utf-8-sig", "gb18030", "utf-16"):
        analysis = univ.analyse_import("roster", csv_file(tmp_path / f"{enc}.csv", rows, enc))
        found.append((analysis.rows_read, [c.key for c in analysis.changes], analysis.encoding))
    assert [f[:2] for f in found] == [(1, [student["student_no"]])] * 4
    assert [f[2] for f in found] == ["utf-8", "utf-8-sig", "gb18030", "utf-16"]
    big5 = tmp_path / "big5.csv"
    big5.write_bytes("學號,姓名\n".encode("big5") + b"\xff\xfe\xfa\n")
    with pytest.raises(DomainError) as e:
        univ.analyse_import("roster", big5)
    assert e.value.code == "unknown_encoding" and "UTF-8" in e.value.message_zh


async def test_refused_rows_say_where_and_why_and_are_written_beside(univ: LocalServices,
                                                                     tmp_path: Path) -> None:
    students = [s for s in univ.records("student") if not s["out_of_province"]]
    provincial = next(s for s in univ.records("student") if s["out_of_province"])
    good = students[0]
    dup = students[1]
    rows = [
        HEADER,
        _row(good, realname_verified=not good["realname_verified"]),  # row 2: accepted
        ["9999999999", "无名氏", "在读", "全日制", "是", "是", "13800000000"],  # 3: unknown 学号
        ["", "空学号", "在读", "全日制", "是", "是", "13800000000"],  # 4: empty 学号
        _row(dup), _row(dup),  # 5, 6: the same 学号 twice
        [students[2]["student_no"], "张冠李戴", *_row(students[2])[2:]],  # 7: another student's name
        _row(students[3], enrollment_status="在校"),  # 8: value not allowed
        _row(students[4], phone="12345"),  # 9: bad phone
        _row(provincial, realname_verified=not provincial["realname_verified"]),  # 10: out of scope
        [*_row(students[5])[:4], "可能", *_row(students[5])[5:]],  # 11: not yes or no
    ]
    for path in (xlsx(tmp_path / "roster.xlsx", rows), csv_file(tmp_path / "roster.csv", rows)):
        analysis = univ.analyse_import("roster", path)
        assert [c.row for c in analysis.changes] == [2]
        refused = {(r.row, r.column): r.reason for r in analysis.refused}
        assert set(refused) == {(3, "学号"), (4, "学号"), (5, "学号"), (6, "学号"), (7, "姓名"), (8, "学籍状态"),
                                (9, "联系电话"), (10, ""), (11, "实名认证")}
        assert "未知学号" in refused[(3, "学号")]
        assert "学号为空" in refused[(4, "学号")]
        assert "第 5、6 行" in refused[(5, "学号")]
        assert "张冠李戴" in refused[(7, "姓名")] and students[2]["name"] in refused[(7, "姓名")]
        assert "在校" in refused[(8, "学籍状态")] and "在读" in refused[(8, "学籍状态")]
        assert "11位手机号" in refused[(9, "联系电话")]
        assert "省外" in refused[(10, "")]
        assert "是" in refused[(11, "实名认证")]
        assert analysis.refused_rows == 9
        out = analysis.refused_file
        assert out is not None and out.parent == tmp_path and out.suffix == path.suffix
        back = read_xlsx(out) if out.suffix == ".xlsx" else read_csv(out)
        assert back[0] == [*HEADER, "错误原因"]
        assert [r[0] or "" for r in back[1:]] == [r[0] for r in rows[2:]]
        assert "未知学号" in back[1][-1]


async def test_files_that_are_not_usable_get_a_clear_message(univ: LocalServices, tmp_path: Path) -> None:
    def refusal(name: str, content: bytes | None = None, rows: list[list[Any]] | None = None) -> DomainError:
        path = tmp_path / name
        if rows is not None:
            xlsx(path, rows) if name.endswith(".xlsx") else csv_file(path, rows)
        else:
            path.write_bytes(content or b"")
        with pytest.raises(DomainError) as e:
            univ.analyse_import("roster", path)
        assert e.value.message_zh and e.value.message_en
        return e.value

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    assert refusal("photo.xlsx", png).code == "not_a_spreadsheet"
    assert refusal("photo.csv", png).code == "not_a_spreadsheet"
    assert refusal("notes.xlsx", "这不是表格".encode()).code == "not_a_spreadsheet"
    assert refusal("empty.xlsx", b"").code == "empty_file"
    assert refusal("blank.csv", b"\n\n  \n").code == "empty_file"
    only = refusal("only-headers.xlsx", rows=[HEADER])
    assert only.code == "no_rows" and "只有表头" in only.message_zh
    missing = refusal("no-key.csv", rows=[["姓名", "实名认证"], ["张三", "是"]])
    assert missing.code == "missing_key_column" and "学号" in missing.message_zh
    nothing = refusal("no-columns.csv", rows=[["学号", "备注"], ["2023010001", "x"]])
    assert nothing.code == "no_columns" and "学籍状态" in nothing.message_zh
    assert refusal("gone.xlsx", None).code in ("empty_file",)
    big = tmp_path / "huge.csv"
    with big.open("wb") as f:
        f.truncate(70 * 1024 * 1024)
    with pytest.raises(DomainError) as e:
        univ.analyse_import("roster", big)
    assert e.value.code == "file_too_large" and "MB" in e.value.message_zh
    with pytest.raises(DomainError) as e:
        univ.analyse_import("roster", tmp_path / "nowhere.xlsx")
    assert e.value.code == "file_not_found"
    assert not list(tmp_path.glob("*错误行*"))


async def test_a_title_row_and_merged_header_cells(univ: LocalServices, tmp_path: Path) -> None:
    student = _blocked_only_by(univ, "realname")[0]
    path = xlsx(tmp_path / "titled.xlsx", [HEADER, _row(student, realname_verified=True)],
                title="四川逐梦大学 2026 学籍名单")
    analysis = univ.analyse_import("roster", path)
    assert [(c.row, c.key) for c in analysis.changes] == [(3, student["student_no"])]
    # 学号 merged over two header rows, the other headers in the second one
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["学号", "基本信息", None, "认证情况"])
    ws.append([None, "姓名", "学籍状态", "实名认证"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:C1")
    ws.append([student["student_no"], student["name"], student["enrollment_status"], "是"])
    wb.save(tmp_path / "merged.xlsx")
    analysis = univ.analyse_import("roster", tmp_path / "merged.xlsx")
    assert [(c.row, c.key) for c in analysis.changes] == [(3, student["student_no"])]


async def test_formulas_are_read_for_their_value_or_refused_without_one(univ: LocalServices,
                                                                        tmp_path: Path) -> None:
    import zipfile

    a = _blocked_only_by(univ, "realname")[0]
    b = next(s for s in univ.records("student") if s["id"] != a["id"] and not s["out_of_province"])
    path = xlsx(tmp_path / "f.xlsx", [["学号", "实名认证"], [a["student_no"], '=IF(1=1,"是","否")'],
                                      [b["student_no"], '=IF(1=1,"是","否")']])
    # as Excel saves it: the first formula with its computed value
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r'<c r="B2"><f>(.*?)</f><v></v></c>', r'<c r="B2" t="str"><f>\1</f><v>是</v></c>', sheet)
    assert "<v>是</v>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    analysis = univ.analyse_import("roster", path)
    assert [c.key for c in analysis.changes] == [a["student_no"]]
    assert [(r.row, r.column) for r in analysis.refused] == [(3, "实名认证")]
    assert "公式" in analysis.refused[0].reason


def _approved_due(svc: LocalServices) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(application id, application, position) of approved in-province interns whose position runs today."""
    out = []
    students = _students(svc)
    for a in svc.records("application"):
        p = svc.record("position", a["position_id"]) or {}
        if (a["status"] == "approved" and p.get("start_date", "9") <= svc.today().isoformat() <= p["end_date"]
                and not students[a["student_id"]]["out_of_province"]):
            out.append((a["id"], a, p))
    return out


async def test_tracking_dates_as_text_serials_and_dates(univ: LocalServices, tmp_path: Path) -> None:
    due = _approved_due(univ)
    assert len(due) >= 5
    students = _students(univ)
    day = dt.date.fromisoformat(max(p["start_date"] for _, _, p in due[:5]))
    serial = (day - dt.date(1899, 12, 30)).days
    cells = [day, day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日",
             serial]
    rows: list[list[Any]] = [["学号", "上岗日期", "保险"]]
    for (_, a, _), cell in zip(due[:5], cells, strict=True):
        rows.append([students[a["student_id"]]["student_no"], cell, "是"])
    analysis = univ.analyse_import("tracking", xlsx(tmp_path / "duty.xlsx", rows))
    assert not analysis.refused, analysis.refused
    assert {f.after for c in analysis.changes for f in c.changes if f.column == "上岗日期"} == {day.isoformat()}
    assert analysis.effects == ["5 名实习生将登记为已上岗"]
    result = await univ.apply_import(analysis)
    assert result.ok == 5
    for app_id, _, _ in due[:5]:
        record = univ.record("application", app_id)
        assert record["status"] == "on_duty" and record["on_duty_date"] == day.isoformat()
        assert record["insurance_recorded"] is True


async def test_tracking_refusals_name_their_column(univ: LocalServices, tmp_path: Path) -> None:
    students = _students(univ)
    on_duty = next(a for a in univ.records("application") if a["status"] == "on_duty"
                   and not students[a["student_id"]]["out_of_province"])
    _, approved, position = _approved_due(univ)[0]
    no = students[on_duty["student_id"]]["student_no"]
    rows = [
        ["学号", "上岗日期", "鉴定表收到日期", "用人单位评价"],
        [no, None, None, 90],  # scores only after the internship: refused
        [students[approved["student_id"]]["student_no"], "2020-01-01", None, None],  # outside the position
        [students[approved["student_id"]]["student_no"] + "0", "2026-13-45", None, None],  # unknown 学号
    ]
    analysis = univ.analyse_import("tracking", csv_file(tmp_path / "t.csv", rows))
    refused = {(r.row, r.column): r.reason for r in analysis.refused}
    assert set(refused) == {(2, "用人单位评价"), (3, "上岗日期"), (4, "学号")}
    assert "实习完成后" in refused[(2, "用人单位评价")]
    assert position["start_date"] in refused[(3, "上岗日期")]
    bad = csv_file(tmp_path / "d.csv", [["学号", "上岗日期"], [no, "2026-13-45"], [no + "x", "明天"]])
    refused = {(r.row, r.column): r.reason for r in univ.analyse_import("tracking", bad).refused}
    assert "不是日期" in refused[(2, "上岗日期")]


async def test_the_interns_export_imports_back_unchanged_then_filled_in(univ: LocalServices,
                                                                         tmp_path: Path) -> None:
    request = ExportRequest("interns", AppFilter(statuses=frozenset({Status.ON_DUTY})), SortSpec())
    exported = univ.export(request, tmp_path / "interns.xlsx", FileFormat.XLSX)
    analysis = univ.analyse_import("tracking", exported.path)
    assert (analysis.rows_read, len(analysis.changes), len(analysis.refused)) == (exported.rows, 0, 0)
    assert "提示" in analysis.ignored_columns
    import openpyxl

    wb = openpyxl.load_workbook(exported.path)
    ws = wb.active
    assert ws is not None
    header = [c.value for c in ws[1]]
    col = header.index("保险") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == "否")
    ws.cell(row, col).value = "是"
    wb.save(exported.path)
    analysis = univ.analyse_import("tracking", exported.path)
    assert [(c.row, [(f.column, f.before, f.after) for f in c.changes]) for c in analysis.changes] == [
        (row, [("保险", "否", "是")])]


async def test_a_department_may_not_import_the_roster(dept: LocalServices, tmp_path: Path) -> None:
    path = csv_file(tmp_path / "r.csv", [HEADER, ["2023010001", "x", "在读", "全日制", "是", "是", "13800000000"]])
    with pytest.raises(DomainError) as e:
        dept.analyse_import("roster", path)
    assert e.value.code == "role_not_allowed"
    assert [(k.name, k.allowed) for k in dept.import_kinds()] == [
        ("roster", False), ("tracking", True), ("needs", True), ("hardship", True), ("attendance", True),
        ("posts", False)]


async def test_a_viewer_imports_nothing(server: DemoServer, tmp_path: Path) -> None:
    viewer = await open_services(server, tmp_path / "viewer", "demo-viewer", sync=True)
    try:
        assert not any(k.allowed for k in viewer.import_kinds())
        with pytest.raises(DomainError) as e:
            viewer.analyse_import("tracking", csv_file(tmp_path / "t.csv", [["学号", "保险"], ["1", "是"]]))
        assert e.value.code == "read_only"
    finally:
        await viewer.close()


async def test_an_offline_import_waits_in_the_outbox(server: DemoServer, tmp_path: Path) -> None:
    faults = FaultTransport(server.transport())
    svc = await open_services(server, tmp_path / "o", transport=faults, sync=True)
    try:
        student = _blocked_only_by(svc, "realname")[0]
        path = xlsx(tmp_path / "r.xlsx", [HEADER, _row(student, realname_verified=True)])
        analysis = svc.analyse_import("roster", path)
        faults.offline = True
        result = await svc.apply_import(analysis)
        assert (result.ok, result.queued) == (0, 1)
        assert svc.record("student", student["id"])["realname_verified"] is True  # shown at once
        assert svc.sync_status().pending == 1
        faults.offline = False
        await svc.sync()
        assert svc.sync_status().pending == 0
        async with __import__("httpx").AsyncClient(transport=server.transport(), base_url=server.url) as c:
            from tests.support import Api

            records = await Api(c).records("demo-univ", "student")
        assert next(s for s in records if s["id"] == student["id"])["realname_verified"] is True
    finally:
        await svc.close()


@pytest.mark.slow
async def test_a_50_mb_file_is_read(univ: LocalServices, tmp_path: Path) -> None:
    students = [s for s in univ.records("student") if not s["out_of_province"]]
    path = tmp_path / "everything.csv"
    pad = "学生档案备注" * 60
    with path.open("w", encoding="utf-8-sig") as f:
        f.write("学号,姓名,实名认证,备注\n")
        n = 0
        while f.tell() < 50 * 1024 * 1024:
            s = students[n % len(students)]
            f.write(f"{int(s['student_no']) + 10**11 * (n // len(students) + 1)},x,是,{pad}\n")
            n += 1
    assert path.stat().st_size >= 50 * 1024 * 1024
    analysis = univ.analyse_import("roster", path)
    assert analysis.rows_read == n
    assert {r.reason for r in analysis.refused} == {"未知学号（不在本账号可见的学生中）"}
