"""Reading a spreadsheet: ``.xlsx``/``.xls``/``.ods`` (python-calamine) or
``.csv`` in UTF-8, UTF-8 with a BOM, UTF-16 with a BOM or GB18030 (what
Chinese Excel writes), found from the bytes, not from the file's name.

:func:`read_sheet` returns the header row (found among the first rows: a
title row above it, merged or not, is skipped) and every non-empty row below
it with its row number as the user sees it in Excel. A file that cannot be
read raises :class:`SheetError` saying why and what to do.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zhumeng_tui.domain.cells import is_blank
from zhumeng_tui.domain.errors import DomainError

#: Files larger than this are refused (a whole student-records export with
#: every column is tens of MB; larger is not a roster).
MAX_BYTES = 64 * 1024 * 1024
#: The header row is looked for among this many first rows.
HEADER_SEARCH_ROWS = 20

#: Names of workbooks (a file so named that is not a workbook is refused, not read as text).
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class SheetError(DomainError):
    """A file that cannot be read as a spreadsheet (the message says why)."""


@dataclass
class SheetData:
    """One sheet: its header row and the non-empty rows under it."""

    path: Path
    format: str  # "xlsx" (any workbook) or "csv"
    headers: list[Any]
    #: The header's row number (1 = the first row, as Excel counts).
    header_row: int
    #: (row number, cells) of every row under the header with something in it.
    rows: list[tuple[int, list[Any]]]
    #: The text encoding of a CSV file (None for a workbook).
    encoding: str | None = None
    #: (row number, column index) of formula cells that hold no computed value.
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)


#: How much a row looks like the header row (0: it is not one); the row that
#: scores most is taken (the first of equals).
HeaderTest = Callable[[Sequence[Any]], int]


def _refuse(code: str, zh: str, en: str) -> SheetError:
    return SheetError(code, zh, en)


def read_sheet(path: Path, is_header: HeaderTest) -> SheetData:
    """The first sheet of ``path`` with a header row (the row ``is_header``
    scores most among the first rows) and the rows under it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _refuse("file_not_found", f"找不到文件：{path}", f"File not found: {path}") from None
    except OSError as e:
        raise _refuse("file_unreadable", f"无法读取文件：{path}（{e.strerror}）",
                      f"Cannot read the file: {path} ({e.strerror})") from None
    if path.is_dir():
        raise _refuse("not_a_file", f"这是一个文件夹，不是文件：{path}", f"This is a folder, not a file: {path}")
    if size == 0:
        raise _refuse("empty_file", f"文件是空的：{path.name}", f"The file is empty: {path.name}")
    if size > MAX_BYTES:
        raise _refuse(
            "file_too_large",
            f"文件过大（{size / 1048576:.1f} MB，上限 {MAX_BYTES // 1048576} MB）：请只保留需要的列，或拆成几个文件分批导入",
            f"The file is too large ({size / 1048576:.1f} MB, at most {MAX_BYTES // 1048576} MB): keep only the"
            " columns needed, or split it into several files",
        )
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP) or head.startswith(_OLE):
        return _read_workbook(path, is_header)
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        raise _not_spreadsheet(path)  # named as a workbook, but it is not one
    return _read_csv(path, path.read_bytes(), is_header)


# ------------------------------------------------------------ workbooks --


def _not_spreadsheet(path: Path) -> SheetError:
    return _refuse(
        "not_a_spreadsheet",
        f"不是表格文件：{path.name}。请选择 Excel 文件（.xlsx）或 CSV 文件",
        f"Not a spreadsheet: {path.name}. Choose an Excel (.xlsx) or a CSV file",
    )


def _read_workbook(path: Path, is_header: HeaderTest) -> SheetData:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except (CalamineError, ValueError, OSError, Exception) as e:  # calamine raises several kinds
        if "password" in str(e).lower() or "encrypt" in str(e).lower():
            raise _refuse("file_encrypted", f"文件有密码保护：{path.name}。请另存为无密码的文件后再导入",
                          f"The file is password-protected: {path.name}. Save a copy without a password") from None
        raise _not_spreadsheet(path) from None
    first: SheetData | None = None
    for index, meta in enumerate(wb.sheets_metadata):
        if str(getattr(meta, "visible", "")).endswith("Hidden"):
            continue
        try:
            sheet = wb.get_sheet_by_index(index)
            cells: list[list[Any]] = sheet.to_python(skip_empty_area=False)
            merged = list(getattr(sheet, "merged_cell_ranges", None) or [])
        except Exception:
            raise _not_spreadsheet(path) from None
        data = _sheet_data(path, "xlsx", cells, is_header, merged)
        if first is None:
            first = data
        if data.header_row:
            if data.rows and zipfile.is_zipfile(path):
                data.formulas_without_value = _formulas_without_value(path, index, data.header_row)
            return data
    if first is None:
        raise _refuse("empty_file", f"文件中没有工作表：{path.name}", f"The file has no worksheet: {path.name}")
    return first


def _formulas_without_value(path: Path, sheet_index: int, header_row: int) -> set[tuple[int, int]]:
    """The cells of the sheet that hold a formula and no computed value (a file
    written by a program and never opened in Excel): their value is unknown."""
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read(_sheet_part(z, sheet_index))
    except (KeyError, zipfile.BadZipFile, IndexError):
        return set()
    if b"<f" not in xml:
        return set()
    out = set()
    for m in re.finditer(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?<!/)>(.*?)</c>', xml, re.S):
        body = m[3]
        if b"<f" in body and not re.search(rb"<v>[^<]", body):
            row = int(m[2])
            if row > header_row:
                out.add((row, _column_index(m[1].decode())))
    return out


def _sheet_part(z: zipfile.ZipFile, index: int) -> str:
    """The zip member of the ``index``-th sheet (workbook order)."""
    book = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = re.findall(r'<sheet\b[^>]*?r:id="([^"]+)"', book)[index]
    target = re.search(rf'<Relationship\b[^>]*?Id="{re.escape(rid)}"[^>]*?Target="([^"]+)"', rels) or re.search(
        rf'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="{re.escape(rid)}"', rels)
    assert target is not None
    name = target[1].lstrip("/")
    return name if name.startswith("xl/") else "xl/" + name


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


# ------------------------------------------------------------------ csv --


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_spreadsheet(path)
    boms = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
    for bom, enc in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(enc), enc
            except UnicodeDecodeError:
                break
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise _refuse(
        "unknown_encoding",
        f"无法识别文件的文字编码：{path.name}。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入",
        f"Cannot tell the text encoding of {path.name}. Save it from Excel as “CSV UTF-8 (comma delimited)”"
        " or as .xlsx and import that",
    )


def _read_csv(path: Path, raw: bytes, is_header: HeaderTest) -> SheetData:
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise _refuse("empty_file", f"文件是空的：{path.name}", f"The file is empty: {path.name}")
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        cells = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _not_spreadsheet(path) from None
    data = _sheet_data(path, "csv", cells, is_header, [])
    data.encoding = encoding
    return data


# --------------------------------------------------------------- shared --


def _sheet_data(
    path: Path, fmt: str, cells: list[list[Any]], is_header: HeaderTest, merged: list[Any]
) -> SheetData:
    """Find the header row, fill it from merged header cells, keep the rows below."""
    header_at, best = -1, 0
    for i, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        score = is_header(_with_merged(row, i, cells, merged))
        if score > best:
            header_at, best = i, score
    if header_at < 0:
        return SheetData(path, fmt, [], 0, [])
    headers = _with_merged(cells[header_at], header_at, cells, merged)
    rows = [(n + 1, row) for n, row in enumerate(cells) if n > header_at and not all(is_blank(v) for v in row)]
    return SheetData(path, fmt, headers, header_at + 1, rows)


def _with_merged(row: list[Any], at: int, cells: list[list[Any]], merged: list[Any]) -> list[Any]:
    """Row ``at`` with each merged range that covers it showing the range's
    value (Excel keeps it in the top-left cell only)."""
    if not merged:
        return row
    out = list(row)
    for (r0, c0), (r1, c1) in merged:
        if r0 <= at <= r1 and r0 < len(cells) and c0 < len(cells[r0]):
            value = cells[r0][c0]
            for c in range(c0, c1 + 1):
                if c < len(out) and is_blank(out[c]) and (c == c0 or at != r0):
                    out[c] = value
    return out
