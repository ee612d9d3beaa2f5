"""Command palette provider: every action of the app and of the current screen.

Built from the active bindings (so whatever a key can do, ``ctrl+p`` can do
too, with the same description, and actions disabled for this account —
e.g. review actions for a viewer — are absent from both).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

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
    """Every key binding of the app and the current screen, as commands."""

    def _commands(self) -> list[tuple[str, str, partial[Any]]]:
        out = []
        for node, binding, key in screen_actions(self.screen):
            run = partial(self.app.run_action, binding.action, node)
            out.append((binding_text(binding), key, run))
        return out

    @staticmethod
    def _aliases(binding_id: str | None) -> list[str]:
        """English text and pinyin initials, so "qr" or "confirm" finds 确认."""
        if not binding_id or binding_id not in BINDING_TEXT:
            return []
        zh, en = BINDING_TEXT[binding_id]
        return [en, pinyin_initials(zh)]

    async def discover(self) -> Hits:
        for text, key, run in self._commands():
            yield DiscoveryHit(f"{text}  ({key})", run, text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for (text, key, run), (_n, binding, _k) in zip(self._commands(), screen_actions(self.screen), strict=False):
            score = max(matcher.match(c) for c in (text, key, *self._aliases(binding.id)))
            if score > 0:
                yield Hit(score, matcher.highlight(f"{text}  ({key})"), run, text=text)
