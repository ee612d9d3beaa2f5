"""Pinyin of student names for search (`zs` finds 张三).

A name's reading is each character's first reading in pypinyin's table of
single characters, without tone marks (ü written ``v``): what
``lazy_pinyin(ch, style=Style.NORMAL)`` gives for one character. The table
is read from the file pypinyin ships it in, without importing pypinyin:
importing it also loads its phrase dictionary and trains its word
segmenter (about 55 MB and 0.3 s), which single characters never use. If the
file is not where this pypinyin keeps it, pypinyin is imported instead.

Readings are memoised per character and per name for the process.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

#: The file in the pypinyin package: {"<code point>": "zhōng,zhòng", ...}.
TABLE_FILE = "pinyin_dict.json"


@cache
def _table() -> dict[str, str]:
    """Code point (as text) -> its readings, comma-separated, tone marks kept."""
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / TABLE_FILE
        if path.is_file():
            table: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
            return table
    from pypinyin.pinyin_dict import pinyin_dict  # the whole package: slower, same table

    return {str(k): v for k, v in pinyin_dict.items()}


def _toneless(reading: str) -> str:
    """``lǜ`` -> ``lv``, ``zhōng`` -> ``zhong``."""
    text = unicodedata.normalize("NFD", reading).replace("u\u0308", "v")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@cache
def _char(ch: str) -> tuple[str, str]:
    if ch.isascii():
        low = ch.lower()
        return (low, low) if low.isalnum() else ("", "")
    readings = _table().get(str(ord(ch)))
    full = _toneless(readings.split(",", 1)[0]) if readings else ""
    return (full, full[:1])


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
    """Read the table now (a few hundredths of a second), for instance while
    a first sync waits for its first page, instead of when the first
    student's name is read."""
    _table()
