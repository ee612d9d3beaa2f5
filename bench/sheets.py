"""Spreadsheet benchmarks: a 20,000-row roster file analysed (budget 3 s,
.xlsx and .csv) against the 200,000-application cache, and exports of the
whole review queue (informational)."""

from __future__ import annotations

import csv
import random
import time
from typing import Any

from bench.client import big_cache
from bench.registry import Context, Figure, bench

ROWS = 20_000
HEADER = ["学号", "姓名", "学籍状态", "学习形式", "实名认证", "高校认证", "联系电话", "备注"]


def roster_rows(svc: Any, n: int) -> list[list[Any]]:
    """``n`` rows of the cache's students: most unchanged, some changed, a few refused."""
    r = random.Random(7)
    found = svc.cache.conn().execute(
        "SELECT student_no, name, phone FROM m_student ORDER BY id LIMIT ?", (n,)).fetchall()
    rows = []
    for i, (no, name, phone) in enumerate(found):
        row = [no, name, "在读", "全日制", "是", "是", phone, "备注"]
        x = r.random()
        if x < 0.10:
            row[4] = "否"
        elif x < 0.15:
            row[6] = f"139{i:08d}"
        elif x < 0.16:
            row[2] = "在校"  # refused: not an allowed value
        elif x < 0.17:
            row[0] = f"9{no}"  # refused: unknown 学号
        rows.append(row)
    return rows


@bench("spreadsheets", order=70)
def sheet_figures(ctx: Context) -> list[Figure]:
    import openpyxl

    from zhumeng_tui.services import AppFilter, ExportRequest, FileFormat

    svc = big_cache(ctx)
    folder = ctx.directory / "sheets"
    folder.mkdir(parents=True, exist_ok=True)
    rows = roster_rows(svc, ROWS)
    xlsx = folder / "roster-20000.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(xlsx)
    csv_path = folder / "roster-20000.csv"
    with csv_path.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])

    figures = []
    for path, what in ((xlsx, ".xlsx"), (csv_path, ".csv, GB18030")):
        t = time.perf_counter()
        analysis = svc.analyse_import("roster", path)
        took = time.perf_counter() - t
        figures.append(Figure(
            f"roster import: {ROWS:,} rows analysed ({what})", took, "s", 3.0,
            f"{len(analysis.changes):,} changes, {analysis.unchanged:,} unchanged,"
            f" {analysis.refused_rows:,} refused; {svc.count(AppFilter()):,} cached applications"))

    def export(fmt: Any) -> tuple[float, int]:
        t = time.perf_counter()
        result = svc.export(ExportRequest("applications"), folder / f"queue.{fmt.value}", fmt, overwrite=True)
        return time.perf_counter() - t, result.rows

    for fmt in (FileFormat.CSV, FileFormat.XLSX):
        took, n = export(fmt)
        figures.append(Figure(f"export the whole review queue (.{fmt.value})", took, "s", None, f"{n:,} rows"))
    return figures
