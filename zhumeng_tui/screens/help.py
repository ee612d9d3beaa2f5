"""``?``: the keys of the current screen, with what they do."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from zhumeng_tui.i18n import tr
from zhumeng_tui.widgets.keys import K, Localized, binding_text
from zhumeng_tui.widgets.palette import screen_actions


def help_lines(screen: Screen[object]) -> list[tuple[str, str]]:
    return [(key, binding_text(b)) for _node, b, key in screen_actions(screen)]


class HelpScreen(Localized, ModalScreen[None]):
    """Lists the bindings of the screen it was opened from."""

    BINDINGS: ClassVar = [
        K("escape,question_mark,q", "dismiss", "关闭", "Close", id="help.close", key_display="esc"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 72; max-width: 100%; height: 90%;
        border: round $accent; padding: 0 1; background: $panel; }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen #help-intro { color: $text-muted; margin-bottom: 1; }
    HelpScreen #help-filters { margin-bottom: 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self._for = screen

    def compose(self) -> ComposeResult:
        title = getattr(self._for, "title_text", None)
        intro = getattr(self._for, "HELP_TEXT", ("", ""))
        with Vertical():
            yield Static(tr("帮助 · ", "Help · ") + (title() if callable(title) else ""), id="help-title")
            if intro and intro[0]:
                yield Static(tr(*intro), id="help-intro")
            filters = getattr(self._for, "FILTER_HELP", None)
            if filters:
                yield Static(tr(*filters), id="help-filters")
            lines = help_lines(self._for)
            width = max((len(k) for k, _ in lines), default=4) + 2
            body = "\n".join(f"{k:<{width}}{d}" for k, d in lines)
            with VerticalScroll(id="help-scroll"):
                yield Static(body, id="help-keys", markup=False)
            yield Static(
                tr("上下键滚动 · ctrl+p 命令面板（所有操作）· esc 关闭", "up/down scroll · ctrl+p command palette (every action) · esc close"),
                id="help-foot",
            )

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
