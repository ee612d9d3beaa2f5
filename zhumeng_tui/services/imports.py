"""The analysis of an import, whatever its kind (``services.import_kinds``):
read the file, find its columns by header (Chinese or English, or another
name the kind knows; unknown columns are ignored and listed), and sort every
row into a new record, a change (field by field), an unchanged row, or a
refused row with its row number, column and reason (an empty or unknown key,
the same key twice, a name that does not match the 学号, a bad date, a value
not allowed, a formula without a value, a change the record's state refuses).

Nothing is sent here: :func:`analyse` only reads. The refused rows are
written beside the input, in its format, with an error column, so they can
be fixed and imported again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhumeng_tui.domain import cells
from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import check_role
from zhumeng_tui.services import FieldChange, ImportAnalysis, Progress, RefusedRow, RowChange
from zhumeng_tui.services.import_base import (
    NAME,
    ColumnError,
    Context,
    ImportColumn,
    ImportKind,
    Planned,
    RowKey,
)
from zhumeng_tui.sheets.read import HEADER_SEARCH_ROWS, SheetData, SheetError, read_sheet
from zhumeng_tui.sheets.write import Column, WriteError, write_table

#: The column the refused-rows file adds (and an import of that file ignores).
ERROR_HEADER = ("错误原因", "Error reason")
_ERROR_KEYS = {cells.header_key(h) for h in ERROR_HEADER}


def analyse(ctx: Context, kind: ImportKind, path: Path, progress: Progress | None = None) -> ImportAnalysis:
    """What importing ``path`` as ``kind`` would change (see the module docstring)."""
    check_role(ctx.role, kind.change)
    anchor = kind.key[0].headers()
    known = set().union(*(c.headers() for c in kind.columns))

    def header_score(row: Sequence[Any]) -> int:
        """A header row names the (first) key column; the more columns it names, the likelier."""
        keys = [cells.header_key(v) for v in row]
        return sum(k in known for k in keys) if any(k in anchor for k in keys) else 0

    if progress:
        progress(0, None)
    sheet = read_sheet(path, header_score)
    if not sheet.header_row:
        raise _missing_key(sheet, kind.key[0])
    at, ignored = _match_columns(kind, sheet)
    for c in kind.key[1:]:
        if c.field not in at:
            raise _missing_key(sheet, c)
    reading = [c for c in kind.columns if c.field in at and c not in kind.key and c is not NAME]
    if not reading and not kind.implied:
        names = "、".join(c.label[0] for c in kind.columns if c not in kind.key and c is not NAME)
        names_en = ", ".join(c.label[1] for c in kind.columns if c not in kind.key and c is not NAME)
        raise SheetError("no_columns", f"表中没有可导入的列：须有以下列中的至少一列：{names}",
                         f"The file has none of the columns this import reads: {names_en}")
    if not sheet.rows:
        raise SheetError("no_rows", f"表格只有表头，没有数据行：{path.name}",
                         f"The sheet has a header row and no data rows: {path.name}")
    header = {c.field: cells.cell_text(sheet.headers[i]) for c, i in ((c, at[c.field]) for c in kind.columns
                                                                       if c.field in at)}
    for c, _ in kind.implied:
        header[c.field] = ctx.t(c.label)
    key_label = " · ".join(header[c.field] for c in kind.key)
    parsed_keys = [_row_key(kind, row, at, header) for _, row in sheet.rows]
    seen = Counter(k for k in parsed_keys if isinstance(k, tuple))
    targets = kind.targets(ctx, seen)
    rows_of: dict[RowKey, list[int]] = {}
    for (n, _), k in zip(sheet.rows, parsed_keys, strict=True):
        if isinstance(k, tuple) and seen[k] > 1:
            rows_of.setdefault(k, []).append(n)

    refused: list[RefusedRow] = []
    changes: list[RowChange] = []
    planned: list[Planned] = []
    unchanged = 0
    counts: Counter[str] = Counter()
    total = len(sheet.rows)
    for i, ((n, row), key) in enumerate(zip(sheet.rows, parsed_keys, strict=True)):
        if progress and i % 1000 == 0:
            progress(i, total)
        shown = _key_text(key) if isinstance(key, tuple) else ""

        def refuse(column: str, zh: str, en: str) -> None:
            refused.append(RefusedRow(n, column, ctx.t((zh, en)), shown))  # noqa: B023

        if isinstance(key, _NoKey):
            refuse(key.column, key.zh, key.en)
            continue
        if seen[key] > 1:
            where = "、".join(str(r) for r in rows_of[key])
            refuse(header[kind.key[0].field], f"{key_label} {shown} 在表中出现了不止一次（第 {where} 行）：只保留正确的一行",
                   f"{key_label} {shown} appears more than once (rows {where}): keep only the right one")
            continue
        found = targets.get(key, [])
        if isinstance(found, DomainError):
            refuse(header.get(found.field, "") if isinstance(found, ColumnError) else "",
                   found.message_zh, found.message_en)
            continue
        if not found:
            refuse(header[kind.key[0].field], *kind.unknown)
            continue
        if len(found) > 1:
            refuse(header[kind.key[0].field], f"{key_label} {shown} 对应多条记录，无法确定是哪一条：请在应用中逐条修改",
                   f"{key_label} {shown} names several records: change them one by one in the app")
            continue
        target = found[0]
        if NAME.field in at:
            name = cells.cell_text(_cell(row, at[NAME.field]))
            if name and name != target.name:
                refuse(header[NAME.field], f"姓名与学号不符：表中为“{name}”，系统中为“{target.name}”",
                       f"The name does not match the student number: “{name}” in the file, “{target.name}” here")
                continue
        values: dict[str, Any] = {}
        bad = False
        for c in reading:
            cell = _cell(row, at[c.field])
            if (n, at[c.field]) in sheet.formulas_without_value:
                refuse(header[c.field], "单元格是公式，但文件中没有它的计算结果：请在 Excel 中打开并保存该文件后再导入",
                       "The cell is a formula without a computed value: open the file in Excel, save it, then import")
                bad = True
                continue
            if cells.is_blank(cell):
                continue
            try:
                values[c.field] = c.parse(cell)
            except DomainError as e:
                refuse(header[c.field], e.message_zh, e.message_en)
                bad = True
        if bad:
            continue
        values.update((c.field, v) for c, v in kind.implied)
        diff = {k: v for k, v in values.items() if target.fields.get(k) != v}
        new = kind.is_new(target)
        if not diff and not new:
            unchanged += 1
            continue
        try:
            kind.check(ctx, target, diff)
        except DomainError as e:
            column = header.get(e.field, "") if isinstance(e, ColumnError) else ""
            refuse(column, e.message_zh, e.message_en)
            continue
        by_field = {c.field: c for c in (*reading, *(c for c, _ in kind.implied))}
        changes.append(RowChange(n, shown, target.name, tuple(
            FieldChange(header[f], _show(by_field[f], target.fields.get(f), ctx.lang), _show(by_field[f], v, ctx.lang))
            for f, v in diff.items()), new))
        counts.update(header[f] for f in diff)
        planned.append(Planned(n, target, diff))
    if progress:
        progress(total, total)
    analysis = ImportAnalysis(
        kind=kind.name, path=path, format=sheet.format, encoding=sheet.encoding, rows_read=total,
        changes=changes, unchanged=unchanged, refused=refused, ignored_columns=ignored,
        field_counts=dict(counts), effects=kind.effects(ctx, planned) if planned else [], plan=planned,
        key_label=key_label,
    )
    _write_refused(ctx, sheet, analysis)
    return analysis


@dataclass(frozen=True)
class _NoKey:
    """Why a row has no key: the column and the reason."""

    column: str
    zh: str
    en: str


def _row_key(kind: ImportKind, row: list[Any], at: dict[str, int], header: dict[str, str]) -> RowKey | _NoKey:
    """The row's key (the values of the kind's key columns), or why it has none."""
    out = []
    for c in kind.key:
        cell = _cell(row, at[c.field])
        if cells.is_blank(cell):
            return _NoKey(header[c.field], f"{c.label[0]}为空", f"The {c.label[1].lower()} is empty")
        try:
            out.append(c.parse(cell))
        except DomainError as e:
            return _NoKey(header[c.field], e.message_zh, e.message_en)
    return tuple(out)


def _key_text(key: RowKey) -> str:
    return " · ".join(str(v) for v in key)


def _cell(row: list[Any], i: int) -> Any:
    return row[i] if i < len(row) else None


def _show(column: ImportColumn, value: Any, lang: str) -> str:
    return column.show(value, lang) if value is not None else ""


def _missing_key(sheet: SheetData, column: ImportColumn) -> SheetError:
    hint_zh = hint_en = ""
    if sheet.encoding == "gb18030":
        hint_zh = "（若表头显示为乱码，文件可能不是 UTF-8 或 GB18030 编码：请在 Excel 中另存为 .xlsx）"
        hint_en = " (if the headers look garbled, the file is neither UTF-8 nor GB18030: save it as .xlsx)"
    zh, en = column.label
    return SheetError(
        "missing_key_column",
        f"找不到“{zh}”列：前 {HEADER_SEARCH_ROWS} 行中没有名为“{zh}”（或 {en}）的表头{hint_zh}",
        f"No “{en}” column: none of the first {HEADER_SEARCH_ROWS} rows has a “{zh}” ({en}) header{hint_en}",
    )


def _match_columns(kind: ImportKind, sheet: SheetData) -> tuple[dict[str, int], list[str]]:
    """field -> column index (the first column with a header naming it), and
    the headers of the columns this kind does not read."""
    names: dict[str, ImportColumn] = {}
    for c in kind.columns:
        for h in c.headers():
            names.setdefault(h, c)
    at: dict[str, int] = {}
    ignored: list[str] = []
    for i, h in enumerate(sheet.headers):
        k = cells.header_key(h)
        if not k or k in _ERROR_KEYS:
            continue
        found = names.get(k)
        if found is None or found.field in at:
            ignored.append(cells.cell_text(h))
            continue
        at[found.field] = i
    return at, ignored


def refused_path(path: Path, lang: str) -> Path:
    """The refused-rows file of ``path``: beside it, in its format."""
    suffix = ".csv" if path.suffix.lower() == ".csv" else ".xlsx"
    tag = "refused" if lang == "en" else "错误行"
    return path.with_name(f"{path.stem}-{tag}{suffix}")


def _write_refused(ctx: Context, sheet: SheetData, analysis: ImportAnalysis) -> None:
    """Write the refused rows beside the input (or remove an earlier such file
    when no row is refused); a failure is noted, never raised."""
    target = refused_path(sheet.path, ctx.lang)
    reasons: dict[int, list[str]] = {}
    for r in analysis.refused:
        reasons.setdefault(r.row, []).append(f"{r.column}：{r.reason}" if r.column else r.reason)
    try:
        if not reasons:
            target.unlink(missing_ok=True)
            return
        headers = [cells.cell_text(h) for h in sheet.headers]
        width = len(headers)
        columns = [Column(h) for h in headers] + [Column(ctx.t(ERROR_HEADER))]
        rows: list[list[Any]] = []
        for n, row in sheet.rows:
            if n in reasons:
                texts = [cells.cell_text(v) for v in row[:width]]
                rows.append(texts + [""] * (width - len(texts)) + ["；".join(reasons[n])])
        fmt = "csv" if target.suffix == ".csv" else "xlsx"
        write_table(target, fmt, columns, rows)
        analysis.refused_file = target
    except (WriteError, OSError) as e:
        message = e.message(ctx.lang) if isinstance(e, DomainError) else str(e)
        analysis.refused_file_error = message
