"""The headless spreadsheet commands, over the services contract:

    zhumeng-tui export LIST [--format xlsx|csv|docx] [--output FILE]
    zhumeng-tui import KIND FILE [--dry-run]

Both sync first (offline, they work from the local cache and say so), print
progress on a terminal (stderr), their result on stdout, and return the exit
status: 0 on success, 1 with a one-line reason otherwise. ``import`` prints
the analysis and, unless ``--dry-run``, sends the changes through the outbox
(offline they wait and go with the next sync).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.services import ExportRequest, FileFormat, ImportAnalysis, Services

#: Refused rows printed (the rest are in the refused-rows file).
SHOWN_REFUSALS = 20


class Printer:
    """Lines in the user's language; progress only on a terminal."""

    def __init__(self, lang: str, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.lang = lang
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self._progress = False

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def line(self, zh: str, en: str) -> None:
        self.done()
        print(self.t(zh, en), file=self.out)

    def note(self, zh: str, en: str) -> None:
        self.done()
        print(self.t(zh, en), file=self.err)

    def progress(self, what: tuple[str, str], done: int, total: int | None) -> None:
        if not self.err.isatty():
            return
        count = f"{done:,}/{total:,}" if total else f"{done:,}"
        self.err.write(f"\r{self.t(*what)} {count}   ")
        self.err.flush()
        self._progress = True

    def done(self) -> None:
        if self._progress:
            self.err.write("\n")
            self._progress = False


async def sync_first(services: Services, p: Printer) -> None:
    """Pull what changed (and send what waits); offline, say the cache is used."""
    status = await services.sync(lambda done, total: p.progress(("同步", "Syncing"), done, total))
    p.done()
    if not status.online:
        when = status.last_synced.strftime("%Y-%m-%d %H:%M") if status.last_synced else p.t("从未", "never")
        p.note(f"离线：使用本机缓存（上次同步：{when}）。{status.message or ''}",
               f"Offline: using the local cache (last synced: {when}). {status.message or ''}")


async def export_command(services: Services, list_name: str, fmt: str, output: Path | None, p: Printer) -> int:
    try:
        await sync_first(services, p)
        request = ExportRequest(list_name)
        file_format = FileFormat(fmt)
        path = output or Path.cwd() / services.export_path(request, file_format).name
        result = services.export(request, path, file_format,
                                 lambda done, total: p.progress(("导出", "Exporting"), done, total),
                                 overwrite=output is not None)
    except DomainError as e:
        p.note(e.message_zh, e.message_en)
        return 1
    p.line(f"已导出 {result.rows} 行到 {result.path}", f"Exported {result.rows} rows to {result.path}")
    return 0


def print_analysis(a: ImportAnalysis, p: Printer) -> None:
    p.line(f"文件：{a.path}（{a.format}{'，' + a.encoding if a.encoding else ''}）",
           f"File: {a.path} ({a.format}{', ' + a.encoding if a.encoding else ''})")
    changed = len(a.changes) - a.new_rows
    p.line(f"读取 {a.rows_read} 行：{f'将新增 {a.new_rows} 行，' if a.new_rows else ''}将修改 {changed} 行，"
           f"未变化 {a.unchanged} 行，拒绝 {a.refused_rows} 行",
           f"Read {a.rows_read} rows: {f'{a.new_rows} new, ' if a.new_rows else ''}{changed} to change,"
           f" {a.unchanged} unchanged, {a.refused_rows} refused")
    for column, n in a.field_counts.items():
        p.line(f"  {column}：{n} 行", f"  {column}: {n} rows")
    for effect in a.effects:
        p.line(f"  {effect}", f"  {effect}")
    if a.ignored_columns:
        p.line("忽略的列：" + "、".join(a.ignored_columns), "Ignored columns: " + ", ".join(a.ignored_columns))
    for r in a.refused[:SHOWN_REFUSALS]:
        where = p.t(f"第 {r.row} 行", f"row {r.row}") + (f" [{r.column}]" if r.column else "")
        p.line(f"  拒绝 {where}：{r.reason}", f"  refused {where}: {r.reason}")
    if len(a.refused) > SHOWN_REFUSALS:
        more = len(a.refused) - SHOWN_REFUSALS
        p.line(f"  ……另有 {more} 条", f"  ... and {more} more")
    if a.refused_file:
        p.line(f"被拒绝的行已写入：{a.refused_file}", f"Refused rows written to: {a.refused_file}")
    if a.refused_file_error:
        p.line(f"被拒绝的行未能写入文件：{a.refused_file_error}", f"Refused rows not written: {a.refused_file_error}")


async def import_command(services: Services, kind: str, path: Path, dry_run: bool, p: Printer) -> int:
    try:
        await sync_first(services, p)
        analysis = services.analyse_import(kind, path,
                                           lambda done, total: p.progress(("分析", "Analysing"), done, total))
    except DomainError as e:
        p.note(e.message_zh, e.message_en)
        return 1
    print_analysis(analysis, p)
    if dry_run:
        p.line("试运行（--dry-run）：未发送任何修改", "Dry run (--dry-run): nothing was sent")
        return 0
    if not analysis.changes:
        p.line("没有要发送的修改", "Nothing to send")
        return 0
    result = await services.apply_import(analysis)
    if result.queued:
        p.line(f"已保存 {result.ok} 条，{result.queued} 条离线待发送（下次同步时发送）",
               f"Saved {result.ok}; {result.queued} waiting to be sent (with the next sync)")
    else:
        p.line(f"已保存 {result.ok} 条", f"Saved {result.ok}")
    await sync_first(services, p)
    if result.refused:
        reasons = "；".join(result.messages)
        p.note(f"服务器拒绝了 {result.refused} 条：{reasons}", f"The server refused {result.refused}: {reasons}")
        return 1
    return 0
