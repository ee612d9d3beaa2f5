"""The i18n layer: every string the user sees goes through here.

Strings are written as (Chinese, English) pairs next to where they are used;
``tr`` picks the one for the current language. Chinese is the default.

    from zhumeng_tui.i18n import tr
    tr("已同步", "Synced")
    tr_pair(STATUS_LABELS[status])
"""

from __future__ import annotations

LANGS = ("zh", "en")
_lang = "zh"


def set_lang(lang: str) -> None:
    global _lang
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    _lang = lang


def get_lang() -> str:
    return _lang


def tr(zh: str, en: str) -> str:
    """The string for the current language."""
    return en if _lang == "en" else zh


def tr_pair(pair: tuple[str, str]) -> str:
    return tr(pair[0], pair[1])
