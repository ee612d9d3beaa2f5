"""Exports: every list as its screen shows it (filter, search, sort, the
selection), read back from the written files: headers in the UI language,
学号 as text, dates as dates, a frozen header row, CSV in UTF-8 with a BOM;
the printable documents; the charts' tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from tests.sheets.conftest import read_csv, read_xlsx
from tests.support import DemoServer, interns
from zhumeng_server import models as m
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.graduates import NeedKind
from zhumeng_tui.domain.status import STATUS_LABELS, Status
from zhumeng_tui.services import (
    AppFilter,
    CaseFilter,
    ExportRequest,
    FileFormat,
    GraduateFilter,
    IntegrityFilter,
    PostFilter,
    SortSpec,
    WithdrawalFilter,
)
from zhumeng_tui.services.local import LocalServices


async def test_the_review_queue_as_shown(univ: LocalServices, tmp_path: Path) -> None:
    f = AppFilter(department_id=2, statuses=frozenset({Status.MATCHED, Status.DEPT_CONFIRMED}))
    sort = SortSpec("name", descending=True)
    shown = univ.query_applications(f, sort)
    assert len(shown.ids) > 3
    result = univ.export(ExportRequest("applications", f, sort), tmp_path / "queue", FileFormat.XLSX)
    assert result.path == tmp_path / "queue.xlsx" and result.rows == len(shown.ids)
    rows = read_xlsx(result.path)
    assert rows[0][:7] == ["学号", "姓名", "院系", "用人单位", "岗位", "地区", "状态"]
    cols = shown.columns
    expected = [shown.row(i) for i in range(len(shown.ids))]
    assert [r[0] for r in rows[1:]] == [e[cols.index("student_no")] for e in expected]
    assert [r[6] for r in rows[1:]] == [STATUS_LABELS[Status(e[cols.index("status")])][0] for e in expected]
    ws = openpyxl.load_workbook(result.path).active
    assert ws is not None
    assert ws.freeze_panes == "A2"
    assert ws["A2"].data_type == "s" and ws["A2"].number_format == "@"
    applied = ws.cell(row=2, column=10)
    assert isinstance(applied.value, dt.datetime) and applied.is_date
    assert ws.column_dimensions["D"].width > len("用人单位")  # fitted to the employers' names


async def test_only_the_selection_in_the_list_order(univ: LocalServices, tmp_path: Path) -> None:
    sort = SortSpec("student_no", descending=True)
    shown = univ.query_applications(AppFilter(), sort)
    picked = frozenset(shown.ids[i] for i in (7, 2, 40))
    result = univ.export(ExportRequest("applications", AppFilter(), sort, picked), tmp_path / "sel.csv",
                         FileFormat.CSV)
    nos = [shown.row(i)[shown.columns.index("student_no")] for i in (2, 7, 40)]
    assert result.rows == 3
    assert [r[0] for r in read_csv(result.path)[1:]] == nos


async def test_csv_is_utf8_with_a_bom_and_matches_the_workbook(univ: LocalServices, tmp_path: Path) -> None:
    request = ExportRequest("interns", AppFilter(intern_flag="any"), SortSpec("end_date"))
    a = univ.export(request, tmp_path / "i.xlsx", FileFormat.XLSX)
    b = univ.export(request, tmp_path / "i.csv", FileFormat.CSV)
    assert b.path.read_bytes().startswith(b"\xef\xbb\xbf")
    book = read_xlsx(a.path)
    text = read_csv(b.path)
    assert len(book) == len(text) == a.rows + 1
    as_text = [["" if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else str(v) for v in r]
               for r in book]
    assert as_text == text


async def test_student_numbers_keep_their_leading_zeros(server: DemoServer, univ: LocalServices,
                                                        tmp_path: Path) -> None:
    with Session(server.app.state.server.engine) as session:  # a 学号 the demo data does not have
        applicant = session.exec(select(m.Application).order_by(m.Application.id)).first()  # type: ignore[arg-type]
        assert applicant is not None
        st = session.get(m.Student, applicant.student_id)
        assert st is not None
        session.execute(text("UPDATE change_log SET data_json = replace(data_json, :old, :new)"
                             " WHERE type = 'student' AND record_id = :id"),
                        {"old": f'"student_no":"{st.student_no}"', "new": '"student_no":"0012345"', "id": st.id})
        session.commit()
    univ.cache.reset_mirror()
    await univ.sync()
    f = AppFilter(text="0012345")
    assert univ.query_applications(f, SortSpec()).ids
    for fmt in (FileFormat.XLSX, FileFormat.CSV):
        result = univ.export(ExportRequest("applications", f), tmp_path / f"zero.{fmt.value}", fmt)
        rows = read_xlsx(result.path) if fmt == FileFormat.XLSX else read_csv(result.path)
        assert {r[0] for r in rows[1:]} == {"0012345"}


async def test_every_list_writes_the_rows_it_shows(univ: LocalServices, tmp_path: Path) -> None:
    completed = interns(univ, Status.COMPLETED)[0]
    assert (await univ.nominate_excellent(completed, "表现突出")).ok
    expected = {
        "applications": len(univ.query_applications(AppFilter(), SortSpec()).ids),
        "final-list": len(univ.query_interns(AppFilter(), SortSpec()).ids),
        "interns": len(univ.query_interns(AppFilter(), SortSpec()).ids),
        "missing": sum(len(g.students) for g in univ.missing()),
        "withdrawals": len(univ.query_withdrawals(WithdrawalFilter())),
        "integrity": len(univ.query_integrity(IntegrityFilter())),
        "excellent": len(univ.query_excellent()),
        "posts": len(univ.query_posts(PostFilter())),
        "graduates": len(univ.graduate_ids_matching(GraduateFilter())),
        "hardship": len(univ.query_cases(CaseFilter())),
    }
    for info in univ.export_lists():
        if info.name in ("statistics", "ledger"):  # a chart's table, a report of tables: tests of their own
            continue
        for fmt in info.formats:
            result = univ.export(ExportRequest(info.name), tmp_path / f"{info.name}.{fmt.value}", fmt)
            assert result.rows == expected[info.name] > 0, info.name
            if fmt == FileFormat.XLSX:
                assert len(read_xlsx(result.path)) == result.rows + 1
            elif fmt == FileFormat.CSV:
                assert len(read_csv(result.path)) == result.rows + 1


async def test_the_final_intern_list_prints(univ: LocalServices, tmp_path: Path) -> None:
    f = AppFilter(department_id=1)
    shown = univ.query_interns(f, SortSpec())
    result = univ.export(ExportRequest("final-list", f, SortSpec()), tmp_path / "final", FileFormat.DOCX)
    document = docx.Document(str(result.path))
    title = document.paragraphs[0].text
    assert "四川逐梦大学" in title and "最终确定参与实习人员名单" in title
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "学号", "姓名"]
    assert len(table.rows) == len(shown.ids) + 1
    nos = [shown.row(i)[shown.columns.index("student_no")] for i in range(len(shown.ids))]
    assert [r.cells[1].text for r in table.rows[1:]] == nos
    assert [r.cells[0].text for r in table.rows[1:4]] == ["1", "2", "3"]
    assert "审核人" in document.paragraphs[-1].text


async def test_the_withdrawal_request_prints(univ: LocalServices, tmp_path: Path) -> None:
    row = next(r for r in univ.query_withdrawals(WithdrawalFilter()) if r.deadline is not None)
    detail = univ.withdrawal_detail(row.id)
    path = univ.withdrawal_document_path(row.id)
    assert detail.student.student_no in path.name and path.suffix == ".docx"
    result = univ.print_withdrawal(row.id, tmp_path / "request")
    text = "\n".join(c.text for t in docx.Document(str(result.path)).tables for r in t.rows for c in r.cells)
    assert detail.student.name in text and detail.employer.name in text and detail.position.title in text
    assert detail.deadline is not None and detail.deadline.due.isoformat() in text
    statement = next(s for s in detail.withdrawal.steps if s.step == "statement")
    assert (statement.text or "") in text


async def test_a_chart_table_exports(univ: LocalServices, tmp_path: Path) -> None:
    chart = next(c for c in univ.statistics() if c.key == "applications")
    result = univ.export(ExportRequest("statistics", "applications"), tmp_path / "chart.xlsx", FileFormat.XLSX)
    rows = read_xlsx(result.path)
    assert rows[0] == ["院系", *(s.label for s in chart.series), "合计"]
    assert [r[0] for r in rows[1:]] == list(chart.categories)
    assert sum(r[-1] for r in rows[1:]) == len(univ.query_applications(AppFilter(), SortSpec()).ids)


async def test_english_headers_in_english(univ: LocalServices, tmp_path: Path) -> None:
    univ.lang = "en"
    result = univ.export(ExportRequest("withdrawals"), tmp_path / "w.csv", FileFormat.CSV)
    assert read_csv(result.path)[0][:3] == ["Student no.", "Name", "Deadline"]


async def test_bad_requests_are_refused_and_write_nothing(univ: LocalServices, tmp_path: Path) -> None:
    with pytest.raises(DomainError) as e:
        univ.export(ExportRequest("nonsense"), tmp_path / "x.xlsx", FileFormat.XLSX)
    assert e.value.code == "unknown_list" and "applications" in e.value.message_zh
    with pytest.raises(DomainError) as e:
        univ.export(ExportRequest("applications"), tmp_path / "x.docx", FileFormat.DOCX)
    assert e.value.code == "format_not_available"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(DomainError) as e:
        univ.export(ExportRequest("applications"), blocker / "x.xlsx", FileFormat.XLSX)
    assert e.value.code == "cannot_write" and str(blocker) in e.value.message_zh
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["a-file"]


async def test_the_proposed_file_names_the_list_and_the_date(univ: LocalServices) -> None:
    path = univ.export_path(ExportRequest("final-list"), FileFormat.XLSX)
    assert path.name == f"最终确定参与实习人员名单-{univ.today().isoformat()}.xlsx"
    assert path.parent == univ.export_folder()
    path.write_text("taken")
    assert univ.export_path(ExportRequest("final-list"), FileFormat.XLSX).stem.endswith("-2")


async def test_the_ledger_for_the_provincial_report(univ: LocalServices, tmp_path: Path) -> None:
    ledger = univ.ledger()
    tables = ledger.tables("zh")
    result = univ.export(ExportRequest("ledger"), tmp_path / "台账.xlsx", FileFormat.XLSX)
    assert result.rows == sum(len(t.rows) for t in tables)
    wb = openpyxl.load_workbook(result.path)
    assert wb.sheetnames == [t.title for t in tables]
    for t in tables:
        ws = wb[t.title]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        assert rows[0][0] == f"四川逐梦大学 汇总台账 {univ.today()}"
        assert rows[1] == t.columns
        assert rows[2:] == t.rows  # numbers as numbers, the total last
        assert rows[-1][0] == "合计"
    assert wb[tables[0].title].cell(row=3 + len(tables[0].rows) - 1, column=2).value == ledger.rows[-1].graduates
    csv_result = univ.export(ExportRequest("ledger"), tmp_path / "台账.csv", FileFormat.CSV)
    lines = read_csv(csv_result.path)
    assert lines[0] == [f"四川逐梦大学 汇总台账 {univ.today()}"]
    for t in tables:
        at = lines.index([t.title])
        assert lines[at + 1] == t.columns
        assert lines[at + 2 + len(t.rows) - 1][0] == "合计"


async def test_the_posts_list_reads_back(univ: LocalServices, tmp_path: Path) -> None:
    want = univ.query_posts(PostFilter(city="成都市"))
    result = univ.export(ExportRequest("posts", PostFilter(city="成都市")), tmp_path / "岗位.xlsx", FileFormat.XLSX)
    rows = read_xlsx(result.path)
    assert rows[0][:4] == ["岗位名称", "用人单位", "岗位类别", "工作城市"]
    assert [r[1] for r in rows[1:]] == [x.post.employer for x in want]
    assert all(r[3] == "成都市" for r in rows[1:])


async def test_graduates_and_hardship_read_back_as_shown(univ: LocalServices, tmp_path: Path) -> None:
    f = GraduateFilter(need=NeedKind.GUIDANCE)
    ids = univ.graduate_ids_matching(f)
    result = univ.export(ExportRequest("graduates", f), tmp_path / "毕业生.xlsx", FileFormat.XLSX)
    rows = read_xlsx(result.path)
    assert rows[0][:3] == ["学号", "姓名", "院系"] and len(rows) == len(ids) + 1
    assert all("就业指导" in (r[3] or "") for r in rows[1:])
    chosen = frozenset(ids[:3])
    some = univ.export(ExportRequest("graduates", f, ids=chosen), tmp_path / "选中.csv", FileFormat.CSV)
    assert some.rows == 3
    cases = univ.query_cases(CaseFilter())
    result = univ.export(ExportRequest("hardship", CaseFilter()), tmp_path / "困难.xlsx", FileFormat.XLSX)
    rows = read_xlsx(result.path)
    assert [r[0] for r in rows[1:]] == [c.student_no for c in cases]
    assert rows[0][3] == "困难类别" and all(r[3] for r in rows[1:])
