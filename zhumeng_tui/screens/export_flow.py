"""The export key of every list (``o``, also in the palette).

``ExportsList`` gives a screen the key and the flow: the screen says which
lists it shows, as shown (:meth:`ExportsList.export_requests`: its filter,
search, sort and selection); a worker asks the services for the proposed
files; the :class:`~zhumeng_tui.screens.export_dialog.ExportDialog` lets the
user pick the list, format, folder and name; a worker writes the file while
a progress dialog counts the rows; the app says where it wrote it. A file
that exists is replaced only after the user says so.

In a browser session (``App.is_web``) the dialog asks for no folder: the
services hand back the file's bytes (:meth:`~zhumeng_tui.services.SheetServices.download`)
and the app delivers them to the browser as a download; nothing is kept on
the host.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import ClassVar

from textual import on, work
from textual.message import Message

from zhumeng_tui.domain.errors import DomainError
from zhumeng_tui.i18n import tr
from zhumeng_tui.screens.base import ZScreen, error_text
from zhumeng_tui.screens.export_dialog import ExportChoice, ExportDialog, ExportOffer
from zhumeng_tui.screens.progress import ProgressDialog, WorkProgress
from zhumeng_tui.services import ExportedFile, ExportRequest, ExportResult, FileFormat, Progress
from zhumeng_tui.widgets.keys import K

EXPORT_BINDING = K("o", "export", "导出表格", "Export", id="list.export")


class ExportProposed(Message):
    def __init__(self, offers: list[ExportOffer], start: int, start_format: FileFormat | None) -> None:
        super().__init__()
        self.offers = offers
        self.start = start
        self.start_format = start_format


#: What a browser is told each format is.
MIME_TYPES: dict[FileFormat, str] = {
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.CSV: "text/csv",
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class ExportFinished(Message):
    """The file was written (``result``), or made for the browser to download
    (``download``), or not (``error``; ``exists``: it was there already)."""

    def __init__(self, choice: ExportChoice, result: ExportResult | None, error: BaseException | None = None,
                 exists: bool = False, download: ExportedFile | None = None) -> None:
        super().__init__()
        self.choice = choice
        self.result = result
        self.error = error
        self.exists = exists
        self.download = download


class ExportFlow(ZScreen):
    """The flow from a key to a written file; a screen gives
    :meth:`export_requests` (and, to write something other than a list, the
    two hooks :meth:`export_offers` and :meth:`write_export`)."""

    _offers: list[ExportOffer] | None = None
    _progress: ProgressDialog | None = None

    def export_requests(self) -> list[ExportRequest]:
        """The lists this screen shows, as shown (the first is proposed first)."""
        return []

    def action_export(self, list_name: str = "", fmt: str = "") -> None:
        """Open the export dialog (at ``list_name`` in ``fmt`` when given)."""
        requests = self.export_requests()
        if requests:
            self._propose(requests, list_name, fmt)

    def export_offers(self, requests: list[ExportRequest]) -> list[ExportOffer]:
        """The lists offered, each with its proposed files (a worker thread)."""
        services = self.services
        titles = {info.name: info for info in services.export_lists()}
        return [
            ExportOffer(r, titles[r.list_name].title,
                        {f: services.export_path(r, f) for f in titles[r.list_name].formats})
            for r in requests
        ]

    def write_export(self, choice: ExportChoice, progress: Progress) -> ExportResult:
        """Write the chosen file (a worker thread)."""
        return self.services.export(choice.request, choice.path, choice.format, progress,
                                    overwrite=choice.overwrite)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export-propose")
    def _propose(self, requests: list[ExportRequest], list_name: str, fmt: str) -> None:
        offers = self.export_offers(requests)
        start = next((i for i, r in enumerate(requests) if r.list_name == list_name), 0)
        self.post_message(ExportProposed(offers, start, FileFormat(fmt) if fmt else None))

    @on(ExportProposed)
    def _ask(self, event: ExportProposed) -> None:
        self._offers = event.offers
        self.app.push_screen(ExportDialog(event.offers, start=event.start, start_format=event.start_format,
                                          download=self.app.is_web), self._chosen)

    def _chosen(self, choice: ExportChoice | None) -> None:
        if choice is None:
            return
        self._progress = ProgressDialog(tr("正在导出…", "Exporting…"))
        self.app.push_screen(self._progress)
        self._write(choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _write(self, choice: ExportChoice) -> None:
        try:
            if self.app.is_web:
                download = self.services.download(
                    choice.path.name, lambda path: self.write_export(replace(choice, path=path), self._report_progress))
                self.post_message(ExportFinished(choice, None, download=download))
                return
            result = self.write_export(choice, self._report_progress)
        except DomainError as e:
            self.post_message(ExportFinished(choice, None, e, exists=e.code == "file_exists"))
            return
        except Exception as e:  # a file system error: said, never a crash
            self.post_message(ExportFinished(choice, None, e))
            return
        self.post_message(ExportFinished(choice, result))

    def _report_progress(self, done: int, total: int | None) -> None:
        self.post_message(WorkProgress(done, total))

    @on(WorkProgress)
    def _progressed(self, event: WorkProgress) -> None:
        if self._progress is not None:
            self._progress.show(event.done, event.total)

    def _close_progress(self) -> None:
        if self._progress is not None:
            if self._progress in self.app.screen_stack:
                self._progress.dismiss()
            self._progress = None

    @on(ExportFinished)
    def _finished(self, event: ExportFinished) -> None:
        self._close_progress()
        choice = event.choice
        if event.exists and self._offers:
            start = next((i for i, o in enumerate(self._offers) if o.request == choice.request), 0)
            self.app.push_screen(ExportDialog(self._offers, start=start, start_format=choice.format,
                                              path=choice.path, exists=True), self._chosen)
            return
        if event.download is not None:
            self._deliver(event.download)
            return
        if event.result is None:
            self.notify(error_text(event.error), title=tr("导出失败", "Export failed"), severity="error", timeout=10)
            return
        r = event.result
        if r.format == FileFormat.DOCX:
            text = tr(f"已生成文档（{r.rows} 行），可在 Word 或 WPS 中打开打印：\n{r.path}",
                      f"Document written ({r.rows} rows); open it in Word or WPS to print:\n{r.path}")
        else:
            text = tr(f"已导出 {r.rows} 行到\n{r.path}", f"Exported {r.rows} rows to\n{r.path}")
        self.notify(text, title=tr("导出完成", "Exported"), timeout=15)

    def _deliver(self, file: ExportedFile) -> None:
        """Hand the file to the browser, which saves it as a download."""
        self.app.deliver_binary(io.BytesIO(file.data), save_filename=file.name, mime_type=MIME_TYPES[file.format])
        self.notify(tr(f"已交给浏览器下载（{file.rows} 行）：\n{file.name}",
                       f"Handed to the browser as a download ({file.rows} rows):\n{file.name}"),
                    title=tr("导出完成", "Exported"), timeout=15)


class ExportsList(ExportFlow):
    """A list screen: the export key (``o``) and the flow; a screen that
    declares no list to export is offered no key and no palette entry."""

    BINDINGS: ClassVar = [EXPORT_BINDING]

    def declares_exports(self) -> bool:
        """Whether this screen has a list to export (declared on its class)."""
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export" and not self.declares_exports():
            return False
        return super().check_action(action, parameters)
