"""Import a spreadsheet (导入表格): the kinds this account may import
(学籍信息 for the university, 实习跟踪, graduates' needs, the hardship ledger,
sign-in sheets, job posts), a file (typed, or picked from the spreadsheets of
the documents folder), then the analysis: rows read, the records added and
the changes field by field, unchanged rows, refused rows with row number,
column and reason, and what the changes do (students moving from blocked to
clear).
Nothing is sent until ``ctrl+s``; then the changes go through the outbox
(offline they wait for the next sync). The refused rows are written beside
the file, to fix and import again.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Input,
    OptionList,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen, error_text
from zhumeng_tui.screens.progress import ProgressDialog, WorkProgress
from zhumeng_tui.services import ImportAnalysis, ImportKindInfo, ImportResult
from zhumeng_tui.widgets.footer import KeyFooter
from zhumeng_tui.widgets.header import StatusHeader
from zhumeng_tui.widgets.keys import K, focus_now

#: Rows shown in each table of the analysis (all of them are in the counts and files).
SHOWN_ROWS = 500


class ImportOptions(Message):
    def __init__(self, kinds: list[ImportKindInfo], folder: Path, files: list[Path]) -> None:
        super().__init__()
        self.kinds = kinds
        self.folder = folder
        self.files = files


class Analysed(Message):
    def __init__(self, analysis: ImportAnalysis | None, error: BaseException | None = None) -> None:
        super().__init__()
        self.analysis = analysis
        self.error = error


class Imported(Message):
    def __init__(self, result: ImportResult) -> None:
        super().__init__()
        self.result = result


def summary_text(a: ImportAnalysis, done: str | None = None) -> str:
    """The analysis in a few lines (Rich markup); ``done``: how sending it went."""
    lines = [tr(
        f"[b]读取 {a.rows_read} 行：{f'将新增 {a.new_rows} 行，' if a.new_rows else ''}"
        f"将修改 {len(a.changes) - a.new_rows} 行，未变化 {a.unchanged} 行，"
        f"{'[red]' if a.refused else ''}拒绝 {a.refused_rows} 行{'[/]' if a.refused else ''}[/b]",
        f"[b]Read {a.rows_read} rows: {f'{a.new_rows} new, ' if a.new_rows else ''}"
        f"{len(a.changes) - a.new_rows} to change, {a.unchanged} unchanged,"
        f" {'[red]' if a.refused else ''}{a.refused_rows} refused{'[/]' if a.refused else ''}[/b]",
    )]
    if a.field_counts:
        sep = "、" if tr("zh", "en") == "zh" else ", "
        lines.append(tr("修改的字段：", "Fields changed: ") + sep.join(f"{k} {v}" for k, v in a.field_counts.items()))
    lines += a.effects
    if a.ignored_columns:
        lines.append(tr("忽略的列：", "Ignored columns: ") + "、".join(a.ignored_columns))
    if a.refused_file:
        lines.append(tr(f"被拒绝的行已写入：{a.refused_file}", f"Refused rows written to: {a.refused_file}"))
    if a.refused_file_error:
        lines.append(tr("被拒绝的行未能写入：", "Refused rows not written: ") + a.refused_file_error)
    if done is not None:
        lines.insert(0, f"[b]{done}[/b] · " + tr("esc 重新选择文件", "esc picks another file"))
    elif a.changes:
        lines.append(tr(f"[b]ctrl+s 确认导入（发送 {len(a.changes)} 行的修改）[/b] · esc 重新选择文件",
                        f"[b]ctrl+s imports ({len(a.changes)} rows of changes)[/b] · esc picks another file"))
    else:
        lines.append(tr("没有要发送的修改 · esc 重新选择文件", "Nothing to send · esc picks another file"))
    return "\n".join(lines)


class ImportScreen(ZScreen):
    TITLE_TEXT: ClassVar[tuple[str, str]] = ("导入表格", "Import a spreadsheet")
    HELP_TEXT: ClassVar[tuple[str, str]] = (
        "选择导入类型和文件（.xlsx 或 .csv；CSV 可为 UTF-8 或 GB18030），回车分析。分析列出每行的修改、未变化的行、"
        "被拒绝的行（行号、列、原因）。确认（ctrl+s）前不会发送任何内容；修改经待发送队列发送，离线时下次同步再发送。"
        "被拒绝的行写入原文件旁的“-错误行”文件，改正后可再次导入。同一文件再次导入不会重复修改。",
        "Pick the kind of import and a file (.xlsx or .csv; a CSV may be UTF-8 or GB18030) and press enter to"
        " analyse it: each row's changes, the unchanged rows, the refused rows (row, column, reason). Nothing is"
        " sent before ctrl+s; the changes then go through the outbox (offline: with the next sync). Refused rows"
        " are written beside the file, to fix and import again. Importing the same file twice changes nothing"
        " the second time.",
    )
    DEFAULT_CSS = """
    ImportScreen #im-top { height: 1; }
    ImportScreen #im-kind { width: 40; }
    ImportScreen #im-path { width: 1fr; }
    ImportScreen ContentSwitcher { height: 1fr; }
    ImportScreen #im-pick { height: 1fr; }
    ImportScreen #im-folder { color: $text-muted; height: 1; padding: 0 1; }
    ImportScreen #im-files { height: 1fr; }
    ImportScreen #im-result { height: 1fr; }
    ImportScreen #im-summary { height: auto; max-height: 9; padding: 0 1; }
    ImportScreen #im-error { color: $error; text-style: bold; height: auto; padding: 0 1; display: none; }
    ImportScreen #im-error.shown { display: block; }
    ImportScreen TabbedContent { height: 1fr; }
    ImportScreen DataTable { height: 1fr; }
    """
    BINDINGS: ClassVar = [
        K("ctrl+s", "apply", "确认导入", "Import", id="import.apply"),
        K("escape", "back_or_pick", "返回", "Back", id="screen.back", key_display="esc"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.analysis: ImportAnalysis | None = None
        self._progress: ProgressDialog | None = None
        self._applied = False

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.title_text())
        with Horizontal(id="im-top"):
            yield Select[str]([], prompt=tr("导入类型", "Kind of import"), id="im-kind", compact=True)
            yield Input(placeholder=tr("文件路径（.xlsx 或 .csv），回车分析", "File (.xlsx or .csv); enter analyses"),
                        id="im-path", compact=True)
        yield Static("", id="im-error")
        with ContentSwitcher(initial="im-pick"):
            with Vertical(id="im-pick"):
                yield Static("", id="im-folder")
                yield OptionList(id="im-files")
            with Vertical(id="im-result"):
                yield Static("", id="im-summary")
                with TabbedContent(id="im-tabs"):
                    with TabPane(tr("修改", "Changes"), id="im-changes-tab"):
                        yield DataTable(id="im-changes", cursor_type="row", zebra_stripes=True)
                    with TabPane(tr("被拒绝的行", "Refused rows"), id="im-refused-tab"):
                        yield DataTable(id="im-refused", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._columns(tr("学号", "No."))
        self.query_one("#im-path", Input).focus()
        self._load_options()

    # -------------------------------------------------------------- pick --

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-options")
    def _load_options(self) -> None:
        services = self.services
        folder = services.import_folder()
        self.post_message(ImportOptions(services.import_kinds(), folder, services.spreadsheet_files(folder)))

    @on(ImportOptions)
    def _options(self, event: ImportOptions) -> None:
        kind = self.query_one("#im-kind", Select)
        allowed = [(k.title, k.name) for k in event.kinds if k.allowed]
        kind.set_options(allowed)
        if allowed:
            kind.value = allowed[0][1]
        self.query_one("#im-folder", Static).update(
            tr(f"{event.folder} 中的表格（最新在前，回车选择）：", f"Spreadsheets in {event.folder} (newest first; enter picks):")
            if event.files else tr(f"{event.folder} 中没有表格文件：请在上方输入文件路径",
                                   f"No spreadsheets in {event.folder}: type the file's path above"))
        files = self.query_one("#im-files", OptionList)
        files.clear_options()
        files.add_options([Option(str(p.name), id=str(p)) for p in event.files])
        path = self.query_one("#im-path", Input)
        if not path.value:
            path.value = str(event.folder) + "/"
        if event.files:
            files.highlighted = 0
            if self.focused is path:
                focus_now(files)

    @on(OptionList.OptionSelected, "#im-files")
    def _file_picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.query_one("#im-path", Input).value = event.option.id
            self.analyse()

    @on(Input.Submitted, "#im-path")
    def _path_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.analyse()

    @on(Select.Changed, "#im-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.analysis is not None:
            self.action_back_or_pick()

    def _columns(self, key: str) -> None:
        """The tables' columns, ``key`` heading the key of each row (学号, or the kind's key columns)."""
        changes = self.query_one("#im-changes", DataTable)
        changes.clear(columns=True)
        for label in (tr("行", "Row"), key, tr("姓名", "Name"), tr("字段", "Field"), tr("原值", "Before"),
                      tr("新值", "After")):
            changes.add_column(label)
        refused = self.query_one("#im-refused", DataTable)
        refused.clear(columns=True)
        for label in (tr("行", "Row"), tr("列", "Column"), key, tr("原因", "Reason")):
            refused.add_column(label)

    def _error(self, text: str) -> None:
        """Say why the file cannot be analysed ('' hides the line)."""
        line = self.query_one("#im-error", Static)
        line.update(text)
        line.set_class(bool(text), "shown")

    # ----------------------------------------------------------- analyse --

    def analyse(self) -> None:
        kind = self.query_one("#im-kind", Select).value
        path = self.query_one("#im-path", Input).value.strip()
        if kind is Select.NULL or not kind:
            self._error(tr("请先选择导入类型", "Pick the kind of import first"))
            return
        if not path or path.endswith("/"):
            self._error(tr("请输入或选择一个文件", "Type or pick a file"))
            return
        self._error("")
        self._progress = ProgressDialog(tr("正在分析文件…", "Analysing the file…"))
        self.app.push_screen(self._progress)
        self._analyse(str(kind), Path(path))

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-analyse")
    def _analyse(self, kind: str, path: Path) -> None:
        try:
            analysis = self.services.analyse_import(kind, path, self._report_progress)
        except Exception as e:  # a file that cannot be used: said, never a crash
            self.post_message(Analysed(None, e))
            return
        self.post_message(Analysed(analysis))

    def _report_progress(self, done: int, total: int | None) -> None:
        self.post_message(WorkProgress(done, total))

    @on(WorkProgress)
    def _progressed(self, event: WorkProgress) -> None:
        if self._progress is not None:
            self._progress.show(event.done, event.total)

    def _close_progress(self) -> None:
        if self._progress is not None and self._progress in self.app.screen_stack:
            self._progress.dismiss()
        self._progress = None

    @on(Analysed)
    def _analysed(self, event: Analysed) -> None:
        self._close_progress()
        if event.analysis is None:
            self._error(error_text(event.error))
            return
        a = self.analysis = event.analysis
        self._applied = False
        self.query_one("#im-summary", Static).update(summary_text(a))
        self._columns(a.key_label)
        changes = self.query_one("#im-changes", DataTable)
        shown = 0
        for c in a.changes:
            for f in c.changes:
                if shown >= SHOWN_ROWS:
                    break
                changes.add_row(str(c.row), c.key, c.name, f.column, f.before, f.after)
                shown += 1
        refused = self.query_one("#im-refused", DataTable)
        for r in a.refused[:SHOWN_ROWS]:
            refused.add_row(str(r.row), r.column, r.key, r.reason)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("im-changes-tab").label = tr(f"修改（{len(a.changes)} 行）", f"Changes ({len(a.changes)} rows)")
        tabs.get_tab("im-refused-tab").label = tr(f"被拒绝的行（{a.refused_rows}）", f"Refused rows ({a.refused_rows})")
        tabs.active = "im-changes-tab" if a.changes or not a.refused else "im-refused-tab"
        self.query_one(ContentSwitcher).current = "im-result"
        self.query_one("#im-changes" if a.changes or not a.refused else "#im-refused", DataTable).focus()
        self.refresh_bindings()

    # ------------------------------------------------------------- apply --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return self.analysis is not None and bool(self.analysis.changes) and not self._applied
        if action == "back_or_pick":
            return True
        return super().check_action(action, parameters)

    def action_apply(self) -> None:
        if self.analysis is None or not self.analysis.changes or self._applied:
            return
        self._applied = True
        self.refresh_bindings()
        self._progress = ProgressDialog(tr("正在发送…", "Sending…"))
        self.app.push_screen(self._progress)
        self._apply(self.analysis)

    @work(exclusive=True, exit_on_error=False, group="import-apply")
    async def _apply(self, analysis: ImportAnalysis) -> None:
        try:
            result = await self.services.apply_import(analysis)
        except DomainError as e:
            self._applied = False
            self.refresh_bindings()
            self.notify(error_text(e), severity="error")
            return
        finally:
            self._close_progress()
        self.post_message(Imported(result))

    @on(Imported)
    def _imported(self, event: Imported) -> None:
        r = event.result
        text = tr(f"已保存 {r.ok} 条", f"Saved {r.ok}")
        if r.queued:
            text += tr(f"；{r.queued} 条离线待发送（下次同步时发送）", f"; {r.queued} waiting to be sent (next sync)")
        severity = "information"
        if r.refused:
            text += tr(f"；{r.refused} 条被服务器拒绝：", f"; {r.refused} refused by the server: ") + "；".join(r.messages)
            severity = "error"
        elif r.queued:
            severity = "warning"
        if self.analysis is not None:
            self.query_one("#im-summary", Static).update(summary_text(self.analysis, text))
        self.notify(text, title=tr("导入完成", "Imported"), severity=severity, timeout=12)  # type: ignore[arg-type]
        self.zapp.refresh_sync_status()
        self.zapp.start_sync()

    def action_back_or_pick(self) -> None:
        """Back to picking a file from the analysis; back from picking."""
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "im-result":
            switcher.current = "im-pick"
            self.analysis = None
            self.refresh_bindings()
            focus_now(self.query_one("#im-path", Input))
            return
        self.action_back()
