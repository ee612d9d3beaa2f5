"""The command palette: every action of the app and of the current screen.

Built from the active bindings (so whatever a key can do, ``ctrl+p`` can do
too, with the same description, and actions disabled for this account —
e.g. review actions for a viewer — are absent from both), plus the app's
system commands. The palette speaks the user's language: its placeholder,
and a line saying that nothing matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import CommandPalette, DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from zhumeng_tui.i18n import tr
from zhumeng_tui.widgets.keys import BINDING_TEXT, binding_text


def pinyin_initials(text: str) -> str:
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover
        return ""
    return "".join(p[:1] for p in lazy_pinyin(text, style=Style.FIRST_LETTER) if p.isalpha())


def screen_actions(screen: DOMNode) -> Iterator[tuple[DOMNode, Binding, str]]:
    """(node, binding, key shown) for every enabled binding of ours on ``screen``."""
    app = screen.app
    seen: set[str] = set()
    active = getattr(screen, "active_bindings", {})
    for key, active_binding in active.items():
        binding = active_binding.binding
        if not active_binding.enabled or binding.id not in BINDING_TEXT:
            continue
        if binding.id in seen or binding.id == "app.palette":
            continue
        seen.add(binding.id)
        yield active_binding.node, binding, app.get_key_display(binding) or key


class ActionsProvider(Provider):
    """Every key binding of the app and the current screen, and the app's
    system commands, as commands."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any], list[str]]]:
        """(text, key shown, run, aliases) of every command."""
        out: list[tuple[str, str, Callable[[], Any], list[str]]] = []
        for node, binding, key in screen_actions(self.screen):
            run = partial(self.app.run_action, binding.action, node)
            out.append((binding_text(binding), key, run, self._aliases(binding.id)))
        for command in self.app.get_system_commands(self.screen):
            out.append((command.title, "", command.callback, [command.help]))
        return out

    @staticmethod
    def _aliases(binding_id: str | None) -> list[str]:
        """English text and pinyin initials, so "qr" or "confirm" finds 确认."""
        if not binding_id or binding_id not in BINDING_TEXT:
            return []
        zh, en = BINDING_TEXT[binding_id]
        return [en, pinyin_initials(zh)]

    @staticmethod
    def _shown(text: str, key: str) -> str:
        return f"{text}  ({key})" if key else text

    async def discover(self) -> Hits:
        for text, key, run, _aliases in self._commands():
            yield DiscoveryHit(self._shown(text, key), run, text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        found = False
        for text, key, run, aliases in self._commands():
            score = max(matcher.match(c) for c in (text, key, *aliases))
            if score > 0:
                found = True
                yield Hit(score, matcher.highlight(self._shown(text, key)), run, text=text)
        if not found:
            # said here, in the user's language (this provider offers every command)
            yield Hit(0.01, tr("没有匹配的命令", "No matching command"), _nothing)


def _nothing() -> None:
    """The command behind the "no match" line: does nothing."""


class ZCommandPalette(CommandPalette):
    """The command palette with a placeholder in the user's language."""

    def __init__(self) -> None:
        super().__init__(
            placeholder=tr("搜索命令（中文、English 或拼音首字母）…", "Search for commands…"), id="--command-palette"
        )
