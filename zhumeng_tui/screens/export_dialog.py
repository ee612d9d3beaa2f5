"""The export dialog: which list (when the screen offers several), which
format, and where — a folder and a file name, both proposed by the services
(the documents or downloads folder, the list's name and the date) and
editable. Changing the format changes the name's extension.

It returns an :class:`ExportChoice`, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.services import ExportRequest, FileFormat
from zhumeng_tui.widgets.keys import K, Localized

FORMAT_LABELS: dict[FileFormat, tuple[str, str]] = {
    FileFormat.XLSX: ("Excel 表格（.xlsx）", "Excel workbook (.xlsx)"),
    FileFormat.CSV: ("CSV（UTF-8，Excel 可直接打开）", "CSV (UTF-8, opens in Excel)"),
    FileFormat.DOCX: ("Word 文档（.docx，用于打印）", "Word document (.docx, to print)"),
}


@dataclass(frozen=True)
class ExportOffer:
    """One list the screen can write: its request (as shown), its title, the
    formats it may be written in and the proposed file for each."""

    request: ExportRequest
    title: str
    paths: dict[FileFormat, Path] = field(default_factory=dict)

    @property
    def formats(self) -> list[FileFormat]:
        return list(self.paths)


@dataclass(frozen=True)
class ExportChoice:
    request: ExportRequest
    path: Path
    format: FileFormat
    overwrite: bool = False


class ExportDialog(Localized, ModalScreen[ExportChoice | None]):
    """See the module docstring."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $panel; padding: 0 1; }
    ExportDialog #x-title { text-style: bold; }
    ExportDialog Label { color: $text-muted; }
    ExportDialog Input, ExportDialog Select { width: 100%; }
    ExportDialog #x-error { color: $error; text-style: bold; height: auto; }
    ExportDialog #x-hint { color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        K("ctrl+s", "submit", "导出", "Export", id="export.submit"),
        K("escape", "cancel", "取消", "Cancel", id="export.cancel", key_display="esc"),
    ]

    def __init__(self, offers: list[ExportOffer], title: str | None = None, *, start: int = 0,
                 start_format: FileFormat | None = None, path: Path | None = None, exists: bool = False,
                 download: bool = False) -> None:
        """``start`` / ``start_format``: the list and format chosen at first;
        ``path``: the file shown (default: the proposed one); ``exists``: it
        exists (say so: ``ctrl+s`` replaces it); ``download``: the file goes
        to the browser (a browser session), so no folder is asked for."""
        super().__init__()
        self.download = download
        self.offers = offers
        self._title = title or tr("导出", "Export")
        self._offer = offers[start]
        self._format = start_format if start_format in self._offer.paths else self._offer.formats[0]
        self._path = path or self._offer.paths[self._format]
        self._confirm_overwrite: Path | None = self._path if exists else None

    def compose(self) -> ComposeResult:
        path = self._path
        with Vertical():
            one = self._offer.title
            title = self._title if len(self.offers) > 1 else tr(f"{self._title}：{one}", f"{self._title}: {one}")
            yield Static(title, id="x-title")
            if len(self.offers) > 1:
                yield Label(tr("名单", "List"))
                yield Select[int]([(o.title, i) for i, o in enumerate(self.offers)], value=self.offers.index(
                    self._offer), allow_blank=False, id="x-list", compact=True)
            yield Label(tr("格式", "Format"))
            yield self._format_select()
            folder_label = Label(tr("文件夹", "Folder"))
            folder = Input(str(path.parent), id="x-folder", compact=True)
            if self.download:
                folder_label.display = folder.display = False
            yield folder_label
            yield folder
            yield Label(tr("文件名（浏览器下载）", "File name (downloaded by the browser)") if self.download
                        else tr("文件名", "File name"))
            yield Input(path.name, id="x-name", compact=True)
            yield Static("", id="x-error")
            yield Static(tr("ctrl+s 导出 · esc 取消", "ctrl+s export · esc cancel"), id="x-hint")

    def _format_select(self) -> Select[str]:
        return Select[str]([(tr(*FORMAT_LABELS[f]), f.value) for f in self._offer.formats], value=self._format.value,
                           allow_blank=False, id="x-format", compact=True)

    def on_mount(self) -> None:
        self.query_one("#x-name", Input).focus()
        if self._confirm_overwrite is not None:
            self.ask_overwrite(self._confirm_overwrite)

    @on(Select.Changed, "#x-list")
    def _list_changed(self, event: Select.Changed) -> None:
        event.stop()
        offer = self.offers[int(str(event.value))]
        if offer is self._offer:
            return
        self._offer = offer
        if self._format not in offer.paths:
            self._format = offer.formats[0]
        fmt = self.query_one("#x-format", Select)
        fmt.set_options([(tr(*FORMAT_LABELS[f]), f.value) for f in offer.formats])
        fmt.value = self._format.value
        self.query_one("#x-name", Input).value = offer.paths[self._format].name

    @on(Select.Changed, "#x-format")
    def _format_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL:
            return
        self._format = FileFormat(str(event.value))
        name = self.query_one("#x-name", Input)
        stem = PurePath(name.value.strip() or self._offer.paths[self._format].name)
        if stem.suffix.lower() in {f".{f.value}" for f in FileFormat}:
            stem = stem.with_suffix("")
        name.value = f"{stem.name}.{self._format.value}"

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        path = self._path_entered()
        if path != self._confirm_overwrite:
            self._confirm_overwrite = None
            self.query_one("#x-error", Static).update("")

    def _path_entered(self) -> Path:
        folder = self.query_one("#x-folder", Input).value.strip()
        return Path(folder).expanduser() / self.query_one("#x-name", Input).value.strip()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def choice(self) -> ExportChoice | None:
        folder = self.query_one("#x-folder", Input).value.strip()
        name = self.query_one("#x-name", Input).value.strip()
        error = self.query_one("#x-error", Static)
        if not folder:
            error.update(tr("请填写文件夹", "Enter a folder"))
            return None
        if not name or "/" in name or "\\" in name:
            error.update(tr("请填写文件名（不含文件夹）", "Enter a file name (without a folder)"))
            return None
        path = Path(folder).expanduser() / name
        return ExportChoice(self._offer.request, path, self._format, overwrite=self._confirm_overwrite == path)

    def ask_overwrite(self, path: Path) -> None:
        """The file exists: say so; ``ctrl+s`` again replaces it."""
        self._confirm_overwrite = path
        self.query_one("#x-error", Static).update(
            tr(f"文件已存在：{path}\n再按 ctrl+s 覆盖，或修改文件名", f"{path} exists.\nctrl+s again replaces it, or change the name"))

    def action_submit(self) -> None:
        choice = self.choice()
        if choice is not None:
            self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
