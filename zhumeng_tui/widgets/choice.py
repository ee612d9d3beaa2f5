"""``Choice``: Textual's ``Select`` speaking the user's language (its prompt
and the key that closes its list)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select

from zhumeng_tui.i18n import tr
from zhumeng_tui.widgets.keys import describe_bindings


class Choice(Select[str]):
    """A ``Select`` of strings whose prompt defaults to 请选择 / Select and whose
    open list names its ``escape`` key in the user's language."""

    def __init__(self, options: Any, *, prompt: str | None = None, **kwargs: Any) -> None:
        super().__init__(options, prompt=prompt or tr("请选择", "Select"), **kwargs)

    def on_mount(self) -> None:
        # the open list (Textual's SelectOverlay) brings its own English "Dismiss menu"
        for overlay in self.query("SelectOverlay"):
            describe_bindings(overlay, {"dismiss": tr("关闭列表", "Close list")})
