"""A modal that shows the progress of long work (an export, an import's
analysis, sending an import) while a worker does it.

The worker posts :class:`WorkProgress` messages to its screen; the screen
hands them to the dialog (:meth:`ProgressDialog.show`). The dialog cannot be
dismissed by a key: the screen closes it when the work is done or failed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ProgressBar, Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.widgets.keys import Localized


class WorkProgress(Message):
    """``done`` of ``total`` (None: not known yet)."""

    def __init__(self, done: int, total: int | None) -> None:
        super().__init__()
        self.done = done
        self.total = total


class ProgressDialog(Localized, ModalScreen[None]):
    DEFAULT_CSS = """
    ProgressDialog { align: center middle; }
    ProgressDialog > Vertical { width: 64; max-width: 100%; height: auto; border: round $accent;
        background: $panel; padding: 0 1; }
    ProgressDialog #p-title { text-style: bold; }
    ProgressDialog ProgressBar { width: 100%; }
    """

    def __init__(self, title: str, unit: tuple[str, str] = ("行", "rows")) -> None:
        super().__init__()
        self._title = title
        self._unit = unit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="p-title")
            yield ProgressBar(total=None, show_eta=False, id="p-bar")
            yield Static(tr("请稍候…", "Please wait…"), id="p-count")

    def show(self, done: int, total: int | None) -> None:
        """Show ``done`` of ``total``."""
        if not self.is_mounted:
            return
        bar = self.query_one(ProgressBar)
        if total:
            bar.update(total=total, progress=done)
            count = f"{done:,} / {total:,} {tr(*self._unit)}"
        else:
            count = f"{done:,} {tr(*self._unit)}" if done else tr("正在读取文件…", "Reading the file…")
        self.query_one("#p-count", Static).update(count)
