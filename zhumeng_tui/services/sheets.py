"""``SheetsPart``: spreadsheets in and out, printable documents, statistics.

- Export: a list as its screen shows it (``services.exports`` declares each
  list) to ``.xlsx``, ``.csv`` or, for a list to print, ``.docx``; the file
  name and folder are proposed (the documents or downloads folder, else the
  data dir; the list's name and the date).
- Import: ``analyse_import`` reads the file and says what would change
  (``services.imports``; each kind declared in ``services.import_kinds``),
  nothing sent; ``apply_import`` queues the changes through the outbox in one
  transaction, built from the records as they are then (so importing the
  same file again changes nothing), and sends them.
- Print: the withdrawal request (``services.printing``).
- Statistics: the charts (``services.statistics``), each exportable as the
  ``statistics`` list.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.domain.permissions import may
from zhumeng_tui.domain.status import Role
from zhumeng_tui.services import (
    Chart,
    ExportedFile,
    ExportRequest,
    ExportResult,
    FileFormat,
    ImportAnalysis,
    ImportKindInfo,
    ImportResult,
    ListInfo,
    Progress,
    WithdrawalFilter,
)
from zhumeng_tui.services.core import ServicesCore

if TYPE_CHECKING:
    from zhumeng_tui.services import Services
    from zhumeng_tui.services.exports import ListExport, Source
    from zhumeng_tui.services.import_base import Context

# The modules that declare the lists and the kinds of import, read and write
# files and draw the charts are imported when first used: opening the app
# (cold start) needs none of them.

#: The files the import dialog lists.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


def safe_name(text: str) -> str:
    """``text`` usable as a file name on every system."""
    return re.sub(r'[\\/:*?"<>|\s]+', "-", text).strip("-.") or "export"


class SheetsPart(ServicesCore):
    @property
    def _source(self) -> Source:
        """These services as the lists' source: ``LocalServices`` combines this
        part with the ones whose queries the lists read."""
        return cast("Source", self)

    # ------------------------------------------------------------ folders --

    def export_folder(self) -> Path:
        """The user's documents folder, else downloads, else the data dir."""
        import platformdirs

        for folder in (platformdirs.user_documents_dir(), platformdirs.user_downloads_dir()):
            if folder and Path(folder).is_dir():
                return Path(folder)
        return self.cache.path.parent

    def import_folder(self) -> Path:
        return self.export_folder()

    def spreadsheet_files(self, folder: Path) -> list[Path]:
        try:
            found = [p for p in Path(folder).iterdir()
                     if p.suffix.lower() in SPREADSHEET_SUFFIXES and p.is_file() and not p.name.startswith((".", "~$"))]
        except OSError:
            return []
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)[:50]

    # ------------------------------------------------------------- export --

    def export_lists(self) -> list[ListInfo]:
        from zhumeng_tui.services.exports import LISTS, pick

        return [ListInfo(x.name, pick(self.lang, x.title), x.formats) for x in LISTS.values()]

    def _title(self, decl: ListExport, request: ExportRequest) -> str:
        from zhumeng_tui.services.exports import pick

        if decl.name == "statistics":
            chart = next((c for c in self.statistics() if c.key == request.query), None)
            if chart is not None:
                return chart.title
        return pick(self.lang, decl.title)

    def export_path(self, request: ExportRequest, fmt: FileFormat) -> Path:
        from zhumeng_tui.services.exports import list_export

        decl = list_export(request.list_name)
        stem = safe_name(f"{self._title(decl, request)}-{self.today().isoformat()}")
        folder = self.export_folder()
        path = folder / f"{stem}.{fmt.value}"
        n = 2
        while path.exists():
            path = folder / f"{stem}-{n}.{fmt.value}"
            n += 1
        return path

    def export(
        self, request: ExportRequest, path: Path, fmt: FileFormat, progress: Progress | None = None,
        *, overwrite: bool = False,
    ) -> ExportResult:
        from zhumeng_tui.services.exports import list_export, pick
        from zhumeng_tui.sheets.documents import TableDocument, write_table_document
        from zhumeng_tui.sheets.write import Column, write_table

        decl = list_export(request.list_name)
        fmt = FileFormat(fmt)
        if fmt not in decl.formats:
            allowed = "、".join(f.value for f in decl.formats)
            raise DomainError("format_not_available", f"该名单只能导出为：{allowed}",
                              f"This list can be written as: {', '.join(f.value for f in decl.formats)}")
        path = _new_file(_with_suffix(Path(path).expanduser(), fmt), overwrite)
        src = self._source
        if decl.report is not None:
            from zhumeng_tui.sheets.write import write_report

            report_title, tables = decl.report(src)
            n = write_report(path, fmt.value, report_title, tables)
            if progress:
                progress(n, n)
            return ExportResult(path, n, fmt)
        columns = decl.columns_for(src, request)
        found = decl.rows(src, request, columns)
        headers = [pick(self.lang, c.label) for c in columns]
        title = self._title(decl, request)
        if progress:
            progress(0, found.count)
        if fmt == FileFormat.DOCX:
            rows = [[_text(v) for v in row] for row in found.rows]
            lines = [pick(self.lang, (f"导出日期：{self.today()}    共 {len(rows)} 条",
                                      f"Exported {self.today()}    {len(rows)} rows"))]
            document_title = decl.document_title(src) if decl.document_title else title
            n = write_table_document(path, TableDocument(
                document_title, headers, rows, lines, [c.width for c in columns],
                [pick(self.lang, s) for s in decl.signatures]))
        else:
            n = write_table(path, fmt.value, [Column(h, c.kind) for h, c in zip(headers, columns, strict=True)],
                            found.rows, sheet=title,
                            progress=(lambda done: progress(done, found.count)) if progress else None)
        if progress:
            progress(n, n)
        return ExportResult(path, n, fmt)

    def download(self, name: str, write: Callable[[Path], ExportResult]) -> ExportedFile:
        file_name = Path(name).name
        if not file_name or file_name in (".", ".."):
            raise DomainError("bad_name", "请填写文件名", "Enter a file name")
        with tempfile.TemporaryDirectory(prefix="zhumeng-download-") as folder:
            result = write(Path(folder) / file_name)
            data = result.path.read_bytes()
        return ExportedFile(result.path.name, data, result.rows, result.format)

    # ------------------------------------------------------------- import --

    def _context(self) -> Context:
        from zhumeng_tui.services.import_base import Context

        return Context(self.cache, self.role, self.today(), self.lang, self.me)

    def import_kinds(self) -> list[ImportKindInfo]:
        from zhumeng_tui.services.exports import pick
        from zhumeng_tui.services.import_kinds import KINDS

        writable = self.role != Role.VIEWER
        return [
            ImportKindInfo(k.name, pick(self.lang, k.title), tuple(pick(self.lang, c.label) for c in k.columns),
                           writable and may(self.role, k.change))
            for k in KINDS.values()
        ]

    def analyse_import(self, kind: str, path: Path, progress: Progress | None = None) -> ImportAnalysis:
        from zhumeng_tui.services.import_kinds import import_kind
        from zhumeng_tui.services.imports import analyse

        declared = import_kind(kind)
        if self.role == Role.VIEWER:
            raise DomainError("read_only", "只读账号不能导入数据", "A read-only account cannot import")
        return analyse(self._context(), declared, Path(path).expanduser(), progress)

    async def apply_import(self, analysis: ImportAnalysis) -> ImportResult:
        from zhumeng_tui.services.import_kinds import import_kind

        kind = import_kind(analysis.kind)
        planned = list(analysis.plan or [])
        if not planned:
            return ImportResult(0, 0, 0)
        ctx = self._context()
        outcomes = await self.queue(lambda: kind.mutations(ctx, planned, self.cache.get_record))
        results = [r for o in outcomes for r in o.results]
        refused = [r for r in results if not r.ok]
        return ImportResult(
            ok=sum(1 for r in results if r.ok and not r.queued),
            queued=sum(1 for r in results if r.ok and r.queued),
            refused=len(refused),
            messages=tuple(dict.fromkeys(r.message or r.code or "" for r in refused))[:5],
        )

    # --------------------------------------------------------- statistics --

    def statistics(self) -> list[Chart]:
        from zhumeng_tui.services import statistics as charts

        dept = self.me.department_id if self.reviewer.role == Role.DEPARTMENT else None
        services = cast("Services", self)
        return [
            charts.applications_chart(self.cache, self.lang),
            charts.flags_chart(self.cache, self.lang, self.today(), dept),
            charts.withdrawals_chart(services.query_withdrawals(WithdrawalFilter()), self.lang),
        ]

    # -------------------------------------------------------------- print --

    def withdrawal_document_path(self, withdrawal_id: int) -> Path:
        from zhumeng_tui.services.exports import pick

        detail = cast("Services", self).withdrawal_detail(withdrawal_id)
        title = pick(self.lang, ("放弃实习岗位申请表", "withdrawal-request"))
        stem = safe_name(f"{title}-{detail.student.student_no}-{detail.student.name}")
        return self.export_folder() / f"{stem}.docx"

    def print_withdrawal(self, withdrawal_id: int, path: Path, *, overwrite: bool = False) -> ExportResult:
        from zhumeng_tui.services.printing import withdrawal_form
        from zhumeng_tui.sheets.documents import write_form_document

        detail = cast("Services", self).withdrawal_detail(withdrawal_id)
        path = _new_file(_with_suffix(Path(path).expanduser(), FileFormat.DOCX), overwrite)
        write_form_document(path, withdrawal_form(detail, self.lang))
        return ExportResult(path, 1, FileFormat.DOCX)


def _new_file(path: Path, overwrite: bool) -> Path:
    """``path``, unless a file is there and may not be replaced."""
    if path.is_dir():
        raise DomainError("not_a_file", f"这是一个文件夹：{path}", f"This is a folder: {path}")
    if not overwrite and path.exists():
        raise DomainError("file_exists", f"文件已存在：{path}", f"The file already exists: {path}")
    return path


def _with_suffix(path: Path, fmt: FileFormat) -> Path:
    """``path`` ending in ``fmt``'s suffix (another format's suffix is replaced)."""
    known = {f".{f.value}" for f in FileFormat}
    if path.suffix.lower() == f".{fmt.value}":
        return path
    if path.suffix.lower() in known:
        return path.with_suffix(f".{fmt.value}")
    return path.with_name(f"{path.name}.{fmt.value}")


def _text(value: Any) -> str:
    from zhumeng_tui.sheets.write import as_date

    if value is None:
        return ""
    day = as_date(value) if not isinstance(value, str) else None
    return day.isoformat() if day else str(value)

