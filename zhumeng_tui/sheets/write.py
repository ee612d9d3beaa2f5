"""Writing a table to ``.xlsx`` (xlsxwriter) or ``.csv`` (UTF-8 with a BOM,
so Excel opens Chinese text correctly).

In ``.xlsx``: the header row frozen and bold, text columns stored as text
(a 学号 keeps its leading zeros), date columns as dates, numbers as numbers,
each column as wide as its content (up to a limit). The file is written
beside its final name and moved into place when complete: a failure never
leaves half a file under the name the user chose.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from zhumeng_tui.domain.errors import DomainError

#: Widest column (in characters) a fitted width may reach.
MAX_WIDTH = 60


class ColumnKind(StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    header: str
    kind: ColumnKind = ColumnKind.TEXT


#: Called with the number of rows written so far.
RowsWritten = Callable[[int], None]


class WriteError(DomainError):
    """The file could not be written (the message says where and why)."""


def text_width(value: str) -> int:
    """Display width: a Chinese character counts two."""
    return (len(value.encode()) + len(value)) // 2


def as_date(value: Any) -> dt.date | None:
    """A date value of a row (a date, or ISO text), or None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def cell_value(value: Any, kind: ColumnKind) -> Any:
    """What a cell holds: a date, a number or text ('' for nothing)."""
    if value is None:
        return ""
    if kind == ColumnKind.DATE:
        return as_date(value) or str(value)
    if kind == ColumnKind.NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return str(value)


def _csv_cell(kind: ColumnKind) -> Callable[[Any], Any]:
    """The text of a CSV cell of a ``kind`` column (one function per column, not per cell)."""
    if kind == ColumnKind.DATE:
        def date(value: Any) -> Any:
            if value is None:
                return ""
            if type(value) is str:
                return value[:10] if len(value) >= 10 and value[4] == "-" else value
            day = as_date(value)
            return day.isoformat() if day else value
        return date
    return lambda value: "" if value is None else value


@contextmanager
def _replacing(path: Path, mode: str = "wb", **kw: Any) -> Any:
    """A temporary file beside ``path`` that becomes ``path`` when the block ends well."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    except OSError as e:
        raise WriteError("cannot_write", f"无法写入文件夹 {path.parent}：{e.strerror}",
                         f"Cannot write to the folder {path.parent}: {e.strerror}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError("cannot_write", f"无法写入文件 {path}：{e.strerror}",
                         f"Cannot write the file {path}: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
              progress: RowsWritten | None = None) -> int:
    """``rows`` under a header row, UTF-8 with a BOM; dates as YYYY-MM-DD. Returns the rows written."""
    n = 0
    with _replacing(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow([c.header for c in columns])
        convert = [_csv_cell(c.kind) for c in columns]
        for row in rows:
            out.writerow([fn(v) for fn, v in zip(convert, row, strict=False)])
            n += 1
            if progress is not None and n % 2000 == 0:
                progress(n)
    return n


def write_xlsx(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet: str = "Sheet1",
               progress: RowsWritten | None = None) -> int:
    """``rows`` under a frozen header row in one worksheet. Returns the rows written."""
    import xlsxwriter

    n = 0
    with _replacing(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd",
        })
        ws = wb.add_worksheet(_sheet_name(sheet))
        head = wb.add_format({"bold": True, "text_wrap": False, "bottom": 1})
        text = wb.add_format({"num_format": "@"})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        widths = [text_width(c.header) for c in columns]
        for i, c in enumerate(columns):
            ws.write_string(0, i, c.header, head)
        kinds = [c.kind for c in columns]
        for r, row in enumerate(rows, start=1):
            measure = r <= 2000 or r % 20 == 0  # widths from the first rows and a sample of the rest
            for i, value in enumerate(row):
                if value is None or value == "":
                    continue
                kind = kinds[i]
                if kind == ColumnKind.DATE and (day := as_date(value)) is not None:
                    ws.write_datetime(r, i, dt.datetime(day.year, day.month, day.day), date)
                    width = 10
                elif kind == ColumnKind.NUMBER and type(value) in (int, float):
                    ws.write_number(r, i, value)
                    width = len(str(value)) if measure else 0
                else:
                    text_value = value if type(value) is str else str(value)
                    ws.write_string(r, i, text_value, text)
                    width = text_width(text_value) if measure else 0
                if width > widths[i]:
                    widths[i] = width
            n = r
            if progress is not None and n % 2000 == 0:
                progress(n)
        for i, c in enumerate(columns):
            ws.set_column(i, i, min(widths[i], MAX_WIDTH) + 2, text if c.kind == ColumnKind.TEXT else None)
        ws.freeze_panes(1, 0)
        if columns:
            ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
        wb.close()
    return n


def _sheet_name(name: str) -> str:
    for ch in "[]:*?/\\":
        name = name.replace(ch, " ")
    return name[:31] or "Sheet1"


def write_table(path: Path, fmt: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *,
                sheet: str = "Sheet1", progress: RowsWritten | None = None) -> int:
    """``write_xlsx`` or ``write_csv`` by ``fmt`` ("xlsx" or "csv")."""
    if fmt == "csv":
        return write_csv(path, columns, rows, progress)
    return write_xlsx(path, columns, rows, sheet=sheet, progress=progress)


Section = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def write_report(path: Path, fmt: str, title: str, sections: Sequence[Section]) -> int:
    """A report of several tables (title, headers, rows): in ``.xlsx`` one sheet
    per table, each under a bold title row (``title``) and the table's header;
    in ``.csv`` the title row, then each table under a row with its name.
    Numbers stay numbers. Returns the rows written (all tables)."""
    n = 0
    if fmt == "csv":
        with _replacing(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
            out = csv.writer(f)
            out.writerow([title])
            for name, headers, rows in sections:
                out.writerow([])
                out.writerow([name])
                out.writerow(list(headers))
                for row in rows:
                    out.writerow(list(row))
                    n += 1
        return n
    import xlsxwriter

    with _replacing(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        bold = wb.add_format({"bold": True, "font_size": 13})
        head = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        for name, headers, rows in sections:
            ws = wb.add_worksheet(_sheet_name(name))
            ws.write_string(0, 0, title, bold)
            widths = [text_width(h) for h in headers]
            for i, h in enumerate(headers):
                ws.write_string(1, i, h, head)
            for r, row in enumerate(rows, start=2):
                for i, value in enumerate(row):
                    if type(value) in (int, float):
                        ws.write_number(r, i, value)
                    else:
                        ws.write_string(r, i, str(value))
                    widths[i] = max(widths[i], text_width(str(value)))
                n += 1
            for i, w in enumerate(widths):
                ws.set_column(i, i, min(w, MAX_WIDTH) + 2)
            ws.freeze_panes(2, 1)
        wb.close()
    return n
