"""Pinyin of student names for search (`zs` finds 张三).

pypinyin is slow (~50 µs a call), so readings are computed once per distinct
character and once per distinct name, and memoised for the process.
"""

from __future__ import annotations

from functools import cache, lru_cache


@cache
def _char(ch: str) -> tuple[str, str]:
    if ch.isascii():
        low = ch.lower()
        return (low, low) if low.isalnum() else ("", "")
    from pypinyin import Style, lazy_pinyin  # ~0.4 s to import: only when a name needs it

    full = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    if not full or not full[0]:
        return ("", "")
    s = full[0].lower()
    return (s, s[0])


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """``(full, initials)``: 张三 -> ("zhangsan", "zs")."""
    full, initials = [], []
    for ch in name:
        f, i = _char(ch)
        full.append(f)
        initials.append(i)
    return "".join(full), "".join(initials)


def warm_up() -> None:
    """Load pypinyin and its tables now (a few tenths of a second), for
    instance while a first sync waits for its first page, instead of when the
    first student's name is read."""
    _char("中")
