"""Key bindings with stable ids and bilingual descriptions.

Every binding of the app is declared with :func:`K`, which gives it an ``id``
(so ``App.set_keymap(config.keymap)`` can remap it, e.g. ``{"review.confirm":
"f5"}``) and a Chinese + English description. Binding descriptions live in
class variables, so they are created before the language is known;
:func:`localize_bindings` (called by :class:`Localized` in ``__init__``) swaps
in the description for the current language on each instance.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget

from zhumeng_tui.i18n import tr

#: binding id -> (中文, English)
BINDING_TEXT: dict[str, tuple[str, str]] = {}

#: binding id -> the shorter English the footer shows (help and the palette show the whole text)
FOOTER_EN: dict[str, str] = {}


def K(
    key: str,
    action: str,
    zh: str,
    en: str,
    *,
    id: str,
    show: bool = True,
    priority: bool = False,
    key_display: str | None = None,
    footer_en: str | None = None,
) -> Binding:
    """A Binding with an id and a (中文, English) description; ``footer_en``
    is a shorter English for the footer, where 80 columns hold every key."""
    BINDING_TEXT[id] = (zh, en)
    if footer_en:
        FOOTER_EN[id] = footer_en
    return Binding(
        key,
        action,
        zh,
        show=show,
        priority=priority,
        key_display=key_display,
        id=id,
        tooltip=en,
    )


def focus_now(widget: Widget) -> None:
    """Move the focus to ``widget`` before the next key is handled.

    ``Widget.focus`` moves it in a callback queued behind the keys already
    received, so what a quick typist typed right after the key that moves the
    focus (``/`` then a name, enter then the password) went to the widget that
    had it and was lost. Every key-driven move of the focus goes through here.
    """
    widget.screen.set_focus(widget)


def binding_text(binding: Binding) -> str:
    """The binding's description in the current language."""
    if binding.id and binding.id in BINDING_TEXT:
        return tr(*BINDING_TEXT[binding.id])
    return binding.description


def footer_text(binding: Binding) -> str:
    """The binding's description in the footer: the short English where there is one."""
    if binding.id and binding.id in FOOTER_EN:
        return tr(BINDING_TEXT[binding.id][0], FOOTER_EN[binding.id])
    return binding_text(binding)


def _binding_order(node: DOMNode) -> dict[str, int]:
    """binding id -> position: the most derived class's bindings first, in their order."""
    order: dict[str, int] = {"app.help": 0}  # "? 帮助" always leads the footer
    for cls in type(node).__mro__:
        for b in cls.__dict__.get("BINDINGS", []):
            if isinstance(b, Binding) and b.id and b.id not in order:
                order[b.id] = len(order)
    return order


def localize_bindings(node: DOMNode) -> None:
    """Rewrite the descriptions of ``node``'s own bindings for the current language,
    and order them so the footer shows the screen's own keys first."""
    bindings_map = node._bindings
    order = _binding_order(node)
    items = []
    for key, bindings in list(bindings_map.key_to_bindings.items()):
        items.append(
            (
                key,
                [
                    dataclasses.replace(b, description=footer_text(b), tooltip="")
                    if b.id in BINDING_TEXT
                    else b
                    for b in bindings
                ],
            )
        )
    big = len(order) + 1
    items.sort(key=lambda kv: min((order.get(b.id or "", big) for b in kv[1]), default=big))
    bindings_map.key_to_bindings.clear()
    bindings_map.key_to_bindings.update(items)


def describe_bindings(node: DOMNode, descriptions: dict[str, str]) -> None:
    """Give bindings of a widget we do not define (Textual's own) a description
    in the user's language: action -> description."""
    bindings_map = node._bindings
    for key, bindings in list(bindings_map.key_to_bindings.items()):
        bindings_map.key_to_bindings[key] = [
            dataclasses.replace(b, description=descriptions[b.action]) if b.action in descriptions else b
            for b in bindings
        ]


class Localized:
    """Mixin for App / Screen / Widget subclasses: localized binding descriptions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert isinstance(self, DOMNode)
        localize_bindings(self)
